// SPDX-License-Identifier: Apache-2.0
/// The last component of a path, for detectors that judge a program by its name.
/// A path ending in '/' has an empty last component.
func lastPathComponent(_ path: String) -> String {
    // Every watched exec gets here: find the last '/' byte in the UTF-8 storage rather than
    // walking Characters. It is the last "/" Character unless a non-ASCII neighbour could
    // join it into a grapheme cluster (a combining mark after it); then Characters decide.
    let fast = path.utf8.withContiguousStorageIfAvailable { bytes -> String? in
        guard let slash = bytes.lastIndex(of: 0x2f) else { return path }
        let after = slash + 1
        guard (after == bytes.count || bytes[after] < 0x80) && (slash == 0 || bytes[slash - 1] < 0x80) else {
            return nil
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[after...]), as: UTF8.self)
    }
    if let fast, let name = fast { return name }
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// The same on bytes, without building a String (hot paths).
func lastPathComponent(_ path: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    guard let slash = path.lastIndex(of: 0x2f) else { return path }
    return path[(slash + 1)...]
}
