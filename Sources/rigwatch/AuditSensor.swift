import Foundation
import RigwatchCore
import RigwatchSources

extension LiveSensor {
    /// The poll loop over the kernel audit subsystem. Events are encoded into the
    /// kernel record layout so `run` and `record` treat them as BPF records.
    func runAudit(onRecord: @escaping (UnsafeRawBufferPointer) -> Void,
                  onDrops: (DropsEvent) -> Void,
                  afterPoll: () -> Void) throws -> (drops: UInt64, seconds: Double) {
        var auditOptions = AuditSource.Options()
        auditOptions.watchedUids = watchedUids
        auditOptions.argsCap = Int(options.argsCap)
        let source = try AuditSource(options: auditOptions)
        defer { source.close() }
        Signals.installStopHandlers()
        try source.start { event in EventEncoder.encode(event).withUnsafeBytes(onRecord) }
        for warning in source.warnings { Log.warning(warning) }
        let how: String
        switch source.mode {
        case .owner: how = "as the audit daemon"
        case .listener(let pid): how = "read-only beside the audit daemon (pid \(pid))"
        }
        Log.info("audit source: \(source.installedRules.count) rules keyed \(AuditRules.key), \(how), \(source.seededCount) running processes seeded into lineage; exec, credential and fork events only (network and GPU signals need the BPF source)")
        onReady?()

        let start = Date()
        let deadline = options.duration.map { start.addingTimeInterval($0) }
        var reportedDrops: UInt64 = 0
        var lastDropCheck = Date.distantPast
        while !Signals.shouldStop {
            let now = Date()
            if let deadline, now >= deadline { break }
            let waitMs = deadline.map { min(10, max(1, Int32($0.timeIntervalSince(now) * 1000))) } ?? 10
            try source.poll(timeoutMs: waitMs)
            afterPoll()
            for error in source.assembler.takeErrors() { Log.warning("audit record skipped: \(error)") }
            if now.timeIntervalSince(lastDropCheck) >= 1 {
                lastDropCheck = now
                let drops = source.drops()
                if drops > reportedDrops {
                    onDrops(DropsEvent(timestampNs: BootClock.nowNs(), lost: drops - reportedDrops, total: drops))
                    reportedDrops = drops
                }
            }
        }
        source.close() // flushes pending groups through the handler
        afterPoll()
        let drops = source.drops()
        if drops > reportedDrops {
            onDrops(DropsEvent(timestampNs: BootClock.nowNs(), lost: drops - reportedDrops, total: drops))
        }
        if Signals.lastSignal != 0 { Log.info("stopping on signal \(Signals.lastSignal)") }
        return (drops, Date().timeIntervalSince(start))
    }
}
