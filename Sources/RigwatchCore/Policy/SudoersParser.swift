// SPDX-License-Identifier: Apache-2.0
/// Reads a sudoers file (as `/etc/sudoers.d/…` holds it) and returns the
/// commands each watched user may run as root, in file order. Pure text
/// parsing; the caller reads the file and answers group membership.
///
/// Supported: user specifications with user lists (names, #uid, %group, ALL,
/// User_Alias, negation), host lists (taken as matching this host), runas lists
/// (only commands that may run as root are kept), tags (NOPASSWD:, SETENV:, …),
/// Cmnd_Alias, line continuations and comments. Defaults lines are skipped.
/// Includes are reported as errors: import the included file itself.
public struct SudoersParser {
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    let file: String
    let canon: PathCanon
    /// Whether a user is in a group (for `%group` entries).
    let isMember: (String, String) -> Bool

    public init(
        file: String, canon: PathCanon = .identity, isMember: @escaping (String, String) -> Bool = { _, _ in false }
    ) {
        self.file = file
        self.canon = canon
        self.isMember = isMember
    }

    static let tags: Set<String> = [
        "NOPASSWD", "PASSWD", "SETENV", "NOSETENV", "EXEC", "NOEXEC", "LOG_INPUT",
        "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW",
        "NOFOLLOW", "INTERCEPT", "NOINTERCEPT",
    ]

    /// Commands per watched user name.
    public func parse(_ text: String, users: [WatchedUser]) throws(ParseError) -> [String: [CommandSpec]] {
        var result: [String: [CommandSpec]] = [:]
        for user in users { result[user.name] = [] }
        var userAliases: [String: [String]] = [:]
        var cmndAliases: [String: [(String, Int)]] = [:]
        for (lineNumber, line) in logicalLines(text) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty { continue }
            let firstWord = trimmed.prefix {
                $0 != " " && $0 != "\t" && $0 != ":" && $0 != "!" && $0 != "@" && $0 != ">"
            }
            if trimmed.hasPrefix("@include") || trimmed.hasPrefix("#include") {
                throw ParseError(
                    file: file, line: lineNumber, message: "includes are not followed; import the included file itself")
            }
            if firstWord == "Defaults" { continue }
            if ["User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"].contains(String(firstWord)) {
                let body = trimmed.dropFirst(firstWord.count)
                for definition in splitUnescaped(String(body), on: ":") {
                    guard let eq = definition.firstIndex(of: "=") else {
                        throw ParseError(file: file, line: lineNumber, message: "alias definition without '='")
                    }
                    let name = definition[..<eq].trimmingBlanks()
                    guard isAliasName(name) else {
                        throw ParseError(
                            file: file, line: lineNumber,
                            message: "alias name '\(name)' must be upper case letters, digits and '_'")
                    }
                    let members = splitUnescaped(String(definition[definition.index(after: eq)...]), on: ",").map {
                        $0.trimmingBlanks()
                    }
                    if firstWord == "User_Alias" { userAliases[name] = members }
                    if firstWord == "Cmnd_Alias" || firstWord == "Cmd_Alias" {
                        cmndAliases[name] = members.map { ($0, lineNumber) }
                    }
                }
                continue
            }
            try parseUserSpec(
                String(trimmed), line: lineNumber, users: users, userAliases: userAliases,
                cmndAliases: cmndAliases, into: &result)
        }
        return result
    }

    private func parseUserSpec(
        _ line: String, line lineNumber: Int, users: [WatchedUser], userAliases: [String: [String]],
        cmndAliases: [String: [(String, Int)]], into result: inout [String: [CommandSpec]]
    ) throws(ParseError) {
        // user_list host_list = cmnd_spec_list [: host_list = cmnd_spec_list]...
        guard let firstBlank = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            throw ParseError(
                file: file, line: lineNumber, message: "cannot parse '\(line)': expected 'user host = command'")
        }
        let userList = splitUnescaped(String(line[..<firstBlank]), on: ",").map { $0.trimmingBlanks() }
        let rest = String(line[firstBlank...])
        let matching = users.filter { userListMatches(userList, $0, aliases: userAliases) }
        // Host specs are separated by ':' outside of command escapes; each is "hosts = commands".
        for hostSpec in splitHostSpecs(rest) {
            guard let eq = hostSpec.firstIndex(of: "=") else {
                throw ParseError(
                    file: file, line: lineNumber, message: "cannot parse '\(line)': expected '=' after the host list")
            }
            var runasRoot = true
            for var item in splitUnescaped(String(hostSpec[hostSpec.index(after: eq)...]), on: ",") {
                item = item.trimmingBlanks()
                if item.hasPrefix("(") {
                    guard let close = item.firstIndex(of: ")") else {
                        throw ParseError(file: file, line: lineNumber, message: "unclosed runas list in '\(item)'")
                    }
                    let runas = item[item.index(after: item.startIndex)..<close]
                    let runasUsers = (runas.split(separator: ":", omittingEmptySubsequences: false).first ?? "")
                        .split(separator: ",").map { $0.trimmingBlanks() }
                    runasRoot =
                        runasUsers.isEmpty || runasUsers.contains("root") || runasUsers.contains("ALL")
                        || runasUsers.contains("#0")
                    item = String(item[item.index(after: close)...]).trimmingBlanks()
                }
                // Tags: "NOPASSWD: SETENV: command"
                while let colon = item.firstIndex(of: ":"), Self.tags.contains(item[..<colon].trimmingBlanks()) {
                    item = String(item[item.index(after: colon)...]).trimmingBlanks()
                }
                guard runasRoot, !matching.isEmpty else { continue }
                var negate = false
                var body = Substring(item)
                while body.first == "!" {
                    negate.toggle()
                    body = body.dropFirst().drop { $0 == " " || $0 == "\t" }
                }
                let entries: [(String, Int)]
                if let alias = cmndAliases[String(body).trimmingBlanks()] {
                    entries = alias
                } else if isAliasName(String(body).trimmingBlanks()) && String(body).trimmingBlanks() != "ALL" {
                    throw ParseError(
                        file: file, line: lineNumber, message: "unknown Cmnd_Alias '\(String(body).trimmingBlanks())'")
                } else {
                    entries = [(String(body), lineNumber)]
                }
                for (text, origin) in entries {
                    var spec: CommandSpec
                    do {
                        spec = try CommandSpec.parse(text, origin: "\(file):\(origin)", canon: canon)
                    } catch {
                        throw ParseError(
                            file: file, line: lineNumber, message: "\(error.message) in '\(text.trimmingBlanks())'")
                    }
                    if negate {
                        spec.negated.toggle()
                        spec.text = "!" + spec.text
                    }
                    for user in matching { result[user.name, default: []].append(spec) }
                }
            }
        }
    }

    private func userListMatches(
        _ list: [String], _ user: WatchedUser, aliases: [String: [String]], depth: Int = 0
    ) -> Bool {
        var matched = false
        for var entry in list {
            var negate = false
            while entry.hasPrefix("!") {
                negate.toggle()
                entry = String(entry.dropFirst()).trimmingBlanks()
            }
            let hit: Bool
            if entry == "ALL" {
                hit = true
            } else if entry == user.name {
                hit = true
            } else if entry.hasPrefix("#"), let uid = UInt32(entry.dropFirst()) {
                hit = uid == user.uid
            } else if entry.hasPrefix("%") {
                hit = isMember(user.name, String(entry.dropFirst()))
            } else if let members = aliases[entry], depth < 8 {
                hit = userListMatches(members, user, aliases: aliases, depth: depth + 1)
            } else {
                hit = false
            }
            if hit { matched = !negate }  // sudo: the last matching entry decides
        }
        return matched
    }

    /// Physical lines joined at trailing backslashes, comments removed; with the first line number.
    func logicalLines(_ text: String) -> [(Int, String)] {
        var out: [(Int, String)] = []
        var pending = ""
        var start = 0
        // Split on the scalar: as Characters, "\r\n" is one grapheme that "\n" never matches.
        for (i, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var raw = String(String.UnicodeScalarView(scalars))
            if raw.unicodeScalars.last == "\r" { raw.unicodeScalars.removeLast() }
            var line = stripComment(raw)
            if pending.isEmpty { start = i + 1 }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line + " "
                continue
            }
            out.append((start, pending + line))
            pending = ""
        }
        if !pending.isEmpty { out.append((start, pending)) }
        return out
    }

    /// Removes a '#' comment, keeping `#uid` entries and escaped '\#'.
    func stripComment(_ line: String) -> String {
        var result = ""
        var escaped = false
        var previous: Character = " "
        for (offset, c) in line.enumerated() {
            if escaped {
                result.append(c)
                escaped = false
                previous = c
                continue
            }
            if c == "\\" {
                escaped = true
                result.append(c)
                continue
            }
            if c == "#" {
                let next = line.dropFirst(offset + 1).first
                let isUid = next.map { $0.isNumber } ?? false
                let isDirective = line.dropFirst(offset).hasPrefix("#include")
                if !(isUid
                    && (previous == " " || previous == "," || previous == "(" || previous == "%" || previous == "!"
                        || offset == 0))
                    && !isDirective
                {
                    break
                }
            }
            result.append(c)
            previous = c
        }
        return result
    }

    /// Splits on a separator not preceded by a backslash, keeping the escapes.
    func splitUnescaped(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in text {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if c == "\\" {
                current.append(c)
                escaped = true
                continue
            }
            if c == separator {
                parts.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    /// "host = cmds : host2 = cmds2": splits at unescaped ':' except those ending
    /// a tag (NOPASSWD:, SETENV:, ...).
    func splitHostSpecs(_ text: String) -> [String] {
        // Split at ':' outside escapes and outside a runas list "(ALL:ALL)".
        var pieces: [String] = []
        var current = ""
        var escaped = false
        var depth = 0
        for c in text {
            if escaped {
                current.append(c)
                escaped = false
                continue
            }
            if c == "\\" {
                escaped = true
                current.append(c)
                continue
            }
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) }
            if c == ":" && depth == 0 {
                pieces.append(current)
                current = ""
                continue
            }
            current.append(c)
        }
        pieces.append(current)
        var specs: [String] = []
        for piece in pieces {
            if let last = specs.last {
                let lastWord =
                    last.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == ")" || $0 == "=" }).last
                    .map(String.init) ?? ""
                if Self.tags.contains(lastWord) {
                    specs[specs.count - 1] = last + ":" + piece
                    continue
                }
            }
            specs.append(piece)
        }
        return specs
    }

    func isAliasName(_ s: String) -> Bool {
        guard let first = s.first, first.isUppercase, first.isLetter else { return false }
        return s.allSatisfy { ($0.isUppercase && $0.isLetter) || $0.isNumber || $0 == "_" }
    }
}

extension StringProtocol {
    func trimmingBlanks() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
