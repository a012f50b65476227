// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// `rigwatch policy test|list` as an operator runs them: the built-in policy (no
/// configuration file), a user this host does not need to have.
final class PolicyCLITests: XCTestCase {
    private func rigwatch(_ args: [String]) throws -> CommandResult {
        try runCommand(
            "/usr/bin/env", ["RIGWATCH_DEFAULT_CONFIG=/nonexistent/rwtest.yaml", Repo.rigwatchBinary] + args)
    }

    private func origin(of text: String) throws -> String {
        try XCTUnwrap(PolicySet.defaultRules(canon: PathCanon.mergedUsr).last { $0.text == text }?.origin)
    }

    func testAnAllowedCommandShowsItsRuleAndLine() throws {
        let r = try rigwatch(["policy", "test", "--user", "vastai_kaalia", "--", "/usr/bin/nvidia-smi", "-pm", "1"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertEqual(
            r.stdout,
            """
            command: /usr/bin/nvidia-smi -pm 1
              allowed by /usr/bin/nvidia-smi -pm 1 (\(try origin(of: "/usr/bin/nvidia-smi -pm 1")))
            enforcement (deny mode): lets it run
            verdict: allowed for vastai_kaalia; the sensor would raise no alert for this command line

            """)
    }

    func testADangerousArgumentSaysWhyNot() throws {
        let r = try rigwatch(
            [
                "policy", "test", "--user", "vastai_kaalia", "--", "/usr/sbin/sysctl", "-w",
                "kernel.core_pattern=|/tmp/x",
            ])
        XCTAssertEqual(r.status, 1, r.stdout + r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "command: /usr/sbin/sysctl -w 'kernel.core_pattern=|/tmp/x'")
        XCTAssertEqual(
            lines.dropFirst().first,
            "  allowed by /usr/sbin/sysctl -w kernel.core_pattern=* (\(try origin(of: "/usr/sbin/sysctl -w kernel.core_pattern=*")))"
        )
        XCTAssertTrue(
            lines.contains {
                $0.hasPrefix("  finding: kernel-hook (critical): ") && $0.hasSuffix("[kernel.core_pattern=|/tmp/x]")
            },
            r.stdout)
        XCTAssertEqual(lines.last, "verdict: not allowed for vastai_kaalia: privileged-argument-abuse")
    }

    func testAWrapperAndAnUnlistedCommand() throws {
        // The daemon's own journal read: the wrapper's rule, then journalctl found through sudo's PATH.
        let wrapped = try rigwatch(
            [
                "policy", "test", "--user", "vastai_kaalia", "--", "/usr/bin/timeout", "--foreground", "3s",
                "journalctl", "-o", "short-precise", "-r", "-k", "--since", "24 hours ago",
            ])
        XCTAssertEqual(wrapped.status, 0, wrapped.stdout + wrapped.stderr)
        let lines = wrapped.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            lines.first,
            "command: /usr/bin/timeout --foreground 3s journalctl -o short-precise -r -k --since '24 hours ago'")
        XCTAssertEqual(
            lines.dropFirst().first,
            "  allowed by /usr/bin/timeout * journalctl * (\(try origin(of: "/usr/bin/timeout * journalctl *")))")
        XCTAssertEqual(
            lines.dropFirst(2).first, "which runs: /usr/bin/journalctl -o short-precise -r -k --since '24 hours ago'")
        XCTAssertEqual(lines.dropFirst(4).first, "enforcement (deny mode): lets it run")
        XCTAssertEqual(lines.count, 6, wrapped.stdout)

        let unlisted = try rigwatch(["policy", "test", "--user", "vastai_kaalia", "--", "id"])
        XCTAssertEqual(unlisted.status, 1, unlisted.stdout + unlisted.stderr)
        let u = unlisted.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(u.first, "command: /usr/bin/id")
        XCTAssertTrue(
            u.contains { $0.hasPrefix("  not allowed: no rule of ") && $0.hasSuffix(" matches") }, unlisted.stdout)
        XCTAssertEqual(u.dropLast().last, "enforcement (deny mode): stops /usr/bin/id before it runs")
        XCTAssertEqual(u.last, "verdict: not allowed for vastai_kaalia: unlisted-privileged-exec")
    }

    func testListAndUsageErrors() throws {
        let list = try rigwatch(["policy", "list", "--user", "vastai_kaalia"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let rules = PolicySet.defaultRules(canon: PathCanon.mergedUsr)
        let lines = list.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "policy default for vastai_kaalia: \(rules.count) rules (the last match wins)")
        XCTAssertEqual(Array(lines.dropFirst()), rules.map { "\($0.origin)\t\($0.text)" })

        let empty = try rigwatch(["policy", "test", "--user", "vastai_kaalia"])
        XCTAssertEqual(empty.status, 64, empty.stderr)
        XCTAssertTrue(empty.stderr.contains("give the command to test after --"), empty.stderr)
    }
}
