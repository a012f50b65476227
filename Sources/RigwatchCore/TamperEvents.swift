// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// Someone acted on the sensor process (`struct rw_tamper`): sent it a signal,
/// ptraced it, or read or wrote its memory. The header is the actor.
public struct TamperEvent: Equatable, Sendable {
    /// `enum rw_tamper_op`.
    public enum Operation: Sendable, NamedCase {
        case signal, ptrace, vmRead, vmWrite

        public var rawValue: UInt32 {
            switch self {
            case .signal: return RW_TAMPER_SIGNAL.rawValue
            case .ptrace: return RW_TAMPER_PTRACE.rawValue
            case .vmRead: return RW_TAMPER_VM_READ.rawValue
            case .vmWrite: return RW_TAMPER_VM_WRITE.rawValue
            }
        }

        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_TAMPER_SIGNAL.rawValue: self = .signal
            case RW_TAMPER_PTRACE.rawValue: self = .ptrace
            case RW_TAMPER_VM_READ.rawValue: self = .vmRead
            case RW_TAMPER_VM_WRITE.rawValue: self = .vmWrite
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .signal: return "signal"
            case .ptrace: return "ptrace"
            case .vmRead: return "process_vm_readv"
            case .vmWrite: return "process_vm_writev"
            }
        }
    }

    public var header: EventHeader
    public var operation: Operation
    /// The sensor thread aimed at.
    public var targetPid: UInt32
    /// The signal number (`signal`) or the ptrace request (`ptrace`); else 0.
    public var argument: Int64
    /// For `signal`: the kernel's TRACE_SIGNAL_* result (0 = delivered).
    public var result: Int32
    /// Refused by the sensor's BPF-LSM program (`RW_TAMPER_DENIED`): the attempt did not
    /// happen. For a denied `ptrace` the argument is the access mode, not a request.
    public var denied: Bool

    public init(
        header: EventHeader, operation: Operation, targetPid: UInt32, argument: Int64 = 0, result: Int32 = 0,
        denied: Bool = false
    ) {
        self.header = header
        self.operation = operation
        self.targetPid = targetPid
        self.argument = argument
        self.result = result
        self.denied = denied
    }
}

/// The sensor's periodic self-check found its kernel side changed by someone else
/// (`struct rw_integrity`, written by userspace). Like drops, it describes no
/// process: the header carries only the time of the check.
public struct IntegrityEvent: Equatable, Sendable {
    /// `enum rw_integrity_problem`.
    public enum Problem: Sendable, NamedCase {
        /// One of the sensor's BPF links is no longer attached (e.g. `bpftool link detach`).
        case linkDetached
        /// A control map holds other contents than the sensor wrote (e.g. `bpftool map update`).
        case mapAltered

        public var rawValue: UInt32 {
            switch self {
            case .linkDetached: return RW_INTEGRITY_LINK_DETACHED.rawValue
            case .mapAltered: return RW_INTEGRITY_MAP_ALTERED.rawValue
            }
        }

        public init?(rawValue: UInt32) {
            switch rawValue {
            case RW_INTEGRITY_LINK_DETACHED.rawValue: self = .linkDetached
            case RW_INTEGRITY_MAP_ALTERED.rawValue: self = .mapAltered
            default: return nil
            }
        }

        public var name: String {
            switch self {
            case .linkDetached: return "link_detached"
            case .mapAltered: return "map_altered"
            }
        }
    }

    public var timestampNs: UInt64
    public var problem: Problem
    /// The program (link) or map concerned.
    public var name: String
    /// Entries the map should hold and holds (`mapAltered`); 0 otherwise.
    public var expected: UInt32
    public var found: UInt32

    public init(timestampNs: UInt64, problem: Problem, name: String, expected: UInt32 = 0, found: UInt32 = 0) {
        self.timestampNs = timestampNs
        self.problem = problem
        self.name = name
        self.expected = expected
        self.found = found
    }

    /// A header with only the time set, as the record stores it.
    public var header: EventHeader { .timeOnly(timestampNs) }
}
