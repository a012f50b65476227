// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchIO
import RigwatchService
import RigwatchSources

/// Where the live sensor's records go: the engine (`run`, `SensorSession`) or a
/// trace file (`record`). Every call comes on the poll loop's thread.
protocol RecordSink: AnyObject {
    /// The source is open and watching, before the first poll (sd_notify READY=1).
    func sourceReady(_ source: RecordSource)
    /// One record in the kernel layout; the bytes are valid during the call only.
    func record(_ raw: UnsafeRawBufferPointer)
    /// The kernel's lost-event counter went up.
    func drops(_ drops: DropsEvent)
    /// After each batch of records (flush output, handle signals).
    func afterPoll()
}

/// Opens the source `--source` asks for (preflight, load, attach; or audit) and runs
/// the one poll loop over it, shared by `run` and `record`.
struct LiveSensor {
    let options: SensorOptions
    let watchedUids: [UInt32]
    /// Seconds between reads of the in-kernel byte counters.
    var networkInterval: Double = 5
    /// GPU samples, when a GPU can be read; they join the kernel records here.
    var gpu: GPUSampling?
    /// Paths whose changes the kernel reports (empty: file monitoring off).
    var watchedPaths: [String] = []
    /// Seconds between self-checks of the kernel side (links, control maps); 0 = never.
    var integrityInterval: Double = 2
    /// Report signals and ptraces aimed at this process (tamper events).
    var reportTamper = true
    /// Requests from the sink's `afterPoll` (reload) to the running source.
    let control = LiveSensorControl()
    /// Forced rungs from the configuration (`bpf.hooks`); `--bpf-hook` wins per feature.
    var configHooks: [String: String] = [:]
    /// Keep the kernel side in bpffs across restarts (`rigwatch run`); nil pins nothing.
    var pinning: PinPolicy?
    /// Read PAM's audit records from the multicast group beside the source (`auth.enabled`).
    var readAuth = false
    /// The whitelist and `enforcement.mode` for the in-kernel judge; nil leaves it off.
    var enforcement: EnforcementRequest?

    /// Opens the source and hands every record to `sink` until the duration ends or
    /// a stop signal arrives.
    func run(into sink: RecordSink) throws -> (drops: UInt64, seconds: Double) {
        // Before anything attaches: a signal that arrives once "sensor attached" is
        // said (or while loading) must reach the loop, never the default action.
        Signals.installStopHandlers()
        let source = try open(sink.record)
        defer { source.close() }
        for warning in source.warnings { Log.warning(warning) }
        if let bpf = source as? BPFSource {
            for note in bpf.pinning.notes where !bpf.warnings.contains(note) { Log.info(note) }
            if let line = bpf.pinning.summary { Log.info(line) }
        }
        Log.info(source.summary)
        if let enforcement { try applyEnforcement(enforcement, to: source, atStart: true) }
        // GPU samples join the BPF source's records; the audit source runs without them.
        return try poll(source, gpu: source is BPFSource ? gpu : nil, into: sink)
    }

    /// Writes the whitelist into the kernel and sets the mode. At start a mode the
    /// source cannot honour stops the sensor (the operator asked for enforcement); on
    /// reload the previous enforcement stays.
    private func applyEnforcement(_ request: EnforcementRequest, to source: RecordSource, atStart: Bool) throws {
        guard let enforcing = source as? EnforcingSource else {
            if request.mode == .off { return }
            throw BPFSource.Failure(
                message:
                    "enforcement.mode \(request.mode.rawValue) needs the BPF source (the audit source only reports)")
        }
        do {
            let undecidable = try enforcing.setEnforcement(request.policies, mode: request.mode)
            if request.mode != .off || !atStart {
                Log.info("enforcement: \(request.mode.rawValue), \(request.policies.ruleCount) rules in the kernel")
            }
            for line in undecidable where request.mode != .off {
                Log.warning("enforcement: left to the detector (the kernel cannot hold it): \(line)")
            }
        } catch {
            if atStart && request.mode != .off { throw BPFSource.Failure(message: "\(error)") }
            throw error
        }
    }

    /// The multicast reader of PAM's records, or nil (off, or the group refused: a warning).
    private func openAuth() -> AuditLogMulticast? {
        guard readAuth else { return nil }
        do {
            let reader = try AuditLogMulticast()
            for warning in reader.warnings { Log.warning(warning) }
            Log.info("auth: reading PAM's audit records from the audit multicast group")
            return reader
        } catch {
            Log.warning("auth: not reading PAM's audit records: \(error)")
            return nil
        }
    }

    /// The source `--source` names, started; `auto` falls back to audit when BPF cannot load.
    private func open(_ onRecord: @escaping (UnsafeRawBufferPointer) -> Void) throws -> RecordSource {
        switch options.source {
        case .bpf:
            return try openBPF(onRecord)
        case .audit:
            return try openAudit(onRecord)
        case .auto:
            do {
                return try openBPF(onRecord)
            } catch let failure as BPFSource.Failure where failure.kind == .hook {
                throw failure  // the operator's --bpf-hook: fixed on the command line, never hidden by audit
            } catch {
                Log.warning("BPF source unavailable (\(error)); falling back to the audit source")
                return try openAudit(onRecord)
            }
        }
    }

    /// The one poll loop, for any source: records, GPU samples, the sink's
    /// `afterPoll`, reload requests, the source's periodic work, lost counts.
    private func poll(
        _ source: RecordSource, gpu: GPUSampling?, into sink: RecordSink
    ) throws -> (drops: UInt64, seconds: Double) {
        sink.sourceReady(source)

        gpu?.start()
        defer { gpu?.stop() }
        let auth = openAuth()
        let start = Date()
        let deadline = options.duration.map { start.addingTimeInterval($0) }
        // A pinned set's counter goes on across restarts: what the last sensor reported is
        // not news, what was lost while none ran is.
        var reportedDrops = min(source.dropsReported, source.drops())
        var lastDropCheck = Date.distantPast
        while !Signals.shouldStop {
            let now = Date()
            if let deadline, now >= deadline { break }
            let waitMs = deadline.map { min(10, max(1, Int32($0.timeIntervalSince(now) * 1000))) } ?? 10
            try source.poll(timeoutMs: waitMs)
            for record in gpu?.take() ?? [] { record.withUnsafeBytes(sink.record) }
            // Auth records join as encoded records, so traces keep them like GPU samples.
            auth?.drain { EventEncoder.encode(.auth($0)).withUnsafeBytes(sink.record) }
            sink.afterPoll()
            if let watching = source as? PathWatchingSource, let paths = control.takeWatchedPaths() {
                do {
                    try watching.setWatchedPaths(paths)
                    Log.info("watched paths now: \(paths.count)")
                } catch {
                    Log.error("keeping the previous watched paths: \(error)")
                }
            }
            if let request = control.takeEnforcement() {
                do {
                    try applyEnforcement(request, to: source, atStart: false)
                } catch {
                    Log.error("keeping the previous enforcement: \(error)")
                }
            }
            for line in source.periodic(now: now) { Log.warning(line) }
            if now.timeIntervalSince(lastDropCheck) >= 1 {
                lastDropCheck = now
                let drops = source.drops()
                if drops > reportedDrops {
                    sink.drops(
                        DropsEvent(timestampNs: SystemClock.bootNowNs(), lost: drops - reportedDrops, total: drops))
                    reportedDrops = drops
                    source.noteDropsReported(drops)
                }
            }
        }
        // Stop capturing, then drain what was captured up to that instant: events between
        // the stop signal and the detach are judged too. A pinned set goes on recording
        // unless this is an explicit clean stop (`--unpin-on-exit` and no stranger's signal).
        let bpf = source as? BPFSource
        bpf?.unpinOnStop = pinning?.unpinOnExit == true && !Signals.stoppedByStranger
        source.stopCapture()
        try source.drain(afterBatch: sink.afterPoll)
        sink.afterPoll()
        let drops = source.drops()
        if drops > reportedDrops {
            sink.drops(DropsEvent(timestampNs: SystemClock.bootNowNs(), lost: drops - reportedDrops, total: drops))
            source.noteDropsReported(drops)
        }
        if let bpf, let directory = bpf.pinning.directory {
            Log.info(
                "the BPF state stays pinned at \(directory): the kernel goes on recording for the next start (`rigwatch unpin` ends it)"
            )
        } else if bpf?.unpinOnStop == true, let directory = pinning?.directory {
            Log.info("unpinned \(directory): the BPF programs are detached")
        }
        if Signals.lastSignal != 0 { Log.info("stopping on signal \(Signals.lastSignal)") }
        return (drops, Date().timeIntervalSince(start))
    }

    /// Preflight, load, attach: everything that can fail before the first event.
    private func openBPF(_ onRecord: @escaping (UnsafeRawBufferPointer) -> Void) throws -> BPFSource {
        let preflight = Preflight(btfPath: options.btf ?? "/sys/kernel/btf/vmlinux", mountIfMissing: !options.noMount)
        for note in try preflight.run() { Log.info(note) }

        var bpfOptions = BPFSource.Options()
        bpfOptions.ringBufferBytes = options.ringBufferSize
        bpfOptions.argsCap = options.argsCap
        bpfOptions.btfPath = options.btf
        bpfOptions.objectPath = options.bpfObject
        bpfOptions.watchedUids = watchedUids
        bpfOptions.watchedPaths = watchedPaths
        bpfOptions.selfTgid = reportTamper ? UInt32(getpid()) : 0
        bpfOptions.pinDirectory = pinning?.directory
        bpfOptions.networkSnapshotSeconds = networkInterval
        bpfOptions.integrityCheckSeconds = integrityInterval
        if bpfOptions.cgroupPath == nil {
            Log.warning("no cgroup v2 mount found: destinations of unconnected UDP sends will be unknown")
        }
        // Batched wakeups: the kernel wakes us once a quarter of the buffer (at most
        // 64 KiB) is queued; otherwise the 10 ms poll below picks records up.
        bpfOptions.wakeupBytes = UInt64(min(64 << 10, options.ringBufferSize / 4))
        bpfOptions.hooks = configHooks.merging(options.hooks) { _, commandLine in commandLine }
        var planned: BPFSource.Planned?
        if try BPFSource.plansFeatures(bpfOptions) {
            var probe = KernelProbe()
            probe.mountIfMissing = !options.noMount
            let first = try BPFSource.planFeatures(bpfOptions, probe: probe)
            for note in first.notes { Log.info(note) }
            // Below the minimum the features say nothing useful: the one reason is the message.
            if first.facts.belowMinimum == nil || first.plan.problems.contains(where: { $0.kind == .hook }) {
                for feature in first.plan.features { Log.info("feature \(feature.label)") }
            }
            planned = first
        }
        // A program the probes could not foresee the kernel refusing (the verifier, an
        // attach) costs its rung, not the sensor: plan again without it and retry.
        var refused: [String: String] = [:]
        while true {
            bpfOptions.plan = planned?.plan
            do {
                let source = try BPFSource(options: bpfOptions)
                do {
                    try source.start(onRecord)
                } catch {
                    source.close()
                    throw error
                }
                return source
            } catch let failure as BPFSource.Failure where failure.kind == .pinsInUse {
                // Another sensor's live set is never taken from it; this one runs on its own.
                Log.warning("\(failure.message); running without pinned state")
                bpfOptions.pinDirectory = nil
            } catch let failure as BPFSource.Failure where failure.kind == .load {
                guard let before = planned, let (program, why) = BPFSource.refusedProgram(in: failure.message),
                    before.plan.programs.contains(program), refused[program] == nil,
                    let feature = before.plan.features.first(where: { $0.programs.contains(program) }),
                    !feature.forced
                else { throw failure }
                refused[program] = why
                let after = before.replanned(refusing: refused)
                Log.warning("the kernel refused \(program) of \(feature.feature) (\(why)); planning again without it")
                for (old, new) in zip(before.plan.features, after.plan.features) where old.label != new.label {
                    Log.info("feature \(new.label)")
                }
                // A required feature left with nothing: the plan's words first, then libbpf's.
                guard after.plan.canLoad else {
                    throw BPFSource.Failure(message: after.plan.problemSummary + "\n" + failure.message, kind: .kernel)
                }
                planned = after
            }
        }
    }

}

extension LiveSensor {
    /// The sensor as the configuration says: byte-counter interval, file watching,
    /// tamper checks, forced hooks; GPU samples from `gpu` when there is one.
    init(options: SensorOptions, settings: SensorConfig, watchedUids: [UInt32], gpu: GPUSampling?) {
        self.init(options: options, watchedUids: watchedUids)
        networkInterval = Double(settings.network.snapshotIntervalSeconds)
        self.gpu = gpu
        configureWatching(settings)
    }

    /// File-change paths, tamper signals and forced BPF hooks as the configuration says.
    mutating func configureWatching(_ settings: SensorConfig) {
        watchedPaths = settings.files.enabled ? settings.files.paths : []
        reportTamper = settings.tamper.enabled
        integrityInterval = settings.tamper.enabled ? Double(settings.tamper.integrityCheckSeconds) : 0
        configHooks = settings.bpf.hooks
        readAuth = settings.auth.enabled
    }
}

/// What the in-kernel judge runs with: the detector's own whitelist, and the mode.
struct EnforcementRequest {
    var policies: PolicySet
    var mode: EnforcementMode
}

/// Where `rigwatch run` keeps its kernel side across restarts, and whether a clean
/// stop ends it.
struct PinPolicy {
    var directory: String
    /// An explicit clean stop (end of --duration, a stop signal from the parent, PID 1
    /// or the terminal) detaches and unpins; a stop by anyone else keeps the set.
    var unpinOnExit = false
}

/// The host's mount namespace (PID 1's), to tell container-internal file writes
/// apart. Not /proc/self: the service's PrivateTmp/ProtectSystem give it its own.
func hostMountNamespace() -> UInt32? {
    var st = stat()
    guard stat("/proc/1/ns/mnt", &st) == 0 else { return nil }
    return UInt32(truncatingIfNeeded: st.st_ino)
}

/// What the main loop's callbacks ask of the running source; read and written on
/// the loop's own thread only (reload runs in `afterPoll`).
final class LiveSensorControl {
    private var pendingWatchedPaths: [String]?
    private var pendingEnforcement: EnforcementRequest?

    /// Asks the source to write a new whitelist or mode after the current batch.
    func requestEnforcement(_ request: EnforcementRequest) { pendingEnforcement = request }

    func takeEnforcement() -> EnforcementRequest? {
        defer { pendingEnforcement = nil }
        return pendingEnforcement
    }

    /// Asks the source to replace its watched paths after the current batch.
    func requestWatchedPaths(_ paths: [String]) { pendingWatchedPaths = paths }

    func takeWatchedPaths() -> [String]? {
        defer { pendingWatchedPaths = nil }
        return pendingWatchedPaths
    }
}

/// Runs the body of a command that loads a source, turning its failures into exit
/// statuses: 2 for unmet preconditions, 3 for a source that would not load.
func mappingSensorFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let failure as Preflight.Failure {
        Log.error(failure.description)
        throw ExitCode(2)
    } catch let failure as BPFSource.Failure {
        Log.error(failure.message)
        throw ExitCode(failure.kind == .hook ? 2 : 3)
    } catch let failure as AuditFailure {
        Log.error(failure.message)
        throw ExitCode(3)
    }
}
