// SPDX-License-Identifier: Apache-2.0
import CZlib

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
