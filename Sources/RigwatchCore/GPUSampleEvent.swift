// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// One GPU at one instant (`struct rw_gpu_sample`), written by the userspace GPU
/// sampler (NVML, or nvidia-smi when NVML cannot load). Like drops, it describes no
/// process: the record header carries only the sample time.
public struct GPUSampleEvent: Equatable, Sendable {
    public struct Flags: OptionSet, Equatable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let fromNVML = Flags(rawValue: RW_GPU_FROM_NVML)
        public static let fromNvidiaSMI = Flags(rawValue: RW_GPU_FROM_NVIDIA_SMI)
        /// More compute processes ran than a record holds (`KernelABI.gpuMaxProcesses`).
        public static let processesTruncated = Flags(rawValue: RW_GPU_PROCS_TRUNC)
    }

    /// A compute process on the GPU (`struct rw_gpu_process`).
    public struct Process: Equatable, Sendable {
        /// Host pid (tgid) as the driver reports it.
        public var pid: UInt32
        public var usedMemoryBytes: UInt64

        public init(pid: UInt32, usedMemoryBytes: UInt64) {
            self.pid = pid
            self.usedMemoryBytes = usedMemoryBytes
        }
    }

    /// Where a sample came from, as JSON names it ("source").
    public enum Source: String, Sendable, CaseIterable {
        case nvml
        case nvidiaSMI = "nvidia-smi"
        /// Neither flag set (a hand-written or foreign record).
        case unknown
    }

    public var timestampNs: UInt64
    public var gpuIndex: UInt32
    public var flags: Flags
    /// Percent, 0...100 as the driver reports it (not clamped).
    public var utilGPU: UInt32
    public var utilMemory: UInt32
    public var temperatureC: UInt32
    public var powerMilliwatts: UInt32
    public var memoryUsedBytes: UInt64
    public var memoryTotalBytes: UInt64
    /// "GPU-…" from the driver; at most `KernelABI.gpuUUIDLength` bytes survive encoding.
    public var uuid: String
    /// At most `KernelABI.gpuMaxProcesses` survive encoding; see `procsTruncated`.
    public var processes: [Process]

    public init(
        timestampNs: UInt64, gpuIndex: UInt32, flags: Flags = [], utilGPU: UInt32, utilMemory: UInt32 = 0,
        temperatureC: UInt32 = 0, powerMilliwatts: UInt32 = 0, memoryUsedBytes: UInt64 = 0,
        memoryTotalBytes: UInt64 = 0, uuid: String = "", processes: [Process] = [], procsTruncated: Bool = false
    ) {
        self.timestampNs = timestampNs
        self.gpuIndex = gpuIndex
        self.flags = flags
        self.utilGPU = utilGPU
        self.utilMemory = utilMemory
        self.temperatureC = temperatureC
        self.powerMilliwatts = powerMilliwatts
        self.memoryUsedBytes = memoryUsedBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.uuid = uuid
        self.processes = processes
        if procsTruncated { self.flags.insert(.processesTruncated) }
    }

    /// The driver listed more compute processes than the record holds.
    public var procsTruncated: Bool {
        get { flags.contains(.processesTruncated) }
        set { if newValue { flags.insert(.processesTruncated) } else { flags.remove(.processesTruncated) } }
    }

    /// NVML wins when both flags are set (they never are from the sampler).
    public var source: Source {
        get {
            if flags.contains(.fromNVML) { return .nvml }
            if flags.contains(.fromNvidiaSMI) { return .nvidiaSMI }
            return .unknown
        }
        set {
            flags.remove([.fromNVML, .fromNvidiaSMI])
            switch newValue {
            case .nvml: flags.insert(.fromNVML)
            case .nvidiaSMI: flags.insert(.fromNvidiaSMI)
            case .unknown: break
            }
        }
    }

    /// A header with only the time set, as the record stores it.
    public var header: EventHeader { .timeOnly(timestampNs) }
}
