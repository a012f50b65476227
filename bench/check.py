#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make bench-check: instructions per replayed event and per policy decision, counted by
callgrind (repeatable, unlike time on a shared 2-core machine), against bench/baselines.json.

Each workload (rigwatch-bench count-replay / count-policy) runs at two sizes; the difference in
the process's total instruction count over the difference in work is the cost per unit, so
process start, trace loading and policy compilation cancel out. A figure more than the
tolerance above its baseline fails; one more than the tolerance below passes with a note to
update the baseline (--update, i.e. `make bench-baseline`), so a later regression is measured
from the improved figure.

  check.py --bench BIN [--baselines FILE] [--update] [--fake NAME=VALUE]...
--fake gives a figure instead of measuring it (the checker's own test, check_test.py).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRACES = os.path.join(ROOT, "Tests", "Fixtures", "traces")

# name: (rigwatch-bench arguments for a size, the smaller size, the unit, the function whose
# instructions alone are counted or None for the whole process). The larger size is twice the
# smaller. Sizes keep each callgrind run to a few seconds on this machine. The replays count
# inside replayOnce only, which leaves out building a fresh engine per repetition.
def replay(trace):
    return lambda n: ["count-replay", "--trace=" + os.path.join(TRACES, trace), f"--repeat={n}"]


WORKLOADS = {
    # Recorded root commands of the daemon's user, all allowed: the exec path of every detector.
    "replay daemon-commands": (replay("daemon-commands.rwtrace"), 1, "event", "*rigwatch_bench10replayOnce*"),
    # Recorded root-equivalent lineages: 11 alerts a replay, the alert path.
    "replay root-equivalent": (replay("root-equivalent.rwtrace"), 5, "event", "*rigwatch_bench10replayOnce*"),
    # A multiple of the 12 command lines, so both sizes decide the same mix.
    "policy decision": (lambda n: ["count-policy", f"--decisions={n}"], 24_000, "decision", None),
}


def callgrind_total(out_file):
    """The instructions counted in a callgrind output file: its `totals:` line, or where
    there is none its `summary:` line (3.19 writes both, equal)."""
    found = {}
    with open(out_file) as f:
        for line in f:
            m = re.match(r"^(totals|summary):\s+(\d+)", line)
            if m:
                found[m.group(1)] = int(m.group(2))
    if not found:
        raise RuntimeError(f"no totals: line in {out_file}")
    return found.get("totals", found.get("summary"))


def work_done(stdout):
    """The units of work the workload reports: "count-replay: 2468 events (...)"."""
    m = re.search(r"^count-\w+: (\d+) ", stdout, re.M)
    if not m:
        raise RuntimeError(f"no work count in the workload's output: {stdout!r}")
    return int(m.group(1))


def stripped_copy(bench, directory):
    """The benchmark without its debug sections: valgrind 3.19 (Debian 12) cannot read the
    DWARF 5 Swift's toolchain writes ("unhandled dwarf2 abbrev form code 0x25", then it gives
    up). The symbol table stays, so --toggle-collect and callgrind_annotate still name functions."""
    copy = os.path.join(directory, "rigwatch-bench")
    subprocess.run(["objcopy", "--strip-debug", bench, copy], check=True)
    return copy


def count(bench, args, toggle):
    """(instructions, work units) of one run of the workload under callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        if toggle:
            command.append(f"--toggle-collect={toggle}")
        # Swift seeds Set and Dictionary hashing per process; a fixed seed makes the probe
        # sequences, and so the counts, the same every run (they vary by ~2% otherwise).
        env = dict(os.environ, SWIFT_DETERMINISTIC_HASHING="1")
        run = subprocess.run(command + [bench] + args, capture_output=True, text=True, env=env)
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: exit {run.returncode}\n{run.stderr[-2000:]}")
        return callgrind_total(out), work_done(run.stdout)


def measure(bench, name):
    """Instructions per unit of work: the cost of the second half of the larger run."""
    args, n, _, toggle = WORKLOADS[name]
    small_instructions, small_work = count(bench, args(n), toggle)
    large_instructions, large_work = count(bench, args(2 * n), toggle)
    if small_instructions == 0:
        raise RuntimeError(f"{name}: nothing counted (is {toggle} still in the benchmark?)")
    if large_work <= small_work or large_instructions <= small_instructions:
        raise RuntimeError(f"{name}: the larger run did no more work ({small_work}, {large_work} units; "
                           f"{small_instructions}, {large_instructions} instructions)")
    return (large_instructions - small_instructions) / (large_work - small_work)


def verdict(measured, baseline, tolerance_percent):
    """"ok", "regression" (fails) or "improved" (passes; the baseline is to be updated)."""
    if measured > baseline * (1 + tolerance_percent / 100):
        return "regression"
    if measured < baseline * (1 - tolerance_percent / 100):
        return "improved"
    return "ok"


def main(argv):
    parser = argparse.ArgumentParser(description="instruction counts against the committed baselines")
    parser.add_argument("--bench", required=True, help="the release rigwatch-bench")
    parser.add_argument("--baselines", default=os.path.join(ROOT, "bench", "baselines.json"))
    parser.add_argument("--update", action="store_true", help="write the measured figures as the new baselines")
    parser.add_argument("--fake", action="append", default=[], metavar="NAME=VALUE",
                        help="use VALUE for the figure NAME instead of measuring it")
    options = parser.parse_args(argv)
    fakes = {}
    for item in options.fake:
        name, _, value = item.rpartition("=")
        fakes[name] = float(value)
    with open(options.baselines) as f:
        baselines = json.load(f)
    tolerance = baselines["tolerance_percent"]
    failed = False
    scratch = tempfile.TemporaryDirectory()
    bench = None
    for name, (_, _, unit, _) in WORKLOADS.items():
        if name not in fakes and bench is None:
            bench = stripped_copy(options.bench, scratch.name)
        measured = fakes[name] if name in fakes else measure(bench, name)
        if options.update:
            baselines["instructions"][name] = round(measured, 1)
            print(f"bench-check: {name}: {measured:.1f} instructions/{unit} (new baseline)")
            continue
        baseline = baselines["instructions"].get(name)
        if baseline is None:
            print(f"bench-check: {name}: {measured:.1f} instructions/{unit}: no baseline (run make bench-baseline)")
            failed = True
            continue
        result = verdict(measured, baseline, tolerance)
        change = (measured / baseline - 1) * 100
        line = (f"bench-check: {name}: {measured:.1f} instructions/{unit}, baseline {baseline:.1f} "
                f"({change:+.1f}%, tolerance +{tolerance}%): {result}")
        if result == "regression":
            failed = True
            line += " (FAILED)"
        elif result == "improved":
            line += " (update the baseline: make bench-baseline, and commit bench/baselines.json)"
        print(line, flush=True)
    if options.update:
        with open(options.baselines, "w") as f:
            json.dump(baselines, f, indent=2)
            f.write("\n")
        print(f"bench-check: baselines written to {options.baselines}")
        return 0
    if failed:
        print("bench-check: FAILED: instruction counts above the baselines' tolerance", file=sys.stderr)
        return 1
    print("bench-check: instruction counts within the baselines' tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
