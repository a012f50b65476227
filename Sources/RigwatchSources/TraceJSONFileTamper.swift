// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Reads the file_change, tamper and integrity kinds back from the fields
/// `EventFormat` writes for them (`FileTamperFormat.swift`). Whatever is read here
/// fits the binary record unchanged: paths and names too long or holding a NUL are errors.
extension JSONFields {
    func fileChange() throws(TraceError) -> FileChangeEvent {
        let header = try eventHeader()
        let opName = try string("op")
        guard let op = FileChangeEvent.Operation(name: opName) else {
            let known = FileChangeEvent.Operation.allCases.map(\.name).joined(separator: ", ")
            throw bad("op", "unknown op \"\(opName)\" (known: \(known))")
        }
        let path = try pathBytes("path")
        // Written only when non-empty.
        let path2 = fields["path2"] != nil || fields["path2_hex"] != nil ? try pathBytes("path2") : []
        var flags = FileChangeEvent.Flags()
        for (i, name) in try strings("flags").enumerated() {
            guard let flag = EventFormat.fileChangeFlagTable.first(where: { $0.1 == name })?.0 else {
                let known = EventFormat.fileChangeFlagTable.map(\.1).joined(separator: ", ")
                throw bad("flags[\(i)]", "unknown flag \"\(name)\" (known: \(known))")
            }
            flags.insert(flag)
        }
        return FileChangeEvent(
            header: header, operation: op, flags: flags, openFlags: try u32("open_flags"),
            result: try i32("result"), mountNamespace: try u32("mntns"),
            pathBytes: path, path2Bytes: path2)
    }

    /// `name`, or `name_hex` when present (a path that is not UTF-8), as the record keeps it.
    private func pathBytes(_ name: String) throws(TraceError) -> [UInt8] {
        let hexName = name + "_hex"
        let field = fields[hexName] != nil ? hexName : name
        let bytes = field == hexName ? try hex(hexName) : Array(try string(name).utf8)
        guard !bytes.contains(0) else { throw bad(field, "contains a NUL byte") }
        guard bytes.count < KernelABI.pathCapacity else {
            throw bad(field, "is \(bytes.count) bytes; the record keeps at most \(KernelABI.pathCapacity - 1)")
        }
        return bytes
    }

    func tamper() throws(TraceError) -> TamperEvent {
        let header = try eventHeader()
        let opName = try string("op")
        guard let op = TamperEvent.Operation(name: opName) else {
            let known = TamperEvent.Operation.allCases.map(\.name).joined(separator: ", ")
            throw bad("op", "unknown op \"\(opName)\" (known: \(known))")
        }
        let argument: Int64
        switch op {
        case .signal:
            argument = try i64("signal_number")
            try checkSignalName(of: argument)
        case .ptrace:
            argument = try i64("request")
        case .vmRead, .vmWrite:
            argument = fields["arg"] != nil ? try i64("arg") : 0
        }
        return TamperEvent(
            header: header, operation: op, targetPid: try u32("target_pid"), argument: argument,
            result: try i32("result"), denied: fields["denied"] != nil ? try bool("denied") : false)
    }

    /// `signal` is the name of `signal_number`, or null when it has none; a mismatch
    /// in a hand-written line is an error rather than a guess at which one was meant.
    private func checkSignalName(of number: Int64) throws(TraceError) {
        let expected = SignalNames.name(number)
        switch try value("signal") {
        case .null:
            if let expected { throw bad("signal", "is null but signal \(number) is \(expected)") }
        case .string(let name):
            guard name == expected else {
                throw bad(
                    "signal",
                    "\"\(name)\" is not the name of signal_number \(number) (\(expected ?? "it has none: use null"))")
            }
        default:
            throw wrongType("signal", "a signal name or null")
        }
    }

    /// An integrity check: no process header, only the time and what was found.
    func integrity() throws(TraceError) -> IntegrityEvent {
        let problemName = try string("problem")
        guard let problem = IntegrityEvent.Problem(name: problemName) else {
            let known = IntegrityEvent.Problem.allCases.map(\.name).joined(separator: ", ")
            throw bad("problem", "unknown problem \"\(problemName)\" (known: \(known))")
        }
        let name = try string("name")
        guard !name.utf8.contains(0) else { throw bad("name", "contains a NUL byte") }
        guard name.utf8.count <= KernelABI.integrityNameLength else {
            throw bad("name", "is \(name.utf8.count) bytes; the record holds at most \(KernelABI.integrityNameLength)")
        }
        return IntegrityEvent(
            timestampNs: try u64("ts_ns"), problem: problem, name: name,
            expected: try u32("expected"), found: try u32("found"))
    }
}
