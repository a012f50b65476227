// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// `rigwatch record` on the real kernel, then `replay` and the trace reader.
final class RecordReplayTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testRecordThenReplayFindsExactlyTheTestUsersExecs() throws {
        let user = try TestUser.create(self, suffix: "rec")
        let dir = NSTemporaryDirectory() + "rwtest-record-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/session.rwtrace"

        let recorder = Process()
        recorder.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        recorder.arguments = ["record", "-o", path, "--watch-user", user.name]
        let err = Pipe()
        recorder.standardError = err
        try recorder.run()
        var stderrText = ""
        while !stderrText.contains("sensor attached"), recorder.isRunning {
            stderrText += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
        }
        let commands = [
            ["/bin/echo", "one two", "ü"], ["/bin/ls", "-d", "/tmp"], ["/usr/bin/env", "/bin/true", "x y"],
        ]
        for command in commands {
            XCTAssertEqual(try runCommand("/usr/bin/setpriv", user.asUser(command)).status, 0)
        }
        kill(recorder.processIdentifier, SIGINT)
        recorder.waitUntilExit()
        stderrText += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(recorder.terminationStatus, 0, stderrText)
        XCTAssertTrue(stderrText.contains("recorded \(path):"), stderrText)

        let trace = try TraceFile.read(path: path)
        XCTAssertNil(trace.warning)
        XCTAssertEqual(trace.header.watchedUsers, [WatchedUser(uid: user.uid, name: user.name)])
        let execs = trace.events.compactMap { event -> [String]? in
            if case .exec(let e) = event, e.header.lineageUid == user.uid { return e.argv }
            return nil
        }
        // env execs /bin/true itself, so it appears as its own exec.
        XCTAssertEqual(execs, commands + [["/bin/true", "x y"]])

        // replay prints the events of the trace, the same bytes every run.
        let first = try runCommand(Repo.rigwatchBinary, ["replay", path, "--events", "all"])
        let second = try runCommand(Repo.rigwatchBinary, ["replay", path, "--events", "all"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, second.stdout)
        let lines = first.stdout.split(separator: "\n")
        XCTAssertEqual(lines.filter { !$0.hasPrefix(#"{"type":"alert""#) }.count, trace.events.count)
        // The SIGINT that stopped the recorder was recorded too, and replays as the tamper alert it was.
        let alerts = lines.filter { $0.hasPrefix(#"{"type":"alert""#) }
        XCTAssertEqual(alerts.count, 1, first.stdout)
        XCTAssertTrue(alerts.first?.contains(#""rule":"sensor-tamper""#) ?? false, first.stdout)
        XCTAssertTrue(alerts.first?.contains("SIGINT") ?? false, first.stdout)
        XCTAssertTrue(first.stdout.contains(#""argv":["/bin/echo","one two","ü"]"#))
    }
}
