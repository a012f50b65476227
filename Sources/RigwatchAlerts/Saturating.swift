// SPDX-License-Identifier: Apache-2.0

/// Counters that stop at their bounds instead of trapping: the spool's figures
/// come from disk and must never crash the sensor, however large they are.
extension UInt64 {
    func clampedAdding(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func clampedSubtracting(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }
}
