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

    /// `enum rw_enforce_stage`: an entry judged by the whitelist, or a child judged by
    /// the child profiles of the allowed entry above it.
    public enum Stage: Sendable, NamedCase {
        case entry, child

        public var rawValue: UInt32 { self == .entry ? RW_ENFORCE_ENTRY.rawValue : RW_ENFORCE_CHILD.rawValue }

        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_ENFORCE_ENTRY.rawValue: self = .entry
            case RW_ENFORCE_CHILD.rawValue: self = .child
            default: return nil
            }
        }

        public var name: String { self == .entry ? "entry" : "child" }
    }

    /// `enum rw_child_class`: why a child needed a profile (the kernel tells shells
    /// and interpreters apart from neither; `RootChildClasses` does).
    public enum ChildClass: Sendable, NamedCase {
        case writablePath, shellOrInterpreter, outsideSystemDirectories, undecided

        /// RW_CHILD_UNDECIDED in bpf/lib/child_profile.h: the class could not be decided.
        static let undecidedValue: UInt32 = 0xff
        /// RW_CHILD_ORDINARY: what an entry carries.
        public static let ordinaryValue = RW_CHILD_ORDINARY.rawValue

        public var rawValue: UInt32 {
            switch self {
            case .writablePath: return RW_CHILD_WRITABLE.rawValue
            case .shellOrInterpreter: return RW_CHILD_NAMED.rawValue
            case .outsideSystemDirectories: return RW_CHILD_OUTSIDE.rawValue
            case .undecided: return Self.undecidedValue
            }
        }

        /// nil for RW_CHILD_ORDINARY (an entry, or a child that needed no profile).
        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_CHILD_WRITABLE.rawValue: self = .writablePath
            case RW_CHILD_NAMED.rawValue: self = .shellOrInterpreter
            case RW_CHILD_OUTSIDE.rawValue: self = .outsideSystemDirectories
            case Self.undecidedValue: self = .undecided
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .writablePath: return "writable-path"
            case .shellOrInterpreter: return "shell-or-interpreter"
            case .outsideSystemDirectories: return "outside-system-directories"
            case .undecided: return "undecided"
            }
        }
    }

    public var action: Action
    public var stage: Stage
    /// A child's class; nil for an entry.
    public var childClass: ChildClass?
    /// Global index (in the kernel's policy half) of the negated rule that denied, or nil (no rule).
    public var rule: UInt32?
    /// The policy half that decided.
    public var half: UInt32
    /// The command: header, filename, argv, argc and flags as judged.
    public var exec: ExecEvent

    public var header: EventHeader { exec.header }

    public init(
        action: Action, stage: Stage = .entry, childClass: ChildClass? = nil, rule: UInt32?, half: UInt32,
        exec: ExecEvent
    ) {
        self.action = action
        self.stage = stage
        self.childClass = childClass
        self.rule = rule
        self.half = half
        self.exec = exec
    }
}
