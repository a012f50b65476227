// SPDX-License-Identifier: Apache-2.0
/// The last component of a path, for detectors that judge a program by its name.
/// A path ending in '/' has an empty last component.
func lastPathComponent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
}

/// The same on bytes, without building a String (hot paths).
func lastPathComponent(_ path: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    guard let slash = path.lastIndex(of: 0x2f) else { return path }
    return path[(slash + 1)...]
}
