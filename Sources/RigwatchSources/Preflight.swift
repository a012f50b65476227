// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Checks that must pass before the BPF sensor can load, each failing with a
/// message that says what is wrong and how to fix it.
public struct Preflight {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notRoot(euid: UInt32)
        case noBTF(path: String)
        case notMounted(fs: String, path: String, reason: String)

        public var description: String {
            switch self {
            case .notRoot(let euid):
                return
                    "rigwatch must run as root (running as uid \(euid)): loading BPF programs needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN. Run it with sudo, or as the systemd service."
            case .noBTF(let path):
                return
                    "no kernel BTF at \(path): rigwatch needs a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's kernels are), or pass --btf FILE with this kernel's BTF. Use --source audit on kernels without BTF."
            case .notMounted(let fs, let path, let reason):
                return
                    "\(fs) is not mounted at \(path) and mounting it failed (\(reason)). Mount it with: mount -t \(fs) \(fs == "bpf" ? "bpf" : "nodev") \(path)"
            }
        }
    }

    public var euid: UInt32
    public var btfPath: String
    public var tracefsPath: String
    public var bpffsPath: String
    /// Mount tracefs and bpffs when absent (the default); off, a missing one is an error.
    public var mountIfMissing: Bool

    public init(
        euid: UInt32 = geteuid(), btfPath: String = "/sys/kernel/btf/vmlinux",
        tracefsPath: String = "/sys/kernel/tracing", bpffsPath: String = "/sys/fs/bpf",
        mountIfMissing: Bool = true
    ) {
        self.euid = euid
        self.btfPath = btfPath
        self.tracefsPath = tracefsPath
        self.bpffsPath = bpffsPath
        self.mountIfMissing = mountIfMissing
    }

    /// The first check alone, for commands that must refuse before touching any file.
    public static func requireRoot(euid: UInt32 = geteuid()) throws(Failure) {
        guard euid == 0 else { throw .notRoot(euid: euid) }
    }

    /// Runs every check in order; returns the notes worth logging (mounts made).
    public func run() throws(Failure) -> [String] {
        guard euid == 0 else { throw .notRoot(euid: euid) }
        guard FileManager.default.isReadableFile(atPath: btfPath) else { throw .noBTF(path: btfPath) }
        var notes: [String] = []
        // The syscall tracepoints are attached by name through tracefs.
        if let note = try ensureMounted(fs: "tracefs", path: tracefsPath, probe: "events") { notes.append(note) }
        if let note = try ensureMounted(fs: "bpf", path: bpffsPath, probe: nil) { notes.append(note) }
        return notes
    }

    func ensureMounted(fs: String, path: String, probe: String?) throws(Failure) -> String? {
        if Self.isMounted(fs: fs, path: path, probe: probe) { return nil }
        guard mountIfMissing else {
            throw .notMounted(fs: fs, path: path, reason: "not mounted, and --no-mount was given")
        }
        let source = fs == "bpf" ? "bpf" : "nodev"
        if mount(source, path, fs, 0, nil) != 0 {
            throw .notMounted(fs: fs, path: path, reason: String(cString: strerror(errno)))
        }
        return "mounted \(fs) at \(path)"
    }

    /// A filesystem of type `fs` is mounted exactly at `path` (per /proc/self/mounts).
    static func isMounted(fs: String, path: String, probe: String?) -> Bool {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else {
            return probe.map { FileManager.default.fileExists(atPath: "\(path)/\($0)") } ?? false
        }
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count >= 3, fields[1] == path, fields[2] == fs { return true }
        }
        return false
    }
}
