#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-records Tests/Fixtures/traces/exfiltration-slow-recorded.{rwtrace,jsonl} on the real
# kernel: a test user (rwtestslr) sends 6 MB evenly over 8 s (750 kB/s, a paced sender far
# under the short window's thresholds) over TCP to a second test host in a network namespace
# (rwtestnsslr, 10.231.19.2) while `rigwatch record` runs.
# The host's other activity (builds running alongside) is filtered out afterwards: the
# fixture keeps the header and the events of the watched lineage, unchanged otherwise.
# Needs root and a built rigwatch. Usage: record-slow-exfiltration.sh [path/to/rigwatch]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rigwatch="${1:-$here/../../../.build/debug/rigwatch}"
traffic="$here/../helpers/net_traffic.py"
user=rwtestslr ns=rwtestnsslr iface=rwtestvsla peer=rwtestvslb
sink="" raw=""
cleanup() {
	[ -n "$raw" ] && rm -rf "$raw"
	[ -n "$sink" ] && kill "$sink" 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	ip link del "$iface" 2>/dev/null || true
	userdel "$user" 2>/dev/null || true
}
trap cleanup EXIT
cleanup
raw=$(mktemp -d)
useradd --system --no-create-home --user-group -s /bin/sh "$user"
ip netns add "$ns"
ip link add "$iface" type veth peer name "$peer" netns "$ns"
ip addr add 10.231.19.1/30 dev "$iface" && ip link set "$iface" up
ip -n "$ns" addr add 10.231.19.2/30 dev "$peer" && ip -n "$ns" link set "$peer" up
ip netns exec "$ns" /usr/bin/python3 "$traffic" sink 5201 5202 > /dev/null &
sink=$!
sleep 0.5
config=$(mktemp)
printf 'network:\n  snapshot_interval_seconds: 1\n' > "$config"
"$rigwatch" record -o "$raw/all.rwtrace" --duration 12 --watch-user "$user" --config "$config" &
recorder=$!
sleep 1.5
setpriv --reuid="$(id -u $user)" --regid="$(id -g $user)" --init-groups -- /usr/bin/python3 "$traffic" paced 10.231.19.2 5201 6000000 8
wait "$recorder"
rm -f "$config"
"$rigwatch" trace convert "$raw/all.rwtrace" "$raw/all.jsonl"
python3 - "$(id -u $user)" "$raw/all.jsonl" "$here/exfiltration-slow-recorded.jsonl" <<'PY'
import json, sys
uid, source, target = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(source) as f, open(target, "w") as out:
    for line in f:
        event = json.loads(line)
        if event["type"] == "trace_header" or event.get("lineage_uid") == uid:
            out.write(line)
PY
"$rigwatch" trace convert "$here/exfiltration-slow-recorded.jsonl" "$here/exfiltration-slow-recorded.rwtrace"
chmod 644 "$here"/exfiltration-slow-recorded.*
echo "recorded: watched uid $(id -u $user)"
