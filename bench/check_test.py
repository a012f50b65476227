#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The checker's own test (run by make bench-check before it measures): the verdicts at and
past the tolerance, the exit status with figures given (--fake) above and below it, and the
reading of a callgrind output file."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check  # noqa: E402


class VerdictTests(unittest.TestCase):
    def test_edges_of_the_tolerance(self):
        self.assertEqual(check.verdict(1100, 1000, 10), "ok")
        self.assertEqual(check.verdict(1100.1, 1000, 10), "regression")
        self.assertEqual(check.verdict(900, 1000, 10), "ok")
        self.assertEqual(check.verdict(899.9, 1000, 10), "improved")
        self.assertEqual(check.verdict(1000, 1000, 10), "ok")


class CallgrindOutputTests(unittest.TestCase):
    def test_totals_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".out", delete=False) as f:
            f.write("# callgrind format\nversion: 1\ncmd: x\nevents: Ir\nfn=(1) main\n3 17\nsummary: 123\n"
                    "totals: 123456789\n")
        try:
            self.assertEqual(check.callgrind_total(f.name), 123456789)
        finally:
            os.unlink(f.name)

    def test_work_count(self):
        self.assertEqual(check.work_done("count-replay: 2468 events (4 alerts)\n"), 2468)
        self.assertEqual(check.work_done("count-policy: 40000 decisions (20000 allowed)\n"), 40000)
        with self.assertRaises(RuntimeError):
            check.work_done("nothing\n")


class CheckerExitTests(unittest.TestCase):
    """check.py end to end with every figure given: exit 1 on a regression, 0 otherwise."""

    baselines = {"tolerance_percent": 10,
                 "instructions": {name: 1000.0 for name in check.WORKLOADS}}

    def run_check(self, values, extra=()):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "baselines.json")
            with open(path, "w") as f:
                json.dump(self.baselines, f)
            fakes = [arg for name in check.WORKLOADS for arg in ("--fake", f"{name}={values.get(name, 1000)}")]
            run = subprocess.run(
                [sys.executable, os.path.join(HERE, "check.py"), "--bench", "/nonexistent", "--baselines", path]
                + fakes + list(extra), capture_output=True, text=True)
            with open(path) as f:
                written = json.load(f)
            return run, written

    def test_regression_fails(self):
        name = next(iter(check.WORKLOADS))
        run, _ = self.run_check({name: 1150})
        self.assertEqual(run.returncode, 1, run.stdout + run.stderr)
        self.assertIn(f"bench-check: {name}: 1150.0 instructions/", run.stdout)
        self.assertIn("baseline 1000.0 (+15.0%, tolerance +10%): regression (FAILED)", run.stdout)
        self.assertIn("FAILED: instruction counts above", run.stderr)

    def test_within_tolerance_passes(self):
        run, _ = self.run_check({name: 1090 for name in check.WORKLOADS})
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(run.stdout.count("(+9.0%, tolerance +10%): ok"), len(check.WORKLOADS))

    def test_improvement_passes_with_a_note(self):
        name = next(iter(check.WORKLOADS))
        run, _ = self.run_check({name: 700})
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("(-30.0%, tolerance +10%): improved (update the baseline: make bench-baseline", run.stdout)

    def test_update_writes_the_figures(self):
        name = next(iter(check.WORKLOADS))
        run, written = self.run_check({name: 1234.56}, extra=["--update"])
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(written["instructions"][name], 1234.6)
        self.assertEqual(written["tolerance_percent"], 10)


if __name__ == "__main__":
    unittest.main()
