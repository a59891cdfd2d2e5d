#!/usr/bin/env bash
# The main job end to end on the embedded default: installs what is missing,
# builds, generates sample events, and runs them through logroute-recv
# (stdin) into a spool, then shows the backlog with logroute-stat.
#   scripts/demo.sh [EVENTS]      (default 100000; output under ./demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
events=${1:-100000}

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target logroute-recv logroute-stat
bin=build/release/tools
rm -rf demo && mkdir -p demo

echo "== $events sample events (and two bad ones) through logroute-recv --stdin"
python3 - "$events" > demo/events.ndjson <<'PY'
import json, random, sys
random.seed(7)
for i in range(int(sys.argv[1])):
    print(json.dumps({"unix_ts": 1684129671 + i, "user_id": random.randint(1, 10**6),
                      "event_name": random.choice(["login", "logout"])}))
print('{"unix_ts": "yesterday", "user_id": 1, "event_name": "login"}')
print('{"unix_ts": 1, "user_id": 1, "event_name": "signup"}')
PY
"$bin/logroute-recv/logroute-recv" --stdin --spool demo/spool < demo/events.ndjson

echo "== logroute-stat --spool demo/spool"
"$bin/logroute-stat/logroute-stat" --spool demo/spool
