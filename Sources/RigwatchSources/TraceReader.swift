// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a binary trace record by record, decoding each straight from the bytes
/// read (`TraceInput`): all of them in memory, or streamed from the file a chunk at
/// a time (`streaming:`), so a replay's memory does not grow with the trace.
///
/// A trace cut short by a crash is not an error: every whole record is returned,
/// then `next()` returns nil and `truncation` says where the cut is.
public struct TraceReader {
    public let header: TraceHeader
    /// Byte offset of the first record.
    public let recordsOffset: Int
    /// Byte offset of the next record.
    public private(set) var position: Int
    /// `.truncatedTail` once the walk reached an incomplete last record; nil otherwise.
    public private(set) var truncation: TraceError?
    /// The truncation as a message for the user, if any.
    public var tailWarning: String? { truncation?.description }

    private let input: TraceInput

    public init(path: String) throws(TraceError) {
        try self.init(bytes: try readWholeFile(path))
    }

    /// Reads `path` a chunk at a time as the walk goes (for one pass: `readAll` and
    /// copies of the reader need the bytes in memory).
    public init(streaming path: String) throws(TraceError) {
        try self.init(input: try TraceInput(path: path))
    }

    public init(bytes: [UInt8]) throws(TraceError) {
        try self.init(input: TraceInput(bytes: bytes))
    }

    /// Validates the preamble and parses the header; records are read lazily.
    init(input: TraceInput) throws(TraceError) {
        let magic = TraceFormat.magic
        let preamble = TraceFormat.preambleSize
        try input.fill(from: 0, count: preamble)
        let magicBytes = min(input.end, magic.count)
        guard (0..<magicBytes).allSatisfy({ input[$0] == magic[$0] }) else { throw .badMagic(offset: 0) }
        guard input.end >= preamble else { throw .truncatedHeader(offset: input.end, need: preamble) }
        let version = input.le32(at: 8)
        guard version == TraceFormat.version else { throw .unsupportedVersion(offset: 8, version: version) }
        let headerLength = Int(input.le32(at: 12))
        guard headerLength <= TraceFormat.maxHeaderLength else {
            throw .corruptHeader(
                offset: 12, reason: "header length \(headerLength) exceeds \(TraceFormat.maxHeaderLength) bytes")
        }
        let end = preamble + headerLength
        try input.fill(from: 0, count: end)
        guard input.end >= end else { throw .truncatedHeader(offset: input.end, need: end) }
        header = try input.withBytes(preamble..<end) { (raw) throws(TraceError) in
            try TraceHeader.decode(raw, base: preamble)
        }
        self.input = input
        recordsOffset = end
        position = end
    }

    /// The next record's bytes (kind, size, payload) and the offset of its length
    /// field, whatever its kind; nil at the end. A framing error does not advance,
    /// since nothing after a bad length can be trusted.
    public mutating func nextRawRecord() throws(TraceError) -> (offset: Int, record: ArraySlice<UInt8>)? {
        guard let (offset, body) = try frameNext() else { return nil }
        return (offset, input.slice(body))
    }

    /// The next event; nil at the end. An undecodable record throws after the reader
    /// moved past it, so a caller may log it and go on.
    public mutating func next() throws(TraceError) -> Event? {
        guard let (offset, body) = try frameNext() else { return nil }
        do {
            return try input.withBytes(body) { (raw) throws(DecodeError) in try EventDecoder.decode(raw) }
        } catch {
            throw .undecodableRecord(offset: offset, error: error)
        }
    }

    /// Every remaining event; stops at the first error.
    public mutating func readAll() throws(TraceError) -> [Event] {
        var events: [Event] = []
        // Counting the frames first is a cheap walk over lengths; sizing the array once
        // saves copying a million large values while it grows. Only in memory: a copy
        // walking a streamed file would move the one window both read.
        if input.atEnd {
            var counter = self
            var frames = 0
            while case .some(.some) = try? counter.frameNext() { frames += 1 }
            events.reserveCapacity(frames)
        }
        while let event = try next() { events.append(event) }
        return events
    }

    public static func read(path: String) throws(TraceError) -> TraceReadResult {
        try read(bytes: try readWholeFile(path))
    }

    public static func read(bytes: [UInt8]) throws(TraceError) -> TraceReadResult {
        var reader = try TraceReader(bytes: bytes)
        let events = try reader.readAll()
        return TraceReadResult(format: .binary, header: reader.header, events: events, truncation: reader.truncation)
    }

    /// Frames the record at `position` and moves past it.
    private mutating func frameNext() throws(TraceError) -> (Int, Range<Int>)? {
        let offset = position
        try input.fill(from: offset, count: 4)
        let remaining = input.end - offset
        if remaining == 0 { return nil }
        guard remaining >= 4 else { return cutShort(at: offset) }
        let length = input.le32(at: offset)
        guard length >= TraceFormat.minRecordLength else {
            throw .corruptRecordLength(
                offset: offset, length: length, reason: "shorter than a record's kind and size (4 bytes)")
        }
        guard length <= TraceFormat.maxRecordLength else {
            throw .corruptRecordLength(
                offset: offset, length: length, reason: "longer than any record (\(TraceFormat.maxRecordLength) bytes)")
        }
        let start = offset + 4
        let end = start + Int(length)
        try input.fill(from: offset, count: 4 + Int(length))
        // Every record starts with u16 kind, u16 size; the size must agree with the framing.
        let available = min(end, input.end) - start
        if available >= 4 {
            let declared = UInt32(input[start + 2]) | UInt32(input[start + 3]) << 8
            guard declared == length else {
                let reason =
                    end > input.end
                    ? "runs past the end of the file and the record declares \(declared) bytes"
                    : "the record declares \(declared) bytes"
                throw .corruptRecordLength(offset: offset, length: length, reason: reason)
            }
        }
        // A length that agrees with its record but runs past the end is a clean cut.
        guard end <= input.end else { return cutShort(at: offset) }
        position = end
        return (offset, start..<end)
    }

    private mutating func cutShort(at offset: Int) -> (Int, Range<Int>)? {
        truncation = .truncatedTail(offset: offset, bytes: input.end - offset)
        position = input.end
        return nil
    }
}

/// All of a trace at once, for replay and conversion.
public struct TraceReadResult: Equatable, Sendable {
    public var format: TraceFileFormat
    public var header: TraceHeader
    public var events: [Event]
    /// `.truncatedTail` when the trace was cut short; `events` then holds every whole record.
    public var truncation: TraceError?
    /// The truncation as a message for the user ("trace cut short at byte N ..."), if any.
    public var warning: String? { truncation?.description }

    public init(format: TraceFileFormat, header: TraceHeader, events: [Event], truncation: TraceError? = nil) {
        self.format = format
        self.header = header
        self.events = events
        self.truncation = truncation
    }
}

/// `withUnsafeBytes` keeping the body's error type (the stdlib's only rethrows `any Error`).
@inline(__always) func withRawBytes<R, E: Error>(
    _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E> = bytes.withUnsafeBytes { raw in Result { () throws(E) in try body(raw) } }
    return try result.get()
}

@inline(__always) func loadLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3])
        << 24
}

/// The whole content of a file, read with plain system calls (no Foundation).
/// Sized from fstat and filled without zeroing first: one pass over the bytes.
func readWholeFile(_ path: String) throws(TraceError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
    defer { _ = close(fd) }
    var info = stat()
    var capacity = 1 << 16
    // One byte more than the size, so reaching EOF needs no second allocation.
    if fstat(fd, &info) == 0, info.st_size > 0 { capacity = Int(info.st_size) + 1 }
    var failure: Int32 = 0
    var atEnd = false
    var bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
        count = 0
        guard let base = buffer.baseAddress else { return }
        while count < buffer.count {
            let n = read(fd, base + count, buffer.count - count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                failure = errno
                return
            }
            if n == 0 {
                atEnd = true
                return
            }
            count += n
        }
    }
    // A file that grew, or reports no size (/proc, pipes): read the rest in chunks.
    var chunk = [UInt8](repeating: 0, count: atEnd || failure != 0 ? 0 : 1 << 16)
    while !atEnd && failure == 0 {
        let n = chunk.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return read(fd, base, raw.count)
        }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { failure = errno } else if n == 0 { atEnd = true } else { bytes.append(contentsOf: chunk[..<n]) }
    }
    if failure != 0 { throw .io(path: path, operation: "read", errno: failure) }
    return bytes
}
