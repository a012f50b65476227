// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

func benchHeader(_ i: Int) -> EventHeader {
    EventHeader(
        timestampNs: UInt64(i) * 1000, pid: UInt32(i), tgid: UInt32(i), ppid: 1, uid: 1000, euid: 0,
        gid: 1000, egid: 0, lineageUid: 1000, cgroupId: 4242, comm: Comm("sudo"))
}

/// A realistic mix: every process forks, execs once with a typical argv, exits.
func benchRecords() -> [[UInt8]] {
    let args = ExecEvent.joinArgs(["/usr/bin/docker", "inspect", "--format", "{{.State.Pid}}", "C.12345678"])
    return [
        EventEncoder.encode(.fork(ForkEvent(header: benchHeader(1), childPid: 2, childTgid: 2))),
        EventEncoder.encode(
            .exec(
                ExecEvent(
                    header: benchHeader(2), loginUid: 1000, flags: [], argc: 5, oldPid: 2,
                    filename: Array("/usr/bin/docker".utf8), args: args))),
        EventEncoder.encode(.exit(ExitEvent(header: benchHeader(2), exitCode: 0, signal: 0))),
    ]
}

func benchDecode(count: Int) throws {
    let records = benchRecords()
    var checksum: UInt64 = 0
    let t = try seconds {
        for i in 0..<count {
            let event = try records[i % 3].withUnsafeBytes { try EventDecoder.decode($0) }
            checksum &+= event.timestampNs
        }
    }
    print(
        String(
            format: "decode: %d records (fork/exec/exit mix) in %.3f s = %.2f M events/s (checksum %llu)",
            count, t, Double(count) / t / 1e6, checksum))
}
