#!/bin/bash
# The Docker packaging as a new user meets it, on a machine with a Docker
# engine: run by hand (CI has no engine), as root or a member of the docker group.
#
#   tests/docker/compose-smoke.sh [--local-images] [--mariadb-docker DIR]
#
# From the repository root, as the README says, it
#   1. builds the images with `docker build --network host` (the network of the
#      host, for machines whose containers have no route out): logroute:latest
#      without --target, which must be the runtime image, and logroute:test;
#   2. runs `docker-compose up --build` (in the background), posts events
#      to recv and checks that each becomes exactly one row;
#   3. runs `TEST_ENABLED=true docker-compose up --build test`, which must
#      print the load test's PASS (its exit status is compose's: always 0);
#   4. runs the documented `TEST_ENABLED=true docker-compose up --build
#      --abort-on-container-exit test`: exit status 0 on a pass, and non-zero
#      when the test fails (forced: flush passes an hour apart, 5 s to wait);
#   5. runs `docker-compose down` while load runs, starts the stack again and
#      checks that every acknowledged event is a row exactly once;
#   6. removes the containers and volumes of its compose project
#      (logroute-smoke), and leaves the images (so a rerun builds from cache).
# It stops at the first check that fails, with a non-zero exit status.
#
# Settings (environment): COMPOSE, the compose command (default docker-compose,
# else `docker compose`); SMOKE_PORT, recv's port on the host (default a free
# one); SMOKE_LOAD_SECONDS, how long load runs before `down` (10); SMOKE_WORKERS,
# parallel HTTP clients (4).
#
# Without a registry: the images FROM which everything starts, debian:bookworm,
# debian:bookworm-slim and mariadb:10.11, are used when they are there, else
# pulled. Where they cannot be pulled, --local-images makes them here (as root,
# with Debian's debootstrap, from the Debian mirror in this machine's apt
# sources): debian:bookworm from `debootstrap --variant=minbase bookworm`,
# debian:bookworm-slim from the same less documentation, as Debian's official
# slim images, and mariadb:10.11 from Debian 12's mariadb-server (10.11) plus
# the official image's docker-entrypoint.sh and healthcheck.sh, from DIR given
# by --mariadb-docker: a copy of the MariaDB/mariadb-docker repository (its
# 10.11/ directory). With a registry none of this is needed: compose pulls
# mariadb:10.11 and the builds pull Debian's images.
set -Eeuo pipefail
trap 'echo "compose-smoke: FAIL: line $LINENO: $BASH_COMMAND (exit status $?)" >&2' ERR

die() {
  echo "compose-smoke: FAIL: $*" >&2
  exit 1
}
say() { echo "compose-smoke: $*"; }

local_images=false
mariadb_docker=
while (($#)); do
  case "$1" in
    --local-images) local_images=true ;;
    --mariadb-docker) mariadb_docker=${2:?--mariadb-docker needs a directory} && shift ;;
    *) die "unknown argument '$1' (usage: $0 [--local-images] [--mariadb-docker DIR])" ;;
  esac
  shift
done

cd "$(dirname "$0")/../.."
export LC_ALL=C
if [[ -n ${COMPOSE:-} ]]; then
  read -r -a compose <<<"$COMPOSE"
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
else
  compose=(docker compose)
fi
for tool in docker curl awk seq sort comm python3; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
docker info >/dev/null 2>&1 || die "no Docker engine answers (is dockerd running? are you in the docker group?)"

# One compose project of its own, on a port of its own: a stack the user runs
# from this directory is left alone.
export COMPOSE_PROJECT_NAME=logroute-smoke
export LOGROUTE_PORT=${SMOKE_PORT:-$(
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
)}
export LOGROUTE_DB_PASSWORD=logroute
unset TEST_ENABLED LOGROUTE_INTERVAL LOAD_EVENTS LOAD_WAIT
url=http://127.0.0.1:$LOGROUTE_PORT
work=$(mktemp -d)
up_pid=
workers=()

cleanup() {
  local status=$?
  for pid in "${workers[@]}" $up_pid; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${compose[@]}" --profile test down --volumes --remove-orphans >"$work/down.log" 2>&1 ||
    cat "$work/down.log" >&2
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. images ------------------------------------------------------------

# The first URL of this machine's apt sources whose path ends in $1 (debian,
# debian-security).
apt_source() {
  grep -hoE '^(URIs:|deb( \[[^]]*\])?)[[:space:]]+https?://[^[:space:]]+' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | awk '{print $NF}' | grep -E "/$1/?\$" | head -n 1 || true
}

make_debian_images() {
  [[ $(id -u) == 0 ]] || die "making the Debian images locally needs root (debootstrap)"
  command -v debootstrap >/dev/null || die "making the Debian images locally needs debootstrap (apt-get install debootstrap)"
  local rootfs=$work/rootfs mirror security
  mirror=$(apt_source debian)
  security=$(apt_source debian-security)
  [[ -n $mirror ]] || die "no Debian mirror in this machine's apt sources for debootstrap"
  say "making debian:bookworm with debootstrap from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed: $(tail -n 5 "$work/debootstrap.log")"
  # The suites of Debian's own images: updates and security too.
  {
    echo "deb $mirror bookworm main"
    echo "deb $mirror bookworm-updates main"
    if [[ -n $security ]]; then echo "deb $security bookworm-security main"; fi
  } >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm >/dev/null
  # The slim variant, as Debian's own: no documentation but the copyrights, and
  # dpkg told not to install any.
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/groff/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/lintian/*' \
    'path-exclude /usr/share/linda/*' 'path-exclude /usr/share/locale/*' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/docker"
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,locale}/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
  rm -rf "$rootfs"
}

make_mariadb_image() {
  local dir=${mariadb_docker:-} context=$work/mariadb
  [[ -n $dir ]] || die "making mariadb:10.11 locally needs --mariadb-docker DIR, a copy of the MariaDB/mariadb-docker repository"
  [[ -f $dir/10.11/docker-entrypoint.sh ]] && dir=$dir/10.11
  for script in docker-entrypoint.sh healthcheck.sh; do
    [[ -f $dir/$script ]] || die "$dir/$script is missing (--mariadb-docker names the repository or its 10.11/)"
  done
  mkdir -p "$context"
  install -m 755 "$dir/docker-entrypoint.sh" "$dir/healthcheck.sh" "$context/"
  # The official image's steps, on Debian's packages (gosu included) instead of
  # MariaDB's repository.
  cat >"$context/Dockerfile" <<'DOCKERFILE'
FROM debian:bookworm-slim
RUN set -eux; \
    mkdir -p /var/lib/mysql/mysql; touch /var/lib/mysql/mysql/user.frm; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      mariadb-server mariadb-backup gosu pwgen tzdata xz-utils zstd socat ca-certificates; \
    apt-get clean; rm -rf /var/lib/apt/lists/*; \
    rm -rf /var/lib/mysql /etc/mysql/mariadb.conf.d/50-mysqld_safe.cnf; \
    mkdir -p /var/lib/mysql /run/mysqld /docker-entrypoint-initdb.d; \
    chown -R mysql:mysql /var/lib/mysql /run/mysqld; chmod 1777 /run/mysqld; \
    find /etc/mysql/ -name '*.cnf' -print0 | xargs -0 grep -lZE '^(bind-address|log|user\s)' \
      | xargs -r -0 sed -Ei 's/^(bind-address|log|user\s)/#&/'; \
    printf '[mariadb]\nhost-cache-size=0\nskip-name-resolve\n' \
      > /etc/mysql/mariadb.conf.d/05-skipcache.cnf
ENV LANG=C.UTF-8 MARIADB_VERSION=10.11-debian
COPY docker-entrypoint.sh healthcheck.sh /usr/local/bin/
VOLUME /var/lib/mysql
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 3306
CMD ["mariadbd"]
DOCKERFILE
  say "making mariadb:10.11 from Debian's mariadb-server and $dir's scripts"
  docker build --network host -t mariadb:10.11 "$context" >"$work/mariadb-build.log" 2>&1 ||
    die "building mariadb:10.11 failed: $(tail -n 20 "$work/mariadb-build.log")"
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

ensure_image() {
  local image=$1 maker=$2
  have_image "$image" && return
  if ! $local_images; then
    say "pulling $image"
    docker pull -q "$image" >/dev/null 2>&1 && return
    die "$image is not here and cannot be pulled; to make it here, rerun with --local-images (see the header of $0)"
  fi
  "$maker"
}

ensure_image debian:bookworm make_debian_images
ensure_image debian:bookworm-slim make_debian_images
ensure_image mariadb:10.11 make_mariadb_image

size_mb() { docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }

build() {
  local log=$work/build-$1.log started=$SECONDS
  shift
  docker build --network host -f packaging/docker/Dockerfile "$@" . >"$log" 2>&1 ||
    die "docker build $* failed: $(tail -n 30 "$log")"
  say "built ($*) in $((SECONDS - started)) s"
}
say "step 1: images"
build latest -t logroute:latest
build test --target test -t logroute:test
build runtime --target runtime -t logroute:smoke-runtime
[[ $(docker image inspect -f '{{.Id}}' logroute:latest) == \
  $(docker image inspect -f '{{.Id}}' logroute:smoke-runtime) ]] ||
  die "docker build without --target does not make the runtime image"
docker rmi logroute:smoke-runtime >/dev/null
[[ $(docker image inspect -f '{{.Config.User}} {{json .Config.Cmd}}' logroute:latest) == 'logroute ["recv"]' ]] ||
  die "logroute:latest is not the runtime image (user logroute, command recv)"
leftovers=$(docker run --rm --user root --entrypoint sh logroute:latest -c \
  'find /var/lib/apt/lists /var/cache/apt -type f ! -name lock')
[[ -z $leftovers ]] || die "the runtime image keeps apt's caches: $leftovers"
say "logroute:latest (runtime) $(size_mb logroute:latest), logroute:test $(size_mb logroute:test)"

# --- helpers for the running stack ----------------------------------------

sql() {
  "${compose[@]}" exec -T -e MYSQL_PWD="$LOGROUTE_DB_PASSWORD" db \
    mariadb --user logroute --batch --skip-column-names logroute -e "$1"
}

start_stack() {
  say "\$ ${compose[*]} up --build   (in the background)"
  "${compose[@]}" up --build >"$work/up-$1.log" 2>&1 &
  up_pid=$!
  local waited=0
  until curl -fsS "$url/healthz" >/dev/null 2>&1; do
    kill -0 "$up_pid" 2>/dev/null || die "${compose[*]} up ended: $(tail -n 30 "$work/up-$1.log")"
    ((waited++ < 180)) || die "recv does not answer on $url after 180 s"
    sleep 1
  done
}

# As Ctrl-C on the first command (SIGTERM: a background job ignores SIGINT).
stop_stack() {
  kill -TERM "$up_pid" 2>/dev/null || true
  wait "$up_pid" 2>/dev/null || true
  up_pid=
}

# Waits until the rows with user_id in [FIRST, LAST] number COUNT, all distinct.
wait_rows() {
  local first=$1 last=$2 count=$3 limit=$4 waited=0 got
  while true; do
    got=$(sql "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM logs
               WHERE user_id BETWEEN $first AND $last" 2>/dev/null || echo "0 0")
    [[ $got == "$count	$count" ]] && return 0
    ((waited < limit)) || die "rows for user_id $first..$last: $got (rows, distinct), expected $count"
    sleep 2
    waited=$((waited + 2))
  done
}

post() {
  local type=$1 body=$2
  curl -sS -o "$work/response" -w '%{http_code}' -H "Content-Type: $type" --data-binary "$body" \
    "$url/api/log"
}

# --- 2. the first command, and events over HTTP ---------------------------

say "step 2: the stack, and events over HTTP"
start_stack 1
now=$(date +%s)
code=$(post application/json "{\"unix_ts\":$now,\"user_id\":1500000000,\"event_name\":\"login\"}")
[[ $code == 201 ]] || die "one event: HTTP $code $(cat "$work/response")"
code=$(post application/x-ndjson "$(seq 1500000001 1500000099 |
  awk -v ts="$now" '{printf "{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"logout\"}\n", ts, $1}')")
[[ $code == 202 && $(cat "$work/response") == *'"accepted":99'* ]] ||
  die "a batch of 99: HTTP $code $(cat "$work/response")"
code=$(post application/json '{"unix_ts":1,"user_id":"x","event_name":"login"}')
[[ $code == 400 ]] || die "a bad event: HTTP $code $(cat "$work/response")"
started=$SECONDS
wait_rows 1500000000 1500000099 100 90
say "100 events accepted, 1 refused with 400; 100 rows, one each, $((SECONDS - started)) s later"
stop_stack

# --- 3 and 4. the load test -----------------------------------------------

# Runs a test command; its output goes to $work/test.log and the screen.
run_test() {
  local status=0
  say "\$ $*"
  env "$@" >"$work/test.log" 2>&1 || status=$?
  sed -n 's/\x1b\[[0-9;]*m//g; /load-test: /s/^/    /p' "$work/test.log"
  return "$status"
}

say "step 3: the original's test command"
run_test TEST_ENABLED=true "${compose[@]}" up --build test ||
  die "the test command failed to run: $(tail -n 30 "$work/test.log")"
grep -q 'load-test: PASS' "$work/test.log" || die "no PASS: $(tail -n 30 "$work/test.log")"

say "step 4: the documented test command, its exit status"
status=0
run_test TEST_ENABLED=true "${compose[@]}" up --build --abort-on-container-exit test || status=$?
grep -q 'load-test: PASS' "$work/test.log" || die "no PASS: $(tail -n 30 "$work/test.log")"
((status == 0)) || die "the load test passed, yet the command's exit status is $status"
say "PASS: exit status 0"
status=0
run_test LOGROUTE_INTERVAL=3600 LOAD_EVENTS=1000 LOAD_WAIT=5 TEST_ENABLED=true \
  "${compose[@]}" up --build --abort-on-container-exit test || status=$?
grep -q 'load-test: FAIL' "$work/test.log" || die "the forced failure did not fail: $(tail -n 30 "$work/test.log")"
((status != 0)) || die "the load test failed, yet the command's exit status is 0"
say "FAIL (forced: flush passes an hour apart): exit status $status"

# --- 5. down under load ---------------------------------------------------

# Posts batches of 1000 events with user_ids of its own until $work/stop
# appears; logs the first user_id of every batch that recv acknowledged.
load_worker() {
  local first=$((2000000000 + $1 * 100000000)) batch=1000 code
  local body=$work/batch-$1.ndjson
  while [[ ! -e $work/stop ]]; do
    seq "$first" $((first + batch - 1)) |
      awk -v ts="$now" '{printf "{\"unix_ts\":%d,\"user_id\":%d,\"event_name\":\"%s\"}\n",
                         ts, $1, $1 % 2 ? "logout" : "login"}' >"$body"
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 30 -H 'Content-Type: application/x-ndjson' \
      --data-binary "@$body" "$url/api/log") || true
    if [[ $code == 202 ]]; then echo "$first" >>"$work/acked-$1"; fi
    first=$((first + batch))
  done
}

say "step 5: down under load"
start_stack 2
rm -f "$work/stop"
for ((w = 0; w < ${SMOKE_WORKERS:-4}; w++)); do
  : >"$work/acked-$w"
  load_worker "$w" &
  workers+=($!)
done
sleep "${SMOKE_LOAD_SECONDS:-10}"
before_down=$(cat "$work"/acked-* | wc -l)
say "\$ ${compose[*]} down   ($((before_down * 1000)) events acknowledged so far)"
started=$SECONDS
"${compose[@]}" down >"$work/down-under-load.log" 2>&1 || die "down failed: $(cat "$work/down-under-load.log")"
touch "$work/stop"
wait "${workers[@]}"
workers=()
wait "$up_pid" 2>/dev/null || true
up_pid=
batches=$(cat "$work"/acked-* | wc -l)
((batches > before_down)) || die "no batch was acknowledged while down ran: the load stopped before it"
acked=$((batches * 1000))
say "down took $((SECONDS - started)) s; $acked events acknowledged in all"

started=$SECONDS
start_stack 3
# Until the spool is empty and the rows stop changing: then compare.
limit=300
previous=none
while true; do
  rows=$(sql 'SELECT COUNT(*) FROM logs WHERE user_id >= 2000000000' 2>/dev/null || echo none)
  if "${compose[@]}" exec -T recv logroute-stat --max-events 0 >/dev/null 2>&1 &&
    [[ $rows != none && $rows == "$previous" ]]; then
    break
  fi
  ((SECONDS - started < limit)) || die "the spool is not empty $limit s after the restart ($rows rows)"
  previous=$rows
  sleep 5
done
sql 'SELECT user_id FROM logs WHERE user_id >= 2000000000 ORDER BY user_id' >"$work/rows"
sort -n "$work/rows" | uniq -d >"$work/duplicates"
sort "$work/rows" | uniq >"$work/present"
cat "$work"/acked-* | while read -r first; do seq "$first" $((first + 999)); done | sort >"$work/acked"
comm -23 "$work/acked" "$work/present" >"$work/lost"
extra=$(comm -13 "$work/acked" "$work/present" | wc -l)
rejects=$("${compose[@]}" exec -T recv logroute-stat --json | tr -d ' \n' |
  grep -oE '"rejects":\{[^}]*\}' | grep -oE '"entries":[0-9]+' | cut -d: -f2) || true
[[ -s $work/lost ]] && die "$(wc -l <"$work/lost") acknowledged events are not rows, e.g. user_id $(head -n 1 "$work/lost")"
[[ -s $work/duplicates ]] && die "$(wc -l <"$work/duplicates") events are rows more than once, e.g. user_id $(head -n 1 "$work/duplicates")"
say "after the restart: all $acked acknowledged events are rows, none twice ($rows rows;" \
  "$extra more from requests cut off by down, each once; rejects: ${rejects:-?}); $((SECONDS - started)) s"
stop_stack

say "PASS"
