#!/usr/bin/env bash
# Runs the fuzz targets of a LOGROUTE_FUZZ build, one after the other, each for
# a bounded time, on its seed corpus (corpus/NAME), the inputs of past crashes
# (regressions/NAME) and what earlier runs found (BUILD/fuzz-corpus/NAME, kept
# between runs, never in the source tree).
#   tests/fuzz/run.sh BUILD_DIR [SECONDS] [NAME...]    (default 600 s; all targets)
# e.g. CI: tests/fuzz/run.sh build/fuzz 20;  by hand: nice tests/fuzz/run.sh build/fuzz 3600 http_exchange
# A crash stops the run: its input is saved as BUILD/fuzz-artifacts/NAME-crash-*;
# fix the code, then keep the input as tests/fuzz/regressions/NAME/<what it was>.
# Prints libFuzzer's final statistics of each target (executions, coverage).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS] [NAME...]}
seconds=${2:-600}
shift $(($# < 2 ? $# : 2))
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(event_parser http_exchange spool_record line_reader torn_tail reject_escape dsn config)
fi

declare -A dicts=([event_parser]="json" [http_exchange]="http json" [config]="config")
declare -A max_len=([http_exchange]=16384 [line_reader]=8192 [torn_tail]=8192)
# Beast and Asio give the HTTP target so many features that libFuzzer's entropic
# bookkeeping took half its time: without it, twice the executions.
declare -A extra=([http_exchange]="-entropic=0")

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
for name in "${targets[@]}"; do
  binary="$build/tests/fuzz/${name}_fuzzer"
  [[ -x "$binary" ]] || { echo "run.sh: no $binary (configure with -DLOGROUTE_FUZZ=ON)" >&2; exit 64; }
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  inputs=("$work" "$here/corpus/$name")
  [[ -d "$here/regressions/$name" ]] && inputs+=("$here/regressions/$name")
  flags=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
         -max_len="${max_len[$name]:-4096}" -artifact_prefix="$artifacts/$name-")
  [[ -n "${extra[$name]:-}" ]] && flags+=(${extra[$name]})
  if [[ -n "${dicts[$name]:-}" ]]; then
    dict="$work.dict"
    for d in ${dicts[$name]}; do cat "$here/dict/$d.dict"; done > "$dict"
    flags+=(-dict="$dict")
  fi
  echo "== fuzzing $name for ${seconds}s"
  log="$build/fuzz-$name.log"
  if ! "$binary" "${flags[@]}" "${inputs[@]}" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "run.sh: $name found a crash; input in $artifacts (full log: $log)" >&2
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|cov: .*(DONE)' "$log" |
    sed "s/^/  $name: /"
done
