// SPDX-License-Identifier: Apache-2.0
/// Watched paths as the kernel matches them: absolute, no trailing slash, and a
/// file matches an entry when its path equals it or lies below it ("/etc/cron.d"
/// matches "/etc/cron.d/x", not "/etc/cron.dx"). Everything here works on bytes,
/// as the kernel does: Swift's String comparison would treat canonically
/// equivalent Unicode spellings as equal, the kernel never does.
public enum WatchedPath {
    /// Entries the kernel map holds (`RW_FILE_WATCH_MAX`).
    public static let maxCount = 32
    /// Bytes of one entry (`RW_FILE_WATCH_LEN` less the NUL).
    public static let maxBytes = 127

    /// Why a configured path cannot be watched.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Lexical normalisation: empty and "." parts go, ".." takes the previous part
    /// off (never above "/"), no trailing slash. Symlinks are not resolved: this
    /// reads the string only. A relative path stays relative (and matches nothing).
    public static func normalise(_ path: [UInt8]) -> [UInt8] {
        let absolute = path.first == slash
        var parts: [ArraySlice<UInt8>] = []
        for part in path.split(separator: slash, omittingEmptySubsequences: true) {
            if part.elementsEqual(dot) { continue }
            if part.elementsEqual(dotDot) {
                if let last = parts.last, !last.elementsEqual(dotDot) {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)  // "../x" keeps its meaning
                }
                continue
            }
            parts.append(part)
        }
        var out: [UInt8] = absolute ? [slash] : []
        for (i, part) in parts.enumerated() {
            if i > 0 { out.append(slash) }
            out.append(contentsOf: part)
        }
        return out.isEmpty ? dot : out
    }

    public static func normalise(_ path: String) -> String {
        String(decoding: normalise(Array(path.utf8)), as: UTF8.self)
    }

    /// Whether the normalised `path` is the watched entry or lies below it.
    public static func covers(_ watched: [UInt8], _ path: [UInt8]) -> Bool {
        guard path.starts(with: watched) else { return false }
        return path.count == watched.count || path[watched.count] == slash
    }

    public static func covers(_ watched: String, _ path: String) -> Bool {
        covers(Array(watched.utf8), Array(path.utf8))
    }

    /// The first of `entries` that covers the normalised `path`.
    public static func match(_ path: [UInt8], in entries: [[UInt8]]) -> [UInt8]? {
        entries.first { covers($0, path) }
    }

    /// A configured path in the form the kernel takes, or why it cannot be one:
    /// absolute, normalised, not "/" alone, at most `maxBytes` bytes.
    public static func validate(_ raw: String) throws(Problem) -> String {
        guard raw.hasPrefix("/") else { throw Problem(description: "'\(raw)' is not an absolute path") }
        guard !raw.utf8.contains(0) else { throw Problem(description: "'\(raw)' contains a NUL byte") }
        let path = normalise(raw)
        guard path != "/" else {
            throw Problem(description: "'\(raw)' would watch every file; name directories or files below /")
        }
        guard path.utf8.count <= maxBytes else {
            throw Problem(description: "'\(raw)' is \(path.utf8.count) bytes; the kernel takes at most \(maxBytes)")
        }
        return path
    }

    /// The entries the kernel gets: each validated (invalid ones dropped),
    /// duplicates removed (first kept), at most `maxCount`.
    public static func normalisedList(_ paths: [String]) -> [String] {
        var out: [String] = []
        for raw in paths {
            guard let path = try? validate(raw), !out.contains(where: { $0.utf8.elementsEqual(path.utf8) }) else {
                continue
            }
            out.append(path)
            if out.count == maxCount { break }
        }
        return out
    }

    private static let slash: UInt8 = 0x2f
    private static let dot: [UInt8] = [0x2e]
    private static let dotDot: [UInt8] = [0x2e, 0x2e]
}
