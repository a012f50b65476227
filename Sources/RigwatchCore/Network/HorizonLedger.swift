// SPDX-License-Identifier: Apache-2.0
/// The long-horizon byte budgets: per (watched lineage, destination block) one
/// bucketed counter per budget, so memory is fixed per pair whatever the rate.
/// Bounded in pairs; what the bound forgets is counted, for an alert, never silent.
struct HorizonLedger {
    struct Key: Hashable {
        var subject: TransferSubject
        var block: CIDR
    }

    /// One address of the block and what it received, for the alert.
    struct Address: Equatable {
        var address: IPAddress
        var port: UInt16
        var proto: NetProtocol
        var bytes: UInt64
    }

    struct Entry {
        /// One per budget, in the budgets' order.
        var counters: [BucketedByteCounter]
        /// Per budget: no new alert before this time (one per horizon).
        var quietUntilNs: [UInt64]
        var lastSeenNs: UInt64 = 0
        var addresses: [Address] = []
        /// More distinct addresses were seen than `maxAddresses`.
        var moreAddresses = false
        var senders: [UInt32] = []
    }

    /// A budget the pair went over with this snapshot, and its bytes in the horizon.
    struct Crossing: Equatable {
        var budget: ByteBudget
        var bytes: UInt64
    }

    static let maxAddresses = 8
    static let maxSenders = 8

    private(set) var budgets: [ByteBudget]
    var capacity: Int
    private(set) var entries: [Key: Entry] = [:]
    /// Pairs evicted since the last report, and the most bytes one of them held in the longest horizon.
    private(set) var evicted = 0
    private(set) var evictedMaxBytes: UInt64 = 0

    init(budgets: [ByteBudget], capacity: Int) {
        self.budgets = budgets
        self.capacity = max(8, capacity)
    }

    var count: Int { entries.count }

    var longestHorizonNs: UInt64 {
        DetectorSupport.nanoseconds(budgets.map(\.horizonSeconds).max() ?? 0)
    }

    /// New budgets (SIGHUP): a counter whose horizon stays keeps its bytes; a new horizon starts empty.
    mutating func replaceBudgets(_ new: [ByteBudget]) {
        guard new != budgets else { return }
        let old = budgets
        budgets = new
        for key in Array(entries.keys) {
            guard var entry = entries.removeValue(forKey: key) else { continue }
            var counters: [BucketedByteCounter] = []
            var quiet: [UInt64] = []
            for budget in new {
                if let i = old.firstIndex(where: { $0.horizonSeconds == budget.horizonSeconds }) {
                    counters.append(entry.counters[i])
                    quiet.append(entry.quietUntilNs[i])
                } else {
                    counters.append(Self.counter(budget))
                    quiet.append(0)
                }
            }
            entry.counters = counters
            entry.quietUntilNs = quiet
            entries[key] = entry
        }
    }

    private static func counter(_ budget: ByteBudget) -> BucketedByteCounter {
        BucketedByteCounter(horizonNs: DetectorSupport.nanoseconds(budget.horizonSeconds))
    }

    /// Charges one snapshot sent at `sentNs` to `key`; returns the budgets the pair is now
    /// over and not quiet for (they go quiet for their horizon). `entries[key]` then holds
    /// the pair as the alerts describe it.
    mutating func charge(
        _ key: Key, bytes: UInt64, sentNs: UInt64, nowNs: UInt64, address: IPAddress, port: UInt16,
        proto: NetProtocol, tgid: UInt32
    ) -> [Crossing] {
        if entries[key] == nil && entries.count >= capacity { evictLeastRecent() }
        let budgets = self.budgets
        // Changed in place (one lookup, the counters never copied); a new pair starts empty
        // (`default:` is evaluated only then).
        return Self.charge(
            &entries[
                key,
                default: Entry(
                    counters: budgets.map(Self.counter), quietUntilNs: Array(repeating: 0, count: budgets.count))],
            budgets: budgets, bytes: bytes, sentNs: sentNs, nowNs: nowNs,
            address: address, port: port, proto: proto, tgid: tgid)
    }

    private static func charge(
        _ entry: inout Entry, budgets: [ByteBudget], bytes: UInt64, sentNs: UInt64, nowNs: UInt64,
        address: IPAddress, port: UInt16, proto: NetProtocol, tgid: UInt32
    ) -> [Crossing] {
        entry.lastSeenNs = max(entry.lastSeenNs, sentNs)
        if let i = entry.addresses.firstIndex(where: {
            $0.address == address && $0.port == port && $0.proto == proto
        }) {
            entry.addresses[i].bytes &+= bytes
        } else if entry.addresses.count < maxAddresses {
            entry.addresses.append(Address(address: address, port: port, proto: proto, bytes: bytes))
        } else {
            entry.moreAddresses = true
        }
        if !entry.senders.contains(tgid) && entry.senders.count < maxSenders { entry.senders.append(tgid) }

        var crossings: [Crossing] = []
        for (i, budget) in budgets.enumerated() {
            entry.counters[i].add(bytes, at: sentNs)
            entry.counters[i].advance(to: nowNs)
            let total = entry.counters[i].total
            guard budget.bytes > 0, total >= budget.bytes, nowNs >= entry.quietUntilNs[i] else { continue }
            entry.quietUntilNs[i] = nowNs.saturatingAdd(DetectorSupport.nanoseconds(budget.horizonSeconds))
            crossings.append(Crossing(budget: budget, bytes: total))
        }
        return crossings
    }

    /// Forgets pairs that sent nothing for the longest horizon: their counters are empty.
    mutating func sweep(nowNs: UInt64) {
        let horizon = longestHorizonNs
        entries = entries.filter { $0.value.lastSeenNs.saturatingAdd(horizon) > nowNs }
    }

    /// The evictions were reported: start counting again.
    mutating func resetEvicted() {
        evicted = 0
        evictedMaxBytes = 0
    }

    /// Full: the least recently active eighth goes, and is counted.
    private mutating func evictLeastRecent() {
        let longest = budgets.indices.max { budgets[$0].horizonSeconds < budgets[$1].horizonSeconds }
        let victims = entries.sorted { $0.value.lastSeenNs < $1.value.lastSeenNs }.prefix(max(1, entries.count / 8))
        for v in victims {
            entries.removeValue(forKey: v.key)
            evicted += 1
            if let longest { evictedMaxBytes = max(evictedMaxBytes, v.value.counters[longest].total) }
        }
    }
}
