// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything that can go wrong reading or writing a trace. Binary-format errors
/// carry the byte offset where the problem starts, JSON Lines errors the line
/// number (1-based) and the field, so a broken file can be inspected by hand.
public enum TraceError: Error, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(path: String, operation: String, errno: Int32)

    // Binary form.
    /// The file ends at `offset`, inside the preamble or header that needs `need` bytes.
    case truncatedHeader(offset: Int, need: Int)
    case badMagic(offset: Int)
    case unsupportedVersion(offset: Int, version: UInt32)
    case corruptHeader(offset: Int, reason: String)
    /// The u32 length of the record framed at `offset` cannot be right.
    case corruptRecordLength(offset: Int, length: UInt32, reason: String)
    /// The record framed at `offset` is whole but the event decoder rejects it.
    case undecodableRecord(offset: Int, error: DecodeError)
    /// Not a failure: the last record, starting at `offset`, was cut short (a crash
    /// while recording); `bytes` bytes from there to the end were ignored.
    case truncatedTail(offset: Int, bytes: Int)
    /// The writer was given a record the framing cannot hold.
    case unframableRecord(length: Int, reason: String)

    // JSON Lines form.
    case badJSON(line: Int, column: Int, reason: String)
    case missingField(line: Int, field: String)
    case badField(line: Int, field: String, reason: String)
    case unknownEventType(line: Int, type: String)

    /// Byte offset of a binary-form error, if it is one.
    public var offset: Int? {
        switch self {
        case .truncatedHeader(let o, _), .badMagic(let o), .unsupportedVersion(let o, _), .corruptHeader(let o, _),
            .corruptRecordLength(let o, _, _), .undecodableRecord(let o, _), .truncatedTail(let o, _):
            return o
        default:
            return nil
        }
    }

    /// Line number of a JSON Lines error, if it is one.
    public var line: Int? {
        switch self {
        case .badJSON(let l, _, _), .missingField(let l, _), .badField(let l, _, _), .unknownEventType(let l, _):
            return l
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
        case .truncatedHeader(let offset, let need):
            return "trace ends at byte \(offset) inside its header (\(need) bytes needed)"
        case .badMagic(let offset):
            return "not a rigwatch trace: bad magic at byte \(offset)"
        case .unsupportedVersion(let offset, let version):
            return
                "trace format version \(version) at byte \(offset) is not supported (this build reads version \(TraceFormat.version))"
        case .corruptHeader(let offset, let reason):
            return "corrupt trace header at byte \(offset): \(reason)"
        case .corruptRecordLength(let offset, let length, let reason):
            return "corrupt record length \(length) at byte \(offset): \(reason)"
        case .undecodableRecord(let offset, let error):
            return "undecodable record at byte \(offset): \(error)"
        case .truncatedTail(let offset, let bytes):
            return "trace cut short at byte \(offset): last record incomplete, \(bytes) bytes ignored"
        case .unframableRecord(let length, let reason):
            return "cannot write a record of \(length) bytes: \(reason)"
        case .badJSON(let line, let column, let reason):
            return "line \(line), column \(column): bad JSON: \(reason)"
        case .missingField(let line, let field):
            return "line \(line): missing field \"\(field)\""
        case .badField(let line, let field, let reason):
            return "line \(line): field \"\(field)\": \(reason)"
        case .unknownEventType(let line, let type):
            return "line \(line): unknown event type \"\(type)\""
        }
    }
}
