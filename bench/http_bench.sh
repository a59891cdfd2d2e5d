#!/usr/bin/env bash
# Benchmarks logroute-recv --listen with wrk on loopback against Debian's nginx
# answering `return 201` with a fixed JSON body (the floor of what an HTTP
# server costs here), in the same run, and checks the targets of issue 4:
#
#   single events, 2 server threads, 64 connections   >= 0.6 x nginx req/s, p99 < 5 ms
#   batches of 1,000 NDJSON events                     >= 1,000,000 events/s
#   peak RSS with 1,000 open connections               <  64 MiB
#   --fsync always, 256 connections                    >= 50,000 req/s
#
#   bench/http_bench.sh BUILD_DIR [--duration SECONDS] [--tmp DIR]
#
# wrk shares the machine with the servers (-t2). Prints one line per
# measurement and a summary; exits 1 when a target is missed.
set -euo pipefail

usage() { echo "usage: $0 BUILD_DIR [--duration SECONDS] [--tmp DIR]" >&2; exit 64; }
(($# >= 1)) || usage
build=$1
shift
duration=10 tmp_parent=${TMPDIR:-/tmp}
while (($#)); do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --tmp) tmp_parent=$2; shift 2 ;;
    *) usage ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
recv=$build/tools/logroute-recv/logroute-recv
[[ -x $recv ]] || { echo "$0: build logroute-recv in $build first" >&2; exit 69; }
command -v wrk >/dev/null || { echo "$0: wrk is missing (scripts/install-deps.sh --test)" >&2; exit 69; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $nginx ]] || { echo "$0: nginx is missing (scripts/install-deps.sh --test)" >&2; exit 69; }

work=$(mktemp -d "$tmp_parent/logroute-http-bench.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wrk's output -> "REQ_PER_S P99_MS ERRORS"
run_wrk() {  # connections script url
  local out
  out=$(wrk -t2 -c"$1" -d"${duration}s" --latency -s "$2" "$3")
  echo "$out" >> "$work/wrk.log"
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +99%/ { v = $2; ms = v + 0
               if (v ~ /us$/) ms /= 1000; else if (v ~ /ms$/) ms += 0; else if (v ~ /s$/) ms *= 1000
               p99 = ms }
    /Non-2xx|Socket errors/ { errors = errors $0 }
    END { printf "%.0f %.2f %s\n", rps, p99, (errors == "" ? "-" : "errors") }' <<< "$out"
}

# Starts logroute-recv on a free port; sets recv_pid and recv_url.
start_recv() {
  local spool=$work/spool-$RANDOM
  "$recv" --spool "$spool" --listen 127.0.0.1:0 --threads 2 --log-level info "$@" \
    2> "$work/recv.err" &
  recv_pid=$!
  pids+=("$recv_pid")
  local address=""
  for _ in $(seq 200); do
    address=$(grep -o 'Listening on [^ ]*' "$work/recv.err" | cut -d' ' -f3 || true)
    [[ -n $address ]] && break
    sleep 0.05
  done
  [[ -n $address ]] || { cat "$work/recv.err" >&2; exit 1; }
  recv_url=http://$address/api/log
}

stop_recv() {
  kill -TERM "$recv_pid"
  wait "$recv_pid" || { echo "$0: logroute-recv did not exit 0" >&2; exit 1; }
}

echo "# $(nproc) cores; wrk -t2 -d${duration}s; $(date -u +%FT%TZ)"

# 1. nginx, the reference: 2 workers like our 2 threads.
nginx_port=$(free_port)
mkdir -p "$work/nginx/tmp"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/tmp;
  proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp;
  scgi_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      default_type application/json;
      return 201 '{"unix_ts":1684129671,"user_id":123456,"event_name":"login"}';
    }
  }
}
CONF
start_nginx() {
  "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  sleep 0.5
}
stop_nginx() { kill -QUIT "$nginx_pid"; wait "$nginx_pid" || true; }

# The machine may be shared: nginx runs before and after recv, and recv is
# compared with the mean of both.
start_nginx
read -r nginx1_rps nginx1_p99 nginx1_err < <(run_wrk 64 "$here/http_post.lua" "http://127.0.0.1:$nginx_port/api/log")
echo "nginx return 201, 64 conns:          $nginx1_rps req/s  p99 ${nginx1_p99} ms  $nginx1_err"

# 2. recv, single events, 64 connections.
start_recv
read -r single_rps single_p99 single_err < <(run_wrk 64 "$here/http_post.lua" "$recv_url")
echo "recv single events, 64 conns:        $single_rps req/s  p99 ${single_p99} ms  $single_err"
stop_recv

read -r nginx2_rps nginx2_p99 nginx2_err < <(run_wrk 64 "$here/http_post.lua" "http://127.0.0.1:$nginx_port/api/log")
stop_nginx
echo "nginx return 201, 64 conns (again):  $nginx2_rps req/s  p99 ${nginx2_p99} ms  $nginx2_err"
nginx_rps=$(((nginx1_rps + nginx2_rps) / 2))

start_recv
# 3. recv, batches of 1,000 NDJSON events, 16 connections.
read -r batch_rps batch_p99 batch_err < <(run_wrk 16 "$here/http_batch.lua" "$recv_url")
batch_eps=$((batch_rps * 1000))
echo "recv NDJSON x1000, 16 conns:         $batch_eps events/s ($batch_rps req/s, p99 ${batch_p99} ms)  $batch_err"

# 4. recv with 1,000 open connections: peak resident set.
read -r many_rps many_p99 many_err < <(run_wrk 1000 "$here/http_post.lua" "$recv_url")
rss_kib=$(awk '/VmHWM/ { print $2 }' "/proc/$recv_pid/status")
echo "recv single events, 1000 conns:      $many_rps req/s  p99 ${many_p99} ms  peak RSS $((rss_kib / 1024)) MiB  $many_err"
stop_recv

# 5. recv --fsync always, 256 connections.
start_recv --fsync always
read -r sync_rps sync_p99 sync_err < <(run_wrk 256 "$here/http_post.lua" "$recv_url")
syncs=$(curl -s "${recv_url%/api/log}/metrics" | awk '/^logroute_spool_syncs_total/ { print $2 }')
echo "recv --fsync always, 256 conns:      $sync_rps req/s  p99 ${sync_p99} ms  fdatasyncs $syncs  $sync_err"
stop_recv

ratio=$(awk -v a="$single_rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')
missed=0
check() {  # name ok(0/1) detail
  if [[ $2 == 1 ]]; then echo "  ok    $1: $3"; else echo "  MISS  $1: $3"; missed=1; fi
}
echo "# targets"
check "single events >= 0.6 x nginx" "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.6) }')" "$ratio"
check "single events p99 < 5 ms" "$(awk -v p="$single_p99" 'BEGIN { print (p < 5) }')" "$single_p99 ms"
check "batches >= 1,000,000 events/s" "$((batch_eps >= 1000000))" "$batch_eps"
check "peak RSS < 64 MiB at 1000 conns" "$((rss_kib < 65536))" "$((rss_kib / 1024)) MiB"
check "--fsync always >= 50,000 req/s" "$((sync_rps >= 50000))" "$sync_rps"
for e in "$single_err" "$batch_err" "$many_err" "$sync_err"; do
  [[ $e == - ]] || { echo "  MISS  wrk saw errors or non-2xx answers (see above)"; missed=1; break; }
done
exit "$missed"
