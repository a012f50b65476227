// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// A live source of kernel records: the BPF ring buffer (`BPFSource`) or the audit
/// subsystem (`AuditSource`). Whichever it is, records reach the handler in the kernel
/// record layout (`bpf/events.h`, valid only during the call), so everything after
/// the source (decode, engine, trace writer) is one path. One poll loop drives any
/// source: `startRecords`, then `poll` and `periodic` until the stop, then `drain`, `close`.
public protocol RecordSource: AnyObject {
    /// The state file's name for it: "bpf" or "audit".
    var kind: String { get }
    /// Attaches (BPF) or installs the rules (audit) and seeds lineage from /proc.
    /// Records arrive in `poll`, `periodic` and `drain`.
    func startRecords(_ handler: @escaping (UnsafeRawBufferPointer) -> Void) throws
    /// Delivers ready records to the handler, waiting up to `timeoutMs`. Returns the count.
    @discardableResult func poll(timeoutMs: Int32) throws -> Int
    /// The source's own work between polls, each part when it is due at `now`: BPF's
    /// self-check of its kernel side and its byte-counter snapshots (both reach the
    /// handler as records), audit's skipped records. Returns lines for the log (warnings).
    func periodic(now: Date) -> [String]
    /// Records the kernel could not deliver, since start (since the pinned set was
    /// made, for a BPF source that adopted one).
    func drops() -> UInt64
    /// How much of `drops()` earlier sensors reported already (a pinned set's).
    var dropsReported: UInt64 { get }
    /// `drops()` has been reported up to `total` (kept with a pinned set).
    func noteDropsReported(_ total: UInt64)
    /// At the stop, before `drain`: no new records are captured from here on (BPF
    /// detaches its programs; the ring buffer keeps what they wrote). Until this
    /// returns the kernel records everything, so the stop leaves no blind window.
    func stopCapture()
    /// After the last poll: what was captured and not yet delivered reaches the
    /// handler; `afterBatch` runs after each batch of it.
    func drain(afterBatch: () -> Void) throws
    /// Detaches, removes rules, frees. Safe to call twice.
    func close()

    /// Said at start: warnings, then one line on what the source watches.
    var warnings: [String] { get }
    var summary: String { get }
    /// The feature plan the source runs (BPF); nil with audit or a test object.
    var plan: FeaturePlan? { get }
    /// BPF programs attached (0 with audit).
    var attachedPrograms: Int { get }
    /// Running processes seeded into lineage at start.
    var seededCount: Int { get }
}

extension RecordSource {
    public var dropsReported: UInt64 { 0 }
    public func noteDropsReported(_ total: UInt64) {}
}

/// A source whose watched file paths change while it runs (SIGHUP); BPF only.
public protocol PathWatchingSource: RecordSource {
    func setWatchedPaths(_ paths: [String]) throws
}

/// "Is it due?" for work that runs every `interval` seconds between polls.
struct Every {
    let interval: Double
    private var last: Date?

    /// `startNow`: first due at once; otherwise one interval after the first question.
    init(_ interval: Double, startNow: Bool) {
        self.interval = interval
        last = startNow ? .distantPast : nil
    }

    mutating func due(_ now: Date) -> Bool {
        let since = last ?? now
        if last == nil { last = now }
        guard now.timeIntervalSince(since) >= interval else { return false }
        last = now
        return true
    }
}
