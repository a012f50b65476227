// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The binary trace format, version 1 (all integers little-endian):
///
///     magic "RWTRACE\0" | u32 format version | u32 header length | header | records...
///     record = u32 length | length bytes (one kernel record, itself starting u16 kind, u16 size)
///
/// The framing knows nothing about kinds, so GPU samples or network snapshots can be
/// added later as new record kinds without a new format version. The header is
/// length-prefixed so a later v1 writer may append fields old readers skip.
public enum TraceFormat {
    public static let magic: [UInt8] = Array("RWTRACE\0".utf8)
    /// The one format version this build writes and reads.
    public static let version: UInt32 = 1
    /// Bytes before the header: magic, version, header length.
    public static let preambleSize = 16
    /// A record is at least its own kind + size fields (`rw_header`), and `size` is a u16.
    public static var minRecordLength: Int { KernelABI.kindAndSizeBytes }
    public static let maxRecordLength = KernelABI.maxRecordSize
    /// Bound on the header so a corrupt length cannot make us trust gigabytes.
    public static let maxHeaderLength = 16 << 20
}

/// The one watched-user type lives in RigwatchCore; this name stays so that
/// `WatchedUser` (used by the rigwatch target) still resolves.

/// Where and when a trace was recorded.
public struct TraceHeader: Equatable, Sendable {
    public var hostName: String
    public var kernelRelease: String
    /// Wall-clock ns minus CLOCK_BOOTTIME ns at record start: event `timestampNs`
    /// plus this is the event's wall time.
    public var bootOffsetNs: Int64
    public var sensorVersion: String
    public var watchedUsers: [WatchedUser]
    public var startWallNs: Int64

    public init(
        hostName: String = "unknown", kernelRelease: String = "unknown", bootOffsetNs: Int64 = 0,
        sensorVersion: String = "unknown", watchedUsers: [WatchedUser] = [], startWallNs: Int64 = 0
    ) {
        self.hostName = hostName
        self.kernelRelease = kernelRelease
        self.bootOffsetNs = bootOffsetNs
        self.sensorVersion = sensorVersion
        self.watchedUsers = watchedUsers
        self.startWallNs = startWallNs
    }

    /// The host and clock offset output lines of this trace's events carry.
    public var origin: LineOrigin { LineOrigin(host: hostName, bootOffsetNs: bootOffsetNs) }

    /// Wall-clock ns of an event timestamp (CLOCK_BOOTTIME ns).
    public func wallNs(ofBootNs bootNs: UInt64) -> Int64 { origin.wallNs(ofBootNs: bootNs) }

    /// The header bytes (without the preamble).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            u32(UInt32(s.utf8.count))
            out.append(contentsOf: s.utf8)
        }
        string(hostName)
        string(kernelRelease)
        i64(bootOffsetNs)
        string(sensorVersion)
        u32(UInt32(watchedUsers.count))
        for user in watchedUsers {
            u32(user.uid)
            string(user.name)
        }
        i64(startWallNs)
        return out
    }

    /// Parses the header bytes found at file offset `base`; errors name the file offset.
    static func decode(_ bytes: UnsafeRawBufferPointer, base: Int) throws(TraceError) -> TraceHeader {
        var cursor = HeaderCursor(bytes: bytes, base: base)
        let host = try cursor.string("host name")
        let kernel = try cursor.string("kernel release")
        let offset = try cursor.i64("boot-time offset")
        let sensor = try cursor.string("sensor version")
        let count = try cursor.u32("watched user count")
        // Each user takes at least 8 bytes; checking first keeps a corrupt count from reserving memory.
        guard Int(count) <= (bytes.count - cursor.position) / 8 else {
            throw .corruptHeader(
                offset: base + cursor.position - 4, reason: "watched user count \(count) exceeds the header")
        }
        var users: [WatchedUser] = []
        users.reserveCapacity(Int(count))
        for _ in 0..<count {
            let uid = try cursor.u32("watched user uid")
            users.append(WatchedUser(uid: uid, name: try cursor.string("watched user name")))
        }
        let start = try cursor.i64("recording start time")
        // Bytes after the known fields belong to a newer v1 writer; skip them.
        return TraceHeader(
            hostName: host, kernelRelease: kernel, bootOffsetNs: offset, sensorVersion: sensor,
            watchedUsers: users, startWallNs: start)
    }
}

/// Bounds-checked reads inside the header region.
private struct HeaderCursor {
    let bytes: UnsafeRawBufferPointer
    let base: Int
    var position = 0

    mutating func take(_ n: Int, _ what: String) throws(TraceError) -> UnsafeRawBufferPointer {
        guard n <= bytes.count - position else {
            throw .corruptHeader(offset: base + position, reason: "\(what) runs past the header's end")
        }
        defer { position += n }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
    }

    mutating func u32(_ what: String) throws(TraceError) -> UInt32 {
        UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self))
    }

    mutating func i64(_ what: String) throws(TraceError) -> Int64 {
        Int64(littleEndian: try take(8, what).loadUnaligned(as: Int64.self))
    }

    mutating func string(_ what: String) throws(TraceError) -> String {
        let start = position
        let length = Int(try u32(what))
        let raw = Array(try take(length, what))
        guard isValidUTF8(raw) else { throw .corruptHeader(offset: base + start, reason: "\(what) is not UTF-8") }
        return String(decoding: raw, as: UTF8.self)
    }
}
