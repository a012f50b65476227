// SPDX-License-Identifier: Apache-2.0
import Foundation

/// cgroup id of a process as bpf_get_current_cgroup_id() gives it: the inode of its
/// cgroup v2 directory. Audit records carry no cgroup, so it is looked up when the
/// event is built; 0 when the process already exited (or cgroup v2 is not at /sys/fs/cgroup).
enum CgroupLookup {
    static func id(of pid: UInt32, cgroupRoot: String = "/sys/fs/cgroup") -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            var st = stat()
            guard stat(cgroupRoot + line.dropFirst(3), &st) == 0 else { return 0 }
            return UInt64(st.st_ino)
        }
        return 0
    }
}
