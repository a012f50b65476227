// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchSources
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// The first_payload and unix_connect kinds end to end: record layout, binary and
/// JSON round trips (what record and replay rely on), and their decode errors.
final class WireEventTests: XCTestCase {
    static let header = MiningScenario.header(4242, ts: 5_000_000_000, lineage: 1001, uid: 1001, comm: "worker")

    static let payload = FirstPayloadEvent(
        header: header, source: IPAddress("10.231.41.1")!, sourcePort: 40_123, destination: IPAddress("10.231.41.2")!,
        destinationPort: 7011, data: Array("{\"id\":1,\"method\":\"mining.subscribe\"}\n".utf8), sendLength: 38)
    static let unix = UnixConnectEvent(
        header: header, result: 0, path: "/tmp/x/innocent.sock", peer: "/var/run/docker.sock")

    static let events: [Event] = [
        .firstPayload(payload),
        .firstPayload(
            FirstPayloadEvent(
                header: header, source: IPAddress("2001:db8::1")!, sourcePort: 1,
                destination: IPAddress("2001:db8::2")!,
                destinationPort: 2, data: [], sendLength: 9, fault: true)),
        .unixConnect(unix),
        .unixConnect(UnixConnectEvent(header: header, result: -13, path: "/run/docker.sock")),
    ]

    func testLayoutAndABIVersion() {
        XCTAssertEqual(KernelABI.version, 7)
        XCTAssertEqual(KernelABI.firstPayloadSize, 384)
        XCTAssertEqual(KernelABI.payloadPrefix, 256)
        XCTAssertEqual(KernelABI.unixConnectSize, 304)
        XCTAssertEqual(KernelABI.firstPayloadDataOffset, 128)
        XCTAssertEqual(KernelABI.unixConnectPathOffset, 80)
        XCTAssertEqual(KernelABI.unixConnectPeerOffset, 80 + 112)
    }

    func testBinaryRoundTrip() throws {
        for event in Self.events {
            let bytes = EventEncoder.encode(event)
            XCTAssertEqual(try EventDecoder.decode(bytes), event)
        }
        let bytes = EventEncoder.encode(.firstPayload(Self.payload))
        XCTAssertEqual(bytes.count, 384)
        XCTAssertEqual(Self.payload.data.count, 37)
        XCTAssertEqual(Array(bytes[128..<(128 + 37)]), Self.payload.data)
        XCTAssertTrue(bytes[(128 + 37)...].allSatisfy { $0 == 0 }, "zero after len")
    }

    func testJSONFieldsExactly() {
        XCTAssertEqual(
            EventFormat.json(.firstPayload(Self.payload), origin: .unknown),
            #"{"type":"first_payload","time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000000,"pid":4242,"tid":4242,"ppid":1,"uid":1001,"euid":1001,"gid":1001,"egid":1001,"lineage_uid":1001,"cgroup_id":6000,"comm":"worker","family":"ipv4","protocol":"tcp","saddr":"10.231.41.1","sport":40123,"daddr":"10.231.41.2","dport":7011,"send_len":38,"data_hex":"7b226964223a312c226d6574686f64223a226d696e696e672e737562736372696265227d0a","data_text":"{\"id\":1,\"method\":\"mining.subscribe\"}\\x0a"}"#
        )
        XCTAssertEqual(
            EventFormat.json(.unixConnect(Self.unix), origin: .unknown),
            #"{"type":"unix_connect","time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000000,"pid":4242,"tid":4242,"ppid":1,"uid":1001,"euid":1001,"gid":1001,"egid":1001,"lineage_uid":1001,"cgroup_id":6000,"comm":"worker","path":"/tmp/x/innocent.sock","peer":"/var/run/docker.sock","result":0}"#
        )
        XCTAssertEqual(
            EventFormat.text(.unixConnect(Self.unix), origin: .unknown),
            "1970-01-01T00:00:05.000000Z unknown unix_connect pid=4242 ppid=1 uid=1001 euid=1001 lineage=1001 comm=worker /tmp/x/innocent.sock peer=/var/run/docker.sock result=0"
        )
        XCTAssertEqual(EventFormat.printable([0x41, 0x5c, 0x00, 0xff, 0x7e]), "A\\\\\\x00\\xff~")
    }

    func testJSONLAndBinaryTracesRoundTrip() throws {
        let text = Self.events.map { EventFormat.json($0, origin: .unknown) }.joined(separator: "\n") + "\n"
        let read = try TraceFile.read(bytes: Array(text.utf8))
        XCTAssertEqual(read.events, Self.events)
        let dir = NSTemporaryDirectory() + "rigwatch-wire-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try TraceFile.write(header: TraceHeader(), events: Self.events, to: dir + "/a.rwtrace", format: .binary)
        XCTAssertEqual(try TraceFile.read(path: dir + "/a.rwtrace").events, Self.events)
    }

    func testDecodeErrors() {
        var bytes = EventEncoder.encode(.firstPayload(Self.payload))
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(257), toByteOffset: ABIOffsets.FirstPayload.len, as: UInt32.self)
        }
        XCTAssertThrowsError(try EventDecoder.decode(bytes)) {
            XCTAssertEqual(String(describing: $0), "first_payload len 257 exceeds its 256 bytes")
        }
        var unix = EventEncoder.encode(.unixConnect(Self.unix))
        for i in KernelABI.unixConnectPeerOffset..<(KernelABI.unixConnectPeerOffset + KernelABI.unixPathCapacity) {
            unix[i] = 0x41
        }
        XCTAssertThrowsError(try EventDecoder.decode(unix)) {
            XCTAssertEqual(String(describing: $0), "unix_connect peer has no NUL within its 112 bytes")
        }
        // A kind of version 4 in a version 3 record is corrupt.
        var old = EventEncoder.encode(.unixConnect(Self.unix))
        old.withUnsafeMutableBytes {
            $0.storeBytes(of: UInt32(3), toByteOffset: ABIOffsets.Header.abiVersion, as: UInt32.self)
        }
        XCTAssertThrowsError(try EventDecoder.decode(old)) {
            XCTAssertEqual(String(describing: $0), "event kind 9 does not exist in ABI version 3")
        }
    }
}
