// SPDX-License-Identifier: Apache-2.0
/// The record of one `harden` run in its backup directory, one change a line
/// (tab-separated): `created PATH N` (undo removes it), `modified PATH N` (undo
/// puts back N.before), `sysctl KEY VALUE` (the value before, for `sysctl -w`).
/// N.before and N.after beside it hold the content before and as written.
public struct HardenManifest: Equatable, Sendable {
    public static let header = "rigwatch harden backup 1"
    public static let fileName = "manifest"
    /// Written once the run is undone (or rolled back): undo then takes the one before.
    public static let undoneMarker = "undone"

    public enum Entry: Equatable, Sendable {
        case created(path: String, index: Int)
        case modified(path: String, index: Int)
        case sysctl(key: String, value: String)
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    public var text: String {
        var out = Self.header + "\n"
        for entry in entries {
            switch entry {
            case .created(let path, let index): out += "created\t\(path)\t\(index)\n"
            case .modified(let path, let index): out += "modified\t\(path)\t\(index)\n"
            case .sysctl(let key, let value): out += "sysctl\t\(key)\t\(value)\n"
            }
        }
        return out
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws(ParseError) -> HardenManifest {
        var lines = text.split(separator: "\n").map(String.init)
        guard lines.first == header else { throw ParseError(description: "not a rigwatch harden manifest") }
        lines.removeFirst()
        var entries: [Entry] = []
        for (n, line) in lines.enumerated() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 else { throw ParseError(description: "line \(n + 2): expected 3 fields") }
            switch f[0] {
            case "created", "modified":
                guard let index = Int(f[2]), f[1].hasPrefix("/") else {
                    throw ParseError(description: "line \(n + 2): expected PATH and a number")
                }
                entries.append(
                    f[0] == "created" ? .created(path: f[1], index: index) : .modified(path: f[1], index: index))
            case "sysctl": entries.append(.sysctl(key: f[1], value: f[2]))
            default: throw ParseError(description: "line \(n + 2): unknown entry '\(f[0])'")
            }
        }
        return HardenManifest(entries: entries)
    }
}
