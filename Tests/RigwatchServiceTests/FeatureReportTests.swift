// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchService
import RigwatchTestSupport
import XCTest

/// The feature plan as the service reports it: metrics and `rigwatch status`.
final class FeatureReportTests: XCTestCase {
    func testMetricsReportEachFeatureAndItsHook() {
        var s = MetricsText.Snapshot()
        XCTAssertFalse(MetricsText.render(s).contains("rigwatch_feature_active"), "no family without features (audit)")
        s.features = [
            MetricsText.Feature(name: "net-bytes", hook: "fexit", active: true),
            MetricsText.Feature(name: "file-watch", hook: "off", active: false),
        ]
        let text = MetricsText.render(s)
        XCTAssertTrue(
            text.hasSuffix(
                """
                # TYPE rigwatch_feature_active gauge
                rigwatch_feature_active{feature="net-bytes",hook="fexit"} 1
                rigwatch_feature_active{feature="file-watch",hook="off"} 0

                """), text)
    }

    func testStatusShowsTheFeatures() throws {
        var state = ServiceState(
            sensorVersion: "0.1.0", host: "rig", pid: 1, startedAt: 0, updatedAt: 10, intervalSeconds: 5,
            source: "bpf", watchedUsers: [])
        let plan = FeaturePlanner.plan(
            facts: KernelSamples.debian12, objectPrograms: KernelSamples.object, forced: [:])
        state.features = plan.features.map {
            ServiceState.Feature(feature: $0.feature, hook: $0.rung ?? "off", label: $0.label, active: $0.active)
        }
        let text = StatusReport.text(state, verdict: .running, now: 10, path: "/x")
        XCTAssertTrue(text.contains("  features:           process: tp_btf/sched_process_{exec,fork,exit}\n"), text)
        XCTAssertTrue(
            text.contains("\n                      net-bytes: fexit/inet_sendmsg (sock_send_length absent)\n"), text)
        let decoded = try ServiceState.decode(state.json())
        XCTAssertEqual(decoded.features, state.features)
        // A state file from before features were reported still reads.
        var old = try JSONSerialization.jsonObject(with: state.json()) as! [String: Any]
        old["features"] = nil
        XCTAssertNil(try ServiceState.decode(try JSONSerialization.data(withJSONObject: old)).features)
    }
}
