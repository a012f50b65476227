// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import RigwatchCore
import XCTest

/// Decoding of kernel records, built here with the C structs of bpf/events.h so
/// the test checks the decoder against the real ABI, not against itself.
final class EventDecoderTests: XCTestCase {
    private func header(kind: UInt32, size: Int) -> rw_header {
        var h = rw_header()
        h.kind = UInt16(kind)
        h.size = UInt16(size)
        h.abi_version = UInt32(RW_ABI_VERSION)
        h.timestamp_ns = 123_456_789_000
        h.pid = 101
        h.tgid = 100
        h.ppid = 99
        h.uid = 1000
        h.euid = 0
        h.gid = 1001
        h.egid = 0
        h.lineage_uid = 1000
        h.cgroup_id = 0xdead_beef
        withUnsafeMutableBytes(of: &h.comm) { raw in
            for (i, b) in "sudo".utf8.enumerated() { raw[i] = b }
        }
        return h
    }

    private func bytes<T>(of value: T, count: Int? = nil) -> [UInt8] {
        var v = value
        let all = withUnsafeBytes(of: &v) { Array($0) }
        return Array(all.prefix(count ?? all.count))
    }

    private func execRecord(filename: String, args: [UInt8], flags: UInt32 = 0, argc: UInt32) -> [UInt8] {
        var e = rw_exec()
        let size = KernelABI.execFixedSize + args.count
        e.hdr = header(kind: RW_EVENT_EXEC.rawValue, size: size)
        e.loginuid = 1000
        e.flags = flags
        e.argc = argc
        e.args_len = UInt32(args.count)
        e.old_pid = 100
        withUnsafeMutableBytes(of: &e.filename) { raw in
            for (i, b) in filename.utf8.enumerated() { raw[i] = b }
        }
        withUnsafeMutableBytes(of: &e.args) { raw in
            for (i, b) in args.enumerated() { raw[i] = b }
        }
        return bytes(of: e, count: size)
    }

    func testDecodesExec() throws {
        let args = ExecEvent.joinArgs(["/usr/bin/sudo", "-u", "root", "a b", "ü"])
        let raw = execRecord(filename: "/usr/bin/sudo", args: args, flags: UInt32(RW_EXEC_SETUID), argc: 5)
        guard case .exec(let e) = try EventDecoder.decode(raw) else { return XCTFail("not an exec") }
        XCTAssertEqual(e.path, "/usr/bin/sudo")
        XCTAssertEqual(e.argv, ["/usr/bin/sudo", "-u", "root", "a b", "ü"])
        XCTAssertEqual(e.argc, 5)
        XCTAssertEqual(e.flags, .setuid)
        XCTAssertEqual(e.loginUid, 1000)
        XCTAssertEqual(e.oldPid, 100)
        XCTAssertEqual(e.header.timestampNs, 123_456_789_000)
        XCTAssertEqual(e.header.pid, 101)
        XCTAssertEqual(e.header.tgid, 100)
        XCTAssertEqual(e.header.ppid, 99)
        XCTAssertEqual(e.header.uid, 1000)
        XCTAssertEqual(e.header.euid, 0)
        XCTAssertEqual(e.header.gid, 1001)
        XCTAssertEqual(e.header.egid, 0)
        XCTAssertEqual(e.header.lineageUid, 1000)
        XCTAssertEqual(e.header.cgroupId, 0xdead_beef)
        XCTAssertEqual(e.header.comm.description, "sudo")
        XCTAssertEqual(EventEncoder.encode(.exec(e)), raw, "encoder must write the C layout")
    }

    func testDecodesTruncatedArgv() throws {
        // The kernel cut the capture mid-argument: no trailing NUL, argc still the true count.
        let args = Array("/bin/echo\0first\0sec".utf8)
        let raw = execRecord(filename: "/bin/echo", args: args, flags: UInt32(RW_EXEC_ARGS_TRUNC), argc: 4)
        guard case .exec(let e) = try EventDecoder.decode(raw) else { return XCTFail("not an exec") }
        XCTAssertEqual(e.argv, ["/bin/echo", "first", "sec"])
        XCTAssertEqual(e.argc, 4)
        XCTAssertTrue(e.flags.contains(.argsTruncated))
        XCTAssertEqual(EventEncoder.encode(.exec(e)), raw)
    }

    func testDecodesExecWithNoArgs() throws {
        let raw = execRecord(filename: "/bin/x", args: [], flags: UInt32(RW_EXEC_ARGS_FAULT), argc: 1)
        guard case .exec(let e) = try EventDecoder.decode(raw) else { return XCTFail("not an exec") }
        XCTAssertEqual(e.argv, [])
        XCTAssertTrue(e.flags.contains(.argsFault))
    }

    func testDecodesCred() throws {
        var c = rw_cred()
        c.hdr = header(kind: RW_EVENT_CRED.rawValue, size: MemoryLayout<rw_cred>.size)
        c.syscall = RW_SYS_SETRESUID.rawValue
        c.ret = -1
        c.requested = (0, 0, 0xffff_ffff)
        c.before = rw_ids(uid: 1, euid: 2, suid: 3, fsuid: 4, gid: 5, egid: 6, sgid: 7, fsgid: 8)
        c.after = rw_ids(uid: 11, euid: 12, suid: 13, fsuid: 14, gid: 15, egid: 16, sgid: 17, fsgid: 18)
        let raw = bytes(of: c)
        guard case .cred(let e) = try EventDecoder.decode(raw) else { return XCTFail("not a cred") }
        XCTAssertEqual(e.syscall, .setresuid)
        XCTAssertEqual(e.result, -1)
        XCTAssertEqual(e.requested, [0, 0, 0xffff_ffff])
        XCTAssertEqual(e.before, CredIds(values: [1, 2, 3, 4, 5, 6, 7, 8]))
        XCTAssertEqual(e.after, CredIds(values: [11, 12, 13, 14, 15, 16, 17, 18]))
        XCTAssertEqual(EventEncoder.encode(.cred(e)), raw)
    }

    func testDecodesForkAndExit() throws {
        var f = rw_fork()
        f.hdr = header(kind: RW_EVENT_FORK.rawValue, size: MemoryLayout<rw_fork>.size)
        f.child_pid = 555
        f.child_tgid = 555
        guard case .fork(let fork) = try EventDecoder.decode(bytes(of: f)) else { return XCTFail("not a fork") }
        XCTAssertEqual(fork.childPid, 555)
        XCTAssertEqual(fork.childTgid, 555)

        var x = rw_exit()
        x.hdr = header(kind: RW_EVENT_EXIT.rawValue, size: MemoryLayout<rw_exit>.size)
        x.exit_code = -1
        x.signal = 9
        guard case .exit(let exit) = try EventDecoder.decode(bytes(of: x)) else { return XCTFail("not an exit") }
        XCTAssertEqual(exit.exitCode, -1)
        XCTAssertEqual(exit.signal, 9)
        XCTAssertEqual(EventEncoder.encode(.exit(exit)), bytes(of: x))
    }

    func testMalformedRecordsAreErrorsNotCrashes() throws {
        let good = execRecord(filename: "/bin/true", args: Array("true\0".utf8), argc: 1)
        XCTAssertThrowsError(try EventDecoder.decode(Array(good.prefix(10)))) {
            XCTAssertEqual($0 as? DecodeError, .tooShort(have: 10, need: 72))
        }
        XCTAssertThrowsError(try EventDecoder.decode(Array(good.dropLast()))) {
            XCTAssertEqual($0 as? DecodeError, .sizeMismatch(declared: good.count, actual: good.count - 1))
        }
        var unknown = good
        unknown[0] = 99
        XCTAssertThrowsError(try EventDecoder.decode(unknown)) { XCTAssertEqual($0 as? DecodeError, .unknownKind(99)) }
        var future = good
        future[4] = 77
        XCTAssertThrowsError(try EventDecoder.decode(future)) {
            XCTAssertEqual($0 as? DecodeError, .unsupportedABI(77))
            XCTAssertTrue(String(describing: $0).contains("version 77 not supported"))
        }
        var badLen = good
        badLen[84] = 200  // args_len larger than the record holds
        XCTAssertThrowsError(try EventDecoder.decode(badLen)) {
            XCTAssertEqual($0 as? DecodeError, .badExecLengths(argsLen: 200, room: 5))
        }
        // A cred record whose size says it is only a header.
        var shortCred = bytes(of: header(kind: RW_EVENT_CRED.rawValue, size: 72))
        XCTAssertThrowsError(try EventDecoder.decode(shortCred)) {
            XCTAssertEqual($0 as? DecodeError, .tooShort(have: 72, need: 160))
        }
        var c = rw_cred()
        c.hdr = header(kind: RW_EVENT_CRED.rawValue, size: MemoryLayout<rw_cred>.size)
        c.syscall = 42
        shortCred = bytes(of: c)
        XCTAssertThrowsError(try EventDecoder.decode(shortCred)) {
            XCTAssertEqual($0 as? DecodeError, .unknownCredSyscall(42))
        }
    }

    /// Every prefix and every single-byte corruption of a valid record decodes or
    /// throws; none crashes.
    func testEveryCorruptionOfAValidRecordIsHandled() {
        let good = execRecord(filename: "/bin/true", args: Array("true\0x\0".utf8), argc: 2)
        for cut in 0..<good.count { _ = try? EventDecoder.decode(Array(good.prefix(cut))) }
        for i in 0..<good.count {
            for value: UInt8 in [0, 1, 0x7f, 0xff] {
                var bad = good
                bad[i] = value
                _ = try? EventDecoder.decode(bad)
            }
        }
    }

    func testJSONOutputEscapesAndKeepsFields() throws {
        let args = ExecEvent.joinArgs(["/bin/echo", "it's \"q\"\n\t\u{1}", "ü"])
        let raw = execRecord(filename: "/bin/echo", args: args, argc: 3)
        let event = try EventDecoder.decode(raw)
        XCTAssertEqual(
            EventFormat.json(event, origin: .unknown),
            #"{"type":"exec","time":"1970-01-01T00:02:03.456789Z","host":"unknown","ts_ns":123456789000,"pid":100,"tid":101,"ppid":99,"uid":1000,"euid":0,"gid":1001,"egid":0,"lineage_uid":1000,"cgroup_id":3735928559,"comm":"sudo","filename":"/bin/echo","argv":["/bin/echo","it's \"q\"\n\t\u0001","ü"],"argc":3,"args_len":25,"login_uid":1000,"old_tid":100,"flags":[]}"#
        )
        XCTAssertEqual(
            EventFormat.text(event, origin: .unknown),
            #"1970-01-01T00:02:03.456789Z unknown exec pid=100 ppid=99 uid=1000 euid=0 lineage=1000 comm=sudo /bin/echo argv=[/bin/echo $'it\'s "q"\n\t\x01' ü]"#
        )
    }

    func testLineageSeedFollowsDescendants() {
        let procs = [
            ProcessSnapshot(pid: 1, ppid: 0, uid: 0, euid: 0),
            ProcessSnapshot(pid: 10, ppid: 1, uid: 1000, euid: 1000),  // watched daemon
            ProcessSnapshot(pid: 11, ppid: 10, uid: 1000, euid: 0),  // its sudo
            ProcessSnapshot(pid: 12, ppid: 11, uid: 0, euid: 0),  // root child of sudo
            ProcessSnapshot(pid: 13, ppid: 12, uid: 2000, euid: 2000),  // another watched user below: keeps 1000
            ProcessSnapshot(pid: 20, ppid: 1, uid: 0, euid: 0),  // unrelated
            ProcessSnapshot(pid: 30, ppid: 1, uid: 2000, euid: 2000),  // second watched user
            ProcessSnapshot(pid: 31, ppid: 30, uid: 0, euid: 0),
        ]
        XCTAssertEqual(
            LineageSeed.compute(procs, watched: [1000, 2000]),
            [10: 1000, 11: 1000, 12: 1000, 13: 1000, 30: 2000, 31: 2000])
        XCTAssertEqual(LineageSeed.compute(procs, watched: []), [:])
    }
}
