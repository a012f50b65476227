// SPDX-License-Identifier: Apache-2.0
/// One GPU's current stretch of busy samples taken while nothing allowed ran
/// (or while a suspect process computed on it): the series an alert summarises.
struct GPUBusyRun {
    /// A compute process the run is charged to.
    struct Suspect: Equatable {
        var pid: UInt32
        /// Nil when the process table does not know the pid.
        var subject: MiningSubject?
        var name: String
        var reason: String
    }

    let gpuIndex: UInt32
    var uuid: String
    let startNs: UInt64
    var lastNs: UInt64
    var minUtil: UInt32
    var maxUtil: UInt32
    var utilSum: UInt64 = 0
    var samples = 0
    /// Suspect processes seen during the run, first seen first (bounded).
    var suspects: [Suspect] = []
    /// Why the host should have been idle, from the latest sample.
    var idleReason: String
    /// The run lasted long enough to be a signal.
    var fired = false

    static let maxSuspects = 8

    init(_ sample: GPUSampleEvent, idleReason: String) {
        gpuIndex = sample.gpuIndex
        uuid = sample.uuid
        startNs = sample.timestampNs
        lastNs = sample.timestampNs
        minUtil = sample.utilGPU
        maxUtil = sample.utilGPU
        self.idleReason = idleReason
    }

    mutating func add(_ sample: GPUSampleEvent, suspects new: [Suspect], idleReason: String) {
        lastNs = max(lastNs, sample.timestampNs)
        minUtil = min(minUtil, sample.utilGPU)
        maxUtil = max(maxUtil, sample.utilGPU)
        utilSum &+= UInt64(sample.utilGPU)
        samples += 1
        if !sample.uuid.isEmpty { uuid = sample.uuid }
        self.idleReason = idleReason
        for s in new where suspects.count < Self.maxSuspects && !suspects.contains(where: { $0.pid == s.pid }) {
            suspects.append(s)
        }
    }

    var durationNs: UInt64 { lastNs - startNs }

    /// The subjects of known suspects; empty when the use is charged to the host.
    var subjects: [MiningSubject] {
        var result: [MiningSubject] = []
        for s in suspects { if let subject = s.subject, !result.contains(subject) { result.append(subject) } }
        return result
    }

    /// Unknown pids, or no process named at all: nobody to charge but the host.
    var chargesHost: Bool { suspects.isEmpty || suspects.contains { $0.subject == nil } }

    /// "GPU 0 (GPU-…): util min 91% avg 97.4% max 100% over 60.0 s (31 samples)".
    var summary: String {
        let avg = samples > 0 ? Double(utilSum) / Double(samples) : 0
        let name = uuid.isEmpty ? "GPU \(gpuIndex)" : "GPU \(gpuIndex) (\(uuid))"
        return "\(name): util min \(minUtil)% avg \(DetectorSupport.fixed(avg, decimals: 1))% max \(maxUtil)% over "
            + "\(DetectorSupport.fixed(Double(durationNs) / 1e9, decimals: 1)) s (\(samples) samples)"
    }

    var suspectText: String {
        suspects.map { "\($0.pid) (\($0.name)): \($0.reason)" }.joined(separator: "; ")
    }
}
