// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Scenario builders shared by engine and detector tests.
public enum Scenario {
    public static func header(
        _ tgid: UInt32, ppid: UInt32, ts: UInt64, uid: UInt32 = 0, euid: UInt32? = nil,
        lineage: UInt32 = noLineage, comm: String = "sh"
    ) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: tgid, tgid: tgid, ppid: ppid, uid: uid, euid: euid ?? uid, gid: uid,
            egid: uid, lineageUid: lineage, cgroupId: 77, comm: Comm(comm))
    }

    public static func fork(
        _ parent: UInt32, ppid: UInt32, child: UInt32, ts: UInt64, uid: UInt32 = 0, lineage: UInt32 = noLineage
    ) -> Event {
        .fork(
            ForkEvent(
                header: header(parent, ppid: ppid, ts: ts, uid: uid, lineage: lineage), childPid: child,
                childTgid: child))
    }

    public static func exec(
        _ tgid: UInt32, ppid: UInt32, ts: UInt64, argv: [String], uid: UInt32 = 0, euid: UInt32? = nil,
        lineage: UInt32 = noLineage, flags: ExecEvent.Flags = []
    ) -> Event {
        let comm = String(argv.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 } ?? "")
        return .exec(
            ExecEvent(
                header: header(tgid, ppid: ppid, ts: ts, uid: uid, euid: euid, lineage: lineage, comm: comm),
                loginUid: noLineage, flags: flags, argc: UInt32(argv.count), oldPid: tgid,
                filename: Array((argv.first ?? "").utf8), args: ExecEvent.joinArgs(argv)))
    }

    public static func exit(_ tgid: UInt32, ppid: UInt32, ts: UInt64, code: Int32 = 0) -> Event {
        .exit(ExitEvent(header: header(tgid, ppid: ppid, ts: ts), exitCode: code, signal: 0))
    }
}
