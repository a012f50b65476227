// SPDX-License-Identifier: Apache-2.0
/// A systemd `EnvironmentFile=` (/etc/rigwatch/rigwatch.env) read the way systemd
/// reads it, for the commands run outside the unit (`test-alert`): `KEY=value`
/// lines, `#` and `;` comments, blank lines, values optionally in single or double
/// quotes, `export ` tolerated. Malformed lines are reported, not guessed at.
public enum EnvironmentFile {
    public struct Parsed: Equatable, Sendable {
        public var values: [String: String] = [:]
        /// "line N: why", for a warning.
        public var problems: [String] = []
    }

    public static func parse(_ text: String) -> Parsed {
        var parsed = Parsed()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst("export ".count).trimmingWhitespace() }
            guard let equals = line.firstIndex(of: "=") else {
                parsed.problems.append("line \(index + 1): no '=' in it")
                continue
            }
            let key = line[..<equals].trimmingWhitespace()
            guard isName(key) else {
                parsed.problems.append("line \(index + 1): \"\(key)\" is not a variable name")
                continue
            }
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if let quote = value.first, quote == "\"" || quote == "'" {
                guard value.count >= 2, value.last == quote else {
                    parsed.problems.append("line \(index + 1): unclosed \(quote) quote")
                    continue
                }
                value = value.dropFirst().dropLast()
            }
            parsed.values[String(key)] = String(value)
        }
        return parsed
    }

    private static func isName(_ text: Substring) -> Bool {
        guard let first = text.first, first == "_" || first.isASCII && first.isLetter else { return false }
        return text.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return s
    }
}
