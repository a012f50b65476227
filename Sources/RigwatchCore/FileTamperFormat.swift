// SPDX-License-Identifier: Apache-2.0
/// JSON fields and text lines of the file_change, tamper and integrity kinds, for
/// `EventFormat`. The trace reader (`TraceJSONFileTamper.swift`) reads these fields back.
extension EventFormat {
    public static let fileChangeFlagTable: [(FileChangeEvent.Flags, String)] = [
        (.pathTruncated, "path_truncated"), (.path2Truncated, "path2_truncated"),
        (.fromString, "from_string"), (.nonCanonical, "non_canonical"),
    ]

    public static func flagNames(_ flags: FileChangeEvent.Flags) -> [String] {
        fileChangeFlagTable.compactMap { flags.contains($0.0) ? $0.1 : nil }
    }

    /// After the process header. Paths that are not UTF-8 also go as hex, like exec's filename.
    static func fileChangeFields(_ e: FileChangeEvent, into w: inout JSONWriter) {
        w.field("op", e.operation.name)
        w.field("path", e.path)
        if !isValidUTF8(e.pathBytes) { w.field("path_hex", hexString(e.pathBytes)) }
        if !e.path2Bytes.isEmpty {
            w.field("path2", e.path2)
            if !isValidUTF8(e.path2Bytes) { w.field("path2_hex", hexString(e.path2Bytes)) }
        }
        w.field("flags", strings: flagNames(e.flags))
        w.field("open_flags", e.openFlags)
        w.field("result", e.result)
        w.field("mntns", e.mountNamespace)
    }

    /// After the process header (the actor). The argument is named by what it is for the op.
    static func tamperFields(_ e: TamperEvent, into w: inout JSONWriter) {
        w.field("op", e.operation.name)
        w.field("target_pid", e.targetPid)
        switch e.operation {
        case .signal:
            if let name = SignalNames.name(e.argument) { w.field("signal", name) } else { w.nullField("signal") }
            w.field("signal_number", e.argument)
        case .ptrace:
            w.field("request", e.argument)
        case .vmRead, .vmWrite:
            // Always 0 from the kernel; written only otherwise, so no record loses a field.
            if e.argument != 0 { w.field("arg", e.argument) }
        }
        w.field("result", e.result)
        // Only when set, so every record from before prevention reads as it did.
        if e.denied { w.field("denied", true) }
    }

    /// No process: the time of the check and what it found.
    static func integrityFields(_ e: IntegrityEvent, into w: inout JSONWriter) {
        w.field("ts_ns", e.timestampNs)
        w.field("problem", e.problem.name)
        w.field("name", e.name)
        w.field("expected", e.expected)
        w.field("found", e.found)
    }

    /// "open_write /etc/shadow result=0 open_flags=0x241 mntns=…", after the process prefix.
    static func fileChangeText(_ e: FileChangeEvent) -> String {
        var line = "\(e.operation.name) \(shellQuote(e.path))"
        if !e.path2Bytes.isEmpty { line += " -> \(shellQuote(e.path2))" }
        line += " result=\(e.result)"
        if e.openFlags != 0 { line += " open_flags=0x\(String(e.openFlags, radix: 16))" }
        let flags = flagNames(e.flags)
        if !flags.isEmpty { line += " flags=\(flags.joined(separator: ","))" }
        return line + " mntns=\(e.mountNamespace)"
    }

    /// "signal SIGKILL(9) target=1234 result=0", after the process prefix (the actor).
    static func tamperText(_ e: TamperEvent) -> String {
        var line = e.operation.name
        switch e.operation {
        case .signal: line += " " + (SignalNames.name(e.argument).map { "\($0)(\(e.argument))" } ?? String(e.argument))
        case .ptrace: line += " request=\(e.argument)"
        case .vmRead, .vmWrite: if e.argument != 0 { line += " arg=\(e.argument)" }
        }
        return line + " target=\(e.targetPid) result=\(e.result)" + (e.denied ? " denied" : "")
    }

    /// "map_altered name=watch_uids expected=3 found=4", after the time.
    static func integrityText(_ e: IntegrityEvent) -> String {
        var line = "integrity \(e.problem.name) name=\(shellQuote(e.name))"
        if e.problem == .mapAltered || e.expected != 0 || e.found != 0 {
            line += " expected=\(e.expected) found=\(e.found)"
        }
        return line
    }
}
