// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The `rigwatch run` binary as an operator runs it: errors, signals, drop reports.
final class CLITests: XCTestCase {
    override func setUpWithError() throws {
        try requireRoot()
        guard FileManager.default.isExecutableFile(atPath: Repo.rigwatchBinary) else {
            throw SetupError("\(Repo.rigwatchBinary) is not built: run `swift build` (make test does)")
        }
    }

    func testNotRootIsAClearError() throws {
        let user = try TestUser.create(self, suffix: "cli")
        let r = try runCommand(
            "/usr/bin/setpriv",
            user.asUser([Repo.rigwatchBinary, "run", "--duration", "1", "--config", try scratchConfig(self)]))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("rigwatch must run as root (running as uid \(user.uid))"), r.stderr)
    }

    func testHelpListsTheExitStatuses() throws {
        let run = try runCommand(Repo.rigwatchBinary, ["run", "--help"])
        XCTAssertEqual(run.status, 0)
        let text = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(text.contains("Exit status: 0 a clean stop"), run.stdout)
        XCTAssertTrue(
            text.contains("4 another rigwatch run holds the instance lock; 64 a bad command line."), run.stdout)
        let policy = try runCommand(Repo.rigwatchBinary, ["policy", "test", "--help"])
        XCTAssertTrue(
            policy.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains(
                "Exit status: 0 allowed with no finding, 1 otherwise, 2 a bad configuration, 64 a bad command line."),
            policy.stdout)
        let root = try runCommand(Repo.rigwatchBinary, ["--help"])
        XCTAssertTrue(
            root.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ").contains(
                "64 is a bad command line for every command"), root.stdout)
    }

    /// With stderr the journal's stream, lines carry their syslog priority; elsewhere not.
    func testLogLinesCarryJournalPrioritiesOnlyWhenStderrIsTheJournal() throws {
        let dir = try tempDir("journal")
        let bad = dir + "/bad.yaml"
        try "watch_users: [rwtest-nobody]\nalerts:\n  dedup_window_seconds: -1\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        let err = dir + "/stderr"
        let script =
            "exec 2>\(err); touch \(err); JOURNAL_STREAM=$(stat -c %d:%i \(err)) \(Repo.rigwatchBinary) check-config \(bad)"
        XCTAssertEqual(try runCommand("/bin/sh", ["-c", script]).status, 2)
        let journal = try String(contentsOfFile: err, encoding: .utf8)
        XCTAssertTrue(journal.hasPrefix("<3>rigwatch: error: invalid configuration: "), journal)
        let plain = try runCommand("/bin/sh", ["-c", "JOURNAL_STREAM=1:1 \(Repo.rigwatchBinary) check-config \(bad)"])
        XCTAssertEqual(plain.status, 2)
        XCTAssertTrue(plain.stderr.hasPrefix("rigwatch: error: invalid configuration: "), plain.stderr)
    }

    /// Bad sizes are usage errors (64), caught before tracefs or bpffs is mounted and
    /// before anything is loaded: in a private mount namespace with tracefs unmounted,
    /// it stays unmounted.
    func testBadSizesAreUsageErrorsBeforeAnythingIsMounted() throws {
        let bin = Repo.rigwatchBinary
        let config = try scratchConfig(self)
        for (option, value, message) in [
            ("--ring-buffer-size", "5000", "--ring-buffer-size 5000 must be a power of two of at least 4096 bytes"),
            ("--ring-buffer-size", "2048", "--ring-buffer-size 2048 must be a power of two of at least 4096 bytes"),
            ("--args-cap", "0", "--args-cap 0 must be 1 to 4096 bytes"),
            ("--args-cap", "5000", "--args-cap 5000 must be 1 to 4096 bytes"),
        ] {
            let r = try runCommand(
                "/usr/bin/unshare",
                [
                    "-m", "--propagation", "private", "/bin/sh", "-c",
                    "umount /sys/kernel/tracing 2>/dev/null; \(bin) run --duration 1 \(option) \(value) --config \(config); rc=$?; mountpoint -q /sys/kernel/tracing && echo mounted; exit $rc",
                ])
            XCTAssertEqual(r.status, 64, "\(option) \(value): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), r.stderr)
            XCTAssertFalse(r.stdout.contains("mounted"), "nothing mounted for \(option) \(value)")
        }
    }

    /// With `--source bpf` (the default `auto` would fall back to audit instead).
    func testMissingBTFIsAClearError() throws {
        let r = try runCommand(
            Repo.rigwatchBinary,
            [
                "run", "--source", "bpf", "--duration", "1", "--btf", "/nonexistent/rwtest-vmlinux", "--config",
                try scratchConfig(self),
            ])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("no kernel BTF at /nonexistent/rwtest-vmlinux"), r.stderr)
        XCTAssertTrue(r.stderr.contains("CONFIG_DEBUG_INFO_BTF=y"), r.stderr)
    }

    /// In a private mount namespace with tracefs (and bpffs) unmounted: refused with
    /// --no-mount, mounted by rigwatch itself otherwise. The host's mounts are never touched.
    func testUnmountedTracefsIsMountedOrExplained() throws {
        let bin = Repo.rigwatchBinary
        let config = try scratchConfig(self)
        let refused = try runCommand(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c",
                "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; exec \(bin) run --source bpf --no-mount --duration 1 --config \(config)",
            ])
        XCTAssertEqual(refused.status, 2, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("tracefs is not mounted at /sys/kernel/tracing"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("mount -t tracefs nodev /sys/kernel/tracing"), refused.stderr)

        let mounted = try runCommand(
            "/usr/bin/unshare",
            [
                "-m", "--propagation", "private", "/bin/sh", "-c",
                "umount /sys/kernel/tracing 2>/dev/null; umount /sys/fs/bpf 2>/dev/null; exec \(bin) run --duration 1 --watch-user root --config \(config)",
            ])
        XCTAssertEqual(mounted.status, 0, mounted.stderr)
        XCTAssertTrue(mounted.stderr.contains("mounted tracefs at /sys/kernel/tracing"), mounted.stderr)
        XCTAssertTrue(mounted.stderr.contains("mounted bpf at /sys/fs/bpf"), mounted.stderr)
        XCTAssertTrue(mounted.stderr.contains("sensor attached: 64 programs"), mounted.stderr)
    }

    func testVerifierRejectionPrintsTheVerifierReason() throws {
        let object = Repo.root + "/build/bpf/rejected.bpf.o"
        guard FileManager.default.fileExists(atPath: object) else {
            throw SetupError("\(object) missing: run `make bpf`")
        }
        let r = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--source", "bpf", "--duration", "1", "--bpf-object", object, "--config", try scratchConfig(self)])
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(
            r.stderr.contains("loading BPF programs (verifier or kernel refused them): Permission denied"), r.stderr)
        XCTAssertTrue(r.stderr.contains("invalid access to map value"), "verifier reason missing: \(r.stderr)")
    }

    /// `--source auto` (the default, so also without --source) falls back to audit
    /// with one line saying why; the run then works.
    func testAutoSourceFallsBackToAuditWithTheReason() throws {
        addTeardownBlock { _ = try? runCommand("/sbin/auditctl", ["-D", "-k", "rigwatch"]) }
        for source in [["--source", "auto"], []] {
            let r = try runCommand(
                Repo.rigwatchBinary,
                ["run"] + source + [
                    "--duration", "2", "--events", "none",
                    "--btf", "/nonexistent/rwtest-vmlinux", "--config", try scratchConfig(self),
                ])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(
                r.stderr.contains("BPF source unavailable (no kernel BTF at /nonexistent/rwtest-vmlinux"), r.stderr)
            XCTAssertTrue(r.stderr.contains("falling back to the audit source"), r.stderr)
            XCTAssertEqual(r.stderr.components(separatedBy: "falling back").count, 2, "one line says why: \(r.stderr)")
            let rules = try runCommand("/sbin/auditctl", ["-l"])
            XCTAssertFalse(
                rules.stdout.contains("key=rigwatch"), "rigwatch's audit rules are removed on exit: \(rules.stdout)")
        }
    }

    func testUnknownWatchUserWarnsAndRuns() throws {
        let r = try runCommand(
            Repo.rigwatchBinary,
            ["run", "--duration", "1", "--watch-user", "rwtest-no-such-user", "--config", try scratchConfig(self)])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "warning: watched user rwtest-no-such-user does not exist on this host; the sensor runs without it"),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("sensor attached"), r.stderr)
    }

    /// With `--unpin-on-exit` (the explicit clean stop); without it the programs stay
    /// pinned, recording for the next start (PinnedStateKernelTests).
    func testSigtermDetachesAndExitsCleanly() throws {
        let before = try attachedSensorPrograms()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        process.arguments = [
            "run", "--watch-user", "root", "--format", "text", "--unpin-on-exit", "--config", try scratchConfig(self),
        ]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var stderrText = ""
        let deadline = Date().addingTimeInterval(20)
        while !stderrText.contains("sensor attached"), Date() < deadline, process.isRunning {
            stderrText += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
        }
        XCTAssertEqual(try attachedSensorPrograms(), before + 1, "the running sensor's exec program is loaded")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        stderrText += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0, stderrText)
        XCTAssertTrue(stderrText.contains("stopping on signal 15"), stderrText)
        XCTAssertTrue(stderrText.contains("stopped after"), stderrText)
        XCTAssertEqual(try attachedSensorPrograms(), before, "programs must be detached and freed")
    }

    /// Drops are reported in the output stream: stdout is a pipe nobody reads during
    /// an exec storm, so the sensor blocks and its 4 KiB ring buffer overflows.
    func testDropsAreReported() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        process.arguments = [
            "run", "--duration", "4", "--ring-buffer-size", "4096", "--watch-user", "root", "--config",
            try scratchConfig(self),
        ]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        sleep(1)
        try sh("i=0; while [ $i -lt 1500 ]; do /bin/true; i=$((i+1)); done")
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, errors)
        let dropLines = output.split(separator: "\n").filter { $0.hasPrefix("{\"type\":\"drops\"") }
        XCTAssertFalse(dropLines.isEmpty, "no drops line; stderr: \(errors)")
        XCTAssertTrue(errors.contains("sensor lost"), errors)
        XCTAssertFalse(errors.contains(", 0 lost,"), errors)
    }

    /// Programs named handle_exec loaded now (ours and any other rigwatch's).
    private func attachedSensorPrograms() throws -> Int {
        let r = try runCommand("/usr/sbin/bpftool", ["prog", "show"])
        return r.stdout.split(separator: "\n").filter { $0.contains("name handle_exec") }.count
    }
}
