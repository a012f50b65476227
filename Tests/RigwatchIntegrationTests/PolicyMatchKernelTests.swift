// SPDX-License-Identifier: Apache-2.0
import CBPFTestSupport
import CRigwatchABI
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The in-kernel whitelist matcher (bpf/lib/policy_match.h), run in the kernel
/// through BPF_PROG_TEST_RUN (Tests/Fixtures/bpf/policy_match_test.bpf.c) on maps
/// `KernelPolicy` wrote, must give the userspace matcher's verdict and deciding rule
/// on every command line: the sudo differential corpus (whose verdicts equal real
/// sudo's), the default policy's, hand-picked edge cases and generated patterns.
final class PolicyMatchKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    /// Every command line, judged by both matchers; the disagreements, as text.
    private func disagreements(
        _ commands: [[String]], policies: PolicySet, uid: UInt32, matcher: KernelPolicyTestObject
    ) throws -> (count: Int, allowed: Int, lines: [String]) {
        let policy = policies.policy(for: uid)
        var lines: [String] = []
        var allowed = 0
        for argv in commands {
            let ours = policy.decide(exe: argv[0], argv: argv)
            let kernel = try matcher.decide(
                uid: uid, path: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv), argc: UInt32(argv.count))
            if ours.isAllowed { allowed += 1 }
            if kernel != ours { lines.append("userspace \(ours), kernel \(String(describing: kernel)): \(argv)") }
        }
        return (commands.count, allowed, lines)
    }

    func testKernelAgreesWithUserspaceOnTheSudoDifferentialCorpus() throws {
        let uid: UInt32 = 61_001
        let sudoers = try String(
            contentsOfFile: Repo.root + "/Tests/Fixtures/data/vastai-restricted.sudoers", encoding: .utf8)
        let rules =
            try SudoersParser(file: "vastai-restricted", canon: .mergedUsr)
            .parse(sudoers, users: [WatchedUser(uid: uid, name: "vastai_kaalia")])["vastai_kaalia"] ?? []
        XCTAssertEqual(rules.count, 49)
        let policies = PolicySet(name: "t", rulesByUid: [uid: rules], canon: .mergedUsr)
        let matcher = try KernelPolicyTestObject(policies)
        XCTAssertEqual(matcher.undecidable, [])
        let commands = CommandLineGenerator(rules: rules, userName: "vastai_kaalia").generate()
        XCTAssertGreaterThanOrEqual(commands.count, 1000)
        let result = try disagreements(commands, policies: policies, uid: uid, matcher: matcher)
        XCTAssertEqual(result.lines.count, 0, result.lines.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(result.allowed, commands.count / 5)
        XCTAssertLessThan(result.allowed, commands.count * 4 / 5)
        print("kernel policy differential: \(result.count) command lines, \(result.allowed) allowed, 0 disagreements")
    }

    func testKernelAgreesOnTheDefaultPolicyAndItsDaemonCommands() throws {
        let uid: UInt32 = 61_002
        let policies = PolicySet.defaultPolicy(watched: [WatchedUser(uid: uid, name: "x")], canon: .mergedUsr)
        let matcher = try KernelPolicyTestObject(policies)
        XCTAssertEqual(matcher.undecidable, [])
        let rules = policies.policy(for: uid).rules
        var commands = CommandLineGenerator(rules: rules, userName: "x").generate()
        let daemon = try String(
            contentsOfFile: Repo.root + "/Tests/Fixtures/data/vastai-daemon-sudo-commands.txt", encoding: .utf8)
        // "<covered: yes|no> TAB <command line>", after the comments.
        let daemonCommands = daemon.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: "\t").last.map { $0.split(separator: " ").map(String.init) }
        }
        XCTAssertGreaterThan(daemonCommands.count, 50)
        commands += daemonCommands
        let result = try disagreements(commands, policies: policies, uid: uid, matcher: matcher)
        XCTAssertEqual(result.lines.count, 0, result.lines.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(result.allowed, 100)
    }

    func testEdgeCasesOfPathsRulesAndArguments() throws {
        let uid: UInt32 = 61_003
        let text = """
            u ALL=(root) NOPASSWD: /usr/bin/apt-get update, /usr/bin/ls "", /usr/sbin/, /usr/lib/x/[a-c]?d *
            u ALL=(root) NOPASSWD: /opt/tool/bin/run-* --safe, /usr/bin/echo a\\*b [!x]y, /usr/bin/printf
            u ALL=(root) NOPASSWD: !/usr/sbin/reboot, /usr/bin/cat /var/log/*, !/usr/bin/cat /var/log/secret*
            """
        let rules =
            try SudoersParser(file: "edge", canon: .mergedUsr).parse(
                text, users: [WatchedUser(uid: uid, name: "u")])["u"] ?? []
        let withAll =
            rules + [try CommandSpec.parse("ALL", origin: "t"), try CommandSpec.parse("!/usr/bin/su", origin: "t")]
        for ruleSet in [rules, withAll] {
            let policies = PolicySet(name: "t", rulesByUid: [uid: ruleSet], canon: .mergedUsr)
            let matcher = try KernelPolicyTestObject(policies)
            let commands: [[String]] = [
                ["/usr/bin/apt-get", "update"], ["/bin/apt-get", "update"], ["/usr/bin/../bin/apt-get", "update"],
                ["//usr//bin/./apt-get", "update"], ["/usr/bin/apt-get", "update", "x"], ["/usr/bin/ls"],
                ["/usr/bin/ls", ""], ["/usr/bin/ls", "-l"], ["/usr/sbin/iptables", "-F"], ["/sbin/iptables"],
                ["/usr/sbin/"], ["/usr/sbin/reboot"], ["/usr/sbin/x/y"], ["/usr/lib/x/abd", "1"],
                ["/usr/lib/x/a/d"], ["/usr/lib/x/dzd", "q"], ["/opt/tool/bin/run-a", "--safe"],
                ["/opt/tool/bin/run-a/b", "--safe"], ["/opt/tool/bin/run-", "--safe"], ["/usr/bin/echo", "a*b", "zy"],
                ["/usr/bin/echo", "axb", "zy"], ["/usr/bin/echo", "a*b", "xy"], ["/usr/bin/printf", "%s", "x y"],
                ["/usr/bin/cat", "/var/log/syslog"], ["/usr/bin/cat", "/var/log/secret.1"],
                ["/usr/bin/cat", "/var/log/../../etc/shadow"], ["/usr/bin/su"], ["/usr/bin/id"], ["id"],
                ["./apt-get", "update"], ["/"], ["/usr/bin/..", "x"], ["/usr/bin/apt-get/..", "update"],
                ["/usr/bin/\u{e9}t\u{e9}"], ["/usr/bin/apt-get", "update\u{0}"],
            ]
            let result = try disagreements(commands, policies: policies, uid: uid, matcher: matcher)
            XCTAssertEqual(result.lines.count, 0, result.lines.joined(separator: "\n"))
            // Truncated argv: argument patterns cannot match, "any" still does.
            for argv in [["/usr/bin/apt-get", "update"], ["/usr/bin/printf", "x"], ["/usr/bin/cat", "/var/log/a"]] {
                let args = ExecEvent.joinArgs(argv)
                let ours = args.withUnsafeBufferPointer { a in
                    Array(argv[0].utf8).withUnsafeBufferPointer { p in
                        policies.policy(for: uid).decide(exe: p, args: a, argc: 9, argsTruncated: true)
                    }
                }
                let kernel = try matcher.decide(
                    uid: uid, path: Array(argv[0].utf8), args: args, argc: 9, truncated: true)
                XCTAssertEqual(kernel, ours, "truncated \(argv)")
            }
        }
        // A watched user without rules may run nothing; the kernel says so too.
        let empty = try KernelPolicyTestObject(PolicySet(name: "t", rulesByUid: [uid: rules], canon: .mergedUsr))
        XCTAssertEqual(
            try empty.decide(uid: uid + 1, path: Array("/usr/bin/ls".utf8), args: [], argc: 1), .denied(rule: nil))
    }

    func testGeneratedPatternsAgree() throws {
        let uid: UInt32 = 61_004
        var rng = SplitMix64(seed: 0x5eed_0020)
        let pieces = ["a", "b", "/", " ", "*", "?", "[ab]", "[!a]", "[a-c]", "\\*", "[", "]", "-", "x/y", "**"]
        var rules: [CommandSpec] = []
        for i in 0..<120 {
            let pattern = (0..<Int(rng.next() % 6 + 1)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }
                .joined()
            let negation = rng.next() % 5 == 0 ? "!" : ""
            let command = i % 3 == 0 ? "/usr/bin/[a-c]*" : "/usr/bin/t\(i % 7)"
            if let rule = try? CommandSpec.parse("\(negation)\(command) \(pattern)", origin: "gen \(i)") {
                rules.append(rule)
            }
        }
        XCTAssertGreaterThan(rules.count, 100)
        let policies = PolicySet(name: "gen", rulesByUid: [uid: rules], canon: .mergedUsr)
        let matcher = try KernelPolicyTestObject(policies)
        XCTAssertEqual(matcher.undecidable, [])
        let words = ["a", "b", "ab", "a b", "/", "x/y", "*", "ba", "-", "[", "]", "aab", "b/a", "c"]
        var commands: [[String]] = []
        for _ in 0..<3000 {
            let program = ["/usr/bin/t\(rng.next() % 7)", "/usr/bin/a", "/usr/bin/cz", "/usr/bin/c/d", "/bin/b"][
                Int(rng.next() % 5)]
            commands.append([program] + (0..<Int(rng.next() % 4)).map { _ in words[Int(rng.next() % 14)] })
        }
        let result = try disagreements(commands, policies: policies, uid: uid, matcher: matcher)
        XCTAssertEqual(result.lines.count, 0, result.lines.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(result.allowed, 300)
        XCTAssertLessThan(result.allowed, 2700)
    }

    func testTheTwoHalvesHoldTwoPolicies() throws {
        let uid: UInt32 = 61_005
        let old = PolicySet(
            name: "old", rulesByUid: [uid: [try CommandSpec.parse("/usr/bin/id", origin: "a")]], canon: .identity)
        let new = PolicySet(
            name: "new", rulesByUid: [uid: [try CommandSpec.parse("/usr/bin/ls", origin: "b")]], canon: .identity)
        let matcher = try KernelPolicyTestObject(old, half: 0)
        // The second half written into the same object, as a reload does.
        try matcher.write(KernelPolicy(policies: new, half: 1))
        let id = Array("/usr/bin/id".utf8)
        let ls = Array("/usr/bin/ls".utf8)
        XCTAssertEqual(try matcher.decide(uid: uid, path: id, args: [], argc: 1, half: 0), .allowed(rule: 0))
        XCTAssertEqual(try matcher.decide(uid: uid, path: ls, args: [], argc: 1, half: 0), .denied(rule: nil))
        XCTAssertEqual(try matcher.decide(uid: uid, path: id, args: [], argc: 1, half: 1), .denied(rule: nil))
        XCTAssertEqual(try matcher.decide(uid: uid, path: ls, args: [], argc: 1, half: 1), .allowed(rule: 0))
        XCTAssertEqual(matcher.owners[UInt32(KernelPolicy.rulesPerHalf)]?.uid, uid)
    }
}

extension PolicyMatchKernelTests {
    /// A pattern the kernel cannot hold is named, and only where it could decide
    /// does the kernel leave the verdict to userspace.
    func testAnUndecidableRuleIsNamedAndLeftToUserspace() throws {
        let uid: UInt32 = 61_006
        let long = String(repeating: "a", count: KernelGlob.maxAtoms + 1)
        let rules = [
            try CommandSpec.parse("/usr/bin/ls \(long)", origin: "t:1"),
            try CommandSpec.parse("/usr/bin/ls -l", origin: "t:2"),
            try CommandSpec.parse("/usr/bin/id", origin: "t:3"),
        ]
        let matcher = try KernelPolicyTestObject(PolicySet(name: "t", rulesByUid: [uid: rules], canon: .identity))
        XCTAssertEqual(matcher.undecidable.count, 1)
        XCTAssertTrue(matcher.undecidable[0].contains("(t:1): pattern too big"), matcher.undecidable[0])
        func decide(_ argv: [String]) throws -> CompiledPolicy.Decision? {
            try matcher.decide(
                uid: uid, path: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv), argc: UInt32(argv.count))
        }
        XCTAssertEqual(try decide(["/usr/bin/ls", "-l"]), .allowed(rule: 1))  // rule 2 wins before rule 1 is read
        XCTAssertNil(try decide(["/usr/bin/ls", "-a"]))  // rule 1 could decide
        XCTAssertEqual(try decide(["/usr/bin/id"]), .allowed(rule: 2))
        XCTAssertEqual(try decide(["/usr/bin/cat"]), .denied(rule: nil))
    }
}
