// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s core dump check: where the kernel sends core dumps
/// (`kernel.core_pattern`: a pipe runs a program as root on every crash), whether
/// setuid programs dump (`fs.suid_dumpable`), and whether limits.conf caps core
/// files for everyone (`* hard core 0`). A dump of a process holding a key is the key.
public enum CoreDumpPosture {
    /// The crash handlers distributions install: a pipe to one of these is expected.
    public static let knownHandlers = ["systemd-coredump", "apport", "abrt-hook-ccpp"]

    public struct LimitsFile: Equatable, Sendable {
        public var path: String
        public var text: String
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }
    }

    /// `corePattern`, `suidDumpable`: the /proc/sys files' text (nil: unreadable, not judged).
    public static func check(corePattern: String?, suidDumpable: String?, limits: [LimitsFile]) -> [PostureFinding] {
        var findings: [PostureFinding] = []
        if let pattern = corePattern?.trimmingBlanks().split(separator: "\n").first.map(String.init),
            pattern.hasPrefix("|")
        {
            let program = pattern.dropFirst().split(separator: " ").first.map(String.init) ?? ""
            let name = lastPathComponent(program)
            if knownHandlers.contains(name) {
                findings.append(
                    PostureFinding(
                        id: "core-pattern-handler", severity: .info,
                        title: "core dumps go to the distribution's crash handler",
                        evidence: [("core_pattern", pattern), ("program", program)],
                        fix: "nothing to do; the handler keeps dumps root-only"))
            } else {
                findings.append(
                    PostureFinding(
                        id: "core-pattern-pipe", severity: .high,
                        title: "core dumps are piped to a program run as root on every crash",
                        evidence: [("core_pattern", pattern), ("program", program)],
                        fix:
                            "set kernel.core_pattern to `core` or systemd-coredump in /etc/sysctl.d/ unless you installed \(program) yourself"
                    ))
            }
        }
        if let value = suidDumpable?.trimmingBlanks().split(separator: "\n").first.map(String.init), value != "0" {
            findings.append(
                PostureFinding(
                    id: "suid-dumpable", severity: value == "1" ? .medium : .low,
                    title: "setuid programs leave core dumps",
                    evidence: [("fs.suid_dumpable", value)],
                    fix: "echo 'fs.suid_dumpable = 0' > /etc/sysctl.d/50-coredump.conf && sysctl --system"))
        }
        if !limits.contains(where: { capsCore($0.text) }) {
            findings.append(
                PostureFinding(
                    id: "core-size-unlimited", severity: .low,
                    title: "no hard limit keeps users' core dumps at 0",
                    evidence: [("files", limits.map(\.path).joined(separator: ", ").ifEmpty("(none)"))],
                    fix: "add `* hard core 0` to /etc/security/limits.d/50-coredump.conf"))
        }
        return findings
    }

    /// A `* hard core 0` line (or `* - core 0`, which sets both limits).
    static func capsCore(_ text: String) -> Bool {
        text.split(separator: "\n").contains { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 4, !words[0].hasPrefix("#") else { return false }
            return words[0] == "*" && (words[1] == "hard" || words[1] == "-") && words[2] == "core" && words[3] == "0"
        }
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
