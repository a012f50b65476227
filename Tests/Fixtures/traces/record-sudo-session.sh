#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-records Tests/Fixtures/traces/sudo-session.{rwtrace,jsonl} on the real kernel:
# a test user (rwtestrec) runs a few known commands directly and through sudo
# while `rigwatch record` runs. Needs root and a built rigwatch (make build).
# Usage: Tests/Fixtures/traces/record-sudo-session.sh [path/to/rigwatch]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rigwatch="${1:-$here/../../../.build/debug/rigwatch}"
user=rwtestrec
sudoers=/etc/sudoers.d/rwtest-record

cleanup() {
	rm -f "$sudoers"
	userdel "$user" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
useradd --system --no-create-home --user-group -s /bin/sh "$user"
echo "$user ALL=(root) NOPASSWD: /usr/bin/id, /bin/sh" > "$sudoers"
chmod 0440 "$sudoers"
uid=$(id -u "$user")
gid=$(id -g "$user")
as_user() { setpriv --reuid="$uid" --regid="$gid" --init-groups -- "$@"; }

"$rigwatch" record -o "$here/sudo-session.rwtrace" --duration 4 --watch-user "$user" &
recorder=$!
sleep 1.5
as_user /bin/echo "hello world" "it's \"quoted\"" > /dev/null
as_user /usr/bin/sudo -n /usr/bin/id -u > /dev/null
as_user /usr/bin/sudo -n /bin/sh -c '/bin/echo from-root-shell > /dev/null'
wait "$recorder"
"$rigwatch" trace convert "$here/sudo-session.rwtrace" "$here/sudo-session.jsonl"
echo "recorded: watched uid $uid"
