#!/usr/bin/env bash
# Peak RSS of logroute-flush draining a large backlog into SQLite: memory must
# stay bounded (segments are streamed, rows sent in chunks) whatever the backlog.
# The reference, in the same run: the same flush on a backlog 1/20 the size.
#
#   bench/flush_memory.sh BUILD_DIR [GIB]      (default 2 GiB of spool)
set -euo pipefail
build=$(cd "${1:?usage: flush_memory.sh BUILD_DIR [GIB]}" && pwd)
gib=${2:-2}
recv=$build/tools/logroute-recv/logroute-recv
flush=$build/tools/logroute-flush/logroute-flush
work=$(mktemp -d "${TMPDIR:-/tmp}/logroute-flush-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT

# About 60 bytes of spool per event.
events=$(awk -v g="$gib" 'BEGIN { printf "%d", g * 1073741824 / 60 }')
run() {  # events -> "spool_bytes rows seconds peak_rss_kib"
  local n=$1 dir=$work/run-$1
  mkdir -p "$dir"
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"%s\"}\n", 1684129671 + i, i,
           (i % 2 ? "login" : "logout") }' | "$recv" --stdin --spool "$dir/spool" --log-level warn
  local bytes
  bytes=$(du -sb "$dir/spool" | cut -f1)
  /usr/bin/time -f "%e %M" -o "$dir/time" "$flush" --spool "$dir/spool" --db "sqlite:$dir/db" \
    --log-level warn
  local rows
  rows=$(sqlite3 "$dir/db" "SELECT COUNT(*) FROM logs")
  [[ "$rows" == "$n" ]] || { echo "flushed $rows rows, expected $n" >&2; exit 1; }
  read -r seconds rss < "$dir/time"
  echo "$bytes $rows $seconds $rss"
  rm -rf "$dir"
}
printf '%-14s %12s %9s %14s\n' spool_bytes rows seconds peak_rss_MiB
read -r b r s k < <(run $((events / 20)))
printf '%-14s %12s %9s %14.1f\n' "$b" "$r" "$s" "$(awk -v k="$k" 'BEGIN { print k / 1024 }')"
ref=$k
read -r b r s k < <(run "$events")
printf '%-14s %12s %9s %14.1f\n' "$b" "$r" "$s" "$(awk -v k="$k" 'BEGIN { print k / 1024 }')"
awk -v a="$ref" -v b="$k" 'BEGIN { printf "peak RSS ratio (20x the backlog): %.2f; bound 64 MiB: %s\n",
  b / a, (b < 65536 ? "met" : "MISSED") }'
