#!/bin/bash
# The compose file's `test` service: sends events to recv over HTTP, then waits
# until flush has landed every one of them in the database, and checks the
# count exactly (nothing lost, nothing duplicated). Exits 0 on PASS, non-zero
# on FAIL; from the repository root, the command's exit status is the test's:
#   TEST_ENABLED=true docker-compose up --build --abort-on-container-exit test
# Settings: TEST_ENABLED (must be true), LOGROUTE_URL (http://recv:8000),
# LOAD_EVENTS (10000), LOAD_BATCH (500 events per NDJSON request), LOAD_SINGLE
# (100 single-event requests, the original API), LOAD_WAIT (120 s for flush),
# LOGROUTE_DB (mysql://USER@HOST:PORT/DB) and MYSQL_PWD.
set -euo pipefail

if [[ ${TEST_ENABLED:-false} != true ]]; then
  echo "load-test: TEST_ENABLED is not true; nothing to do (TEST_ENABLED=true docker compose up --build test)"
  exit 0
fi
url=${LOGROUTE_URL:-http://recv:8000}
events=${LOAD_EVENTS:-10000}
batch=${LOAD_BATCH:-500}
single=${LOAD_SINGLE:-100}
wait_limit=${LOAD_WAIT:-120}
dsn=${LOGROUTE_DB:?LOGROUTE_DB must name the database (mysql://USER@HOST:PORT/DB)}
rest=${dsn#mysql://}
user=${rest%%@*}
hostport=${rest#*@}
hostport=${hostport%%/*}
database=${rest#*/}
database=${database%%\?*}

rows() {
  mysql --host "${hostport%%:*}" --port "${hostport##*:}" --user "$user" --batch \
    --skip-column-names "$database" -e "SELECT COUNT(*) FROM logs" 2>/dev/null || echo 0
}

for _ in $(seq 60); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 1; done
before=$(rows)
echo "load-test: $before rows before; sending $events events to $url"
started=$(date +%s)
sent=0
user_id=1
while ((sent < events - single)); do
  n=$((events - single - sent < batch ? events - single - sent : batch))
  body=$(for ((i = 0; i < n; i++)); do
    printf '{"unix_ts":%d,"user_id":%d,"event_name":"%s"}\n' "$started" $((user_id + i)) \
      "$( ((i % 2)) && echo logout || echo login)"
  done)
  curl -fsS -X POST -H 'Content-Type: application/x-ndjson' --data-binary "$body" \
    "$url/api/log" >/dev/null
  sent=$((sent + n))
  user_id=$((user_id + n))
done
for ((i = 0; i < single; i++)); do
  curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"unix_ts\":$started,\"user_id\":$((user_id + i)),\"event_name\":\"login\"}" \
    "$url/api/log" >/dev/null
done
sent=$((sent + single))
echo "load-test: sent $sent events in $(($(date +%s) - started)) s; waiting for flush"

expected=$((before + sent))
for ((waited = 0; waited <= wait_limit; waited += 2)); do
  now=$(rows)
  if ((now == expected)); then
    echo "load-test: PASS, $((now - before)) new rows (expected $sent) after ${waited} s"
    exit 0
  fi
  if ((now > expected)); then
    echo "load-test: FAIL, $((now - before)) new rows for $sent events: duplicates" >&2
    exit 1
  fi
  sleep 2
done
echo "load-test: FAIL, $(($(rows) - before)) of $sent rows after ${wait_limit} s" >&2
exit 1
