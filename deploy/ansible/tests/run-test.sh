#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Ansible role as an operator runs it (`make deploy-test-ansible`):
#   deploy/ansible/tests/run-test.sh DEB
# The target is a staged root: this machine's own / under an overlay (lowerdir=/, the upper
# and work directories on a tmpfs at build/ansible-test/) in a private mount namespace, with
# /proc, /sys and /dev bound in; ansible-playbook runs inside it (chroot, connection local,
# the host's own ansible-core). Every write, dpkg's included, goes to the upper directory:
# this machine's / is never changed, and the namespace's end takes the mounts with it.
# In order, each against its exact result:
#   1. `ansible-playbook --syntax-check` of site.yml;
#   2. `--check --diff` before the first install: succeeds, reports the changes, writes nothing;
#   3. a real run: the package installed at the .deb's version, rigwatch.yaml with the exact
#      templated content (root:root 0600, accepted by `rigwatch check-config`), rigwatch.env
#      with the exact webhook line (root:root 0600), the webhook URL nowhere in any output;
#   4. the same run again: changed=0;
#   5. `--check --diff` with a changed variable: the diff is shown, the file unchanged;
#   6. a variable that check-config rejects: the play fails, the previous file byte-identical;
#   7. no webhook variable: rigwatch.env removed.
# The service tasks are skipped here (PID 1 is not systemd: the role's service_mgr gate).
set -euo pipefail

DEB=$(realpath "${1:?usage: run-test.sh DEB}")
HERE=$(cd "$(dirname "$0")" && pwd -P)
ANSIBLE_DIR=$(cd "$HERE/.." && pwd -P)
REPO=$(cd "$ANSIBLE_DIR/../.." && pwd -P)
WORK=$REPO/build/ansible-test

# --- outside: a private mount namespace, and the empty mount point removed afterwards ------
if [ "${RWTEST_ANSIBLE_STAGED:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || {
		echo "ansible-test: needs root (mount namespace, overlay, chroot)" >&2
		exit 1
	}
	if mountpoint -q "$WORK"; then
		echo "ansible-test: $WORK is mounted in this namespace: another run?" >&2
		exit 1
	fi
	# The mounts live only in the namespace: here $WORK is a plain, empty directory.
	remove_work() { rm -rf "$WORK"; }
	trap remove_work EXIT
	rm -rf "$WORK"
	mkdir -p "$WORK"
	RWTEST_ANSIBLE_STAGED=1 unshare --mount --propagation private "$0" "$DEB"
	exit
fi

# --- inside the namespace: the staged root -------------------------------------------------
ROOT=$WORK/root
STAGE=/rwtest-ansible # the test's inputs, inside the root
SECRET=rwtest-secret-token
WEBHOOK=http://127.0.0.1:9/$SECRET
STARTED=$SECONDS
failures=0
checks=0
say() { echo "ansible-test: $*"; }
fail() {
	echo "ansible-test: FAILED: $*" >&2
	failures=$((failures + 1))
}
phase() { say "$1 ($((SECONDS - STARTED)) s)"; }
# expect NAME EXPECTED ACTUAL: exact text, or a failure with both shown.
expect() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		fail "$1:"$'\n'"--- expected"$'\n'"$2"$'\n'"--- actual"$'\n'"$3"
	fi
}

unmount() { umount -R "$WORK" 2>/dev/null || umount -R -l "$WORK"; }
trap unmount EXIT
mount -t tmpfs -o mode=0700 rwtest-ansible "$WORK"
mkdir "$WORK/upper" "$WORK/work" "$ROOT"
mount -t overlay rwtest-ansible -o "lowerdir=/,upperdir=$WORK/upper,workdir=$WORK/work" "$ROOT"
for fs in proc sys dev; do mount --rbind "/$fs" "$ROOT/$fs"; done

# Inside the root, with a clean environment; from the playbook's directory (its ansible.cfg).
in_root() {
	chroot "$ROOT" /usr/bin/env -i -C "$ANSIBLE_DIR" HOME=/root LC_ALL=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		PYTHONDONTWRITEBYTECODE=1 ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 "$@"
}
# What the runs changed on disk, outside the test's inputs and ansible's own ~/.ansible. /tmp
# itself is copied up when Python probes it with a temporary file; anything left in it counts.
written() {
	(cd "$WORK/upper" && find . -mindepth 1 | sed 's|^\.||' | sort |
		grep -vxE "/root|/root/\.ansible(/.*)?|$STAGE(/.*)?|/tmp" || true)
}

mkdir "$ROOT$STAGE"
cp "$DEB" "$ROOT$STAGE/"
DEB_NAME=$(basename "$DEB")
printf '[rigwatch_hosts]\nrwtest-target ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n' \
	>"$ROOT$STAGE/inventory.ini"
# The operator's variables; the webhook as a vault would hand it over.
cat >"$ROOT$STAGE/vars.yml" <<EOF
rigwatch_deb: $STAGE/$DEB_NAME
rigwatch_watched_users: [rwtest-renter, 4242]
rigwatch_policy_rules:
  - /usr/bin/nvidia-smi -q
  - "!/usr/bin/su"
rigwatch_heartbeat_hours: 6
rigwatch_config_extra:
  alerts:
    dedup_window_seconds: 120
rigwatch_discord_webhook_url: $WEBHOOK
EOF
grep -v '^rigwatch_discord_webhook_url:' "$ROOT$STAGE/vars.yml" >"$ROOT$STAGE/vars-no-webhook.yml"

# play NAME VARS [ARGS...]: one ansible-playbook run; output in $WORK/NAME.log, recap in
# $WORK/NAME.recap (one line, spaces squeezed).
play() {
	local name=$1 vars=$2 rc=0
	shift 2
	in_root ansible-playbook -i "$STAGE/inventory.ini" -e "@$STAGE/$vars" "$@" site.yml \
		>"$WORK/$name.log" 2>&1 || rc=$?
	grep '^rwtest-target *:' "$WORK/$name.log" | tr -s ' ' | sed 's/ $//' >"$WORK/$name.recap" || true
	return $rc
}
recap() { cat "$WORK/$1.recap"; }
show_log() { sed 's/^/    /' "$WORK/$1.log" >&2; }

# --- 1. syntax ---------------------------------------------------------------------------
phase "ansible-playbook --syntax-check"
if ! in_root ansible-playbook -i "$STAGE/inventory.ini" --syntax-check site.yml >"$WORK/syntax.log" 2>&1; then
	fail "syntax-check"
	show_log syntax
fi
expect "syntax-check output" $'\nplaybook: site.yml' "$(cat "$WORK/syntax.log")"

# --- 2. --check --diff before the first install ------------------------------------------
phase "--check --diff before the first install"
play check-first vars.yml --check --diff || {
	fail "the --check run failed"
	show_log check-first
}
expect "--check recap" "rwtest-target : ok=7 changed=4 unreachable=0 failed=0 skipped=5 rescued=0 ignored=0" \
	"$(recap check-first)"
expect "what --check wrote" "" "$(written)"

# --- 3. the real run ---------------------------------------------------------------------
phase "the first run"
play first vars.yml || {
	fail "the first run failed"
	show_log first
}
expect "first run recap" "rwtest-target : ok=8 changed=5 unreachable=0 failed=0 skipped=4 rescued=0 ignored=0" \
	"$(recap first)"
expect "the package" "install ok installed $(dpkg-deb -f "$DEB" Version)" \
	"$(in_root dpkg-query -W -f='${Status} ${Version}' rigwatch 2>&1)"
expect "files, modes and owners" "\
755 root:root /usr/bin/rigwatch
750 root:root /etc/rigwatch
600 root:root /etc/rigwatch/rigwatch.yaml
600 root:root /etc/rigwatch/rigwatch.env
755 root:root /var/cache/rigwatch-deploy
644 root:root /var/cache/rigwatch-deploy/$DEB_NAME" \
	"$(in_root stat -c '%a %U:%G %n' /usr/bin/rigwatch /etc/rigwatch /etc/rigwatch/rigwatch.yaml \
		/etc/rigwatch/rigwatch.env /var/cache/rigwatch-deploy "/var/cache/rigwatch-deploy/$DEB_NAME" 2>&1)"
expected_config="\
# Ansible managed: templated by the rigwatch Ansible role; edits here are overwritten.
# Keys and defaults: docs/configuration.md. Validate: rigwatch check-config /etc/rigwatch/rigwatch.yaml
alerts:
  dedup_window_seconds: 120
policy:
  import_sudoers: []
  rules:
  - /usr/bin/nvidia-smi -q
  - '!/usr/bin/su'
service:
  heartbeat_hours: 6
watch_users:
- rwtest-renter
- 4242"
expect "rigwatch.yaml" "$expected_config" "$(cat "$ROOT/etc/rigwatch/rigwatch.yaml")"
expect "rigwatch.yaml ends in one newline" "0a" "$(tail -c 1 "$ROOT/etc/rigwatch/rigwatch.yaml" | od -An -tx1 | tr -d ' ')"
expect "check-config of the templated file" "\
rigwatch: warning: watched user rwtest-renter does not exist on this host; the sensor runs without it
/etc/rigwatch/rigwatch.yaml: ok
watched users: 4242 (uid 4242)
policy default + config rules: 74 compiled rules, argument-abuse rules on" \
	"$(in_root rigwatch check-config /etc/rigwatch/rigwatch.yaml 2>&1 | sed -n 1,4p)"
expect "rigwatch.env" "RIGWATCH_DISCORD_WEBHOOK=$WEBHOOK" "$(cat "$ROOT/etc/rigwatch/rigwatch.env")"

# --- 4. the same run again ---------------------------------------------------------------
phase "the second run"
play second vars.yml || {
	fail "the second run failed"
	show_log second
}
expect "second run recap" "rwtest-target : ok=8 changed=0 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0" \
	"$(recap second)"

# --- 5. --check --diff with a change -----------------------------------------------------
phase "--check --diff with a changed variable"
config_before=$(sha256sum <"$ROOT/etc/rigwatch/rigwatch.yaml")
play check-diff vars.yml --check --diff -e rigwatch_heartbeat_hours=12 || {
	fail "the --check --diff run failed"
	show_log check-diff
}
expect "--check --diff recap" "rwtest-target : ok=8 changed=1 unreachable=0 failed=0 skipped=3 rescued=0 ignored=0" \
	"$(recap check-diff)"
expect "the diff" "\
-  heartbeat_hours: 6
+  heartbeat_hours: 12" "$(grep -E '^[-+] ' "$WORK/check-diff.log")"
expect "rigwatch.yaml after --check" "$config_before" "$(sha256sum <"$ROOT/etc/rigwatch/rigwatch.yaml")"

# --- 6. a configuration check-config rejects ---------------------------------------------
phase "an invalid configuration"
if play invalid vars.yml -e '{"rigwatch_config_extra": {"rwtest_unknown_key": 1}}'; then
	fail "a configuration with an unknown key was installed"
	show_log invalid
fi
expect "invalid run recap" "rwtest-target : ok=6 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0" \
	"$(recap invalid)"
expect "check-config's message in the output" 1 \
	"$(grep -c "unknown key 'rwtest_unknown_key' at the top level" "$WORK/invalid.log" || true)"
expect "rigwatch.yaml after the failed run" "$config_before" "$(sha256sum <"$ROOT/etc/rigwatch/rigwatch.yaml")"

# --- 7. no webhook -----------------------------------------------------------------------
phase "no webhook variable"
play no-webhook vars-no-webhook.yml || {
	fail "the run without a webhook failed"
	show_log no-webhook
}
expect "no-webhook recap" "rwtest-target : ok=8 changed=1 unreachable=0 failed=0 skipped=3 rescued=0 ignored=0" \
	"$(recap no-webhook)"
expect "rigwatch.env after the run without a webhook" "absent" \
	"$(if [ -e "$ROOT/etc/rigwatch/rigwatch.env" ]; then echo present; else echo absent; fi)"
expect "rigwatch.yaml after the run without a webhook" "$config_before" "$(sha256sum <"$ROOT/etc/rigwatch/rigwatch.yaml")"

# --- the secret --------------------------------------------------------------------------
expect "runs whose output shows the webhook URL" "" "$(cd "$WORK" && grep -lF "$SECRET" ./*.log || true)"

say "$checks checks, $failures failed ($((SECONDS - STARTED)) s)"
[ "$failures" = 0 ]
