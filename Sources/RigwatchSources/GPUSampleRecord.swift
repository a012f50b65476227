// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// One GPU's readings, whatever backend produced them: the values of an
/// RW_EVENT_GPU_SAMPLE record before they are laid out as bytes.
struct GPUReading {
    struct Process: Equatable {
        var pid: UInt32
        var usedMemoryBytes: UInt64
    }

    var index: UInt32
    var uuid: String
    var utilGPU: UInt32 = 0
    var utilMemory: UInt32 = 0
    var temperatureC: UInt32 = 0
    var powerMilliwatts: UInt32 = 0
    var memoryUsedBytes: UInt64 = 0
    var memoryTotalBytes: UInt64 = 0
    var processes: [Process] = []
}

/// Lays out `rw_gpu_sample` records (bpf/events.h) with the C struct itself, so
/// the bytes are the ones the NVML path writes: every unused byte zero.
enum GPUSampleRecord {
    static let headerAndFixedBytes = MemoryLayout<rw_gpu_sample>.offset(of: \rw_gpu_sample.procs)!
    static let processBytes = MemoryLayout<rw_gpu_process>.stride
    static let maxProcesses = Int(RW_GPU_MAX_PROCS)
    static let uuidBytes = Int(RW_GPU_UUID_LEN)

    /// Size of a record with `processes` entries.
    static func size(processes: Int) -> Int { headerAndFixedBytes + processes * processBytes }

    /// Builds the record and hands its `size` bytes to `body` (valid only during the call).
    static func withBytes<R>(
        _ reading: GPUReading, flags: UInt32, nowNs: UInt64,
        _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        var record = rw_gpu_sample()  // zero-initialized, padding included
        let kept = min(reading.processes.count, maxProcesses)
        record.hdr.kind = UInt16(RW_EVENT_GPU_SAMPLE.rawValue)
        record.hdr.size = UInt16(size(processes: kept))
        record.hdr.abi_version = UInt32(RW_ABI_VERSION)
        record.hdr.timestamp_ns = nowNs
        record.hdr.lineage_uid = RW_NO_LINEAGE
        record.gpu_index = reading.index
        record.flags = flags | (reading.processes.count > maxProcesses ? UInt32(RW_GPU_PROCS_TRUNC) : 0)
        record.util_gpu = reading.utilGPU
        record.util_memory = reading.utilMemory
        record.temperature_c = reading.temperatureC
        record.power_mw = reading.powerMilliwatts
        record.memory_used_bytes = reading.memoryUsedBytes
        record.memory_total_bytes = reading.memoryTotalBytes
        record.nprocs = UInt32(kept)
        withUnsafeMutableBytes(of: &record.uuid) { uuid in
            // At most 47 bytes: the last one stays NUL.
            for (i, byte) in reading.uuid.utf8.prefix(uuidBytes - 1).enumerated() { uuid[i] = byte }
        }
        withUnsafeMutableBytes(of: &record.procs) { procs in
            for (i, process) in reading.processes.prefix(kept).enumerated() {
                let entry = rw_gpu_process(pid: process.pid, reserved: 0, used_memory_bytes: process.usedMemoryBytes)
                procs.storeBytes(of: entry, toByteOffset: i * processBytes, as: rw_gpu_process.self)
            }
        }
        let byteCount = Int(record.hdr.size)
        return withUnsafeBytes(of: &record) { body(UnsafeRawBufferPointer(rebasing: $0[0..<byteCount])) }
    }
}
