// SPDX-License-Identifier: Apache-2.0

/// A part of a spool file that could not be read, and why; reported (log line
/// and `sensor-spool-damaged` alert), never silently dropped.
public struct SpoolDamage: Equatable, Sendable, CustomStringConvertible {
    /// The file's name inside the spool directory (queue.log, state).
    public var file: String
    /// Byte offsets in the file, when the damage is a part of it.
    public var bytes: Range<Int>?
    public var reason: String

    public init(file: String, bytes: Range<Int>?, reason: String) {
        self.file = file
        self.bytes = bytes
        self.reason = reason
    }

    /// "queue.log bytes 120-239 (120 bytes): checksum mismatch in record 7".
    public var description: String {
        guard let bytes else { return "\(file): \(reason)" }
        return "\(file) bytes \(bytes.lowerBound)-\(bytes.upperBound - 1) (\(bytes.count) bytes): \(reason)"
    }
}

/// What a read of queue.log found: the whole records in file order, the damaged
/// parts skipped over, and a tail cut short by a crash during an append.
struct SpoolScan {
    struct Record: Equatable {
        var kind: SpoolRecordKind
        var sequence: UInt64
        var payload: [UInt8]
        /// Where its frame starts in the file.
        var offset: Int
        var endOfGroup: Bool
    }

    var records: [Record] = []
    var damage: [SpoolDamage] = []
    /// An append that never completed: its group commit never returned, so
    /// nothing in it was acknowledged as written. Dropped, and only noted.
    var torn: Range<Int>?
    /// Format 1 (before record markers): read, then rewritten in format 2.
    var legacy = false
}

/// Reads queue.log bytes, trusting nothing in them. Format 2 records are found
/// by magic and header checksum, so after a damaged stretch the scan picks up at
/// the next whole record and every intact record after the damage survives.
/// Pure: no I/O, no arithmetic that can trap on any input.
enum SpoolScanner {
    static func scan(_ bytes: [UInt8]) -> SpoolScan {
        if bytes.isEmpty { return SpoolScan() }
        if !SpoolFrame.hasMagic(bytes, at: 0), let legacy = scanLegacy(bytes) { return legacy }
        return scanFrames(bytes)
    }

    static let file = "queue.log"

    private static func scanFrames(_ bytes: [UInt8]) -> SpoolScan {
        var scan = SpoolScan()
        var offset = 0
        let count = bytes.count
        while offset < count {
            guard let header = SpoolFrame.header(in: bytes, at: offset) else {
                if SpoolFrame.couldBeCutHeader(bytes, at: offset) {
                    scan.torn = offset..<count
                    break
                }
                let next = nextHeader(in: bytes, after: offset) ?? count
                scan.damage.append(SpoolDamage(file: file, bytes: offset..<next, reason: "not a spool record"))
                offset = next
                continue
            }
            let end = offset + header.frameSize  // header.length <= 16 MiB: no overflow
            guard end <= count else {
                // A record running past the end is an append cut short, unless a whole
                // record follows it: then bytes went missing inside it.
                guard let next = nextHeader(in: bytes, after: offset) else {
                    scan.torn = offset..<count
                    break
                }
                scan.damage.append(
                    SpoolDamage(file: file, bytes: offset..<next, reason: "record \(header.sequence) is cut short"))
                offset = next
                continue
            }
            guard SpoolFrame.trailerMatches(bytes, at: offset, header) else {
                // Bytes lost or added inside the record move the next one: look for it from
                // here rather than trusting the length (for a changed byte, the same place).
                let next = nextHeader(in: bytes, after: offset) ?? count
                scan.damage.append(
                    SpoolDamage(
                        file: file, bytes: offset..<next, reason: "checksum mismatch in record \(header.sequence)"))
                offset = next
                continue
            }
            let payload = Array(bytes[(offset + SpoolFrame.headerSize)..<(end - 4)])
            scan.records.append(
                SpoolScan.Record(
                    kind: header.kind, sequence: header.sequence, payload: payload, offset: offset,
                    endOfGroup: header.endOfGroup))
            offset = end
        }
        dropOpenGroup(&scan, fileSize: count)
        putInOrder(&scan)
        return scan
    }

    /// One writer appends in sequence order, so whole records out of order are copies
    /// (of a damaged disk block, say): sorted back, and a sequence seen twice is kept once.
    private static func putInOrder(_ scan: inout SpoolScan) {
        guard zip(scan.records, scan.records.dropFirst()).contains(where: { $0.sequence >= $1.sequence }) else {
            return
        }
        var seen = Set<UInt64>()
        var kept: [SpoolScan.Record] = []
        for record in scan.records {
            guard seen.insert(record.sequence).inserted else {
                let end = record.offset + SpoolFrame.overhead + record.payload.count
                scan.damage.append(
                    SpoolDamage(
                        file: file, bytes: record.offset..<end, reason: "record \(record.sequence) appears twice"))
                continue
            }
            kept.append(record)
        }
        scan.records = kept.sorted { $0.sequence < $1.sequence }  // stable enough: sequences are unique now
        scan.damage.sort { ($0.bytes?.lowerBound ?? 0) < ($1.bytes?.lowerBound ?? 0) }
    }

    /// A group commit is one write: when the file ends (or is cut) inside one, the
    /// crash came before its fsync returned, so none of it counts. Only at the end:
    /// a group whose last record was damaged later keeps its whole records.
    private static func dropOpenGroup(_ scan: inout SpoolScan, fileSize: Int) {
        guard let last = scan.records.last, !last.endOfGroup else { return }
        let lastEnd = last.offset + SpoolFrame.overhead + last.payload.count
        let tailIsClean = lastEnd == fileSize || scan.torn?.lowerBound == lastEnd
        guard tailIsClean else { return }
        var first = scan.records.count - 1
        while first > 0 && !scan.records[first - 1].endOfGroup { first -= 1 }
        scan.torn = scan.records[first].offset..<fileSize
        scan.records.removeSubrange(first...)
    }

    /// The next offset after `offset` where a valid header starts.
    private static func nextHeader(in bytes: [UInt8], after offset: Int) -> Int? {
        var i = offset + 1
        let first = SpoolFrame.magic[0]
        while i < bytes.count {
            if bytes[i] == first, SpoolFrame.header(in: bytes, at: i) != nil { return i }
            i += 1
        }
        return nil
    }

    /// Format 1: u32 length, u64 sequence, payload, u32 CRC-32 of sequence and
    /// payload, with no marker to resynchronise on. Nil when the file does not start
    /// with a format 1 record. Reading stops at the first bad record; what follows
    /// is reported as damage, or as a torn tail when it is one cut short.
    private static func scanLegacy(_ bytes: [UInt8]) -> SpoolScan? {
        var scan = SpoolScan()
        scan.legacy = true
        var offset = 0
        var lastSequence: UInt64 = 0
        while offset < bytes.count {
            let left = bytes.count - offset
            guard left >= 16 else {
                scan.torn = offset..<bytes.count
                break
            }
            let length = Int(loadLE32(bytes, offset))
            guard length <= SpoolFrame.maxPayload, length + 16 <= left else {
                if length <= SpoolFrame.maxPayload && !scan.records.isEmpty {
                    scan.torn = offset..<bytes.count
                } else if scan.records.isEmpty {
                    return nil
                } else {
                    scan.damage.append(
                        SpoolDamage(
                            file: file, bytes: offset..<bytes.count,
                            reason: "format 1 record with an impossible length \(length); format 1 cannot resynchronise"
                        ))
                }
                break
            }
            let end = offset + 16 + length
            let body = bytes[(offset + 4)..<(end - 4)]
            let sequence = loadLE64(bytes, offset + 4)
            guard CRC32.checksum(body) == loadLE32(bytes, end - 4), sequence > lastSequence,
                sequence < SpoolFrame.maxSequence
            else {
                if scan.records.isEmpty { return nil }
                scan.damage.append(
                    SpoolDamage(
                        file: file, bytes: offset..<bytes.count,
                        reason: "format 1 record that does not check; format 1 cannot resynchronise"))
                break
            }
            scan.records.append(
                SpoolScan.Record(
                    kind: .message, sequence: sequence, payload: Array(body.dropFirst(8)), offset: offset,
                    endOfGroup: true))
            lastSequence = sequence
            offset = end
        }
        return scan
    }
}
