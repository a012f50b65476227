// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// Sizes and offsets of the kernel records, taken from `bpf/events.h` itself so
/// the decoder and the BPF program cannot disagree. (Offsets of single fields are
/// in `ABIOffsets`; the key-path ones here are inlined getters for the same reason.)
public enum KernelABI {
    public static let version = UInt32(RW_ABI_VERSION)
    /// The oldest version still read: versions 2 and 4 only added kinds and version 3
    /// only the pinned state's layout, so a version 1 record has the same layout as its
    /// current counterpart.
    public static let oldestVersion: UInt32 = 1
    public static let headerSize = MemoryLayout<rw_header>.size
    /// Bytes of `kind` and `size`, the two fields that frame every record.
    @inlinable @inline(__always) public static var kindAndSizeBytes: Int {
        ABIOffsets.Header.size + MemoryLayout.size(ofValue: rw_header().size)
    }
    /// The largest record `rw_header.size` can declare.
    public static let maxRecordSize = Int(type(of: rw_header().size).max)
    @inlinable @inline(__always) public static var execFixedSize: Int {
        MemoryLayout<rw_exec>.offset(of: \rw_exec.args)!
    }
    @inlinable @inline(__always) public static var execFilenameOffset: Int {
        MemoryLayout<rw_exec>.offset(of: \rw_exec.filename)!
    }
    public static let filenameCapacity = Int(RW_FILENAME_LEN)
    public static let argsMax = Int(RW_ARGS_MAX)
    public static let credSize = MemoryLayout<rw_cred>.size
    public static let forkSize = MemoryLayout<rw_fork>.size
    public static let exitSize = MemoryLayout<rw_exit>.size
    public static let dropsSize = MemoryLayout<rw_drops>.size
    public static let connectSize = MemoryLayout<rw_connect>.size
    public static let netBytesSize = MemoryLayout<rw_net_bytes>.size
    /// `rw_gpu_sample` up to its process array; the record adds `gpuProcessSize` per process.
    @inlinable @inline(__always) public static var gpuSampleFixedSize: Int {
        MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)!
    }
    public static let gpuProcessSize = MemoryLayout<rw_gpu_process>.size
    public static let gpuMaxProcesses = Int(RW_GPU_MAX_PROCS)
    public static let gpuUUIDLength = Int(RW_GPU_UUID_LEN)
    public static let fileChangeSize = MemoryLayout<rw_file_change>.size
    @inlinable @inline(__always) public static var fileChangePathOffset: Int {
        MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path)!
    }
    @inlinable @inline(__always) public static var fileChangePath2Offset: Int {
        MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path2)!
    }
    /// Bytes of each path field, its NUL included: a path keeps at most `pathCapacity - 1`.
    public static let pathCapacity = Int(RW_PATH_LEN)
    /// Slots of the kernel's watched-path map, and bytes of a watched path (NUL included).
    public static let fileWatchMax = Int(RW_FILE_WATCH_MAX)
    public static let fileWatchLength = Int(RW_FILE_WATCH_LEN)
    public static let tamperSize = MemoryLayout<rw_tamper>.size
    public static let tamperDenied = UInt32(RW_TAMPER_DENIED)
    public static let integritySize = MemoryLayout<rw_integrity>.size
    @inlinable @inline(__always) public static var integrityNameOffset: Int {
        MemoryLayout<rw_integrity>.offset(of: \rw_integrity.name)!
    }
    /// The `name` field of `rw_integrity` runs to the end of the record.
    @inlinable @inline(__always) public static var integrityNameLength: Int { integritySize - integrityNameOffset }

    public static let authSize = MemoryLayout<rw_auth>.size

    public static let firstPayloadSize = MemoryLayout<rw_first_payload>.size
    @inlinable @inline(__always) public static var firstPayloadDataOffset: Int {
        MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.data)!
    }
    /// Bytes of a first payload the kernel keeps at most.
    public static let payloadPrefix = Int(RW_PAYLOAD_PREFIX)
    public static let payloadFault = UInt32(RW_PAYLOAD_FAULT)
    public static let unixConnectSize = MemoryLayout<rw_unix_connect>.size
    @inlinable @inline(__always) public static var unixConnectPathOffset: Int {
        MemoryLayout<rw_unix_connect>.offset(of: \rw_unix_connect.path)!
    }
    @inlinable @inline(__always) public static var unixConnectPeerOffset: Int {
        MemoryLayout<rw_unix_connect>.offset(of: \rw_unix_connect.peer)!
    }
    /// Bytes of each unix path field, its NUL included.
    public static let unixPathCapacity = Int(RW_UNIX_PATH_LEN)

    /// Address families and transport protocols (`RW_AF_*`, `RW_IPPROTO_*`), at the
    /// width of the `family` and `protocol` fields.
    public static let afInet = UInt16(RW_AF_INET)
    public static let afInet6 = UInt16(RW_AF_INET6)
    public static let ipprotoTCP = UInt16(RW_IPPROTO_TCP)
    public static let ipprotoUDP = UInt16(RW_IPPROTO_UDP)

    static let kindExec = UInt16(RW_EVENT_EXEC.rawValue)
    static let kindCred = UInt16(RW_EVENT_CRED.rawValue)
    static let kindFork = UInt16(RW_EVENT_FORK.rawValue)
    static let kindExit = UInt16(RW_EVENT_EXIT.rawValue)
    static let kindDrops = UInt16(RW_EVENT_DROPS.rawValue)
    static let kindConnect = UInt16(RW_EVENT_CONNECT.rawValue)
    static let kindNetBytes = UInt16(RW_EVENT_NET_BYTES.rawValue)
    static let kindGPUSample = UInt16(RW_EVENT_GPU_SAMPLE.rawValue)
    static let kindFileChange = UInt16(RW_EVENT_FILE_CHANGE.rawValue)
    static let kindTamper = UInt16(RW_EVENT_TAMPER.rawValue)
    static let kindIntegrity = UInt16(RW_EVENT_INTEGRITY.rawValue)
    static let kindFirstPayload = UInt16(RW_EVENT_FIRST_PAYLOAD.rawValue)
    static let kindUnixConnect = UInt16(RW_EVENT_UNIX_CONNECT.rawValue)
    static let kindAuth = UInt16(RW_EVENT_AUTH.rawValue)
    static let kindEnforce = UInt16(RW_EVENT_ENFORCE.rawValue)

    /// The version that introduced a kind: a record claiming an older one is corrupt.
    static func firstVersion(ofKind kind: UInt16) -> UInt32 {
        switch kind {
        case kindFileChange, kindTamper, kindIntegrity: return 2
        case kindFirstPayload, kindUnixConnect: return 4
        case kindAuth: return 5
        case kindEnforce: return 7  // 6's enforce layout (unreleased) had no stage or class
        default: return 1
        }
    }
}

/// Byte offsets of every field the decoder reads, each taken from its C struct in
/// `bpf/events.h` (never a literal): a field that moves there moves here, and one
/// renamed or removed there stops this file compiling. ABILayoutTests checks them
/// against C's own offsetof.
///
/// Inlined getters rather than `static let`s: the optimizer folds `offset(of:)` of a
/// C struct's stored field to a constant at each use, so a decode reads fields at
/// immediate offsets, with no key-path lookup and no `swift_once` check per field (a
/// `static let` kept one such lazy-initialization call per field read in the release build).
public enum ABIOffsets {
    /// `struct rw_header`.
    public enum Header {
        @inlinable @inline(__always) public static var kind: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.kind)!
        }
        @inlinable @inline(__always) public static var size: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.size)!
        }
        @inlinable @inline(__always) public static var abiVersion: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.abi_version)!
        }
        @inlinable @inline(__always) public static var timestampNs: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.timestamp_ns)!
        }
        @inlinable @inline(__always) public static var pid: Int { MemoryLayout<rw_header>.offset(of: \rw_header.pid)! }
        @inlinable @inline(__always) public static var tgid: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.tgid)!
        }
        @inlinable @inline(__always) public static var ppid: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.ppid)!
        }
        @inlinable @inline(__always) public static var uid: Int { MemoryLayout<rw_header>.offset(of: \rw_header.uid)! }
        @inlinable @inline(__always) public static var euid: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.euid)!
        }
        @inlinable @inline(__always) public static var gid: Int { MemoryLayout<rw_header>.offset(of: \rw_header.gid)! }
        @inlinable @inline(__always) public static var egid: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.egid)!
        }
        @inlinable @inline(__always) public static var lineageUid: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.lineage_uid)!
        }
        @inlinable @inline(__always) public static var cgroupId: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.cgroup_id)!
        }
        @inlinable @inline(__always) public static var comm: Int {
            MemoryLayout<rw_header>.offset(of: \rw_header.comm)!
        }
    }

    /// `struct rw_enforce`.
    public enum Enforce {
        @inlinable @inline(__always) public static var action: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.action)!
        }
        @inlinable @inline(__always) public static var rule: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.rule)!
        }
        @inlinable @inline(__always) public static var argc: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.argc)!
        }
        @inlinable @inline(__always) public static var argsLen: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.args_len)!
        }
        @inlinable @inline(__always) public static var flags: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.flags)!
        }
        @inlinable @inline(__always) public static var half: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.half)!
        }
        @inlinable @inline(__always) public static var stage: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.stage)!
        }
        @inlinable @inline(__always) public static var childClass: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.child_class)!
        }
        @inlinable @inline(__always) public static var filename: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.filename)!
        }
        @inlinable @inline(__always) public static var args: Int {
            MemoryLayout<rw_enforce>.offset(of: \rw_enforce.args)!
        }
    }

    /// `struct rw_exec`.
    public enum Exec {
        @inlinable @inline(__always) public static var loginUid: Int {
            MemoryLayout<rw_exec>.offset(of: \rw_exec.loginuid)!
        }
        @inlinable @inline(__always) public static var flags: Int { MemoryLayout<rw_exec>.offset(of: \rw_exec.flags)! }
        @inlinable @inline(__always) public static var argc: Int { MemoryLayout<rw_exec>.offset(of: \rw_exec.argc)! }
        @inlinable @inline(__always) public static var argsLen: Int {
            MemoryLayout<rw_exec>.offset(of: \rw_exec.args_len)!
        }
        @inlinable @inline(__always) public static var oldPid: Int {
            MemoryLayout<rw_exec>.offset(of: \rw_exec.old_pid)!
        }
        @inlinable @inline(__always) public static var filename: Int {
            MemoryLayout<rw_exec>.offset(of: \rw_exec.filename)!
        }
        @inlinable @inline(__always) public static var args: Int { MemoryLayout<rw_exec>.offset(of: \rw_exec.args)! }
    }

    /// `struct rw_ids`, relative to the start of the `rw_ids` field that holds them.
    public enum Ids {
        @inlinable @inline(__always) public static var uid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.uid)! }
        @inlinable @inline(__always) public static var euid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.euid)! }
        @inlinable @inline(__always) public static var suid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.suid)! }
        @inlinable @inline(__always) public static var fsuid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.fsuid)! }
        @inlinable @inline(__always) public static var gid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.gid)! }
        @inlinable @inline(__always) public static var egid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.egid)! }
        @inlinable @inline(__always) public static var sgid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.sgid)! }
        @inlinable @inline(__always) public static var fsgid: Int { MemoryLayout<rw_ids>.offset(of: \rw_ids.fsgid)! }
    }

    /// `struct rw_cred`.
    public enum Cred {
        @inlinable @inline(__always) public static var syscall: Int {
            MemoryLayout<rw_cred>.offset(of: \rw_cred.syscall)!
        }
        @inlinable @inline(__always) public static var ret: Int { MemoryLayout<rw_cred>.offset(of: \rw_cred.ret)! }
        /// The three elements of `requested[3]`.
        @inlinable @inline(__always) public static var requested0: Int {
            MemoryLayout<rw_cred>.offset(of: \rw_cred.requested.0)!
        }
        @inlinable @inline(__always) public static var requested1: Int {
            MemoryLayout<rw_cred>.offset(of: \rw_cred.requested.1)!
        }
        @inlinable @inline(__always) public static var requested2: Int {
            MemoryLayout<rw_cred>.offset(of: \rw_cred.requested.2)!
        }
        @inlinable @inline(__always) public static var before: Int {
            MemoryLayout<rw_cred>.offset(of: \rw_cred.before)!
        }
        @inlinable @inline(__always) public static var after: Int { MemoryLayout<rw_cred>.offset(of: \rw_cred.after)! }
    }

    /// `struct rw_fork`.
    public enum Fork {
        @inlinable @inline(__always) public static var childPid: Int {
            MemoryLayout<rw_fork>.offset(of: \rw_fork.child_pid)!
        }
        @inlinable @inline(__always) public static var childTgid: Int {
            MemoryLayout<rw_fork>.offset(of: \rw_fork.child_tgid)!
        }
    }

    /// `struct rw_exit`.
    public enum Exit {
        @inlinable @inline(__always) public static var exitCode: Int {
            MemoryLayout<rw_exit>.offset(of: \rw_exit.exit_code)!
        }
        @inlinable @inline(__always) public static var signal: Int {
            MemoryLayout<rw_exit>.offset(of: \rw_exit.signal)!
        }
    }

    /// `struct rw_drops`.
    public enum Drops {
        @inlinable @inline(__always) public static var lost: Int { MemoryLayout<rw_drops>.offset(of: \rw_drops.lost)! }
        @inlinable @inline(__always) public static var total: Int {
            MemoryLayout<rw_drops>.offset(of: \rw_drops.total)!
        }
    }

    /// `struct rw_connect`.
    public enum Connect {
        @inlinable @inline(__always) public static var family: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.family)!
        }
        @inlinable @inline(__always) public static var `protocol`: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.protocol)!
        }
        @inlinable @inline(__always) public static var sport: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.sport)!
        }
        @inlinable @inline(__always) public static var dport: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.dport)!
        }
        @inlinable @inline(__always) public static var saddr: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.saddr)!
        }
        @inlinable @inline(__always) public static var daddr: Int {
            MemoryLayout<rw_connect>.offset(of: \rw_connect.daddr)!
        }
    }

    /// `struct rw_first_payload`.
    public enum FirstPayload {
        @inlinable @inline(__always) public static var family: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.family)!
        }
        @inlinable @inline(__always) public static var `protocol`: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.protocol)!
        }
        @inlinable @inline(__always) public static var sport: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.sport)!
        }
        @inlinable @inline(__always) public static var dport: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.dport)!
        }
        @inlinable @inline(__always) public static var saddr: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.saddr)!
        }
        @inlinable @inline(__always) public static var daddr: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.daddr)!
        }
        @inlinable @inline(__always) public static var len: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.len)!
        }
        @inlinable @inline(__always) public static var sendLen: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.send_len)!
        }
        @inlinable @inline(__always) public static var flags: Int {
            MemoryLayout<rw_first_payload>.offset(of: \rw_first_payload.flags)!
        }
    }

    /// `struct rw_unix_connect`.
    public enum UnixConnect {
        @inlinable @inline(__always) public static var ret: Int {
            MemoryLayout<rw_unix_connect>.offset(of: \rw_unix_connect.ret)!
        }
    }

    /// `struct rw_net_bytes`.
    public enum NetBytes {
        @inlinable @inline(__always) public static var family: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.family)!
        }
        @inlinable @inline(__always) public static var `protocol`: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.protocol)!
        }
        @inlinable @inline(__always) public static var dport: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.dport)!
        }
        @inlinable @inline(__always) public static var daddr: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.daddr)!
        }
        @inlinable @inline(__always) public static var bytes: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.bytes)!
        }
        @inlinable @inline(__always) public static var sends: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.sends)!
        }
        @inlinable @inline(__always) public static var firstNs: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.first_ns)!
        }
        @inlinable @inline(__always) public static var lastNs: Int {
            MemoryLayout<rw_net_bytes>.offset(of: \rw_net_bytes.last_ns)!
        }
    }

    /// `struct rw_gpu_sample`.
    public enum GPUSample {
        @inlinable @inline(__always) public static var gpuIndex: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.gpu_index)!
        }
        @inlinable @inline(__always) public static var flags: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.flags)!
        }
        @inlinable @inline(__always) public static var utilGPU: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.util_gpu)!
        }
        @inlinable @inline(__always) public static var utilMemory: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.util_memory)!
        }
        @inlinable @inline(__always) public static var temperatureC: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.temperature_c)!
        }
        @inlinable @inline(__always) public static var powerMilliwatts: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.power_mw)!
        }
        @inlinable @inline(__always) public static var memoryUsedBytes: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.memory_used_bytes)!
        }
        @inlinable @inline(__always) public static var memoryTotalBytes: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.memory_total_bytes)!
        }
        @inlinable @inline(__always) public static var nprocs: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.nprocs)!
        }
        @inlinable @inline(__always) public static var uuid: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.uuid)!
        }
        @inlinable @inline(__always) public static var procs: Int {
            MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)!
        }
    }

    /// `struct rw_gpu_process`, relative to the start of its entry.
    public enum GPUProcess {
        @inlinable @inline(__always) public static var pid: Int {
            MemoryLayout<rw_gpu_process>.offset(of: \rw_gpu_process.pid)!
        }
        @inlinable @inline(__always) public static var usedMemoryBytes: Int {
            MemoryLayout<rw_gpu_process>.offset(of: \rw_gpu_process.used_memory_bytes)!
        }
    }

    /// `struct rw_file_change`.
    public enum FileChange {
        @inlinable @inline(__always) public static var op: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.op)!
        }
        @inlinable @inline(__always) public static var flags: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.flags)!
        }
        @inlinable @inline(__always) public static var openFlags: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.open_flags)!
        }
        @inlinable @inline(__always) public static var ret: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.ret)!
        }
        @inlinable @inline(__always) public static var mntns: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.mntns)!
        }
        @inlinable @inline(__always) public static var path: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path)!
        }
        @inlinable @inline(__always) public static var path2: Int {
            MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path2)!
        }
    }

    /// `struct rw_tamper`.
    public enum Tamper {
        @inlinable @inline(__always) public static var op: Int { MemoryLayout<rw_tamper>.offset(of: \rw_tamper.op)! }
        @inlinable @inline(__always) public static var targetPid: Int {
            MemoryLayout<rw_tamper>.offset(of: \rw_tamper.target_pid)!
        }
        @inlinable @inline(__always) public static var arg: Int { MemoryLayout<rw_tamper>.offset(of: \rw_tamper.arg)! }
        @inlinable @inline(__always) public static var result: Int {
            MemoryLayout<rw_tamper>.offset(of: \rw_tamper.result)!
        }
        @inlinable @inline(__always) public static var flags: Int {
            MemoryLayout<rw_tamper>.offset(of: \rw_tamper.flags)!
        }
    }

    /// `struct rw_integrity`.
    public enum Integrity {
        @inlinable @inline(__always) public static var problem: Int {
            MemoryLayout<rw_integrity>.offset(of: \rw_integrity.problem)!
        }
        @inlinable @inline(__always) public static var expected: Int {
            MemoryLayout<rw_integrity>.offset(of: \rw_integrity.expected)!
        }
        @inlinable @inline(__always) public static var found: Int {
            MemoryLayout<rw_integrity>.offset(of: \rw_integrity.found)!
        }
        @inlinable @inline(__always) public static var name: Int {
            MemoryLayout<rw_integrity>.offset(of: \rw_integrity.name)!
        }
    }

    /// `struct rw_auth`: each string field's offset and its length.
    public enum Auth {
        @inlinable @inline(__always) public static var auid: Int { MemoryLayout<rw_auth>.offset(of: \rw_auth.auid)! }
        @inlinable @inline(__always) public static var ses: Int { MemoryLayout<rw_auth>.offset(of: \rw_auth.ses)! }
        @inlinable @inline(__always) public static var recordType: Int {
            MemoryLayout<rw_auth>.offset(of: \rw_auth.record_type)!
        }
        @inlinable @inline(__always) public static var success: Int {
            MemoryLayout<rw_auth>.offset(of: \rw_auth.success)!
        }
        public static let op = (MemoryLayout<rw_auth>.offset(of: \rw_auth.op)!, Int(RW_AUTH_OP_LEN))
        public static let acct = (MemoryLayout<rw_auth>.offset(of: \rw_auth.acct)!, Int(RW_AUTH_ACCT_LEN))
        public static let exe = (MemoryLayout<rw_auth>.offset(of: \rw_auth.exe)!, Int(RW_AUTH_EXE_LEN))
        public static let hostname = (
            MemoryLayout<rw_auth>.offset(of: \rw_auth.hostname)!, Int(RW_AUTH_HOSTNAME_LEN)
        )
        public static let addr = (MemoryLayout<rw_auth>.offset(of: \rw_auth.addr)!, Int(RW_AUTH_ADDR_LEN))
        public static let terminal = (
            MemoryLayout<rw_auth>.offset(of: \rw_auth.terminal)!, Int(RW_AUTH_TERMINAL_LEN)
        )
    }
}
