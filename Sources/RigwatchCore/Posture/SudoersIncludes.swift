// SPDX-License-Identifier: Apache-2.0
/// `@include`/`#include` and `@includedir`/`#includedir` in a sudoers file, found
/// so the reader can follow them (the parser does not), and removed so the parser
/// can read the rest with its line numbers unchanged.
public enum SudoersIncludes {
    public struct Directive: Equatable, Sendable {
        public var line: Int
        /// A directory: every file in it that `isIncluded` accepts, in name order.
        public var isDirectory: Bool
        /// As written: relative paths are relative to the including file's directory.
        public var path: String
    }

    public static func directives(_ text: String) -> [Directive] {
        var found: [Directive] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingBlanks()
            for (word, isDirectory) in [
                ("@includedir", true), ("#includedir", true), ("@include", false), ("#include", false),
            ] where line.hasPrefix(word + " ") || line.hasPrefix(word + "\t") {
                var path = String(line.dropFirst(word.count)).trimmingBlanks()
                if path.hasPrefix("\"") && path.hasSuffix("\"") && path.count >= 2 {
                    path = String(path.dropFirst().dropLast())
                }
                found.append(Directive(line: i + 1, isDirectory: isDirectory, path: path))
                break
            }
        }
        return found
    }

    /// The text with its include lines blanked (line numbers kept).
    public static func removingDirectives(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let dropped = Set(directives(text).map { $0.line })
        return lines.enumerated().map { dropped.contains($0.offset + 1) ? "" : String($0.element) }.joined(
            separator: "\n")
    }

    /// sudo skips files in an included directory whose name ends in '~' or holds a '.'
    /// (editor backups, package manager leftovers).
    public static func isIncluded(fileName: String) -> Bool {
        !fileName.isEmpty && !fileName.hasSuffix("~") && !fileName.contains(".")
    }

    /// The path a directive names, relative ones resolved against the including file's directory.
    public static func resolve(_ path: String, from file: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (dir.isEmpty ? "" : dir) + "/" + path
    }
}
