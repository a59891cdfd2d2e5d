#!/usr/bin/env bash
# A private MariaDB server for the tests: its own datadir in a temporary
# directory, 127.0.0.1 on a free port plus a unix socket. Never the machine's
# own server, never a mock.
#   mariadb.sh start ENV_FILE     start one; write its coordinates to ENV_FILE
#   mariadb.sh restart ENV_FILE   start it again on the same datadir and port
#                                 (after a crash test killed it); updates MARIADB_PID
#   mariadb.sh stop ENV_FILE      stop it and remove its directory
# ENV_FILE holds shell assignments: MARIADB_DIR, MARIADB_SOCKET, MARIADB_PORT,
# MARIADB_USER, MARIADB_PASSWORD, MARIADB_PID, MARIADB_EXTRA_ARGS.
# MARIADB_EXTRA_ARGS in the environment of `start` adds server options (a test's
# own server with, say, --sql-mode=ANSI_QUOTES); `restart` keeps them.
# Otherwise the server runs with its defaults (max_allowed_packet, sql_mode),
# as users' servers do.
set -euo pipefail

cmd=${1:?usage: mariadb.sh start|restart|stop ENV_FILE}
env_file=${2:?usage: mariadb.sh start|restart|stop ENV_FILE}

find_bin() {
  for name in "$@"; do
    for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin; do
      [[ -x "$dir/$name" ]] && { echo "$dir/$name"; return; }
    done
  done
  echo "mariadb.sh: none of $* is installed (scripts/install-deps.sh --test installs them)" >&2
  exit 69
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts mariadbd on $1 (dir) and $2 (port), waits until it answers; sets `pid`.
launch() {
  local dir=$1 port=$2 server admin
  server=$(find_bin mariadbd mysqld)
  admin=$(find_bin mariadb-admin mysqladmin)
  "$server" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --socket="$dir/sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/pid" --log-error="$dir/error.log" \
    --user="$(id -un)" --skip-log-bin --innodb-buffer-pool-size=256M \
    --innodb-log-file-size=256M --local-infile=1 --max-connections=500 \
    ${MARIADB_EXTRA_ARGS:-} >"$dir/server.out" 2>&1 </dev/null &
  pid=$!
  for _ in $(seq 1 300); do
    if "$admin" --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then
      return
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$dir/error.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  "$admin" --no-defaults --socket="$dir/sock" -uroot ping >/dev/null
}

write_env() {
  cat >"$env_file" <<ENV
MARIADB_DIR=$1
MARIADB_SOCKET=$1/sock
MARIADB_PORT=$2
MARIADB_USER=logroute
MARIADB_PASSWORD=logroute-test-pw
MARIADB_PID=$3
MARIADB_EXTRA_ARGS='${MARIADB_EXTRA_ARGS:-}'
ENV
}

start() {
  local install client dir port pid
  install=$(find_bin mariadb-install-db mysql_install_db)
  client=$(find_bin mariadb mysql)
  # Short: unix socket paths are limited to about 100 bytes.
  dir=$(mktemp -d "${TMPDIR:-/tmp}/logroute-mariadb.XXXXXX")
  port=$(free_port)
  # A temporary directory of its own: servers of concurrent tests (and any
  # other MariaDB on the machine) sharing /tmp once collided there, and the
  # bootstrap failed ("Could not remove temporary table '/tmp/#sql-...'").
  mkdir "$dir/tmp"
  "$install" --no-defaults --datadir="$dir/data" --tmpdir="$dir/tmp" --user="$(id -un)" \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 || {
    cat "$dir/install.log" >&2
    rm -rf "$dir"
    exit 1
  }
  launch "$dir" "$port"
  "$client" --no-defaults --socket="$dir/sock" -uroot <<SQL
CREATE USER 'logroute'@'localhost' IDENTIFIED BY 'logroute-test-pw';
CREATE USER 'logroute'@'127.0.0.1' IDENTIFIED BY 'logroute-test-pw';
GRANT ALL ON *.* TO 'logroute'@'localhost';
GRANT ALL ON *.* TO 'logroute'@'127.0.0.1';
SQL
  write_env "$dir" "$port" "$pid"
  echo "mariadb.sh: server up, pid $pid, port $port, socket $dir/sock"
}

restart() {
  # shellcheck disable=SC1090
  source "$env_file"
  local pid
  for _ in $(seq 1 100); do  # a killed server may take a moment to be gone
    kill -0 "$MARIADB_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$MARIADB_PID" 2>/dev/null; then
    echo "mariadb.sh: server pid $MARIADB_PID is still running" >&2
    exit 1
  fi
  rm -f "$MARIADB_SOCKET" "$MARIADB_DIR/pid"
  launch "$MARIADB_DIR" "$MARIADB_PORT"
  write_env "$MARIADB_DIR" "$MARIADB_PORT" "$pid"
  echo "mariadb.sh: server restarted, pid $pid, port $MARIADB_PORT"
}

stop() {
  [[ -f "$env_file" ]] || exit 0
  # shellcheck disable=SC1090
  source "$env_file"
  local admin
  admin=$(find_bin mariadb-admin mysqladmin)
  "$admin" --no-defaults --socket="$MARIADB_SOCKET" -uroot shutdown >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    kill -0 "$MARIADB_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$MARIADB_PID" 2>/dev/null || true
  rm -rf "$MARIADB_DIR" "$env_file"
  echo "mariadb.sh: server stopped"
}

case "$cmd" in
  start) start ;;
  restart) restart ;;
  stop) stop ;;
  *) echo "usage: mariadb.sh start|restart|stop ENV_FILE" >&2; exit 64 ;;
esac
