// SPDX-License-Identifier: Apache-2.0
import CNVML
import CRigwatchABI
import Foundation

/// Samples every NVIDIA GPU of the host into RW_EVENT_GPU_SAMPLE records: NVML
/// (loaded at run time, so hosts without the driver run the same binary), else
/// the nvidia-smi command, else nothing with a one-line reason.
public final class GPUSampler {
    public enum Backend: Equatable {
        case nvml(library: String)
        case nvidiaSMI(path: String)
        /// No GPU source: `reason` is the one line to log.
        case none(reason: String)
    }

    public let backend: Backend
    /// Why NVML was not used (nil when it is): kept when a fallback took over.
    public let nvmlError: String?
    /// The problem of the latest `sample` call (a GPU or an output line skipped,
    /// nvidia-smi failing or timing out); nil when it went cleanly.
    public private(set) var lastError: String?
    /// The deadline of one nvidia-smi run; it is killed past it.
    public var nvidiaSMITimeout: Double = 5

    private let nvml: OpaquePointer?

    private init(backend: Backend, nvml: OpaquePointer?, nvmlError: String?) {
        self.backend = backend
        self.nvml = nvml
        self.nvmlError = nvmlError
    }

    deinit { rw_nvml_close(nvml) }

    public static let defaultNVMLLibrary = "libnvidia-ml.so.1"

    /// NVML from `nvmlLibrary` (default: the driver's soname), else nvidia-smi at
    /// `nvidiaSMI` (default: on PATH, else /usr/bin/nvidia-smi), else `.none`.
    public static func open(nvmlLibrary: String? = nil, nvidiaSMI: String? = nil) -> GPUSampler {
        let library = nvmlLibrary ?? defaultNVMLLibrary
        var handle: OpaquePointer?
        var message = [CChar](repeating: 0, count: 512)
        if rw_nvml_open(library, &handle, &message, message.count) == 0, let handle {
            return GPUSampler(backend: .nvml(library: library), nvml: handle, nvmlError: nil)
        }
        let nvmlError = String(
            decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)

        let smiReason: String
        if let smi = nvidiaSMI ?? findOnPath("nvidia-smi") ?? existing("/usr/bin/nvidia-smi") {
            if access(smi, X_OK) != 0 {
                smiReason = "nvidia-smi not found (\(smi))"
            } else if let probeError = probe(smi) {
                smiReason = probeError
            } else {
                return GPUSampler(backend: .nvidiaSMI(path: smi), nvml: nil, nvmlError: nvmlError)
            }
        } else {
            smiReason = "nvidia-smi not found"
        }
        let reason = "no NVIDIA GPU: \(nvmlError) and \(smiReason); the mining detector's GPU signal is off"
        return GPUSampler(backend: .none(reason: reason), nvml: nil, nvmlError: nvmlError)
    }

    /// Produces one record per GPU for `nowNs` (CLOCK_BOOTTIME) and hands each
    /// to `emit` (the bytes are valid only during the call). Returns the count.
    @discardableResult
    public func sample(nowNs: UInt64, _ emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        lastError = nil
        switch backend {
        case .nvml:
            return sampleNVML(nowNs: nowNs, emit)
        case .nvidiaSMI(let path):
            return sampleNvidiaSMI(path: path, nowNs: nowNs, emit)
        case .none:
            return 0
        }
    }

    private func sampleNVML(nowNs: UInt64, _ emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard let nvml else { return 0 }
        let count = rw_nvml_device_count(nvml)
        guard count >= 0 else {
            lastError = String(cString: rw_nvml_last_error(nvml))
            return 0
        }
        var problems: [String] = []
        var emitted = 0
        var record = rw_gpu_sample()
        for index in 0..<UInt32(count) {
            guard rw_nvml_sample(nvml, index, nowNs, &record) == 0 else {
                problems.append(String(cString: rw_nvml_last_error(nvml)))
                continue
            }
            let byteCount = Int(record.hdr.size)
            withUnsafeBytes(of: &record) { emit(UnsafeRawBufferPointer(rebasing: $0[0..<byteCount])) }
            emitted += 1
        }
        lastError = problems.isEmpty ? nil : problems.joined(separator: "; ")
        return emitted
    }

    private func sampleNvidiaSMI(path: String, nowNs: UInt64, _ emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        let result = NvidiaSMI(path: path, timeout: nvidiaSMITimeout).read()
        lastError = result.problems.isEmpty ? nil : result.problems.joined(separator: "; ")
        for reading in result.readings {
            GPUSampleRecord.withBytes(reading, flags: UInt32(RW_GPU_FROM_NVIDIA_SMI), nowNs: nowNs, emit)
        }
        return result.readings.count
    }

    // MARK: - Finding nvidia-smi

    private static func findOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func existing(_ path: String) -> String? {
        access(path, F_OK) == 0 ? path : nil
    }

    /// Runs the GPU query once: an nvidia-smi that cannot reach the driver fails here, not every 2 s.
    private static func probe(_ path: String) -> String? {
        switch ChildProcess.run(path, [NvidiaSMI.gpuQuery, NvidiaSMI.format], timeout: 5) {
        case .failure(let failure):
            return "nvidia-smi unusable (\(failure))"
        case .success(let output) where output.exitStatus != 0:
            let detail = output.stderr.split(separator: "\n").first ?? output.stdout.split(separator: "\n").first ?? ""
            return "nvidia-smi failed with status \(output.exitStatus) (\(detail))"
        case .success:
            return nil
        }
    }
}
