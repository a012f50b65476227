// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

// Discord's text rules: length limits, untrusted text as literal markdown, and
// untrusted words as bash words inside code blocks.

/// Discord's length limits, in `DiscordText.count` units.
enum DiscordLimit {
    static let content = 2000
    static let embeds = 10
    static let title = 256
    static let description = 4096
    static let fields = 25
    static let fieldName = 256
    static let fieldValue = 1024
    static let footer = 2048
    static let messageEmbedsTotal = 6000
}

enum DiscordText {
    /// Discord counts "characters". We count UTF-16 code units: for every string that is at least
    /// its number of Unicode code points (`unicodeScalars.count`, Python's `len`, what the mock
    /// server checks), so a text within a limit by our count is within it whether Discord counts
    /// code points or UTF-16 units. Only text outside the BMP (emoji) pays, one extra unit each.
    static func count(_ s: String) -> Int { s.utf16.count }

    /// Appended where text was cut, so a reader sees that something is missing.
    static let marker = "…[truncated]"
}

/// Text assembled from atoms, at most `limit` units long. An atom is the smallest piece that
/// may stand alone: one character, or one escape sequence with the character it escapes.
/// When an atom does not fit, the text is cut back to an atom boundary that leaves room for
/// the marker and the marker is appended; later atoms are ignored. Cuts therefore never split
/// an escape, a Unicode scalar or a UTF-8 sequence.
struct BoundedText {
    let limit: Int
    private(set) var text = ""
    private(set) var count = 0
    private(set) var truncated = false
    /// UTF-8 length and unit count of the text after the last atom that left room for the marker.
    private var safeUTF8 = 0
    private var safeCount = 0
    private let markerCount = DiscordText.count(DiscordText.marker)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func append(_ atom: String) {
        if truncated { return }
        let n = DiscordText.count(atom)
        guard count + n <= limit else {
            cut()
            return
        }
        text.append(atom)
        count += n
        if count + markerCount <= limit {
            safeUTF8 = text.utf8.count
            safeCount = count
        }
    }

    /// Appends our own text (no escaping needed), one character per atom.
    mutating func appendPlain(_ s: String) {
        for c in s where !truncated { append(String(c)) }
    }

    /// Ends the text here with the marker, e.g. when a caller leaves out what follows.
    mutating func cut() {
        if truncated { return }
        truncated = true
        if markerCount <= limit {
            // safeUTF8 is an atom boundary, so decoding the prefix never meets a split sequence.
            text = String(decoding: text.utf8.prefix(safeUTF8), as: UTF8.self) + DiscordText.marker
            count = safeCount + markerCount
        } else {
            // Too small even for the marker: as much of it as fits (its characters are one unit each).
            text = String(DiscordText.marker.prefix(limit))
            count = DiscordText.count(text)
        }
    }
}

/// Untrusted text (titles, paths, comm, evidence) in Discord markdown outside code blocks:
/// rendered literally, with nothing hidden and nothing that pings or links.
///
/// How a reader of the JSON recovers the original text exactly, scanning left to right:
/// - U+200B is deleted. We insert one after every `@` (so `@everyone`, `@here` and `<@123>`
///   never form a mention); an original U+200B is never written raw (see `\u{…}`).
/// - `\` starts an escape: `\n`, `\t`, `\r` stand for LF, TAB, CR; `\u{HEX}` for the scalar with
///   that hex value; `\` followed by any other character stands for that character (we put it
///   before the markdown characters `\ * _ ~ ` | > < # [ ] ( )` everywhere, before `:` in `://`
///   and before a leading `-`; Discord shows them plainly).
/// - Everything else is itself.
/// Control characters, bidirectional overrides, zero-width and other invisible characters become
/// `\u{HEX}`, which Discord shows as written, so they can neither hide nor reorder text. A text
/// made only of whitespace is written entirely as `\u{HEX}` so it cannot arrive blank.
enum DiscordMarkdown {
    /// Characters Discord markdown gives a meaning to anywhere in a line; a preceding backslash
    /// makes them literal (Discord removes a backslash before any ASCII punctuation). `<` covers
    /// `<#channel>`, `<t:…>`, `<:emoji:…>` and `<https://…>`.
    private static let special: Set<Unicode.Scalar> = [
        "\\", "*", "_", "~", "`", "|", ">", "<", "#", "[", "]", "(", ")",
    ]

    static func append(_ s: String, to out: inout BoundedText) {
        let scalars = Array(s.unicodeScalars)
        let blank = scalars.allSatisfy { $0.properties.isWhitespace }
        for (i, c) in scalars.enumerated() {
            if out.truncated { return }
            if blank {
                out.append(hexEscape(c))
            } else if c == "-" && i == 0 {
                out.append("\\-")  // a list or `-#` subtext marker at the start of a line
            } else if c == ":" && i + 2 < scalars.count && scalars[i + 1] == "/" && scalars[i + 2] == "/" {
                out.append("\\:")  // `scheme://` would become a clickable link
            } else {
                out.append(atom(c))
            }
        }
    }

    static func atom(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "@": return "@\u{200B}"
        default:
            if Invisible.contains(c) { return hexEscape(c) }
            if special.contains(c) { return "\\" + String(c) }
            return String(c)
        }
    }

    static func hexEscape(_ c: Unicode.Scalar) -> String {
        "\\u{" + String(c.value, radix: 16, uppercase: true) + "}"
    }
}

/// Untrusted words (argv, exe paths) inside a Discord code block, written as bash words so an
/// operator reads a familiar command line and a program can recover every word exactly.
///
/// Words are separated by one space. Each word is exactly one of:
/// - plain: letters, digits, `-_./=:,+%` and visible non-ASCII, taken as is;
/// - `'…'`: every character between the quotes is itself (used when the word is printable
///   and has no `'`, backtick, `@` or newline);
/// - `$'…'` (bash ANSI-C quoting): `\\` `\'` `\n` `\t` `\r` stand for `\ ' LF TAB CR`, `\xHH`
///   (always two hex digits) for an ASCII control, the backtick or `@`, `\uHHHH` / `\UHHHHHHHH`
///   (always four / eight) for any other invisible scalar; everything else is itself.
/// Reading the line with bash's quote removal gives back the words byte for byte (with
/// `LC_ALL=C.UTF-8`). The block never contains a backtick, so no fence can close it early,
/// and never an invisible or control character raw, so nothing can be hidden or reordered.
/// Discord renders no mentions or markdown inside code blocks; `@` is written `\x40` anyway,
/// so the text holds no `@everyone` at all (defence in depth, and easy to check).
enum DiscordShellWords {
    static func append(words: [String], to out: inout BoundedText) {
        for (i, word) in words.enumerated() {
            if out.truncated { return }
            if i > 0 { out.append(" ") }
            append(word: word, to: &out)
        }
    }

    /// A process's words (pid and exe when asked, then argv) from the exact bytes when the
    /// sensor kept them (not UTF-8): an undecodable byte is written `\xHH`, never U+FFFD.
    static func append(process p: ProcessSummary, withPidAndExe: Bool, to out: inout BoundedText) {
        var words: [[UInt8]] = []
        if withPidAndExe { words += [Array(String(p.pid).utf8), p.exeBytes ?? Array(p.exe.utf8)] }
        if let raw = p.argsBytes {
            words += ShellWord.words(of: raw).map(Array.init)
        } else {
            words += p.argv.map { Array($0.utf8) }
        }
        for (i, word) in words.enumerated() {
            if out.truncated { return }
            if i > 0 { out.append(" ") }
            append(wordBytes: word, to: &out)
        }
    }

    static func append(wordBytes: [UInt8], to out: inout BoundedText) {
        if let word = String(validating: wordBytes, as: UTF8.self) { return append(word: word, to: &out) }
        out.append("$'")
        for piece in ShellWord.decode(wordBytes) {
            switch piece {
            case .scalar(let c): out.append(ansiC(c))
            case .invalid(let byte): out.append("\\x" + hex(UInt32(byte), digits: 2))
            }
        }
        out.append("'")
    }

    static func append(word: String, to out: inout BoundedText) {
        let scalars = word.unicodeScalars
        if !word.isEmpty && scalars.allSatisfy(isPlain) {
            for c in scalars { out.append(String(c)) }
        } else if scalars.allSatisfy(fitsSingleQuotes) {
            out.append("'")
            for c in scalars { out.append(String(c)) }
            out.append("'")
        } else {
            out.append("$'")
            for c in scalars { out.append(ansiC(c)) }
            out.append("'")
        }
    }

    private static func isPlain(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", "=", ":", ",", "+", "%":
            return true
        default:
            return c.value > 0x7F && !Invisible.contains(c) && !c.properties.isWhitespace
        }
    }

    private static func fitsSingleQuotes(_ c: Unicode.Scalar) -> Bool {
        c != "'" && c != "`" && c != "@" && !Invisible.contains(c)
    }

    private static func ansiC(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\\": return "\\\\"
        case "'": return "\\'"
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "`": return "\\x60"
        case "@": return "\\x40"
        default:
            if c.value < 0x20 || c.value == 0x7F { return "\\x" + hex(c.value, digits: 2) }
            if Invisible.contains(c) {
                return c.value <= 0xFFFF ? "\\u" + hex(c.value, digits: 4) : "\\U" + hex(c.value, digits: 8)
            }
            return String(c)
        }
    }

    private static func hex(_ v: UInt32, digits: Int) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
