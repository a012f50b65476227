// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s sshd check: the daemon's effective settings, from `sshd -T` where
/// it can run, else from `sshd_config` read as sshd reads it (Include followed in
/// place, the first value of a key wins, Match blocks left out: they apply to some
/// connections only). Four settings: password logins, root logins, empty passwords,
/// public keys turned off.
public enum SSHDPosture {
    public struct Setting: Equatable, Sendable {
        /// The first word of the value, lower case ("yes", "prohibit-password").
        public var value: String
        /// "sshd -T", "file:line", or "default" (sshd's built-in value).
        public var source: String
    }

    public typealias File = PostureFile

    /// OpenSSH's defaults for the keys judged here.
    static let defaults = [
        "passwordauthentication": "yes", "permitrootlogin": "prohibit-password", "permitemptypasswords": "no",
        "pubkeyauthentication": "yes",
    ]

    /// `sshd -T`: one "key value" per line, keys already lower case.
    public static func fromSSHDT(_ output: String) -> [String: Setting] {
        var settings: [String: Setting] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 1)
            guard words.count == 2, settings[String(words[0])] == nil else { continue }
            settings[String(words[0])] = Setting(
                value: String(words[1].split(separator: " ").first ?? "").lowercased(), source: "sshd -T")
        }
        return settings
    }

    /// `sshd_config` and what it includes. `include` answers an Include argument
    /// (relative to /etc/ssh, globs expanded, in name order) with the files it names.
    public static func fromConfig(_ main: File, include: (String) -> [File]) -> [String: Setting] {
        var settings: [String: Setting] = [:]
        read(main, include: include, depth: 0, into: &settings)
        return settings
    }

    static func read(_ file: File, include: (String) -> [File], depth: Int, into settings: inout [String: Setting]) {
        for (i, raw) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingBlanks()
            if line.isEmpty || line.hasPrefix("#") { continue }
            let (key, value) = keyValue(line)
            if key == "match" { return }  // the rest of this file is conditional
            if key == "include" {
                guard depth < 16 else { continue }
                for pattern in value.split(separator: " ") {
                    for included in include(String(pattern)) {
                        read(included, include: include, depth: depth + 1, into: &settings)
                    }
                }
                continue
            }
            guard settings[key] == nil, let first = value.split(separator: " ").first else { continue }
            settings[key] = Setting(value: first.lowercased(), source: "\(file.path):\(i + 1)")
        }
    }

    /// "Key value", "Key=value" or "Key = value"; the key lower case.
    static func keyValue(_ line: String) -> (String, String) {
        let end = line.firstIndex { $0 == " " || $0 == "\t" || $0 == "=" } ?? line.endIndex
        let key = line[..<end].lowercased()
        var rest = line[end...].drop { $0 == " " || $0 == "\t" }
        if rest.first == "=" { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } }
        var value = String(rest).trimmingBlanks()
        if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
            value = String(value.dropFirst().dropLast())
        }
        return (key, value)
    }

    public static func check(_ settings: [String: Setting]) -> [PostureFinding] {
        func effective(_ key: String) -> Setting {
            settings[key] ?? Setting(value: defaults[key] ?? "", source: "default")
        }
        var findings: [PostureFinding] = []
        func add(_ id: String, _ severity: Severity, _ key: String, _ name: String, _ title: String, _ fix: String) {
            let s = effective(key)
            findings.append(
                PostureFinding(
                    id: id, severity: severity, title: title,
                    evidence: [("setting", "\(name) \(s.value)"), ("source", s.source)], fix: fix))
        }
        if effective("passwordauthentication").value == "yes" {
            add(
                "sshd-password-authentication", .medium, "passwordauthentication", "PasswordAuthentication",
                "sshd accepts password logins (guessable from the internet)",
                "set `PasswordAuthentication no` in /etc/ssh/sshd_config.d/ (first value wins), then `systemctl reload ssh`"
            )
        }
        if effective("permitrootlogin").value == "yes" {
            add(
                "sshd-permit-root-login", .high, "permitrootlogin", "PermitRootLogin",
                "sshd lets root log in with a password",
                "set `PermitRootLogin prohibit-password` (or no), then `systemctl reload ssh`")
        }
        if effective("permitemptypasswords").value == "yes" {
            add(
                "sshd-permit-empty-passwords", .critical, "permitemptypasswords", "PermitEmptyPasswords",
                "sshd lets accounts without a password log in",
                "set `PermitEmptyPasswords no`, then `systemctl reload ssh`")
        }
        if effective("pubkeyauthentication").value == "no" {
            add(
                "sshd-pubkey-authentication-off", .low, "pubkeyauthentication", "PubkeyAuthentication",
                "sshd refuses public keys (only passwords or other methods remain)",
                "set `PubkeyAuthentication yes` and log in with keys")
        }
        return findings
    }
}
