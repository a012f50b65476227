// SPDX-License-Identifier: Apache-2.0
/// Signals, ptrace requests and signal results by name, for tamper alerts. The
/// values are Linux's on x86-64 and arm64 (the hosts rigwatch runs on).
enum TamperNames {
    /// "SIGTERM", "SIGRTMIN+3", or "signal 99" (the names the event output uses).
    static func signal(_ n: Int64) -> String { SignalNames.name(n) ?? "signal \(n)" }

    /// Signals that stop or end the sensor.
    static let stopping: Set<Int64> = [9, 19, 15, 2, 3]  // SIGKILL, SIGSTOP, SIGTERM, SIGINT, SIGQUIT

    static let ptraceRequests: [Int64: String] = [
        0: "PTRACE_TRACEME", 1: "PTRACE_PEEKTEXT", 2: "PTRACE_PEEKDATA", 3: "PTRACE_PEEKUSER", 4: "PTRACE_POKETEXT",
        5: "PTRACE_POKEDATA", 6: "PTRACE_POKEUSER", 7: "PTRACE_CONT", 8: "PTRACE_KILL", 9: "PTRACE_SINGLESTEP",
        12: "PTRACE_GETREGS", 13: "PTRACE_SETREGS", 14: "PTRACE_GETFPREGS", 15: "PTRACE_SETFPREGS",
        16: "PTRACE_ATTACH", 17: "PTRACE_DETACH", 24: "PTRACE_SYSCALL",
        0x4200: "PTRACE_SETOPTIONS", 0x4201: "PTRACE_GETEVENTMSG", 0x4202: "PTRACE_GETSIGINFO",
        0x4203: "PTRACE_SETSIGINFO", 0x4204: "PTRACE_GETREGSET", 0x4205: "PTRACE_SETREGSET", 0x4206: "PTRACE_SEIZE",
        0x4207: "PTRACE_INTERRUPT", 0x4208: "PTRACE_LISTEN", 0x4209: "PTRACE_PEEKSIGINFO",
    ]

    /// A PTRACE_MODE_* access mode (include/linux/ptrace.h): "attach, realcreds (0x12)".
    static func ptraceMode(_ mode: Int64) -> String {
        let bits: [(Int64, String)] = [
            (0x01, "read"), (0x02, "attach"), (0x04, "noaudit"), (0x08, "fscreds"), (0x10, "realcreds"),
        ]
        let names = bits.filter { mode & $0.0 != 0 }.map(\.1)
        return "\(names.isEmpty ? "mode" : names.joined(separator: ", ")) (0x\(String(mode, radix: 16)))"
    }

    /// "PTRACE_ATTACH", or "request 99".
    static func ptraceRequest(_ n: Int64) -> String { ptraceRequests[n] ?? "request \(n)" }

    /// The kernel's TRACE_SIGNAL_* results (include/trace/events/signal.h).
    static func signalResult(_ r: Int32) -> String {
        switch r {
        case 0: return "delivered"
        case 1: return "ignored"
        case 2: return "already pending"
        case 3: return "not queued (overflow)"
        case 4: return "delivered without its information"
        default: return "result \(r)"
        }
    }
}
