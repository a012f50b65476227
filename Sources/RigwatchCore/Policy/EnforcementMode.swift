// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// `enforcement.mode`: what the in-kernel whitelist does with a root exec of a
/// watched lineage that no rule allows (`enum rw_enforce_mode`).
public enum EnforcementMode: String, Sendable, CaseIterable {
    /// Nothing: the whitelist check only reports.
    case off
    /// Decides in the kernel and reports what deny would stop; everything runs.
    case audit
    /// Stops it before it runs: EPERM from exec where BPF-LSM is active, else SIGKILL.
    case deny

    public var kernelValue: UInt32 {
        switch self {
        case .off: return RW_ENFORCE_OFF.rawValue
        case .audit: return RW_ENFORCE_AUDIT.rawValue
        case .deny: return RW_ENFORCE_DENY.rawValue
        }
    }
}
