// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import Foundation
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// Addresses, CIDR blocks and the two network event kinds: decoding from records
/// built with the C structs of bpf/events.h, encoding, JSON and text, trace round trips.
final class NetworkEventTests: XCTestCase {
    // MARK: Addresses

    private func ip(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IPAddress {
        guard let address = IPAddress(text) else {
            XCTFail("'\(text)' does not parse", file: file, line: line)
            return IPAddress(ipv4: 0)
        }
        return address
    }

    func testIPv4TextForm() {
        XCTAssertEqual(ip("192.0.2.1").description, "192.0.2.1")
        XCTAssertEqual(ip("0.0.0.0").description, "0.0.0.0")
        XCTAssertEqual(ip("255.255.255.255").ipv4Value, 0xffff_ffff)
        XCTAssertEqual(IPAddress(ipv4: 0xc000_0201), ip("192.0.2.1"))
        XCTAssertEqual(ip("192.0.2.1").family, .ipv4)
        XCTAssertEqual(ip("192.0.2.1").rawBytes, [192, 0, 2, 1] + [UInt8](repeating: 0, count: 12))
        XCTAssertEqual(IPAddress(family: .ipv4, bytes: [10, 1, 2, 3]), ip("10.1.2.3"))
        XCTAssertNil(IPAddress(family: .ipv4, bytes: [10, 1, 2]))
    }

    func testIPv6TextFormFollowsRFC5952() {
        let cases: [(String, String)] = [
            ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
            ("2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),  // lowercase, no leading zeros
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // a single zero group stays
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // the longest run
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // the first of equal runs
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("fe80:0:0:0:0:0:0:1", "fe80::1"),
            ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),  // "::" for one group reads, but is not written
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::FFFF:c000:0201", "::ffff:192.0.2.1"),  // IPv4-mapped shown as a dotted quad
            ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),  // other embedded IPv4 is plain hex
            ("::1.2.3.4", "::102:304"),
            ("2001:db8::", "2001:db8::"),
        ]
        for (input, expected) in cases {
            let address = ip(input)
            XCTAssertEqual(address.family, .ipv6, input)
            XCTAssertEqual(address.description, expected, input)
            XCTAssertEqual(IPAddress(expected), address, "\(expected) reads back")
        }
        XCTAssertEqual(ip("::1").withPort(443), "[::1]:443")
        XCTAssertEqual(ip("192.0.2.1").withPort(80), "192.0.2.1:80")
    }

    /// The C library as the oracle: random addresses rich in zero groups format as
    /// inet_ntop does and read back as inet_pton does. glibc alone writes the
    /// deprecated IPv4-compatible form (::a.b.c.d), which RFC 5952 does not ask for.
    func testAgreesWithInetNtopAndInetPton() {
        var rng = SplitMix64(seed: 0x6970_7636)
        for _ in 0..<5000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            for g in 0..<8 where rng.next(3) == 0 {
                let value = rng.next(4) == 0 ? 0xffff : UInt16(truncatingIfNeeded: rng.next()) >> UInt16(rng.next(16))
                bytes[2 * g] = UInt8(value >> 8)
                bytes[2 * g + 1] = UInt8(value & 0xff)
            }
            if rng.next(8) == 0 { bytes.replaceSubrange(0..<12, with: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) }
            guard let address = IPAddress(family: .ipv6, bytes: bytes) else { return XCTFail("16 bytes") }
            let compatible = bytes[0..<12].allSatisfy { $0 == 0 } && !(bytes[12] == 0 && bytes[13] == 0)
            var text = [CChar](repeating: 0, count: 64)
            guard inet_ntop(AF_INET6, bytes, &text, 64) != nil else { return XCTFail("inet_ntop failed") }
            let oracle = String(nulTerminated: text)
            if !compatible { XCTAssertEqual(address.description, oracle, "\(bytes)") }
            var parsed = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(inet_pton(AF_INET6, address.description, &parsed), 1, address.description)
            XCTAssertEqual(parsed, bytes, address.description)
            XCTAssertEqual(IPAddress(oracle), address, oracle)
        }
        for _ in 0..<2000 {
            let value = UInt32(truncatingIfNeeded: rng.next())
            let address = IPAddress(ipv4: value)
            var parsed = [UInt8](repeating: 0, count: 4)
            XCTAssertEqual(inet_pton(AF_INET, address.description, &parsed), 1)
            XCTAssertEqual(parsed, Array(address.rawBytes.prefix(4)))
        }
    }

    func testMalformedAddressesAreRefused() {
        for text in [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4",
            "a.b.c.d", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1:2:3:4:5:6:7::8", "1::2::3", ":::", ":1::",
            "1::2:", "12345::", "g::", "fe80::1%eth0", "::1.2.3", "1.2.3.4::", "::ffff:1.2.3.4:5", "::ffff:1.2.3.256",
            "1:2:3:4:5:6:7", "[::1]", "::1/128",
        ] {
            XCTAssertNil(IPAddress(text), "'\(text)' must not parse")
            var buffer = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(
                inet_pton(AF_INET, text, &buffer) + inet_pton(AF_INET6, text, &buffer), 0, "inet_pton reads '\(text)'")
        }
    }

    func testLoopbackPrivateAndUnspecified() {
        for text in ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"] {
            XCTAssertTrue(ip(text).isLoopback, text)
        }
        for text in ["128.0.0.1", "::2", "::ffff:10.0.0.1", "1.1.1.1"] {
            XCTAssertFalse(ip(text).isLoopback, text)
        }
        for text in [
            "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
            "100.127.255.255", "169.254.169.254", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "::ffff:192.168.0.7",
        ] {
            XCTAssertTrue(ip(text).isPrivate, text)
        }
        for text in [
            "9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0", "192.169.0.1", "100.63.255.255",
            "100.128.0.0", "169.255.0.1", "8.8.8.8", "fbff::1", "fec0::1", "2001:db8::1", "::ffff:8.8.8.8",
            "127.0.0.1", "::1",
        ] {
            XCTAssertFalse(ip(text).isPrivate, text)
        }
        XCTAssertTrue(ip("0.0.0.0").isUnspecified)
        XCTAssertTrue(ip("::").isUnspecified)
        XCTAssertFalse(ip("0.0.0.1").isUnspecified)
        XCTAssertTrue(ip("::ffff:1.2.3.4").isIPv4Mapped)
        XCTAssertEqual(ip("::ffff:1.2.3.4").embeddedIPv4, 0x0102_0304)
        XCTAssertFalse(ip("::1.2.3.4").isIPv4Mapped)
        XCTAssertNotEqual(ip("::ffff:1.2.3.4"), ip("1.2.3.4"), "a mapped address is an IPv6 address")
    }

    func testCIDRParsingAndContains() throws {
        let ten = try CIDR.parse("10.0.0.0/8")
        XCTAssertEqual(ten.description, "10.0.0.0/8")
        XCTAssertTrue(ten.contains(ip("10.200.3.4")))
        XCTAssertFalse(ten.contains(ip("11.0.0.0")))
        XCTAssertTrue(ten.contains(ip("::ffff:10.9.9.9")), "an IPv4 block holds the mapped form")
        XCTAssertFalse(ten.contains(ip("::a00:1")), "only the mapped form, not any IPv6 address with those bits")

        let doc = try CIDR.parse("2001:DB8::/32")
        XCTAssertEqual(doc.description, "2001:db8::/32")
        XCTAssertTrue(doc.contains(ip("2001:db8:ffff::1")))
        XCTAssertFalse(doc.contains(ip("2001:db9::1")))
        XCTAssertFalse(doc.contains(ip("32.1.13.184")), "families do not mix")

        let one = try CIDR.parse("192.0.2.7")
        XCTAssertEqual(one.prefixLength, 32)
        XCTAssertTrue(one.contains(ip("192.0.2.7")))
        XCTAssertFalse(one.contains(ip("192.0.2.8")))
        XCTAssertEqual(try CIDR.parse("::1").description, "::1/128")
        XCTAssertTrue(try CIDR.parse("0.0.0.0/0").contains(ip("203.0.113.9")))
        XCTAssertFalse(try CIDR.parse("0.0.0.0/0").contains(ip("2001:db8::1")))
        XCTAssertTrue(try CIDR.parse("::/0").contains(ip("2001:db8::1")))
        XCTAssertTrue(try CIDR.parse("2001:db8::1:0/112").contains(ip("2001:db8::1:ffff")))
        XCTAssertTrue(try CIDR.parse("198.51.100.128/25").contains(ip("198.51.100.200")))
        XCTAssertFalse(try CIDR.parse("198.51.100.128/25").contains(ip("198.51.100.127")))
        XCTAssertTrue([ten, doc].containsAddress(ip("2001:db8::5")))

        XCTAssertThrowsError(try CIDR.parse("10.0.0.1/8")) {
            XCTAssertEqual(String(describing: $0), "'10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)")
        }
        XCTAssertThrowsError(try CIDR.parse("10.0.0.0/33")) {
            XCTAssertEqual(String(describing: $0), "'10.0.0.0/33' has a bad prefix length (IPv4: 0-32, IPv6: 0-128)")
        }
        XCTAssertThrowsError(try CIDR.parse("10.0.0.300/8")) {
            XCTAssertEqual(String(describing: $0), "'10.0.0.300/8' is not an IPv4 or IPv6 address")
        }
        for bad in ["::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/ 8", "/8", "2001:db8::/x"] {
            XCTAssertNil(CIDR(bad), bad)
        }
    }

    // MARK: Records

    private func header(kind: UInt32, size: Int, lineage: UInt32 = 1000) -> rw_header {
        var h = rw_header()
        h.kind = UInt16(kind)
        h.size = UInt16(size)
        h.abi_version = UInt32(RW_ABI_VERSION)
        h.timestamp_ns = 5_000_000_000
        h.pid = 701
        h.tgid = 700
        h.ppid = 699
        h.uid = 1000
        h.euid = 1000
        h.gid = 1000
        h.egid = 1000
        h.lineage_uid = lineage
        h.cgroup_id = 4242
        withUnsafeMutableBytes(of: &h.comm) { raw in
            for (i, b) in "curl".utf8.enumerated() { raw[i] = b }
        }
        return h
    }

    private func bytes<T>(of value: T) -> [UInt8] {
        var v = value
        return withUnsafeBytes(of: &v) { Array($0) }
    }

    private func fill<T>(_ field: inout T, _ address: [UInt8]) {
        withUnsafeMutableBytes(of: &field) { raw in
            for (i, b) in address.enumerated() { raw[i] = b }
        }
    }

    private func connectRecord(
        family: Int32 = RW_AF_INET, saddr: [UInt8], daddr: [UInt8], sport: UInt16 = 40_000,
        dport: UInt16 = 443
    ) -> [UInt8] {
        var c = rw_connect()
        c.hdr = header(kind: RW_EVENT_CONNECT.rawValue, size: MemoryLayout<rw_connect>.size)
        c.family = UInt16(family)
        c.protocol = UInt16(RW_IPPROTO_TCP)
        c.sport = sport
        c.dport = dport
        fill(&c.saddr, saddr)
        fill(&c.daddr, daddr)
        return bytes(of: c)
    }

    private func netBytesRecord(family: Int32 = RW_AF_INET6, proto: Int32 = RW_IPPROTO_UDP, daddr: [UInt8]) -> [UInt8] {
        var n = rw_net_bytes()
        n.hdr = header(kind: RW_EVENT_NET_BYTES.rawValue, size: MemoryLayout<rw_net_bytes>.size, lineage: 0xffff_ffff)
        n.family = UInt16(family)
        n.protocol = UInt16(proto)
        n.dport = 53
        fill(&n.daddr, daddr)
        n.bytes = 1_234_567
        n.sends = 89
        n.first_ns = 1_000_000_000
        n.last_ns = 4_500_000_000
        return bytes(of: n)
    }

    func testDecodesConnect() throws {
        let raw = connectRecord(saddr: [10, 0, 0, 5], daddr: [203, 0, 113, 9])
        XCTAssertEqual(raw.count, 112)
        XCTAssertEqual(KernelABI.connectSize, 112)
        let event = try EventDecoder.decode(raw)
        guard case .connect(let c) = event else { return XCTFail("not a connect") }
        XCTAssertEqual(c.proto, .tcp)
        XCTAssertEqual(c.source, ip("10.0.0.5"))
        XCTAssertEqual(c.sourcePort, 40_000)
        XCTAssertEqual(c.destination, ip("203.0.113.9"))
        XCTAssertEqual(c.destinationPort, 443)
        XCTAssertEqual(c.header.tgid, 700)
        XCTAssertEqual(c.header.lineageUid, 1000)
        XCTAssertEqual(c.header.cgroupId, 4242)
        XCTAssertEqual(event.kindName, "connect")
        XCTAssertEqual(event.header, c.header)
        XCTAssertEqual(EventEncoder.encode(event), raw, "encoder must write the C layout")
        XCTAssertEqual(
            EventFormat.json(event, origin: .unknown),
            #"{"type":"connect","time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000000,"pid":700,"tid":701,"ppid":699,"uid":1000,"euid":1000,"gid":1000,"egid":1000,"lineage_uid":1000,"cgroup_id":4242,"comm":"curl","family":"ipv4","protocol":"tcp","saddr":"10.0.0.5","sport":40000,"daddr":"203.0.113.9","dport":443}"#
        )
        XCTAssertEqual(
            EventFormat.text(event, origin: .unknown),
            "1970-01-01T00:00:05.000000Z unknown connect pid=700 ppid=699 uid=1000 euid=1000 lineage=1000 comm=curl tcp 10.0.0.5:40000 -> 203.0.113.9:443"
        )

        let v6 = connectRecord(
            family: RW_AF_INET6, saddr: ip("2001:db8::5").rawBytes, daddr: ip("::ffff:203.0.113.9").rawBytes)
        let e6 = try EventDecoder.decode(v6)
        guard case .connect(let c6) = e6 else { return XCTFail("not a connect") }
        XCTAssertEqual(c6.source.description, "2001:db8::5")
        XCTAssertEqual(c6.destination.description, "::ffff:203.0.113.9")
        XCTAssertEqual(EventEncoder.encode(e6), v6)
        XCTAssertTrue(
            EventFormat.json(e6, origin: .unknown).contains(
                #""family":"ipv6","protocol":"tcp","saddr":"2001:db8::5","sport":40000,"daddr":"::ffff:203.0.113.9","dport":443}"#
            ))
        XCTAssertTrue(
            EventFormat.text(e6, origin: .unknown).hasSuffix("tcp [2001:db8::5]:40000 -> [::ffff:203.0.113.9]:443"))
    }

    func testDecodesNetBytes() throws {
        let raw = netBytesRecord(daddr: ip("2606:4700:4700::1111").rawBytes)
        XCTAssertEqual(raw.count, 128)
        XCTAssertEqual(KernelABI.netBytesSize, 128)
        let event = try EventDecoder.decode(raw)
        guard case .netBytes(let n) = event else { return XCTFail("not net_bytes") }
        XCTAssertEqual(n.proto, .udp)
        XCTAssertEqual(n.destination, ip("2606:4700:4700::1111"))
        XCTAssertEqual(n.destinationPort, 53)
        XCTAssertEqual(n.bytes, 1_234_567)
        XCTAssertEqual(n.sends, 89)
        XCTAssertEqual(n.firstNs, 1_000_000_000)
        XCTAssertEqual(n.lastNs, 4_500_000_000)
        XCTAssertFalse(n.header.hasLineage)
        XCTAssertEqual(event.kindName, "net_bytes")
        XCTAssertEqual(EventEncoder.encode(event), raw)
        XCTAssertEqual(
            EventFormat.json(event, origin: .unknown),
            #"{"type":"net_bytes","time":"1970-01-01T00:00:05.000000Z","host":"unknown","ts_ns":5000000000,"pid":700,"tid":701,"ppid":699,"uid":1000,"euid":1000,"gid":1000,"egid":1000,"lineage_uid":null,"cgroup_id":4242,"comm":"curl","family":"ipv6","protocol":"udp","daddr":"2606:4700:4700::1111","dport":53,"bytes":1234567,"sends":89,"first_ns":1000000000,"last_ns":4500000000}"#
        )
        XCTAssertEqual(
            EventFormat.text(event, origin: .unknown),
            "1970-01-01T00:00:05.000000Z unknown net_bytes pid=700 ppid=699 uid=1000 euid=1000 comm=curl udp -> [2606:4700:4700::1111]:53 bytes=1234567 sends=89 span=3.500000s"
        )

        let tcp4 = try EventDecoder.decode(
            netBytesRecord(family: RW_AF_INET, proto: RW_IPPROTO_TCP, daddr: [198, 51, 100, 1]))
        XCTAssertTrue(
            EventFormat.json(tcp4, origin: .unknown).contains(
                #""family":"ipv4","protocol":"tcp","daddr":"198.51.100.1","dport":53,"#))
    }

    func testMalformedNetworkRecordsAreErrors() {
        var badFamily = connectRecord(saddr: [1, 2, 3, 4], daddr: [5, 6, 7, 8])
        badFamily[72] = 1  // AF_UNIX
        XCTAssertThrowsError(try EventDecoder.decode(badFamily)) {
            XCTAssertEqual($0 as? DecodeError, .unknownAddressFamily(1))
        }
        var badProtocol = netBytesRecord(daddr: ip("2001:db8::1").rawBytes)
        badProtocol[74] = 132  // SCTP
        XCTAssertThrowsError(try EventDecoder.decode(badProtocol)) {
            XCTAssertEqual($0 as? DecodeError, .unknownProtocol(132))
        }
        let short = bytes(of: header(kind: RW_EVENT_NET_BYTES.rawValue, size: 72))
        XCTAssertThrowsError(try EventDecoder.decode(short)) {
            XCTAssertEqual($0 as? DecodeError, .tooShort(have: 72, need: 128))
        }
        let shortConnect = bytes(of: header(kind: RW_EVENT_CONNECT.rawValue, size: 72))
        XCTAssertThrowsError(try EventDecoder.decode(shortConnect)) {
            XCTAssertEqual($0 as? DecodeError, .tooShort(have: 72, need: 112))
        }
        // No corruption of either record crashes the decoder.
        for good in [
            connectRecord(saddr: [1, 2, 3, 4], daddr: [5, 6, 7, 8]), netBytesRecord(daddr: ip("::1").rawBytes),
        ] {
            for cut in 0..<good.count { _ = try? EventDecoder.decode(Array(good.prefix(cut))) }
            for i in 0..<good.count {
                for value: UInt8 in [0, 1, 0x7f, 0xff] {
                    var bad = good
                    bad[i] = value
                    _ = try? EventDecoder.decode(bad)
                }
            }
        }
    }

    // MARK: Traces

    static func head(_ ts: UInt64, tgid: UInt32 = 700, lineage: UInt32 = 1000) -> EventHeader {
        EventHeader(
            timestampNs: ts, pid: tgid, tgid: tgid, ppid: 1, uid: 1000, euid: 1000, gid: 1000, egid: 1000,
            lineageUid: lineage, cgroupId: 99, comm: Comm("rsync"))
    }

    static let samples: [Event] = {
        func ip(_ s: String) -> IPAddress { IPAddress(s) ?? IPAddress(ipv4: 0) }
        return [
            .connect(
                ConnectEvent(
                    header: head(1), source: ip("10.0.0.5"), sourcePort: 51_000, destination: ip("203.0.113.9"),
                    destinationPort: 443)),
            .connect(
                ConnectEvent(
                    header: head(2, lineage: noLineage), source: ip("fe80::1"), sourcePort: 0,
                    destination: ip("2001:db8::2:1"), destinationPort: 65_535)),
            .connect(
                ConnectEvent(
                    header: head(3), source: ip("::ffff:10.0.0.5"), sourcePort: 1,
                    destination: ip("::ffff:198.51.100.7"), destinationPort: 22)),
            .netBytes(
                NetBytesEvent(
                    header: head(4), proto: .tcp, destination: ip("203.0.113.9"), destinationPort: 443,
                    bytes: 200_000_000, sends: 1500, firstNs: 1, lastNs: 4)),
            .netBytes(
                NetBytesEvent(
                    header: head(5, tgid: .max, lineage: noLineage), proto: .udp, destination: ip("::"),
                    destinationPort: 0, bytes: .max, sends: .max, firstNs: .max, lastNs: .max)),
            .netBytes(
                NetBytesEvent(
                    header: head(6), proto: .udp, destination: ip("0.0.0.0"), destinationPort: 0,
                    bytes: 0, sends: 0, firstNs: 0, lastNs: 0)),
        ]
    }()

    /// Random network events of both families and protocols, every field at random.
    static func random(count: Int, seed: UInt64) -> [Event] {
        var rng = SplitMix64(seed: seed)
        func address(_ family: IPAddress.Family) -> IPAddress {
            IPAddress(family: family, high: rng.next() >> rng.next(64), low: rng.next() >> rng.next(64))
        }
        return (0..<count).map { _ in
            let family: IPAddress.Family = rng.next(2) == 0 ? .ipv4 : .ipv6
            let proto: NetProtocol = rng.next(2) == 0 ? .tcp : .udp
            let header = EventHeader(
                timestampNs: rng.next(), pid: UInt32(truncatingIfNeeded: rng.next()),
                tgid: UInt32(truncatingIfNeeded: rng.next()), ppid: UInt32(rng.next(100_000)),
                uid: UInt32(rng.next(70_000)), euid: 0, gid: 0, egid: UInt32(rng.next(70_000)),
                lineageUid: rng.next(2) == 0 ? noLineage : UInt32(rng.next(70_000)), cgroupId: rng.next(),
                comm: Comm(["rclone", "curl", "ü", ""][Int(rng.next(4))]))
            if rng.next(2) == 0 {
                return .connect(
                    ConnectEvent(
                        header: header, proto: proto, source: address(family),
                        sourcePort: UInt16(truncatingIfNeeded: rng.next()), destination: address(family),
                        destinationPort: UInt16(truncatingIfNeeded: rng.next())))
            }
            return .netBytes(
                NetBytesEvent(
                    header: header, proto: proto, destination: address(family),
                    destinationPort: UInt16(truncatingIfNeeded: rng.next()), bytes: rng.next(),
                    sends: rng.next(), firstNs: rng.next(), lastNs: rng.next()))
        }
    }

    private func temporaryDirectory() throws -> String {
        let directory = NSTemporaryDirectory() + "rigwatch-net-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        return directory
    }

    func testBinaryToJSONLToBinaryIsByteIdentical() throws {
        let directory = try temporaryDirectory()
        let header = TraceHeader(
            hostName: "rig", kernelRelease: "6.8.0", bootOffsetNs: 7, sensorVersion: "0.1.0",
            watchedUsers: [WatchedUser(uid: 1000, name: "vastai_kaalia")], startWallNs: 9)
        let binary = directory + "/a.rwtrace"
        let jsonl = directory + "/a.jsonl"
        let again = directory + "/b.rwtrace"
        let events = Self.samples + Self.random(count: 2000, seed: 0x6e65_7462)
        try TraceFile.write(header: header, events: events, to: binary, format: .binary)
        let first = try TraceFile.read(path: binary)
        XCTAssertEqual(first.events, events)
        try TraceFile.write(header: first.header, events: first.events, to: jsonl, format: .jsonl)
        let second = try TraceFile.read(path: jsonl)
        XCTAssertEqual(second.format, .jsonl)
        XCTAssertEqual(second.events, events)
        try TraceFile.write(header: second.header, events: second.events, to: again, format: .binary)
        XCTAssertEqual(
            try Data(contentsOf: URL(fileURLWithPath: again)), try Data(contentsOf: URL(fileURLWithPath: binary)),
            "binary -> JSONL -> binary must be byte-identical")
    }

    private func expectJSONL(
        _ line: String, _ expected: TraceError, file: StaticString = #filePath, line number: UInt = #line
    ) {
        // Comment and blank line first, so the error lands on line 3.
        let text = "# scenario\n\n\(line)\n"
        do {
            let result = try TraceJSONL.read(bytes: Array(text.utf8))
            XCTFail("expected \(expected), read \(result.events.count) events", file: file, line: number)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: number)
            XCTAssertTrue(error.description.hasPrefix("line 3"), error.description, file: file, line: number)
        }
    }

    func testJSONLErrorsNameLineAndField() throws {
        let connect = EventFormat.json(Self.samples[0], origin: .unknown)
        let netBytes = EventFormat.json(Self.samples[3], origin: .unknown)
        XCTAssertEqual(
            try TraceJSONL.read(bytes: Array("\(connect)\n\(netBytes)\n".utf8)).events,
            [Self.samples[0], Self.samples[3]])

        expectJSONL(
            connect.replacingOccurrences(of: #""daddr":"203.0.113.9""#, with: #""daddr":"203.0.113.300""#),
            .badField(line: 3, field: "daddr", reason: "\"203.0.113.300\" is not an IPv4 or IPv6 address"))
        expectJSONL(
            connect.replacingOccurrences(of: #""saddr":"10.0.0.5""#, with: #""saddr":"2001:db8::1""#),
            .badField(
                line: 3, field: "saddr", reason: "\"2001:db8::1\" is not an IPv4 address, as family \"ipv4\" requires"))
        expectJSONL(
            netBytes.replacingOccurrences(of: #""daddr":"203.0.113.9""#, with: #""daddr":"example.com""#),
            .badField(line: 3, field: "daddr", reason: "\"example.com\" is not an IPv4 or IPv6 address"))
        expectJSONL(
            netBytes.replacingOccurrences(of: #""family":"ipv4""#, with: #""family":"inet""#),
            .badField(line: 3, field: "family", reason: "unknown family \"inet\" (known: ipv4, ipv6)"))
        expectJSONL(
            netBytes.replacingOccurrences(of: #""protocol":"tcp""#, with: #""protocol":"sctp""#),
            .badField(line: 3, field: "protocol", reason: "unknown protocol \"sctp\" (known: tcp, udp)"))
        expectJSONL(
            connect.replacingOccurrences(of: #""dport":443"#, with: #""dport":65536"#),
            .badField(
                line: 3, field: "dport", reason: "65536 is out of range for an unsigned 16-bit integer (0...65535)"))
        expectJSONL(
            connect.replacingOccurrences(of: #""sport":51000"#, with: #""sport":"51000""#),
            .badField(line: 3, field: "sport", reason: "expected an unsigned 16-bit integer, found a string"))
        expectJSONL(
            netBytes.replacingOccurrences(of: #","bytes":200000000"#, with: ""),
            .missingField(line: 3, field: "bytes"))
        expectJSONL(
            netBytes.replacingOccurrences(of: #""last_ns":4"#, with: #""last_ns":-4"#),
            .badField(
                line: 3, field: "last_ns",
                reason: "-4 is out of range for an unsigned 64-bit integer (0...18446744073709551615)"))
        expectJSONL(
            connect.replacingOccurrences(of: #","saddr":"10.0.0.5""#, with: ""),
            .missingField(line: 3, field: "saddr"))
    }
}
