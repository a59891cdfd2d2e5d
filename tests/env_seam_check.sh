#!/usr/bin/env bash
# Fails when the spool or the flush protocol reaches the file system or the
# clock other than through the Env seam (libcore/base/env.h): the fault suite
# (tests/fault/) proves their guarantees only for the calls that go through it.
set -euo pipefail
cd "$(dirname "$0")/.."
modules=(libcore/spool libcore/flush)
calls='open|openat|creat|close|read|pread|write|pwrite|fsync|fdatasync|rename|renameat|unlink|unlinkat|ftruncate|truncate|mkdir|rmdir|flock|fcntl|opendir|fdopendir|readdir|closedir|stat|lstat|fstat|lseek|fopen|time|clock_gettime|gettimeofday|getpid|sync|syncfs'
pattern="(^|[^.>_[:alnum:]])(::)?(${calls})[[:space:]]*\\("
status=0
while IFS= read -r file; do
  # Code only: comments are stripped first.
  if hits=$(sed -e 's://.*$::' "$file" | grep -nE "$pattern"); then
    echo "$file: a direct system call, not through Env:" >&2
    echo "$hits" | sed 's/^/  /' >&2
    status=1
  fi
  if hits=$(grep -nE '#include <(fcntl|unistd|dirent|sys/stat|sys/file|fstream|filesystem|cstdio)\.?h?>' "$file" | grep -v cstdio); then
    echo "$file: includes a file-system header; use libcore/base/env.h:" >&2
    echo "$hits" | sed 's/^/  /' >&2
    status=1
  fi
done < <(find "${modules[@]}" -name '*.cc' -o -name '*.h' | sort)
[[ $status -eq 0 ]] && echo "env_seam_check: ${modules[*]} reach the file system through Env only"
exit $status
