// SPDX-License-Identifier: Apache-2.0
import CBPF
import Foundation
import RigwatchCore

/// Fills `KernelFacts` on the live kernel: BTF lookups, program/map/helper probes and
/// real attaches of the probe programs (through libbpf, Sources/CBPF/rw_probe.c),
/// tracefs events, the LSM list and the cgroup v2 root. Loading probes needs root.
public struct KernelProbe {
    /// Where tracefs may be mounted, in the order looked at.
    public static let tracefsPaths = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]
    public static let lsmPath = "/sys/kernel/security/lsm"

    /// Mount securityfs (for the LSM list) when absent; tracefs is the Preflight's.
    public var mountIfMissing = true
    /// The cgroup v2 root the cgroup hooks would attach to.
    public var cgroupRoot: String? = CgroupRoot.find()
    /// Notes worth logging (mounts made).
    public private(set) var notes: [String] = []

    public init() {}

    /// The facts about the programs in `programs` (the object's, plus the feature
    /// table's): every tp_btf event, function and tracepoint they name is looked up.
    public mutating func collect(programs: [BPFProgramRef] = []) -> KernelFacts {
        var facts = KernelFacts(release: Self.release(), tracefs: nil, cgroupV2Root: cgroupRoot)
        let sections = Set((FeatureTable.allPrograms + programs).map(\.section))
        var events = Set<String>()
        var funcs = Set<String>()
        var tracepoints = Set<String>()
        for section in sections {
            let parts = section.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "tp_btf": events.insert(parts[1])
            case "fentry", "fexit", "kprobe", "kretprobe": funcs.insert(parts[1])
            case "tracepoint", "tp": tracepoints.insert(parts[1])
            default: break
            }
        }
        // The probe object's own fexit target must be there for its attach to mean anything.
        funcs.insert("inet_sendmsg")

        var err = [CChar](repeating: 0, count: 2048)
        var btf: OpaquePointer?
        if rw_btf_open(nil, &btf, &err, err.count) == 0, let btf {
            facts.btf = true
            facts.btfTraceEvents = events.filter { rw_btf_has_trace_event(btf, $0) == 1 }
            facts.btfFuncs = funcs.filter { rw_btf_has_func(btf, $0) == 1 }
            rw_btf_close(btf)
        } else {
            facts.btf = false
            facts.btfError = String(nulTerminated: err)
        }

        facts.ringBuffer = rw_probe_map_type("ringbuf") == 1
        facts.progTypes = Set(
            ["tracepoint", "raw_tracepoint", "tracing", "kprobe", "lsm", "cgroup_sock_addr"]
                .filter { rw_probe_prog_type($0) == 1 })
        let helpers = Set(FeatureTable.features.flatMap { $0.rungs.compactMap(\.helper) } + ["bpf_ringbuf_reserve"])
        facts.helpers = helpers.filter { rw_probe_helper("tracepoint", $0) == 1 }

        if Self.tracefsMount() == nil, mountIfMissing, geteuid() == 0 {
            // As the sensor's preflight does: the syscall tracepoints are found through tracefs.
            if let note = try? Preflight(mountIfMissing: true).ensureMounted(
                fs: "tracefs", path: Self.tracefsPaths[0], probe: "events")
            {
                notes.append(note)
            }
        }
        facts.tracefs = Self.tracefsMount()
        if let tracefs = facts.tracefs {
            facts.tracepoints = tracepoints.filter { FileManager.default.fileExists(atPath: "\(tracefs)/events/\($0)") }
        }
        facts.kprobeEvents =
            FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/kprobe")
            || (facts.tracefs.map { FileManager.default.fileExists(atPath: "\($0)/kprobe_events") } ?? false)

        for (probe, program) in [
            (AttachProbe.tpBTF, "probe_tp_btf"), (.fexit, "probe_fexit"), (.kprobe, "probe_kprobe"),
            (.kretprobe, "probe_kretprobe"), (.lsm, "probe_lsm"),
        ] {
            err[0] = 0
            let rc = rw_probe_attach(program, &err, err.count)
            facts.attach[probe] = rc == 0 ? .ok : AttachResult(errno: -rc, message: String(nulTerminated: err))
        }
        facts.lsm = readLSM()
        return facts
    }

    /// The active LSMs, in order; mounts securityfs first when it is not (and allowed).
    mutating func readLSM() -> [String]? {
        if !FileManager.default.fileExists(atPath: Self.lsmPath), mountIfMissing, geteuid() == 0,
            !Preflight.isMounted(fs: "securityfs", path: "/sys/kernel/security", probe: nil)
        {
            if mount("securityfs", "/sys/kernel/security", "securityfs", 0, nil) == 0 {
                notes.append("mounted securityfs at /sys/kernel/security")
            }
        }
        guard let text = try? String(contentsOfFile: Self.lsmPath, encoding: .utf8) else { return nil }
        return text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
    }

    /// uname -r.
    public static func release() -> String {
        var uts = utsname()
        uname(&uts)
        return withUnsafeBytes(of: &uts.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }

    /// The first tracefs mount point with an events directory.
    public static func tracefsMount() -> String? {
        for path in tracefsPaths where FileManager.default.fileExists(atPath: path + "/events") {
            return path
        }
        return nil
    }
}

/// The programs of a BPF object, as libbpf names them.
public enum BPFObject {
    /// The embedded sensor's programs (path nil) or those of the object at path.
    public static func programs(path: String? = nil) throws -> [BPFProgramRef] {
        var bytes: [UInt8]?
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw BPFSource.Failure(message: "cannot read BPF object \(path)")
            }
            bytes = [UInt8](data)
        }
        var out = [CChar](repeating: 0, count: 1 << 16)
        let n: Int32 = (bytes ?? []).withUnsafeBytes { raw in
            rw_object_programs(bytes == nil ? nil : raw.baseAddress, raw.count, &out, out.count)
        }
        guard n >= 0 else {
            throw BPFSource.Failure(message: "listing the BPF object's programs: \(String(cString: strerror(-n)))")
        }
        return String(nulTerminated: out).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
            return fields.count == 2 ? BPFProgramRef(fields[0], fields[1]) : nil
        }
    }
}
