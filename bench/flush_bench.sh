#!/usr/bin/env bash
# Whole-tool benchmark of logroute-flush, with its references measured in the
# same run on the same private MariaDB (InnoDB, server defaults):
#   ceiling: LOAD DATA LOCAL INFILE of the same rows as TSV through the mariadb client
#   mysql:   logroute-flush of the spooled events
#   sqlite:  logroute-flush into an SQLite file on the same disk
# and the bulk paths compared function by function (flush_bulk_paths).
#
#   bench/flush_bench.sh BUILD_DIR [EVENTS...]     (default: 1000000)
# Several EVENTS values show whether rows/s stays flat as the backlog grows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: flush_bench.sh BUILD_DIR [EVENTS...]}" && pwd)
shift
sizes=("${@:-1000000}")
bench_name="flush-bench"
# shellcheck source=bench/mariadb_bench_lib.sh
source "$here/mariadb_bench_lib.sh"

printf '%-10s %16s %18s %6s %19s\n' events ceiling_rows/s flush_mysql_rows/s ratio flush_sqlite_rows/s
for events in "${sizes[@]}"; do
  python3 - "$events" "$work/events.ndjson" "$work/rows.tsv" <<'PY'
import sys
n, ndjson, tsv = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = ["login", "logout"]
with open(ndjson, "w") as j, open(tsv, "w") as t:
    for i in range(n):
        name = names[i % 2]
        j.write('{"unix_ts":%d,"user_id":%d,"event_name":"%s"}\n' % (1684129671 + i, i, name))
        t.write("%d\t%d\t%s\n" % (1684129671 + i, i, name))
PY
  rm -rf "$work/spool"
  "$recv" --stdin --spool "$work/spool" --log-level warn < "$work/events.ndjson"
  cp -a "$work/spool" "$work/spool-sqlite"
  sync

  sql -e "DROP DATABASE IF EXISTS bench; CREATE DATABASE bench;
          CREATE TABLE bench.logs (id BIGINT AUTO_INCREMENT PRIMARY KEY, unix_ts BIGINT NOT NULL,
          user_id BIGINT NOT NULL, event_name VARCHAR(255) NOT NULL) DEFAULT CHARSET=utf8mb4;"
  t0=$(now)
  sql bench -e "LOAD DATA LOCAL INFILE '$work/rows.tsv' INTO TABLE logs CHARACTER SET utf8mb4 (unix_ts, user_id, event_name)"
  t1=$(now)
  ceiling=$(rate "$events" "$t0" "$t1")

  sql -e "DROP DATABASE bench; CREATE DATABASE bench;"
  # Steady state, as under the 30 s timer: the tables exist (the ceiling's table
  # is made before its clock starts too), so a first pass on an empty spool
  # creates them before the clock starts.
  mkdir -p "$work/empty" && "$recv" --stdin --spool "$work/empty" --log-level warn </dev/null
  "$flush" --spool "$work/empty" --db "mysql://$MARIADB_USER@localhost/bench?socket=$MARIADB_SOCKET" \
    --log-level warn
  "$flush" --spool "$work/empty" --db "sqlite:$work/bench.db" --log-level warn
  t0=$(now)
  "$flush" --spool "$work/spool" --db "mysql://$MARIADB_USER@localhost/bench?socket=$MARIADB_SOCKET" \
    --log-level warn
  t1=$(now)
  mysql_rate=$(rate "$events" "$t0" "$t1")
  stored=$(sql -N bench -e "SELECT COUNT(*) FROM logs")
  [[ "$stored" == "$events" ]] || { echo "flush stored $stored rows, expected $events" >&2; exit 1; }

  t0=$(now)
  "$flush" --spool "$work/spool-sqlite" --db "sqlite:$work/bench.db" --log-level warn
  t1=$(now)
  sqlite_rate=$(rate "$events" "$t0" "$t1")
  rm -rf "$work/spool-sqlite" "$work/bench.db"* "$work/empty"

  ratio=$(python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{b / a:.2f}')" "$ceiling" "$mysql_rate")
  printf '%-10s %16s %18s %6s %19s\n' "$events" "$ceiling" "$mysql_rate" "$ratio" "$sqlite_rate"
done

echo
echo "Bulk paths of Connector/C, same server, transactions of 1,000,000 rows in chunks of 20,000:"
LOGROUTE_BENCH_ROWS=1000000 LOGROUTE_BENCH_MYSQL_SOCKET=$MARIADB_SOCKET \
  "$build/bench/flush_bulk_paths" --benchmark_format=console 2>/dev/null | grep -E "^BM_"
