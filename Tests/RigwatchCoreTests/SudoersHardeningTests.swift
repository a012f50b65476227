// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import XCTest

/// `rigwatch harden --sudoers`'s pure half: the whitelist as sudoers text, and
/// the grants of ALL commented out and given back byte for byte.
final class SudoersHardeningTests: XCTestCase {
    private func rules(_ texts: [String]) throws -> [CommandSpec] {
        try texts.enumerated().map { i, t in try CommandSpec.parse(t, origin: "t:\(i + 1)", canon: .mergedUsr) }
    }

    func testRenderingIsOneLinePerRuleWithSudoersEscapes() throws {
        let user = SudoersRendering.UserRules(
            name: "vastai_kaalia",
            rules: try rules([
                "/bin/journalctl *",  // merged /usr: the same command as the next
                "/usr/bin/journalctl *",
                #"/usr/sbin/sysctl -w kernel.core_pattern\=*"#,
                ##"/usr/bin/echo a\,b\:c \#d"##,
                #"/opt/my\ tool/run """#,
                #"/usr/bin/grep \* x\\y"#,
                "/usr/lib/vast/",
                "!/usr/bin/journalctl --rotate",
            ]))
        let text = try SudoersRendering.render([user], policyName: "p")
        XCTAssertEqual(
            text,
            ##"""
            # Written by `rigwatch harden --sudoers`: the whitelist rigwatch enforces (policy p), for sudo to enforce too.
            # Regenerate it with `rigwatch harden --sudoers`; `rigwatch harden --undo` removes it.

            # vastai_kaalia: everything else is denied (the last match wins)
            vastai_kaalia ALL=(ALL:ALL) !ALL
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/journalctl *
            vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sysctl -w kernel.core_pattern\=*
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/echo a\,b\:c \#d
            vastai_kaalia ALL=(root) NOPASSWD: /opt/my\ tool/run ""
            vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/grep \* x\\y
            vastai_kaalia ALL=(root) NOPASSWD: /usr/lib/vast/
            vastai_kaalia ALL=(root) NOPASSWD: !/usr/bin/journalctl --rotate

            """##)
    }

    func testAnEarlierDuplicateGoesOnlyWhenALaterCopyStays() throws {
        // The last match wins: the allow after the negation must stay, the first copy decides nothing.
        let lines = try rules(["/usr/bin/id", "!/usr/bin/id", "/usr/bin/id"]).map(SudoersRendering.command)
        XCTAssertEqual(lines, ["/usr/bin/id", "!/usr/bin/id", "/usr/bin/id"])
        let user = SudoersRendering.UserRules(
            name: "u", rules: try rules(["/usr/bin/id", "!/usr/bin/id", "/usr/bin/id"]))
        let body = try SudoersRendering.render([user], policyName: "p").split(separator: "\n").suffix(2)
        XCTAssertEqual(body, ["u ALL=(root) NOPASSWD: !/usr/bin/id", "u ALL=(root) NOPASSWD: /usr/bin/id"])
    }

    func testAPolicyAllowingEverythingIsRefused() throws {
        let user = SudoersRendering.UserRules(name: "u", rules: try rules(["/usr/bin/id", "ALL"]))
        XCTAssertThrowsError(try SudoersRendering.render([user], policyName: "p")) { error in
            XCTAssertEqual(
                (error as? SudoersRendering.Refusal)?.description,
                "the policy allows ALL for u (t:2: ALL): a sudoers file of it would grant everything")
        }
        let negated = SudoersRendering.UserRules(name: "u", rules: try rules(["/usr/bin/id", "!ALL"]))
        XCTAssertNoThrow(try SudoersRendering.render([negated], policyName: "p"))
    }

    func testTheDefaultPolicyRendersEveryRule() throws {
        let defaults = PolicySet.defaultRules(canon: .identity)
        let text = try SudoersRendering.render([.init(name: "vastai_kaalia", rules: defaults)], policyName: "d")
        let ruleLines = text.split(separator: "\n").filter { $0.hasPrefix("vastai_kaalia ALL=(root) NOPASSWD: ") }
        XCTAssertEqual(ruleLines.count, Set(defaults.map(SudoersRendering.command)).count)
        XCTAssertTrue(
            ruleLines.contains("vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sysctl -w kernel.core_pattern\\=*"))
    }

    // MARK: grants of ALL

    private let watched: Set<String> = ["vastai_kaalia"]

    func testGrantsOfAllAreDisabledAndUnrelatedLinesStayByteIdentical() {
        let original = [
            "# Vast.ai",
            "Defaults:vastai_kaalia !requiretty",
            "vastai_kaalia ALL=(ALL) NOPASSWD:ALL",
            "vastai_kaalia\tALL=(ALL:ALL)\tNOPASSWD: ALL",
            "vastai_kaalia ALL = (ALL) NOPASSWD: /usr/bin/id, ALL",
            "vastai_kaalia ALL=(ALL) SETENV: NOPASSWD: ALL\r",
            "vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi",
            "root ALL=(ALL:ALL) ALL",
            "vastai_kaalia_backup ALL=(ALL) NOPASSWD:ALL",
            "vastai_kaalia ALL=(ALL) \\",
            "    NOPASSWD: ALL",
            "",
        ].joined(separator: "\n")
        let r = SudoersGrantRewrite.disable(original, watched: watched)
        let m = SudoersGrantRewrite.marker
        XCTAssertEqual(
            r.text,
            [
                "# Vast.ai",
                "Defaults:vastai_kaalia !requiretty",
                m + "vastai_kaalia ALL=(ALL) NOPASSWD:ALL",
                m + "vastai_kaalia\tALL=(ALL:ALL)\tNOPASSWD: ALL",
                m + "vastai_kaalia ALL = (ALL) NOPASSWD: /usr/bin/id, ALL",
                m + "vastai_kaalia ALL=(ALL) SETENV: NOPASSWD: ALL\r",
                "vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi",
                "root ALL=(ALL:ALL) ALL",
                "vastai_kaalia_backup ALL=(ALL) NOPASSWD:ALL",
                m + "vastai_kaalia ALL=(ALL) \\",
                m + "    NOPASSWD: ALL",
                "",
            ].joined(separator: "\n"))
        XCTAssertEqual(r.disabled.map(\.line), [3, 4, 5, 6, 10])
        XCTAssertEqual(r.disabled.first?.text, "vastai_kaalia ALL=(ALL) NOPASSWD:ALL")
        XCTAssertEqual(r.disabled.first?.users, ["vastai_kaalia"])
        XCTAssertEqual(r.kept, [])
        XCTAssertEqual(SudoersGrantRewrite.restore(r.text), original)
        // A second pass finds nothing: the disabled lines are comments.
        let again = SudoersGrantRewrite.disable(r.text, watched: watched)
        XCTAssertFalse(again.changed)
        XCTAssertEqual(again.text, r.text)
    }

    func testAGroupOfWatchedUsersOnlyIsDisabledOneWithOthersIsKept() {
        let members: (String) -> Set<String>? = { group in
            ["vast": ["vastai_kaalia"], "sudo": ["vastai_kaalia", "alice"], "empty": []][group]
        }
        let original = """
            %vast ALL=(ALL) NOPASSWD: ALL
            %sudo\tALL=(ALL:ALL) ALL
            %empty ALL=(ALL) ALL
            alice,vastai_kaalia ALL=(ALL) NOPASSWD: ALL
            %unknown ALL=(ALL) ALL
            """
        let r = SudoersGrantRewrite.disable(original, watched: watched, members: members)
        XCTAssertEqual(
            r.text,
            SudoersGrantRewrite.marker + "%vast ALL=(ALL) NOPASSWD: ALL\n"
                + "%sudo\tALL=(ALL:ALL) ALL\n%empty ALL=(ALL) ALL\nalice,vastai_kaalia ALL=(ALL) NOPASSWD: ALL\n"
                + "%unknown ALL=(ALL) ALL")
        XCTAssertEqual(r.disabled.map(\.line), [1])
        XCTAssertEqual(r.disabled.first?.users, ["vastai_kaalia"])
        XCTAssertEqual(r.kept.map(\.line), [2, 4])
        XCTAssertEqual(
            r.kept.map(\.keptBecause), ["it also grants ALL to %sudo (alice)", "it also grants ALL to alice"])
        XCTAssertEqual(SudoersGrantRewrite.restore(r.text), original)
    }

    func testTheIncludeOfSudoersDIsFound() {
        let text = "Defaults env_reset\n# @includedir /etc/sudoers.d\n#includedir /etc/sudoers.d/\n"
        XCTAssertEqual(SudoersGrantRewrite.includeDirectoryLine(text, "/etc/sudoers.d"), 3)
        XCTAssertEqual(SudoersGrantRewrite.includeDirectoryLine("@includedir\t/etc/sudoers.d\n", "/etc/sudoers.d"), 1)
        XCTAssertNil(SudoersGrantRewrite.includeDirectoryLine("@includedir /etc/other\n", "/etc/sudoers.d"))
    }

    func testRestoreLeavesUnmarkedCommentsAlone() {
        let text = "# rigwatch harden: something else\n#vastai_kaalia ALL=(ALL) ALL\n"
        XCTAssertEqual(SudoersGrantRewrite.restore(text), text)
        XCTAssertFalse(SudoersGrantRewrite.disable(text, watched: watched).changed)
    }
}
