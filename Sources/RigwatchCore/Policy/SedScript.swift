// SPDX-License-Identifier: Apache-2.0
/// Finds the sed commands that run programs or touch other files: `e`, `s///e`,
/// `w`/`W` and `s///w` write, `r`/`R` read. Text of `a`, `i` and `c` is data.
enum SedScript {
    /// (script, what it does) for each dangerous command in the sed scripts of a command line.
    static func dangerousCommands(args: [String]) -> [(String, String)] {
        var scripts: [String] = []
        var explicit = false
        var i = 0
        var firstOperand: String?
        while i < args.count {
            let a = args[i]
            if a == "-e" || a == "--expression", i + 1 < args.count {
                scripts.append(args[i + 1])
                explicit = true
                i += 2
                continue
            }
            if a.hasPrefix("--expression=") {
                scripts.append(String(a.dropFirst(13)))
                explicit = true
                i += 1
                continue
            }
            if a.hasPrefix("-e") && a.count > 2 {
                scripts.append(String(a.dropFirst(2)))
                explicit = true
                i += 1
                continue
            }
            if a == "-f" || a == "--file" || a.hasPrefix("--file=") {
                return [(a, "reads its program from a file")]
            }
            if a.hasPrefix("-") && a != "-" {
                i += 1
                continue
            }
            if firstOperand == nil { firstOperand = a }
            i += 1
        }
        if !explicit, let firstOperand { scripts.append(firstOperand) }
        var found: [(String, String)] = []
        for script in scripts {
            if let what = scan(Array(script.utf8)) { found.append((script, what)) }
        }
        return found
    }

    /// The first dangerous command in one script, if any.
    static func scan(_ s: [UInt8]) -> String? {
        var i = 0
        func skipBlanks() { while i < s.count && (s[i] == 0x20 || s[i] == 0x09) { i += 1 } }
        func skipDelimited(_ delim: UInt8) {  // past the closing delimiter, honouring escapes
            while i < s.count && s[i] != delim {
                if s[i] == 0x5c { i += 1 }
                i += 1
            }
            i += 1
        }
        while i < s.count {
            skipBlanks()
            // Address: numbers, $, /regex/, \cREGEXc, ranges and steps, then an optional '!'.
            while i < s.count {
                let c = s[i]
                if (c >= 0x30 && c <= 0x39) || c == 0x24 || c == 0x2c || c == 0x7e || c == 0x2b {
                    i += 1
                    continue
                }
                if c == 0x2f {
                    i += 1
                    skipDelimited(0x2f)
                    continue
                }
                if c == 0x5c && i + 1 < s.count {
                    let d = s[i + 1]
                    i += 2
                    skipDelimited(d)
                    continue
                }
                break
            }
            skipBlanks()
            while i < s.count && s[i] == 0x21 {
                i += 1
                skipBlanks()
            }
            guard i < s.count else { return nil }
            let command = s[i]
            i += 1
            switch command {
            case UInt8(ascii: "e"): return "runs a command (e)"
            case UInt8(ascii: "w"), UInt8(ascii: "W"): return "writes a file (\(Character(UnicodeScalar(command))))"
            case UInt8(ascii: "r"), UInt8(ascii: "R"): return "reads a file (\(Character(UnicodeScalar(command))))"
            case UInt8(ascii: "a"), UInt8(ascii: "i"), UInt8(ascii: "c"):
                // The rest of the line is text.
                while i < s.count && s[i] != 0x0a { i += 1 }
            case UInt8(ascii: "s"), UInt8(ascii: "y"):
                guard i < s.count else { return nil }
                let delim = s[i]
                i += 1
                skipDelimited(delim)
                skipDelimited(delim)
                if command == UInt8(ascii: "s") {
                    while i < s.count && s[i] != 0x3b && s[i] != 0x0a && s[i] != 0x7d {
                        if s[i] == UInt8(ascii: "e") { return "runs the result as a command (s///e)" }
                        if s[i] == UInt8(ascii: "w") { return "writes a file (s///w)" }
                        i += 1
                    }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ";"), 0x0a:
                continue
            case UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: ":"):
                while i < s.count && s[i] != 0x3b && s[i] != 0x0a { i += 1 }  // label
            default:
                break
            }
            while i < s.count && s[i] != 0x3b && s[i] != 0x0a && s[i] != 0x7d { i += 1 }
            if i < s.count { i += 1 }
        }
        return nil
    }
}
