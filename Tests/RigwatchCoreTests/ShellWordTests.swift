// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchTestSupport
import XCTest

/// argv as alerts write it: every byte recoverable by bash, nothing invisible, and
/// distinct commands distinct (dedup keys are built from these words).
final class ShellWordTests: XCTestCase {
    func testQuotingForms() {
        XCTAssertEqual(ShellWord.quote(Array("/usr/bin/id".utf8)), "/usr/bin/id")
        XCTAssertEqual(ShellWord.quote(Array("ü@x".utf8)), "ü@x")
        XCTAssertEqual(ShellWord.quote(Array("a b".utf8)), "'a b'")
        XCTAssertEqual(ShellWord.quote(Array("it's".utf8)), #"'it'\''s'"#)
        XCTAssertEqual(ShellWord.quote([]), "''")
        XCTAssertEqual(ShellWord.quote(Array("\u{FEFF}/tmp/x".utf8)), #"$'\uFEFF/tmp/x'"#)
        XCTAssertEqual(ShellWord.quote(Array("a\u{202E}b".utf8)), #"$'a\u202Eb'"#)
        XCTAssertEqual(ShellWord.quote([0x2F, 0x74, 0xFF, 0xC3, 0x28]), #"$'/t\xFF\xC3('"#)
        XCTAssertEqual(ShellWord.quote(Array("a\u{1}\\".utf8)), #"$'a\x01\\'"#)
        XCTAssertEqual(ShellWord.commandLine(Array("/bin/sh\0-c\0id; rm x\0".utf8)), "/bin/sh -c 'id; rm x'")
    }

    /// bash reads each word back to the very bytes (the contract the doc comment states).
    func testBashReadsEveryWordBackByteForByte() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { throw XCTSkip("no bash") }
        var rng = SplitMix64(seed: 0x5eed_c0de)
        let alphabet: [[UInt8]] = [
            Array("a".utf8), Array(" ".utf8), Array("'".utf8), Array("\\".utf8), Array("\n".utf8), [0x01], [0x7F],
            [0xFF], [0xC3], [0x80], Array("\u{FEFF}".utf8), Array("\u{202E}".utf8), Array("é".utf8),
            Array("$".utf8), Array("\"".utf8), Array("`".utf8),
        ]
        var words: [[UInt8]] = []
        for _ in 0..<200 {
            var w: [UInt8] = []
            for _ in 0..<rng.next(8) { w += alphabet[rng.index(alphabet.count)] }
            words.append(w)
        }
        // printf '%s\0' WORD… prints each word as bash parsed it, NUL-terminated.
        let script = "printf '%s\\0' " + words.map { ShellWord.quote($0) }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.environment = ["LC_ALL": "C.UTF-8"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let parsed = out.split(separator: 0, omittingEmptySubsequences: false).dropLast().map(Array.init)
        XCTAssertEqual(parsed, words)
    }

    /// Two commands that differ only in bytes that are not UTF-8 are two alerts, not one fold.
    func testInvalidUTF8CommandsGetDistinctDedupKeys() {
        let tree = (kaalia: UInt32(1001), shell: UInt32(200))
        let policies = PolicySet.defaultPolicy(
            watched: [WatchedUser(uid: tree.kaalia, name: "vastai_kaalia")], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUids: [tree.kaalia], userNames: [tree.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(policies: policies))
        var keys: [String] = []
        for (i, bad) in [[UInt8(0xFF)], [UInt8(0xFE)]].enumerated() {
            let tgid = UInt32(300 + i)
            let exe = Array("/tmp/x".utf8) + bad
            let event = Event.exec(
                ExecEvent(
                    header: Scenario.header(
                        tgid, ppid: tree.shell, ts: UInt64(1000 + i), euid: 0, lineage: tree.kaalia),
                    loginUid: tree.kaalia, flags: [], argc: 1, oldPid: tgid, filename: exe, args: exe + [0]))
            let alerts = engine.consume(event)
            XCTAssertEqual(alerts.count, 1)
            keys += alerts.map(\.dedupKey)
            XCTAssertTrue(
                alerts.first?.title.hasSuffix(#"as root: $'/tmp/x\x"# + (i == 0 ? "FF'" : "FE'")) ?? false,
                alerts.first?.title ?? "")
        }
        XCTAssertEqual(Set(keys).count, 2, "\(keys)")
    }
}
