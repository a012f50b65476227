// SPDX-License-Identifier: Apache-2.0
/// Decides whether a GPU sample is mining-suspicious: busy while the host should be
/// idle (no allowed workload among the GPU's compute processes, or among live
/// processes when the driver names none), or busy with a compute process of a watched
/// user's lineage or of no allowed container.
struct GPUIdleJudge {
    enum Verdict: Equatable {
        /// Below the busy threshold.
        case notBusy
        /// Busy with allowed work only.
        case allowed
        /// Busy and suspicious; the suspects are empty when the driver named no process.
        case suspicious([GPUBusyRun.Suspect], reason: String)
    }

    let busyPercent: UInt32
    let allowedCgroups: Set<UInt64>
    let allowedNames: Set<String>
    /// Allowed names cut to the 15 bytes a comm keeps.
    let allowedCommNames: Set<String>

    init(settings: MiningSettings) {
        busyPercent = settings.busyPercent
        allowedCgroups = Set(settings.allowedCgroups)
        allowedNames = Set(settings.allowedProcessNames)
        allowedCommNames = Set(
            settings.allowedProcessNames.map { String(decoding: $0.utf8.prefix(Comm.capacity), as: UTF8.self) })
    }

    func judge(_ sample: GPUSampleEvent, context: DetectionContext) -> Verdict {
        guard sample.utilGPU >= busyPercent else { return .notBusy }
        let watched = context.config.watchedUids
        var suspects: [GPUBusyRun.Suspect] = []
        var allowedSeen = false
        for p in sample.processes {
            guard let record = context.processes.lookup(p.pid) else {
                suspects.append(.init(pid: p.pid, subject: nil, name: "?", reason: "unknown to the process table"))
                continue
            }
            let name = displayName(record)
            // The watched user's processes never have GPU work to do, whatever their name or cgroup.
            if record.lineageUid != noLineage && watched.contains(record.lineageUid) {
                suspects.append(
                    .init(
                        pid: p.pid, subject: MiningSubject(record, watchedUids: watched), name: name,
                        reason: "in the lineage of watched uid \(record.lineageUid)"))
            } else if isAllowed(record) {
                allowedSeen = true
            } else {
                suspects.append(
                    .init(
                        pid: p.pid, subject: MiningSubject(record, watchedUids: watched), name: name,
                        reason: "in cgroup \(record.cgroupId), not an allowed container or process name"))
            }
        }
        if !suspects.isEmpty {
            return .suspicious(suspects, reason: "busy with compute processes that are not allowed work")
        }
        if allowedSeen { return .allowed }
        // The driver named nobody (nvidia-smi in a container, or a pid namespace): any allowed work running counts.
        if sample.processes.isEmpty && liveAllowedWorkload(context) { return .allowed }
        return .suspicious([], reason: "busy while no allowed workload runs")
    }

    func isAllowed(_ record: ProcessRecord) -> Bool {
        if allowedCgroups.contains(record.cgroupId) { return true }
        if allowedNames.isEmpty { return false }
        let base = lastPathComponent(record.path)
        return allowedNames.contains(base) || allowedCommNames.contains(record.comm.description)
    }

    private func liveAllowedWorkload(_ context: DetectionContext) -> Bool {
        guard !allowedCgroups.isEmpty || !allowedNames.isEmpty else { return false }
        return context.processes.records.values.contains { isAllowed($0) }
    }

    private func displayName(_ record: ProcessRecord) -> String {
        let base = lastPathComponent(record.path)
        return base.isEmpty ? record.comm.description : base
    }
}
