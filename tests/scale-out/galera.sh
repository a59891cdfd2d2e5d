#!/usr/bin/env bash
# Scale-out proof (DESIGN.md, "Scale-out"): three "hosts" (spools), each with two
# concurrent flushers pointed at different nodes of a three-node MariaDB Galera
# cluster on loopback; one node is SIGKILLed mid-run and restarted. At the end
# every event recv accepted must be in the table exactly once.
#
# Usage: tests/scale-out/galera.sh [BUILD_DIR]      (run by hand; see README.md)
# Environment: EVENTS (per spool, default 200000), SEGMENT_BYTES (default 262144),
#   RESTART=0 to leave the killed node down, KEEP=1 to keep the temp dir,
#   DRAIN_TIMEOUT seconds (default 600), DB_PARAMS appended to the flushers' DSN
#   (e.g. '?bulk=load'), IDS=1 for events with an event_id, each sent again 0-3
#   times to the other hosts' spools as a client retrying elsewhere would (flush
#   runs with --dedupe logs; each id must be in the table once).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
recv_bin=$build/tools/logroute-recv/logroute-recv
flush_bin=$build/tools/logroute-flush/logroute-flush
stat_bin=$build/tools/logroute-stat/logroute-stat
events=${EVENTS:-200000}
segment_bytes=${SEGMENT_BYTES:-262144}
restart=${RESTART:-1}
ids=${IDS:-0}
drain_timeout=${DRAIN_TIMEOUT:-600}
galera_lib=/usr/lib/galera/libgalera_smm.so
db=events
pw=logroute-$$-$RANDOM
nodes=(1 2 3)
victim=2 # the node SIGKILLed mid-run

log() { printf '%s galera.sh: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 2
}

for bin in "$recv_bin" "$flush_bin" "$stat_bin"; do
  [[ -x $bin ]] || die "$bin not found: pass the build dir (e.g. build) as the first argument"
done

# --- packages --------------------------------------------------------------------------------
missing=()
for pkg in mariadb-server mariadb-client galera-4 rsync python3 lsof; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  [[ $(id -u) -eq 0 ]] || die "missing Debian packages: ${missing[*]} (run as root to install them)"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi
[[ -f $galera_lib ]] || galera_lib=$(dpkg -L galera-4 | grep -m1 'libgalera_smm\.so$')
[[ -f $galera_lib ]] || die "libgalera_smm.so not found (dpkg -L galera-4)"
mariadbd_bin=$(command -v mariadbd || echo /usr/sbin/mariadbd)
[[ -x $mariadbd_bin ]] || die "mariadbd not found"

# --- temp dir and cleanup ----------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/logroute-galera.XXXXXX")
mkdir -p "$work/log"
declare -A node_pid=()
bg_pids=()

stop_node() { # node signal
  local pid=${node_pid[$1]:-}
  [[ -n $pid ]] || return 0
  kill "-$2" "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "node_pid[$1]"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  touch "$work/stop"
  for pid in "${bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  for n in "${nodes[@]}"; do stop_node "$n" TERM; done
  if [[ ${KEEP:-0} == 1 || ($rc -ne 0 && ${KEEP:-} != 0) ]]; then
    log "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the cluster -----------------------------------------------------------------------------
# Four free loopback ports per node: client, gcomm, IST, SST. Bound all at once so that
# none is handed out twice.
mapfile -t ports < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(12):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
)
declare -A client_port gcomm_port ist_port sst_port
for n in "${nodes[@]}"; do
  i=$(((n - 1) * 4))
  client_port[$n]=${ports[$i]}
  gcomm_port[$n]=${ports[$((i + 1))]}
  ist_port[$n]=${ports[$((i + 2))]}
  sst_port[$n]=${ports[$((i + 3))]}
done
cluster_address="gcomm://127.0.0.1:${gcomm_port[1]},127.0.0.1:${gcomm_port[2]},127.0.0.1:${gcomm_port[3]}"
# As root, the nodes run as the mysql user: the joiner's rsync daemon, started as root,
# would drop to nobody and could not write the datadir.
run_user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  run_user=mysql
  id mysql >/dev/null 2>&1 || die "no mysql user (package mariadb-server creates it)"
  chmod 755 "$work"
fi

for n in "${nodes[@]}"; do
  d=$work/node$n
  mkdir -p "$d/data"
  cat >"$d/my.cnf" <<EOF
[mysqld]
user = $run_user
datadir = $d/data
socket = $d/mysqld.sock
pid-file = $d/mysqld.pid
log-error = $d/error.log
port = ${client_port[$n]}
bind-address = 127.0.0.1
skip-name-resolve
performance_schema = OFF
innodb_buffer_pool_size = 128M
innodb_log_file_size = 64M
innodb_flush_log_at_trx_commit = 2
max_allowed_packet = 64M
local_infile = ON
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $galera_lib
wsrep_cluster_name = logroute_scale_out
wsrep_cluster_address = $cluster_address
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1:${gcomm_port[$n]}
wsrep_node_incoming_address = 127.0.0.1:${client_port[$n]}
wsrep_sst_receive_address = 127.0.0.1:${sst_port[$n]}
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:${gcomm_port[$n]}; ist.recv_addr=127.0.0.1:${ist_port[$n]}; gcache.size=512M; cert.log_conflicts=yes"
wsrep_log_conflicts = ON
wsrep_sst_method = rsync
wsrep_slave_threads = 2
EOF
  mariadb-install-db --no-defaults --datadir="$d/data" --user="$run_user" \
    --auth-root-authentication-method=normal --skip-test-db >"$d/install.log" 2>&1 ||
    die "mariadb-install-db failed for node $n: see $d/install.log"
  chown -R "$run_user:" "$d"
done

sql() { # node query...: one tab-separated row per line, no header
  mariadb --no-defaults -uroot -S "$work/node$1/mysqld.sock" --connect-timeout=5 -N -B \
    -e "SET SESSION wsrep_sync_wait = 1; $2" "${@:3}"
}

start_node() { # node [extra mariadbd options]
  local n=$1
  "$mariadbd_bin" --defaults-file="$work/node$n/my.cnf" "${@:2}" >>"$work/node$n/stdout.log" 2>&1 &
  node_pid[$n]=$!
}

wait_synced() { # node timeout_seconds
  local n=$1 deadline=$((SECONDS + $2)) state
  while ((SECONDS < deadline)); do
    kill -0 "${node_pid[$n]:-0}" 2>/dev/null || {
      tail -n 30 "$work/node$n/error.log" >&2
      die "node $n exited while starting"
    }
    state=$(mariadb --no-defaults -uroot -S "$work/node$n/mysqld.sock" --connect-timeout=2 -N -B \
      -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | cut -f2) || true
    [[ $state == Synced ]] && return 0
    sleep 0.5
  done
  tail -n 30 "$work/node$n/error.log" >&2
  die "node $n not Synced after $2 s"
}

t0=$SECONDS
log "starting node 1 (bootstrap), client ports ${client_port[1]} ${client_port[2]} ${client_port[3]}"
start_node 1 --wsrep-new-cluster
wait_synced 1 120
for n in 2 3; do
  log "starting node $n (joins by SST)"
  start_node "$n"
  wait_synced "$n" 300
done
size=$(sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)
[[ $size == 3 ]] || die "wsrep_cluster_size is '$size', expected 3"
sql 1 "CREATE DATABASE $db; CREATE USER 'logroute'@'%' IDENTIFIED BY '$pw';
       GRANT ALL ON $db.* TO 'logroute'@'%'"
for n in 2 3; do # the DDL replicated
  [[ $(sql "$n" "SELECT COUNT(*) FROM mysql.user WHERE user = 'logroute'") == 1 ]] ||
    die "user logroute did not replicate to node $n"
done
log "cluster up in $((SECONDS - t0)) s: wsrep_cluster_size=3"

# --- three hosts: recv fills each spool while two flushers per spool drain it ----------------
gen() { # spool: EVENTS login events, user_id = spool * 1e9 + 1..EVENTS
  python3 -c "
import sys
s, n = int(sys.argv[1]), int(sys.argv[2])
out = sys.stdout
base = s * 1000000000
for i in range(1, n + 1):
    out.write('{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"login\"}\n' % (1700000000 + i, base + i))
" "$1" "$events"
}

# IDS=1: what spool $1 receives: its own events, each with an event_id, and the
# retries other hosts' clients sent to it. Event i of spool s is sent again
# (s * 7 + i * 13) % 4 times, to the spools after s in turn (so also to s itself
# after two). With $2 = count, prints the number of lines instead.
gen_ids() {
  python3 -c "
import sys
target, n, count = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == 'count'
out = sys.stdout
lines = 0
for i in range(1, n + 1):
    for s in (1, 2, 3):
        retries = (s * 7 + i * 13) % 4
        copies = [s] + [(s + k - 1) % 3 + 1 for k in range(1, retries + 1)]
        for _ in range(copies.count(target)):
            lines += 1
            if not count:
                out.write('{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"login\",\"event_id\":\"s%d-%d\"}\n'
                          % (1700000000 + i, s * 1000000000 + i, s, i))
if count:
    print(lines)
" "$1" "$events" "${2:-events}"
}
dedupe_args=()
[[ $ids == 1 ]] && dedupe_args=(--dedupe logs)

# shellcheck disable=SC2317 # the TERM trap's body
flusher() { # name spool first_node: one-shot flushes; on failure move to the next node
  local name=$1 spool=$2 node=$3 child rc
  trap '[[ -n ${child:-} ]] && kill -TERM "$child" 2>/dev/null; exit 0' TERM
  while [[ ! -e $work/stop ]]; do
    MYSQL_PWD=$pw "$flush_bin" --spool "$spool" --progress never --chunk-rows 5000 "${dedupe_args[@]}" \
      --db "mysql://logroute@127.0.0.1:${client_port[$node]}/$db${DB_PARAMS:-}" >>"$work/log/$name.log" 2>&1 &
    child=$!
    rc=0
    wait "$child" || rc=$?
    child=
    echo "$rc $node" >>"$work/log/$name.rc"
    if ((rc != 0)); then
      echo "--- exit $rc on node $node" >>"$work/log/$name.log"
      node=$((node % 3 + 1))
    fi
    sleep 0.2
  done
}

for s in 1 2 3; do
  if [[ $ids == 1 ]]; then gen_ids "$s"; else gen "$s"; fi | "$recv_bin" --stdin --spool "$work/spool$s" --segment-bytes "$segment_bytes" \
    --shards 4 2>"$work/log/recv$s.log" &
  bg_pids+=($!)
  recv_pids[s]=$!
done
sleep 0.5 # the spools exist
for s in 1 2 3; do
  flusher "flush$s-a" "$work/spool$s" "$s" &
  bg_pids+=($!)
  flusher "flush$s-b" "$work/spool$s" $((s % 3 + 1)) &
  bg_pids+=($!)
done
log "recv x3 and flush x6 running (spool s: flushers on nodes s and s%3+1)"

total=$((3 * events))
rows() { sql "$1" "SELECT COUNT(*) FROM $db.logs" 2>/dev/null || echo 0; }
deadline=$((SECONDS + drain_timeout))
while (($(rows 1) < total / 4)); do
  ((SECONDS < deadline)) || die "fewer than $((total / 4)) rows after $drain_timeout s"
  sleep 0.2
done
killed_at=$(rows 1)
log "SIGKILL node $victim at $killed_at/$total rows"
stop_node "$victim" KILL
sleep 3
if [[ $restart == 1 ]]; then
  log "restarting node $victim"
  start_node "$victim"
  wait_synced "$victim" 300
  log "node $victim rejoined: wsrep_cluster_size=$(sql 1 "SHOW STATUS LIKE 'wsrep_cluster_size'" | cut -f2)"
fi

accepted_total=0
for s in 1 2 3; do
  wait "${recv_pids[$s]}" || die "recv $s failed: $(tail -n 3 "$work/log/recv$s.log")"
  line=$(grep -o 'accepted=[0-9]* rejected=[0-9]* dropped=[0-9]*' "$work/log/recv$s.log") ||
    die "no summary from recv $s"
  accepted[s]=${line%% *}
  accepted[s]=${accepted[s]#accepted=}
  log "recv $s: $line"
  accepted_total=$((accepted_total + accepted[s]))
done

pending() { # events still in the spools
  local sum=0 s e
  for s in 1 2 3; do
    e=$("$stat_bin" --spool "$work/spool$s" --json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["events"])')
    sum=$((sum + e))
  done
  echo "$sum"
}
deadline=$((SECONDS + drain_timeout))
while (($(pending) > 0)); do
  ((SECONDS < deadline)) || die "spools not drained after $drain_timeout s"
  sleep 0.5
done
touch "$work/stop"
for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
bg_pids=()
log "spools empty after $((SECONDS - t0)) s"

# --- verdict -----------------------------------------------------------------------------------
fail=0
expected_sum=0
for s in 1 2 3; do # user_ids s*1e9 + 1..EVENTS (recv accepts all or the check below fails)
  a=${accepted[$s]}
  expected_sum=$((expected_sum + s * 1000000000 * events + events * (events + 1) / 2))
  sent=$events
  [[ $ids == 1 ]] && sent=$(gen_ids "$s" count)
  if ((a != sent)); then
    log "FAIL: recv $s accepted $a of $sent"
    fail=1
  fi
  rejects=$("$stat_bin" --spool "$work/spool$s" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["rejects"]["entries"])')
  if ((rejects != 0)); then
    log "FAIL: spool $s has $rejects rejected entries"
    fail=1
  fi
done
for s in 1 2 3; do # per spool, on node 1: where a difference is
  spool_id=$(awk '$1 == "id" {print $2}' "$work/spool$s/spool.id")
  echo "spool $s ($spool_id): accepted=${accepted[s]}" \
    "rows=$(sql 1 "SELECT COUNT(*) FROM $db.logs WHERE user_id DIV 1000000000 = $s")" \
    "ledger_rows=$(sql 1 "SELECT COALESCE(SUM(row_count), 0) FROM $db.logroute_ledger
                          WHERE spool_id = '$spool_id'")"
done
check_nodes=(1 3)
[[ $restart == 1 ]] && check_nodes=(1 2 3)
# Every line recv accepted is counted by the ledger; with IDS=1 the rows are
# the distinct events, each once, and the rest were deduplicated.
unique=$total
echo "expected: rows=$unique distinct_user_ids=$unique sum_user_id=$expected_sum" \
  "ledger_rows=$accepted_total (lines recv accepted)"
for n in "${check_nodes[@]}"; do
  read -r count distinct sum distinct_ids < <(sql "$n" "SELECT COUNT(*), COUNT(DISTINCT user_id),
      SUM(user_id), COUNT(DISTINCT $([[ $ids == 1 ]] && echo event_id || echo user_id)) FROM $db.logs")
  read -r ledger_rows ledger_sum dup_keys < <(sql "$n" "SELECT COUNT(*), SUM(row_count),
      (SELECT COUNT(*) FROM (SELECT 1 FROM $db.logroute_ledger GROUP BY spool_id, shard, seq
                             HAVING COUNT(*) > 1) d) FROM $db.logroute_ledger")
  echo "node $n: rows=$count distinct_user_ids=$distinct distinct_ids=$distinct_ids sum_user_id=$sum" \
    "ledger_segments=$ledger_rows ledger_rows=$ledger_sum duplicate_keys=$dup_keys"
  echo "node $n: $(sql "$n" "SHOW STATUS WHERE Variable_name IN
      ('wsrep_local_cert_failures', 'wsrep_local_bf_aborts')" | tr '\t\n' '= ')"
  if [[ $count != "$unique" || $distinct != "$unique" || $distinct_ids != "$unique" ||
    $sum != "$expected_sum" || $ledger_sum != "$accepted_total" || $dup_keys != 0 ]]; then
    fail=1
  fi
done

# Probe, not part of the verdict: a node that is not ready for clients (joining, donor,
# non-primary after a partition) answers every query with error 1047; wsrep_reject_queries
# makes node 3 answer so. Flush must keep the segment, and should exit 75 (retry later).
"$recv_bin" --stdin --spool "$work/probe" 2>/dev/null <<<'{"unix_ts":1,"user_id":-1,"event_name":"login"}'
sql 3 "SET GLOBAL wsrep_reject_queries = ALL"
probe_rc=0
MYSQL_PWD=$pw "$flush_bin" --spool "$work/probe" --progress never \
  --db "mysql://logroute@127.0.0.1:${client_port[3]}/$db" >"$work/log/probe.log" 2>&1 || probe_rc=$?
mariadb --no-defaults -uroot -S "$work/node3/mysqld.sock" -e "SET GLOBAL wsrep_reject_queries = NONE"
probe_left=$("$stat_bin" --spool "$work/probe" --json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["events"])')
echo "probe (node refusing queries): flush exit $probe_rc, events left in the spool $probe_left/1:" \
  "$(grep -m1 error "$work/log/probe.log" | cut -c1-200)"

# How the flushers fared: exit statuses per flusher, and the Galera errors they met.
for f in "$work"/log/flush*.rc; do
  name=$(basename "$f" .rc)
  echo "$name: runs=$(wc -l <"$f") exits: $(cut -d' ' -f1 "$f" | sort -n | uniq -c |
    awk '{printf "%s%sx%s", sep, $1, $2; sep=" "}')"
done
errors=$(cat "$work"/log/flush*.log | grep -o '(error [0-9]*)' | sort | uniq -c |
  awk '{printf "%s%s %s", sep, $1, $3; sep=", "}' | tr -d ')') || true
echo "flush errors by MySQL code (count code): ${errors:-none}"
for code in $(cat "$work"/log/flush*.log | grep -o '(error [0-9]*)' | tr -dc '0-9\n' | sort -u); do
  echo "  e.g. $(cat "$work"/log/flush*.log | grep -m1 "(error $code)" | cut -c1-240)"
done
echo "flush pass summaries: $(cat "$work"/log/flush*.log | grep -o 'rows=[0-9]* rejected=[0-9]*' |
  tr '=' ' ' | awk '{r += $2; j += $4; n++} END {printf "passes=%d rows=%d rejected=%d", n, r, j}')" \
  "$(cat "$work"/log/flush*.log | grep -o '\(deduplicated\|already_committed\|skipped_locked\)=[0-9]*' |
    awk -F= '{sum[$1] += $2} END {for (k in sum) printf "%s=%d ", k, sum[k]}')"
bad_exits=$(cat "$work"/log/flush*.rc | awk '$1 != 0 && $1 != 75' | wc -l)
if ((bad_exits > 0)); then
  echo "note: $bad_exits flush runs exited neither 0 nor 75:"
  grep -h -B2 -- '--- exit' "$work"/log/flush*.log | grep -v -- '--- exit 75' | grep -i error | sort | uniq -c | head -20
fi

echo "run time: $((SECONDS - t0)) s (node $victim killed at $killed_at/$total rows)"
if ((fail == 0)); then
  echo "PASS: $unique events ($accepted_total sent) from 3 spools, 6 flushers, 3 Galera nodes," \
    "one killed: exactly once"
  exit 0
fi
echo "FAIL: see the numbers above"
exit 1
