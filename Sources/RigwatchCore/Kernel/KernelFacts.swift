// SPDX-License-Identifier: Apache-2.0
/// A kernel release's version numbers: "6.1.0-18-amd64" is 6.1.0, "5.15.0-91-generic" 5.15.0.
public struct KernelVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// The leading "X.Y[.Z]" of a release string (uname -r); nil when it has none.
    public init?(release: String) {
        var numbers: [Int] = []
        var current: Int?
        for c in release.unicodeScalars {
            if let digit = Int(String(c)), c.isASCII {
                current = (current ?? 0) * 10 + digit
                if current! > 1_000_000 { return nil }
            } else {
                guard let n = current else { break }
                numbers.append(n)
                current = nil
                if c != "." || numbers.count == 3 { break }
            }
        }
        if let current, numbers.count < 3 { numbers.append(current) }
        guard numbers.count >= 2 else { return nil }
        self.init(numbers[0], numbers[1], numbers.count > 2 ? numbers[2] : 0)
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor)" + (patch > 0 ? ".\(patch)" : "") }
}

/// The hook classes whose support only a real attach proves (bpf/probe.bpf.c).
public enum AttachProbe: String, CaseIterable, Sendable {
    case tpBTF = "tp_btf"
    case fexit
    case kprobe
    case kretprobe
    case lsm
}

/// What a real attach of a probe program did: errno 0 when it attached.
public struct AttachResult: Equatable, Sendable {
    public var errno: Int32
    /// libbpf's and the kernel's words when it failed; empty when it worked.
    public var message: String

    public init(errno: Int32, message: String = "") {
        self.errno = errno
        self.message = message
    }

    public static let ok = AttachResult(errno: 0)
    public var ok: Bool { errno == 0 }
}

/// What the running kernel offers the BPF sensor, as observed (KernelProbe fills it
/// on a live host; tests model kernels with it). Sets hold what is present among
/// the names that were asked about (the feature table's and the object's).
public struct KernelFacts: Equatable, Sendable {
    /// uname -r.
    public var release: String
    /// The kernel's own BTF could be loaded (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF).
    public var btf: Bool
    /// Why not, when not.
    public var btfError: String?
    /// BPF_MAP_TYPE_RINGBUF (5.8).
    public var ringBuffer: Bool
    /// Helpers usable from tracepoint programs ("bpf_loop", 5.17).
    public var helpers: Set<String>
    /// Supported program types, libbpf's names ("tracepoint", "tracing", "kprobe", "lsm", "cgroup_sock_addr").
    public var progTypes: Set<String>
    /// Events with a `btf_trace_<name>` typedef in vmlinux BTF (tp_btf targets).
    public var btfTraceEvents: Set<String>
    /// Functions with a BTF FUNC (fentry/fexit targets; kprobe-able functions).
    public var btfFuncs: Set<String>
    /// Where tracefs is mounted; nil when it is not.
    public var tracefs: String?
    /// Tracepoints under tracefs events/, as "category/name" ("syscalls/sys_enter_openat2").
    public var tracepoints: Set<String>
    /// Real attaches of the probe programs; a class not probed counts as failed.
    public var attach: [AttachProbe: AttachResult]
    /// The kernel has a kprobe event source at all (kprobe PMU or kprobe_events); nil: unknown.
    public var kprobeEvents: Bool?
    /// Active LSMs in order (/sys/kernel/security/lsm); nil when the list could not be read.
    public var lsm: [String]?
    /// The cgroup v2 hierarchy's mount point.
    public var cgroupV2Root: String?

    public init(
        release: String, btf: Bool = true, btfError: String? = nil, ringBuffer: Bool = true,
        helpers: Set<String> = [], progTypes: Set<String> = [], btfTraceEvents: Set<String> = [],
        btfFuncs: Set<String> = [], tracefs: String? = "/sys/kernel/tracing", tracepoints: Set<String> = [],
        attach: [AttachProbe: AttachResult] = [:], kprobeEvents: Bool? = nil, lsm: [String]? = nil,
        cgroupV2Root: String? = nil
    ) {
        self.release = release
        self.btf = btf
        self.btfError = btfError
        self.ringBuffer = ringBuffer
        self.helpers = helpers
        self.progTypes = progTypes
        self.btfTraceEvents = btfTraceEvents
        self.btfFuncs = btfFuncs
        self.tracefs = tracefs
        self.tracepoints = tracepoints
        self.attach = attach
        self.kprobeEvents = kprobeEvents
        self.lsm = lsm
        self.cgroupV2Root = cgroupV2Root
    }

    public var version: KernelVersion? { KernelVersion(release: release) }

    public func attachResult(_ probe: AttachProbe) -> AttachResult {
        attach[probe] ?? AttachResult(errno: -1, message: "not probed")
    }

    /// BPF-LSM is usable: the bpf LSM is in the active list and LSM programs load
    /// and attach. An attach alone proves nothing (it succeeds with the LSM inactive).
    public var bpfLSM: Bool {
        (lsm?.contains("bpf") ?? false) && progTypes.contains("lsm") && attachResult(.lsm).ok
    }

    /// Why the BPF source cannot run here at all, or nil when the kernel meets its
    /// minimum: 5.8 or later, with BTF and a BPF ring buffer.
    public var belowMinimum: String? {
        var missing: [String] = []
        if let version, version < FeatureTable.minimumKernel {
            missing.append("kernel \(version) is older than \(FeatureTable.minimumKernel)")
        }
        if !btf { missing.append("no kernel BTF" + (btfError.map { " (\($0))" } ?? " (CONFIG_DEBUG_INFO_BTF)")) }
        if !ringBuffer { missing.append("no BPF ring buffer (BPF_MAP_TYPE_RINGBUF, kernel 5.8)") }
        guard !missing.isEmpty else { return nil }
        return "the BPF source needs kernel \(FeatureTable.minimumKernel) or later with BTF and a BPF ring buffer: "
            + missing.joined(separator: "; ")
    }

    /// Known kernel versions a helper first appeared in, for messages.
    public static let helperSince: [String: String] = ["bpf_loop": "5.17"]
}
