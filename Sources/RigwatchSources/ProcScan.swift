// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// Reads the process list from /proc (pid, ppid, real and effective uid).
public enum ProcScan {
    public static func snapshot(procRoot: String = "/proc") -> [ProcessSnapshot] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return [] }
        var result: [ProcessSnapshot] = []
        for name in entries {
            guard let pid = UInt32(name),
                let status = try? String(contentsOfFile: "\(procRoot)/\(name)/status", encoding: .utf8),
                let snap = parseStatus(pid: pid, status)
            else { continue }
            result.append(snap)
        }
        return result
    }

    /// Parses the PPid: and Uid: lines of /proc/PID/status.
    public static func parseStatus(pid: UInt32, _ status: String) -> ProcessSnapshot? {
        var ppid: UInt32?
        var uids: [UInt32] = []
        for line in status.split(separator: "\n") {
            if line.hasPrefix("PPid:") {
                ppid = UInt32(line.dropFirst(5).trimmingCharacters(in: .whitespaces))
            } else if line.hasPrefix("Uid:") {
                uids = line.dropFirst(4).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
            }
        }
        guard let ppid, uids.count >= 2 else { return nil }
        return ProcessSnapshot(pid: pid, ppid: ppid, uid: uids[0], euid: uids[1])
    }
}
