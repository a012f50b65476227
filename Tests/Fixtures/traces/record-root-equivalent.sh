#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-records Tests/Fixtures/traces/root-equivalent.{rwtrace,jsonl} on the real kernel:
# a test user (rwtestrecreq) with the community whitelist (its name swapped in, plus
# the lines below) runs the escapes of issue 16 items 2 and 3 while `rigwatch record`
# runs: a stand-in docker client with -v /:/host (no sudo), usermod -a -G of a test
# group, logrotate --force of a /tmp config, cp -t /etc/cron.d, a unit written with
# sudo tee and started with systemctl, systemd-run without --scope, and two commands
# that must stay quiet (the whitelisted scope, docker ps). Every file, group, user and
# drop-in it makes is named rwtest… and removed again. Needs root and a built rigwatch.
# Usage: Tests/Fixtures/traces/record-root-equivalent.sh [path/to/rigwatch]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rigwatch="${1:-$here/../../../.build/debug/rigwatch}"
user=rwtestrecreq
group=rwtestrecreqg
sudoers=/etc/sudoers.d/rwtest-recreq
dir=/tmp/rwtest-recreq
unit=/etc/systemd/system/rwtest-recreq.service
cron=/etc/cron.d/rwtest-recreq-cron

cleanup() {
	rm -f "$sudoers" "$unit" "$cron"
	rm -rf "$dir"
	userdel "$user" 2>/dev/null || true
	groupdel "$group" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
useradd --system --no-create-home --user-group -s /bin/sh "$user"
groupadd "$group"
{
	sed "s/^vastai_kaalia ALL=/$user ALL=/" "$here/../data/vastai-restricted.sudoers"
	echo "$user ALL=(root) NOPASSWD: /usr/sbin/usermod -a -G $group $user"
	echo "$user ALL=(root) NOPASSWD: /usr/bin/cp -t /etc/cron.d *"
	echo "$user ALL=(root) NOPASSWD: /usr/bin/tee $unit"
	echo "$user ALL=(root) NOPASSWD: /usr/bin/systemctl start rwtest-recreq"
	echo "$user ALL=(root) NOPASSWD: /usr/bin/systemd-run --unit=rwtest-recreq-run /bin/true"
} > "$sudoers"
chmod 0440 "$sudoers"
visudo -c -f "$sudoers" > /dev/null
mkdir -m 0755 -p "$dir/bin"
cp /bin/true "$dir/bin/docker"
printf '%s/rwtest-none.log {\n    missingok\n}\n' "$dir" > "$dir/conf"
echo '# rwtest: no job' > "$dir/rwtest-recreq-cron"
uid=$(id -u "$user")
gid=$(id -g "$user")
as_user() { setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"; }

"$rigwatch" record -o "$here/root-equivalent.rwtrace" --duration 6 --watch-user "$user" \
	--nvml-library /nonexistent/rwtest-libnvidia-ml.so.1 --nvidia-smi /nonexistent/rwtest-nvidia-smi &
recorder=$!
sleep 2
as_user "$dir/bin/docker" run --rm -v /:/host alpine true
as_user "$dir/bin/docker" ps --format '{{.Names}}'
as_user /usr/bin/sudo -n /usr/sbin/usermod -a -G "$group" "$user"
as_user /usr/bin/sudo -n /usr/sbin/logrotate --force -s "$dir/state" "$dir/conf" || true
as_user /usr/bin/sudo -n /usr/bin/cp -t /etc/cron.d "$dir/rwtest-recreq-cron"
printf '[Service]\nExecStart=/bin/true\n' | as_user /usr/bin/sudo -n /usr/bin/tee "$unit" > /dev/null
# Without systemd as PID 1 these two fail; their execs are what the rules judge.
as_user /usr/bin/sudo -n /usr/bin/systemctl start rwtest-recreq 2> /dev/null || true
as_user /usr/bin/sudo -n /usr/bin/systemd-run --unit=rwtest-recreq-run /bin/true 2> /dev/null || true
as_user /usr/bin/sudo -n /usr/bin/systemd-run --scope --unit=vastai_script_updater /bin/true 2> /dev/null || true
wait "$recorder"
"$rigwatch" trace convert "$here/root-equivalent.rwtrace" "$here/root-equivalent.jsonl"
echo "recorded: watched uid $uid"
