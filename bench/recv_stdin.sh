#!/usr/bin/env bash
# Times `logroute-recv --stdin --fsync never` on generated events against
# `cat file > other-file` on the same disk (the I/O floor), in the same run,
# and prints events/s for both and their ratio (best of --runs, wall clock;
# recv's CPU time too, since the machine may be shared).
#
#   bench/recv_stdin.sh BUILD_DIR [--events N] [--runs N] [--tmp DIR] [--cpu N]
#
# --cpu N pins both commands to core N (taskset). Target (issue 2): at least
# 1,000,000 events/s on one core.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [--events N] [--runs N] [--tmp DIR] [--cpu N]" >&2; exit 64; }
(($# >= 1)) || usage
build=$1
shift
events=1000000 runs=3 tmp_parent=${TMPDIR:-/tmp} pin=()
while (($#)); do
  case $1 in
    --events) events=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --tmp) tmp_parent=$2; shift 2 ;;
    --cpu) pin=(taskset -c "$2"); shift 2 ;;
    *) usage ;;
  esac
done
recv=$build/tools/logroute-recv/logroute-recv
stat=$build/tools/logroute-stat/logroute-stat
[[ -x $recv && -x $stat ]] || { echo "$0: build logroute-recv and logroute-stat in $build first" >&2; exit 69; }

work=$(mktemp -d "$tmp_parent/logroute-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Realistic events: growing timestamps, spread user ids, login and logout.
awk -v n="$events" 'BEGIN {
  for (i = 0; i < n; i++)
    printf "{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"%s\"}\n",
           1684129671 + int(i / 100), (i * 7919) % 1000003 + 1, (i % 2 ? "login" : "logout")
}' > "$work/events.ndjson"
bytes=$(stat -c %s "$work/events.ndjson")

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
# Runs "$@" and prints "wall user+sys" in seconds.
timed() {
  local TIMEFORMAT='%R %U %S' t
  t=$({ time "$@" > /dev/null 2>&1; } 2>&1)
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<< "$t"
}

best_cat="" best_recv="" best_recv_cpu=""
for ((run = 1; run <= runs; run++)); do
  rm -rf "$work/spool" "$work/copy"
  read -r cat_s _ < <(timed sh -c "${pin[*]} cat '$work/events.ndjson' > '$work/copy'")
  read -r recv_s recv_cpu < <(timed sh -c "${pin[*]} '$recv' --stdin --fsync never \
      --spool '$work/spool' --log-level warn < '$work/events.ndjson'")
  printf 'run %d: cat %.3f s; recv %.3f s (cpu %.3f s)\n' "$run" "$cat_s" "$recv_s" "$recv_cpu"
  best_cat=$(min "$best_cat" "$cat_s")
  best_recv=$(min "$best_recv" "$recv_s")
  best_recv_cpu=$(min "$best_recv_cpu" "$recv_cpu")
done

# Everything must be there: a fast recv that loses events is no result.
stored=$("$stat" --spool "$work/spool" --json |
  awk '/"totals"/ { t = 1 } t && /"events"/ { gsub(/[^0-9]/, ""); print; exit }')
if [[ $stored != "$events" ]]; then
  echo "$0: the spool holds ${stored:-no} events, expected $events" >&2
  exit 1
fi

recv_rate=$(calc "$events / $best_recv")
cat_rate=$(calc "$events / $best_cat")
printf 'input: %d events, %d bytes, in %s\n' "$events" "$bytes" "$work"
printf 'cat (I/O floor): %10.0f events/s %8.1f MB/s  (best of %d: %.3f s)\n' \
  "$cat_rate" "$(calc "$bytes / $best_cat / 1e6")" "$runs" "$best_cat"
printf 'logroute-recv:   %10.0f events/s %8.1f MB/s  (best of %d: %.3f s; cpu %.3f s = %.0f events/cpu-s)\n' \
  "$recv_rate" "$(calc "$bytes / $best_recv / 1e6")" "$runs" "$best_recv" "$best_recv_cpu" \
  "$(calc "$events / ($best_recv_cpu > 0 ? $best_recv_cpu : 0.001)")"
printf 'ratio recv/cat:  %.3f (cat is %.1fx faster)\n' \
  "$(calc "$recv_rate / $cat_rate")" "$(calc "$cat_rate / $recv_rate")"
if awk -v r="$recv_rate" 'BEGIN { exit !(r >= 1000000) }'; then
  echo "target (>= 1,000,000 events/s on one core): met"
else
  echo "target (>= 1,000,000 events/s on one core): MISSED"
fi
