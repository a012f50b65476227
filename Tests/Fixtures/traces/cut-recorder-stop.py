#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Cuts a recording's own stop out of a trace: drops the recording script's
# `kill -INT` of `rigwatch record` (a tamper event: signal SIGINT from STOPPER_PID
# to RECORDER_PID) and every event after it, so the trace ends with what was
# recorded and replays without the sensor-tamper alert the stop would raise (live,
# that alert is right: something outside the watched lineages stopped the sensor).
# Usage: cut-recorder-stop.py TRACE.jsonl STOPPER_PID RECORDER_PID (rewritten in place;
# `rigwatch trace convert` turns a binary trace into JSON Lines and back).
import json
import sys

path, stopper, recorder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, encoding="utf-8") as f:
    lines = f.read().splitlines()
kept = []
for line in lines:
    event = json.loads(line)
    if (
        event.get("type") == "tamper"
        and event.get("op") == "signal"
        and event.get("tgid") == stopper
        and event.get("target_pid") == recorder
        and event.get("signal_number") == 2
    ):
        break
    kept.append(line)
else:
    sys.exit(f"{path}: no SIGINT from {stopper} to {recorder}: nothing cut")
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(kept) + "\n")
print(f"{path}: kept {len(kept) - 1} events, cut {len(lines) - len(kept)} from the recorder's stop on")
