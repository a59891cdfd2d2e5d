#!/usr/bin/env bash
# What the event_id key costs (issue 13), every figure measured in the same
# run on the same private MariaDB (InnoDB, server defaults) and SQLite file
# system, each rate a ratio of a reference of that run:
#   load:     LOAD DATA LOCAL INFILE of the plain rows into the original layout
#   old:      logroute-flush of plain events into the original layout (no event_id)
#   plain:    logroute-flush of plain events into a table with the key (flush --dedupe)
#   ids:      logroute-flush of events with ids (random UUIDs, v4) into that table
#   ordered:  the same with time-ordered ids (UUIDv7: a millisecond clock first),
#             whose index grows at its end like the table's own key
# Goals: plain >= 0.9 of old (and of load), ids >= 0.7 of plain.
#
#   bench/dedupe_bench.sh BUILD_DIR [EVENTS]     (default: 1000000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: dedupe_bench.sh BUILD_DIR [EVENTS]}" && pwd)
events=${2:-1000000}
bench_name="dedupe-bench"
# shellcheck source=bench/mariadb_bench_lib.sh
source "$here/mariadb_bench_lib.sh"
ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); print(f'{b / a:.2f}')" "$@"; }
mysql_dsn="mysql://$MARIADB_USER@localhost/bench?socket=$MARIADB_SOCKET"
original="CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY, unix_ts BIGINT NOT NULL,
          user_id BIGINT NOT NULL, event_name VARCHAR(255) NOT NULL) DEFAULT CHARSET=utf8mb4"

python3 - "$events" "$work" <<'PY'
import os, sys, uuid
n, work = int(sys.argv[1]), sys.argv[2]
names = ["login", "logout"]

def uuid7(ms):  # RFC 9562: 48-bit milliseconds, version 7, variant, random
    r = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((r >> 62) & 0xFFF) << 64 | (0b10 << 62) | (r & (2**62 - 1))
    return str(uuid.UUID(int=value))

with open(work + "/plain.ndjson", "w") as p, open(work + "/ids.ndjson", "w") as d, \
        open(work + "/ordered.ndjson", "w") as o, open(work + "/rows.tsv", "w") as t:
    for i in range(n):
        event = '{"unix_ts":%d,"user_id":%d,"event_name":"%s"' % (1684129671 + i, i, names[i % 2])
        p.write(event + "}\n")
        d.write(event + ',"event_id":"%s"}\n' % uuid.uuid4())
        o.write(event + ',"event_id":"%s"}\n' % uuid7(1684129671000 + i))
        t.write("%d\t%d\t%s\n" % (1684129671 + i, i, names[i % 2]))
PY
for kind in plain ids ordered; do
  "$recv" --stdin --spool "$work/spool-$kind" --log-level warn < "$work/$kind.ndjson"
done
mkdir -p "$work/empty" && "$recv" --stdin --spool "$work/empty" --log-level warn </dev/null
sync

# flush_into DSN SPOOL: the rate of one flush of a copy of SPOOL into DSN.
flush_into() {
  rm -rf "$work/run" && cp -a "$work/$2" "$work/run" && sync
  local t0 t1
  t0=$(now)
  "$flush" --spool "$work/run" --db "$1" --log-level warn
  t1=$(now)
  rate "$events" "$t0" "$t1"
}
fresh_mysql() { sql -e "DROP DATABASE IF EXISTS bench; CREATE DATABASE bench; $1"; }

fresh_mysql ""
t0=$(now)
sql bench -e "$original; LOAD DATA LOCAL INFILE '$work/rows.tsv' INTO TABLE logs CHARACTER SET utf8mb4 (unix_ts, user_id, event_name)"
t1=$(now)
load=$(rate "$events" "$t0" "$t1")
fresh_mysql "USE bench; $original"
old=$(flush_into "$mysql_dsn" spool-plain)
# The table flush creates, made before the clock starts (as in steady state).
fresh_mysql "" && "$flush" --spool "$work/empty" --db "$mysql_dsn" --dedupe logs --table logs --log-level warn
plain=$(flush_into "$mysql_dsn" spool-plain)
fresh_mysql "" && "$flush" --spool "$work/empty" --db "$mysql_dsn" --dedupe logs --table logs --log-level warn
ids=$(flush_into "$mysql_dsn" spool-ids)
[[ $(sql -N bench -e "SELECT COUNT(DISTINCT event_id) FROM logs") == "$events" ]] ||
  { echo "flush of ids stored the wrong rows" >&2; exit 1; }
fresh_mysql "" && "$flush" --spool "$work/empty" --db "$mysql_dsn" --dedupe logs --table logs --log-level warn
ordered=$(flush_into "$mysql_dsn" spool-ordered)
[[ $(sql -N bench -e "SELECT COUNT(DISTINCT event_id) FROM logs") == "$events" ]] ||
  { echo "flush of ordered ids stored the wrong rows" >&2; exit 1; }

sqlite_db=$work/bench.db
fresh_sqlite() { rm -f "$sqlite_db"*; [[ -z "$1" ]] || sqlite3 "$sqlite_db" "$1"; }
fresh_sqlite "CREATE TABLE logs (id INTEGER PRIMARY KEY, unix_ts INTEGER NOT NULL,
              user_id INTEGER NOT NULL, event_name TEXT NOT NULL)"
sqlite_old=$(flush_into "sqlite:$sqlite_db" spool-plain)
fresh_sqlite "" && "$flush" --spool "$work/empty" --db "sqlite:$sqlite_db" --dedupe logs --table logs --log-level warn
sqlite_plain=$(flush_into "sqlite:$sqlite_db" spool-plain)
fresh_sqlite "" && "$flush" --spool "$work/empty" --db "sqlite:$sqlite_db" --dedupe logs --table logs --log-level warn
sqlite_ids=$(flush_into "sqlite:$sqlite_db" spool-ids)
fresh_sqlite "" && "$flush" --spool "$work/empty" --db "sqlite:$sqlite_db" --dedupe logs --table logs --log-level warn
sqlite_ordered=$(flush_into "sqlite:$sqlite_db" spool-ordered)

format='%-7s %10s %10s %10s %10s %10s   %9s %10s %9s %13s\n'
# shellcheck disable=SC2059
{
  printf "$format" sink load old plain ids ordered plain/old plain/load ids/plain ordered/plain
  printf "$format" mariadb "$load" "$old" "$plain" "$ids" "$ordered" "$(ratio "$old" "$plain")" \
    "$(ratio "$load" "$plain")" "$(ratio "$plain" "$ids")" "$(ratio "$plain" "$ordered")"
  printf "$format" sqlite - "$sqlite_old" "$sqlite_plain" "$sqlite_ids" "$sqlite_ordered" \
    "$(ratio "$sqlite_old" "$sqlite_plain")" - "$(ratio "$sqlite_plain" "$sqlite_ids")" \
    "$(ratio "$sqlite_plain" "$sqlite_ordered")"
}
echo "(rows/s, $events events each; ratios of the same run)"
