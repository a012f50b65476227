// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The JSON Lines form of a trace, for people and test fixtures: an optional
/// `{"type":"trace_header",...}` line, then one `EventFormat.json` object per line
/// (the lines `run --format json --events all` prints). Blank lines and lines
/// starting with `#` are skipped, so scenarios can carry comments.
///
/// Format 2 (this build's) writes `pid` for the process and `tid` for the thread,
/// with `time` and `host` on every line; format 1 wrote `pid` for the thread and
/// `tgid` for the process. Both read (`JSONFields.isFormat1`).
public enum TraceJSONL {
    public static let headerType = "trace_header"
    public static let formatVersion: UInt32 = 2
    public static let readableVersions: ClosedRange<UInt32> = 1...formatVersion

    /// The header as one JSON object (no newline).
    public static func headerLine(_ header: TraceHeader) -> String {
        var w = JSONWriter()
        w.field("type", headerType)
        w.field("format_version", formatVersion)
        w.field("host", header.hostName)
        w.field("kernel", header.kernelRelease)
        w.field("boot_offset_ns", header.bootOffsetNs)
        w.field("sensor_version", header.sensorVersion)
        let users = header.watchedUsers.map { user -> String in
            var u = JSONWriter()
            u.field("uid", user.uid)
            u.field("name", user.name)
            return u.finish()
        }
        w.field("watched_users", raw: "[" + users.joined(separator: ",") + "]")
        w.field("start_wall_ns", header.startWallNs)
        return w.finish()
    }

    public static func read(path: String) throws(TraceError) -> TraceReadResult {
        try read(bytes: try readWholeFile(path))
    }

    public static func read(bytes: [UInt8]) throws(TraceError) -> TraceReadResult {
        var reader = try TraceJSONLReader(bytes: bytes)
        var events: [Event] = []
        while let event = try reader.next() { events.append(event) }
        return TraceReadResult(format: .jsonl, header: reader.header, events: events)
    }
}

/// Reads a JSON Lines trace held in memory, one event per `next()`.
public struct TraceJSONLReader {
    /// The file's header line, or defaults ("unknown" host, no watched users) when it has none.
    public let header: TraceHeader
    public let hasHeaderLine: Bool
    /// Number of the line last read (1-based; 0 before the first).
    public var lineNumber: Int { lines.lineNumber }

    private var lines: JSONLineScanner
    /// The first content line when it was an event, parsed while looking for a header.
    private var pending: (line: Int, fields: JSONObject)?

    public init(path: String) throws(TraceError) {
        try self.init(bytes: try readWholeFile(path))
    }

    /// Reads `path` a chunk at a time as the lines are read.
    public init(streaming path: String) throws(TraceError) {
        try self.init(input: try TraceInput(path: path))
    }

    public init(bytes: [UInt8]) throws(TraceError) {
        try self.init(input: TraceInput(bytes: bytes))
    }

    init(input: TraceInput) throws(TraceError) {
        var lines = try JSONLineScanner(input: input)
        var header = TraceHeader()
        var hasHeaderLine = false
        if let (line, fields) = try lines.nextObject() {
            if case .string(TraceJSONL.headerType)? = fields["type"] {
                header = try JSONFields(fields, line: line).traceHeader()
                hasHeaderLine = true
            } else {
                pending = (line, fields)
            }
        }
        self.lines = lines
        self.header = header
        self.hasHeaderLine = hasHeaderLine
    }

    /// The next event; nil at the end. Errors name the line and field; the reader has
    /// moved past the bad line, so a caller may report it and go on.
    public mutating func next() throws(TraceError) -> Event? {
        let object: (line: Int, fields: JSONObject)
        if let first = pending {
            object = first
            pending = nil
        } else {
            guard let found = try lines.nextObject() else { return nil }
            object = found
        }
        return try JSONFields(object.fields, line: object.line).event()
    }
}

/// Splits a file into lines and parses each content line as a JSON object.
struct JSONLineScanner {
    private let input: TraceInput
    private var position = 0
    private(set) var lineNumber = 0

    init(input: TraceInput) throws(TraceError) {
        self.input = input
        try input.fill(from: 0, count: 3)
        // A UTF-8 byte order mark, as some editors write, is not part of line 1.
        if input.end >= 3 && input[0] == 0xef && input[1] == 0xbb && input[2] == 0xbf { position = 3 }
    }

    /// The end of the line starting at `start` (its newline, or the end of the file),
    /// reading more of the file until the window holds it.
    private func lineEnd(from start: Int) throws(TraceError) -> Int {
        var searched = start  // no newline in [start, searched)
        while true {
            if let found = input.window[(searched - input.start)...].firstIndex(of: 0x0a) {
                return found + input.start
            }
            searched = input.end
            if input.atEnd { return input.end }
            try input.fill(from: start, count: searched - start + input.chunkSize)
        }
    }

    /// The next line that is neither blank nor a comment, parsed as a JSON object.
    mutating func nextObject() throws(TraceError) -> (line: Int, fields: JSONObject)? {
        while true {
            try input.fill(from: position, count: 1)
            guard position < input.end else { return nil }
            let start = position
            var end = try lineEnd(from: start)
            position = end < input.end ? end + 1 : end
            lineNumber += 1
            if end > start && input[end - 1] == 0x0d { end -= 1 }
            var first = start
            while first < end && (input[first] == 0x20 || input[first] == 0x09) { first += 1 }
            if first == end || input[first] == UInt8(ascii: "#") { continue }
            let line = lineNumber
            let parsed: Result<JSONValue, JSONSyntaxError> = input.withBytes(start..<end) { raw in
                Result { () throws(JSONSyntaxError) in try JSONParser.parse(raw.assumingMemoryBound(to: UInt8.self)) }
            }
            switch parsed {
            case .success(.object(let fields)):
                return (line, fields)
            case .success:
                throw .badJSON(line: line, column: first - start + 1, reason: "expected an object")
            case .failure(let error):
                throw .badJSON(line: line, column: error.column, reason: error.reason)
            }
        }
    }
}

/// Writes a JSON Lines trace: the header line at open, then one line per event.
public final class TraceJSONLWriter {
    public let path: String
    public let header: TraceHeader
    public private(set) var eventCount = 0
    public var byteCount: Int { file.byteCount }

    private let file: TraceOutputFile

    /// Creates or truncates `path` with mode 0600 and writes the header line.
    public init(path: String, header: TraceHeader, bufferSize: Int = 1 << 20) throws(TraceError) {
        self.path = path
        self.header = header
        file = try TraceOutputFile(path: path, bufferSize: bufferSize)
        try file.write(TraceJSONL.headerLine(header) + "\n")
    }

    public func append(_ event: Event) throws(TraceError) {
        try file.write(EventFormat.json(event, origin: header.origin) + "\n")
        eventCount += 1
    }

    public func flush() throws(TraceError) { try file.flush() }

    public func close() throws(TraceError) { try file.close() }
}
