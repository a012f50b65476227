#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The kernel-matrix test, run as root INSIDE the guest by run-vm.sh (see `make vm-test`).
# The repository is at the same absolute path as on the host and its build products
# are used in place (writes land in the guest's overlay and vanish).
#
# Adapted from the reference recipe in the project's shared design data (shared/vm);
# nothing here reads it.
#
# Environment (from run-vm.sh -e):
#   RW_REPO             the repository (required)
#   RW_BUILD            the build directory, relative to RW_REPO or absolute (default .build/debug)
#   RW_VM_TESTS         XCTest filters run one after another, space-separated
#                       (default RigwatchIntegrationTests.KernelMatrixTests)
#   RW_TEST_TIME_SCALE  multiplies the tests' waits (default 8: TCG is 10-30x slower)
#   CI                  passed to the tests (default true: a test that cannot run fails)
#   RW_SHARE            the results share (set by the guest's init: /vmshare)
#   RW_VM_PACKAGE_BIN   the packaged (self-contained) binary, run with /opt/swift hidden:
#                       --version, check-kernel and a short `run` must work without a toolchain
# Writes check-kernel.txt, check-kernel.json and xctest-N.log into the share. Exits 0
# only when every filter ran at least one test that was not skipped and none failed.
set -uo pipefail

: "${RW_REPO:?RW_REPO (the repository path) not set}"
RW_BUILD=${RW_BUILD:-.build/debug}
case $RW_BUILD in /*) BUILD=$RW_BUILD ;; *) BUILD=$RW_REPO/$RW_BUILD ;; esac
SHARE=${RW_SHARE:-/vmshare}
export CI=${CI:-true}
export RW_TEST_TIME_SCALE=${RW_TEST_TIME_SCALE:-8}
export RIGWATCH_BIN=$BUILD/rigwatch # the tests' Repo.rigwatchBinary, when RW_BUILD is not .build/debug
BIN=$BUILD/rigwatch
BUNDLE=$BUILD/rigwatchPackageTests.xctest
TESTS=${RW_VM_TESTS:-RigwatchIntegrationTests.KernelMatrixTests}

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN{printf "%.1f", a-b}'; }
section() { echo; echo "=== $* (uptime $(cut -d' ' -f1 /proc/uptime)s)"; }

section "kernel"
echo "uname -r: $(uname -r)"
echo "uname -a: $(uname -a)"
echo "LSM list: $(cat /sys/kernel/security/lsm 2>/dev/null || echo "unreadable (no securityfs?)")"
echo "BTF: $( [ -r /sys/kernel/btf/vmlinux ] && echo "/sys/kernel/btf/vmlinux present" || echo MISSING)"
if [ -e "$RW_REPO/.git" ]; then echo "repository: $RW_REPO (visible)"; else echo "repository: $RW_REPO NOT visible"; fi
echo "build: $BUILD; CI=$CI RW_TEST_TIME_SCALE=$RW_TEST_TIME_SCALE"

failed=()
[ -x "$BIN" ] || { echo "FAIL: no rigwatch binary at $BIN (build it on the host first)"; exit 1; }
[ -x "$BUNDLE" ] || { echo "FAIL: no test bundle at $BUNDLE (swift build --build-tests)"; exit 1; }

section "rigwatch check-kernel"
# ArgumentParser answers `rigwatch NOSUCH --help` with the top-level help and status 0:
# the subcommand exists when its own usage line comes back.
if "$BIN" check-kernel --help 2>&1 | grep -q 'USAGE: rigwatch check-kernel'; then
	t=$(now)
	"$BIN" check-kernel 2>&1 | tee "$SHARE/check-kernel.txt"
	rc=${PIPESTATUS[0]}
	echo "check-kernel: exit $rc in $(since "$t")s"
	# a crash is a failure; an exit status saying "this kernel lacks X" is its answer
	[ "$rc" -lt 126 ] || failed+=("check-kernel (exit $rc)")
	"$BIN" check-kernel --json > "$SHARE/check-kernel.json" 2> "$SHARE/check-kernel.json.stderr"
	rc=$?
	cat "$SHARE/check-kernel.json.stderr"
	echo "check-kernel --json: exit $rc, $(wc -c < "$SHARE/check-kernel.json") bytes saved as check-kernel.json in the share"
	[ "$rc" -lt 126 ] || failed+=("check-kernel --json (exit $rc)")
	if command -v python3 > /dev/null && ! python3 -m json.tool "$SHARE/check-kernel.json" > /dev/null; then
		failed+=("check-kernel --json (not JSON)")
	fi
else
	echo "check-kernel: not in this build ('rigwatch check-kernel --help' shows no such subcommand): skipped"
fi

# The packaged binary as a host without Swift runs it: the toolchain hidden under an
# empty tmpfs for this section only (the XCTest bundle below needs it).
if [ -n "${RW_VM_PACKAGE_BIN:-}" ]; then
	section "packaged binary without a toolchain: $RW_VM_PACKAGE_BIN"
	pkgdir=$(mktemp -d /tmp/rwtest-pkg.XXXXXX)
	if [ ! -x "$RW_VM_PACKAGE_BIN" ]; then
		failed+=("packaged binary: $RW_VM_PACKAGE_BIN missing")
	elif mount -t tmpfs -o size=1m rwtest-noswift /opt/swift; then
		ls -A /opt/swift | grep -q . && failed+=("packaged binary: /opt/swift still visible")
		"$RW_VM_PACKAGE_BIN" --version 2>&1 | tee "$pkgdir/version"
		[ "${PIPESTATUS[0]}" = 0 ] && grep -qE '^[0-9]+\.[0-9]+\.[0-9]+ \(commit ' "$pkgdir/version" || failed+=("packaged binary: --version")
		"$RW_VM_PACKAGE_BIN" check-kernel > "$pkgdir/check" 2>&1
		rc=$?
		tail -3 "$pkgdir/check"
		[ "$rc" -lt 126 ] || failed+=("packaged binary: check-kernel (exit $rc)")
		printf 'watch_users: [root]\nalerts:\n  log_file: %s/alerts.jsonl\n  spool_dir: %s/spool\nservice:\n  state_file: %s/state.json\n  metrics_file: ""\n  lock_file: %s/lock\n' \
			"$pkgdir" "$pkgdir" "$pkgdir" "$pkgdir" > "$pkgdir/rigwatch.yaml"
		t=$(now)
		"$RW_VM_PACKAGE_BIN" run --config "$pkgdir/rigwatch.yaml" --events none --duration 5 \
			--nvml-library /nonexistent/rwtest-nvml.so --nvidia-smi /nonexistent/rwtest-nvidia-smi > "$pkgdir/run" 2>&1
		rc=$?
		grep -E 'sensor attached|audit source|error' "$pkgdir/run"
		echo "packaged run: exit $rc in $(since "$t")s"
		[ "$rc" = 0 ] && grep -q 'sensor attached' "$pkgdir/run" || failed+=("packaged binary: run (exit $rc)")
		umount /opt/swift
	else
		failed+=("packaged binary: cannot hide /opt/swift")
	fi
	cp "$pkgdir"/run "$SHARE/packaged-run.log" 2> /dev/null
fi

n=0
for filter in $TESTS; do
	n=$((n + 1))
	log=$SHARE/xctest-$n.log
	section "XCTest $filter"
	t=$(now)
	"$BUNDLE" "$filter" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	took=$(since "$t")
	# the last summary line is the whole selection's:
	#   Executed 5 tests, with 1 test skipped and 0 failures (0 unexpected) in ...
	summary=$(grep -E '^[[:space:]]*Executed [0-9]+ tests?' "$log" | tail -1)
	executed=$(sed -nE 's/^[[:space:]]*Executed ([0-9]+) tests?.*/\1/p' <<<"$summary")
	skipped=$(sed -nE 's/.* ([0-9]+) tests? skipped.*/\1/p' <<<"$summary")
	executed=${executed:-0} skipped=${skipped:-0}
	echo "--- $filter: exit $rc, $executed tests ($skipped skipped) in ${took}s"
	if [ "$rc" != 0 ]; then
		failed+=("$filter (exit $rc)")
	elif [ "$executed" = 0 ]; then
		failed+=("$filter (ran 0 tests: no such class?)")
	elif [ "$executed" = "$skipped" ]; then
		failed+=("$filter (every test skipped)")
	elif [ "$skipped" != 0 ] && [ "${CI:-}" = true ]; then
		failed+=("$filter ($skipped skipped: a kernel test never skips in CI)")
	fi
done
[ "$n" -gt 0 ] || failed+=("RW_VM_TESTS is empty")

section "result"
if [ ${#failed[@]} -gt 0 ]; then
	printf 'FAILED: %s\n' "${failed[@]}"
	exit 1
fi
echo "PASSED: $TESTS"
