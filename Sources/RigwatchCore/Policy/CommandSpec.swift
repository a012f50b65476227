// SPDX-License-Identifier: Apache-2.0
/// One sudoers `Cmnd`: a command path (exact, glob, directory or `ALL`) and its
/// argument rule, parsed with sudoers' own syntax so a whitelist imports unchanged.

public struct CommandSpec: Equatable, Sendable {
    public enum Command: Equatable, Sendable {
        case all
        /// A fully qualified path; matched exactly (after /usr merging, see `PathCanon`).
        case path([UInt8])
        /// A path with wildcards; fnmatch with FNM_PATHNAME.
        case glob([UInt8])
        /// A directory ending in '/': any command directly inside it.
        case directory([UInt8])
    }

    public enum Arguments: Equatable, Sendable {
        /// No arguments in the rule: any arguments.
        case any
        /// `""`: no arguments at all.
        case none
        /// fnmatch pattern for the arguments joined by single spaces (no FNM_PATHNAME).
        case pattern([UInt8])
    }

    public var negated: Bool
    public var command: Command
    public var arguments: Arguments
    /// The rule as written, for alerts and `check-config`.
    public var text: String
    /// Where it came from: "file:line", "config policy.rules[2]", "default".
    public var origin: String

    public init(negated: Bool, command: Command, arguments: Arguments, text: String, origin: String) {
        self.negated = negated
        self.command = command
        self.arguments = arguments
        self.text = text
        self.origin = origin
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses one Cmnd as it appears in a sudoers Cmnd_List (tags and runas already removed).
    public static func parse(
        _ text: String, origin: String, canon: PathCanon = .identity
    ) throws(ParseError) -> CommandSpec {
        var rest = Substring(text).drop { $0 == " " || $0 == "\t" }
        var negated = false
        while rest.first == "!" {
            negated.toggle()
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        }
        let words = splitWords(rest)
        guard let first = words.first else { throw ParseError(message: "empty command") }
        let commandText = String(decoding: first, as: UTF8.self)
        if commandText.hasPrefix("sha") && commandText.contains(":") {
            throw ParseError(message: "command digests (\(commandText.prefix(10))…) are not supported")
        }
        let command: Command
        if commandText == "ALL" {
            guard words.count == 1 else { throw ParseError(message: "ALL takes no arguments") }
            command = .all
        } else {
            guard first.first == UInt8(ascii: "/") else {
                throw ParseError(
                    message:
                        "command '\(commandText)' must be a fully qualified path, a directory ending in '/', or ALL")
            }
            let path = canon.canonical(first)
            if path.last == UInt8(ascii: "/") {
                guard words.count == 1 else {
                    throw ParseError(message: "a directory (\(commandText)) takes no arguments")
                }
                command = .directory(path)
            } else if FNMatch.hasMeta(path) {
                command = .glob(path)
            } else {
                command = .path(path)
            }
        }
        var arguments = Arguments.any
        if words.count > 1 {
            let args = Array(words.dropFirst())
            if args.count == 1 && args[0] == Array("\"\"".utf8) {
                arguments = .none
            } else {
                if args[0].first == UInt8(ascii: "^") && args.last?.last == UInt8(ascii: "$") {
                    throw ParseError(message: "regular-expression arguments (^…$) are not supported")
                }
                arguments = .pattern(Array(args.joined(separator: [0x20])))
            }
        }
        return CommandSpec(negated: negated, command: command, arguments: arguments, text: text, origin: origin)
    }

    /// Splits on unescaped blanks and removes the escapes sudoers strips
    /// (`\,` `\:` `\=` `\\` `\ ` `\#`); fnmatch escapes (`\*` `\?` `\[` `\]` `\!`) stay.
    static func splitWords(_ text: Substring) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        var inWord = false
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x5c, i + 1 < bytes.count {
                let next = bytes[i + 1]
                switch next {
                case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "\\"),
                    UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "#"):
                    current.append(next)
                default:
                    current.append(c)
                    current.append(next)
                }
                inWord = true
                i += 2
                continue
            }
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d {
                if inWord {
                    words.append(current)
                    current = []
                    inWord = false
                }
            } else {
                current.append(c)
                inWord = true
            }
            i += 1
        }
        if inWord { words.append(current) }
        return words
    }
}

/// Paths that name the same file on a merged-/usr system (Debian 12: /bin ->
/// usr/bin), where sudo matches by inode: `/bin/cat` and `/usr/bin/cat` are one command.
public struct PathCanon: Equatable, Sendable {
    /// Prefix pairs (alias, canonical), e.g. ("/bin/", "/usr/bin/").
    public let aliases: [([UInt8], [UInt8])]
    /// Bit b set: some alias has byte b second (all are ASCII), for a quick no in `rewrite`.
    private let aliasSecondBytes: (UInt64, UInt64)

    public static let identity = PathCanon(aliases: [])
    public static let mergedUsr = PathCanon(aliases: [
        (Array("/bin/".utf8), Array("/usr/bin/".utf8)), (Array("/sbin/".utf8), Array("/usr/sbin/".utf8)),
        (Array("/lib/".utf8), Array("/usr/lib/".utf8)), (Array("/lib64/".utf8), Array("/usr/lib64/".utf8)),
    ])

    public init(aliases: [([UInt8], [UInt8])]) {
        self.aliases = aliases
        var bits: (UInt64, UInt64) = (0, 0)
        for (alias, _) in aliases {
            // An alias of one byte, or a non-ASCII second byte, turns the quick no off.
            guard alias.count > 1, alias[1] < 128 else {
                bits = (~0, ~0)
                break
            }
            if alias[1] < 64 { bits.0 |= 1 << UInt64(alias[1]) } else { bits.1 |= 1 << UInt64(alias[1] - 64) }
        }
        aliasSecondBytes = bits
    }

    public static func == (a: PathCanon, b: PathCanon) -> Bool {
        a.aliases.map { $0.0 } == b.aliases.map { $0.0 } && a.aliases.map { $0.1 } == b.aliases.map { $0.1 }
    }

    /// The form rules are stored in: normalized, then the alias applied.
    public func canonical(_ path: [UInt8]) -> [UInt8] {
        var normalized = [UInt8](repeating: 0, count: path.count + 1)
        let n = path.withUnsafeBufferPointer { p in
            normalized.withUnsafeMutableBufferPointer { PathCanon.normalize(p, into: $0) }
        }
        normalized.removeLast(normalized.count - n)
        for (alias, target) in aliases where normalized.starts(with: alias) {
            return target + normalized.dropFirst(alias.count)
        }
        return normalized
    }

    /// True when an absolute path holds "//" or "/." (so `normalize` would change it).
    @inline(__always)
    static func needsNormalizing(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.first == 0x2f else { return false }
        return ByteScan.hasSlashSlashOrSlashDot(path)
    }

    /// Lexical path normalization into `out` (at least path.count + 1 bytes):
    /// `//` and `/./` collapse, `/x/..` goes away, a trailing '/' stays (it marks
    /// directories in rules). Relative paths are copied unchanged. Returns the length.
    static func normalize(_ path: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        guard path.first == 0x2f else {
            for (i, b) in path.enumerated() { out[i] = b }
            return path.count
        }
        // Fast path: nothing to do unless "//", "/." occur.
        if !needsNormalizing(path) {
            for (j, b) in path.enumerated() { out[j] = b }
            return path.count
        }
        var n = 0
        var i = 0
        while i < path.count {
            while i < path.count && path[i] == 0x2f { i += 1 }
            var end = i
            while end < path.count && path[end] != 0x2f { end += 1 }
            let length = end - i
            if length == 0 { break }
            if length == 1 && path[i] == 0x2e {
                // "."
            } else if length == 2 && path[i] == 0x2e && path[i + 1] == 0x2e {
                while n > 0 && out[n - 1] != 0x2f { n -= 1 }
                if n > 0 { n -= 1 }  // drop the '/' before the removed component
            } else {
                out[n] = 0x2f
                n += 1
                for k in i..<end {
                    out[n] = path[k]
                    n += 1
                }
            }
            i = end
        }
        if n == 0 {
            out[0] = 0x2f
            n = 1
        }
        if path.last == 0x2f && out[n - 1] != 0x2f {
            out[n] = 0x2f
            n += 1
        }
        return n
    }

    /// The alias a path starts with, if any: (bytes to drop, bytes to put in front).
    @inline(__always)
    func rewrite(_ path: UnsafeBufferPointer<UInt8>) -> (drop: Int, prefix: [UInt8])? {
        // A second byte no alias has is a quick no (merged /usr: any /usr/… path).
        if path.count < 2 { return aliases.isEmpty ? nil : slowRewrite(path) }
        let b = path[1]
        if b < 128, (b < 64 ? aliasSecondBytes.0 >> UInt64(b) : aliasSecondBytes.1 >> UInt64(b - 64)) & 1 == 0 {
            return nil
        }
        return slowRewrite(path)
    }

    @inline(__always)
    private func slowRewrite(_ path: UnsafeBufferPointer<UInt8>) -> (drop: Int, prefix: [UInt8])? {
        for (alias, target) in aliases where path.count >= alias.count {
            if path.prefix(alias.count).elementsEqual(alias) { return (alias.count, target) }
        }
        return nil
    }
}
