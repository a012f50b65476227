// SPDX-License-Identifier: Apache-2.0
import CZlib
import Foundation
import RigwatchIO

/// A durable, ordered queue of alerts on disk. `append` returns only after the
/// record is fsync'd; a record leaves only when `acknowledge` says the sink took
/// it. After `kill -9` or a power cut, `open` finds every appended record that
/// was not acknowledged, in order; a record torn by the crash (bad checksum or
/// cut short) is the one whose append never returned, and is dropped.
///
/// Layout in `directory` (0700, files 0600):
///   queue.log   records: u32 length, u64 sequence, payload, u32 CRC-32 of sequence+payload
///   state       "acked=<seq> dropped=<n>\n", replaced atomically (write, fsync, rename)
public final class Spool {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Entry: Equatable {
        public var sequence: UInt64
        public var payload: [UInt8]
    }

    public let directory: String
    public let maxBytes: Int
    /// Records refused because the spool was full, not yet reported.
    public private(set) var droppedUnreported: UInt64 = 0
    /// Records refused because the spool was full, since it was created.
    public private(set) var droppedTotal: UInt64 = 0

    private var fd: Int32 = -1
    private var pending: [Entry] = []  // appended, not acknowledged, in order
    private var pendingBytes = 0
    private var nextSequence: UInt64 = 1
    private var acked: UInt64 = 0
    private var logBytes = 0

    static let recordOverhead = 16

    public init(directory: String, maxBytes: Int = 64 << 20) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        try Spool.makePrivateDirectory(directory)
        try loadState()
        try openLog()
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Unacknowledged records, oldest first.
    public var entries: [Entry] { pending }
    public var count: Int { pending.count }
    public var isEmpty: Bool { pending.isEmpty }
    public var bytes: Int { pendingBytes }

    /// Appends and fsyncs. Returns nil (and counts the loss) when the spool is full.
    @discardableResult
    public func append(_ payload: [UInt8]) throws -> UInt64? {
        let size = payload.count + Spool.recordOverhead
        guard pendingBytes + size <= maxBytes else {
            droppedUnreported += 1
            droppedTotal += 1
            try saveState()
            return nil
        }
        let sequence = nextSequence
        var record: [UInt8] = []
        record.reserveCapacity(size)
        appendLE(UInt32(payload.count), &record)
        var body: [UInt8] = []
        appendLE(sequence, &body)
        body += payload
        record += body
        appendLE(CRC32.checksum(body), &record)
        try AlertLog.writeAll(fd, record, path: logPath)
        guard fsync(fd) == 0 else {
            throw Failure(description: "fsync \(logPath): \(String(cString: strerror(errno)))")
        }
        nextSequence += 1
        logBytes += record.count
        pending.append(Entry(sequence: sequence, payload: payload))
        pendingBytes += size
        return sequence
    }

    /// The sink accepted every record up to and including `sequence`.
    public func acknowledge(through sequence: UInt64) throws {
        guard sequence > acked else { return }
        acked = sequence
        while let first = pending.first, first.sequence <= sequence {
            pending.removeFirst()
            pendingBytes -= first.payload.count + Spool.recordOverhead
        }
        try saveState()
        if pending.isEmpty && logBytes > 0 { try compact() }
    }

    /// The loss counter was reported (as an alert of its own).
    public func clearDroppedReport() throws {
        droppedUnreported = 0
        try saveState()
    }

    private var logPath: String { directory + "/queue.log" }
    private var statePath: String { directory + "/state" }

    static func makePrivateDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            // Parents may be missing (first run): create them, then the spool itself private.
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        chmod(path, 0o700)
    }

    private func loadState() throws {
        guard let text = try? String(contentsOfFile: statePath, encoding: .utf8) else { return }
        for field in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = field.split(separator: "=")
            guard parts.count == 2, let value = UInt64(parts[1]) else { continue }
            if parts[0] == "acked" { acked = value }
            if parts[0] == "dropped" { droppedUnreported = value }
        }
        nextSequence = acked + 1
    }

    /// Reads the log, keeps unacknowledged whole records, and cuts a torn tail.
    private func openLog() throws {
        fd = open(logPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "open \(logPath): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o600)
        let data = (try? Data(contentsOf: URL(fileURLWithPath: logPath))) ?? Data()
        let bytes = [UInt8](data)
        var offset = 0
        var good = 0
        while offset + Spool.recordOverhead <= bytes.count {
            let length = Int(loadLE32(bytes, offset))
            let end = offset + 4 + 8 + length + 4
            guard length <= maxBytes, end <= bytes.count else { break }
            let body = Array(bytes[(offset + 4)..<(offset + 12 + length)])
            guard CRC32.checksum(body) == loadLE32(bytes, end - 4) else { break }
            let sequence = loadLE64(bytes, offset + 4)
            if sequence > acked {
                pending.append(Entry(sequence: sequence, payload: Array(body[8...])))
                pendingBytes += length + Spool.recordOverhead
            }
            nextSequence = max(nextSequence, sequence + 1)
            offset = end
            good = end
        }
        if good < bytes.count { ftruncate(fd, off_t(good)) }  // the torn record of a crash mid-append
        logBytes = good
        lseek(fd, off_t(good), SEEK_SET)
        if pending.isEmpty && logBytes > 0 { try compact() }
    }

    private func compact() throws {
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw Failure(description: "truncate \(logPath): \(String(cString: strerror(errno)))")
        }
        fsync(fd)
        logBytes = 0
    }

    private func saveState() throws {
        let text = "acked=\(acked) dropped=\(droppedUnreported)\n"
        let tmp = statePath + ".tmp"
        do {
            try FileWrite.replaceAtomically(
                statePath, with: Array(text.utf8), temporary: tmp, mode: nil, syncDirectory: directory)
        } catch {
            if error.step == .create { throw Failure(description: "open \(tmp): \(error.reason)") }
            throw Failure(description: "write \(statePath): \(error.reason)")
        }
    }
}

func appendLE<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

func loadLE32(_ b: [UInt8], _ o: Int) -> UInt32 {
    UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
}

func loadLE64(_ b: [UInt8], _ o: Int) -> UInt64 {
    UInt64(loadLE32(b, o)) | UInt64(loadLE32(b, o + 4)) << 32
}

/// CRC-32 (IEEE: polynomial 0xEDB88320 reflected, initial and final value
/// 0xFFFFFFFF), to tell a torn record from a whole one. zlib's crc32, which is
/// that same function, so queue.log files written with the old table still read.
enum CRC32 {
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { UInt32(truncatingIfNeeded: crc32_z(0, $0.baseAddress, $0.count)) }
    }
}
