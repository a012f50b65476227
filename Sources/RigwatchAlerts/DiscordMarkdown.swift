// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

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
