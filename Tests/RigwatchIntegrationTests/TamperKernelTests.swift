// SPDX-License-Identifier: Apache-2.0
import Foundation
import XCTest

/// Tamper signals on the real kernel: someone detaches the sensor's BPF link or
/// rewrites its maps with bpftool, signals it, or ptraces it.
final class TamperKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private func config() throws -> String {
        try scratchConfig(
            self,
            body: """
                watch_users: [nobody]
                tamper:
                  integrity_check_seconds: 1
                """)
    }

    private func integrityAlerts(_ out: SensorOutput, problem: String, name: String) -> [[String: Any]] {
        out.alerts(rule: "sensor-tamper").filter { jsonText($0).contains(problem) || jsonText($0).contains(name) }
    }

    func testDetachingTheSensorsBPFLinkFromOutsideRaisesTheTamperAlert() throws {
        let sensor = try SensorProcess(["run", "--config", try config(), "--events", "all"])
        let objects = try SensorBPFObjects(pid: sensor.process.processIdentifier)
        let link = try XCTUnwrap(
            objects.cgroupLinks.first { $0.value == "udp4_sendmsg" }?.key, "\(objects.cgroupLinks)")
        _ = try sh("/usr/sbin/bpftool link detach id \(link)")
        sleep(3)  // several self-checks: the problem must be reported once
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)
        let problems = out.events("integrity").filter { $0["problem"] as? String == "link_detached" }
        XCTAssertEqual(problems.count, 1, "\(out.events("integrity"))")
        XCTAssertEqual(problems.first?["name"] as? String, "udp4_sendmsg")
        let alerts = out.alerts(rule: "sensor-tamper").filter { jsonText($0).contains("udp4_sendmsg") }
        XCTAssertEqual(alerts.count, 1, "\(out.alerts.map(jsonText))")
        XCTAssertEqual(alerts.first?["severity"] as? String, "critical")
    }

    func testRewritingTheWatchedUidsMapFromOutsideRaisesTheTamperAlert() throws {
        let sensor = try SensorProcess(["run", "--config", try config(), "--events", "all"])
        let objects = try SensorBPFObjects(pid: sensor.process.processIdentifier)
        let map = try XCTUnwrap(objects.maps["watched_uids"], "\(objects.maps)")
        // Add uid 4242 (little-endian key bytes) as if someone widened or replaced the watch list.
        _ = try sh("/usr/sbin/bpftool map update id \(map) key 0x92 0x10 0 0 value 1")
        sleep(3)
        let out = SensorOutput(sensor.stop())
        let problems = out.events("integrity").filter {
            $0["problem"] as? String == "map_altered" && $0["name"] as? String == "watched_uids"
        }
        XCTAssertEqual(problems.count, 1, "\(out.events("integrity"))")
        XCTAssertEqual((problems.first?["expected"] as? NSNumber)?.intValue, 1)
        XCTAssertEqual((problems.first?["found"] as? NSNumber)?.intValue, 2)
        XCTAssertEqual(
            out.alerts(rule: "sensor-tamper").filter { jsonText($0).contains("watched_uids") }.count, 1,
            "\(out.alerts.map(jsonText))")
    }

    func testSignalsAndPtraceFromAnotherProcessRaiseTamperAlerts() throws {
        try assertSignalsAndPtraceRaiseTamperAlerts(hooks: [])
    }

    /// The classic signal_generate tracepoint (the fallback where tp_btf lacks it)
    /// reports the same signal the same way.
    func testTheSignalTracepointRungReportsTheSameSignal() throws {
        try assertSignalsAndPtraceRaiseTamperAlerts(hooks: ["--bpf-hook", "tamper-signal=tracepoint"])
    }

    private func assertSignalsAndPtraceRaiseTamperAlerts(hooks: [String]) throws {
        let sensor = try SensorProcess(["run", "--config", try config(), "--events", "all"] + hooks)
        if !hooks.isEmpty {
            XCTAssertTrue(
                sensor.stderrText.contains("feature tamper-signal: tracepoint/signal/signal_generate (forced)"),
                sensor.stderrText)
        }
        let pid = sensor.process.processIdentifier
        _ = try sh("/bin/kill -HUP \(pid)")  // reload: handled, but still someone signalling the sensor
        try sensor.waitForStderr("SIGHUP")
        // PTRACE_SEIZE (0x4206) attaches without stopping; detaching ends with the tracer.
        let seize =
            "import ctypes; libc = ctypes.CDLL(None, use_errno=True); assert libc.ptrace(0x4206, \(pid), 0, 0) == 0, ctypes.get_errno()"
        _ = try sh("/usr/bin/python3 -c '\(seize)'")
        sleep(1)
        let out = SensorOutput(sensor.stop())
        XCTAssertEqual(sensor.status, 0, sensor.stderrText)

        let tamper = out.events("tamper")
        let hup = tamper.filter { $0["op"] as? String == "signal" && $0["signal"] as? String == "SIGHUP" }
        XCTAssertEqual(hup.count, 1, "\(tamper)")
        XCTAssertEqual(hup.first?["comm"] as? String, "kill")
        XCTAssertEqual((hup.first?["target_pid"] as? NSNumber)?.int32Value, pid)
        let ptrace = tamper.filter { $0["op"] as? String == "ptrace" }
        XCTAssertEqual(ptrace.count, 1, "\(tamper)")
        XCTAssertEqual((ptrace.first?["request"] as? NSNumber)?.intValue, 0x4206)
        XCTAssertEqual(ptrace.first?["comm"] as? String, "python3")

        let alerts = out.alerts(rule: "sensor-tamper")
        XCTAssertEqual(alerts.filter { jsonText($0).contains("SIGHUP") }.count, 1, "\(alerts.map(jsonText))")
        XCTAssertEqual(alerts.filter { jsonText($0).contains("ptrace") }.count, 1, "\(alerts.map(jsonText))")
        XCTAssertEqual(alerts.filter { jsonText($0).contains("ptrace") }.first?["severity"] as? String, "critical")
    }
}
