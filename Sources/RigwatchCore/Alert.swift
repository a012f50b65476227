// SPDX-License-Identifier: Apache-2.0
/// An alert as the engine raises it. Delivery (host, detection time, dedup
/// windows, sinks) happens after the engine, off the hot path.

public enum Severity: String, Sendable, CaseIterable, Comparable {
    case info, low, medium, high, critical

    public static func < (a: Severity, b: Severity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Alerts counted by the rule and the severity they were raised at (the dispatcher's
/// counters, `rigwatch_alerts_total{rule,severity}`). Ordered by rule, then by the
/// severity's name, as the metrics list them.
public struct AlertSeries: Hashable, Sendable, Comparable {
    public var rule: String
    public var severity: Severity

    public init(rule: String, severity: Severity) {
        self.rule = rule
        self.severity = severity
    }

    public static func < (a: AlertSeries, b: AlertSeries) -> Bool {
        (a.rule, a.severity.rawValue) < (b.rule, b.severity.rawValue)
    }
}

/// One process as an alert shows it.
public struct ProcessSummary: Equatable, Sendable {
    public var pid: UInt32
    public var ppid: UInt32
    public var exe: String
    public var argv: [String]
    public var uid: UInt32
    public var euid: UInt32
    public var gid: UInt32
    public var egid: UInt32
    public var lineageUid: UInt32
    public var cgroupId: UInt64
    public var comm: String
    /// The exact bytes of the exe path and of argv (NUL-separated), kept only when they are
    /// not valid UTF-8 (then `exe` and `argv` hold U+FFFD where bytes could not be decoded).
    public var exeBytes: [UInt8]?
    public var argsBytes: [UInt8]?

    public init(
        pid: UInt32, ppid: UInt32, exe: String, argv: [String], uid: UInt32, euid: UInt32, gid: UInt32,
        egid: UInt32, lineageUid: UInt32, cgroupId: UInt64, comm: String, exeBytes: [UInt8]? = nil,
        argsBytes: [UInt8]? = nil
    ) {
        self.exeBytes = exeBytes
        self.argsBytes = argsBytes
        self.pid = pid
        self.ppid = ppid
        self.exe = exe
        self.argv = argv
        self.uid = uid
        self.euid = euid
        self.gid = gid
        self.egid = egid
        self.lineageUid = lineageUid
        self.cgroupId = cgroupId
        self.comm = comm
    }

    public init(_ r: ProcessRecord) {
        pid = r.tgid
        ppid = r.ppid
        exe = r.path
        argv = r.argv
        uid = r.uid
        euid = r.euid
        gid = r.gid
        egid = r.egid
        lineageUid = r.lineageUid
        cgroupId = r.cgroupId
        comm = r.comm.description
        exeBytes = isValidUTF8(r.filename) ? nil : r.filename
        argsBytes = isValidUTF8(r.args) ? nil : r.args
    }

    /// argv as bash-readable words from the exact bytes (`ShellWord`).
    public var commandLine: String {
        argsBytes.map(ShellWord.commandLine) ?? argv.map { ShellWord.quote(Array($0.utf8)) }.joined(separator: " ")
    }

    /// The exe path as one bash-readable word from the exact bytes.
    public var exeWord: String { ShellWord.quote(exeBytes ?? Array(exe.utf8)) }
}

public struct Alert: Equatable, Sendable {
    /// Unique within one engine run and deterministic: rule and sequence number.
    public var id: String
    /// Stable rule name, e.g. "sensor-lost-events".
    public var rule: String
    public var severity: Severity
    public var title: String
    /// Time of the event that raised it (CLOCK_BOOTTIME ns).
    public var eventTimeNs: UInt64
    /// The process the alert is about and its ancestors, nearest first; empty when none.
    public var chain: [ProcessSummary]
    /// Ordered evidence, name and value.
    public var evidence: [(String, String)]
    /// Alerts with the same key describe the same thing (for dedup and aggregation).
    public var dedupKey: String

    public init(
        rule: String, severity: Severity, title: String, eventTimeNs: UInt64,
        chain: [ProcessSummary] = [], evidence: [(String, String)] = [], dedupKey: String
    ) {
        self.id = ""
        self.rule = rule
        self.severity = severity
        self.title = title
        self.eventTimeNs = eventTimeNs
        self.chain = chain
        self.evidence = evidence
        self.dedupKey = dedupKey
    }

    public static func == (a: Alert, b: Alert) -> Bool {
        a.id == b.id && a.rule == b.rule && a.severity == b.severity && a.title == b.title
            && a.eventTimeNs == b.eventTimeNs && a.chain == b.chain && a.dedupKey == b.dedupKey
            && a.evidence.map { $0.0 } == b.evidence.map { $0.0 } && a.evidence.map { $0.1 } == b.evidence.map { $0.1 }
    }

    public var subject: ProcessSummary? { chain.first }
}
