// SPDX-License-Identifier: Apache-2.0
import CBPF
import Foundation
import RigwatchCore
import RigwatchIO

/// The kernel sensor: loads the embedded BPF program, attaches it, and hands each
/// ring-buffer record to a callback in place (the bytes are valid only during the call).
public final class BPFSource {
    public struct Options {
        /// Ring buffer size in bytes: a power of two and a multiple of the page size.
        public var ringBufferBytes: UInt32 = 8 << 20
        /// Bytes of argv captured per exec (<= 4096).
        public var argsCap: UInt32 = UInt32(KernelABI.argsMax)
        /// Queued bytes that wake the consumer; below it records wait for the next
        /// poll (its timeout bounds the delay). 0 wakes on every record.
        public var wakeupBytes: UInt64 = 0
        /// Kernel BTF for CO-RE relocations; nil uses /sys/kernel/btf/vmlinux.
        public var btfPath: String?
        /// Another BPF object to load instead of the embedded one (development and tests).
        public var objectPath: String?
        public var watchedUids: [UInt32] = []
        /// Seed lineage from /proc for processes that run before attach.
        public var seedFromProc = true
        /// The cgroup v2 root the UDP send hooks attach to; nil leaves them out
        /// (UDP destinations of unconnected sends are then unknown).
        public var cgroupPath: String? = CgroupRoot.find()
        /// The process whose signals and ptraces are reported as tampering: this one
        /// (0: none). Its threads are what the kernel's self_tids map names.
        public var selfTgid = UInt32(getpid())
        /// A bpffs directory to keep the maps and links in, so the kernel records
        /// while no sensor runs and the next start adopts them (`BPFPins`); nil pins
        /// nothing (the programs end with this process). The embedded object only.
        public var pinDirectory: String?
        /// Paths whose changes the kernel reports (absolute, no trailing slash).
        public var watchedPaths: [String] = []
        /// Forced rungs (`--bpf-hook FEATURE=RUNG`): feature name → rung name or "off".
        public var hooks: [String: String] = [:]
        /// The programs to load, by name; nil: the feature plan's (for the embedded
        /// object, or another object built from the same sources), every program
        /// otherwise (a test object whose programs the feature table does not know).
        public var programs: [String]?
        /// A plan made beforehand (`BPFSource.planFeatures`), so the kernel is probed once.
        public var plan: FeaturePlan?
        /// Seconds between reads of the in-kernel byte counters (`periodic`).
        public var networkSnapshotSeconds: Double = 5
        /// Seconds between self-checks of the kernel side (`periodic`: links, control maps); 0 = never.
        public var integrityCheckSeconds: Double = 2

        public init() {}
    }

    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable {
            /// libbpf, the verifier or the kernel refused the object.
            case load
            /// The feature plan found the kernel lacking (a required feature, the minimum).
            case kernel
            /// A forced rung (`--bpf-hook`) cannot be honoured.
            case hook
            /// The pin directory's set belongs to a sensor that still runs.
            case pinsInUse
        }
        public let message: String
        public var kind: Kind = .load
        public var description: String { message }

        public init(message: String, kind: Kind = .load) {
            self.message = message
            self.kind = kind
        }
    }

    /// A feature plan with what it was made from, so it can be made again (without a
    /// program the kernel refused) without probing the kernel again.
    public struct Planned: Sendable {
        public var facts: KernelFacts
        public var objectPrograms: [BPFProgramRef]
        public var hooks: [String: String]
        public var plan: FeaturePlan
        /// Mounts the probe made (securityfs, tracefs).
        public var notes: [String]

        /// The plan again, with these programs refused (name → why).
        public func replanned(refusing refused: [String: String]) -> Planned {
            var copy = self
            copy.plan = FeaturePlanner.plan(
                facts: facts, objectPrograms: objectPrograms, forced: hooks, refused: refused)
            return copy
        }
    }

    /// Probes this kernel and plans the features for the object `options` names
    /// (nil: the embedded sensor). The facts come back too, for reporting.
    public static func planFeatures(_ options: Options, probe: KernelProbe = KernelProbe()) throws -> Planned {
        let programs = try BPFObject.programs(path: options.objectPath)
        var probe = probe
        probe.cgroupRoot = options.cgroupPath
        let facts = probe.collect(programs: programs)
        return Planned(
            facts: facts, objectPrograms: programs, hooks: options.hooks,
            plan: FeaturePlanner.plan(facts: facts, objectPrograms: programs, forced: options.hooks), notes: probe.notes
        )
    }

    /// The program a load or attach failure names (libbpf's "prog 'NAME': ..." or
    /// the loader's "attaching NAME (SECTION)"), with the failure's first line.
    public static func refusedProgram(in message: String) -> (program: String, why: String)? {
        let firstLine = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
        if firstLine.hasPrefix("attaching "),
            let name = firstLine.dropFirst("attaching ".count).split(separator: " ").first
        {
            return (String(name), firstLine)
        }
        // The verifier's verdict names its program last; take the last one named.
        var found: String?
        var rest = Substring(message)
        while let start = rest.range(of: "prog '") {
            let tail = rest[start.upperBound...]
            guard let end = tail.firstIndex(of: "'") else { break }
            found = String(tail[..<end])
            rest = tail[end...]
        }
        return found.map { ($0, firstLine) }
    }

    /// The plan in force: the features' hooks and the programs loaded (nil when an
    /// explicit program list or a test object was loaded without one).
    public private(set) var plan: FeaturePlan?

    public typealias RecordHandler = (UnsafeRawBufferPointer) -> Void

    private var sensor: OpaquePointer?
    private var handlerBox: Unmanaged<HandlerBox>?
    public let options: Options
    /// Processes seeded into the kernel lineage map at start.
    public private(set) var seededCount = 0

    final class HandlerBox {
        let handler: RecordHandler
        init(_ handler: @escaping RecordHandler) { self.handler = handler }
    }

    /// Opens and loads (verifies) the programs and writes the watched uids.
    public init(options: Options) throws {
        self.options = options
        guard options.ringBufferBytes >= 4096, options.ringBufferBytes & (options.ringBufferBytes - 1) == 0 else {
            throw Failure(
                message: "ring buffer size \(options.ringBufferBytes) must be a power of two of at least 4096 bytes")
        }
        guard options.argsCap > 0, options.argsCap <= UInt32(KernelABI.argsMax) else {
            throw Failure(message: "argv capture \(options.argsCap) must be 1...\(KernelABI.argsMax) bytes")
        }
        var objectBytes: [UInt8]?
        if let path = options.objectPath {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(message: "cannot read BPF object \(path)")
            }
            objectBytes = [UInt8](data)
        }
        let names = try Self.programSelection(options)
        plan = names.plan
        var err = [CChar](repeating: 0, count: 16384)
        var handle: OpaquePointer?
        // NULL-terminated C strings for rw_sensor_config.programs; NULL = all.
        let cNames: [UnsafeMutablePointer<CChar>?]? = names.programs.map { $0.map { strdup($0) } + [nil] }
        defer { for name in cNames ?? [] { free(name) } }
        let rc: Int32 = (options.btfPath ?? "").withCString { btf in
            let bytes = objectBytes ?? []
            return bytes.withUnsafeBytes { raw in
                (options.cgroupPath ?? "").withCString { cgroup in
                    var cfg = rw_sensor_config(
                        ring_buffer_bytes: options.ringBufferBytes, args_cap: options.argsCap,
                        wakeup_bytes: options.wakeupBytes,
                        btf_path: options.btfPath == nil ? nil : btf,
                        object: objectBytes == nil ? nil : raw.baseAddress, object_size: raw.count,
                        cgroup_path: options.cgroupPath == nil ? nil : cgroup, programs: nil, pin_dir: nil)
                    return Self.withOptionalCString(objectBytes == nil ? options.pinDirectory : nil) { pinDir in
                        cfg.pin_dir = pinDir
                        guard let cNames else { return rw_sensor_open(&cfg, &handle, &err, err.count) }
                        return cNames.withUnsafeBufferPointer { list in
                            list.baseAddress!.withMemoryRebound(
                                to: UnsafePointer<CChar>?.self, capacity: list.count
                            ) { names in
                                cfg.programs = names
                                return rw_sensor_open(&cfg, &handle, &err, err.count)
                            }
                        }
                    }
                }
            }
        }
        guard rc == 0, let handle else {
            throw Failure(message: String(nulTerminated: err), kind: rc == -EBUSY ? .pinsInUse : .load)
        }
        sensor = handle
        var report = rw_pin_report()
        rw_sensor_pin_report(handle, &report)
        pinning = PinReport(report, directory: options.pinDirectory)
        for uid in options.watchedUids {
            guard rw_sensor_watch_uid(handle, uid, &err, err.count) == 0 else {
                rw_sensor_destroy(handle)
                sensor = nil
                throw Failure(message: String(nulTerminated: err))
            }
        }
        // A pinned set may watch users this configuration no longer names: after the
        // writes above, so no moment watches no one.
        let keep = options.watchedUids
        rw_sensor_unwatch_others(handle, keep, Int32(keep.count))
        registerSelf(handle)
        do {
            try setWatchedPaths(options.watchedPaths)
        } catch {
            rw_sensor_destroy(handle)
            sensor = nil
            throw error
        }
    }

    deinit { close() }

    private static func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
        guard let text else { return body(nil) }
        return text.withCString { body($0) }
    }

    /// The sensor's process and threads into self_tids, whatever a pinned set held
    /// (the previous sensor's, gone): signals and ptraces aimed at it are reported
    /// from here on, before any program is attached.
    private func registerSelf(_ handle: OpaquePointer) {
        rw_sensor_clear_self_tids(handle)
        guard options.selfTgid != 0 else { return }
        _ = rw_sensor_set_self_tid(handle, options.selfTgid, 1)
        guard options.selfTgid == UInt32(getpid()) else { return }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for tid in tasks.compactMap({ UInt32($0) }) { _ = rw_sensor_set_self_tid(handle, tid, 1) }
    }

    /// What the open found in the pin directory and did (`Options.pinDirectory`).
    public private(set) var pinning = PinReport()

    /// Whether the next `stopCapture` leaves the pinned set recording (the default)
    /// or ends it: detached and unpinned (an explicit clean stop).
    public var unpinOnStop = false

    /// Whether these options load the programs a feature plan picks (see
    /// `Options.programs`): the embedded object, or another built from bpf/. A test
    /// object (one program the verifier rejects, say) is loaded whole.
    public static func plansFeatures(_ options: Options) throws -> Bool {
        if options.programs != nil { return false }
        if options.plan != nil || options.objectPath == nil || !options.hooks.isEmpty { return true }
        let programs = try BPFObject.programs(path: options.objectPath)
        let known = Set(FeatureTable.allPrograms.map(\.name))
        return !programs.isEmpty && programs.allSatisfy { known.contains($0.name) }
    }

    /// Which programs to load and the plan behind them (see `Options.programs`).
    static func programSelection(_ options: Options) throws -> (programs: [String]?, plan: FeaturePlan?) {
        if let programs = options.programs { return (programs, options.plan) }
        guard try plansFeatures(options) else { return (nil, nil) }
        let plan = try options.plan ?? planFeatures(options).plan
        guard plan.canLoad else {
            let kind: Failure.Kind = plan.problems.contains { $0.kind == .hook } ? .hook : .kernel
            throw Failure(message: plan.problemSummary, kind: kind)
        }
        return (plan.programs, plan)
    }

    /// Replaces the watched paths in the kernel (before attach, and on reload). An
    /// object without file monitoring (a test object) accepts an empty list only.
    public func setWatchedPaths(_ paths: [String]) throws {
        guard let sensor else { throw Failure(message: "sensor is closed") }
        guard paths.count <= KernelABI.fileWatchMax else {
            throw Failure(message: "at most \(KernelABI.fileWatchMax) watched paths, got \(paths.count)")
        }
        for index in 0..<UInt32(KernelABI.fileWatchMax) {
            let path = Int(index) < paths.count ? paths[Int(index)] : ""
            let rc = rw_sensor_set_file_watch(sensor, index, path)
            if rc == -ENOENT && paths.isEmpty { return }
            guard rc == 0 else {
                throw Failure(
                    message:
                        "writing watched path \(path.isEmpty ? "slot \(index)" : path): \(String(cString: strerror(-rc)))"
                )
            }
        }
        watchedPaths = paths
    }

    /// What the sensor last wrote to the kernel's watched-path map.
    public private(set) var watchedPaths: [String] = []

    /// Attaches every program, then seeds lineage from /proc. Records arrive in `poll`.
    public func start(_ handler: @escaping RecordHandler) throws {
        guard let sensor else { throw Failure(message: "sensor is closed") }
        let box = Unmanaged.passRetained(HandlerBox(handler))
        handlerBox = box
        var err = [CChar](repeating: 0, count: 16384)
        let trampoline: rw_record_fn = { ctx, data, size in
            guard let ctx, let data else { return 0 }
            let box = Unmanaged<HandlerBox>.fromOpaque(ctx).takeUnretainedValue()
            box.handler(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        guard rw_sensor_attach(sensor, trampoline, box.toOpaque(), &err, err.count) == 0 else {
            throw Failure(message: String(nulTerminated: err))
        }
        var report = rw_pin_report()
        rw_sensor_pin_report(sensor, &report)
        pinning = PinReport(report, directory: options.pinDirectory)  // with the handover's note
        // After attach, so a process forked during the scan is caught by the fork hook.
        if options.seedFromProc && !options.watchedUids.isEmpty {
            let seeds = LineageSeed.compute(ProcScan.snapshot(), watched: Set(options.watchedUids))
            for (pid, origin) in seeds where rw_sensor_seed_lineage(sensor, pid, origin) == 0 {
                seededCount += 1
            }
        }
    }

    /// Delivers ready records to the handler, waiting up to `timeoutMs`. Returns the count.
    @discardableResult
    public func poll(timeoutMs: Int32) throws -> Int {
        guard let sensor else { return 0 }
        let n = rw_sensor_poll(sensor, timeoutMs)
        if n < 0 { throw Failure(message: "ring buffer poll failed: \(String(cString: strerror(-n)))") }
        return Int(n)
    }

    /// Reads and resets the in-kernel byte counters; each entry reaches the record
    /// handler as an `rw_net_bytes` record stamped with the boot-clock time now.
    @discardableResult
    public func snapshotNetwork() -> Int {
        guard let sensor else { return 0 }
        return Int(rw_sensor_net_snapshot(sensor, SystemClock.bootNowNs()))
    }

    /// Events the kernel could not queue because the ring buffer was full, since load
    /// (since the pinned set was made, when one was adopted).
    public func drops() -> UInt64 {
        guard let sensor else { return 0 }
        var value: UInt64 = 0
        return rw_sensor_drops(sensor, &value) == 0 ? value : 0
    }

    /// What the sensors before this one reported of `drops()` (a pinned set's count
    /// goes on across restarts; what was lost while none ran is reported once).
    public var dropsReported: UInt64 { pinning.reportedDrops }

    public func noteDropsReported(_ total: UInt64) {
        guard let sensor, pinning.mode != .off else { return }
        rw_sensor_set_reported_drops(sensor, total)
        pinning.reportedDrops = total
    }

    public var attachedPrograms: Int { Int(rw_sensor_attached_count(sensor)) }

    /// The underlying handle, for the integrity check (same module family only).
    var handle: OpaquePointer? { sensor }

    /// The lineage origin the kernel holds for a process, if any.
    public func lineage(of tgid: UInt32) -> UInt32? {
        guard let sensor else { return nil }
        let origin = rw_sensor_lineage_of(sensor, tgid)
        return origin == noLineage ? nil : origin
    }

    /// Detaches the programs and frees the maps. Safe to call twice.
    public func close() {
        integrity = nil
        rw_sensor_destroy(sensor)
        sensor = nil
        handlerBox?.release()
        handlerBox = nil
    }

    // MARK: The poll loop's periodic work

    /// Made at the first integrity check, dropped at `close` (it holds this source).
    private var integrity: SensorIntegrity?
    private lazy var integritySchedule = Every(options.integrityCheckSeconds, startNow: true)
    private lazy var snapshotSchedule = Every(options.networkSnapshotSeconds, startNow: false)

    public static var libbpfVersion: String { String(cString: rw_libbpf_version()) }
}

extension BPFSource: PathWatchingSource {
    public var kind: String { "bpf" }

    public func startRecords(_ handler: @escaping (UnsafeRawBufferPointer) -> Void) throws { try start(handler) }

    /// The self-check (problems reach the handler as integrity records), then the
    /// byte-counter snapshot, each when due.
    public func periodic(now: Date) -> [String] {
        if options.integrityCheckSeconds > 0 && integritySchedule.due(now),
            let handler = handlerBox?.takeUnretainedValue().handler
        {
            let check = integrity ?? SensorIntegrity(source: self)
            integrity = check
            for problem in check.syncThreads() + check.check() {
                EventEncoder.encode(.integrity(problem)).withUnsafeBytes(handler)
            }
        }
        if snapshotSchedule.due(now) { snapshotNetwork() }
        return []
    }

    /// Unpinned (or `unpinOnStop`): detaches, so the drain below ends with what was
    /// captured up to here. Pinned: nothing stops; the kernel goes on recording for
    /// the next start.
    public func stopCapture() {
        integrity = nil  // detached links are the stop, not tampering
        guard pinning.mode != .off else { return rw_sensor_detach(sensor) }
        if unpinOnStop {
            rw_sensor_unpin(sensor)
            pinning.mode = .off
            pinning.directory = nil
        }
    }

    /// What the ring buffer holds, then a last byte-counter snapshot, so a clean stop
    /// loses nothing that was captured. A pinned set still records: the drain stops
    /// after `pinnedDrainSeconds`, and the rest waits in the ring for the next start.
    public func drain(afterBatch: () -> Void) throws {
        let deadline = Date().addingTimeInterval(pinning.mode == .off ? .infinity : Self.pinnedDrainSeconds)
        while Date() < deadline, try poll(timeoutMs: 0) > 0 { afterBatch() }
        snapshotNetwork()
    }

    static let pinnedDrainSeconds = 2.0

    /// What replaced part of a pinned set, and why.
    public var warnings: [String] { pinning.notes.filter { $0.hasPrefix("replaced") || $0.contains("replaced:") } }

    public var summary: String {
        let watched = options.watchedUids.map(String.init).joined(separator: ",")
        return
            "sensor attached: \(attachedPrograms) programs, watching uids [\(watched)], \(seededCount) running processes seeded into lineage, \(options.watchedPaths.count) watched paths"
    }
}
