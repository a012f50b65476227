// SPDX-License-Identifier: Apache-2.0
/// Finds the sudoers lines that grant a watched user everything (`ALL`, with any
/// tags and runas list: `NOPASSWD: ALL`, `(ALL:ALL) ALL`) and comments them out
/// behind a marker, so `restore` gives back the file byte for byte. Only lines
/// that grant nobody else are touched: a line naming another user too, or a
/// `%group` with members who are not watched, is reported and left as it is.
public enum SudoersGrantRewrite {
    public static let marker = "# rigwatch harden: disabled: "

    /// A line that grants a watched user ALL, by its first physical line (1-based).
    public struct Grant: Equatable, Sendable {
        public var line: Int
        public var text: String
        /// The watched users it grants ALL to.
        public var users: [String]
        /// Why it was left in place; nil when it was disabled.
        public var keptBecause: String?
    }

    public struct Result: Equatable, Sendable {
        public var text: String
        public var disabled: [Grant]
        public var kept: [Grant]
        public var changed: Bool { !disabled.isEmpty }
    }

    /// `members`: who is in a group named by a `%group` entry (primary and
    /// supplementary); nil (unknown) is taken to have members besides the watched.
    public static func disable(
        _ text: String, watched: Set<String>, members: (String) -> Set<String>? = { _ in nil }
    ) -> Result {
        var lines = physicalLines(text)
        var disabled: [Grant] = []
        var kept: [Grant] = []
        let parser = SudoersParser(file: "")
        var index = 0
        while index < lines.count {
            // A logical line: physical lines joined at trailing backslashes.
            var end = index
            while end < lines.count - 1 && parser.stripComment(lines[end]).hasSuffix("\\") { end += 1 }
            let logical = (index...end).map { i -> String in
                var l = parser.stripComment(lines[i])
                if i < end { l.removeLast() }
                return l
            }.joined(separator: " ")
            if let grant = grantOfAll(logical, watched: watched, members: members, line: index + 1) {
                if grant.keptBecause == nil {
                    for i in index...end { lines[i] = marker + lines[i] }
                    disabled.append(grant)
                } else {
                    kept.append(grant)
                }
            }
            index = end + 1
        }
        return Result(text: lines.joined(separator: "\n"), disabled: disabled, kept: kept)
    }

    /// The text before `disable`: every marked line as it was.
    public static func restore(_ text: String) -> String {
        physicalLines(text).map { line in
            line.hasPrefix(marker) ? String(line.dropFirst(marker.count)) : line
        }.joined(separator: "\n")
    }

    /// The line (1-based) of the `@includedir DIR` (or `#includedir DIR`) that makes sudo
    /// read `directory`; nil when there is none.
    public static func includeDirectoryLine(_ text: String, _ directory: String) -> Int? {
        for (i, line) in physicalLines(text).enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard words.count == 2, words[0] == "@includedir" || words[0] == "#includedir" else { continue }
            var dir = String(words[1])
            while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
            if dir == directory { return i + 1 }
        }
        return nil
    }

    /// Split at each "\n" byte: a Character split would keep "\r\n" lines together.
    static func physicalLines(_ text: String) -> [String] {
        text.utf8.split(separator: 0x0a, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The grant of ALL a user specification makes to watched users, if it makes one.
    static func grantOfAll(
        _ line: String, watched: Set<String>, members: (String) -> Set<String>?, line number: Int
    )
        -> Grant?
    {
        let parser = SudoersParser(file: "")
        let trimmed = line.trimmingBlanks()
        guard let firstBlank = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
        let userList = parser.splitUnescaped(String(trimmed[..<firstBlank]), on: ",").map { $0.trimmingBlanks() }
        guard let first = userList.first, !first.isEmpty,
            !["Defaults", "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias", "Cmd_Alias"].contains(
                where: { first.hasPrefix($0) }),
            !first.hasPrefix("@"), !first.hasPrefix("#")
        else { return nil }
        guard grantsAll(String(trimmed[firstBlank...]), parser: parser) else { return nil }
        var users: [String] = []
        var others: [String] = []
        for entry in userList {
            if watched.contains(entry) {
                users.append(entry)
            } else if entry.hasPrefix("%"), !entry.hasPrefix("%:") {
                let group = String(entry.dropFirst())
                let known = members(group)
                let inGroup = known ?? []
                let watchedMembers = inGroup.filter { watched.contains($0) }.sorted()
                guard !watchedMembers.isEmpty else {
                    others.append(entry)
                    continue
                }
                users += watchedMembers
                let rest = inGroup.subtracting(watched).sorted()
                if known == nil {
                    others.append("\(entry) (members unknown)")
                } else if !rest.isEmpty {
                    others.append("\(entry) (\(rest.joined(separator: ", ")))")
                }
            } else {
                others.append(entry)
            }
        }
        guard !users.isEmpty else { return nil }
        let original = line.trimmingBlanks()
        let reason = others.isEmpty ? nil : "it also grants ALL to \(others.joined(separator: ", "))"
        return Grant(line: number, text: original, users: Array(Set(users)).sorted(), keptBecause: reason)
    }

    /// Whether a `host = cmnds [: host = cmnds]` part allows the command ALL.
    static func grantsAll(_ rest: String, parser: SudoersParser) -> Bool {
        for hostSpec in parser.splitHostSpecs(rest) {
            guard let eq = hostSpec.firstIndex(of: "=") else { continue }
            for var item in parser.splitUnescaped(String(hostSpec[hostSpec.index(after: eq)...]), on: ",") {
                item = item.trimmingBlanks()
                if item.hasPrefix("("), let close = item.firstIndex(of: ")") {
                    item = String(item[item.index(after: close)...]).trimmingBlanks()
                }
                while let colon = item.firstIndex(of: ":"), SudoersParser.tags.contains(item[..<colon].trimmingBlanks())
                {
                    item = String(item[item.index(after: colon)...]).trimmingBlanks()
                }
                if item == "ALL" || item == "ALL\r" { return true }
            }
        }
        return false
    }
}
