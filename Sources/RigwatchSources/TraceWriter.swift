// SPDX-License-Identifier: Apache-2.0
import RigwatchCore
import RigwatchIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a binary trace: preamble and header at open, then one framed record per
/// event. Appends go to a memory buffer (no system call per event, so it can sit
/// in the ring-buffer callback); call `flush()` at a quiet moment and `close()` at the end.
public final class TraceWriter {
    public let path: String
    public let header: TraceHeader
    /// Records appended so far.
    public private(set) var eventCount = 0
    /// Bytes of the file so far, header included, buffered or written.
    public var byteCount: Int { file.byteCount }

    private let file: TraceOutputFile

    /// Creates or truncates `path` (mode 0600: traces hold command lines) and writes the header.
    public init(path: String, header: TraceHeader, bufferSize: Int = 1 << 20) throws(TraceError) {
        self.path = path
        self.header = header
        file = try TraceOutputFile(path: path, bufferSize: bufferSize)
        let headerBytes = header.encoded()
        var preamble = TraceFormat.magic
        appendLE(TraceFormat.version, to: &preamble)
        appendLE(UInt32(headerBytes.count), to: &preamble)
        try file.write(preamble)
        try file.write(headerBytes)
    }

    /// Appends one record exactly as the kernel wrote it (u16 kind, u16 size, payload).
    /// Kinds are not checked, so future record kinds pass through unchanged.
    public func append(rawRecord: UnsafeRawBufferPointer) throws(TraceError) {
        let count = rawRecord.count
        guard count >= TraceFormat.minRecordLength, count <= TraceFormat.maxRecordLength else {
            throw .unframableRecord(
                length: count,
                reason: "records hold \(TraceFormat.minRecordLength)...\(TraceFormat.maxRecordLength) bytes")
        }
        let declared = Int(
            UInt16(littleEndian: rawRecord.loadUnaligned(fromByteOffset: ABIOffsets.Header.size, as: UInt16.self)))
        guard declared == count else {
            throw .unframableRecord(length: count, reason: "the record declares \(declared) bytes")
        }
        try file.write(rawRecord, lengthPrefix: UInt32(count))
        eventCount += 1
    }

    public func append(_ event: Event) throws(TraceError) {
        let record = EventEncoder.encode(event)
        try withRawBytes(record) { (bytes) throws(TraceError) in try append(rawRecord: bytes) }
    }

    public func flush() throws(TraceError) { try file.flush() }

    /// Flushes and closes; later appends fail with EBADF.
    public func close() throws(TraceError) { try file.close() }
}

@inline(__always) func appendLE(_ value: UInt32, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

// File-scope name for the system call: inside the writers `close` is a method.
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }

/// A file descriptor with a write buffer, shared by the binary and JSON Lines writers.
final class TraceOutputFile {
    let path: String
    private(set) var byteCount = 0
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferSize: Int

    init(path: String, bufferSize: Int) throws(TraceError) {
        self.path = path
        self.bufferSize = max(bufferSize, 4096)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        // O_CREAT's mode does not apply to a file that already existed.
        guard fchmod(fd, 0o600) == 0 else {
            let code = errno
            _ = systemClose(fd)
            throw .io(path: path, operation: "chmod", errno: code)
        }
        buffer.reserveCapacity(self.bufferSize)
    }

    deinit {
        // Best effort for a writer dropped without close(); errors have nowhere to go.
        if fd >= 0 {
            try? flush()
            _ = systemClose(fd)
        }
    }

    /// Buffers `bytes`, preceded by a u32 length when given (one call per record keeps appends cheap).
    func write(_ bytes: UnsafeRawBufferPointer, lengthPrefix: UInt32? = nil) throws(TraceError) {
        let total = bytes.count + (lengthPrefix == nil ? 0 : 4)
        try reserve(total)
        if let length = lengthPrefix { appendLE(length, to: &buffer) }
        buffer.append(contentsOf: bytes)
        byteCount += total
    }

    func write(_ bytes: [UInt8]) throws(TraceError) {
        try reserve(bytes.count)
        buffer.append(contentsOf: bytes)
        byteCount += bytes.count
    }

    func write(_ text: String) throws(TraceError) {
        let utf8 = text.utf8
        try reserve(utf8.count)
        buffer.append(contentsOf: utf8)
        byteCount += utf8.count
    }

    private func reserve(_ count: Int) throws(TraceError) {
        guard fd >= 0 else { throw .io(path: path, operation: "write", errno: EBADF) }
        if buffer.count + count > bufferSize { try flush() }
    }

    func flush() throws(TraceError) {
        guard fd >= 0 else { throw .io(path: path, operation: "write", errno: EBADF) }
        let failure = FileWrite.all(fd, buffer)
        buffer.removeAll(keepingCapacity: true)
        if let code = failure { throw .io(path: path, operation: "write", errno: code) }
    }

    func close() throws(TraceError) {
        guard fd >= 0 else { return }
        defer { fd = -1 }
        do {
            try flush()
        } catch {
            _ = systemClose(fd)
            throw error
        }
        if systemClose(fd) != 0 { throw .io(path: path, operation: "close", errno: errno) }
    }
}
