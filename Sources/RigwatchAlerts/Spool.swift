// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchIO

/// A durable, ordered queue of alerts on disk with a single owner process
/// (`SpoolLock`), shared by two threads of it: the router's writer appends and
/// marks what reached the alert log, its sender reads and acknowledges. Every
/// method holds `mutex`; none waits on the network.
///
/// `append(group:)` writes a group of records with one write and one fsync
/// (group commit) and returns only then; a record leaves only when `acknowledge`
/// says the sink took it. After `kill -9` or a power cut, `init` finds every
/// appended record that was not acknowledged, in order; a group cut short by the
/// crash is one whose append never returned, and is dropped. A record damaged at
/// rest is skipped and reported (`opened.damage`) and the records after it survive
/// (see `SpoolScanner`); every number read back is range-checked.
///
/// Layout in `directory` (0700, files 0600):
///   queue.log   records in format 2 (`SpoolFrame`)
///   state       `SpoolState`, replaced atomically (write, fsync, rename)
///   lock        the owner's flock, pid and command line (`SpoolLock`)
///
/// `@unchecked Sendable`: every mutable field is read and written under `mutex`.
public final class Spool: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Entry: Equatable {
        public var sequence: UInt64
        public var payload: [UInt8]
        public var kind: SpoolRecordKind = .message
        /// The sequence of the last record of its group commit; a rewrite keeps groups.
        var group: UInt64 = 0
    }

    /// One record to append. `alerts`: how many alerts a refusal (spool full) loses;
    /// `reportsDropped`: the loss this record reports, cleared once it is written.
    public struct Item {
        public var kind: SpoolRecordKind
        public var payload: [UInt8]
        public var alerts: UInt64
        public var reportsDropped: UInt64

        public init(_ kind: SpoolRecordKind, _ payload: [UInt8], alerts: UInt64 = 1, reportsDropped: UInt64 = 0) {
            self.kind = kind
            self.payload = payload
            self.alerts = alerts
            self.reportsDropped = reportsDropped
        }
    }

    /// What opening found, for the owner to report once.
    public struct Opened {
        /// Damaged parts skipped over (queue.log ranges, a bad state file).
        public var damage: [SpoolDamage] = []
        /// Routine events worth a log line (a torn tail, a format conversion).
        public var notes: [String] = []
        /// The newest aggregator checkpoint, if windows were open.
        public var checkpoint: [UInt8]?
    }

    public let directory: String
    public let maxBytes: Int
    /// What opening found; set once, by `init`.
    public private(set) var opened = Opened()

    /// Below this many dead bytes queue.log is not rewritten (unless nothing in it is live).
    static let compactionSlack = 1 << 20
    /// Bytes a record takes besides its payload (header and checksum).
    public static let recordOverhead = SpoolFrame.overhead

    private let mutex = NSLock()
    private let lock: SpoolLock
    private var fd: Int32 = -1
    private var closed = false
    /// Delivered kinds (alert, message), unacknowledged, in order.
    private var pending: [Entry] = []
    private var pendingBytes = 0
    /// Alert-log lines (alert, folded) not yet known to be in the alert log, in order.
    private var unlogged: [Entry] = []
    /// Records up to here are in the alert log: only they may be delivered.
    private var loggedThrough: UInt64 = 0
    private var checkpoint: Entry?
    private var nextSequence: UInt64 = 1
    private var acked: UInt64 = 0
    private var dropped: UInt64 = 0
    private var droppedSinceOpen: UInt64 = 0
    /// queue.log's size, and how much of it is still needed.
    private var fileBytes = 0
    private var liveBytes = 0

    /// Opens (creating) the spool and takes its lock; throws `SpoolInUse` when
    /// another process (or another `Spool` in this one) owns it.
    public init(directory: String, maxBytes: Int = 64 << 20, owner: String = Spool.defaultOwner) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        try Spool.makePrivateDirectory(directory)
        lock = try SpoolLock.acquire(directory: directory, owner: owner)
        var report = Opened()
        if let data = FileManager.default.contents(atPath: directory + "/state") {
            let (state, problems) = SpoolState.parse(String(decoding: data, as: UTF8.self))
            report.damage += problems.map { SpoolDamage(file: "state", bytes: nil, reason: $0) }
            acked = state.acked
            dropped = state.dropped
        }
        let bytes = [UInt8](FileManager.default.contents(atPath: logPath) ?? Data())
        let scan = SpoolScanner.scan(bytes)
        report.damage += scan.damage
        let groups = Self.groups(of: scan.records)
        for (record, group) in zip(scan.records, groups) { take(record, group: group) }
        nextSequence = max(nextSequence, acked + 1)
        // Each group is in the alert log before the next is written: only the last one's
        // alerts can be missing from it (the owner checks those, `unloggedLines`).
        let lastGroupStart = zip(scan.records, groups).first { $0.1 == groups.last }?.0.sequence ?? nextSequence
        loggedThrough = max(acked, lastGroupStart - 1)
        unlogged.removeAll { $0.sequence <= loggedThrough }
        liveBytes = currentLiveBytes()
        fd = open(logPath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "open \(logPath): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        fileBytes = bytes.count
        if scan.legacy || !scan.damage.isEmpty {
            try rewrite()  // a clean file, so the damage is reported once
            if scan.legacy { report.notes.append("spool: \(logPath) converted to record format 2") }
        } else if let torn = scan.torn {
            ftruncate(fd, off_t(torn.lowerBound))
            fileBytes = torn.lowerBound
        }
        if let torn = scan.torn {
            report.notes.append(
                "spool: the last \(torn.count) bytes of \(logPath) (from offset \(torn.lowerBound)) were an append cut short by a crash; dropped (it never returned, so nothing in it was written anywhere else)"
            )
        }
        if let checkpoint, !checkpoint.payload.isEmpty { report.checkpoint = checkpoint.payload }
        if report.damage.contains(where: { $0.file == "state" }) { try saveState() }  // reported once
        opened = report
        try compactIfDue()
    }

    deinit { close() }

    /// "rigwatch replay --send trace.jsonl": for the lock file, so a second opener can say who.
    public static var defaultOwner: String {
        var words = CommandLine.arguments
        if let first = words.first { words[0] = (first as NSString).lastPathComponent }
        return words.joined(separator: " ")
    }

    // MARK: Reading

    /// Unacknowledged delivered records, oldest first (logged or not).
    public var entries: [Entry] { locked { pending } }
    public var count: Int { locked { pending.count } }
    public var isEmpty: Bool { locked { pending.isEmpty } }
    public var bytes: Int { locked { pendingBytes } }
    /// Alerts refused because the spool was full, not yet reported.
    public var droppedUnreported: UInt64 { locked { dropped } }
    /// Alerts refused because the spool was full, since it was opened.
    public var droppedTotal: UInt64 { locked { droppedSinceOpen } }
    /// The newest sequence written.
    public var lastSequence: UInt64 { locked { nextSequence - 1 } }
    /// Alert-log lines not yet marked as in the alert log (at open: all after the watermark).
    public var unloggedLines: [Entry] { locked { unlogged } }

    /// The oldest deliverable records, at most `limit`: unacknowledged and in the alert log.
    public func deliverable(limit: Int) -> [Entry] {
        locked { Array(pending.prefix { $0.sequence <= loggedThrough }.prefix(limit)) }
    }

    /// There is something `deliverable` would return.
    public var hasDeliverable: Bool { locked { pending.first.map { $0.sequence <= loggedThrough } ?? false } }

    // MARK: Writing

    /// Appends one message and makes it deliverable at once. Returns nil (and counts
    /// the loss) when the spool is full.
    @discardableResult
    public func append(_ payload: [UInt8]) throws -> UInt64? {
        let sequence = try append(group: [Item(.message, payload)])[0]
        if let sequence { try markLogged(through: sequence) }
        return sequence
    }

    /// Appends a group with one write and one fsync; returns each item's sequence,
    /// nil for one refused because the delivered records would exceed `maxBytes`.
    /// A refused alert is still written, as `.folded`: it must reach the alert log.
    public func append(group items: [Item]) throws -> [UInt64?] {
        mutex.lock()
        defer { mutex.unlock() }
        try ensureOpen()
        var results: [UInt64?] = []
        var staged: [Entry] = []
        var stagedBytes = 0
        var drops: UInt64 = 0
        var reported: UInt64 = 0
        var sequence = nextSequence
        for item in items {
            var kind = item.kind
            let size = SpoolFrame.overhead + item.payload.count
            guard item.payload.count <= SpoolFrame.maxPayload else {
                drops = drops.clampedAdding(item.alerts)
                results.append(nil)
                continue
            }
            if kind.isDelivered && pendingBytes + stagedBytes + size > maxBytes {
                drops = drops.clampedAdding(item.alerts)
                results.append(nil)
                guard kind == .alert else { continue }
                kind = .folded
            } else {
                results.append(sequence)
                if kind.isDelivered { stagedBytes += size }
                reported = reported.clampedAdding(item.reportsDropped)
            }
            guard sequence < SpoolFrame.maxSequence - 1 else {
                throw Failure(description: "spool \(directory): sequence numbers exhausted")
            }
            staged.append(Entry(sequence: sequence, payload: item.payload, kind: kind))
            sequence += 1
        }
        if let last = staged.last?.sequence {
            for i in staged.indices { staged[i].group = last }
            try write(staged)
            nextSequence = sequence
            for entry in staged { add(entry) }
        }
        if drops > 0 || reported > 0 {
            dropped = dropped.clampedSubtracting(reported).clampedAdding(drops)
            droppedSinceOpen = droppedSinceOpen.clampedAdding(drops)
            try saveState()
        }
        try compactIfDue()
        return results
    }

    /// Records up to `sequence` are in the alert log: they may be delivered, and
    /// folded ones are no longer needed.
    public func markLogged(through sequence: UInt64) throws {
        mutex.lock()
        defer { mutex.unlock() }
        guard sequence > loggedThrough else { return }
        loggedThrough = sequence
        let done = unlogged.prefix { $0.sequence <= sequence }
        for entry in done where entry.kind == .folded { liveBytes -= Self.size(entry) }
        unlogged.removeFirst(done.count)
        try compactIfDue()
    }

    /// The sink accepted every record up to and including `sequence`.
    public func acknowledge(through sequence: UInt64) throws {
        mutex.lock()
        defer { mutex.unlock() }
        try ensureOpen()
        guard sequence > acked else { return }
        guard sequence < nextSequence else {
            throw Failure(description: "spool \(directory): record \(sequence) acknowledged but never written")
        }
        acked = sequence
        let done = pending.prefix { $0.sequence <= sequence }
        for entry in done {
            pendingBytes -= Self.size(entry)
            liveBytes -= Self.size(entry)
        }
        pending.removeFirst(done.count)
        try saveState()
        try compactIfDue()
    }

    /// Lets go of the files and the lock (also on deinit); later writes throw.
    public func close() {
        mutex.lock()
        defer { mutex.unlock() }
        guard !closed else { return }
        closed = true
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        lock.release()
    }

    // MARK: Private

    private var logPath: String { directory + "/queue.log" }
    private var statePath: String { directory + "/state" }

    private static func size(_ entry: Entry) -> Int { SpoolFrame.overhead + entry.payload.count }

    private func locked<T>(_ body: () -> T) -> T {
        mutex.lock()
        defer { mutex.unlock() }
        return body()
    }

    private func ensureOpen() throws {
        guard !closed else { throw Failure(description: "spool \(directory) is closed") }
    }

    /// Each record's group: the sequence of the next record that ends one.
    private static func groups(of records: [SpoolScan.Record]) -> [UInt64] {
        var group = records.last?.sequence ?? 0
        var out: [UInt64] = []
        for record in records.reversed() {
            if record.endOfGroup { group = record.sequence }
            out.append(group)
        }
        return out.reversed()
    }

    /// A record read at open: kept when still needed.
    private func take(_ record: SpoolScan.Record, group: UInt64) {
        nextSequence = max(nextSequence, record.sequence + 1)  // sequence < 2^62: no overflow
        let entry = Entry(sequence: record.sequence, payload: record.payload, kind: record.kind, group: group)
        if record.kind == .checkpoint {
            checkpoint = entry
        } else if record.sequence > acked {
            if record.kind.isDelivered {
                pending.append(entry)
                pendingBytes += Self.size(entry)
            }
            if record.kind.isLogLine { unlogged.append(entry) }
        }
    }

    /// A record just written.
    private func add(_ entry: Entry) {
        let size = Self.size(entry)
        switch entry.kind {
        case .alert, .message:
            pending.append(entry)
            pendingBytes += size
            liveBytes += size
            if entry.kind == .alert { unlogged.append(entry) }
        case .folded:
            unlogged.append(entry)
            liveBytes += size
        case .checkpoint:
            if let old = checkpoint, !old.payload.isEmpty { liveBytes -= Self.size(old) }
            checkpoint = entry
            if !entry.payload.isEmpty { liveBytes += size }
        }
    }

    /// Bytes of the records still needed: unacknowledged deliveries, folded alerts
    /// not yet in the alert log, the newest checkpoint with open windows.
    private func currentLiveBytes() -> Int {
        var live = pendingBytes
        for entry in unlogged where entry.kind == .folded { live += Self.size(entry) }
        if let checkpoint, !checkpoint.payload.isEmpty { live += Self.size(checkpoint) }
        return live
    }

    private func write(_ entries: [Entry]) throws {
        var bytes: [UInt8] = []
        for (i, entry) in entries.enumerated() {
            SpoolFrame.encode(
                kind: entry.kind, sequence: entry.sequence, payload: entry.payload,
                endOfGroup: i == entries.count - 1, into: &bytes)
        }
        if let code = FileWrite.all(fd, bytes) {
            ftruncate(fd, off_t(fileBytes))  // no half group left for the next one to follow
            throw Failure(description: "write \(logPath): \(String(cString: strerror(code)))")
        }
        guard fsync(fd) == 0 else {
            let code = errno
            ftruncate(fd, off_t(fileBytes))
            throw Failure(description: "fsync \(logPath): \(String(cString: strerror(code)))")
        }
        fileBytes += bytes.count
    }

    /// Drops what is no longer needed once it is at least as large as what is,
    /// so rewriting costs O(1) per byte appended.
    private func compactIfDue() throws {
        guard !closed else { return }
        if liveBytes == 0 {
            guard fileBytes > 0 else { return }
            guard ftruncate(fd, 0) == 0 else {
                throw Failure(description: "truncate \(logPath): \(String(cString: strerror(errno)))")
            }
            fsync(fd)
            fileBytes = 0
        } else if fileBytes - liveBytes >= max(Self.compactionSlack, liveBytes) {
            try rewrite()
        }
    }

    /// Replaces queue.log with the live records alone (temporary file, fsync,
    /// rename, directory fsync): a crash leaves the old file or the new one.
    private func rewrite() throws {
        var live = pending + unlogged.filter { $0.kind == .folded }
        if let checkpoint, !checkpoint.payload.isEmpty { live.append(checkpoint) }
        live.sort { $0.sequence < $1.sequence }
        var bytes: [UInt8] = []
        for (i, entry) in live.enumerated() {
            let groupEnds = i == live.count - 1 || live[i + 1].group != entry.group
            SpoolFrame.encode(
                kind: entry.kind, sequence: entry.sequence, payload: entry.payload, endOfGroup: groupEnds,
                into: &bytes)
        }
        do {
            try FileWrite.replaceAtomically(
                logPath, with: bytes, temporary: logPath + ".tmp", mode: nil, syncDirectory: directory)
        } catch {
            throw Failure(description: "rewrite \(error.path): \(error.reason)")
        }
        let newFd = open(logPath, O_RDWR | O_APPEND | O_CLOEXEC)
        guard newFd >= 0 else { throw Failure(description: "open \(logPath): \(String(cString: strerror(errno)))") }
        if fd >= 0 { Glibc.close(fd) }
        fd = newFd
        fileBytes = bytes.count
        liveBytes = bytes.count
    }

    private func saveState() throws {
        let text = SpoolState(acked: acked, dropped: dropped).text
        let tmp = statePath + ".tmp"
        do {
            try FileWrite.replaceAtomically(
                statePath, with: Array(text.utf8), temporary: tmp, mode: nil, syncDirectory: directory)
        } catch {
            if error.step == .create { throw Failure(description: "open \(tmp): \(error.reason)") }
            throw Failure(description: "write \(statePath): \(error.reason)")
        }
    }

    static func makePrivateDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            // Parents may be missing (first run): create them, then the spool itself private.
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        chmod(path, 0o700)
    }
}
