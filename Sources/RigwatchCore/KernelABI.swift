import CRigwatchABI

/// Sizes and offsets of the kernel records, taken from `bpf/events.h` itself so
/// the decoder and the BPF program cannot disagree.
public enum KernelABI {
    public static let version = UInt32(RW_ABI_VERSION)
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

    static let kindExec = UInt16(RW_EVENT_EXEC.rawValue)
    static let kindCred = UInt16(RW_EVENT_CRED.rawValue)
    static let kindFork = UInt16(RW_EVENT_FORK.rawValue)
    static let kindExit = UInt16(RW_EVENT_EXIT.rawValue)
    static let kindDrops = UInt16(RW_EVENT_DROPS.rawValue)
    static let kindConnect = UInt16(RW_EVENT_CONNECT.rawValue)
    static let kindNetBytes = UInt16(RW_EVENT_NET_BYTES.rawValue)
    static let kindGPUSample = UInt16(RW_EVENT_GPU_SAMPLE.rawValue)
}
