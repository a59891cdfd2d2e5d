#!/bin/bash
# Entry point of the logroute image.
#
#   recv [ARGS...]        logroute-recv, serving HTTP on $LOGROUTE_LISTEN
#                         (default 0.0.0.0:8000) unless ARGS say --stdin/--listen
#   flush [ARGS...]       one logroute-flush pass
#   flush-loop [ARGS...]  logroute-flush --loop, a pass every $LOGROUTE_INTERVAL
#                         seconds (default 30)
#   stat [ARGS...]        logroute-stat
#   COMMAND [ARGS...]     anything else, as it is (a shell, load-test.sh, ...)
#
# Settings come from LOGROUTE_* environment variables, which the tools read
# themselves (logroute(7), CONFIGURATION), and MYSQL_PWD for the password.
# Before flush, flush-loop and other commands, it waits until the database of
# a mysql:// LOGROUTE_DB accepts connections, for at most $LOGROUTE_DB_WAIT
# seconds (default 60; exit 75 after that, so a restart policy retries). The
# tool is exec'd: it is PID 1 and receives the container's SIGTERM itself.
set -euo pipefail

die() {
  echo "docker-entrypoint: $1" >&2
  exit "${2:-64}"
}

# mysql://[USER@]HOST[:PORT]/DB[?...] -> "HOST PORT"; socket DSNs -> "socket PATH".
db_endpoint() {
  local dsn=$1 rest hostport
  case "$dsn" in *socket=*)
    rest=${dsn#*socket=}
    echo "socket ${rest%%&*}"
    return
    ;;
  esac
  rest=${dsn#mysql://}
  rest=${rest%%/*}
  hostport=${rest##*@}
  case "$hostport" in
    *:*) echo "${hostport%%:*} ${hostport##*:}" ;;
    *) echo "${hostport:-localhost} 3306" ;;
  esac
}

wait_for_db() {
  local dsn=${LOGROUTE_DB:-} limit=${LOGROUTE_DB_WAIT:-60} host port waited=0
  case "$dsn" in mysql://*) ;; *) return 0 ;; esac
  read -r host port < <(db_endpoint "$dsn")
  while true; do
    if [[ $host == socket ]]; then
      [[ -S $port ]] && return 0
    elif timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
      return 0
    fi
    if ((waited >= limit)); then
      die "the database at $host:$port is not reachable after ${limit} s" 75
    fi
    ((waited == 0)) && echo "docker-entrypoint: waiting for the database at $host:$port" >&2
    sleep 1
    waited=$((waited + 1))
  done
}

(($# > 0)) || set -- recv
command=$1
shift

case "$command" in
  recv)
    source_given=false
    for arg in "$@"; do
      case "$arg" in
        --listen | --listen=*) source_given=true ;;
        # The image sets LOGROUTE_LISTEN, which recv would read and refuse with --stdin.
        --stdin) source_given=true && unset LOGROUTE_LISTEN ;;
      esac
    done
    if ! $source_given && [[ -z ${LOGROUTE_STDIN:-} ]]; then
      set -- --listen "${LOGROUTE_LISTEN:-0.0.0.0:8000}" "$@"
    fi
    exec logroute-recv "$@"
    ;;
  flush)
    wait_for_db
    exec logroute-flush "$@"
    ;;
  flush-loop)
    wait_for_db
    exec logroute-flush --loop --interval "${LOGROUTE_INTERVAL:-30}" "$@"
    ;;
  stat)
    exec logroute-stat "$@"
    ;;
  *)
    wait_for_db
    exec "$command" "$@"
    ;;
esac
