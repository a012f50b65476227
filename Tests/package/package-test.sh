#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package as a new host uses it (`make package-test`):
#   Tests/package/package-test.sh DEB VERSION     (VERSION: the release, e.g. 0.1.0)
# lintian first (clean: every tag fixed or overridden with a reason, info tags included); then
# a fresh Debian 12 root (a copy of Tests/package/ensure-chroot.sh's cached debootstrap, no
# Swift in it) where `apt-get install ./rigwatch_….deb` brings the Depends from Debian's
# archive, and there: `rigwatch --version`, `check-config` of the packaged configuration and
# `replay` of a recorded trace, each against its exact output; the files, owners and modes;
# a log rotation; that the maintainer scripts enabled and started nothing (no systemd in a
# chroot: stand-in systemctl and deb-systemd-* record any call); `dpkg -r` keeping the
# conffile, logs and state; `dpkg --purge` removing them but the operator's rigwatch.env.
# Any difference is a failure. The root is under build/package-test/ (kept after a failure,
# for a look; removed at the next run); /proc is mounted there and always unmounted.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
DEB=$(realpath "$1")
VERSION=$2
# What --version must say: the release and the commit, as packaging/build-info.sh names it.
COMMIT=$(git -C "$REPO" rev-parse --short=12 HEAD)
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then COMMIT=$COMMIT-dirty; fi
WORK=$REPO/build/package-test
ROOT=$WORK/root
STARTED=$SECONDS
failures=0
say() { echo "package-test: $*"; }
fail() {
	echo "package-test: FAILED: $*" >&2
	failures=$((failures + 1))
}
phase() { say "$1 ($((SECONDS - STARTED)) s)"; }

# Inside the new root, with a clean environment (nothing of this machine's PATH or Swift).
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

# expect NAME EXPECTED ACTUAL: exact text, or a failure with both shown.
checks=0
expect() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		fail "$1:"$'\n'"--- expected"$'\n'"$2"$'\n'"--- actual"$'\n'"$3"
	fi
}

unmount() { if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc"; fi; }
trap unmount EXIT

# --- lintian -----------------------------------------------------------------------------
phase "lintian $(basename "$DEB")"
if ! lintian --info --fail-on error,warning,info "$DEB" >"$WORK.lintian.log" 2>&1 ||
	grep -q '^[EWI]:' "$WORK.lintian.log"; then
	fail "lintian:"$'\n'"$(grep -v '^running with root privileges' "$WORK.lintian.log")"
fi

# --- a fresh root ------------------------------------------------------------------------
TARBALL=$("$HERE/ensure-chroot.sh")
phase "a fresh Debian 12 root from $(basename "$TARBALL")"
if [ -d "$ROOT" ]; then
	if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc"; fi
	rm -rf "$ROOT"
fi
mkdir -p "$ROOT"
tar -C "$ROOT" --zstd -xf "$TARBALL"
[ ! -e "$ROOT/opt/swift" ] || fail "the new root has /opt/swift"
mount -t proc proc "$ROOT/proc"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
rm -f "$ROOT/etc/apt/sources.list"
"$HERE/debian-sources.sh" sources >"$ROOT/etc/apt/sources.list.d/debian.sources"
# Daemons that dependencies bring (cron, with logrotate) must not start in the root.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
# Stand-ins that record every call: first in PATH, so a maintainer script that talked to
# systemd here would leave a line (the real ones would act without systemd running).
for tool in systemctl deb-systemd-helper deb-systemd-invoke; do
	printf '#!/bin/sh\necho "%s $*" >>/root/systemd-calls\n' "$tool" >"$ROOT/usr/local/sbin/$tool"
	chmod 0755 "$ROOT/usr/local/sbin/$tool"
done
calls() { grep -h rigwatch "$ROOT/root/systemd-calls" 2>/dev/null || true; }
cp "$DEB" "$ROOT/tmp/"
cp "$REPO/Tests/Fixtures/traces/sudo-session.rwtrace" "$ROOT/tmp/"

# --- install -----------------------------------------------------------------------------
phase "apt-get install ./$(basename "$DEB")"
in_root apt-get update -qq >"$WORK.apt.log" 2>&1 || fail "apt-get update: $(cat "$WORK.apt.log")"
if ! in_root apt-get install -y -q "/tmp/$(basename "$DEB")" >>"$WORK.apt.log" 2>&1; then
	fail "apt-get install: $(tail -20 "$WORK.apt.log")"
	exit 1
fi
grep -qxF "rigwatch: systemd is not running (/run/systemd/system is missing): rigwatch.service not enabled or started" \
	"$WORK.apt.log" || fail "postinst did not say it left the service alone: $(grep -i rigwatch "$WORK.apt.log")"
expect "systemd calls by the maintainer scripts on install" "" "$(calls)"
[ ! -e "$ROOT/etc/systemd/system/multi-user.target.wants/rigwatch.service" ] || fail "install enabled the unit"
for proc in /proc/[0-9]*; do
	if [ "$(readlink "$proc/root" 2>/dev/null)" = "$ROOT" ] && [ "$(cat "$proc/comm" 2>/dev/null)" = rigwatch ]; then
		fail "a rigwatch process runs in the root: ${proc#/proc/}"
	fi
done

phase "the installed files"
expect "files, modes and owners" "\
755 root:root /usr/bin/rigwatch
644 root:root /lib/systemd/system/rigwatch.service
750 root:root /etc/rigwatch
600 root:root /etc/rigwatch/rigwatch.yaml
644 root:root /etc/logrotate.d/rigwatch
750 root:root /var/log/rigwatch
700 root:root /var/lib/rigwatch
644 root:root /usr/share/man/man8/rigwatch.8.gz
644 root:root /usr/share/bash-completion/completions/rigwatch
644 root:root /usr/share/zsh/vendor-completions/_rigwatch
644 root:root /usr/share/fish/vendor_completions.d/rigwatch.fish
644 root:root /usr/share/doc/rigwatch/copyright
644 root:root /usr/share/doc/rigwatch/changelog.Debian.gz" \
	"$(in_root stat -c '%a %U:%G %n' /usr/bin/rigwatch /lib/systemd/system/rigwatch.service /etc/rigwatch \
		/etc/rigwatch/rigwatch.yaml /etc/logrotate.d/rigwatch /var/log/rigwatch /var/lib/rigwatch \
		/usr/share/man/man8/rigwatch.8.gz /usr/share/bash-completion/completions/rigwatch \
		/usr/share/zsh/vendor-completions/_rigwatch /usr/share/fish/vendor_completions.d/rigwatch.fish \
		/usr/share/doc/rigwatch/copyright /usr/share/doc/rigwatch/changelog.Debian.gz 2>&1)"
expect "conffiles" "/etc/logrotate.d/rigwatch
/etc/rigwatch/rigwatch.yaml" "$(in_root dpkg-query -W -f='${Conffiles}\n' rigwatch | awk 'NF { print $1 }')"
expect "the unit's commands" "\
ExecStart=/usr/bin/rigwatch run --config /etc/rigwatch/rigwatch.yaml --events none
ExecReload=/usr/bin/rigwatch check-config /etc/rigwatch/rigwatch.yaml
ExecReload=/bin/kill -HUP \$MAINPID" "$(grep '^Exec' "$ROOT/lib/systemd/system/rigwatch.service")"
expect "the man page" '.\" "Generated by swift-argument-parser"
.Dt RIGWATCH 8' "$(zcat "$ROOT/usr/share/man/man8/rigwatch.8.gz" | sed -n '1p;3p')"
expect "bash completion" "complete -o filenames -F _rigwatch rigwatch" \
	"$(in_root bash -c '. /usr/share/bash-completion/completions/rigwatch && complete -p rigwatch' 2>&1)"
# The libraries the binary links, by package (versions are dpkg-shlibdeps' to compute).
expect "Depends, by package" "libaudit1 libc6 libcurl4 libelf1 libgcc-s1 libstdc++6 zlib1g" \
	"$(in_root dpkg-query -W -f='${Depends}' rigwatch | sed 's/ *([^)]*)//g; s/, */\n/g' | sort | xargs)"

# --- the commands ------------------------------------------------------------------------
phase "rigwatch in the new root"
expect "rigwatch --version" "$VERSION (commit $COMMIT)" "$(in_root rigwatch --version 2>&1)"
expect "rigwatch check-config /etc/rigwatch/rigwatch.yaml" "\
/etc/rigwatch/rigwatch.yaml: ok
watched users: none on this host
policy default: 0 compiled rules, argument-abuse rules on
file watch: 9 paths, 11 maintenance rules
  watch /etc/sudoers
  watch /etc/sudoers.d
  watch /etc/cron.d
  watch /etc/crontab
  watch /var/spool/cron
  watch /etc/systemd/system
  watch /root/.ssh/authorized_keys
  watch /etc/libvirt/hooks
  watch /etc/ld.so.preload
  allow path /etc/cron.d/vastai_kaalia_update, program /usr/bin/tee, lineage watched (built-in: Vast daemon)
  allow path /etc/cron.d/vastai_restart_everything, program /usr/bin/tee, lineage watched (built-in: Vast daemon)
  allow path /etc/systemd/system/vastai.service, program /usr/bin/tee, lineage watched (built-in: Vast daemon)
  allow path /etc/systemd/system/vastai_bouncer.service, program /usr/bin/tee, lineage watched (built-in: Vast daemon)
  allow path /etc/systemd/system/vast_metrics.service, program /usr/bin/tee, lineage watched (built-in: Vast daemon)
  allow path /etc/libvirt/hooks/qemu, program /usr/bin/cp, lineage watched (built-in: Vast daemon libvirt hook)
  allow path /etc/libvirt/hooks/qemu, program /usr/bin/chmod, lineage watched (built-in: Vast daemon libvirt hook)
  allow path /etc/libvirt/hooks/qemu, program /usr/bin/chown, lineage watched (built-in: Vast daemon libvirt hook)
  allow path /etc/libvirt/hooks, program /usr/bin/mkdir, lineage watched (built-in: Vast daemon libvirt hook)
  allow program /usr/bin/dpkg, lineage unwatched (built-in: package maintenance)
  allow path /etc/systemd/system/*.wants/*, program /usr/bin/systemctl, below /usr/bin/dpkg, lineage any (built-in: package maintainer scripts enabling units)
tamper signals: on, integrity check every 2 s" "$(in_root rigwatch check-config /etc/rigwatch/rigwatch.yaml 2>"$WORK.stderr")"
expect "check-config's warning" \
	"rigwatch: warning: watched user vastai_kaalia does not exist on this host; the sensor runs without it" \
	"$(cat "$WORK.stderr")"
expect "rigwatch replay sudo-session.rwtrace --format text" \
	"2026-11-25T11:27:23.280687Z vm ALERT [high] unlisted-privileged-exec: rwtestrec ran an unlisted command as root: /usr/bin/id -u | pid=10160 uid=0 euid=0 /usr/bin/id argv=[/usr/bin/id -u] | user='rwtestrec (uid 999)' exe=/usr/bin/id command='/usr/bin/id -u' rule_set=default cgroup_id=1 via='/usr/bin/sudo -n /usr/bin/id -u'
2026-11-25T11:27:23.288326Z vm ALERT [high] unlisted-privileged-exec: rwtestrec ran an unlisted command as root: /bin/sh -c '/bin/echo from-root-shell > /dev/null' | pid=10162 uid=0 euid=0 /bin/sh argv=[/bin/sh -c '/bin/echo from-root-shell > /dev/null'] | user='rwtestrec (uid 999)' exe=/bin/sh command='/bin/sh -c '\\''/bin/echo from-root-shell > /dev/null'\\''' rule_set=default cgroup_id=1 via='/usr/bin/sudo -n /bin/sh -c '\\''/bin/echo from-root-shell > /dev/null'\\'''" \
	"$(in_root rigwatch replay /tmp/sudo-session.rwtrace --format text 2>"$WORK.stderr")"
expect "replay's summary" "rigwatch: replayed 60 events from /tmp/sudo-session.rwtrace: 2 alerts" "$(cat "$WORK.stderr")"

# --- log rotation (logrotate comes with the package's Recommends) ------------------------
phase "logrotate"
printf '{"alert":1}\n' >"$ROOT/var/log/rigwatch/alerts.jsonl"
chmod 0600 "$ROOT/var/log/rigwatch/alerts.jsonl"
in_root logrotate --force --state /tmp/logrotate.state /etc/logrotate.d/rigwatch 2>&1 || fail "logrotate failed"
expect "the rotated log" "\
600 root:root 0 /var/log/rigwatch/alerts.jsonl
600 root:root 12 /var/log/rigwatch/alerts.jsonl.1" \
	"$(in_root sh -c 'stat -c "%a %U:%G %s %n" /var/log/rigwatch/*' 2>&1)"
expect "systemd calls by logrotate's postrotate" "" "$(calls)"

# --- remove, purge -----------------------------------------------------------------------
phase "dpkg -r rigwatch"
printf '# a local change\n' >>"$ROOT/etc/rigwatch/rigwatch.yaml"
config_before=$(md5sum <"$ROOT/etc/rigwatch/rigwatch.yaml")
printf 'x' >"$ROOT/var/lib/rigwatch/state.json"
in_root dpkg -r rigwatch >"$WORK.dpkg.log" 2>&1 || fail "dpkg -r: $(cat "$WORK.dpkg.log")"
expect "status after remove" "deinstall ok config-files" "$(in_root dpkg-query -W -f='${Status}' rigwatch)"
expect "what remove leaves" "\
/etc/rigwatch/rigwatch.yaml
/var/lib/rigwatch/state.json
/var/log/rigwatch/alerts.jsonl
/var/log/rigwatch/alerts.jsonl.1" \
	"$(cd "$ROOT" && find etc/rigwatch var/lib/rigwatch var/log/rigwatch usr/bin/rigwatch lib/systemd/system/rigwatch.service \
		-type f 2>/dev/null | sed 's|^|/|' | sort)"
expect "the changed conffile, kept" "$config_before" "$(md5sum <"$ROOT/etc/rigwatch/rigwatch.yaml")"
expect "systemd calls on remove" "" "$(calls)"

phase "dpkg --purge rigwatch"
printf 'RIGWATCH_DISCORD_WEBHOOK=https://example.invalid/hook\n' >"$ROOT/etc/rigwatch/rigwatch.env"
in_root dpkg --purge rigwatch >>"$WORK.dpkg.log" 2>&1 || fail "dpkg --purge: $(cat "$WORK.dpkg.log")"
expect "status after purge" "" "$(in_root dpkg-query -W -f='${Status}' rigwatch 2>/dev/null || true)"
expect "what purge leaves: the operator's rigwatch.env" "/etc/rigwatch/rigwatch.env" \
	"$(cd "$ROOT" && find etc/rigwatch var/lib/rigwatch var/log/rigwatch run/rigwatch 2>/dev/null | sed 's|^|/|' | sort |
		grep -vx /etc/rigwatch)"
expect "systemd calls on purge" "deb-systemd-helper purge rigwatch.service" "$(calls)"

phase "done"
if [ "$failures" -gt 0 ]; then
	say "FAILED: $failures failures ($checks exact checks ran); the root is kept in $ROOT, logs in $WORK.*.log"
	exit 1
fi
unmount
rm -rf "$ROOT"
say "passed: lintian and $checks exact checks, in $((SECONDS - STARTED)) s"
