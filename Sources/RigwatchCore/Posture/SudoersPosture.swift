// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s sudoers check: what the sudoers files (includes already followed
/// by the reader) grant the watched users, parsed with the policy's own
/// `SudoersParser`. `ALL` still granted is the finding that matters most (the Vast
/// installer's `NOPASSWD: ALL`); then whitelist entries that are root anyway
/// (`RootEquivalentEntry`).
public enum SudoersPosture {
    public typealias File = PostureFile

    public static func check(
        _ files: [File], watched: [String], accounts: AccountDatabase, canon: PathCanon = .identity,
        classes: RootChildClasses = RootChildClasses()
    ) -> [PostureFinding] {
        var findings: [PostureFinding] = []
        let users = accounts.watched(watched)
        for file in files {
            let text = SudoersIncludes.removingDirectives(file.text)
            let parser = SudoersParser(file: file.path, canon: canon) { accounts.membership($0, $1) != nil }
            let granted: [String: [CommandSpec]]
            do {
                granted = try parser.parse(text, users: users)
            } catch {
                findings.append(
                    PostureFinding(
                        id: "sudoers-not-judged", severity: .info, title: "a sudoers file could not be parsed",
                        evidence: [("file", file.path), ("error", error.description)],
                        fix: "check it with `visudo -c -f \(file.path)`; the other files were judged"))
                continue
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for user in users {
                for spec in granted[user.name] ?? [] where !spec.negated {
                    let line = lineText(spec.origin, lines)
                    var evidence = [("user", user.name), ("entry", line.trimmingBlanks()), ("origin", spec.origin)]
                    if let via = viaGroup(line, user: user.name, accounts: accounts) { evidence.append(("via", via)) }
                    if spec.command == .all {
                        let nopasswd = line.contains("NOPASSWD")
                        findings.append(
                            PostureFinding(
                                id: nopasswd ? "sudoers-nopasswd-all" : "sudoers-all",
                                severity: nopasswd ? .critical : .high,
                                title: "\(user.name) may still run any command as root"
                                    + (nopasswd ? " without a password" : ""),
                                evidence: evidence,
                                fix:
                                    "remove the ALL grant at \(spec.origin) and import a whitelist instead (policy.import_sudoers, docs/configuration.md)"
                            ))
                    } else if let verdict = RootEquivalentEntry.judge(spec, classes: classes) {
                        findings.append(
                            PostureFinding(
                                id: "sudoers-root-equivalent-entry", severity: .high,
                                title: "a whitelist entry for \(user.name) gives root anyway",
                                evidence: evidence + [("reason", verdict.reason), ("example", verdict.example)],
                                fix:
                                    "narrow the entry at \(spec.origin) to fixed arguments (no '*' where options or paths go), or remove it; check with `rigwatch policy test`"
                            ))
                    }
                }
            }
        }
        return findings
    }

    /// The text of the line an origin ("file:line") names.
    static func lineText(_ origin: String, _ lines: [String]) -> String {
        guard let colon = origin.lastIndex(of: ":"), let n = Int(origin[origin.index(after: colon)...]),
            n >= 1, n <= lines.count
        else { return "" }
        return lines[n - 1]
    }

    /// "%group (member)" when the line's user list grants it through a group of the user's.
    static func viaGroup(_ line: String, user: String, accounts: AccountDatabase) -> String? {
        let trimmed = line.trimmingBlanks()
        let userList = trimmed.prefix { $0 != " " && $0 != "\t" }
        for entry in userList.split(separator: ",") where entry.hasPrefix("%") {
            let group = String(entry.dropFirst())
            if let how = accounts.membership(user, group) { return "%\(group) (\(how))" }
        }
        return nil
    }
}
