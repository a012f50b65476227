import CRigwatchABI

/// Sizes and offsets of the kernel records, taken from `bpf/events.h` itself so
/// the decoder and the BPF program cannot disagree.
public enum KernelABI {
    public static let version = UInt32(RW_ABI_VERSION)
    /// The oldest version still read: version 2 only added kinds, so a version 1
    /// record has the same layout as its version 2 counterpart.
    public static let oldestVersion: UInt32 = 1
    public static let headerSize = MemoryLayout<rw_header>.size
    public static let execFixedSize = MemoryLayout<rw_exec>.offset(of: \rw_exec.args)!
    public static let execFilenameOffset = MemoryLayout<rw_exec>.offset(of: \rw_exec.filename)!
    public static let filenameCapacity = Int(RW_FILENAME_LEN)
    public static let argsMax = Int(RW_ARGS_MAX)
    public static let credSize = MemoryLayout<rw_cred>.size
    public static let forkSize = MemoryLayout<rw_fork>.size
    public static let exitSize = MemoryLayout<rw_exit>.size
    public static let dropsSize = MemoryLayout<rw_drops>.size
    public static let connectSize = MemoryLayout<rw_connect>.size
    public static let netBytesSize = MemoryLayout<rw_net_bytes>.size
    /// `rw_gpu_sample` up to its process array; the record adds `gpuProcessSize` per process.
    public static let gpuSampleFixedSize = MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)!
    public static let gpuProcessSize = MemoryLayout<rw_gpu_process>.size
    public static let gpuMaxProcesses = Int(RW_GPU_MAX_PROCS)
    public static let gpuUUIDLength = Int(RW_GPU_UUID_LEN)
    public static let fileChangeSize = MemoryLayout<rw_file_change>.size
    public static let fileChangePathOffset = MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path)!
    public static let fileChangePath2Offset = MemoryLayout<rw_file_change>.offset(of: \rw_file_change.path2)!
    /// Bytes of each path field, its NUL included: a path keeps at most `pathCapacity - 1`.
    public static let pathCapacity = Int(RW_PATH_LEN)
    /// Slots of the kernel's watched-path map, and bytes of a watched path (NUL included).
    public static let fileWatchMax = Int(RW_FILE_WATCH_MAX)
    public static let fileWatchLength = Int(RW_FILE_WATCH_LEN)
    public static let tamperSize = MemoryLayout<rw_tamper>.size
    public static let integritySize = MemoryLayout<rw_integrity>.size
    public static let integrityNameOffset = MemoryLayout<rw_integrity>.offset(of: \rw_integrity.name)!
    /// The `name` field of `rw_integrity` runs to the end of the record.
    public static let integrityNameLength = integritySize - integrityNameOffset

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

    /// The version that introduced a kind: a record claiming an older one is corrupt.
    static func firstVersion(ofKind kind: UInt16) -> UInt32 {
        switch kind {
        case kindFileChange, kindTamper, kindIntegrity: return 2
        default: return 1
        }
    }
}
