// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The event export (`export.*`) of a live sensor on the real kernel, and of `replay
/// --export-events`: the watched lineage's events as the JSON lines `--events all`
/// prints, nobody else's, valid against schema/; a file renamed away and a SIGHUP go on
/// in a new file; a reload changes the kinds; the metrics count every line written.
final class EventExportLiveTests: XCTestCase {
    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private func objects(_ path: String) -> [[String: Any]] {
        lines(path).compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    private func validate(_ files: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runCommand(
            "/usr/bin/python3", [Repo.root + "/Tests/schema/validate-lines.py", Repo.root + "/schema"] + files)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr, file: file, line: line)
    }

    /// `replay --export-events`: exactly the lines `--events all` prints of the listed
    /// kinds in the watched lineage, in order; the configuration's own events_file untouched.
    func testReplayExportsWhatTheFilterAdmits() throws {
        let dir = try tempDir("export-replay")
        let trace = Repo.fixture("traces/sudo-session.jsonl")
        let watched = try TraceFile.read(path: trace).header.watchedUsers
        XCTAssertEqual(watched.count, 1)
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(watched[0].uid)]
                export:
                  events_file: \(dir)/live-events.jsonl
                  kinds: [exec, cred]

                """)
        let exported = dir + "/replayed.jsonl"
        let r = try runCommand(
            Repo.rigwatchBinary, ["replay", trace, "--config", config, "--events", "all", "--export-events", exported])
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = r.stdout.split(separator: "\n").map(String.init).filter { line in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                return false
            }
            return ["exec", "cred"].contains(o["type"] as? String ?? "")
                && (o["lineage_uid"] as? NSNumber)?.uint32Value == watched[0].uid
        }
        XCTAssertGreaterThan(expected.count, 3, "the trace's watched lineage runs commands")
        XCTAssertEqual(lines(exported), expected)
        XCTAssertTrue(r.stderr.contains("rigwatch: exported \(expected.count) events to \(exported)\n"), r.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: dir + "/live-events.jsonl"), "a replay never writes the live export")
        try validate([exported])

        let bad = try runCommand(
            Repo.rigwatchBinary, ["replay", trace, "--config", config, "--export-events", dir + "/missing/e.jsonl"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(
            bad.stderr.contains(
                "rigwatch: error: --export-events: export.events_file \(dir)/missing/e.jsonl: No such file or directory"
            ),
            bad.stderr)
    }

    func testLiveExportWritesTheWatchedLineageFollowsARenameAndReloads() throws {
        try requireRoot()
        let python = try PrometheusParser.interpreter()
        let user = try TestUser.create(self, suffix: "export")
        let dir = try tempDir("export-live")
        let events = dir + "/events.jsonl"
        let metrics = dir + "/rigwatch.prom"
        let configPath = dir + "/rigwatch.yaml"
        func config(kinds: String) -> String {
            """
            watch_users: [\(user.name)]
            export:
              events_file: \(events)
              kinds: \(kinds)
            alerts:
              log_file: \(dir)/alerts.jsonl
              spool_dir: \(dir)/spool
            service:
              state_file: \(dir)/state.json
              metrics_file: \(metrics)
              state_interval_seconds: 1
              lock_file: \(dir)/rigwatch.lock
              posture_check_hours: 0

            """
        }
        try config(kinds: "[exec, exit]").write(toFile: configPath, atomically: true, encoding: .utf8)
        let sensor = try SensorProcess(
            ["run", "--config", configPath, "--events", "none"] + SensorProcess.noGPU,
            environment: SensorProcess.quietEnvironment)
        addTeardownBlock { if sensor.process.isRunning { sensor.stop(SIGKILL) } }
        XCTAssertTrue(
            sensor.stderrText.contains("event export: \(events) (exec, exit; watched lineages only;"), sensor.stderrText
        )

        /// Runs /bin/echo WORD as the test user; its pid.
        func echo(_ word: String) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            p.arguments = user.asUser(["/bin/echo", word, "it's \"quoted\""])
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            return p.processIdentifier
        }
        func line(in path: String, type: String, pid: Int32) -> [String: Any]? {
            objects(path).first { $0["type"] as? String == type && ($0["pid"] as? NSNumber)?.int32Value == pid }
        }

        // 1. The watched user's echo; root's own commands (setpriv before it drops, this
        // test's /bin/true) are in no watched lineage.
        XCTAssertEqual(try runCommand("/bin/true", []).status, 0)
        let first = try echo("rwtest-export-one")
        XCTAssertTrue(waitUntil(timeout: 10) { line(in: events, type: "exit", pid: first) != nil }, "\(lines(events))")
        let exec = try XCTUnwrap(line(in: events, type: "exec", pid: first))
        XCTAssertEqual(exec["filename"] as? String, "/bin/echo")
        XCTAssertEqual(exec["argv"] as? [String], ["/bin/echo", "rwtest-export-one", "it's \"quoted\""])
        XCTAssertEqual((exec["uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual((exec["euid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual((exec["lineage_uid"] as? NSNumber)?.uint32Value, user.uid)
        XCTAssertEqual((exec["ppid"] as? NSNumber)?.int32Value, getpid())
        XCTAssertEqual(exec["host"] as? String, ProcessInfo.processInfo.hostName)
        let exit = try XCTUnwrap(line(in: events, type: "exit", pid: first))
        XCTAssertEqual((exit["exit_code"] as? NSNumber)?.intValue, 0)
        for o in objects(events) {
            XCTAssertEqual((o["lineage_uid"] as? NSNumber)?.uint32Value, user.uid, "\(o)")
            XCTAssertTrue(["exec", "exit"].contains(o["type"] as? String ?? ""), "\(o)")
        }
        var info = stat()
        XCTAssertEqual(stat(events, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)

        // 2. Renamed away (logrotate) and SIGHUP: the next events go to a new file at the path.
        let rotated = dir + "/events.jsonl.old"
        XCTAssertEqual(rename(events, rotated), 0)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("SIGHUP: reloaded policy")
        let second = try echo("rwtest-export-two")
        XCTAssertTrue(waitUntil(timeout: 10) { line(in: events, type: "exit", pid: second) != nil }, "\(lines(events))")
        XCTAssertNotNil(line(in: events, type: "exec", pid: second))
        XCTAssertNotNil(line(in: rotated, type: "exec", pid: first))
        XCTAssertNil(line(in: rotated, type: "exec", pid: second))

        // 3. A reload to [fork]: the echo's exit and exec are no longer written, its fork is.
        try config(kinds: "[fork]").write(toFile: configPath, atomically: true, encoding: .utf8)
        sensor.signal(SIGHUP)
        try sensor.waitForStderr("SIGHUP: event export now \(events) (fork; watched lineages only;")
        let before = lines(events).count
        // A shell of the user's that forks a child: the fork is in the watched lineage.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        shell.arguments = user.asUser(["/bin/sh", "-c", "/bin/true; /bin/true"])
        try shell.run()
        shell.waitUntilExit()
        let shellPid = shell.processIdentifier
        XCTAssertTrue(
            waitUntil(timeout: 10) { line(in: events, type: "fork", pid: shellPid) != nil }, "\(lines(events))")
        for o in objects(events).dropFirst(before) {
            XCTAssertEqual(o["type"] as? String, "fork", "\(o)")
            XCTAssertEqual((o["lineage_uid"] as? NSNumber)?.uint32Value, user.uid, "\(o)")
        }
        try validate([events, rotated])

        // 4. The metrics count every line written, in both files.
        let written = Double(lines(events).count + lines(rotated).count)
        var seen: Double?
        let counted = try waitUntil(timeout: 10) {
            let r = try runCommand(python, [PrometheusParser.script, metrics])
            let parsed = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
            for family in parsed["families"] as? [[String: Any]] ?? [] {
                for s in family["samples"] as? [[String: Any]] ?? []
                where s["name"] as? String == "rigwatch_events_exported_total" {
                    seen = (s["value"] as? NSNumber)?.doubleValue
                }
            }
            return seen == written
        }
        XCTAssertTrue(counted, "rigwatch_events_exported_total \(String(describing: seen)), \(written) lines written")

        sensor.stop()
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
    }
}
