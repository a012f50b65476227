// SPDX-License-Identifier: Apache-2.0
/// fnmatch(3) over bytes, as glibc implements it in the C locale, without
/// allocating: `*`, `?`, bracket expressions (`[a-z]`, `[!x]`, `[^x]`,
/// `[[:alpha:]]`) and backslash escapes. With `pathname` (FNM_PATHNAME) no
/// wildcard matches `/`. sudo matches command paths with FNM_PATHNAME and the
/// joined argument string without it, so `*` in arguments crosses spaces and slashes.
public enum FNMatch {
    /// `nulAsSpace`: read NUL bytes of the subject as spaces, so raw argv
    /// (NUL-separated) is matched as sudo's space-joined argument string. `from`: where
    /// to start in both, when the caller has compared a wildcard-free prefix that long.
    public static func matches(
        pattern: UnsafeBufferPointer<UInt8>, subject: UnsafeBufferPointer<UInt8>,
        pathname: Bool, nulAsSpace: Bool = false, from start: Int = 0
    ) -> Bool {
        let m = pattern.count
        let n = subject.count
        @inline(__always) func sub(_ i: Int) -> UInt8 {
            let c = subject[i]
            return nulAsSpace && c == 0 ? 0x20 : c
        }
        var p = start
        var s = start
        var starP = -1
        var starS = 0
        while s < n {
            if p < m {
                let c = pattern[p]
                switch c {
                case 0x2a:  // '*'
                    while p < m && pattern[p] == 0x2a { p += 1 }
                    if p == m && !pathname { return true }
                    starP = p
                    starS = s
                    continue
                case 0x3f:  // '?'
                    if !(pathname && sub(s) == 0x2f) {
                        p += 1
                        s += 1
                        continue
                    }
                case 0x5b:  // '['
                    if let (matched, next) = bracket(pattern, at: p, byte: sub(s), pathname: pathname) {
                        if matched {
                            p = next
                            s += 1
                            continue
                        }
                    } else if sub(s) == 0x5b {  // unterminated: a literal '['
                        p += 1
                        s += 1
                        continue
                    }
                case 0x5c:  // '\\' quotes the next byte; a trailing one is itself
                    let literal = p + 1 < m ? pattern[p + 1] : 0x5c
                    if literal == sub(s) {
                        p += p + 1 < m ? 2 : 1
                        s += 1
                        continue
                    }
                default:
                    if c == sub(s) {
                        p += 1
                        s += 1
                        continue
                    }
                }
            }
            // Mismatch: let the last star take one more byte, unless that byte is a '/' it may not cross.
            guard starP >= 0, !(pathname && sub(starS) == 0x2f) else { return false }
            starS += 1
            s = starS
            p = starP
        }
        while p < m && pattern[p] == 0x2a { p += 1 }
        return p == m
    }

    /// Matches `byte` against the bracket expression at `pattern[start]` ('[').
    /// Returns whether it matched and the index after ']', or nil when unterminated.
    static func bracket(
        _ pattern: UnsafeBufferPointer<UInt8>, at start: Int, byte: UInt8, pathname: Bool
    ) -> (Bool, Int)? {
        let m = pattern.count
        var i = start + 1
        var negate = false
        if i < m && (pattern[i] == 0x21 || pattern[i] == 0x5e) {
            negate = true
            i += 1
        }  // '!' or '^'
        var matched = false
        var first = true
        while i < m {
            var c = pattern[i]
            if c == 0x5d && !first {  // ']'
                if pathname && byte == 0x2f { return (false, i + 1) }
                return (matched != negate, i + 1)
            }
            first = false
            if c == 0x5b, i + 1 < m, pattern[i + 1] == 0x3a {  // "[:class:]"
                if let (inClass, next) = characterClass(pattern, at: i, byte: byte) {
                    if inClass { matched = true }
                    i = next
                    continue
                }
            }
            if c == 0x5c && i + 1 < m {
                i += 1
                c = pattern[i]
            }  // escaped
            var high = c
            if i + 2 < m, pattern[i + 1] == 0x2d, pattern[i + 2] != 0x5d {  // range "a-z"
                var j = i + 2
                if pattern[j] == 0x5c && j + 1 < m { j += 1 }
                high = pattern[j]
                i = j
            }
            if byte >= c && byte <= high { matched = true }
            i += 1
        }
        return nil
    }

    /// "[:name:]" at `pattern[start]`; returns membership and the index after it.
    static func characterClass(_ pattern: UnsafeBufferPointer<UInt8>, at start: Int, byte b: UInt8) -> (Bool, Int)? {
        var end = start + 2
        while end + 1 < pattern.count, !(pattern[end] == 0x3a && pattern[end + 1] == 0x5d) { end += 1 }
        guard end + 1 < pattern.count else { return nil }
        let name = UnsafeBufferPointer(rebasing: pattern[(start + 2)..<end])
        @inline(__always) func named(_ s: StaticString) -> Bool {
            s.utf8CodeUnitCount == name.count
                && name.elementsEqual(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        let isUpper = b >= 0x41 && b <= 0x5a
        let isLower = b >= 0x61 && b <= 0x7a
        let isDigit = b >= 0x30 && b <= 0x39
        let result: Bool
        if named("alpha") {
            result = isUpper || isLower
        } else if named("digit") {
            result = isDigit
        } else if named("alnum") {
            result = isUpper || isLower || isDigit
        } else if named("upper") {
            result = isUpper
        } else if named("lower") {
            result = isLower
        } else if named("space") {
            result = b == 0x20 || (b >= 0x09 && b <= 0x0d)
        } else if named("blank") {
            result = b == 0x20 || b == 0x09
        } else if named("punct") {
            result =
                (b >= 0x21 && b <= 0x2f) || (b >= 0x3a && b <= 0x40) || (b >= 0x5b && b <= 0x60)
                || (b >= 0x7b && b <= 0x7e)
        } else if named("print") {
            result = b >= 0x20 && b <= 0x7e
        } else if named("graph") {
            result = b >= 0x21 && b <= 0x7e
        } else if named("cntrl") {
            result = b < 0x20 || b == 0x7f
        } else if named("xdigit") {
            result = isDigit || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
        } else {
            return nil
        }  // unknown class: treated as an unterminated bracket
        return (result, end + 2)
    }

    /// Convenience for tests and tools: String arguments.
    public static func matches(_ pattern: String, _ subject: String, pathname: Bool) -> Bool {
        let p = Array(pattern.utf8)
        let s = Array(subject.utf8)
        return p.withUnsafeBufferPointer { pb in
            s.withUnsafeBufferPointer { sb in matches(pattern: pb, subject: sb, pathname: pathname) }
        }
    }

    /// How many leading bytes of `pattern` match only themselves (before the first
    /// `*`, `?`, `[` or `\`): any subject the pattern matches starts with them.
    public static func literalPrefixLength(_ pattern: [UInt8]) -> Int {
        pattern.firstIndex(where: isMeta) ?? pattern.count
    }

    /// How many trailing bytes of `pattern` follow its last `*` and match only
    /// themselves: any subject the pattern matches ends with them. Nil when there is no
    /// `*`, or the tail holds another wildcard (`?`, `[`, `\`) or a `]` (that `*` may
    /// sit in a bracket expression, `[*]x`).
    public static func literalSuffixLength(_ pattern: [UInt8]) -> Int? {
        guard let star = pattern.lastIndex(of: 0x2a) else { return nil }
        let tail = pattern[(star + 1)...]
        if tail.contains(where: { isMeta($0) || $0 == 0x5d }) { return nil }
        return tail.count
    }

    /// True when the text has a wildcard that fnmatch would interpret.
    public static func hasMeta(_ bytes: [UInt8]) -> Bool { bytes.contains(where: isMeta) }

    /// A byte fnmatch interprets: `*`, `?`, `[` or `\`.
    @inline(__always)
    static func isMeta(_ b: UInt8) -> Bool { b == 0x2a || b == 0x3f || b == 0x5b || b == 0x5c }
}
