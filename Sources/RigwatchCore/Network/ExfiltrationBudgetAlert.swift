// SPDX-License-Identifier: Apache-2.0
/// The alerts of the long-horizon budgets: a budget crossed, and the bound on
/// tracked pairs forgetting some (so spreading over many destinations is seen).
extension ExfiltrationDetector {
    func budgetAlert(
        _ e: NetBytesEvent, key: HorizonLedger.Key, entry: HorizonLedger.Entry, crossing: HorizonLedger.Crossing,
        context: DetectionContext
    ) -> Alert {
        let budget = crossing.budget
        // Most bytes first; ties in the order they were seen.
        let ranked = entry.addresses.enumerated().sorted { a, b in
            a.element.bytes != b.element.bytes ? a.element.bytes > b.element.bytes : a.offset < b.offset
        }.map(\.element)
        var addresses = ranked.map { "\($0.address.withPort($0.port))/\($0.proto.name)" }.joined(separator: ", ")
        if entry.moreAddresses { addresses += ", and more" }
        let subject = key.subject.text(context)

        var evidence: [(String, String)] = [
            ("destination", key.block.description),
            ("addresses", addresses),
            ("bytes_in_horizon", String(crossing.bytes)),
            ("horizon_seconds", String(budget.horizonSeconds)),
            ("budget_bytes", String(budget.bytes)),
            ("trigger", "budget_\(budget.horizonSeconds)s"),
            ("subject", subject),
            ("process", "\(e.header.comm.description) (pid \(e.header.tgid))"),
        ]
        if entry.senders.count > 1 {
            evidence.append(("sender_pids", entry.senders.map(String.init).joined(separator: ", ")))
        }
        evidence.append(("cgroup_id", String(e.header.cgroupId)))

        let title =
            "Outbound data over \(budget.horizonText): \(DetectorSupport.bytes(Double(crossing.bytes))) to "
            + "\(key.block), over the budget of \(DetectorSupport.bytes(Double(budget.bytes))), from \(subject)"
        return Alert(
            rule: name, severity: .high, title: title, eventTimeNs: e.header.timestampNs,
            chain: DetectorSupport.chain(of: e.header, context: context), evidence: evidence,
            dedupKey: "\(name)|budget:\(budget.horizonSeconds)|\(key.subject.key)|\(key.block)")
    }

    /// The budgets follow more pairs than their bound: the least recently active were forgotten.
    func trackingFullAlert(_ e: NetBytesEvent, subject: TransferSubject, context: DetectionContext) -> Alert {
        let evidence: [(String, String)] = [
            ("trigger", "budget_tracking_full"),
            ("evicted", String(budgetEvicted)),
            ("tracked_limit", String(budgetTrackedLimit)),
            ("largest_evicted_bytes", String(budgetEvictedMaxBytes)),
            ("subject", subject.text(context)),
            ("cgroup_id", String(e.header.cgroupId)),
        ]
        return Alert(
            rule: name, severity: .medium,
            title:
                "Exfiltration budgets full: \(budgetEvicted) least recently active (lineage, destination) pairs "
                + "forgotten (limit \(budgetTrackedLimit))",
            eventTimeNs: e.header.timestampNs, chain: DetectorSupport.chain(of: e.header, context: context),
            evidence: evidence, dedupKey: "\(name)|budget-tracking-full")
    }
}
