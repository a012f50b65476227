// SPDX-License-Identifier: Apache-2.0
/// Who a transfer is charged to: the watched user whose lineage sent it, or else
/// the container (cgroup), so a renter's many short-lived processes add up.
enum TransferSubject: Hashable {
    case lineage(UInt32)
    case cgroup(UInt64)

    init(_ header: EventHeader, watchedUids: [UInt32]) {
        if header.hasLineage && watchedUids.contains(header.lineageUid) {
            self = .lineage(header.lineageUid)
        } else {
            self = .cgroup(header.cgroupId)
        }
    }

    var key: String {
        switch self {
        case .lineage(let uid): return "lineage:\(uid)"
        case .cgroup(let id): return "cgroup:\(id)"
        }
    }

    /// As alerts name it: "vastai_kaalia (uid 1001) lineage", "cgroup 6000".
    func text(_ context: DetectionContext) -> String {
        switch self {
        case .lineage(let uid):
            return context.userName(uid).map { "\($0) (uid \(uid)) lineage" } ?? "lineage of uid \(uid)"
        case .cgroup(let id): return "cgroup \(id)"
        }
    }
}

/// The bytes one subject sent to one destination address: the snapshots inside the
/// sliding window, and the run of snapshots that kept up the sustained rate.
struct TransferFlow {
    /// One byte snapshot, as far as the window needs it.
    struct Sample {
        var firstNs: UInt64
        var lastNs: UInt64
        var bytes: UInt64
        var port: UInt16
        var proto: NetProtocol
        var tgid: UInt32
    }

    /// Consecutive snapshots each at or above the sustained rate.
    struct Run: Equatable {
        var startNs: UInt64
        var endNs: UInt64
        var bytes: UInt64
        var durationNs: UInt64 { endNs - startNs }
    }

    /// All snapshots of one read of the byte map (several ports or processes).
    struct Interval {
        var snapshotNs: UInt64
        var firstNs: UInt64
        var lastNs: UInt64
        var bytes: UInt64
    }

    /// Live samples are `samples[head...]`, oldest first.
    private(set) var samples: [Sample] = []
    private var head = 0
    private(set) var windowBytes: UInt64 = 0
    /// The run as it stood before the snapshot now being read, and that snapshot.
    private var runBefore: Run?
    private var current: Interval?
    /// The run including the current snapshot.
    private(set) var run: Run?
    /// No new alert before this time (one alert per window).
    var quietUntilNs: UInt64 = 0
    private(set) var lastSeenNs: UInt64 = 0

    var live: ArraySlice<Sample> { samples[head...] }

    /// Adds one snapshot; `maxSamples` bounds memory by merging the two oldest.
    mutating func add(_ sample: Sample, snapshotNs: UInt64, sustainedRate: UInt64, maxSamples: Int) {
        if samples.count - head >= maxSamples, samples.count - head >= 2 {
            let oldest = samples[head]
            head += 1
            samples[head].firstNs = min(samples[head].firstNs, oldest.firstNs)
            samples[head].bytes &+= oldest.bytes
        }
        samples.append(sample)
        windowBytes &+= sample.bytes
        lastSeenNs = max(lastSeenNs, sample.lastNs, snapshotNs)

        if var interval = current, interval.snapshotNs == snapshotNs {
            interval.firstNs = min(interval.firstNs, sample.firstNs)
            interval.lastNs = max(interval.lastNs, sample.lastNs)
            interval.bytes &+= sample.bytes
            current = interval
        } else {
            if let previous = current { runBefore = Self.extend(runBefore, with: previous, rate: sustainedRate) }
            current = Interval(
                snapshotNs: snapshotNs, firstNs: sample.firstNs, lastNs: sample.lastNs, bytes: sample.bytes)
        }
        run = current.flatMap { Self.extend(runBefore, with: $0, rate: sustainedRate) }
    }

    /// Drops the samples whose last send is `windowNs` or more before `nowNs`.
    mutating func expire(nowNs: UInt64, windowNs: UInt64) {
        while head < samples.count, samples[head].lastNs.saturatingAdd(windowNs) <= nowNs {
            windowBytes &-= samples[head].bytes
            head += 1
        }
        if head > 32 && head * 2 > samples.count {
            samples.removeFirst(head)
            head = 0
        }
    }

    /// The run with `interval` added when the interval keeps up `rate` (measured from
    /// the end of the run, so a pause breaks it); else a run of the interval alone, if
    /// it keeps up the rate by itself; else none.
    static func extend(_ run: Run?, with interval: Interval, rate: UInt64) -> Run? {
        if let run, keepsUp(interval.bytes, from: run.endNs, to: interval.lastNs, rate: rate) {
            return Run(startNs: run.startNs, endNs: max(run.endNs, interval.lastNs), bytes: run.bytes &+ interval.bytes)
        }
        guard keepsUp(interval.bytes, from: interval.firstNs, to: interval.lastNs, rate: rate) else { return nil }
        return Run(startNs: interval.firstNs, endNs: interval.lastNs, bytes: interval.bytes)
    }

    private static func keepsUp(_ bytes: UInt64, from startNs: UInt64, to endNs: UInt64, rate: UInt64) -> Bool {
        let spanNs = endNs > startNs ? endNs - startNs : 0
        return Double(bytes) * 1e9 >= Double(rate) * Double(spanNs)
    }
}

extension UInt64 {
    /// a + b, or UInt64.max where it would overflow: window ends stay ordered with huge settings.
    func saturatingAdd(_ b: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
