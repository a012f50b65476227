// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Trace files: the binary and JSON Lines forms, their errors, crash truncation,
/// mutation fuzzing and the `rigwatch trace convert` command.
final class TraceFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "rigwatch-trace-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func contents(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A binary trace of `events` as bytes, written by the real writer.
    private func binaryTrace(_ events: [Event], header: TraceHeader = Samples.header) throws -> [UInt8] {
        let file = path("built-\(UUID().uuidString).rwtrace")
        try TraceFile.write(header: header, events: events, to: file, format: .binary)
        return try contents(file)
    }

    private func jsonlTrace(_ events: [Event], header: TraceHeader = Samples.header) throws -> String {
        let file = path("built-\(UUID().uuidString).jsonl")
        try TraceFile.write(header: header, events: events, to: file, format: .jsonl)
        return String(decoding: try contents(file), as: UTF8.self)
    }

    /// Offsets of every record's length field.
    private func recordOffsets(_ bytes: [UInt8]) throws -> [Int] {
        var reader = try TraceReader(bytes: bytes)
        var offsets: [Int] = []
        while let (offset, _) = try reader.nextRawRecord() { offsets.append(offset) }
        return offsets
    }

    // MARK: Round trips

    func testBinaryToJSONLToBinaryIsByteIdentical() throws {
        let events = Samples.events + Samples.random(count: 2000, seed: 0x7261_6e64)
        let binary = path("a.rwtrace")
        let jsonl = path("a.jsonl")
        let again = path("b.rwtrace")
        try TraceFile.write(header: Samples.header, events: events, to: binary, format: .binary)

        let first = try TraceFile.read(path: binary)
        XCTAssertEqual(first.format, .binary)
        XCTAssertEqual(first.header, Samples.header)
        XCTAssertNil(first.warning)
        XCTAssertEqual(first.events.count, events.count)
        for (i, (got, want)) in zip(first.events, events).enumerated() where got != want {
            XCTFail("binary event \(i) differs:\n got \(got)\nwant \(want)")
            break
        }

        try TraceFile.write(header: first.header, events: first.events, to: jsonl, format: .jsonl)
        let second = try TraceFile.read(path: jsonl)
        XCTAssertEqual(second.format, .jsonl)
        XCTAssertEqual(second.header, Samples.header)
        for (i, (got, want)) in zip(second.events, events).enumerated() where got != want {
            XCTFail(
                "JSONL event \(i) differs:\n got \(got)\nwant \(want)\nline \(EventFormat.json(want, origin: .unknown))"
            )
            break
        }
        XCTAssertEqual(second.events.count, events.count)

        try TraceFile.write(header: second.header, events: second.events, to: again, format: .binary)
        XCTAssertEqual(try contents(again), try contents(binary), "binary -> JSONL -> binary must be byte-identical")
    }

    func testJSONLToBinaryToJSONLIsTextIdentical() throws {
        let text = try jsonlTrace(Samples.events)
        let binary = path("x.rwtrace")
        try TraceFile.write(
            header: Samples.header, events: try TraceJSONL.read(bytes: Array(text.utf8)).events,
            to: binary, format: .binary)
        let back = try TraceFile.read(path: binary)
        XCTAssertEqual(try jsonlTrace(back.events, header: back.header), text)
    }

    func testSamplesCoverEveryCaseTheFormatMustCarry() {
        let lines = Samples.events.map { EventFormat.json($0, origin: .unknown) }
        for needle in [
            "\"filename_hex\"", "\"args_hex\"", "\"lineage_uid\":null", "\"lineage_uid\":1000",
            "\\n", "\\\"", "\"argv\":[]", "\"result\":-1", "\"signal\":9", "\"type\":\"drops\"",
            "args_truncated", "\"comm\":\"pythön\"", "\"type\":\"file_change\"", "\"path_hex\"",
            "\"path2\"", "\"type\":\"tamper\"", "\"signal\":\"SIGKILL\"", "\"signal\":null", "\"request\"",
            "\"type\":\"integrity\"", "\"denied\":true",
        ] {
            XCTAssertTrue(lines.contains { $0.contains(needle) }, "no sample renders \(needle)")
        }
        for syscall in CredSyscall.allCases {
            XCTAssertTrue(
                lines.contains { $0.contains("\"syscall\":\"\(syscall.name)\"") }, "no \(syscall.name) sample")
        }
        for op in FileChangeEvent.Operation.allCases.map(\.name) + TamperEvent.Operation.allCases.map(\.name) {
            XCTAssertTrue(lines.contains { $0.contains("\"op\":\"\(op)\"") }, "no \(op) sample")
        }
        for problem in IntegrityEvent.Problem.allCases {
            XCTAssertTrue(
                lines.contains { $0.contains("\"problem\":\"\(problem.name)\"") }, "no \(problem.name) sample")
        }
    }

    func testRawRecordsOfUnknownKindsPassThroughTheFraming() throws {
        let file = path("future.rwtrace")
        let writer = try TraceWriter(path: file, header: Samples.header)
        // A future record kind (say, a GPU sample): kind 77, size 80, this ABI, then a payload.
        let future: [UInt8] = [77, 0, 80, 0] + [UInt8(KernelABI.version), 0, 0, 0] + (0..<72).map { UInt8($0) }
        try future.withUnsafeBytes { try writer.append(rawRecord: $0) }
        try writer.append(Samples.events[0])
        try writer.close()

        var raw = try TraceReader(path: file)
        let first = try raw.nextRawRecord()
        let second = try raw.nextRawRecord()
        let end = try raw.nextRawRecord()
        XCTAssertEqual(first.map { Array($0.record) }, future)
        XCTAssertEqual(first?.offset, raw.recordsOffset)
        XCTAssertEqual(second.map { Array($0.record) }, EventEncoder.encode(Samples.events[0]))
        XCTAssertNil(end)

        // Decoding reports the unknown kind with its offset, then carries on.
        var reader = try TraceReader(path: file)
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertEqual(
                error as? TraceError, .undecodableRecord(offset: reader.recordsOffset, error: .unknownKind(77)))
        }
        XCTAssertEqual(try reader.next(), Samples.events[0])
        XCTAssertNil(try reader.next())
    }

    func testWriterCountsBytesAndCreatesPrivateFiles() throws {
        let file = path("counted.rwtrace")
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: file, contents: Data(repeating: 0x41, count: 100_000),
                attributes: [.posixPermissions: 0o644]))
        let writer = try TraceWriter(path: file, header: Samples.header, bufferSize: 4096)
        for event in Samples.events { try writer.append(event) }
        try writer.flush()
        XCTAssertEqual(writer.eventCount, Samples.events.count)
        XCTAssertEqual(writer.byteCount, try contents(file).count, "after flush everything is on disk")
        try writer.append(Samples.events[0])
        try writer.close()
        XCTAssertEqual(writer.byteCount, try contents(file).count)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600, "traces hold command lines: owner only, even over an existing file")
        XCTAssertThrowsError(try writer.append(Samples.events[0]), "appending after close fails")
        XCTAssertEqual(try TraceFile.read(path: file).events, Samples.events + [Samples.events[0]])
    }

    func testWriterRefusesRecordsTheFramingCannotHold() throws {
        let writer = try TraceWriter(path: path("refuse.rwtrace"), header: Samples.header)
        let short: [UInt8] = [1, 0, 3]
        XCTAssertThrowsError(try short.withUnsafeBytes { try writer.append(rawRecord: $0) }) { error in
            XCTAssertEqual(error as? TraceError, .unframableRecord(length: 3, reason: "records hold 4...65535 bytes"))
        }
        let lying: [UInt8] = [1, 0, 9, 0, 0, 0]
        XCTAssertThrowsError(try lying.withUnsafeBytes { try writer.append(rawRecord: $0) }) { error in
            XCTAssertEqual(error as? TraceError, .unframableRecord(length: 6, reason: "the record declares 9 bytes"))
        }
        XCTAssertEqual(writer.eventCount, 0)
    }

    func testHeaderCarriesWallClockOffset() {
        let header = TraceHeader(bootOffsetNs: 1_700_000_000_000_000_000)
        XCTAssertEqual(header.wallNs(ofBootNs: 5_000), 1_700_000_000_000_005_000)
    }

    // MARK: Binary errors

    private func expectError(
        _ bytes: [UInt8], _ expected: TraceError, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let result = try TraceReader.read(bytes: bytes)
            XCTFail("expected \(expected), read \(result.events.count) events", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
            if let offset = expected.offset {
                XCTAssertTrue(error.description.contains("byte \(offset)"), error.description, file: file, line: line)
            }
        }
    }

    private func settingLE32(_ bytes: [UInt8], at offset: Int, _ value: UInt32) -> [UInt8] {
        var b = bytes
        for i in 0..<4 { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        return b
    }

    func testPreambleAndHeaderErrorsNameTheirOffset() throws {
        let valid = try binaryTrace(Samples.events)
        let headerEnd = 16 + Samples.header.encoded().count

        expectError([], .truncatedHeader(offset: 0, need: 16))
        expectError(Array(valid.prefix(10)), .truncatedHeader(offset: 10, need: 16))
        expectError(Array("{\"type\":\"exec\"}".utf8), .badMagic(offset: 0))
        expectError(Array("RWTRACEX".utf8) + valid.dropFirst(8), .badMagic(offset: 0))

        let future = settingLE32(valid, at: 8, 2)
        expectError(future, .unsupportedVersion(offset: 8, version: 2))
        do {
            _ = try TraceReader.read(bytes: future)
        } catch {
            XCTAssertTrue(error.description.contains("this build reads version 1"), error.description)
        }

        expectError(
            settingLE32(valid, at: 12, 0x7fff_ffff),
            .corruptHeader(offset: 12, reason: "header length 2147483647 exceeds 16777216 bytes"))
        expectError(Array(valid.prefix(headerEnd - 1)), .truncatedHeader(offset: headerEnd - 1, need: headerEnd))
        // The host name claims more bytes than the header holds.
        expectError(
            settingLE32(valid, at: 16, 5000), .corruptHeader(offset: 20, reason: "host name runs past the header's end")
        )
        var badName = valid
        badName[20] = 0xff
        expectError(badName, .corruptHeader(offset: 16, reason: "host name is not UTF-8"))
    }

    func testRecordLengthErrorsNameTheirOffset() throws {
        let valid = try binaryTrace(Array(Samples.events.prefix(3)))
        let offsets = try recordOffsets(valid)
        let second = offsets[1]
        let last = offsets[2]
        let length = UInt32(offsets[2] - offsets[1] - 4)

        expectError(
            settingLE32(valid, at: second, 0),
            .corruptRecordLength(offset: second, length: 0, reason: "shorter than a record's kind and size (4 bytes)"))
        expectError(
            settingLE32(valid, at: second, 3),
            .corruptRecordLength(offset: second, length: 3, reason: "shorter than a record's kind and size (4 bytes)"))
        expectError(
            settingLE32(valid, at: second, 65536),
            .corruptRecordLength(offset: second, length: 65536, reason: "longer than any record (65535 bytes)"))
        expectError(
            settingLE32(valid, at: second, length + 8),
            .corruptRecordLength(offset: second, length: length + 8, reason: "the record declares \(length) bytes"))
        // Past the end of the file, but the record inside says otherwise: corruption, not a crash cut.
        let lastLength = UInt32(valid.count - last - 4)
        expectError(
            settingLE32(valid, at: last, lastLength + 100),
            .corruptRecordLength(
                offset: last, length: lastLength + 100,
                reason: "runs past the end of the file and the record declares \(lastLength) bytes"))
    }

    func testUndecodableRecordNamesItsOffsetAfterEarlierEvents() throws {
        let events = Array(Samples.events.prefix(4))
        var bytes = try binaryTrace(events)
        let third = try recordOffsets(bytes)[2]
        bytes = settingLE32(bytes, at: third + 4 + 4, 9)  // the record's abi_version
        expectError(bytes, .undecodableRecord(offset: third, error: .unsupportedABI(9)))

        var reader = try TraceReader(bytes: bytes)
        XCTAssertEqual(try reader.next(), events[0])
        XCTAssertEqual(try reader.next(), events[1])
        XCTAssertThrowsError(try reader.next()) { error in
            XCTAssertTrue("\(error)".contains("undecodable record at byte \(third)"), "\(error)")
        }
        XCTAssertEqual(try reader.next(), events[3], "a caller may skip the bad record and go on")
    }

    // MARK: Truncation

    func testCutInsideTheLastRecordYieldsEarlierRecordsAndAWarning() throws {
        let events = Array(Samples.events.prefix(5)) + [Samples.events[1]]  // ends with a long exec
        let bytes = try binaryTrace(events)
        let last = try recordOffsets(bytes).last ?? 0
        XCTAssertGreaterThan(bytes.count - last, 100)

        let clean = try TraceReader.read(bytes: Array(bytes.prefix(last)))
        XCTAssertEqual(clean.events, Array(events.dropLast()))
        XCTAssertNil(clean.warning, "a cut between records is a clean end")

        for cut in (last + 1)..<bytes.count {
            let result = try TraceReader.read(bytes: Array(bytes.prefix(cut)))
            XCTAssertEqual(result.events, Array(events.dropLast()), "cut at \(cut)")
            XCTAssertEqual(result.truncation, .truncatedTail(offset: last, bytes: cut - last), "cut at \(cut)")
            XCTAssertTrue(
                result.warning?.contains("cut short at byte \(last)") == true, "\(String(describing: result.warning))")
        }
        XCTAssertEqual(
            try TraceFile.read(bytes: Array(bytes.prefix(last + 7))).truncation,
            .truncatedTail(offset: last, bytes: 7))
    }

    func testCutInsideTheHeaderIsAnError() throws {
        let bytes = try binaryTrace(Samples.events)
        let headerEnd = 16 + Samples.header.encoded().count
        for cut in 0..<headerEnd {
            expectError(Array(bytes.prefix(cut)), .truncatedHeader(offset: cut, need: cut < 16 ? 16 : headerEnd))
        }
        XCTAssertEqual(
            try TraceReader.read(bytes: Array(bytes.prefix(headerEnd))).events, [], "header only: empty trace")
    }

    // MARK: JSON Lines

    private func expectJSONL(_ text: String, _ expected: TraceError, file: StaticString = #filePath, line: UInt = #line)
    {
        do {
            let result = try TraceJSONL.read(bytes: Array(text.utf8))
            XCTFail("expected \(expected), read \(result.events.count) events", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
            if let number = expected.line {
                XCTAssertTrue(error.description.hasPrefix("line \(number)"), error.description, file: file, line: line)
            }
        }
    }

    private let fork =
        #"{"type":"fork","ts_ns":5,"pid":10,"tgid":10,"ppid":1,"uid":1000,"euid":1000,"gid":1000,"egid":1000,"lineage_uid":null,"cgroup_id":1,"comm":"bash","child_pid":11,"child_tgid":11}"#

    /// A scenario prefix: comment, blank line and one good event, so errors land on line 4.
    private func scenario(_ line: String) -> String {
        "# hand-written scenario\n\n\(fork)\n\(line)\n"
    }

    func testJSONLFieldErrorsNameLineAndField() {
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #","child_tgid":11"#, with: "")),
            .missingField(line: 4, field: "child_tgid"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""pid":10"#, with: #""pid":"10""#)),
            .badField(line: 4, field: "pid", reason: "expected an unsigned 32-bit integer, found a string"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""uid":1000"#, with: #""uid":-1"#)),
            .badField(
                line: 4, field: "uid", reason: "-1 is out of range for an unsigned 32-bit integer (0...4294967295)"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""euid":1000"#, with: #""euid":4294967296"#)),
            .badField(
                line: 4, field: "euid",
                reason: "4294967296 is out of range for an unsigned 32-bit integer (0...4294967295)"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""ts_ns":5"#, with: #""ts_ns":5.5"#)),
            .badField(line: 4, field: "ts_ns", reason: "5.5 is not an unsigned 64-bit integer"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""lineage_uid":null"#, with: #""lineage_uid":true"#)),
            .badField(line: 4, field: "lineage_uid", reason: "expected an unsigned 32-bit integer, found a boolean"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""type":"fork""#, with: #""type":"teleport""#)),
            .unknownEventType(line: 4, type: "teleport"))
        expectJSONL(
            scenario(fork.replacingOccurrences(of: #""type":"fork","#, with: "")),
            .missingField(line: 4, field: "type"))
        expectJSONL(
            scenario(#"{"type":"trace_header"}"#),
            .badField(line: 4, field: "type", reason: "a trace_header must be the first line"))
    }

    func testJSONLNestedAndExecFieldErrors() {
        guard let credEvent = Samples.events.first(where: { if case .cred = $0 { return true } else { return false } })
        else {
            return XCTFail("no cred sample")
        }
        let cred = EventFormat.json(credEvent, origin: .unknown)
        expectJSONL(
            scenario(cred.replacingOccurrences(of: #""euid":1000,"suid""#, with: #""suid""#)),
            .missingField(line: 4, field: "before.euid"))
        expectJSONL(
            scenario(cred.replacingOccurrences(of: #""euid":0,"suid""#, with: #""suid""#)),
            .missingField(line: 4, field: "after.euid"))
        expectJSONL(
            scenario(cred.replacingOccurrences(of: #""syscall":"setuid""#, with: #""syscall":"setxid""#)),
            .badField(
                line: 4, field: "syscall",
                reason:
                    "unknown syscall \"setxid\" (known: setuid, setreuid, setresuid, setfsuid, setgid, setregid, setresgid, setfsgid)"
            ))
        expectJSONL(
            scenario(cred.replacingOccurrences(of: #""result":0"#, with: #""result":-2147483649"#)),
            .badField(line: 4, field: "result", reason: "-2147483649 is out of range for a signed 32-bit integer"))

        let exec =
            #"{"type":"exec","ts_ns":1,"pid":2,"tgid":2,"ppid":1,"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":1000,"cgroup_id":3,"comm":"sh","filename":"/bin/ls","argv":["ls","-l"],"argc":2,"args_len":6,"login_uid":1000,"old_pid":2,"flags":[]}"#
        XCTAssertNoThrow(try TraceJSONL.read(bytes: Array(scenario(exec).utf8)))
        expectJSONL(
            scenario(exec.replacingOccurrences(of: #""args_len":6"#, with: #""args_len":9"#)),
            .badField(line: 4, field: "args_len", reason: "is 9 but argv holds 6 bytes with its NULs"))
        expectJSONL(
            scenario(exec.replacingOccurrences(of: #""flags":[]"#, with: #""flags":["setuid","sticky"]"#)),
            .badField(
                line: 4, field: "flags[1]",
                reason:
                    "unknown flag \"sticky\" (known: setuid, setgid, args_truncated, args_fault, filename_truncated, script)"
            ))
        expectJSONL(
            scenario(exec.replacingOccurrences(of: #""argv":["ls","-l"]"#, with: #""argv":["ls",7]"#)),
            .badField(line: 4, field: "argv[1]", reason: "expected a string, found a number"))
        expectJSONL(
            scenario(
                exec.replacingOccurrences(
                    of: #""filename":"/bin/ls""#, with: #""filename":"/bin/ls","filename_hex":"zz""#)),
            .badField(line: 4, field: "filename_hex", reason: "is not a hex string"))
    }

    func testJSONLSyntaxErrorsNameLineAndColumn() {
        expectJSONL(scenario(#"{"type":"fork","#), .badJSON(line: 4, column: 16, reason: "expected a string key"))
        expectJSONL(scenario(#"{"type":"fork""#), .badJSON(line: 4, column: 15, reason: "expected '}'"))
        expectJSONL(
            scenario(#"{"type":"fork"} x"#), .badJSON(line: 4, column: 17, reason: "unexpected text after the value"))
        expectJSONL(scenario("[1,2]"), .badJSON(line: 4, column: 1, reason: "expected an object"))
        expectJSONL(scenario(#"{"a":1,"a":2}"#), .badJSON(line: 4, column: 8, reason: "duplicate key \"a\""))
        expectJSONL(
            scenario(#"{"a":"\ud800"}"#),
            .badJSON(line: 4, column: 13, reason: "high surrogate not followed by a low surrogate"))
        expectJSONL(
            scenario(String(repeating: "[", count: 100_000)),
            .badJSON(line: 4, column: 33, reason: "nested deeper than 32 levels"))
        var invalid = Array(scenario(#"{"type":"X"}"#).utf8)
        if let x = invalid.lastIndex(of: UInt8(ascii: "X")) { invalid[x] = 0xff }
        XCTAssertThrowsError(try TraceJSONL.read(bytes: invalid)) { error in
            XCTAssertEqual(error as? TraceError, .badJSON(line: 4, column: 9, reason: "string is not valid UTF-8"))
        }
    }

    func testJSONLHeaderIsOptionalAndVersioned() throws {
        let bare = try TraceJSONL.read(bytes: Array(scenario(fork).utf8))
        XCTAssertEqual(bare.header, TraceHeader())
        XCTAssertEqual(bare.header.hostName, "unknown")
        XCTAssertEqual(bare.events.count, 2)

        let partial =
            #"{"type":"trace_header","watched_users":[{"uid":1000,"name":"vastai_kaalia"}]}"# + "\n# events\r\n" + fork
            + "\r\n"
        let withUsers = try TraceJSONL.read(bytes: Array(partial.utf8))
        XCTAssertEqual(withUsers.header.watchedUsers, [WatchedUser(uid: 1000, name: "vastai_kaalia")])
        XCTAssertEqual(withUsers.events.count, 1, "CRLF line ends are accepted")

        expectJSONL(
            #"{"type":"trace_header","format_version":3}"#,
            .badField(
                line: 1, field: "format_version",
                reason: "version 3 is not supported (this build reads versions 1 to 2)"))
        expectJSONL(
            #"{"type":"trace_header","watched_users":[{"uid":"root"}]}"#,
            .badField(
                line: 1, field: "watched_users[0].uid", reason: "expected an unsigned 32-bit integer, found a string"))
        XCTAssertEqual(try TraceJSONL.read(bytes: []).events, [])
    }

    func testJSONLHeaderLineFormat() {
        let header = TraceHeader(
            hostName: "rig-01", kernelRelease: "6.8.0", bootOffsetNs: -5, sensorVersion: "0.1.0",
            watchedUsers: [WatchedUser(uid: 1000, name: "kaalia")], startWallNs: 42)
        XCTAssertEqual(
            TraceJSONL.headerLine(header),
            #"{"type":"trace_header","format_version":2,"host":"rig-01","kernel":"6.8.0","boot_offset_ns":-5,"sensor_version":"0.1.0","watched_users":[{"uid":1000,"name":"kaalia"}],"start_wall_ns":42}"#
        )
    }

    /// Format 1 named the thread `pid` and the process `tgid`; format 2 names the
    /// process `pid` and the thread `tid`. The same events read from both.
    func testJSONLFormat1And2ReadTheSameThreadAndProcess() throws {
        let common = #""uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":null,"cgroup_id":1,"comm":"x""#
        let exec = #","filename":"/bin/x","argv":["x"],"argc":1,"args_len":2,"login_uid":4294967295,"flags":[]}"#
        let format1 = [
            #"{"type":"trace_header","format_version":1}"#,
            #"{"type":"exec","ts_ns":1,"pid":101,"tgid":100,"ppid":9,"# + common + #","old_pid":101"# + exec,
            #"{"type":"fork","ts_ns":2,"pid":101,"tgid":100,"ppid":9,"# + common
                + #","child_pid":103,"child_tgid":102}"#,
        ].joined(separator: "\n")
        let format2 = [
            #"{"type":"trace_header","format_version":2}"#,
            #"{"type":"exec","time":"1970-01-01T00:00:00.000000Z","host":"unknown","ts_ns":1,"pid":100,"tid":101,"ppid":9,"#
                + common + #","old_tid":101"# + exec,
            #"{"type":"fork","ts_ns":2,"pid":100,"tid":101,"ppid":9,"# + common + #","child_pid":102,"child_tid":103}"#,
        ].joined(separator: "\n")
        let old = try TraceJSONL.read(bytes: Array(format1.utf8)).events
        let new = try TraceJSONL.read(bytes: Array(format2.utf8)).events
        XCTAssertEqual(old, new)
        guard case .exec(let e) = old.first, case .fork(let f) = old.last else { return XCTFail("\(old)") }
        XCTAssertEqual([e.header.pid, e.header.tgid, e.oldPid], [101, 100, 101])
        XCTAssertEqual([f.childPid, f.childTgid], [103, 102])
        // Written again, they are format 2: pid the process, tid the thread.
        XCTAssertTrue(EventFormat.json(old[1], origin: .unknown).contains(#""pid":100,"tid":101,"#))
        XCTAssertTrue(EventFormat.json(old[1], origin: .unknown).hasSuffix(#""child_pid":102,"child_tid":103}"#))
        // A line of either form without a header.
        XCTAssertEqual(
            try TraceJSONL.read(bytes: Array(format1.split(separator: "\n")[1].utf8)).events.first, old.first)
    }

    func testDetectFormat() throws {
        let binary = path("d.rwtrace")
        let jsonl = path("d.jsonl")
        try TraceFile.write(header: Samples.header, events: Samples.events, to: binary, format: .binary)
        try TraceFile.write(header: Samples.header, events: Samples.events, to: jsonl, format: .jsonl)
        XCTAssertEqual(try TraceFile.detectFormat(path: binary), .binary)
        XCTAssertEqual(try TraceFile.detectFormat(path: jsonl), .jsonl)
        var damaged = try contents(binary)
        damaged[0] = UInt8(ascii: "X")
        XCTAssertEqual(TraceFile.detectFormat(bytes: damaged), .binary, "a NUL early on means binary")
        XCTAssertThrowsError(try TraceFile.read(bytes: damaged)) { error in
            XCTAssertEqual(error as? TraceError, .badMagic(offset: 0))
        }
        XCTAssertThrowsError(try TraceFile.detectFormat(path: path("missing"))) { error in
            XCTAssertEqual(error as? TraceError, .io(path: path("missing"), operation: "open", errno: ENOENT))
        }
    }

    func testStreamReadsEitherFormOneEventAtATime() throws {
        let binary = try binaryTrace(Samples.events)
        for bytes in [Array(binary.dropLast(2)), Array(try jsonlTrace(Samples.events).utf8)] {
            var stream = try TraceStream(bytes: bytes)
            XCTAssertEqual(stream.header, Samples.header)
            var events: [Event] = []
            while let event = try stream.next() { events.append(event) }
            if stream.format == .binary {
                XCTAssertEqual(events, Array(Samples.events.dropLast()))
                XCTAssertEqual(stream.truncation?.offset, try recordOffsets(binary).last)
            } else {
                XCTAssertEqual(events, Samples.events)
                XCTAssertNil(stream.truncation)
            }
        }
    }

    /// Read from the file a chunk at a time, with every chunk boundary inside a record
    /// or a line somewhere: the same events, truncation and errors as the whole file.
    func testStreamingFromTheFileGivesWhatTheWholeFileGives() throws {
        let events = Samples.random(count: 300, seed: 7) + Samples.events
        let binary = try binaryTrace(events)
        // Comments, a blank line, CRLF and a BOM, which the reader must step over across refills.
        let jsonl = "\u{FEFF}# a comment\n\n" + (try jsonlTrace(events)).replacingOccurrences(of: "\n", with: "\r\n")
        let offsets = try recordOffsets(binary)
        let cases: [(String, [UInt8])] = [
            ("whole.rwtrace", binary), ("cut.rwtrace", Array(binary.prefix(offsets[offsets.count / 2] + 5))),
            ("lines.jsonl", Array(jsonl.utf8)),
        ]
        for (name, bytes) in cases {
            let file = path(name)
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let whole = try TraceFile.read(bytes: bytes)
            for chunk in [1, 3, 64, 1000, TraceInput.defaultChunkSize] {
                var stream = try TraceStream(path: file, chunkSize: chunk)
                XCTAssertEqual(stream.header, whole.header, "\(name), chunk \(chunk)")
                var streamed: [Event] = []
                while let event = try stream.next() { streamed.append(event) }
                XCTAssertEqual(streamed, whole.events, "\(name), chunk \(chunk)")
                XCTAssertEqual(stream.truncation, whole.truncation, "\(name), chunk \(chunk)")
            }
        }
        XCTAssertEqual(try TraceFile.read(bytes: cases[1].1).events.count, offsets.count / 2)

        // An error names the same line or offset streamed as read whole.
        var broken = Array(jsonl.utf8)
        let at = broken.count / 2
        broken.insert(contentsOf: Array("\r\n{\"type\":\"exec\"\r\n".utf8), at: broken[at...].firstIndex(of: 0x0a)! + 1)
        let file = path("broken.jsonl")
        try Data(broken).write(to: URL(fileURLWithPath: file))
        var expected: TraceError?
        do { _ = try TraceFile.read(bytes: broken) } catch { expected = error }
        XCTAssertNotNil(expected)
        for chunk in [1, 5, 4096] {
            var stream = try TraceStream(path: file, chunkSize: chunk)
            var failure: TraceError?
            do { while try stream.next() != nil {} } catch { failure = error }
            XCTAssertEqual(failure, expected, "chunk \(chunk)")
        }
    }

    func testReadsFilesWithoutASizeLikePipes() throws {
        let events = Samples.random(count: 400, seed: 42)
        let text = try jsonlTrace(events)
        XCTAssertGreaterThan(text.utf8.count, 1 << 16, "must need more than the first chunk")
        let fifo = path("pipe.jsonl")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(text.utf8))
                handle.closeFile()
            }
        }
        writer.start()
        XCTAssertEqual(try TraceFile.read(path: fifo).events, events)
    }

    // MARK: Fuzzing

    /// Seed of the fuzz runs; override with RIGWATCH_FUZZ_SEED to explore, and
    /// RIGWATCH_FUZZ_CASES for a longer run. Every case derives its own seed.
    private var fuzzSeed: UInt64 {
        ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5eed_2024
    }

    private var fuzzCases: Int {
        ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_CASES"].flatMap { Int($0) } ?? 3000
    }

    func testFuzzBinaryMutationsEndInEventsOrTraceError() throws {
        let events = Array(Samples.events.prefix(24)) + FileTamperSamples.events.prefix(10)
        let valid = try binaryTrace(events)
        let offsets = try recordOffsets(valid)
        var outcomes = [String: Int]()
        for index in 0..<fuzzCases {
            let seed = fuzzSeed &+ UInt64(index)
            var rng = SplitMix64(seed: seed)
            let mutated = Mutator.binary(valid, recordOffsets: offsets, rng: &rng)
            // Announced on stderr only when asked, so a crash can be reproduced from the log.
            if ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_VERBOSE"] != nil {
                print("binary fuzz case \(index) seed \(seed)")
            }
            do {
                let result = try TraceFile.read(bytes: mutated)
                outcomes[result.truncation == nil ? "events" : "events+warning", default: 0] += 1
                XCTAssertLessThanOrEqual(result.events.count, mutated.count / 8, "seed \(seed)")
                // Whatever decoded must also render and re-read without crashing.
                let text = result.events.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n")
                _ = try? TraceJSONL.read(bytes: Array(text.utf8))
            } catch {
                outcomes[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
                XCTAssertFalse(error.description.isEmpty, "seed \(seed)")
            }
            // The streaming reader, skipping undecodable records, must end too.
            if var reader = try? TraceReader(bytes: mutated) {
                var steps = 0
                while steps <= mutated.count {
                    steps += 1
                    do {
                        guard try reader.next() != nil else { break }
                    } catch {
                        guard case .undecodableRecord = error else { break }
                    }
                }
                XCTAssertLessThanOrEqual(steps, mutated.count, "stream did not end; seed \(seed)")
            }
        }
        print("binary fuzz: seed \(fuzzSeed), \(fuzzCases) cases: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(outcomes.count, 4, "mutations should reach several outcomes")
    }

    func testFuzzJSONLMutationsEndInEventsOrTraceError() throws {
        let text =
            "# fuzz base\n"
            + (try jsonlTrace(Array(Samples.events.prefix(24)) + FileTamperSamples.events.prefix(10)))
        let valid = Array(text.utf8)
        var outcomes = [String: Int]()
        for index in 0..<fuzzCases {
            let seed = fuzzSeed &+ 0x1_0000_0000 &+ UInt64(index)
            var rng = SplitMix64(seed: seed)
            let mutated = Mutator.jsonl(valid, rng: &rng)
            if ProcessInfo.processInfo.environment["RIGWATCH_FUZZ_VERBOSE"] != nil {
                print("jsonl fuzz case \(index) seed \(seed)")
            }
            do {
                let result = try TraceJSONL.read(bytes: mutated)
                outcomes["events", default: 0] += 1
                // Events read from JSON Lines must survive the binary form unchanged.
                let binary = try binaryTrace(result.events, header: result.header)
                XCTAssertEqual(try TraceReader.read(bytes: binary).events, result.events, "seed \(seed)")
            } catch let error as TraceError {
                outcomes[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
                XCTAssertNotNil(error.line, "JSON Lines errors carry a line: \(error); seed \(seed)")
            } catch {
                XCTFail("unexpected \(error); seed \(seed)")
            }
        }
        print("JSONL fuzz: seed \(fuzzSeed), \(fuzzCases) cases: \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(outcomes.count, 3, "mutations should reach several outcomes")
    }

    // MARK: rigwatch trace convert

    private var rigwatchBinary: String? {
        if let path = ProcessInfo.processInfo.environment["RIGWATCH_BIN"] { return path }
        // The test bundle sits beside the products of the same build.
        let dir = Bundle.main.bundleURL
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("rigwatch").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    private func rigwatch(_ args: [String]) throws -> (status: Int32, stderr: String) {
        // `make test` builds it first; a missing binary is a failure, not a skip.
        let binary = try XCTUnwrap(rigwatchBinary, "rigwatch binary not built beside the tests (run `swift build`)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testConvertCommandPicksTheOtherFormAndKeepsEvents() throws {
        let binary = path("in.rwtrace")
        try TraceFile.write(header: Samples.header, events: Samples.events, to: binary, format: .binary)

        let toText = try rigwatch(["trace", "convert", binary, path("out")])
        XCTAssertEqual(toText.status, 0, toText.stderr)
        XCTAssertEqual(try TraceFile.detectFormat(path: path("out")), .jsonl, "binary in, no extension: JSON Lines out")

        let back = try rigwatch(["trace", "convert", path("out"), path("back.jsonl"), "--to", "binary"])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(try contents(path("back.jsonl")), try contents(binary), "--to wins over the extension")

        let byExtension = try rigwatch(["trace", "convert", binary, path("copy.rwtrace")])
        XCTAssertEqual(byExtension.status, 0, byExtension.stderr)
        XCTAssertEqual(try contents(path("copy.rwtrace")), try contents(binary))
    }

    func testConvertCommandErrorsAndTruncationWarning() throws {
        let missing = try rigwatch(["trace", "convert", path("nope"), path("out.jsonl")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("rigwatch: error: \(path("nope")): open failed"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("out.jsonl")))

        try Data(scenario("{broken").utf8).write(to: URL(fileURLWithPath: path("bad.jsonl")))
        let bad = try rigwatch(["trace", "convert", path("bad.jsonl"), path("bad.rwtrace")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(
            bad.stderr.contains(
                "rigwatch: error: \(path("bad.jsonl")): line 4, column 2: bad JSON: expected a string key"), bad.stderr)
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("bad.rwtrace") }, [],
            "no partial output is left behind")

        let bytes = try binaryTrace(Samples.events)
        try Data(bytes.dropLast(3)).write(to: URL(fileURLWithPath: path("cut.rwtrace")))
        let cut = try rigwatch(["trace", "convert", path("cut.rwtrace"), path("cut.jsonl")])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("warning: \(path("cut.rwtrace")): trace cut short at byte"), cut.stderr)
        XCTAssertEqual(try TraceFile.read(path: path("cut.jsonl")).events, Array(Samples.events.dropLast()))
    }
}

// MARK: - Sample events

enum Samples {
    static let header = TraceHeader(
        hostName: "rig-07.example \"gpu\" ü", kernelRelease: "6.8.0-45-generic",
        bootOffsetNs: 1_726_000_000_123_456_789,
        sensorVersion: "0.1.0",
        watchedUsers: [WatchedUser(uid: 1000, name: "vastai_kaalia"), WatchedUser(uid: 0, name: "root")],
        startWallNs: 1_726_000_100_000_000_000)

    static func head(
        _ ts: UInt64, pid: UInt32 = 4242, uid: UInt32 = 1000, euid: UInt32 = 1000,
        lineage: UInt32 = 1000, comm: String = "bash"
    ) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: pid, tgid: pid, ppid: 1, uid: uid, euid: euid, gid: uid, egid: euid,
            lineageUid: lineage, cgroupId: 0x1234, comm: Comm(comm))
    }

    static func exec(
        _ ts: UInt64, filename: [UInt8], args: [UInt8], argc: UInt32? = nil, flags: ExecEvent.Flags = [],
        lineage: UInt32 = 1000, comm: String = "bash"
    ) -> Event {
        .exec(
            ExecEvent(
                header: head(ts, euid: flags.contains(.setuid) ? 0 : 1000, lineage: lineage, comm: comm),
                loginUid: 1000, flags: flags, argc: argc ?? UInt32(ExecEvent.splitArgs(args).count),
                oldPid: 4242, filename: filename, args: args))
    }

    static let events: [Event] = {
        var list: [Event] = []
        let join = ExecEvent.joinArgs
        list.append(
            exec(1, filename: Array("/usr/bin/sudo".utf8), args: join(["sudo", "-u", "root", "ls"]), flags: .setuid))
        list.append(
            exec(
                2, filename: Array("/usr/bin/python3".utf8),
                args: join(["python3", "-c", "print(\"a b\")\n\tx = 'q'\\", "", "ü 日本 🚀", "\u{1}\u{7f}\u{2028}", ""]),
                lineage: noLineage, comm: "pythön"))
        list.append(exec(3, filename: Array("/bin/echo".utf8), args: [0x65, 0x00, 0x61, 0xff, 0xfe, 0x00, 0x62, 0x00]))
        list.append(exec(4, filename: [0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xc3, 0x28], args: join(["x"])))
        list.append(
            exec(
                5, filename: Array("/usr/bin/python3".utf8), args: join(["python3", "-c"]) + Array("print(1)".utf8),
                argc: 3, flags: .argsTruncated))
        list.append(
            exec(
                6, filename: Array("/bin/café".utf8), args: join(["cat"]) + [0x63, 0x61, 0x66, 0xc3],
                argc: 2, flags: .argsTruncated))
        list.append(exec(7, filename: Array("/bin/true".utf8), args: [], argc: 0, flags: .argsFault))
        list.append(
            exec(
                8, filename: Array(repeating: UInt8(ascii: "a"), count: KernelABI.filenameCapacity - 1),
                args: join(["a", ""]), flags: [.filenameTruncated, .setgid]))
        list.append(
            exec(
                9, filename: Array("/usr/bin/env".utf8),
                args: Array(join([String(repeating: "z", count: KernelABI.argsMax)]).prefix(KernelABI.argsMax)),
                argc: 1, flags: .argsTruncated))
        list.append(exec(10, filename: Array("".utf8), args: join([" ", "\"", "\\"])))
        var ts: UInt64 = 100
        for syscall in CredSyscall.allCases {
            for result: Int32 in [0, -1, -22] {
                ts += 1
                let before = CredIds(
                    uid: 1000, euid: 1000, suid: 1000, fsuid: 1000, gid: 1000, egid: 1000, sgid: 1000, fsgid: 1000)
                let after =
                    result == 0
                    ? CredIds(uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 1000, egid: 1000, sgid: 1000, fsgid: 1000)
                    : before
                list.append(
                    .cred(
                        CredEvent(
                            header: head(ts, euid: after.euid, lineage: result == -22 ? noLineage : 1000, comm: "sudo"),
                            syscall: syscall, result: result, requested: [0, 0xffff_ffff, 0xffff_ffff],
                            before: before, after: after)))
            }
        }
        list.append(.fork(ForkEvent(header: head(200), childPid: 4243, childTgid: 4243)))
        list.append(.exit(ExitEvent(header: head(201), exitCode: 0, signal: 0)))
        list.append(.exit(ExitEvent(header: head(202), exitCode: 1, signal: 0)))
        list.append(.exit(ExitEvent(header: head(203), exitCode: -1, signal: 9)))
        list.append(.drops(DropsEvent(timestampNs: 204, lost: 17, total: 1_000_017)))
        // Every file_change and tamper op and integrity problem, with their edge cases.
        list += FileTamperSamples.events
        // Extremes of every width.
        list.append(
            .exit(
                ExitEvent(
                    header: EventHeader(
                        timestampNs: .max, pid: .max, tgid: .max, ppid: .max, uid: .max, euid: .max,
                        gid: .max, egid: .max, lineageUid: 0, cgroupId: .max, comm: Comm("")),
                    exitCode: .min, signal: .max)))
        return list
    }()

    /// Random events of every kind, including arbitrary bytes in argv and filenames.
    static func random(count: Int, seed: UInt64) -> [Event] {
        var rng = SplitMix64(seed: seed)
        let comms = ["bash", "sudo", "python3", "nvidia-smi", "kworker/0:1", "ü", "日本語のコマンド", ""]
        let words = ["-c", "a b", "\"", "'", "\\", "\n", "ü", "🚀", "", "--flag=value", "/tmp/x y"]
        func randomHeader() -> EventHeader {
            EventHeader(
                timestampNs: rng.next(), pid: UInt32(truncatingIfNeeded: rng.next()), tgid: UInt32(rng.next(100_000)),
                ppid: UInt32(rng.next(100_000)), uid: UInt32(rng.next(70_000)), euid: UInt32(rng.next(2) * 1000),
                gid: UInt32(rng.next(70_000)), egid: UInt32(rng.next(70_000)),
                lineageUid: rng.next(2) == 0 ? noLineage : UInt32(rng.next(70_000)), cgroupId: rng.next(),
                comm: Comm(comms[Int(rng.next(UInt64(comms.count)))]))
        }
        func randomBytes(_ n: Int, allowNUL: Bool) -> [UInt8] {
            (0..<n).map { _ in
                let b = UInt8(truncatingIfNeeded: rng.next())
                return (!allowNUL && b == 0) ? 1 : b
            }
        }
        func randomPath() -> [UInt8] {
            rng.next(3) == 0
                ? randomBytes(Int(rng.next(UInt64(KernelABI.pathCapacity))), allowNUL: false)
                : Array("/etc/\(words[Int(rng.next(UInt64(words.count)))])".utf8).filter { $0 != 0 }
        }
        var list: [Event] = []
        for _ in 0..<count {
            switch rng.next(8) {
            case 0, 1:
                let filename =
                    rng.next(3) == 0
                    ? randomBytes(Int(rng.next(256)), allowNUL: false)
                    : Array("/usr/bin/\(words[Int(rng.next(UInt64(words.count)))])".utf8).filter { $0 != 0 }
                var args: [UInt8]
                if rng.next(3) == 0 {
                    args = randomBytes(Int(rng.next(300)), allowNUL: true)
                } else {
                    args = ExecEvent.joinArgs(
                        (0..<Int(rng.next(6))).map { _ in words[Int(rng.next(UInt64(words.count)))] })
                    if !args.isEmpty && rng.next(4) == 0 { args.removeLast(Int(rng.next(UInt64(args.count))) + 1) }
                }
                list.append(
                    .exec(
                        ExecEvent(
                            header: randomHeader(), loginUid: UInt32(truncatingIfNeeded: rng.next()),
                            flags: ExecEvent.Flags(rawValue: UInt32(rng.next(32))), argc: UInt32(rng.next(10)),
                            oldPid: UInt32(truncatingIfNeeded: rng.next()), filename: filename, args: args)))
            case 2:
                let ids = { CredIds(values: (0..<8).map { _ in UInt32(truncatingIfNeeded: rng.next()) }) }
                let syscall = CredSyscall.allCases[Int(rng.next(UInt64(CredSyscall.allCases.count)))]
                list.append(
                    .cred(
                        CredEvent(
                            header: randomHeader(), syscall: syscall, result: Int32(truncatingIfNeeded: rng.next()),
                            requested: (0..<3).map { _ in UInt32(truncatingIfNeeded: rng.next()) },
                            before: ids(), after: ids())))
            case 3:
                list.append(
                    rng.next(2) == 0
                        ? .fork(
                            ForkEvent(
                                header: randomHeader(), childPid: UInt32(truncatingIfNeeded: rng.next()),
                                childTgid: UInt32(rng.next(1000))))
                        : .drops(DropsEvent(timestampNs: rng.next(), lost: rng.next(), total: rng.next())))
            case 5:
                let op = FileChangeEvent.Operation.allCases[rng.index(FileChangeEvent.Operation.allCases.count)]
                list.append(
                    .fileChange(
                        FileChangeEvent(
                            header: randomHeader(), operation: op,
                            flags: FileChangeEvent.Flags(rawValue: UInt32(rng.next(16))),
                            openFlags: UInt32(truncatingIfNeeded: rng.next()),
                            result: Int32(truncatingIfNeeded: rng.next()),
                            mountNamespace: UInt32(truncatingIfNeeded: rng.next()), pathBytes: randomPath(),
                            path2Bytes: op == .rename || op == .link ? randomPath() : [])))
            case 6:
                let op = TamperEvent.Operation.allCases[rng.index(TamperEvent.Operation.allCases.count)]
                let argument = op == .signal ? Int64(rng.next(66)) : op == .ptrace ? Int64(bitPattern: rng.next()) : 0
                list.append(
                    .tamper(
                        TamperEvent(
                            header: randomHeader(), operation: op, targetPid: UInt32(rng.next(100_000)),
                            argument: argument, result: Int32(truncatingIfNeeded: rng.next()))))
            case 7:
                let problem = IntegrityEvent.Problem.allCases[rng.index(IntegrityEvent.Problem.allCases.count)]
                let name = String(
                    decoding: Array("rw_\(words[rng.index(words.count)])".utf8.prefix(KernelABI.integrityNameLength)),
                    as: UTF8.self)
                list.append(
                    .integrity(
                        IntegrityEvent(
                            timestampNs: rng.next(), problem: problem, name: name,
                            expected: UInt32(rng.next(64)), found: UInt32(rng.next(64)))))
            case 4 where rng.next(2) == 0:
                let types = AuthRecordType.names.keys.sorted()
                let word = { words[rng.index(words.count)] }
                list.append(
                    .auth(
                        AuthEvent(
                            timestampNs: rng.next(), pid: UInt32(rng.next(100_000)),
                            uid: UInt32(truncatingIfNeeded: rng.next()), auid: UInt32(truncatingIfNeeded: rng.next()),
                            ses: UInt32(truncatingIfNeeded: rng.next()), recordType: types[rng.index(types.count)],
                            op: "PAM:\(word())", acct: rng.next(4) == 0 ? "" : word(), exe: "/usr/bin/\(word())",
                            hostname: rng.next(2) == 0 ? "" : "host-\(word())",
                            addr: rng.next(2) == 0 ? "" : "192.0.2.\(rng.next(255))",
                            terminal: "/dev/pts/\(rng.next(9))",
                            success: rng.next(2) == 0)))
            default:
                list.append(
                    .exit(
                        ExitEvent(
                            header: randomHeader(), exitCode: Int32(truncatingIfNeeded: rng.next()),
                            signal: UInt32(rng.next(65)))))
            }
        }
        return list
    }
}

// MARK: - Fuzz support

enum Mutator {
    /// One to three stacked mutations: bit flips, byte sets, inserts, deletes,
    /// truncation, and corrupted record/header length fields.
    static func binary(_ base: [UInt8], recordOffsets: [Int], rng: inout SplitMix64) -> [UInt8] {
        var b = base
        for _ in 0...rng.next(3) {
            switch rng.next(7) {
            case 0 where !b.isEmpty:
                b[rng.index(b.count)] ^= UInt8(1) << UInt8(rng.next(8))
            case 1 where !b.isEmpty:
                b[rng.index(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            case 2:
                let at = rng.index(b.count + 1)
                b.insert(contentsOf: (0...rng.next(8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 3 where !b.isEmpty:
                let at = rng.index(b.count)
                b.removeSubrange(at..<min(b.count, at + 1 + rng.index(16)))
            case 4:
                b = Array(b.prefix(rng.index(b.count + 1)))
            default:
                // A length field: a record's, the header's, or the version.
                let fields = recordOffsets + [8, 12, 16]
                let at = fields[rng.index(fields.count)]
                guard at + 4 <= b.count else { continue }
                let old = UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
                let choices: [UInt32] = [
                    0, 1, 3, 4, 5, 65535, 65536, .max, old &+ 1, old &- 1, old &+ 4096,
                    UInt32(truncatingIfNeeded: rng.next()),
                ]
                let value = choices[rng.index(choices.count)]
                for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
            }
        }
        return b
    }

    private static let interesting =
        Array("\"{}[],:\\-+0123456789.eE \t#nulltruefalse\r\n\u{0}".utf8)
        + [0xff, 0xc3, 0xe2, 0x80]

    /// One to three stacked mutations of JSON text: byte changes biased towards
    /// JSON syntax, inserts, deletes, truncation, line shuffles, deep nesting and bad escapes.
    static func jsonl(_ base: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var b = base
        for _ in 0...rng.next(3) {
            switch rng.next(9) {
            case 0 where !b.isEmpty:
                b[rng.index(b.count)] ^= UInt8(1) << UInt8(rng.next(8))
            case 1 where !b.isEmpty:
                b[rng.index(b.count)] = interesting[rng.index(interesting.count)]
            case 2:
                b.insert(
                    contentsOf: (0...rng.next(4)).map { _ in interesting[rng.index(interesting.count)] },
                    at: rng.index(b.count + 1))
            case 3 where !b.isEmpty:
                let at = rng.index(b.count)
                b.removeSubrange(at..<min(b.count, at + 1 + rng.index(24)))
            case 4:
                b = Array(b.prefix(rng.index(b.count + 1)))
            case 5:
                var lines = b.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
                guard lines.count > 1 else { continue }
                lines.swapAt(rng.index(lines.count), rng.index(lines.count))
                b = Array(lines.joined(separator: [0x0a]))
            case 6:
                let nesting = Array(String(repeating: "[", count: 1 + rng.index(200)).utf8)
                b.insert(contentsOf: nesting, at: rng.index(b.count + 1))
            case 7:
                let escapes = [
                    #"\ud800"#, #"\udc00"#, #"\u00"#, #"\x41"#, #"\u0000"#, #"\ud83d\ude80"#, "99999999999999999999999",
                    "-0", "1e400",
                ]
                b.insert(contentsOf: Array(escapes[rng.index(escapes.count)].utf8), at: rng.index(b.count + 1))
            default:
                // Replace a number's digits: out of range, negative, fractional.
                guard let at = b.indices.filter({ b[$0] >= 0x30 && b[$0] <= 0x39 }).randomElementSeeded(&rng) else {
                    continue
                }
                let values = ["-1", "4294967296", "18446744073709551616", "1.5", "-9223372036854775809", "0"]
                b.replaceSubrange(at...at, with: Array(values[rng.index(values.count)].utf8))
            }
        }
        return b
    }
}

extension Array {
    func randomElementSeeded(_ rng: inout SplitMix64) -> Element? {
        isEmpty ? nil : self[rng.index(count)]
    }
}
