// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchTestSupport
import XCTest

/// `rigwatch run` keeps its state file and metrics file; `rigwatch status` reads
/// the state file; a clean stop says goodbye and leaves "stopped".
final class StatusCLITests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testStatusWhileRunningAndAfterStop() throws {
        let user = try TestUser.create(self, suffix: "st")
        let dir = NSTemporaryDirectory() + "rwtest-status-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/textfile", withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let stateFile = dir + "/state/state.json"  // the directory is created by the sensor
        let metricsFile = dir + "/textfile/rigwatch.prom"
        let config = try scratchConfig(
            self,
            body: """
                watch_users: [\(user.name)]
                service:
                  state_file: \(stateFile)
                  metrics_file: \(metricsFile)
                  state_interval_seconds: 1
                  heartbeat_hours: 1
                """)
        let alertLog = (config as NSString).deletingLastPathComponent + "/alerts.jsonl"

        // No state file yet: exit 2.
        XCTAssertEqual(try runCommand(Repo.rigwatchBinary, ["status", "--state-file", stateFile]).status, 2)

        let sensor = Process()
        sensor.executableURL = URL(fileURLWithPath: Repo.rigwatchBinary)
        sensor.arguments = ["run", "--config", config, "--events", "none"]
        let outFile = dir + "/stdout"
        _ = FileManager.default.createFile(atPath: outFile, contents: nil)
        sensor.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outFile))
        let errFile = dir + "/stderr"
        _ = FileManager.default.createFile(atPath: errFile, contents: nil)
        sensor.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errFile))
        try sensor.run()
        addTeardownBlock { if sensor.isRunning { kill(sensor.processIdentifier, SIGKILL) } }
        func stderrText() -> String { (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "" }

        var deadline = Date().addingTimeInterval(30)
        while !stderrText().contains("sensor attached") && !stderrText().contains("audit source:"), sensor.isRunning,
            Date() < deadline
        {
            usleep(100_000)
        }
        XCTAssertTrue(sensor.isRunning, stderrText())
        for _ in 0..<5 { _ = try runCommand("/usr/bin/setpriv", user.asUser(["/bin/true"])) }

        // The state file appears and shows the watched user's events.
        var status = CommandResult(status: -1, stdout: "", stderr: "")
        deadline = Date().addingTimeInterval(15)
        repeat {
            usleep(300_000)
            status = try runCommand(Repo.rigwatchBinary, ["status", "--state-file", stateFile])
        } while (status.status != 0 || status.stdout.contains("events:             0 total")) && Date() < deadline
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("rigwatch is running (pid \(sensor.processIdentifier))"), status.stdout)
        XCTAssertTrue(status.stdout.contains("exec "), status.stdout)
        XCTAssertTrue(status.stdout.contains(user.name), status.stdout)
        let json = try runCommand(Repo.rigwatchBinary, ["status", "--state-file", stateFile, "--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertGreaterThan(object?["events_total"] as? Int ?? 0, 0)
        XCTAssertEqual(object?["stopped"] as? Bool, false)

        let metrics = try String(contentsOfFile: metricsFile, encoding: .utf8)
        XCTAssertTrue(metrics.contains("\nrigwatch_up 1\n"), metrics)
        XCTAssertTrue(metrics.contains("rigwatch_events_total{kind=\"exec\"}"), metrics)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/textfile"), ["rigwatch.prom"])

        kill(sensor.processIdentifier, SIGTERM)
        sensor.waitUntilExit()
        XCTAssertEqual(sensor.terminationStatus, 0, stderrText())

        status = try runCommand(Repo.rigwatchBinary, ["status", "--state-file", stateFile])
        XCTAssertEqual(status.status, 1, status.stdout)
        XCTAssertTrue(status.stdout.hasPrefix("rigwatch is stopped since "), status.stdout)
        XCTAssertTrue(status.stdout.contains("signal 15"), status.stdout)
        XCTAssertTrue(try String(contentsOfFile: metricsFile, encoding: .utf8).contains("\nrigwatch_up 0\n"))
        // The goodbye went through the router: it is in the alert log.
        let log = (try? String(contentsOfFile: alertLog, encoding: .utf8)) ?? ""
        XCTAssertTrue(log.contains("sensor-stopping"), log)
        XCTAssertTrue(log.contains("is stopping: signal 15"), log)
        // And it is printed with the engine's alerts, in the log's shape.
        let stdout = try String(contentsOfFile: outFile, encoding: .utf8)
        let printed = try XCTUnwrap(
            stdout.split(separator: "\n").first { $0.contains(#""rule":"sensor-stopping""#) }, stdout)
        XCTAssertTrue(printed.hasPrefix(#"{"type":"alert","id":"sensor-stopping-"#), String(printed))
        XCTAssertTrue(printed.contains(#""severity":"info""#), String(printed))
        XCTAssertTrue(printed.contains(#""host":"\#(ProcessInfo.processInfo.hostName)""#), String(printed))
    }
}
