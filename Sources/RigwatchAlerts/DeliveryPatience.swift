// SPDX-License-Identifier: Apache-2.0

/// How long to wait for Discord's answer, so that a Discord slower than the
/// client timeout costs a bounded number of duplicate messages.
///
/// A request that times out after its whole body was sent may have been taken
/// (Discord posts the message and answers late): sending it again is the only way
/// not to lose it, and makes a duplicate if it was taken. After one such timeout
/// every request waits up to the patient timeout (4 × the configured total
/// timeout, at least 60 s), until an answer comes back within the configured
/// timeout again. So:
///
/// **Bound.** While Discord answers within the patient timeout, each time it
/// turns slower than the configured timeout costs at most one duplicate message
/// (the one request that timed out). Only a Discord that takes requests and
/// answers none even within the patient timeout (a broken network, not a slow
/// Discord) can duplicate more: one message per retry, retries spaced by the
/// backoff. Delivery stays at-least-once: nothing is given up as "probably sent".
/// Pure.
struct DeliveryPatience: Equatable {
    /// A request timed out after sending its body, and no fast answer came since.
    private(set) var patient = false

    static let minimumPatientMs = 60_000

    static func patientTimeoutMs(normal: Int) -> Int {
        let (four, overflow) = normal.multipliedReportingOverflow(by: 4)
        return max(overflow ? Int.max : four, minimumPatientMs)
    }

    /// The total timeout for the next request.
    func timeoutMs(normal: Int) -> Int { patient ? Self.patientTimeoutMs(normal: normal) : normal }

    /// No answer came for a request whose body was sent: it may have been taken.
    mutating func timedOutAfterSending() { patient = true }

    /// An answer came `elapsedMs` after sending; one within the configured timeout ends the patience.
    mutating func answered(elapsedMs: Int64, normal: Int) {
        if elapsedMs < Int64(normal) { patient = false }
    }
}
