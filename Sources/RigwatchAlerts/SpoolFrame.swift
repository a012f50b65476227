// SPDX-License-Identifier: Apache-2.0
import CZlib

/// What one spool record holds. Alerts as raised carry their alert-log line as
/// payload: the spool is written before the alert log, so after a crash between
/// the two the log can be completed from the spool.
public enum SpoolRecordKind: UInt8, Sendable {
    /// An alert as raised, delivered by itself.
    case alert = 1
    /// An alert as raised that a fold or storm summary will stand for: never delivered by itself.
    case folded = 2
    /// A message of the router's own (a fold or storm summary, a loss report):
    /// delivered, and not an alert-log line.
    case message = 3
    /// The aggregator's open windows, so a restart goes on folding where it stopped.
    case checkpoint = 4

    /// Goes to Discord (and so waits for an acknowledgement).
    var isDelivered: Bool { self == .alert || self == .message }
    /// Is an alert-log line.
    var isLogLine: Bool { self == .alert || self == .folded }
}

/// Format 2 of a queue.log record, little-endian:
///
///     0   magic      F5 72 77 73   (0xF5 never occurs in UTF-8, so never inside a JSON payload)
///     4   kind       u8            SpoolRecordKind
///     5   flags      u8            bit 0: the last record of its group commit
///     6   zero       u16
///     8   length     u32           payload bytes, at most `maxPayload`
///     12  sequence   u64           1 ..< `maxSequence`, increasing through the file
///     20  header CRC u32           CRC-32 of bytes 0..<20
///     24  payload
///     24+length  CRC u32           CRC-32 of bytes 0..<24+length
///
/// The header has its own checksum so that a reader that lost its place (a
/// damaged record) can find the next record by its magic and trust its length.
/// Pure: bytes in, bytes out.
enum SpoolFrame {
    static let magic: [UInt8] = [0xF5, 0x72, 0x77, 0x73]
    static let headerSize = 24
    /// Header and trailing CRC.
    static let overhead = 28
    /// No alert comes near this (argv is capped at 4 KiB); a larger length is damage.
    static let maxPayload = 16 << 20
    /// Sequences stay below 2^62, so `sequence + 1` and sums of counts never overflow.
    static let maxSequence: UInt64 = 1 << 62
    static let endOfGroupFlag: UInt8 = 1

    struct Header: Equatable {
        var kind: SpoolRecordKind
        var endOfGroup: Bool
        var length: Int
        var sequence: UInt64
        /// Header, payload and trailer.
        var frameSize: Int { SpoolFrame.overhead + length }
    }

    static func encode(
        kind: SpoolRecordKind, sequence: UInt64, payload: [UInt8], endOfGroup: Bool, into out: inout [UInt8]
    ) {
        let start = out.count
        out += magic
        out.append(kind.rawValue)
        out.append(endOfGroup ? endOfGroupFlag : 0)
        out += [0, 0]
        appendLE(UInt32(truncatingIfNeeded: payload.count), &out)
        appendLE(sequence, &out)
        appendLE(CRC32.checksum(out[start...]), &out)
        out += payload
        appendLE(CRC32.checksum(out[start...]), &out)
    }

    /// The header at `offset` when there is a whole, valid one: magic, checksum and
    /// every field in range. Reads nothing outside `bytes`.
    static func header(in bytes: [UInt8], at offset: Int) -> Header? {
        guard offset >= 0, bytes.count - offset >= headerSize, hasMagic(bytes, at: offset) else { return nil }
        guard CRC32.checksum(bytes[offset..<(offset + 20)]) == loadLE32(bytes, offset + 20) else { return nil }
        guard let kind = SpoolRecordKind(rawValue: bytes[offset + 4]),
            bytes[offset + 5] & ~endOfGroupFlag == 0, bytes[offset + 6] == 0, bytes[offset + 7] == 0
        else { return nil }
        let length = Int(loadLE32(bytes, offset + 8))
        let sequence = loadLE64(bytes, offset + 12)
        guard length <= maxPayload, sequence > 0, sequence < maxSequence else { return nil }
        return Header(
            kind: kind, endOfGroup: bytes[offset + 5] & endOfGroupFlag != 0, length: length, sequence: sequence)
    }

    /// The trailing CRC matches; the caller checked the frame lies within `bytes`.
    static func trailerMatches(_ bytes: [UInt8], at offset: Int, _ header: Header) -> Bool {
        let end = offset + headerSize + header.length
        return CRC32.checksum(bytes[offset..<end]) == loadLE32(bytes, end)
    }

    static func hasMagic(_ bytes: [UInt8], at offset: Int) -> Bool {
        bytes.count - offset >= 4 && bytes[offset] == magic[0] && bytes[offset + 1] == magic[1]
            && bytes[offset + 2] == magic[2] && bytes[offset + 3] == magic[3]
    }

    /// The bytes from `offset` to the end could be the start of a header whose append
    /// was cut short: fewer than a header's bytes, beginning like the magic.
    static func couldBeCutHeader(_ bytes: [UInt8], at offset: Int) -> Bool {
        let left = bytes.count - offset
        guard left > 0, left < headerSize else { return false }
        for i in 0..<min(left, 4) where bytes[offset + i] != magic[i] { return false }
        return true
    }
}

/// CRC-32 (IEEE: polynomial 0xEDB88320 reflected, initial and final value
/// 0xFFFFFFFF), to tell a damaged or torn spool record from a whole one. zlib's
/// crc32, which is that same function, so queue.log files written with the old
/// hand-written table still read.
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { update(0, $0) }
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { update(0, $0) }
    }

    /// Continues `crc` over `buffer` (crc32(crc32(a), b) == crc32(a + b)).
    static func update(_ crc: UInt32, _ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32_z(UInt(crc), buffer.baseAddress, buffer.count))
    }
}

/// Little-endian integers into a byte array.
func appendLE<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

/// Little-endian integers out of a byte array; the caller checked `o + 4` (`o + 8`) <= count.
func loadLE32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}

func loadLE64(_ b: [UInt8], _ o: Int) -> UInt64 {
    UInt64(loadLE32(b, o)) | UInt64(loadLE32(b, o + 4)) << 32
}
