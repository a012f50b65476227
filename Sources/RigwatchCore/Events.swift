// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// The event model shared by every source (BPF ring buffer, audit, trace replay).
/// Kernel events mirror the structs of `bpf/events.h`; values are plain, copyable
/// and carry no references to the buffer they were decoded from.

/// `lineage_uid` value for a task that descends from no watched user (`RW_NO_LINEAGE`).
public let noLineage: UInt32 = RW_NO_LINEAGE

/// The `comm` of a task (`RW_COMM_LEN`, 16 bytes: two words), stored inline so
/// decoding it allocates nothing. The ABI tests check the C field is that size.
public struct Comm: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var low: UInt64
    public var high: UInt64

    /// Bytes of a `comm` (`RW_COMM_LEN`, the NUL included): what `low` and `high` hold.
    public static let length = Int(RW_COMM_LEN)

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    public init(_ string: String) {
        var bytes = [UInt8](repeating: 0, count: Self.length)
        for (i, b) in string.utf8.prefix(Self.length - 1).enumerated() { bytes[i] = b }
        self.init(bytes: bytes)
    }

    init(bytes: [UInt8]) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for i in 0..<8 { low |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        for i in 0..<8 { high |= UInt64(bytes[8 + i]) << (8 * UInt64(i)) }
        self.init(low: low, high: high)
    }

    /// The raw 16 bytes, as the kernel stored them.
    public var bytes: [UInt8] {
        (0..<Self.length).map { i in UInt8(truncatingIfNeeded: (i < 8 ? low : high) >> (8 * UInt64(i % 8))) }
    }

    /// Text up to the first NUL.
    public var description: String {
        let raw = bytes
        let end = raw.firstIndex(of: 0) ?? raw.count
        return String(decoding: raw[..<end], as: UTF8.self)
    }
}

/// Common fields of every kernel event (`struct rw_header`).
public struct EventHeader: Equatable, Sendable {
    public var timestampNs: UInt64
    public var pid: UInt32
    public var tgid: UInt32
    public var ppid: UInt32
    public var uid: UInt32
    public var euid: UInt32
    public var gid: UInt32
    public var egid: UInt32
    /// Watched uid this task descends from, or `noLineage`.
    public var lineageUid: UInt32
    public var cgroupId: UInt64
    public var comm: Comm
    /// ABI version the record is written with. The decoder reads older versions as
    /// the current one (see `KernelABI.oldestVersion`), so this is the current version
    /// unless set by hand.
    public var abiVersion: UInt32

    public init(
        timestampNs: UInt64, pid: UInt32, tgid: UInt32, ppid: UInt32, uid: UInt32, euid: UInt32,
        gid: UInt32, egid: UInt32, lineageUid: UInt32, cgroupId: UInt64, comm: Comm,
        abiVersion: UInt32 = KernelABI.version
    ) {
        self.timestampNs = timestampNs
        self.pid = pid
        self.tgid = tgid
        self.ppid = ppid
        self.uid = uid
        self.euid = euid
        self.gid = gid
        self.egid = egid
        self.lineageUid = lineageUid
        self.cgroupId = cgroupId
        self.comm = comm
        self.abiVersion = abiVersion
    }

    public var hasLineage: Bool { lineageUid != noLineage }

    /// The header of a record that describes no process (drops, GPU samples, integrity
    /// findings): only the time is set.
    public static func timeOnly(_ timestampNs: UInt64) -> EventHeader {
        EventHeader(
            timestampNs: timestampNs, pid: 0, tgid: 0, ppid: 0, uid: 0, euid: 0, gid: 0, egid: 0,
            lineageUid: noLineage, cgroupId: 0, comm: Comm(low: 0, high: 0))
    }
}

/// A program started (`struct rw_exec`).
public struct ExecEvent: Equatable, Sendable {
    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let setuid = Flags(rawValue: RW_EXEC_SETUID)
        public static let setgid = Flags(rawValue: RW_EXEC_SETGID)
        public static let argsTruncated = Flags(rawValue: RW_EXEC_ARGS_TRUNC)
        public static let argsFault = Flags(rawValue: RW_EXEC_ARGS_FAULT)
        public static let filenameTruncated = Flags(rawValue: RW_EXEC_FNAME_TRUNC)
        /// Run by an interpreter (`#!`, binfmt_misc): the kernel put the interpreter (and its
        /// option) before the script's path in argv; the caller's argv[0] is gone.
        public static let script = Flags(rawValue: RW_EXEC_SCRIPT)
    }

    public var header: EventHeader
    public var loginUid: UInt32
    public var flags: Flags
    /// The real argument count (bprm->argc), even when the capture was cut short.
    public var argc: UInt32
    public var oldPid: UInt32
    /// `bprm->filename`: the path as passed to execve, not resolved.
    public var filename: [UInt8]
    /// argv bytes as laid out by the kernel: NUL-terminated strings, the last one
    /// possibly cut (see `flags.argsTruncated`).
    public var args: [UInt8]

    public init(
        header: EventHeader, loginUid: UInt32, flags: Flags, argc: UInt32, oldPid: UInt32,
        filename: [UInt8], args: [UInt8]
    ) {
        self.header = header
        self.loginUid = loginUid
        self.flags = flags
        self.argc = argc
        self.oldPid = oldPid
        self.filename = filename
        self.args = args
    }

    public var path: String { String(decoding: filename, as: UTF8.self) }

    /// Where the command line the caller gave starts in `args`, and how many words come
    /// before it: for a script, at the script's path (after the interpreter and its
    /// option, at most two words), as sudo saw it; otherwise at argv[0].
    public var callerArgs: (offset: Int, skipped: Int) {
        guard flags.contains(.script) else { return (0, 0) }
        var start = 0
        for word in 0..<3 {
            guard let nul = args[start...].firstIndex(of: 0) else { return (0, 0) }
            if word > 0 && args[start..<nul].elementsEqual(filename) { return (start, word) }
            start = nul + 1
        }
        return (0, 0)
    }

    /// argv as strings. A truncated last argument is kept as far as it was captured.
    public var argv: [String] { Self.splitArgs(args) }

    public static func splitArgs(_ args: [UInt8]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(args.count { $0 == 0 } + 1)  // one allocation, not one per doubling
        var start = 0
        for i in 0..<args.count where args[i] == 0 {
            result.append(String(decoding: args[start..<i], as: UTF8.self))
            start = i + 1
        }
        if start < args.count {
            result.append(String(decoding: args[start...], as: UTF8.self))
        }
        return result
    }

    /// argv bytes for a list of arguments, each NUL-terminated.
    public static func joinArgs(_ argv: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for arg in argv {
            bytes.append(contentsOf: arg.utf8)
            bytes.append(0)
        }
        return bytes
    }
}

/// An enum that JSON output and traces write by name, and read back by it.
public protocol NamedCase: CaseIterable {
    var name: String { get }
}

extension NamedCase {
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }
}

/// The credential syscalls rigwatch follows, numbered as `enum rw_cred_syscall`.
public enum CredSyscall: Sendable, NamedCase {
    case setuid, setreuid, setresuid, setfsuid, setgid, setregid, setresgid, setfsgid

    public var name: String { String(describing: self) }

    public var rawValue: UInt32 {
        switch self {
        case .setuid: return RW_SYS_SETUID.rawValue
        case .setreuid: return RW_SYS_SETREUID.rawValue
        case .setresuid: return RW_SYS_SETRESUID.rawValue
        case .setfsuid: return RW_SYS_SETFSUID.rawValue
        case .setgid: return RW_SYS_SETGID.rawValue
        case .setregid: return RW_SYS_SETREGID.rawValue
        case .setresgid: return RW_SYS_SETRESGID.rawValue
        case .setfsgid: return RW_SYS_SETFSGID.rawValue
        }
    }

    public init?(rawValue: UInt32) {
        switch rawValue {
        case RW_SYS_SETUID.rawValue: self = .setuid
        case RW_SYS_SETREUID.rawValue: self = .setreuid
        case RW_SYS_SETRESUID.rawValue: self = .setresuid
        case RW_SYS_SETFSUID.rawValue: self = .setfsuid
        case RW_SYS_SETGID.rawValue: self = .setgid
        case RW_SYS_SETREGID.rawValue: self = .setregid
        case RW_SYS_SETRESGID.rawValue: self = .setresgid
        case RW_SYS_SETFSGID.rawValue: self = .setfsgid
        default: return nil
        }
    }
}

/// All ids of a task at one instant (`struct rw_ids`).
public struct CredIds: Equatable, Sendable {
    public var uid, euid, suid, fsuid: UInt32
    public var gid, egid, sgid, fsgid: UInt32

    public init(
        uid: UInt32, euid: UInt32, suid: UInt32, fsuid: UInt32,
        gid: UInt32, egid: UInt32, sgid: UInt32, fsgid: UInt32
    ) {
        self.uid = uid
        self.euid = euid
        self.suid = suid
        self.fsuid = fsuid
        self.gid = gid
        self.egid = egid
        self.sgid = sgid
        self.fsgid = fsgid
    }

    public var values: [UInt32] { [uid, euid, suid, fsuid, gid, egid, sgid, fsgid] }

    public init(values v: [UInt32]) {
        self.init(uid: v[0], euid: v[1], suid: v[2], fsuid: v[3], gid: v[4], egid: v[5], sgid: v[6], fsgid: v[7])
    }
}

/// One set*id syscall that changed an id or failed (`struct rw_cred`).
public struct CredEvent: Equatable, Sendable {
    public var header: EventHeader
    public var syscall: CredSyscall
    public var result: Int32
    /// Arguments as passed; 0xffffffff where the syscall takes fewer or means "unchanged".
    public var requested: [UInt32]
    public var before: CredIds
    public var after: CredIds

    public init(
        header: EventHeader, syscall: CredSyscall, result: Int32, requested: [UInt32],
        before: CredIds, after: CredIds
    ) {
        self.header = header
        self.syscall = syscall
        self.result = result
        self.requested = requested
        self.before = before
        self.after = after
    }
}

/// A new process; the header describes the parent (`struct rw_fork`).
public struct ForkEvent: Equatable, Sendable {
    public var header: EventHeader
    public var childPid: UInt32
    public var childTgid: UInt32

    public init(header: EventHeader, childPid: UInt32, childTgid: UInt32) {
        self.header = header
        self.childPid = childPid
        self.childTgid = childTgid
    }
}

/// A process ended (`struct rw_exit`).
public struct ExitEvent: Equatable, Sendable {
    public var header: EventHeader
    /// Exit status 0...255, or -1 when a signal ended it.
    public var exitCode: Int32
    public var signal: UInt32

    public init(header: EventHeader, exitCode: Int32, signal: UInt32) {
        self.header = header
        self.exitCode = exitCode
        self.signal = signal
    }
}

/// The kernel lost events because the ring buffer was full (`struct rw_drops`).
/// Written by userspace when the drop counter rises, so traces keep the gap visible.
public struct DropsEvent: Equatable, Sendable {
    public var timestampNs: UInt64
    public var lost: UInt64
    public var total: UInt64

    public init(timestampNs: UInt64, lost: UInt64, total: UInt64) {
        self.timestampNs = timestampNs
        self.lost = lost
        self.total = total
    }

    /// A header with only the time set, as the record stores it.
    public var header: EventHeader { .timeOnly(timestampNs) }
}

/// An outbound TCP connect: the socket entered SYN_SENT (`struct rw_connect`).
/// Both addresses have the record's one family.
public struct ConnectEvent: Equatable, Sendable {
    public var header: EventHeader
    public var proto: NetProtocol
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16

    public init(
        header: EventHeader, proto: NetProtocol = .tcp, source: IPAddress, sourcePort: UInt16,
        destination: IPAddress, destinationPort: UInt16
    ) {
        self.header = header
        self.proto = proto
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
    }
}

/// Bytes one process sent to one destination since the previous snapshot of the
/// in-kernel byte map (`struct rw_net_bytes`, written by userspace). The header is
/// the sender at its last send, with the time of the snapshot.
public struct NetBytesEvent: Equatable, Sendable {
    public var header: EventHeader
    public var proto: NetProtocol
    public var destination: IPAddress
    /// 0 when the kernel did not know the destination.
    public var destinationPort: UInt16
    public var bytes: UInt64
    /// Send calls counted.
    public var sends: UInt64
    /// First and last send within the interval (CLOCK_BOOTTIME ns).
    public var firstNs: UInt64
    public var lastNs: UInt64

    public init(
        header: EventHeader, proto: NetProtocol, destination: IPAddress, destinationPort: UInt16,
        bytes: UInt64, sends: UInt64, firstNs: UInt64, lastNs: UInt64
    ) {
        self.header = header
        self.proto = proto
        self.destination = destination
        self.destinationPort = destinationPort
        self.bytes = bytes
        self.sends = sends
        self.firstNs = firstNs
        self.lastNs = lastNs
    }
}

/// Every event any source produces.
public enum Event: Equatable, Sendable {
    case exec(ExecEvent)
    // The rarer, larger kinds are boxed so every Event (copied per consume) stays exec-sized.
    indirect case cred(CredEvent)
    case fork(ForkEvent)
    case exit(ExitEvent)
    case drops(DropsEvent)
    indirect case connect(ConnectEvent)
    indirect case netBytes(NetBytesEvent)
    indirect case gpuSample(GPUSampleEvent)
    indirect case fileChange(FileChangeEvent)
    indirect case tamper(TamperEvent)
    indirect case integrity(IntegrityEvent)
    indirect case firstPayload(FirstPayloadEvent)
    indirect case unixConnect(UnixConnectEvent)
    indirect case auth(AuthEvent)
    indirect case enforce(EnforceEvent)

    public var header: EventHeader {
        switch self {
        case .exec(let e): return e.header
        case .cred(let e): return e.header
        case .fork(let e): return e.header
        case .exit(let e): return e.header
        case .drops(let e): return e.header
        case .connect(let e): return e.header
        case .netBytes(let e): return e.header
        case .gpuSample(let e): return e.header
        case .fileChange(let e): return e.header
        case .tamper(let e): return e.header
        case .integrity(let e): return e.header
        case .firstPayload(let e): return e.header
        case .unixConnect(let e): return e.header
        case .auth(let e): return e.header
        case .enforce(let e): return e.header
        }
    }

    public var timestampNs: UInt64 { header.timestampNs }

    /// Every `kindName`, in ABI order: what a configuration may name (`export.kinds`).
    public static let kindNames = [
        "exec", "cred", "fork", "exit", "drops", "connect", "net_bytes", "gpu_sample", "file_change", "tamper",
        "integrity", "first_payload", "unix_connect", "auth", "enforce",
    ]

    /// The `"type"` of the event in JSON output and traces.
    public var kindName: String {
        switch self {
        case .exec: return "exec"
        case .cred: return "cred"
        case .fork: return "fork"
        case .exit: return "exit"
        case .drops: return "drops"
        case .connect: return "connect"
        case .netBytes: return "net_bytes"
        case .gpuSample: return "gpu_sample"
        case .fileChange: return "file_change"
        case .tamper: return "tamper"
        case .integrity: return "integrity"
        case .firstPayload: return "first_payload"
        case .unixConnect: return "unix_connect"
        case .auth: return "auth"
        case .enforce: return "enforce"
        }
    }
}
