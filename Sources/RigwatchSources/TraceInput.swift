// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a trace as the readers see them: by absolute file offset, in a window
/// that slides forward as they go. Read from a file, the window holds what the reader
/// has not consumed yet, refilled a chunk at a time, so a replay's memory is one chunk
/// plus the longest record or line, whatever the trace's size. Given bytes, the window
/// is all of them and never moves (whole-file reads, tests).
public final class TraceInput {
    /// Bytes read per refill by default: large enough that refills cost nothing next to decoding.
    public static let defaultChunkSize = 1 << 20

    /// Bytes read per refill (at least; more when one record or line needs more).
    let chunkSize: Int

    let path: String
    /// The window: file bytes [start, start + window.count).
    private(set) var window: [UInt8]
    private(set) var start = 0
    /// The file, until it reached its end; -1 for a window given whole.
    private var fd: Int32 = -1

    init(bytes: [UInt8]) {
        path = ""
        window = bytes
        chunkSize = Self.defaultChunkSize
    }

    init(path: String, chunkSize: Int = defaultChunkSize) throws(TraceError) {
        self.path = path
        self.chunkSize = max(1, chunkSize)
        window = []
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
    }

    deinit { if fd >= 0 { _ = close(fd) } }

    /// Offset just past the last byte read.
    var end: Int { start + window.count }
    /// True once the window holds the file's last byte.
    var atEnd: Bool { fd < 0 }

    @inline(__always) subscript(offset: Int) -> UInt8 { window[offset - start] }

    @inline(__always) func le32(at offset: Int) -> UInt32 {
        let i = offset - start
        return UInt32(window[i]) | UInt32(window[i + 1]) << 8 | UInt32(window[i + 2]) << 16
            | UInt32(window[i + 3]) << 24
    }

    /// Makes [offset, offset + count) readable, or as much of it as the file has (then
    /// `atEnd`). What lies before `offset` is dropped: readers only go forward.
    @inline(__always) func fill(from offset: Int, count: Int) throws(TraceError) {
        if offset + count <= end || fd < 0 { return }
        try refill(from: offset, through: offset + count)
    }

    private func refill(from offset: Int, through wanted: Int) throws(TraceError) {
        let keep = min(offset, end)
        if keep > start {
            window.removeFirst(keep - start)
            start = keep
        }
        while end < wanted {
            let size = max(chunkSize, wanted - end)
            var failure: Int32 = 0
            let old = window.count
            window.append(contentsOf: repeatElement(0, count: size))
            let n = window.withUnsafeMutableBytes { raw -> Int in
                while true {
                    let n = read(fd, raw.baseAddress! + old, size)
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failure = errno }
                    return n
                }
            }
            window.removeLast(size - max(n, 0))
            if failure != 0 { throw .io(path: path, operation: "read", errno: failure) }
            if n == 0 {
                _ = close(fd)
                fd = -1
                return
            }
        }
    }

    /// The bytes of [range) as a raw buffer, for the decoder; the range must have been filled.
    @inline(__always) func withBytes<R, E: Error>(
        _ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let local = (range.lowerBound - start)..<(range.upperBound - start)
        return try withRawBytes(window) { (raw) throws(E) in try body(UnsafeRawBufferPointer(rebasing: raw[local])) }
    }

    func slice(_ range: Range<Int>) -> ArraySlice<UInt8> {
        window[(range.lowerBound - start)..<(range.upperBound - start)]
    }
}
