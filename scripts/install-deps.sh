#!/usr/bin/env bash
# Installs the Debian packages logroute needs to build, test and run, when
# they are missing. Needs root (CI runs as root) or sudo.
#   scripts/install-deps.sh          build + run (the embedded SQLite default)
#   scripts/install-deps.sh --test   also what the tests use (MariaDB server, curl, wrk, ...,
#                                    and clang with its runtimes: the clang build and libFuzzer)
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  libcli11-dev nlohmann-json3-dev libspdlog-dev
  libsqlite3-dev sqlite3 libmariadb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang libclang-rt-14-dev clang-format mariadb-server mariadb-client curl wrk
             nginx-light groff-base mandoc man-db cron docker-compose dpkg-dev file procps psmisc
             python3 shellcheck iproute2
             prometheus-node-exporter)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
# policy-rc.d keeps the package's own mariadb/nginx/cron services from starting:
# the tests start private instances of their own.
if [[ $(id -u) -eq 0 && ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
