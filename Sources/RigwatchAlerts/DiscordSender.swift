// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore

/// The router's delivery half, run by its sender thread: the oldest deliverable
/// spool records to Discord, one POST at a time, honouring rate limits and
/// backing off; a record is acknowledged only after Discord took it. It alone
/// waits on the network, so alerts keep reaching the spool and the alert log
/// however slow Discord is.
///
/// Duplicates: `kill -9` while a request is in flight resends that one message
/// after the restart (at most one duplicate message per kill); a Discord slower
/// than the timeout costs what `DeliveryPatience` bounds.
final class DiscordSender {
    /// Wall ns of the next attempt.
    private(set) var nextAttempt = Int64.min
    private var attempts = 0
    private(set) var webhookGone = false
    private var singleNext = false
    private(set) var patience = DeliveryPatience()
    private var outage = DeliveryOutage()

    /// What one attempt did, for the router's stats and log.
    struct Result {
        var delivered = 0
        var failures = 0
        var rateLimited = 0
        /// Problems to log (redacted by the router), the last one kept as the last error.
        var notes: [String] = []
        /// Lines to log that are no error (a recovery).
        var info: [String] = []
        /// The failure to show as the last error without a log line of its own.
        var quietError: String?
    }

    /// What a delivery needs, as the router's settings have it now.
    struct Target {
        var spool: Spool
        var poster: AlertTransport
        var webhook: WebhookURL
        var totalTimeoutMs: Int
        var spoolDirectory: String
    }

    /// A new webhook (a reload) is tried at once.
    func reset() {
        webhookGone = false
        attempts = 0
        singleNext = false
        nextAttempt = .min
    }

    /// One POST of the oldest deliverable records (up to one message's worth).
    func deliverOnce(_ target: Target, clock: TimeSource) -> Result {
        var result = Result()
        let spool = target.spool
        var entries = spool.deliverable(limit: singleNext ? 1 : 10)
        var envelopes: [AlertEnvelope] = []
        for (i, entry) in entries.enumerated() {
            guard let envelope = try? AlertEnvelopeJSON.decode(entry.payload) else {
                guard i == 0 else {
                    entries.removeSubrange(i...)  // the readable ones before it go first
                    break
                }
                // Not ours to fix: it cannot be sent; the alert log has it.
                result.notes.append("spool record \(entry.sequence) is unreadable; skipped")
                acknowledge(spool, through: entry.sequence, &result)
                return result
            }
            envelopes.append(envelope)
        }
        guard !envelopes.isEmpty else { return result }
        let (json, count) = DiscordPayload.build(envelopes[...])
        let started = clock.wallNowNs()
        let timeoutMs = patience.timeoutMs(normal: target.totalTimeoutMs)
        let outcome: DeliveryOutcome
        var problem: String
        do {
            let response = try target.poster.post(url: target.webhook.value, json: json, timeoutMs: timeoutMs)
            let elapsedMs = clock.wallNowNs().subtractingReportingOverflow(started).partialValue / 1_000_000
            patience.answered(elapsedMs: elapsedMs, normal: target.totalTimeoutMs)
            outcome = DeliveryPolicy.classify(status: response.status, headers: response.headers, body: response.body)
            problem = "HTTP \(response.status)"
        } catch {
            outcome = .backoff
            problem = "no answer (\(error))"
            if (error as? HTTPPoster.Failure)?.requestSent == true {
                let wasPatient = patience.patient
                patience.timedOutAfterSending()
                if !wasPatient {
                    problem +=
                        "; the request had been sent whole, so Discord may have taken it: it goes again, and answers are now awaited for up to \(DeliveryPatience.patientTimeoutMs(normal: target.totalTimeoutMs) / 1000) s"
                }
            }
        }
        switch outcome {
        case .delivered(let wait):
            acknowledge(spool, through: entries[count - 1].sequence, &result)
            attempts = 0
            singleNext = false
            nextAttempt = clock.wallNowNs() + Self.ns(wait)
            result.delivered = count
            if let line = outage.delivered(nowNs: clock.wallNowNs()) { result.info.append(line) }
        case .retryAfter(let seconds, let global):
            nextAttempt = clock.wallNowNs() + Self.ns(seconds)
            result.rateLimited = 1
            if global { result.notes.append("Discord global rate limit: waiting \(seconds) s") }
        case .backoff:
            attempts += 1
            nextAttempt =
                clock.wallNowNs() + Self.ns(DeliveryPolicy.backoffSeconds(attempt: attempts, random: jitter()))
            result.failures = 1
            result.quietError = "Discord delivery: \(problem)"
            if let line = outage.failed(problem, nowNs: clock.wallNowNs()) { result.notes.append(line) }
        case .webhookGone:
            webhookGone = true
            result.notes.append(
                "Discord says the webhook \(target.webhook) no longer exists (404); alerts stay spooled in \(target.spoolDirectory) until it is replaced"
            )
            result.failures = 1
        case .rejected(let status, let message):
            result.failures = 1
            if count > 1 {
                singleNext = true  // find the one Discord refuses
            } else {
                result.notes.append(
                    "Discord refused alert \(envelopes[0].alert.id) (HTTP \(status): \(message)); it stays in the alert log, skipped for Discord"
                )
                acknowledge(spool, through: entries[0].sequence, &result)
                singleNext = false
            }
        }
        return result
    }

    /// The jitter of the backoff after a failure, in 0...1 (tests fix it).
    var jitter: () -> Double = { Double.random(in: 0...1) }

    private func acknowledge(_ spool: Spool, through sequence: UInt64, _ result: inout Result) {
        do { try spool.acknowledge(through: sequence) } catch { result.notes.append("spool: \(error)") }
    }

    /// Seconds as ns, the way the router adds waits to clock readings. A wait comes from
    /// Discord's answer: whatever it says, at most a day, and never a trap.
    static func ns(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int64((min(seconds, 86_400) * 1e9).rounded())
    }
}
