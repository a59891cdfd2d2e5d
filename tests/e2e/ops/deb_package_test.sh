#!/bin/bash
# shellcheck disable=SC2016  # single-quoted bash -c scripts expand later, on purpose
# Installs the logroute .deb, checks it from the installed files, and purges
# it. Run by deb_package_test.cc as root: deb_package_test.sh DEB
#
# dpkg runs in a private mount namespace with tmpfs over /etc/logroute and
# /etc/cron.d, so that while the package is installed its config file (read
# by default by every logroute tool) and its cron entry are invisible to the
# rest of the machine, where other tests may be running. Everything else is
# installed for real and removed again.
set -euo pipefail
deb=$1

# dpkg refuses to run while apt or another dpkg holds its lock: wait for it.
dpkg_retry() {
  local out
  for _ in $(seq 120); do
    if out=$(dpkg "$@" 2>&1); then
      echo "$out"
      return 0
    fi
    if ! grep -q -i "lock" <<<"$out"; then
      echo "$out" >&2
      return 1
    fi
    sleep 1
  done
  echo "dpkg $*: the dpkg lock stayed taken" >&2
  return 1
}

check() {  # check DESCRIPTION COMMAND...: runs COMMAND, fails the script with DESCRIPTION
  local what=$1
  shift
  if ! "$@"; then
    echo "FAILED: $what" >&2
    exit 1
  fi
  echo "ok: $what"
}

mount -t tmpfs -o mode=0755 logroute-test /etc/logroute
mount -t tmpfs -o mode=0755 logroute-test /etc/cron.d
trap 'dpkg_retry --purge logroute >/dev/null 2>&1 || true' EXIT

dpkg_retry -i "$deb"
check "logroute-recv --version runs from the package" \
  bash -c '/usr/bin/logroute-recv --version | grep -q "^logroute-recv 0\.1\.[0-9]* (revision "'
check "logroute-flush and logroute-stat are installed" \
  test -x /usr/bin/logroute-flush -a -x /usr/bin/logroute-stat
check "man -w logroute-recv finds the installed page" \
  bash -c 'man -w logroute-recv | grep -q "^/usr/share/man/man1/logroute-recv\.1"'
check "man -w 7 logroute finds the overview" bash -c 'man -w 7 logroute | grep -q man7'
check "the units are installed" \
  test -f /usr/lib/systemd/system/logroute-recv.service \
  -a -f /usr/lib/systemd/system/logroute-flush.timer
check "the cron file and the config are installed" \
  test -f /etc/cron.d/logroute -a -f /etc/logroute/logroute.conf
check "the config is a conffile" bash -c 'dpkg-query -W -f="\${Conffiles}" logroute | grep -q /etc/logroute/logroute.conf'
check "postinst created the logroute user" id logroute
check "postinst created the spool for it" \
  bash -c '[[ $(stat -c %U /var/lib/logroute/spool) == logroute ]]'
# The package works as installed: the logroute user spools and flushes with
# the packaged config alone (spool and SQLite database under /var/lib/logroute).
check "recv spools as the logroute user with the packaged config" \
  bash -c 'echo "{\"unix_ts\":1,\"user_id\":7,\"event_name\":\"login\"}" |
           runuser -u logroute -- logroute-recv --stdin 2>&1 | grep -q accepted=1'
check "flush loads it with the packaged config" \
  bash -c 'runuser -u logroute -- logroute-flush 2>&1 | grep -q "rows=1"'

dpkg_retry --purge logroute
trap - EXIT
check "purge removes the binaries" test ! -e /usr/bin/logroute-recv
check "purge removes the man pages" test ! -e /usr/share/man/man1/logroute-recv.1.gz
