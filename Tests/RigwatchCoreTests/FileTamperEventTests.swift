// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The file_change (6), tamper (7) and integrity (67) records: decoding records built
/// with the C structs of bpf/events.h, binary and JSON Lines round trips, JSON and
/// text output, and the errors for malformed records and lines.
final class FileTamperEventTests: XCTestCase {
    // MARK: C layout

    private func cHeader(kind: UInt32, size: Int, version: UInt32 = UInt32(RW_ABI_VERSION)) -> rw_header {
        var h = rw_header()
        h.kind = UInt16(kind)
        h.size = UInt16(size)
        h.abi_version = version
        h.timestamp_ns = 5_000_000_123
        h.pid = 4322
        h.tgid = 4321
        h.ppid = 77
        h.uid = 1000
        h.euid = 0
        h.gid = 1001
        h.egid = 0
        h.lineage_uid = 1000
        h.cgroup_id = 0xc0ffee
        withUnsafeMutableBytes(of: &h.comm) { raw in
            for (i, b) in "tee".utf8.enumerated() { raw[i] = b }
        }
        return h
    }

    private func bytes<T>(of value: T) -> [UInt8] {
        var v = value
        return withUnsafeBytes(of: &v) { Array($0) }
    }

    private func fill<T>(_ field: inout T, _ string: [UInt8]) {
        withUnsafeMutableBytes(of: &field) { raw in
            for (i, b) in string.enumerated() { raw[i] = b }
        }
    }

    private func fileChangeRecord(
        op: UInt32 = RW_FILE_RENAME.rawValue, flags: UInt32 = RW_FILE_FROM_STRING,
        path: String = "/etc/a", path2: String = "/etc/b"
    ) -> rw_file_change {
        var c = rw_file_change()
        c.hdr = cHeader(kind: RW_EVENT_FILE_CHANGE.rawValue, size: MemoryLayout<rw_file_change>.size)
        c.op = op
        c.flags = flags
        c.open_flags = 0x80001
        c.ret = -2
        c.mntns = 4_026_531_841
        fill(&c.path, Array(path.utf8))
        fill(&c.path2, Array(path2.utf8))
        return c
    }

    func testSizesAndOffsetsComeFromTheCStructs() {
        XCTAssertEqual(KernelABI.version, 7)
        XCTAssertEqual(KernelABI.fileChangeSize, 96 + 2 * 256)
        XCTAssertEqual(KernelABI.fileChangePathOffset, 96)
        XCTAssertEqual(KernelABI.fileChangePath2Offset, 96 + 256)
        XCTAssertEqual(KernelABI.pathCapacity, Int(RW_PATH_LEN))
        XCTAssertEqual(KernelABI.tamperSize, 96)
        XCTAssertEqual(KernelABI.integritySize, 152)
        XCTAssertEqual(KernelABI.integrityNameOffset, 88)
        XCTAssertEqual(KernelABI.integrityNameLength, 64)
        // The hard-coded offsets of the decoder, checked against the C structs.
        XCTAssertEqual(MemoryLayout<rw_file_change>.offset(of: \rw_file_change.op), 72)
        XCTAssertEqual(MemoryLayout<rw_file_change>.offset(of: \rw_file_change.flags), 76)
        XCTAssertEqual(MemoryLayout<rw_file_change>.offset(of: \rw_file_change.open_flags), 80)
        XCTAssertEqual(MemoryLayout<rw_file_change>.offset(of: \rw_file_change.ret), 84)
        XCTAssertEqual(MemoryLayout<rw_file_change>.offset(of: \rw_file_change.mntns), 88)
        XCTAssertEqual(MemoryLayout<rw_tamper>.offset(of: \rw_tamper.op), 72)
        XCTAssertEqual(MemoryLayout<rw_tamper>.offset(of: \rw_tamper.target_pid), 76)
        XCTAssertEqual(MemoryLayout<rw_tamper>.offset(of: \rw_tamper.arg), 80)
        XCTAssertEqual(MemoryLayout<rw_tamper>.offset(of: \rw_tamper.result), 88)
        XCTAssertEqual(MemoryLayout<rw_integrity>.offset(of: \rw_integrity.problem), 72)
        XCTAssertEqual(MemoryLayout<rw_integrity>.offset(of: \rw_integrity.expected), 76)
        XCTAssertEqual(MemoryLayout<rw_integrity>.offset(of: \rw_integrity.found), 80)
        // The Swift enums and flags use the C values.
        XCTAssertEqual(
            FileChangeEvent.Operation.allCases.map(\.rawValue),
            [RW_FILE_OPEN_WRITE, RW_FILE_RENAME, RW_FILE_UNLINK, RW_FILE_LINK].map(\.rawValue))
        XCTAssertEqual(
            FileChangeEvent.Flags.known.rawValue,
            RW_FILE_PATH_TRUNC | RW_FILE_PATH2_TRUNC | RW_FILE_FROM_STRING | RW_FILE_NONCANONICAL)
        XCTAssertEqual(
            [FileChangeEvent.Flags.pathTruncated, .path2Truncated, .fromString, .nonCanonical].map(\.rawValue),
            [RW_FILE_PATH_TRUNC, RW_FILE_PATH2_TRUNC, RW_FILE_FROM_STRING, RW_FILE_NONCANONICAL])
        XCTAssertEqual(
            TamperEvent.Operation.allCases.map(\.rawValue),
            [RW_TAMPER_SIGNAL, RW_TAMPER_PTRACE, RW_TAMPER_VM_READ, RW_TAMPER_VM_WRITE].map(\.rawValue))
        XCTAssertEqual(
            IntegrityEvent.Problem.allCases.map(\.rawValue),
            [RW_INTEGRITY_LINK_DETACHED, RW_INTEGRITY_MAP_ALTERED].map(\.rawValue))
    }

    func testDecodesAFileChangeBuiltFromTheCStruct() throws {
        let raw = bytes(
            of: fileChangeRecord(
                flags: RW_FILE_FROM_STRING | RW_FILE_NONCANONICAL,
                path: "/etc/./passwd", path2: "/etc/passwd-"))
        guard case .fileChange(let e) = try EventDecoder.decode(raw) else { return XCTFail("not a file change") }
        XCTAssertEqual(e.operation, .rename)
        XCTAssertEqual(e.flags, [.fromString, .nonCanonical])
        XCTAssertEqual(e.openFlags, 0x80001)
        XCTAssertEqual(e.result, -2)
        XCTAssertFalse(e.succeeded)
        XCTAssertEqual(e.mountNamespace, 4_026_531_841)
        XCTAssertEqual(e.path, "/etc/./passwd")
        XCTAssertEqual(e.path2, "/etc/passwd-")
        XCTAssertEqual(e.header.timestampNs, 5_000_000_123)
        XCTAssertEqual(e.header.pid, 4322)
        XCTAssertEqual(e.header.tgid, 4321)
        XCTAssertEqual(e.header.ppid, 77)
        XCTAssertEqual(e.header.gid, 1001)
        XCTAssertEqual(e.header.lineageUid, 1000)
        XCTAssertEqual(e.header.cgroupId, 0xc0ffee)
        XCTAssertEqual(e.header.comm.description, "tee")
        XCTAssertEqual(EventEncoder.encode(.fileChange(e)), raw, "encoder must write the C layout")

        // A path filling its field but for the NUL.
        let full = "/" + String(repeating: "f", count: KernelABI.pathCapacity - 2)
        let fullRaw = bytes(
            of: fileChangeRecord(op: RW_FILE_OPEN_WRITE.rawValue, flags: RW_FILE_PATH_TRUNC, path: full, path2: ""))
        guard case .fileChange(let f) = try EventDecoder.decode(fullRaw) else { return XCTFail("not a file change") }
        XCTAssertEqual(f.path, full)
        XCTAssertEqual(f.path2Bytes, [])
        XCTAssertEqual(f.flags, .pathTruncated)
        XCTAssertEqual(EventEncoder.encode(.fileChange(f)), fullRaw)
    }

    func testDecodesATamperBuiltFromTheCStruct() throws {
        var t = rw_tamper()
        t.hdr = cHeader(kind: RW_EVENT_TAMPER.rawValue, size: MemoryLayout<rw_tamper>.size)
        t.op = RW_TAMPER_PTRACE.rawValue
        t.target_pid = 999
        t.arg = -0x4206
        t.result = 3
        let raw = bytes(of: t)
        guard case .tamper(let e) = try EventDecoder.decode(raw) else { return XCTFail("not a tamper") }
        XCTAssertEqual(e.operation, .ptrace)
        XCTAssertEqual(e.targetPid, 999)
        XCTAssertEqual(e.argument, -0x4206, "arg is signed 64-bit")
        XCTAssertEqual(e.result, 3)
        XCTAssertEqual(e.header.tgid, 4321)
        XCTAssertEqual(EventEncoder.encode(.tamper(e)), raw)
    }

    func testDecodesAnIntegrityBuiltFromTheCStruct() throws {
        var c = rw_integrity()
        c.hdr = rw_header()
        c.hdr.kind = UInt16(RW_EVENT_INTEGRITY.rawValue)
        c.hdr.size = UInt16(MemoryLayout<rw_integrity>.size)
        c.hdr.abi_version = UInt32(RW_ABI_VERSION)
        c.hdr.timestamp_ns = 77_000_000_000
        c.hdr.lineage_uid = RW_NO_LINEAGE  // the header carries only the time
        c.problem = RW_INTEGRITY_MAP_ALTERED.rawValue
        c.expected = 3
        c.found = 4
        fill(&c.name, Array("watched_uids".utf8))
        let raw = bytes(of: c)
        XCTAssertEqual(
            try EventDecoder.decode(raw),
            .integrity(
                IntegrityEvent(
                    timestampNs: 77_000_000_000, problem: .mapAltered, name: "watched_uids",
                    expected: 3, found: 4)))
        XCTAssertEqual(EventEncoder.encode(try EventDecoder.decode(raw)), raw)

        // A name filling the field keeps no NUL, like the GPU uuid.
        fill(&c.name, [UInt8](repeating: UInt8(ascii: "n"), count: 64))
        guard case .integrity(let full) = try EventDecoder.decode(bytes(of: c)) else {
            return XCTFail("not an integrity")
        }
        XCTAssertEqual(full.name, String(repeating: "n", count: 64))
    }

    // MARK: Binary round trips

    func testEveryOpAndProblemRoundTripsByteIdentical() throws {
        for event in FileTamperSamples.events {
            let bytes = EventEncoder.encode(event)
            XCTAssertEqual(Int(UInt16(bytes[2]) | UInt16(bytes[3]) << 8), bytes.count, "size field")
            let decoded = try EventDecoder.decode(bytes)
            XCTAssertEqual(decoded, event)
            XCTAssertEqual(EventEncoder.encode(decoded), bytes)
        }
        XCTAssertEqual(FileTamperSamples.events.map(\.kindName).filter { $0 == "file_change" }.count, 6)
        XCTAssertEqual(EventEncoder.encode(FileTamperSamples.events[0]).count, 608)
        XCTAssertEqual(EventEncoder.encode(FileTamperSamples.events[4]).count, 96)
        XCTAssertEqual(EventEncoder.encode(FileTamperSamples.events[8]).count, 152)
    }

    func testEncodingCutsLongPathsAndMarksThem() throws {
        let long = "/" + String(repeating: "x", count: 400)
        let event = FileChangeEvent(header: FileTamperSamples.head(), operation: .rename, path: long, path2: long)
        guard case .fileChange(let back) = try EventDecoder.decode(EventEncoder.encode(.fileChange(event))) else {
            return XCTFail("not a file change")
        }
        XCTAssertEqual(back.pathBytes, Array(long.utf8.prefix(255)))
        XCTAssertEqual(back.path2Bytes, Array(long.utf8.prefix(255)))
        XCTAssertEqual(back.flags, [.pathTruncated, .path2Truncated])
    }

    // MARK: Malformed records

    private func expectDecodeError(
        _ bytes: [UInt8], _ expected: DecodeError, _ message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try EventDecoder.decode(bytes), file: file, line: line) {
            XCTAssertEqual($0 as? DecodeError, expected, file: file, line: line)
            XCTAssertEqual(String(describing: $0), message, file: file, line: line)
        }
    }

    /// The record cut or padded to `size`, its size field saying so.
    private func resized(_ bytes: [UInt8], to size: Int) -> [UInt8] {
        var b = Array(bytes.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - bytes.count))
        b[2] = UInt8(size & 0xff)
        b[3] = UInt8(size >> 8)
        return b
    }

    func testTruncatedAndOversizedRecordsAreRejected() {
        for (event, kind, size) in [
            (FileTamperSamples.events[0], "file_change", 608), (FileTamperSamples.events[4], "tamper", 96),
            (FileTamperSamples.events[8], "integrity", 152),
        ] {
            let good = EventEncoder.encode(event)
            expectDecodeError(
                resized(good, to: size - 1), .tooShort(have: size - 1, need: size),
                "record too short: \(size - 1) bytes, need \(size)")
            expectDecodeError(
                resized(good, to: 72), .tooShort(have: 72, need: size), "record too short: 72 bytes, need \(size)")
            expectDecodeError(
                resized(good, to: size + 8), .tooLong(kind: kind, have: size + 8, expected: size),
                "\(kind) record too long: \(size + 8) bytes, expected \(size)")
            // The buffer shorter than the size the record declares.
            expectDecodeError(
                Array(good.dropLast()), .sizeMismatch(declared: size, actual: size - 1),
                "record declares \(size) bytes but holds \(size - 1)")
        }
    }

    func testUnknownOpsFlagsAndProblemsAreRejected() {
        var file = bytes(of: fileChangeRecord())
        file[72] = 9
        expectDecodeError(file, .unknownFileOperation(9), "unknown file_change op 9")
        file[72] = 0
        expectDecodeError(file, .unknownFileOperation(0), "unknown file_change op 0")
        file = bytes(of: fileChangeRecord(flags: RW_FILE_FROM_STRING | (1 << 4) | (1 << 31)))
        expectDecodeError(file, .unknownFileFlags(0x8000_0010), "unknown file_change flags 0x80000010")

        var tamper = EventEncoder.encode(FileTamperSamples.events[4])
        tamper[72] = 5
        expectDecodeError(tamper, .unknownTamperOperation(5), "unknown tamper op 5")

        var integrity = EventEncoder.encode(FileTamperSamples.events[8])
        integrity[72] = 3
        expectDecodeError(integrity, .unknownIntegrityProblem(3), "unknown integrity problem 3")
    }

    func testPathsWithoutTheirNULAreRejected() {
        var c = fileChangeRecord()
        fill(&c.path, [UInt8](repeating: UInt8(ascii: "a"), count: 256))
        expectDecodeError(
            bytes(of: c), .unterminatedPath(field: "path", capacity: 256),
            "file_change path has no NUL within its 256 bytes")
        c = fileChangeRecord()
        fill(&c.path2, [UInt8](repeating: UInt8(ascii: "b"), count: 256))
        expectDecodeError(
            bytes(of: c), .unterminatedPath(field: "path2", capacity: 256),
            "file_change path2 has no NUL within its 256 bytes")
    }

    /// Every prefix and single-byte corruption decodes or throws; none crashes.
    func testEveryCorruptionOfTheNewRecordsIsHandled() {
        for event in [FileTamperSamples.events[1], FileTamperSamples.events[4], FileTamperSamples.events[9]] {
            let good = EventEncoder.encode(event)
            for cut in 0..<good.count { _ = try? EventDecoder.decode(Array(good.prefix(cut))) }
            for i in 0..<good.count {
                for value: UInt8 in [0, 0x7f, 0xff] {
                    var bad = good
                    bad[i] = value
                    _ = try? EventDecoder.decode(bad)
                }
            }
        }
    }

    // MARK: ABI versions

    func testVersion1RecordsOfTheOldKindsStillDecode() throws {
        let exit = Event.exit(ExitEvent(header: FileTamperSamples.head(), exitCode: -1, signal: 9))
        let drops = Event.drops(DropsEvent(timestampNs: 12, lost: 3, total: 4))
        for event in [exit, drops] {
            var v1 = EventEncoder.encode(event)
            v1[4] = 1
            let decoded = try EventDecoder.decode(v1)
            XCTAssertEqual(decoded, event, "a version 1 record reads as its current-version equivalent")
            XCTAssertEqual(decoded.header.abiVersion, KernelABI.version)
        }
        // The new kinds did not exist in version 1.
        var v1File = EventEncoder.encode(FileTamperSamples.events[0])
        v1File[4] = 1
        expectDecodeError(v1File, .kindNotInABI(kind: 6, version: 1), "event kind 6 does not exist in ABI version 1")
        var v1Integrity = EventEncoder.encode(FileTamperSamples.events[8])
        v1Integrity[4] = 1
        expectDecodeError(
            v1Integrity, .kindNotInABI(kind: 67, version: 1), "event kind 67 does not exist in ABI version 1")
        // Versions outside 1...current are refused.
        for version: UInt8 in [0, UInt8(KernelABI.version + 1)] {
            var bad = EventEncoder.encode(exit)
            bad[4] = version
            expectDecodeError(
                bad, .unsupportedABI(UInt32(version)),
                "event ABI version \(version) not supported (this build reads 1 to \(KernelABI.version))")
        }
    }

    func testTheRecordedVersion1FixtureStillReads() throws {
        let path = Repo.fixture("traces") + "/sudo-session.rwtrace"
        var raw = try TraceReader(path: path)
        let first = try XCTUnwrap(try raw.nextRawRecord())
        XCTAssertEqual(Array(first.record)[4], 1, "the fixture holds version 1 records")
        let trace = try TraceFile.read(path: path)
        XCTAssertNil(trace.warning)
        XCTAssertFalse(trace.events.isEmpty)
    }

    // MARK: JSON and text

    func testJSONNamesEveryField() {
        let h =
            #""time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000123,"pid":4321,"tid":4321,"ppid":77,"uid":1000,"euid":0,"gid":1000,"egid":0,"lineage_uid":1000,"cgroup_id":12648430,"comm":"tee""#
        XCTAssertEqual(
            EventFormat.json(.fileChange(FileTamperSamples.fileChange(.rename)), origin: .unknown),
            #"{"type":"file_change","# + h
                + #","op":"rename","path":"/etc/rigwatch/../rigwatch/x.yaml.tmp","path2":"/etc/rigwatch/rigwatch.yaml","flags":["from_string","non_canonical"],"open_flags":1,"result":0,"mntns":4026531841}"#
        )
        XCTAssertEqual(
            EventFormat.json(.fileChange(FileTamperSamples.fileChange(.openWrite)), origin: .unknown),
            #"{"type":"file_change","# + h
                + #","op":"open_write","path":"/etc/sudoers.d/vastai","flags":[],"open_flags":577,"result":3,"mntns":4026531841}"#,
            "path2 only when non-empty")
        XCTAssertEqual(
            EventFormat.json(FileTamperSamples.events[10], origin: .unknown).split(separator: ",").filter {
                $0.contains("_hex")
            },
            [#""path_hex":"2f6574632fffc328""#, #""path2_hex":"2f746d702f80""#],
            "paths that are not UTF-8 also go as hex")

        let th = h.replacingOccurrences(of: #""uid":1000,"euid""#, with: #""uid":0,"euid""#)
            .replacingOccurrences(of: #""gid":1000"#, with: #""gid":0"#)
        XCTAssertEqual(
            EventFormat.json(.tamper(FileTamperSamples.tamper(.signal)), origin: .unknown),
            #"{"type":"tamper","# + th
                + #","op":"signal","target_pid":900,"signal":"SIGKILL","signal_number":9,"result":0}"#)
        XCTAssertEqual(
            EventFormat.json(.tamper(FileTamperSamples.tamper(.ptrace)), origin: .unknown),
            #"{"type":"tamper","# + th + #","op":"ptrace","target_pid":901,"request":16902,"result":0}"#)
        XCTAssertEqual(
            EventFormat.json(.tamper(FileTamperSamples.tamper(.vmRead)), origin: .unknown),
            #"{"type":"tamper","# + th + #","op":"process_vm_readv","target_pid":900,"result":0}"#)
        XCTAssertTrue(
            EventFormat.json(.tamper(FileTamperSamples.tamper(.vmWrite)), origin: .unknown).contains(
                #""op":"process_vm_writev""#))
        XCTAssertTrue(
            EventFormat.json(FileTamperSamples.events[12], origin: .unknown).contains(
                #""signal":"SIGRTMIN+6","signal_number":40,"result":2"#))
        XCTAssertTrue(
            EventFormat.json(FileTamperSamples.events[13], origin: .unknown).contains(
                #""signal":null,"signal_number":-1,"result":0"#))

        XCTAssertEqual(
            EventFormat.json(.integrity(FileTamperSamples.integrity(.mapAltered)), origin: .unknown),
            #"{"type":"integrity","time":"1970-01-01T00:00:09.000000Z","host":"unknown","ts_ns":9000000001,"problem":"map_altered","name":"watched_uids","expected":1,"found":2}"#
        )
        XCTAssertEqual(
            EventFormat.json(.integrity(FileTamperSamples.integrity(.linkDetached)), origin: .unknown),
            #"{"type":"integrity","time":"1970-01-01T00:00:09.000000Z","host":"unknown","ts_ns":9000000000,"problem":"link_detached","name":"rw_sched_exec","expected":0,"found":0}"#
        )
    }

    func testTextLines() {
        let prefix =
            "1970-01-01T00:00:05.000000Z unknown file_change pid=4321 ppid=77 uid=1000 euid=0 lineage=1000 comm=tee"
        XCTAssertEqual(
            EventFormat.text(.fileChange(FileTamperSamples.fileChange(.openWrite)), origin: .unknown),
            "\(prefix) open_write /etc/sudoers.d/vastai result=3 open_flags=0x241 mntns=4026531841")
        XCTAssertEqual(
            EventFormat.text(.fileChange(FileTamperSamples.fileChange(.link)), origin: .unknown),
            "\(prefix) link /tmp/evil -> '/etc/cron.d/évil job' result=0 flags=from_string mntns=4026531841")
        let tprefix = "1970-01-01T00:00:05.000000Z unknown tamper pid=4321 ppid=77 uid=0 euid=0 lineage=1000 comm=tee"
        XCTAssertEqual(
            EventFormat.text(.tamper(FileTamperSamples.tamper(.signal)), origin: .unknown),
            "\(tprefix) signal SIGKILL(9) target=900 result=0")
        XCTAssertTrue(
            EventFormat.text(FileTamperSamples.events[13], origin: .unknown).hasSuffix(" signal -1 target=1 result=0"),
            EventFormat.text(FileTamperSamples.events[13], origin: .unknown))
        XCTAssertEqual(
            EventFormat.text(.tamper(FileTamperSamples.tamper(.ptrace)), origin: .unknown),
            "\(tprefix) ptrace request=16902 target=901 result=0")
        XCTAssertEqual(
            EventFormat.text(.tamper(FileTamperSamples.tamper(.vmRead)), origin: .unknown),
            "\(tprefix) process_vm_readv target=900 result=0")
        XCTAssertEqual(
            EventFormat.text(.integrity(FileTamperSamples.integrity(.mapAltered)), origin: .unknown),
            "1970-01-01T00:00:09.000000Z unknown integrity map_altered name=watched_uids expected=1 found=2")
        XCTAssertEqual(
            EventFormat.text(.integrity(FileTamperSamples.integrity(.linkDetached)), origin: .unknown),
            "1970-01-01T00:00:09.000000Z unknown integrity link_detached name=rw_sched_exec")
    }

    func testSignalNames() {
        XCTAssertEqual(SignalNames.name(9), "SIGKILL")
        XCTAssertEqual(SignalNames.name(15), "SIGTERM")
        XCTAssertEqual(SignalNames.name(19), "SIGSTOP")
        XCTAssertEqual(SignalNames.name(31), "SIGSYS")
        XCTAssertNil(SignalNames.name(0))
        XCTAssertNil(SignalNames.name(32), "glibc's own")
        XCTAssertEqual(SignalNames.name(34), "SIGRTMIN")
        XCTAssertEqual(SignalNames.name(64), "SIGRTMIN+30")
        XCTAssertNil(SignalNames.name(65))
        XCTAssertEqual(SignalNames.number("SIGHUP"), 1)
        XCTAssertEqual(SignalNames.number("SIGRTMIN+1"), 35)
        XCTAssertNil(SignalNames.number("KILL"))
    }

    // MARK: JSON Lines

    func testJSONLRoundTripThroughTheTraceReader() throws {
        let text =
            FileTamperSamples.events.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n") + "\n"
        let read = try TraceFile.read(bytes: Array(text.utf8))
        XCTAssertEqual(read.events, FileTamperSamples.events)
        XCTAssertEqual(read.events.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n") + "\n", text)
        // And the binary trace carries them unchanged, byte for byte through JSON Lines.
        let dir = NSTemporaryDirectory() + "rigwatch-file-tamper-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TraceFile.write(
            header: TraceHeader(), events: FileTamperSamples.events, to: dir + "/a.rwtrace", format: .binary)
        let binary = try TraceFile.read(path: dir + "/a.rwtrace")
        XCTAssertEqual(binary.events, FileTamperSamples.events)
        try TraceFile.write(header: binary.header, events: binary.events, to: dir + "/a.jsonl", format: .jsonl)
        try TraceFile.write(
            header: binary.header, events: try TraceFile.read(path: dir + "/a.jsonl").events,
            to: dir + "/b.rwtrace", format: .binary)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: dir + "/b.rwtrace")),
            try Data(contentsOf: URL(fileURLWithPath: dir + "/a.rwtrace")))
    }

    func testHandWrittenLinesMayLeaveOutOptionalFields() throws {
        let line =
            #"{"type":"tamper","ts_ns":1,"pid":2,"tgid":2,"ppid":1,"uid":0,"euid":0,"gid":0,"egid":0,"lineage_uid":null,"cgroup_id":0,"comm":"gdb","op":"process_vm_writev","target_pid":900,"result":0}"#
        guard case .tamper(let t) = try XCTUnwrap(TraceFile.read(bytes: Array(line.utf8)).events.first) else {
            return XCTFail("not a tamper")
        }
        XCTAssertEqual(t.argument, 0)
        let empty2 = EventFormat.json(.fileChange(FileTamperSamples.fileChange(.unlink)), origin: .unknown)
            .replacingOccurrences(
                of: #","flags""#, with: #","path2":"","flags""#)
        XCTAssertEqual(
            try TraceFile.read(bytes: Array(empty2.utf8)).events, [.fileChange(FileTamperSamples.fileChange(.unlink))])
    }

    private func jsonlError(_ line: String) -> String {
        do {
            _ = try TraceFile.read(bytes: Array(("# comment\n" + line + "\n").utf8))
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    func testJSONLReaderErrorsNameTheLineAndField() {
        let rename = EventFormat.json(.fileChange(FileTamperSamples.fileChange(.rename)), origin: .unknown)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""op":"rename","#, with: "")), #"line 2: missing field "op""#)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""rename""#, with: #""chmod""#)),
            #"line 2: field "op": unknown op "chmod" (known: open_write, rename, unlink, link)"#)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""from_string""#, with: #""sticky""#)),
            #"line 2: field "flags[0]": unknown flag "sticky" (known: path_truncated, path2_truncated, from_string, non_canonical)"#
        )
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #","mntns":4026531841"#, with: "")),
            #"line 2: missing field "mntns""#)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""open_flags":1"#, with: #""open_flags":-1"#)),
            #"line 2: field "open_flags": -1 is out of range for an unsigned 32-bit integer (0...4294967295)"#)
        XCTAssertEqual(
            jsonlError(
                rename.replacingOccurrences(
                    of: "/etc/rigwatch/rigwatch.yaml", with: "/" + String(repeating: "y", count: 255))),
            #"line 2: field "path2": is 256 bytes; the record keeps at most 255"#)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""path":"/etc"#, with: #""path":"/e\u0000tc"#)),
            #"line 2: field "path": contains a NUL byte"#)
        XCTAssertEqual(
            jsonlError(rename.replacingOccurrences(of: #""path":"#, with: #""path_hex":"zz","path":"#)),
            #"line 2: field "path_hex": is not a hex string"#)

        let signal = EventFormat.json(.tamper(FileTamperSamples.tamper(.signal)), origin: .unknown)
        XCTAssertEqual(
            jsonlError(signal.replacingOccurrences(of: #""SIGKILL""#, with: #""SIGTERM""#)),
            #"line 2: field "signal": "SIGTERM" is not the name of signal_number 9 (SIGKILL)"#)
        XCTAssertEqual(
            jsonlError(signal.replacingOccurrences(of: #""SIGKILL""#, with: "null")),
            #"line 2: field "signal": is null but signal 9 is SIGKILL"#)
        XCTAssertEqual(
            jsonlError(signal.replacingOccurrences(of: #","signal_number":9"#, with: "")),
            #"line 2: missing field "signal_number""#)
        XCTAssertEqual(
            jsonlError(signal.replacingOccurrences(of: #""op":"signal""#, with: #""op":"kill""#)),
            #"line 2: field "op": unknown op "kill" (known: signal, ptrace, process_vm_readv, process_vm_writev)"#)
        XCTAssertEqual(
            jsonlError(
                EventFormat.json(.tamper(FileTamperSamples.tamper(.ptrace)), origin: .unknown).replacingOccurrences(
                    of: #""request":16902,"#, with: "")
            ),
            #"line 2: missing field "request""#)

        let integrity = EventFormat.json(.integrity(FileTamperSamples.integrity(.mapAltered)), origin: .unknown)
        XCTAssertEqual(
            jsonlError(integrity.replacingOccurrences(of: #""map_altered""#, with: #""gone""#)),
            #"line 2: field "problem": unknown problem "gone" (known: link_detached, map_altered)"#)
        XCTAssertEqual(
            jsonlError(integrity.replacingOccurrences(of: "watched_uids", with: String(repeating: "w", count: 65))),
            #"line 2: field "name": is 65 bytes; the record holds at most 64"#)
        XCTAssertEqual(
            jsonlError(integrity.replacingOccurrences(of: #","found":2"#, with: "")), #"line 2: missing field "found""#)
    }

    // MARK: Engine

    func testTheEngineTakesTheNewKindsWithoutChangingProcesses() {
        let engine = Engine(detectors: Engine.standardDetectors())
        let exec = Event.exec(
            ExecEvent(
                header: FileTamperSamples.head(), loginUid: 1000, flags: [], argc: 1, oldPid: 4321,
                filename: Array("/usr/bin/tee".utf8), args: ExecEvent.joinArgs(["tee"])))
        _ = engine.consume(exec)
        let before = engine.processes.lookup(4321)
        for event in FileTamperSamples.events { XCTAssertEqual(engine.consume(event), []) }
        XCTAssertEqual(engine.processes.lookup(4321), before)
        XCTAssertEqual(engine.processes.count, 1)
    }
}
