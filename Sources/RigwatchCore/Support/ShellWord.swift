// SPDX-License-Identifier: Apache-2.0
/// One argv word (or path) as bytes, written the way bash would read it back byte for
/// byte, with nothing hidden: the text of alert titles, evidence and dedup keys.
///
/// - plain when it is printable, visible and needs no quoting: `/usr/bin/id`;
/// - `'…'` when it is valid UTF-8 with no control or invisible character: `'a b'`
///   (a `'` inside is written `'\''`);
/// - otherwise bash's ANSI-C quoting `$'…'`: `\\` `\'` `\n` `\t` `\r`, `\xHH` for each
///   byte that is a control or not valid UTF-8, `\uHHHH` / `\UHHHHHHHH` for an invisible
///   or format scalar (BOM, bidi controls, zero-width); everything else is itself.
/// Distinct byte strings therefore give distinct words, so dedup keys built from them
/// never fold two different commands into one.
public enum ShellWord {
    public static func quote(_ bytes: some Collection<UInt8>) -> String {
        let pieces = decode(bytes)
        let valid = !pieces.contains { if case .invalid = $0 { return true } else { return false } }
        let scalars = pieces.compactMap { if case .scalar(let c) = $0 { return c } else { return nil } }
        if valid && !scalars.isEmpty && scalars.allSatisfy(isPlain) { return String(String.UnicodeScalarView(scalars)) }
        if valid && scalars.allSatisfy({ !isControl($0) && !Invisible.contains($0) }) {
            var out = "'"
            for c in scalars { if c == "'" { out += "'\\''" } else { out.unicodeScalars.append(c) } }
            return out + "'"
        }
        var out = "$'"
        for piece in pieces {
            switch piece {
            case .invalid(let byte): out += "\\x" + hex(UInt32(byte), digits: 2)
            case .scalar(let c): out += ansiC(c)
            }
        }
        return out + "'"
    }

    /// The words of a NUL-separated argv (the kernel's layout), each quoted, space-joined.
    public static func commandLine(_ args: [UInt8]) -> String {
        words(of: args).map(quote).joined(separator: " ")
    }

    /// The words of a NUL-separated argv, as bytes (a final NUL ends the last word).
    public static func words(of args: [UInt8]) -> [ArraySlice<UInt8>] {
        var words: [ArraySlice<UInt8>] = []
        var start = args.startIndex
        for i in args.indices where args[i] == 0 {
            words.append(args[start..<i])
            start = i + 1
        }
        if start < args.endIndex { words.append(args[start...]) }
        return words
    }

    public enum Piece {
        case scalar(Unicode.Scalar)
        case invalid(UInt8)
    }

    /// UTF-8 decoding that keeps the bytes of every invalid sequence.
    public static func decode(_ bytes: some Collection<UInt8>) -> [Piece] {
        var pieces: [Piece] = []
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var all = Array(bytes)[...]
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                pieces.append(.scalar(Unicode.UTF8.decode(encoded)))
                all = all.dropFirst(encoded.count)
            case .error(let length):
                for byte in all.prefix(length) { pieces.append(.invalid(byte)) }
                all = all.dropFirst(length)
            case .emptyInput:
                return pieces
            }
        }
    }

    private static func isControl(_ c: Unicode.Scalar) -> Bool { c.value < 0x20 || (0x7F...0x9F).contains(c.value) }

    private static func isPlain(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".", "/", "=", ":", ",", "+", "@", "%": return true
        default: return c.value > 0x7F && !isControl(c) && !Invisible.contains(c) && !c.properties.isWhitespace
        }
    }

    private static func ansiC(_ c: Unicode.Scalar) -> String {
        switch c {
        case "\\": return "\\\\"
        case "'": return "\\'"
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        default:
            if isControl(c) && c.value <= 0x7F { return "\\x" + hex(c.value, digits: 2) }
            if isControl(c) || Invisible.contains(c) {
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
