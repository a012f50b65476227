// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// One file_change, tamper and integrity event of every op and problem, plus the edge
/// cases the formats must carry: shared by the decoder and the trace-format tests.
public enum FileTamperSamples {
    public static func head(_ ts: UInt64 = 5_000_000_123, pid: UInt32 = 4321, uid: UInt32 = 1000) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: pid, tgid: pid, ppid: 77, uid: uid, euid: 0, gid: uid, egid: 0,
            lineageUid: 1000, cgroupId: 0xc0ffee, comm: Comm("tee"))
    }

    public static func fileChange(_ op: FileChangeEvent.Operation) -> FileChangeEvent {
        switch op {
        case .openWrite:
            return FileChangeEvent(
                header: head(), operation: op, openFlags: 0o1101, result: 3,
                mountNamespace: 4_026_531_841, path: "/etc/sudoers.d/vastai")
        case .rename:
            return FileChangeEvent(
                header: head(), operation: op, flags: [.fromString, .nonCanonical], openFlags: 1,
                mountNamespace: 4_026_531_841, path: "/etc/rigwatch/../rigwatch/x.yaml.tmp",
                path2: "/etc/rigwatch/rigwatch.yaml")
        case .unlink:
            return FileChangeEvent(
                header: head(), operation: op, flags: .fromString, result: -13,
                mountNamespace: 4_026_532_000, path: "/usr/local/bin/rigwatch")
        case .link:
            return FileChangeEvent(
                header: head(), operation: op, flags: .fromString, mountNamespace: 4_026_531_841,
                path: "/tmp/evil", path2: "/etc/cron.d/évil job")
        }
    }

    public static func tamper(_ op: TamperEvent.Operation) -> TamperEvent {
        switch op {
        case .signal: return TamperEvent(header: head(uid: 0), operation: op, targetPid: 900, argument: 9, result: 0)
        case .ptrace: return TamperEvent(header: head(uid: 0), operation: op, targetPid: 901, argument: 0x4206)
        case .vmRead: return TamperEvent(header: head(uid: 0), operation: op, targetPid: 900)
        case .vmWrite: return TamperEvent(header: head(uid: 0), operation: op, targetPid: 902)
        }
    }

    public static func integrity(_ problem: IntegrityEvent.Problem) -> IntegrityEvent {
        switch problem {
        case .linkDetached: return IntegrityEvent(timestampNs: 9_000_000_000, problem: problem, name: "rw_sched_exec")
        case .mapAltered:
            return IntegrityEvent(
                timestampNs: 9_000_000_001, problem: problem, name: "watched_uids", expected: 1, found: 2)
        }
    }

    /// One event of every op and problem, plus the edge cases the formats must carry.
    public static let events: [Event] = {
        var list: [Event] = FileChangeEvent.Operation.allCases.map { .fileChange(fileChange($0)) }
        list += TamperEvent.Operation.allCases.map { .tamper(tamper($0)) }
        list += IntegrityEvent.Problem.allCases.map { .integrity(integrity($0)) }
        // A path that is not UTF-8, one that fills the field, and a cut one.
        list.append(
            .fileChange(
                FileChangeEvent(
                    header: head(), operation: .rename, flags: .fromString,
                    pathBytes: [0x2f, 0x65, 0x74, 0x63, 0x2f, 0xff, 0xc3, 0x28],
                    path2Bytes: [0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x80])))
        list.append(
            .fileChange(
                FileChangeEvent(
                    header: head(), operation: .openWrite, flags: [.pathTruncated],
                    openFlags: 0o101, path: "/" + String(repeating: "p", count: 254))))
        // A real-time signal, one without a name, a negative ptrace request, a vm op with a stray argument.
        list.append(.tamper(TamperEvent(header: head(), operation: .signal, targetPid: 1, argument: 40, result: 2)))
        list.append(.tamper(TamperEvent(header: head(), operation: .signal, targetPid: 1, argument: -1)))
        list.append(.tamper(TamperEvent(header: head(), operation: .ptrace, targetPid: 1, argument: .min)))
        list.append(.tamper(TamperEvent(header: head(), operation: .vmWrite, targetPid: 1, argument: 7, result: -1)))
        // Refused by BPF-LSM prevention: a signal, and a ptrace-style access (its argument the mode).
        list.append(.tamper(TamperEvent(header: head(), operation: .signal, targetPid: 1, argument: 9, denied: true)))
        list.append(
            .tamper(TamperEvent(header: head(), operation: .ptrace, targetPid: 1, argument: 0x12, denied: true)))
        list.append(
            .integrity(
                IntegrityEvent(
                    timestampNs: .max, problem: .mapAltered, name: String(repeating: "m", count: 64),
                    expected: .max, found: 0)))
        return list
    }()
}
