// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

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
