// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s secrets check: files that hold credentials and that the file's
/// group or everyone may read. The reader lists the candidates (`where`) and stats
/// them; this decides which are secrets (`kind`) and judges their modes.
public enum SecretFilesPosture {
    public struct Candidate: Equatable, Sendable {
        /// The path on the host (under --root: as the host would see it).
        public var path: String
        /// Permission bits (st_mode & 0o7777).
        public var mode: UInt32
        /// The file's first bytes (at most a few hundred), for key detection.
        public var head: String
        public init(path: String, mode: UInt32, head: String) {
            self.path = path
            self.mode = mode
            self.head = head
        }
    }

    /// The rigwatch environment file: the Discord webhook lives there.
    public static let rigwatchEnvironment = "/etc/rigwatch/rigwatch.env"

    /// Homes to look in: users with uid 0 or at least 1000, and the watched users.
    public static func homes(_ accounts: AccountDatabase, watched: [String]) -> [String] {
        var homes: [String] = []
        for user in accounts.users where user.uid == 0 || user.uid >= 1000 || watched.contains(user.name) {
            // nobody (65534) and homes like / or /nonexistent hold nothing of a user's.
            guard user.uid != 65534, user.home.count > 1, user.home.hasPrefix("/"), !homes.contains(user.home) else {
                continue
            }
            homes.append(user.home)
        }
        return homes
    }

    /// What secret a file is, from where it is and how it starts; nil when none.
    public static func kind(path: String, head: String) -> String? {
        let name = lastPathComponent(path)
        let dir = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        if path == rigwatchEnvironment { return "rigwatch environment (Discord webhook)" }
        if name == ".vast_api_key" { return "Vast.ai API key" }
        if dir == ".ssh" {
            if name.hasPrefix("id_") && !name.hasSuffix(".pub") { return "SSH private key" }
            if head.hasPrefix("-----BEGIN") && head.contains("PRIVATE KEY") { return "private key" }
            return nil
        }
        if name == ".env" || name.hasSuffix(".env") { return "environment file (.env)" }
        return nil
    }

    public static func check(_ candidates: [Candidate]) -> [PostureFinding] {
        candidates.compactMap { c in
            guard let kind = kind(path: c.path, head: c.head), c.mode & 0o044 != 0 else { return nil }
            let others = c.mode & 0o004 != 0
            return PostureFinding(
                id: "secret-readable", severity: others ? .high : .medium,
                title: "a secret is readable by \(others ? "every user" : "its group")",
                evidence: [("path", c.path), ("kind", kind), ("mode", octal(c.mode))],
                fix: "chmod 600 \(c.path)")
        }
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
