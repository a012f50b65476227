// SPDX-License-Identifier: Apache-2.0
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// The word-at-a-time byte helpers against the plain byte loops they replace, at every
/// length and offset around the 8-byte words, and the literal prefix/suffix of patterns.
final class ByteScanTests: XCTestCase {
    private func with<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        bytes.withUnsafeBufferPointer(body)
    }

    func testFirstNulAtEveryPosition() {
        for n in 0...20 {
            XCTAssertNil(with([UInt8](repeating: 0x41, count: n)) { ByteScan.firstNul($0) }, "\(n)")
            for z in 0..<n {
                var bytes = [UInt8](repeating: 0x01, count: n)  // 0x01 beside a 0 is the trick's edge case
                bytes[z] = 0
                if z + 2 < n { bytes[z + 2] = 0 }
                XCTAssertEqual(with(bytes) { ByteScan.firstNul($0) }, z, "n \(n) zero at \(z)")
            }
        }
    }

    func testEqualReadsNulAsSpaceOnlyWhenAsked() {
        let subject = Array("ps\0-a\0--format\0{{.Names}}\0x".utf8)
        let spaced = Array("ps -a --format {{.Names}} x".utf8)
        with(subject) { s in
            spaced.withUnsafeBufferPointer { p in
                for start in 0..<s.count {
                    for count in 0...(s.count - start) {
                        let expected = (0..<count).allSatisfy {
                            (s[start + $0] == 0 ? 0x20 : s[start + $0]) == p[start + $0]
                        }
                        XCTAssertEqual(ByteScan.equal(s, start, p, start, count: count, nulAsSpace: true), expected)
                        let exact = (0..<count).allSatisfy { s[start + $0] == p[start + $0] }
                        XCTAssertEqual(ByteScan.equal(s, start, p, start, count: count, nulAsSpace: false), exact)
                    }
                }
            }
        }
        // Every byte value, zero or not, in a word: only 0 becomes a space.
        let all = (0...255).map(UInt8.init)
        let mapped = all.map { $0 == 0 ? 0x20 : $0 }
        with(all) { s in
            mapped.withUnsafeBufferPointer { XCTAssertTrue(ByteScan.equal(s, 0, $0, 0, count: 256, nulAsSpace: true)) }
        }
    }

    func testSlashSlashOrSlashDotAnywhere() {
        let plain = "/usr/bin/docker-compose-plugin-x"
        XCTAssertFalse(with(Array(plain.utf8)) { ByteScan.hasSlashSlashOrSlashDot($0) })
        let bytes = Array(plain.utf8)
        for i in 0..<(bytes.count - 1) {
            for second: UInt8 in [0x2f, 0x2e] {
                var b = bytes
                b[i] = 0x2f
                b[i + 1] = second
                XCTAssertTrue(with(b) { ByteScan.hasSlashSlashOrSlashDot($0) }, String(decoding: b, as: UTF8.self))
            }
        }
        XCTAssertFalse(
            with(Array("/usr/bin/.hidden-is-not-after-a-slash.x".utf8).map { $0 == 0x2f ? 0x41 : $0 }) {
                ByteScan.hasSlashSlashOrSlashDot($0)
            })
    }

    func testHashDependsOnEveryByteAndTheLength() {
        let base = Array("/usr/bin/nvidia-smi".utf8)
        let h = with(base) { ByteScan.hash($0) }
        for i in 0..<base.count {
            var b = base
            b[i] ^= 0x01
            XCTAssertNotEqual(with(b) { ByteScan.hash($0) }, h, "byte \(i)")
        }
        XCTAssertNotEqual(with(base + [0]) { ByteScan.hash($0) }, h)
        XCTAssertEqual(with(base) { ByteScan.hash($0) }, h)
    }

    func testLiteralPrefixAndSuffixOfPatterns() {
        func prefix(_ p: String) -> Int { FNMatch.literalPrefixLength(Array(p.utf8)) }
        func suffix(_ p: String) -> Int? { FNMatch.literalSuffixLength(Array(p.utf8)) }
        XCTAssertEqual(prefix("ps *"), 3)
        XCTAssertEqual(prefix("-pm 1"), 5)
        XCTAssertEqual(prefix("* x"), 0)
        XCTAssertEqual(prefix("a?b"), 1)
        XCTAssertEqual(prefix("a[bc]"), 1)
        XCTAssertEqual(prefix("a\\*"), 1)
        XCTAssertEqual(suffix("* /usr/bin/nvidia-smi -pm 1"), 26)
        XCTAssertEqual(suffix("inspect *"), 0)
        XCTAssertNil(suffix("-pm 1"), "no star")
        XCTAssertNil(suffix("* a?b"))
        XCTAssertNil(suffix("[*]b"), "the star is in a bracket")
        XCTAssertNil(suffix("*\\x"))
    }
}

/// The compiled policy's shortcuts (literal prefix, literal tail, the matcher resumed
/// after the prefix) decide exactly as the plain matcher on every rule and subject.
final class CompiledPolicyShortcutTests: XCTestCase {
    func testEveryShortcutAgreesWithThePlainMatcher() throws {
        let patterns = [
            "ps *", "-pm 1", "* /usr/bin/nvidia-smi -pm 1", "* journalctl *", "if=/dev/zero of=/var/lib/docker/* *",
            "[*]b", "a\\*b", "*b", "ab*b", "-a -G docker vastai_kaalia", "*", "\"\"", "x*y*z", "inspect C.*",
        ]
        let subjects = [
            ["ps", "-a"], ["-pm", "1"], ["--foreground", "3s", "/usr/bin/nvidia-smi", "-pm", "1"],
            ["3s", "journalctl", "-k"], ["if=/dev/zero", "of=/var/lib/docker/tmpfile", "bs=1M"], ["*b"], ["]b"],
            ["a*b"], ["ab"], ["abb"], ["b"], ["-a", "-G", "docker", "vastai_kaalia"], [], ["x", "y", "z"],
            ["inspect", "C.1234"], ["inspect"],
        ]
        var rules: [CommandSpec] = []
        for p in patterns {
            rules.append(try CommandSpec.parse("/usr/bin/tool " + p, origin: "t", canon: .mergedUsr))
        }
        for (i, rule) in rules.enumerated() {
            let policy = CompiledPolicy(name: "one", rules: [rule], canon: .mergedUsr)
            for argv in subjects {
                let decision = policy.decide(exe: "/usr/bin/tool", argv: ["/usr/bin/tool"] + argv)
                let joined = argv.joined(separator: " ")
                let expected: Bool
                switch rule.arguments {
                case .any: expected = true
                case .none: expected = argv.isEmpty
                case .pattern(let p):
                    // As sudo: no arguments are matched as the empty string ("*" allows them).
                    expected = FNMatch.matches(String(decoding: p, as: UTF8.self), joined, pathname: false)
                }
                XCTAssertEqual(decision.isAllowed, expected, "rule \(patterns[i]) on \(argv)")
            }
        }
    }
}

/// The argument rules' path helpers: the byte fast paths give what the plain string
/// algorithms give.
final class ArgumentPathTests: XCTestCase {
    /// The lexical resolution as written before the fast path: split, drop ".", pop "..".
    private func reference(_ path: String) -> String {
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(component)
        }
        let joined = "/" + parts.joined(separator: "/")
        return path.hasSuffix("/") && joined != "/" ? joined + "/" : joined
    }

    func testNormalizeAgreesWithTheReferenceOnGeneratedPaths() {
        var rng = SplitMix64(seed: 42)
        let pieces = ["a", "bin", ".", "..", "/", "//", ".hidden", "é", "x.y", ""]
        for _ in 0..<5000 {
            var path = rng.next() % 4 == 0 ? "" : "/"
            for _ in 0..<Int(rng.next() % 7) { path += pieces[Int(rng.next() % UInt64(pieces.count))] + "/" }
            if rng.next() % 2 == 0 { path += pieces[Int(rng.next() % UInt64(pieces.count))] }
            XCTAssertEqual(ArgumentAbuseRules.normalize(path), reference(path), path)
        }
    }

    func testPathsInAnArgument() {
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "/etc/shadow"), ["/etc/shadow"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "of=/var/lib/docker/x"), ["/var/lib/docker/x"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "--file=/etc/x:/etc/y"), ["/etc/x:/etc/y", "/etc/y"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "host:/srv/é"), ["/srv/é"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "/a=/b"), ["/a=/b", "/b"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "é=/x"), ["/x"])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "x="), [])
        XCTAssertEqual(ArgumentAbuseRules.paths(in: "relative/path"), [])
    }
}
