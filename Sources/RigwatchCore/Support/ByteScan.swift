// SPDX-License-Identifier: Apache-2.0

/// Byte searches for the hot path, eight bytes at a time (Core links no libc `memchr`).
public enum ByteScan {
    /// The index of the first 0 byte, or nil.
    @inline(__always)
    public static func firstNul(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            // A set high bit marks a zero byte; the lowest one is exact (carries only run upwards).
            let zeros = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            if zeros != 0 { return i + zeros.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < n {
            if bytes[i] == 0 { return i }
            i += 1
        }
        return nil
    }

    /// Whether `count` bytes of `subject` from `subjectOffset` equal `pattern`'s from
    /// `patternOffset`; with `nulAsSpace`, a 0 byte of the subject reads as a space (raw
    /// argv against sudo's space-joined string). The caller has checked both ranges.
    @inline(__always)
    public static func equal(
        _ subject: UnsafeBufferPointer<UInt8>, _ subjectOffset: Int, _ pattern: UnsafeBufferPointer<UInt8>,
        _ patternOffset: Int, count: Int, nulAsSpace: Bool
    ) -> Bool {
        guard count > 0, let sb = subject.baseAddress, let pb = pattern.baseAddress else { return true }
        let s = UnsafeRawPointer(sb + subjectOffset)
        let p = UnsafeRawPointer(pb + patternOffset)
        var i = 0
        while i + 8 <= count {
            var word = s.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if nulAsSpace { word |= spacesForZeroBytes(word) }
            if word != p.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < count {
            let c = s.load(fromByteOffset: i, as: UInt8.self)
            if (nulAsSpace && c == 0 ? 0x20 : c) != p.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    /// 0x20 in each byte of `word` that is 0, 0 elsewhere (exact for every byte).
    @inline(__always)
    static func spacesForZeroBytes(_ word: UInt64) -> UInt64 {
        bytesEqual(word, 0) >> 2  // 0x80 >> 2 = 0x20
    }

    /// 0x80 in each byte of `word` equal to `byte`, 0 elsewhere (exact for every byte).
    @inline(__always)
    static func bytesEqual(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
        let low7: UInt64 = 0x7f7f_7f7f_7f7f_7f7f
        return ~(((x & low7) &+ low7) | x) & 0x8080_8080_8080_8080
    }

    /// Whether a `/` is directly followed by `/` or `.` anywhere in `bytes`: what makes a
    /// path need lexical normalizing. Windows of 8 bytes, 7 apart, so every pair is seen.
    @inline(__always)
    public static func hasSlashSlashOrSlashDot(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let slash = bytesEqual(word, 0x2f)
            let next = slash | bytesEqual(word, 0x2e)
            if slash & (next >> 8) != 0 { return true }  // byte k is '/', byte k+1 is '/' or '.'
            i += 7
        }
        while i + 1 < n {
            if bytes[i] == 0x2f && (bytes[i + 1] == 0x2f || bytes[i + 1] == 0x2e) { return true }
            i += 1
        }
        return false
    }

    /// A 64-bit hash of the bytes, eight at a time (an index key, not a defence against
    /// chosen collisions: the table compares the bytes of every hit).
    @inline(__always)
    public static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = bytes.baseAddress else { return 0x9e37_79b9_7f4a_7c15 }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        var h: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xc4ce_b9fe_1a85_ec53
        return h ^ (h >> 29)
    }
}
