#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of the shipped rsyslog configs: a forwarder and a central rsyslogd on
# 127.0.0.1, each with its own config, pidfile and work directory (the system rsyslog is never
# used: -f names only our config, no imuxsock/imklog). Alerts raised while the central is down
# must all arrive afterwards, once, in order, byte-identical.
# Usage: run-test.sh RIGWATCH_BIN
set -euo pipefail

bin=$(realpath "${1:?usage: run-test.sh RIGWATCH_BIN}")
here=$(cd "$(dirname "$0")" && pwd)
traces=$(cd "$here/../../../Tests/Fixtures/traces" && pwd)
tmp=$(mktemp -d /tmp/rwtest-rsyslog.XXXXXX)
central_port=25141
host=rwtest-sensor

stop_rsyslog() { # $1: pidfile; our own instance only
    local pid
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$1"
}
cleanup() {
    stop_rsyslog "$tmp/forward.pid"
    stop_rsyslog "$tmp/central.pid"
    [ -n "${RWTEST_KEEP:-}" ] && echo "kept $tmp" >&2 || rm -rf "$tmp"
}
trap cleanup EXIT

if ss -Htln "sport = :$central_port" | grep -q .; then
    echo "port $central_port is in use" >&2
    exit 1
fi
mkdir -p "$tmp/forward-work" "$tmp/central-work" "$tmp/central-log"

# The shipped files, with the test's paths, address, port and a short retry interval.
sed -e "s|/var/log/rigwatch/alerts.jsonl|$tmp/alerts.jsonl|" \
    -e 's|target="central"|target="127.0.0.1"|' \
    -e "s|port=\"2514\"|port=\"$central_port\"|" \
    -e 's|action.resumeInterval="10"|action.resumeInterval="1"|' \
    "$here/../rigwatch-forward.conf" > "$tmp/forward-shipped.conf"
sed -e "s|/var/log/rigwatch-central/|$tmp/central-log/|" \
    -e "s|port=\"2514\"|port=\"$central_port\" address=\"127.0.0.1\"|" \
    "$here/../rigwatch-central.conf" > "$tmp/central-shipped.conf"
# A substitution that no longer matches the shipped file would run the test against the
# host's real log, or a central on port 2514 on every address: refuse instead.
for shipped in "/var/log/rigwatch/alerts.jsonl" 'target="central"' 'port="2514"' 'resumeInterval="10"' \
    "/var/log/rigwatch-central/"; do
    if grep -qF -- "$shipped" "$tmp/forward-shipped.conf" "$tmp/central-shipped.conf"; then
        echo "the test's substitution for $shipped no longer matches the shipped config" >&2
        exit 1
    fi
done
grep -qF "address=\"127.0.0.1\"" "$tmp/central-shipped.conf" || {
    echo "the central's input is not bound to 127.0.0.1" >&2
    exit 1
}
printf 'global(workDirectory="%s" localHostname="%s")\ninclude(file="%s")\n' \
    "$tmp/forward-work" "$host" "$tmp/forward-shipped.conf" > "$tmp/forward.conf"
printf 'global(workDirectory="%s")\ninclude(file="%s")\n' \
    "$tmp/central-work" "$tmp/central-shipped.conf" > "$tmp/central.conf"
# Alerts go to the test's log only: no webhook from the caller's environment, no system spool.
unset RIGWATCH_DISCORD_WEBHOOK
printf 'alerts:\n  log_file: %s\n  spool_dir: %s\n' "$tmp/alerts.jsonl" "$tmp/spool" > "$tmp/rigwatch.yaml"

start_rsyslog() { # $1: name
    rsyslogd -n -f "$tmp/$1.conf" -i "$tmp/$1.pid" >> "$tmp/$1.out" 2>&1 &
    for _ in $(seq 50); do [ -s "$tmp/$1.pid" ] && return 0; sleep 0.1; done
    echo "rsyslogd ($1) did not start:" >&2
    cat "$tmp/$1.out" >&2
    exit 1
}
raise() { # $1: trace name; writes its alerts to the test's alert log
    "$bin" replay "$traces/$1" --config "$tmp/rigwatch.yaml" --send > /dev/null 2>> "$tmp/replay.err"
}
lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
wait_arrived() { # $1: seconds
    local want
    want=$(lines "$tmp/alerts.jsonl")
    for _ in $(seq $(($1 * 10))); do
        [ "$(lines "$tmp/central-log/$host.jsonl")" -ge "$want" ] && return 0
        sleep 0.1
    done
    echo "timed out: $(lines "$tmp/central-log/$host.jsonl") of $want alerts arrived" >&2
    return 1
}

start=$SECONDS
start_rsyslog central
start_rsyslog forward
raise exfiltration.jsonl
wait_arrived 20
phase1=$(lines "$tmp/central-log/$host.jsonl")
echo "phase 1: $phase1 alerts arrived"

stop_rsyslog "$tmp/central.pid"
raise mining-watched-miner.jsonl
raise sudo-session.jsonl
sleep 3
# RWTEST_RESTART_FORWARDER=1 also restarts the forwarder while the central is down: the queue
# comes back from disk, but rsyslog 8.2302 cancels the action retrying at shutdown and sends
# that message again later (a duplicate, out of order): at least once, not exactly once.
if [ -n "${RWTEST_RESTART_FORWARDER:-}" ]; then
    stop_rsyslog "$tmp/forward.pid"
    ls "$tmp/forward-work" | grep -q '^rigwatch-forward' || {
        echo "no disk queue in the forwarder's work directory" >&2
        exit 1
    }
    start_rsyslog forward
fi
raise root-equivalent.jsonl
sleep 2
[ "$(lines "$tmp/central-log/$host.jsonl")" -eq "$phase1" ] || {
    echo "lines arrived while the central was down" >&2
    exit 1
}
start_rsyslog central
wait_arrived 60
sleep 2 # duplicates would arrive late

python3 - "$tmp/alerts.jsonl" "$tmp/central-log/$host.jsonl" <<'PY'
import json, sys
sent = open(sys.argv[1], 'rb').read().splitlines()
got = open(sys.argv[2], 'rb').read().splitlines()
assert len(sent) == len(set(sent)), "source alerts are not unique"
assert got == sent, "central file differs: %d sent, %d received, first difference at line %s" % (
    len(sent), len(got), next((i + 1 for i, (a, b) in enumerate(zip(sent, got)) if a != b), min(len(sent), len(got)) + 1))
for line in got:
    alert = json.loads(line)
    assert alert["type"] == "alert" and alert["id"], line[:200]
print("%d alerts arrived once, in order, byte-identical (longest %d bytes)" % (len(got), max(map(len, got))))
PY
ls "$tmp/central-log"
echo "rsyslog test passed in $((SECONDS - start)) s"
