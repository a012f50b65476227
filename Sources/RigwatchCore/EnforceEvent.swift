// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// A privileged exec of a watched lineage that the in-kernel whitelist did not
/// allow (`struct rw_enforce`, bpf/enforce.bpf.c): stopped, reported as what deny
/// mode would stop, or left undecided to the detector. `exec` is the command as the
/// kernel judged it: a script's command line as its caller gave it.
public struct EnforceEvent: Equatable, Sendable {
    /// `enum rw_enforce_action`.
    public enum Action: Sendable, NamedCase {
        case killed, refused, wouldDeny, undecided

        public var rawValue: UInt32 {
            switch self {
            case .killed: return RW_ENFORCE_KILLED.rawValue
            case .refused: return RW_ENFORCE_REFUSED.rawValue
            case .wouldDeny: return RW_ENFORCE_WOULD_DENY.rawValue
            case .undecided: return RW_ENFORCE_UNDECIDED.rawValue
            }
        }

        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_ENFORCE_KILLED.rawValue: self = .killed
            case RW_ENFORCE_REFUSED.rawValue: self = .refused
            case RW_ENFORCE_WOULD_DENY.rawValue: self = .wouldDeny
            case RW_ENFORCE_UNDECIDED.rawValue: self = .undecided
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .killed: return "killed"
            case .refused: return "refused"
            case .wouldDeny: return "would_deny"
            case .undecided: return "undecided"
            }
        }

        /// The command did not run.
        public var stopped: Bool { self == .killed || self == .refused }
    }

    public var action: Action
    /// Global index (in the kernel's policy half) of the negated rule that denied, or nil (no rule).
    public var rule: UInt32?
    /// The policy half that decided.
    public var half: UInt32
    /// The command: header, filename, argv, argc and flags as judged.
    public var exec: ExecEvent

    public var header: EventHeader { exec.header }

    public init(action: Action, rule: UInt32?, half: UInt32, exec: ExecEvent) {
        self.action = action
        self.rule = rule
        self.half = half
        self.exec = exec
    }
}
