// SPDX-License-Identifier: Apache-2.0
/// A program whose connects the `watched-user-outbound` detector leaves alone
/// wherever they go, because where it connects is not the watched user's choice:
/// apt's fetch methods take their mirrors from apt's root-owned configuration
/// (/etc/apt). It holds only for a process whose exec was seen as `program` and
/// whose direct parent was seen exec'ing `parent` and runs as root (euid 0): a
/// method the watched user starts by hand, or below an apt it runs without sudo,
/// still alerts. Whoever can run `parent` as root with options of their own
/// (`apt-get -o Acquire::…`, APT_CONFIG) can point the method elsewhere; those
/// arguments are the policy's argument rules' to judge, not this detector's.
public struct ProgramAllowance: Equatable, Sendable {
    /// fnmatch(3) glob with FNM_PATHNAME on the connecting process's executable path.
    public var program: String
    /// fnmatch(3) glob with FNM_PATHNAME on its direct parent's executable path.
    public var parent: String
    /// Where the entry comes from ("built-in: …" or "file:line"), for check-config.
    public var origin: String

    public init(program: String, parent: String, origin: String = "") {
        self.program = program
        self.parent = parent
        self.origin = origin
    }

    /// Whether a connect by `program` whose direct parent is `parentProgram` running
    /// with `parentEuid` is covered (nil: the exec was not seen, nothing is covered).
    public func covers(program writer: [UInt8]?, parentProgram: [UInt8]?, parentEuid: UInt32?) -> Bool {
        guard let writer, let parentProgram, parentEuid == 0 else { return false }
        return MaintenanceRule.glob(program, matches: writer) && MaintenanceRule.glob(parent, matches: parentProgram)
    }

    /// apt's fetch methods (http, https, ftp, …; /usr/lib/apt/methods/*, run as _apt)
    /// started by `apt-get` or `apt` running as root: the real daemon's
    /// `sudo apt-get install …` and `sudo apt update` (Tests/Fixtures/data/vastai-daemon-sudo-commands.txt)
    /// fetch from the host's configured mirror (RecordedDaemonTraceTests).
    public static let defaults: [ProgramAllowance] = ["/usr/bin/apt-get", "/usr/bin/apt"].map {
        ProgramAllowance(program: "/usr/lib/apt/methods/*", parent: $0, origin: "built-in: apt fetch methods")
    }
}
