// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import XCTest

@testable import RigwatchAlerts

/// The Discord message body: limits, packing, and that attacker text arrives intact and inert.
final class DiscordPayloadTests: XCTestCase {
    // MARK: fixtures

    static let nastyArgv = [
        "/usr/bin/sh", "-c", "echo \"quoted\" 'single' `id` $(whoami) \\ back\\slash", "```fence```", "``", "`",
        "@everyone @here <@123456> <@&42> <#1> <t:0:R>", "line1\nline2\ttab\rcr", "\u{1}\u{7}\u{1B}[31m\u{7F}\u{85}",
        "ünïcødé ✓ 日本 🚀 👨‍👩‍👧", "*bold* _it_ ~~s~~ || spoiler || [x](http://e) # h > q", "-# subtext", "",
        "a\u{202E}evil\u{202C}b\u{200B}c\u{FEFF}", "$'\\x41'", "tab\there", "   ", "~", "\\\\", "'", "''",
    ]
    static let nastyText = "x\"\\`@everyone ```\n<@1> [a](https://e) *b* \u{0}\u{1B}\u{202E}🚀\u{200B} -#"

    func process(_ pid: UInt32, exe: String, argv: [String], comm: String = "sh") -> ProcessSummary {
        ProcessSummary(
            pid: pid, ppid: pid - 1, exe: exe, argv: argv, uid: 1000, euid: 0, gid: 1000, egid: 0,
            lineageUid: 1000, cgroupId: 4242, comm: comm)
    }

    func envelope(
        _ n: Int = 1, severity: Severity = .high, title: String? = nil, argv: [String] = ["id"],
        exe: String = "/usr/bin/id", evidence: [(String, String)] = [("command", "id")],
        host: String = "gpu-host-1", count: Int = 1, wallNs: Int64 = 1_700_000_000_123_456_789
    ) -> AlertEnvelope {
        let chain = [
            process(100, exe: exe, argv: argv, comm: "id"),
            process(99, exe: "/usr/bin/sudo", argv: ["sudo", "-u", "root", "id"]),
            process(98, exe: "/bin/bash", argv: ["-bash"]),
        ]
        var alert = Alert(
            rule: "unlisted-privileged-exec", severity: severity, title: title ?? "alert \(n)",
            eventTimeNs: UInt64(n), chain: chain, evidence: evidence, dedupKey: "k\(n)")
        alert.id = "a\(n)"
        return AlertEnvelope(
            alert: alert, host: host, sensorVersion: "0.3.0", eventWallNs: wallNs,
            detectedWallNs: wallNs + 1_000_000, count: count,
            firstWallNs: wallNs - 60_000_000_000, lastWallNs: wallNs)
    }

    // MARK: decoding as a reader would (the documented rules)

    /// DiscordShellWords: bash quote removal of one line of words.
    func shellWords(_ line: Substring) -> [String]? {
        let s = Array(line.unicodeScalars)
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var i = 0
        func hexScalar(_ digits: Int) -> Unicode.Scalar? {
            guard i + digits < s.count else { return nil }
            let hex = String(String.UnicodeScalarView(s[(i + 1)...(i + digits)]))
            i += digits
            return UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init)
        }
        while i < s.count {
            let c = s[i]
            if c == " " {
                if inWord {
                    words.append(String(word))
                    word = .init()
                    inWord = false
                }
                i += 1
                continue
            }
            inWord = true
            if c == "'" {
                i += 1
                while i < s.count && s[i] != "'" {
                    word.append(s[i])
                    i += 1
                }
                guard i < s.count else { return nil }
                i += 1
            } else if c == "$" && i + 1 < s.count && s[i + 1] == "'" {
                i += 2
                while i < s.count && s[i] != "'" {
                    if s[i] == "\\" {
                        i += 1
                        guard i < s.count else { return nil }
                        switch s[i] {
                        case "\\", "'": word.append(s[i])
                        case "n": word.append("\n")
                        case "t": word.append("\t")
                        case "r": word.append("\r")
                        case "x":
                            guard let v = hexScalar(2) else { return nil }
                            word.append(v)
                        case "u":
                            guard let v = hexScalar(4) else { return nil }
                            word.append(v)
                        case "U":
                            guard let v = hexScalar(8) else { return nil }
                            word.append(v)
                        default: return nil
                        }
                    } else {
                        word.append(s[i])
                    }
                    i += 1
                }
                guard i < s.count else { return nil }
                i += 1
            } else if c == "\\" || c == "\"" || c == "$" || c == "`" {
                return nil  // never written outside quotes
            } else {
                word.append(c)
                i += 1
            }
        }
        if inWord { words.append(String(word)) }
        return words
    }

    /// DiscordMarkdown: drop U+200B, undo backslash escapes.
    func unescapeMarkdown(_ text: String) -> String? {
        if text == "(empty)" { return "" }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            let c = s[i]
            i += 1
            if c == "\u{200B}" { continue }
            guard c == "\\" else {
                out.append(c)
                continue
            }
            guard i < s.count else { return nil }
            let e = s[i]
            i += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "u":
                guard i < s.count, s[i] == "{", let close = s[i...].firstIndex(of: "}"),
                    let v = UInt32(String(String.UnicodeScalarView(s[(i + 1)..<close])), radix: 16),
                    let scalar = Unicode.Scalar(v)
                else { return nil }
                out.append(scalar)
                i = close + 1
            default: out.append(e)
            }
        }
        return String(out)
    }

    /// The contents of the code blocks of a description, in order.
    func codeBlocks(_ description: String) -> [Substring] {
        let parts = description.components(separatedBy: "```")
        XCTAssertEqual(parts.count % 2, 1, "fences come in pairs: \(description)")
        return stride(from: 1, to: parts.count, by: 2).map { i -> Substring in
            var block = Substring(parts[i])
            XCTAssertTrue(block.hasPrefix("\n") && block.hasSuffix("\n"), "block is on its own lines")
            block = block.dropFirst().dropLast()
            return block
        }
    }

    // MARK: JSON and limits

    func parse(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try XCTUnwrap(object as? [String: Any], file: file, line: line)
    }

    func embeds(_ message: [String: Any]) -> [[String: Any]] { message["embeds"] as? [[String: Any]] ?? [] }

    /// Discord counts code points; we promise the stricter UTF-16 count, so check that.
    func length(_ s: String) -> Int {
        XCTAssertLessThanOrEqual(s.unicodeScalars.count, s.utf16.count)
        return s.utf16.count
    }

    /// Asserts every Discord limit and our own rules; returns the embeds' summed length.
    @discardableResult
    func assertWithinLimits(_ message: [String: Any], file: StaticString = #filePath, line: UInt = #line) -> Int {
        XCTAssertEqual(
            (message["allowed_mentions"] as? [String: Any])?["parse"] as? [String], [], file: file, line: line)
        if let content = message["content"] as? String {
            XCTAssertLessThanOrEqual(length(content), 2000, file: file, line: line)
        }
        let list = embeds(message)
        XCTAssertFalse(list.isEmpty, file: file, line: line)
        XCTAssertLessThanOrEqual(list.count, 10, file: file, line: line)
        var total = 0
        for embed in list {
            let title = embed["title"] as? String ?? ""
            let description = embed["description"] as? String ?? ""
            let footer = (embed["footer"] as? [String: Any])?["text"] as? String ?? ""
            XCTAssertLessThanOrEqual(length(title), 256, file: file, line: line)
            XCTAssertLessThanOrEqual(length(description), 4096, file: file, line: line)
            XCTAssertLessThanOrEqual(length(footer), 2048, file: file, line: line)
            _ = codeBlocks(description)
            total += length(title) + length(description) + length(footer)
            let fields = embed["fields"] as? [[String: Any]] ?? []
            XCTAssertLessThanOrEqual(fields.count, 25, file: file, line: line)
            for field in fields {
                let name = field["name"] as? String ?? ""
                let value = field["value"] as? String ?? ""
                XCTAssertFalse(name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, file: file, line: line)
                XCTAssertFalse(value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, file: file, line: line)
                XCTAssertLessThanOrEqual(length(name), 256, file: file, line: line)
                XCTAssertLessThanOrEqual(length(value), 1024, file: file, line: line)
                total += length(name) + length(value)
            }
        }
        XCTAssertLessThanOrEqual(total, 6000, file: file, line: line)
        return total
    }

    func field(_ embed: [String: Any], _ name: String) -> String? {
        (embed["fields"] as? [[String: Any]])?.first { $0["name"] as? String == name }?["value"] as? String
    }

    // MARK: tests

    func testOneAlertIsOneEmbedWithTheExpectedShape() throws {
        let (json, count) = DiscordPayload.build([envelope(evidence: [("command", "id"), ("rule", "no match")])][...])
        XCTAssertEqual(count, 1)
        let message = try parse(json)
        assertWithinLimits(message)
        XCTAssertEqual(message["content"] as? String, "**[HIGH]** alert 1 on gpu-host-1")
        let embed = try XCTUnwrap(embeds(message).first)
        XCTAssertEqual(embed["title"] as? String, "[HIGH] alert 1")
        XCTAssertEqual(embed["timestamp"] as? String, "2023-11-14T22:13:20.123Z")
        XCTAssertEqual((embed["footer"] as? [String: Any])?["text"] as? String, "rigwatch 0.3.0 on gpu-host-1")
        XCTAssertEqual(embed["color"] as? Int, 0xE67E22)
        let names = (embed["fields"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        XCTAssertEqual(
            names, ["Rule", "Severity", "Host", "PID", "User / lineage", "Cgroup", "Executable", "command", "rule"])
        XCTAssertEqual(field(embed, "Rule"), "unlisted-privileged-exec")
        XCTAssertEqual(field(embed, "Severity"), "HIGH")
        XCTAssertEqual(field(embed, "PID"), "100 (parent 99), comm id")
        XCTAssertEqual(field(embed, "User / lineage"), "uid 1000 · euid 0 · gid 1000 · egid 0 · lineage uid 1000")
        XCTAssertEqual(field(embed, "Cgroup"), "4242")
        XCTAssertNil(field(embed, "Occurrences"), "only for folded alerts")
        let description = try XCTUnwrap(embed["description"] as? String)
        XCTAssertEqual(
            description,
            """
            **Command line** (argv as shell words)
            ```
            id
            ```
            **Ancestors** (pid, exe, argv as shell words; nearest first)
            ```
            99 /usr/bin/sudo sudo -u root id
            98 /bin/bash -bash
            ```
            """)
    }

    func testColorsBySeverity() throws {
        let expected: [Severity: Int] = [
            .info: 0x95A5A6, .low: 0x3498DB, .medium: 0xF1C40F, .high: 0xE67E22, .critical: 0xE74C3C,
        ]
        for severity in Severity.allCases {
            let message = try parse(DiscordPayload.build([envelope(severity: severity)][...]).json)
            let embed = try XCTUnwrap(embeds(message).first)
            XCTAssertEqual(embed["color"] as? Int, expected[severity], "\(severity)")
            XCTAssertEqual(embed["title"] as? String, "[\(severity.rawValue.uppercased())] alert 1")
        }
        XCTAssertEqual(Set(expected.values).count, 5)
    }

    func testTimestampIsISO8601UTCWithMilliseconds() throws {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000_000_000, "2000-02-29T00:00:00.000Z"),
            (1_709_251_199_999_999_999, "2024-02-29T23:59:59.999Z"),
            (4_102_444_800_000_000_000, "2100-01-01T00:00:00.000Z"),
        ]
        for (ns, iso) in cases {
            let message = try parse(DiscordPayload.build([envelope(wallNs: ns)][...]).json)
            XCTAssertEqual(embeds(message).first?["timestamp"] as? String, iso)
        }
    }

    func testOccurrencesFieldForFoldedAlerts() throws {
        let message = try parse(DiscordPayload.build([envelope(count: 7, wallNs: 1_700_000_000_000_000_000)][...]).json)
        let embed = try XCTUnwrap(embeds(message).first)
        XCTAssertEqual(
            field(embed, "Occurrences"), "7 times, first 2023-11-14T22:12:20.000Z, last 2023-11-14T22:13:20.000Z")
    }

    func testNastyArgvRoundTripsExactlyThroughCodeBlocks() throws {
        let argv = Self.nastyArgv
        let (json, _) = DiscordPayload.build([envelope(argv: argv, exe: "/tmp/`x`\n@everyone")][...])
        XCTAssertTrue(json.utf8.allSatisfy { $0 >= 0x20 }, "control characters are JSON-escaped")
        let message = try parse(json)
        assertWithinLimits(message)
        let description = try XCTUnwrap(embeds(message).first?["description"] as? String)
        let blocks = codeBlocks(description)
        XCTAssertEqual(blocks.count, 2)
        XCTAssertEqual(shellWords(blocks[0]), argv, String(blocks[0]))
        let ancestors = blocks[1].split(separator: "\n")
        XCTAssertEqual(
            ancestors.map(shellWords),
            [["99", "/usr/bin/sudo", "sudo", "-u", "root", "id"], ["98", "/bin/bash", "-bash"]])
        for block in blocks {
            XCTAssertFalse(block.contains("`"), "no backtick can close the block")
            XCTAssertFalse(block.contains("@"), "no mention, even one Discord would not render")
            XCTAssertFalse(block.unicodeScalars.contains { $0 != "\n" && Invisible.contains($0) }, "nothing hidden")
        }
        XCTAssertFalse(description.contains("@everyone"))
        // The exe, outside the code blocks, follows the markdown rule.
        let exe = try XCTUnwrap(embeds(message).first.flatMap { field($0, "Executable") })
        XCTAssertEqual(unescapeMarkdown(exe), "/tmp/`x`\n@everyone")
    }

    func testNastyTextRoundTripsExactlyOutsideCodeBlocks() throws {
        let text = Self.nastyText
        let evidence = [
            (text, text), ("empty", ""), ("blank", "  \u{A0}"), ("-dash", "a://b:c -d"), ("inline", "<@&5>"),
        ]
        let e = envelope(title: text, evidence: evidence)
        var withComm = e
        withComm.alert.chain[0].comm = "@here`x`"
        let message = try parse(DiscordPayload.build([withComm][...]).json)
        assertWithinLimits(message)
        let embed = try XCTUnwrap(embeds(message).first)
        let title = try XCTUnwrap(embed["title"] as? String)
        XCTAssertTrue(title.hasPrefix("[HIGH] "))
        XCTAssertEqual(unescapeMarkdown(String(title.dropFirst(7))), text)
        let fields = try XCTUnwrap(embed["fields"] as? [[String: Any]])
        let evidenceFields = fields.suffix(evidence.count)
        for ((name, value), f) in zip(evidence, evidenceFields) {
            XCTAssertEqual(unescapeMarkdown(f["name"] as? String ?? ""), name)
            XCTAssertEqual(unescapeMarkdown(f["value"] as? String ?? ""), value, "\(f)")
        }
        XCTAssertEqual(
            field(embed, "PID").map { unescapeMarkdown(String($0.dropFirst("100 (parent 99), comm ".count))) },
            "@here`x`")
        let content = try XCTUnwrap(message["content"] as? String)
        XCTAssertTrue(content.hasPrefix("**[HIGH]** "))
        let untrusted =
            [String(title.dropFirst(7)), String(content.dropFirst(11))]
            + evidenceFields.flatMap { [$0["name"] as? String ?? "", $0["value"] as? String ?? ""] }
        for s in untrusted where s != "(empty)" {
            XCTAssertFalse(s.contains("@everyone") || s.contains("@here"), s)
            XCTAssertEqual(
                s.components(separatedBy: "@").count, s.components(separatedBy: "@\u{200B}").count,
                "every @ is broken: \(s)")
            XCTAssertFalse(s.contains("](") || s.contains("https://") || s.contains("```"), s)
            XCTAssertFalse(
                s.unicodeScalars.contains { $0 != "\u{200B}" && Invisible.contains($0) }, "nothing hidden: \(s)")
            // Every markdown character is escaped: without the escape pairs none is left.
            let bare = s.replacingOccurrences(of: #"\\."#, with: "", options: .regularExpression)
            XCTAssertNil(bare.rangeOfCharacter(from: CharacterSet(charactersIn: "\\*_~`|<>#[]()")), "\(s) -> \(bare)")
        }
        XCTAssertEqual(field(embed, "empty"), "(empty)")
    }

    func testHugeAlertIsCutToFitWithVisibleMarkers() throws {
        let hugeArgv = ["python3", "-c", String(repeating: "import os; os.system('`x`@everyone') 🚀\n", count: 300)]
        XCTAssertGreaterThan(hugeArgv[2].count, 10_000)
        let evidence = (0..<100).map {
            ("evidence \($0) " + String(repeating: "k", count: 300), String(repeating: "v*@", count: 700))
        }
        let e = envelope(
            title: String(repeating: "title_", count: 100), argv: hugeArgv,
            exe: String(repeating: "/long", count: 500), evidence: evidence,
            host: String(repeating: "h", count: 3000), count: 3)
        let (json, count) = DiscordPayload.build([e, envelope(2)][...])
        XCTAssertEqual(count, 1, "the huge alert goes alone")
        let message = try parse(json)
        let total = assertWithinLimits(message)
        XCTAssertGreaterThan(total, 5000, "the budget is used, not wasted")
        let embed = try XCTUnwrap(embeds(message).first)
        let fields = try XCTUnwrap(embed["fields"] as? [[String: Any]])
        XCTAssertEqual(fields.count, 25)
        XCTAssertEqual(fields.last?["name"] as? String, "Fields left out")
        // 8 fixed fields (with Occurrences) + 100 evidence = 108; 24 kept.
        XCTAssertEqual(
            fields.last?["value"] as? String, "84 more evidence fields did not fit (Discord allows 25 per embed)")
        let title = try XCTUnwrap(embed["title"] as? String)
        XCTAssertTrue(title.hasSuffix(DiscordText.marker))
        let description = try XCTUnwrap(embed["description"] as? String)
        let blocks = codeBlocks(description)
        XCTAssertTrue(blocks[0].hasSuffix(DiscordText.marker), "the command is cut inside its block")
        // The cut text is a prefix of the full rendering: no escape was split.
        var full = BoundedText(limit: .max)
        DiscordShellWords.append(words: hugeArgv, to: &full)
        XCTAssertTrue(full.text.hasPrefix(blocks[0].dropLast(DiscordText.marker.count)))
        for f in fields where (f["name"] as? String)?.hasPrefix("evidence") == true {
            let value = f["value"] as? String ?? ""
            guard value.hasSuffix(DiscordText.marker) else { continue }
            let kept = try XCTUnwrap(unescapeMarkdown(String(value.dropLast(DiscordText.marker.count))), value)
            XCTAssertTrue(String(repeating: "v*@", count: 700).hasPrefix(kept), value)
        }
    }

    func testLimitsHoldAtTheEdgesOfEachPart() throws {
        // Lengths around each limit, with escapes that double the length and astral emoji.
        for n in [0, 1, 256, 257, 1024, 1025, 2048, 2049, 4096, 4097, 6001] {
            for unit in ["a", "*", "🚀", "\u{202E}", "@"] {
                let s = String(repeating: unit, count: n)
                let e = envelope(title: s, argv: [s], exe: s, evidence: [(s, s), ("x", s)], host: s)
                var remaining = [e, e, e][...]
                while !remaining.isEmpty {
                    let (json, count) = DiscordPayload.build(remaining)
                    XCTAssertGreaterThanOrEqual(count, 1)
                    assertWithinLimits(try parse(json))
                    remaining = remaining.dropFirst(count)
                }
            }
        }
    }

    func testPackingConsumesEveryEnvelopeAcrossMessages() throws {
        let envelopes: [AlertEnvelope] = (1...40).map { n in
            switch n % 4 {
            case 0: return envelope(n, argv: ["sh", "-c", String(repeating: "x", count: 10_000)])
            case 1: return envelope(n, evidence: (0..<100).map { ("k\($0)", String(repeating: "v", count: 200)) })
            default: return envelope(n)
            }
        }
        var remaining = envelopes[...]
        var titles: [String] = []
        var messages = 0
        while !remaining.isEmpty {
            let (json, count) = DiscordPayload.build(remaining)
            XCTAssertGreaterThanOrEqual(count, 1)
            let message = try parse(json)
            assertWithinLimits(message)
            XCTAssertEqual(embeds(message).count, count)
            titles += embeds(message).compactMap { $0["title"] as? String }
            remaining = remaining.dropFirst(count)
            messages += 1
        }
        XCTAssertEqual(titles, (1...40).map { "[HIGH] alert \($0)" }, "every alert once, in order")
        XCTAssertGreaterThan(messages, 4)
    }

    func testSmallAlertsAreSentTenPerMessage() throws {
        let envelopes = (1...25).map { envelope($0, severity: $0 == 13 ? .critical : .low) }
        var counts: [Int] = []
        var remaining = envelopes[...]
        var contents: [String] = []
        while !remaining.isEmpty {
            let (json, count) = DiscordPayload.build(remaining)
            counts.append(count)
            let message = try parse(json)
            assertWithinLimits(message)
            contents.append(message["content"] as? String ?? "")
            remaining = remaining.dropFirst(count)
        }
        XCTAssertEqual(counts, [10, 10, 5])
        XCTAssertEqual(contents[1], "**10 rigwatch alerts** on gpu-host-1, most severe CRITICAL")
    }

    func testEmptySliceGivesNothingToSend() {
        let (json, count) = DiscordPayload.build([])
        XCTAssertEqual(json, "")
        XCTAssertEqual(count, 0)
    }

    func testAlertWithoutProcess() throws {
        var e = envelope()
        e.alert.chain = []
        let message = try parse(DiscordPayload.build([e][...]).json)
        assertWithinLimits(message)
        let embed = try XCTUnwrap(embeds(message).first)
        XCTAssertEqual(embed["description"] as? String, "*No process is attached to this alert.*")
        XCTAssertNil(field(embed, "PID"))
    }

    func testBoundedTextNeverSplitsAnAtom() {
        var t = BoundedText(limit: 20)
        for _ in 0..<10 { t.append("\\u{202E}") }
        XCTAssertTrue(t.truncated)
        XCTAssertEqual(t.text, "\\u{202E}…[truncated]", "cut back to the last atom that leaves room for the marker")
        XCTAssertEqual(t.count, 20)
        var u = BoundedText(limit: 14)
        for _ in 0..<10 { u.append("🚀") }
        XCTAssertEqual(u.text, "🚀…[truncated]")
        XCTAssertEqual(u.count, 14)
        var exact = BoundedText(limit: 4)
        exact.append("🚀")
        exact.append("🚀")
        XCTAssertFalse(exact.truncated, "text that fits exactly is not cut")
    }
}
