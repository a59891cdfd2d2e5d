#!/usr/bin/env bash
# Fails when a tracked C++ file is not as clang-format (the repo's .clang-format) leaves it.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format_check: clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find libcore tools tests bench -name '*.cc' -o -name '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "format_check: ${#files[@]} files formatted"
