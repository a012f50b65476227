// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// The real sudo is the oracle: for the same sudoers file, rigwatch's verdict on
/// each generated command line must equal `sudo -l -U <user> <command>`'s.
///
/// sudo only judges commands that exist, and matches paths by inode. So the oracle
/// runs in a private mount namespace where empty executable stubs are overlaid on
/// /usr/bin, /usr/sbin and /var/lib for every command a rule names: the host's own
/// directories are never written.
final class SudoDifferentialTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    func testRigwatchAgreesWithSudoOnGeneratedCommandLines() throws {
        let user = try TestUser.create(self, suffix: "diff")
        let seed = try String(
            contentsOfFile: Repo.root + "/Tests/Fixtures/data/vastai-restricted.sudoers", encoding: .utf8)
        let sudoers = seed.replacingOccurrences(of: "vastai_kaalia", with: user.name)
        try installSudoers(self, name: "rwtest-diff", content: sudoers)

        // rigwatch imports the same file unchanged.
        let dir = NSTemporaryDirectory() + "rwtest-diff-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        try sudoers.write(toFile: dir + "/import.sudoers", atomically: true, encoding: .utf8)
        var config = PolicyConfig()
        config.includeDefault = false
        config.importSudoers = [dir + "/import.sudoers"]
        let policies = try PolicyBuilder.build(config, watched: [.init(uid: user.uid, name: user.name)])
        let policy = policies.policy(for: user.uid)
        XCTAssertEqual(policy.ruleCount, 49)

        let commands = CommandLineGenerator(rules: policy.rules, userName: user.name).generate()
        XCTAssertGreaterThanOrEqual(commands.count, 1000)
        let oracle = try askSudo(commands, user: user.name, rules: policy.rules, dir: dir)
        XCTAssertEqual(oracle.count, commands.count, "sudo answered \(oracle.count) of \(commands.count)")

        var mismatches: [String] = []
        var allowedCount = 0
        for (argv, sudoAllows) in zip(commands, oracle) {
            let ours = policy.decide(exe: argv[0], argv: argv).isAllowed
            if sudoAllows { allowedCount += 1 }
            if ours != sudoAllows {
                mismatches.append(
                    "\(sudoAllows ? "sudo allows" : "sudo denies"), rigwatch \(ours ? "allows" : "denies"): \(argv)")
            }
        }
        XCTAssertEqual(
            mismatches.count, 0, "disagreements with sudo:\n" + mismatches.prefix(30).joined(separator: "\n"))
        // Both verdicts must be well represented, or the test proves little.
        XCTAssertGreaterThan(allowedCount, commands.count / 5)
        XCTAssertLessThan(allowedCount, commands.count * 4 / 5)
        print(
            "sudo differential: \(commands.count) command lines, \(allowedCount) allowed, \(mismatches.count) disagreements"
        )
    }

    /// Runs the oracle helper in a private mount namespace with stub commands.
    private func askSudo(_ commands: [[String]], user: String, rules: [CommandSpec], dir: String) throws -> [Bool] {
        let oracle = try buildHelper("sudo_oracle")
        let stubs = dir + "/stubs"
        var paths = Set<String>()
        for rule in rules { if case .path(let p) = rule.command { paths.insert(String(decoding: p, as: UTF8.self)) } }
        for argv in commands { paths.insert(argv[0]) }
        var stubbed: [String] = []
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            let canonical = ArgumentAbuseRules.normalize(
                path.replacingOccurrences(of: "^/(s?bin)/", with: "/usr/$1/", options: .regularExpression))
            guard let top = ["/usr/bin/", "/usr/sbin/", "/var/lib/"].first(where: { canonical.hasPrefix($0) }) else {
                continue
            }
            _ = top
            let stub = stubs + canonical
            try FileManager.default.createDirectory(
                atPath: (stub as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(
                atPath: stub, contents: Data("#!/bin/true\n".utf8), attributes: [.posixPermissions: 0o755])
            stubbed.append(canonical)
        }
        for top in ["usr/bin", "usr/sbin", "var/lib"] {
            try FileManager.default.createDirectory(atPath: "\(stubs)/\(top)", withIntermediateDirectories: true)
        }
        var requests = Data()
        for argv in commands {
            requests.append(Data(argv.joined(separator: "\0").utf8))
            requests.append(0x0a)
        }
        try requests.write(to: URL(fileURLWithPath: dir + "/requests"))
        let script = """
            set -e
            for d in usr/bin usr/sbin var/lib; do
              mount -t overlay overlay -o lowerdir=\(stubs)/$d:/$d /$d
            done
            exec env LC_ALL=C \(oracle) \(user) < \(dir)/requests
            """
        let r = try runCommand("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script])
        XCTAssertEqual(r.status, 0, "oracle failed: \(r.stderr)")
        return r.stdout.split(separator: "\n").map { $0 == "1" }
    }
}

/// Command lines from the rules themselves, then mutated: extra and missing
/// arguments, `..`, spaces, glob characters, aliased and foreign paths.
struct CommandLineGenerator {
    let rules: [CommandSpec]
    let userName: String

    /// Values a '*' in a rule is replaced with.
    static let fillers = [
        "x", "", "a b", "/var/lib/docker/x", "../../etc/passwd", "*", "-rf /", "ps", "--format {{.Names}}",
        "C.123", "|/tmp/x %p", "1", "-pm 1", "/tmp/../etc/shadow", "[ab]", "?", "a\\b",
    ]

    func generate() -> [[String]] {
        var out: [[String]] = []
        var seen = Set<[String]>()
        func add(_ argv: [String]) {
            let cleaned = argv.filter { !$0.isEmpty }
            guard let first = cleaned.first, first.hasPrefix("/"), cleaned.allSatisfy({ !$0.contains("\n") }) else {
                return
            }
            if seen.insert(cleaned).inserted { out.append(cleaned) }
        }
        for rule in rules {
            guard case .path(let pathBytes) = rule.command else { continue }
            let path = String(decoding: pathBytes, as: UTF8.self)
            let pattern: String
            switch rule.arguments {
            case .any: pattern = "*"
            case .none: pattern = ""
            case .pattern(let p): pattern = String(decoding: p, as: UTF8.self)
            }
            // The pattern with its stars filled in, several ways.
            for (i, filler) in Self.fillers.enumerated() {
                let filled = fill(pattern, with: filler, variant: i)
                let words = split(filled)
                add([path] + words)
                add([path] + words + ["extra"])
                add([path] + words.dropLast())
                add([path] + words.map { $0 + "x" })
                add([path] + ["--"] + words)
                add([aliased(path)] + words)
                add(["/usr/local/bin/" + basename(path)] + words)
                add([path.replacingOccurrences(of: "/bin/", with: "/bin/../bin/")] + words)
                add([path] + words.map { $0.replacingOccurrences(of: "/", with: "/../") })
                add([path] + [words.joined(separator: " ")])  // one argv element holding spaces
                add([path] + words.map { $0.uppercased() })
            }
            add([path])
            add([path, ""])
            add([path, "*"])
            add([path, "?"])
        }
        // Commands no rule names, and look-alikes.
        for other in [
            "/usr/bin/id", "/usr/bin/bash -c id", "/usr/bin/sh -c id", "/usr/bin/cat /etc/shadow", "/usr/bin/env",
            "/usr/bin/dockerd", "/usr/sbin/iptables-restore", "/usr/bin/systemctl restart sshd",
            "/usr/bin/ls -la /root",
        ] {
            add(other.split(separator: " ").map(String.init))
        }
        return out
    }

    private func fill(_ pattern: String, with filler: String, variant: Int) -> String {
        var result = ""
        var escaped = false
        var n = 0
        for c in pattern {
            if escaped {
                result.append(c)
                escaped = false
                continue
            }
            if c == "\\" {
                escaped = true
                continue
            }  // sudoers escapes are gone from the matched string
            if c == "*" {
                // Alternate fillers between the stars of one rule so multi-star rules vary.
                result += n % 2 == 0 ? filler : Self.fillers[(variant + n) % Self.fillers.count]
                n += 1
            } else {
                result.append(c)
            }
        }
        return result
    }

    private func split(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }

    private func aliased(_ path: String) -> String {
        if path.hasPrefix("/usr/bin/") { return "/bin/" + path.dropFirst(9) }
        if path.hasPrefix("/usr/sbin/") { return "/sbin/" + path.dropFirst(10) }
        return path
    }

    private func basename(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
}
