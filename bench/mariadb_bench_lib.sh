# shellcheck shell=bash disable=SC2034,SC2154 # sets what its caller uses; uses what it sets
# Sourced by the whole-tool benches that need MariaDB (flush_bench.sh,
# dedupe_bench.sh): the built tools, a work directory, a private MariaDB
# started in it and stopped on exit, and the helpers that time and rate a run.
# Expects `here` (the bench directory), `build` and `bench_name`.
recv=$build/tools/logroute-recv/logroute-recv
flush=$build/tools/logroute-flush/logroute-flush

work=$(mktemp -d "${TMPDIR:-/tmp}/logroute-$bench_name.XXXXXX")
env_file=$work/mariadb.env
cleanup() { "$here/../tests/support/mariadb.sh" stop "$env_file" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"$here/../tests/support/mariadb.sh" start "$env_file" >/dev/null
# shellcheck disable=SC1090
source "$env_file"
export MYSQL_PWD=$MARIADB_PASSWORD
sql() { mariadb --no-defaults --socket="$MARIADB_SOCKET" -u"$MARIADB_USER" --local-infile=1 "$@"; }
now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f}')" "$@"; }
