// SPDX-License-Identifier: Apache-2.0
/// How the tamper detector reports.
public struct TamperSettings: Equatable, Sendable {
    /// An identical finding (the same integrity problem with the same counts, or the
    /// same actor doing the same thing to the sensor) within this many seconds of
    /// the last alert for it raises no new one: the self-check repeats every few
    /// seconds and a debugger issues many ptrace calls. The alert router's dedup
    /// window is the natural value.
    public var repeatWindowSeconds: UInt64

    public init(repeatWindowSeconds: UInt64 = 60) {
        self.repeatWindowSeconds = repeatWindowSeconds
    }
}
