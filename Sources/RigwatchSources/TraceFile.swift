// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The two forms of a trace file.
public enum TraceFileFormat: String, CaseIterable, Sendable {
    case binary
    case jsonl
}

/// Reading and writing a trace whatever its form, for replay and `rigwatch trace`.
public enum TraceFile {
    /// Binary when the content starts with the magic, JSON Lines otherwise. JSON
    /// text never holds a NUL byte, so a start with one is a binary trace with a
    /// damaged magic: reading it as binary reports "bad magic", not a JSON error.
    public static func detectFormat(bytes: [UInt8]) -> TraceFileFormat {
        bytes.starts(with: TraceFormat.magic) || bytes.prefix(16).contains(0) ? .binary : .jsonl
    }

    public static func detectFormat(path: String) throws(TraceError) -> TraceFileFormat {
        let input = try TraceInput(path: path)
        try input.fill(from: 0, count: 16)
        return detectFormat(bytes: Array(input.slice(0..<min(16, input.end))))
    }

    /// Every event of the trace at `path`, in order. A binary trace cut short gives
    /// its whole records and `truncation`/`warning` set rather than an error.
    public static func read(path: String) throws(TraceError) -> TraceReadResult {
        try read(bytes: try readWholeFile(path))
    }

    public static func read(bytes: [UInt8]) throws(TraceError) -> TraceReadResult {
        switch detectFormat(bytes: bytes) {
        case .binary: return try TraceReader.read(bytes: bytes)
        case .jsonl: return try TraceJSONL.read(bytes: bytes)
        }
    }

    /// Writes a whole trace in the given form.
    public static func write(
        header: TraceHeader, events: [Event], to path: String, format: TraceFileFormat
    ) throws(TraceError) {
        let sink = try TraceFileWriter(path: path, header: header, format: format)
        for event in events { try sink.append(event) }
        try sink.close()
    }
}

/// Events of a trace of either form, one at a time, read from the file as they go
/// (replay and conversion stream through this rather than holding the file or a
/// million events).
public struct TraceStream {
    // Two optionals rather than an enum with payloads: `next()` then mutates the
    // reader in place instead of copying it out and back for every event.
    private var binary: TraceReader?
    private var jsonl: TraceJSONLReader?
    public let format: TraceFileFormat
    public let header: TraceHeader

    /// Streams `path`: its memory is a chunk and the longest record or line, not the file.
    /// `chunkSize`: bytes per read (tests use tiny ones to put every boundary mid-record).
    public init(path: String, chunkSize: Int = TraceInput.defaultChunkSize) throws(TraceError) {
        try self.init(input: try TraceInput(path: path, chunkSize: chunkSize))
    }

    public init(bytes: [UInt8]) throws(TraceError) {
        try self.init(input: TraceInput(bytes: bytes))
    }

    private init(input: TraceInput) throws(TraceError) {
        try input.fill(from: 0, count: 16)
        format = TraceFile.detectFormat(bytes: Array(input.slice(0..<min(16, input.end))))
        switch format {
        case .binary:
            let reader = try TraceReader(input: input)
            header = reader.header
            binary = reader
        case .jsonl:
            let reader = try TraceJSONLReader(input: input)
            header = reader.header
            jsonl = reader
        }
    }

    /// Set once a binary trace's walk reached an incomplete last record.
    public var truncation: TraceError? { binary?.truncation }

    public mutating func next() throws(TraceError) -> Event? {
        if binary != nil { return try binary!.next() }
        return try jsonl!.next()
    }
}

/// A writer of either form, so callers that convert or record need not care which.
public struct TraceFileWriter {
    private enum Sink {
        case binary(TraceWriter)
        case jsonl(TraceJSONLWriter)
    }

    private let sink: Sink
    public let format: TraceFileFormat

    public init(path: String, header: TraceHeader, format: TraceFileFormat) throws(TraceError) {
        self.format = format
        switch format {
        case .binary: sink = .binary(try TraceWriter(path: path, header: header))
        case .jsonl: sink = .jsonl(try TraceJSONLWriter(path: path, header: header))
        }
    }

    public var eventCount: Int {
        switch sink {
        case .binary(let w): return w.eventCount
        case .jsonl(let w): return w.eventCount
        }
    }

    public var byteCount: Int {
        switch sink {
        case .binary(let w): return w.byteCount
        case .jsonl(let w): return w.byteCount
        }
    }

    public func append(_ event: Event) throws(TraceError) {
        switch sink {
        case .binary(let w): try w.append(event)
        case .jsonl(let w): try w.append(event)
        }
    }

    public func close() throws(TraceError) {
        switch sink {
        case .binary(let w): try w.close()
        case .jsonl(let w): try w.close()
        }
    }
}
