#!/bin/bash
# shellcheck disable=SC2016  # single-quoted bash -c scripts expand later, on purpose
# Installs the logroute .deb, checks it from the installed files, upgrades it
# to a second version, removes and purges it, and checks at each step what
# the maintainer scripts asked of systemd. Run by deb_package_test.cc as
# root: deb_package_test.sh DEB NEWER_DEB
#
# dpkg runs in a private mount namespace with tmpfs over /etc/logroute and
# /etc/cron.d, so that while the package is installed its config file (read
# by default by every logroute tool) and its cron entry are invisible to the
# rest of the machine, where other tests may be running. Everything else is
# installed for real and removed again.
#
# systemd is not PID 1 here. The namespace gets a tmpfs over /run holding
# /run/systemd/system (the maintainer scripts' sign of a running systemd),
# and deb-systemd-invoke, deb-systemd-helper and systemctl on PATH are stubs
# that log their arguments: the test checks the calls our scripts make, not
# systemd.
set -euo pipefail
deb=$1
newer_deb=$2

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
    echo "systemd calls: $(tr '\n' ';' <"$calls")" >&2
    exit 1
  fi
  echo "ok: $what"
}

# The systemd calls the maintainer scripts made since the last look, one a
# line ("deb-systemd-invoke stop logroute-recv.service ..."), then forgets them.
calls_since() {
  cat "$calls"
  : >"$calls"
}
called() {  # called LINE: the scripts made exactly the call LINE since the last look
  grep -qxF -- "$1" <<<"$seen"
}

mount -t tmpfs -o mode=0755 logroute-test /etc/logroute
mount -t tmpfs -o mode=0755 logroute-test /etc/cron.d
mount -t tmpfs -o mode=0755 logroute-test /run
mkdir -p /run/systemd/system
stubs=$(mktemp -d /run/logroute-stubs.XXXXXX)
calls=$stubs/calls
: >"$calls"
for tool in deb-systemd-invoke deb-systemd-helper systemctl; do
  printf '#!/bin/sh\necho "%s $*" >>%s\nexit 1\n' "$tool" "$calls" >"$stubs/$tool"
  chmod 0755 "$stubs/$tool"
done
# Queries answer "no" (exit 1: the operator never enabled a unit); the
# scripts ignore the status of every action.
export PATH=$stubs:$PATH
trap 'dpkg_retry --purge logroute >/dev/null 2>&1 || true' EXIT

dpkg_retry -i "$deb"
seen=$(calls_since)
check "logroute-recv --version runs from the package" \
  bash -c '/usr/bin/logroute-recv --version | grep -q "^logroute-recv 0\.1\.[0-9]* (revision "'
check "logroute-flush and logroute-stat are installed" \
  test -x /usr/bin/logroute-flush -a -x /usr/bin/logroute-stat
check "man -w logroute-recv finds the installed page" \
  bash -c 'man -w logroute-recv | grep -q "^/usr/share/man/man1/logroute-recv\.1"'
check "man -w 7 logroute finds the overview" bash -c 'man -w 7 logroute | grep -q man7'
check "the units are installed" \
  test -f /usr/lib/systemd/system/logroute-recv.service \
  -a -f /usr/lib/systemd/system/logroute-flush.timer \
  -a -f /usr/lib/systemd/system/logroute-stat.timer \
  -a -f /usr/lib/systemd/system/logroute-purge-rejects.timer
check "the cron file and the config are installed" \
  test -f /etc/cron.d/logroute -a -f /etc/logroute/logroute.conf
check "the config is a conffile" bash -c 'dpkg-query -W -f="\${Conffiles}" logroute | grep -q /etc/logroute/logroute.conf'
check "postinst created the logroute user" id logroute
check "postinst created the spool for it" \
  bash -c '[[ $(stat -c %U /var/lib/logroute/spool) == logroute ]]'
check "install: systemd reloads its units" called "systemctl --system daemon-reload"
check "install: the enablement state of each unit is recorded" \
  bash -c 'grep -qxF "deb-systemd-helper update-state logroute-flush.timer" <<<"$0" &&
           grep -qxF "deb-systemd-helper update-state logroute-purge-rejects.timer" <<<"$0"' "$seen"
check "install: nothing is started before the operator sets the database" \
  bash -c '! grep -q "^deb-systemd-invoke\|^systemctl start\|^deb-systemd-helper enable" <<<"$0"' "$seen"
# The package works as installed: the logroute user spools and flushes with
# the packaged config alone (spool and SQLite database under /var/lib/logroute).
check "recv spools as the logroute user with the packaged config" \
  bash -c 'echo "{\"unix_ts\":1,\"user_id\":7,\"event_name\":\"login\"}" |
           runuser -u logroute -- logroute-recv --stdin 2>&1 | grep -q accepted=1'
check "flush loads it with the packaged config" \
  bash -c 'runuser -u logroute -- logroute-flush 2>&1 | grep -q "rows=1"'
check "the packaged config passes --check-config" \
  bash -c 'runuser -u logroute -- logroute-flush --check-config >/dev/null'

# An operator's change to the config survives the upgrade (a conffile).
echo "# changed by the operator" >>/etc/logroute/logroute.conf
dpkg_retry -i "$newer_deb"
seen=$(calls_since)
check "upgrade: the newer version is installed" \
  bash -c '[[ $(dpkg-query -W -f="\${Version}" logroute) == 0.1.99 ]]'
check "upgrade: the running units are restarted, the others left alone" \
  called "deb-systemd-invoke try-restart logroute-recv.service logroute-flush.timer logroute-stat.timer logroute-purge-rejects.timer"
check "upgrade: nothing is stopped" bash -c '! grep -q " stop " <<<"$0"' "$seen"
check "upgrade: the operator's config is kept" \
  grep -q "^# changed by the operator" /etc/logroute/logroute.conf
check "upgrade: the events spooled before are still there" \
  bash -c 'echo "{\"unix_ts\":2,\"user_id\":8,\"event_name\":\"login\"}" |
           runuser -u logroute -- logroute-recv --stdin 2>&1 | grep -q accepted=1 &&
           runuser -u logroute -- logroute-flush 2>&1 | grep -q "rows=1" &&
           [[ $(sqlite3 /var/lib/logroute/logroute.db "SELECT count(*) FROM logs") == 2 ]]'

dpkg_retry --remove logroute
seen=$(calls_since)
check "remove: recv, the timer and a flush in progress are stopped" \
  called "deb-systemd-invoke stop logroute-recv.service logroute-flush.timer logroute-flush.service logroute-stat.timer logroute-stat.service logroute-purge-rejects.timer logroute-purge-rejects.service"
check "remove: the units are masked (their files are gone), systemd reloads" \
  bash -c 'grep -qxF "deb-systemd-helper mask logroute-recv.service logroute-flush.timer logroute-flush.service logroute-stat.timer logroute-stat.service logroute-purge-rejects.timer logroute-purge-rejects.service" <<<"$0" &&
           grep -qxF "systemctl --system daemon-reload" <<<"$0"' "$seen"
check "remove: the binaries are gone" test ! -e /usr/bin/logroute-recv
check "remove: the conffiles stay" test -f /etc/cron.d/logroute -a -f /etc/logroute/logroute.conf
check "remove: the cron entries that stay do nothing, quietly" \
  bash -c 'out=$(grep "^\* " /etc/cron.d/logroute | head -1 | cut -d" " -f9- | sh 2>&1) &&
           [[ -z $out ]]'
check "remove: the spool stays" test -d /var/lib/logroute/spool

dpkg_retry --purge logroute
seen=$(calls_since)
check "purge: the units' enablement state is forgotten" \
  bash -c 'grep -qxF "deb-systemd-helper purge logroute-recv.service logroute-flush.timer logroute-flush.service logroute-stat.timer logroute-stat.service logroute-purge-rejects.timer logroute-purge-rejects.service" <<<"$0" &&
           grep -qxF "deb-systemd-helper unmask logroute-recv.service logroute-flush.timer logroute-flush.service logroute-stat.timer logroute-stat.service logroute-purge-rejects.timer logroute-purge-rejects.service" <<<"$0"' "$seen"
check "purge removes the conffiles" test ! -e /etc/logroute/logroute.conf
check "purge removes the man pages" test ! -e /usr/share/man/man1/logroute-recv.1.gz

# Without systemd running, the scripts leave systemd alone but still keep
# the enablement state (deb-systemd-helper works without systemd).
rmdir /run/systemd/system
dpkg_retry -i "$deb"
dpkg_retry --remove logroute
seen=$(calls_since)
check "no systemd: nothing is started, stopped or reloaded" \
  bash -c '! grep -q "^deb-systemd-invoke\|^systemctl" <<<"$0"' "$seen"
check "no systemd: the enablement state is still kept" \
  called "deb-systemd-helper update-state logroute-recv.service"
dpkg_retry --purge logroute
trap - EXIT
check "purge removes the binaries" test ! -e /usr/bin/logroute-recv
