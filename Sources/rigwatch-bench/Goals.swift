// SPDX-License-Identifier: Apache-2.0

/// A timed figure's goal from issue 21, printed beside it: "[goal ≥ 3 M events/s: met]".
/// Figures for the reader; `make bench-check` guards the instruction counts instead.
func goal(_ text: String, met: Bool) -> String {
    "[goal \(text): \(met ? "met" : "missed")]"
}
