/// Someone acted on the sensor process (`struct rw_tamper`): sent it a signal,
/// ptraced it, or read or wrote its memory. The header is the actor.
public struct TamperEvent: Equatable, Sendable {
    public enum Operation: UInt32, Sendable, NamedCase {
        case signal = 1, ptrace, vmRead, vmWrite

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

    public init(header: EventHeader, operation: Operation, targetPid: UInt32, argument: Int64 = 0, result: Int32 = 0) {
        self.header = header
        self.operation = operation
        self.targetPid = targetPid
        self.argument = argument
        self.result = result
    }
}

/// The sensor's periodic self-check found its kernel side changed by someone else
/// (`struct rw_integrity`, written by userspace). Like drops, it describes no
/// process: the header carries only the time of the check.
public struct IntegrityEvent: Equatable, Sendable {
    public enum Problem: UInt32, Sendable, NamedCase {
        /// One of the sensor's BPF links is no longer attached (e.g. `bpftool link detach`).
        case linkDetached = 1
        /// A control map holds other contents than the sensor wrote (e.g. `bpftool map update`).
        case mapAltered = 2

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
