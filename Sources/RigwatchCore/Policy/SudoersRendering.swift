// SPDX-License-Identifier: Apache-2.0
/// The whitelist in force as a sudoers drop-in, so sudo itself enforces what the
/// sensor judges (`rigwatch harden --sudoers`). Rendered from the parsed rules, not
/// from their text, so what sudo reads is what the sensor matches: one line per rule,
/// in match order (sudo's last match wins, as the policy's does), after a `!ALL` line
/// that takes back grants of everything read earlier (a `%sudo` line in /etc/sudoers).
public enum SudoersRendering {
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The rules of one watched user, in match order.
    public struct UserRules: Equatable, Sendable {
        public var name: String
        public var rules: [CommandSpec]

        public init(name: String, rules: [CommandSpec]) {
            self.name = name
            self.rules = rules
        }
    }

    /// The drop-in's text. Refused when a rule allows ALL: the file would grant what
    /// hardening takes away.
    public static func render(_ users: [UserRules], policyName: String) throws(Refusal) -> String {
        var out = """
            # Written by `rigwatch harden --sudoers`: the whitelist rigwatch enforces (policy \
            \(String(policyName.map { $0 == "\n" ? " " : $0 }))), for sudo to enforce too.
            # Regenerate it with `rigwatch harden --sudoers`; `rigwatch harden --undo` removes it.

            """
        for user in users {
            if let all = user.rules.last(where: { !$0.negated && $0.command == .all }) {
                throw Refusal(
                    description:
                        "the policy allows ALL for \(user.name) (\(all.origin): \(all.text)): a sudoers file of it would grant everything"
                )
            }
            let name = escapeWord(user.name)
            out += "\n# \(user.name): everything else is denied (the last match wins)\n"
            out += "\(name) ALL=(ALL:ALL) !ALL\n"
            for line in ruleLines(user.rules) { out += "\(name) ALL=(root) NOPASSWD: \(line)\n" }
        }
        return out
    }

    /// Each rule as a sudoers Cmnd; of identical lines only the last is kept (an
    /// earlier copy can never be the last match, so it decides nothing).
    static func ruleLines(_ rules: [CommandSpec]) -> [String] {
        let lines = rules.map(command)
        var seen = Set<String>()
        var kept: [String] = []
        for line in lines.reversed() where seen.insert(line).inserted { kept.append(line) }
        return kept.reversed()
    }

    /// One rule in sudoers syntax: `[!]command [arguments]`.
    public static func command(_ rule: CommandSpec) -> String {
        var text = rule.negated ? "!" : ""
        switch rule.command {
        case .all: text += "ALL"
        case .path(let p), .glob(let p), .directory(let p): text += escapePath(p)
        }
        switch rule.arguments {
        case .any: break
        case .none: text += " \"\""
        case .pattern(let p): text += " " + escapeArguments(p)
        }
        return text
    }

    /// A command path: sudoers' special characters (`, : = \ #` and blanks) escaped;
    /// fnmatch escapes (`\*` …) stay as they are, for glob paths.
    static func escapePath(_ bytes: [UInt8]) -> String { escape(bytes, blanks: true) }

    /// The argument pattern (arguments joined by single spaces, as sudo joins them to
    /// match): the spaces stay separators; the rest is escaped as in a path.
    static func escapeArguments(_ bytes: [UInt8]) -> String { escape(bytes, blanks: false) }

    private static let special: Set<UInt8> = Set(",:=\\#".utf8)
    private static let fnmatchEscaped: Set<UInt8> = Set("*?[]!".utf8)

    private static func escape(_ bytes: [UInt8], blanks: Bool) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\\"), i + 1 < bytes.count, fnmatchEscaped.contains(bytes[i + 1]) {
                out += [c, bytes[i + 1]]  // sudo passes `\*` to fnmatch verbatim
                i += 2
                continue
            }
            if special.contains(c) || (blanks && (c == 0x20 || c == 0x09)) { out.append(UInt8(ascii: "\\")) }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A user name as a sudoers word: `! = : , ( ) \ #` and blanks escaped.
    static func escapeWord(_ name: String) -> String {
        var out = ""
        for c in name {
            if "!=:,()\\# \t".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
