// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The router's durable half, run by its writer thread, which never waits on the
/// network. Each batch of alerts, as one group commit:
///
/// 1. the spool: every alert (delivered ones and folded ones), the summaries the
///    batch released and the aggregator's new checkpoint, one write, one fsync;
/// 2. the alert log: every alert, one write, one fdatasync;
/// 3. only then may the sender deliver them (`Spool.markLogged`).
///
/// So an alert the sender sees is in both files, and `kill -9` between 1 and 2
/// loses nothing: at start `repairLog` writes the alerts of the spool's last group
/// that the log lacks. A crash before 1 completes loses only alerts that existed
/// in memory alone (their append never returned).
final class AlertIntake {
    let log: AlertLog?
    var aggregator: AlertAggregator
    /// The checkpoint last written: an unchanged state is not written again.
    private var savedCheckpoint: [UInt8] = []

    struct Result {
        /// Delivered records the spool took.
        var spooled = 0
        /// The alert log took the batch (false too without a log).
        var logged = false
        /// Problems worth a log line (the router redacts and logs them).
        var notes: [String] = []
    }

    init(log: AlertLog?, aggregator: AlertAggregator) {
        self.log = log
        self.aggregator = aggregator
    }

    /// Takes over the windows open when the spool was last written; nil, or the problem.
    func restoreWindows(from spool: Spool) -> SpoolDamage? {
        guard let saved = spool.opened.checkpoint else { return nil }
        do {
            aggregator.restore(try AggregatorCheckpoint.decode(saved))
            savedCheckpoint = saved
            return nil
        } catch {
            return SpoolDamage(
                file: "queue.log", bytes: nil,
                reason:
                    "the fold checkpoint is unreadable (\(error)); alerts folded before the restart are not summarised")
        }
    }

    /// After a crash between the spool's fsync and the log's: the alert-log lines of
    /// the spool's last group that the log's recent lines lack are written now. Then
    /// everything in the spool may be delivered.
    func repairLog(from spool: Spool) -> (info: [String], problems: [String]) {
        var info: [String] = []
        var problems: [String] = []
        let candidates = spool.unloggedLines
        if let log, !candidates.isEmpty {
            let size = candidates.reduce(0) { $0 + $1.payload.count + 1 }
            let recent = log.recentLines(maxBytes: max(4 << 20, 2 * size))
            let missing = candidates.map { String(decoding: $0.payload, as: UTF8.self) }.filter {
                !recent.contains($0)
            }
            if !missing.isEmpty {
                do {
                    try log.append(missing)
                    info.append(
                        "alert log: \(missing.count) alerts the spool had taken just before a crash written to \(log.path) now"
                    )
                } catch {
                    problems.append("alert log: \(error)")
                }
            }
        }
        do { try spool.markLogged(through: spool.lastSequence) } catch { problems.append("spool: \(error)") }
        return (info, problems)
    }

    /// One batch, stamped. `spool` is nil when nothing is to be delivered (no webhook).
    /// `report` makes the envelope of a spool-full report for a loss.
    func process(
        _ envelopes: [AlertEnvelope], nowNs: Int64, final: Bool, spool: Spool?,
        report: (UInt64) -> AlertEnvelope
    ) -> Result {
        var result = Result()
        let lines = envelopes.map(AlertEnvelopeJSON.encode)
        var items: [Spool.Item] = []
        for (envelope, line) in zip(envelopes, lines) {
            let decision = aggregator.decide(envelope, nowNs: nowNs)
            items += decision.closed.map(Self.message)
            items.append(Spool.Item(decision.deliverNow ? .alert : .folded, Array(line.utf8)))
        }
        items += aggregator.flush(nowNs: nowNs, all: final).map(Self.message)
        if let spool {
            let lost = spool.droppedUnreported
            if lost > 0 {
                // A report that finds no room waits for the next batch; it is no loss of its own.
                let payload = Array(AlertEnvelopeJSON.encode(report(lost)).utf8)
                items.append(Spool.Item(.message, payload, alerts: 0, reportsDropped: lost))
            }
            let checkpoint = AggregatorCheckpoint.encode(aggregator.windows)
            let newCheckpoint = checkpoint != savedCheckpoint
            if newCheckpoint { items.append(Spool.Item(.checkpoint, checkpoint, alerts: 0)) }
            if !items.isEmpty {
                do {
                    let sequences = try spool.append(group: items)
                    result.spooled = zip(items, sequences).filter { $0.0.kind.isDelivered && $0.1 != nil }.count
                    if newCheckpoint { savedCheckpoint = checkpoint }
                } catch {
                    result.notes.append("spool: \(error)")
                }
            }
        }
        if let log {
            do {
                try log.append(lines)
                result.logged = true
            } catch {
                result.notes.append("alert log: \(error)")
            }
        }
        if let spool {
            // Even when the log failed: delivery must not stop for it (the failure was noted).
            do { try spool.markLogged(through: spool.lastSequence) } catch { result.notes.append("spool: \(error)") }
        }
        return result
    }

    private static func message(_ summary: AlertEnvelope) -> Spool.Item {
        Spool.Item(.message, Array(AlertEnvelopeJSON.encode(summary).utf8), alerts: UInt64(max(summary.count, 1)))
    }
}
