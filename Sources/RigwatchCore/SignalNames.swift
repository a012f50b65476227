// SPDX-License-Identifier: Apache-2.0
/// Linux signal names by number, as x86-64 and arm64 number them (the hosts rigwatch
/// runs on). A fixed table rather than the C library's, so a trace replays with the
/// same names on any machine.
public enum SignalNames {
    static let standard = [
        "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    ]

    /// glibc's SIGRTMIN: it keeps 32 and 33 for itself, so those have no name.
    static let realTimeMin: Int64 = 34
    static let realTimeMax: Int64 = 64

    /// "SIGKILL" for 9, "SIGRTMIN+3" for 37; nil for numbers without a name (32, 33,
    /// anything out of range).
    public static func name(_ number: Int64) -> String? {
        if number >= 1 && number <= Int64(standard.count) { return standard[Int(number) - 1] }
        guard number >= realTimeMin && number <= realTimeMax else { return nil }
        return number == realTimeMin ? "SIGRTMIN" : "SIGRTMIN+\(number - realTimeMin)"
    }

    /// The number of a name `name(_:)` gives ("SIGKILL" gives 9).
    public static func number(_ name: String) -> Int64? {
        if let i = standard.firstIndex(of: name) { return Int64(i) + 1 }
        return (realTimeMin...realTimeMax).first { Self.name($0) == name }
    }
}
