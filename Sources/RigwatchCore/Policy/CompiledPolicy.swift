// SPDX-License-Identifier: Apache-2.0
/// A whitelist compiled for the hot path: exact command paths in a hash index,
/// globs, directories and ALL in short lists, every byte in one flat pool.
/// `decide` reads the exec's bytes in place and allocates nothing; the tables are
/// raw buffers owned by this object, so no reference counting happens per decision.
/// As in sudo, when several rules match the last one wins, so a later `!cmd`
/// takes back an earlier allow.
///
/// `@unchecked Sendable`: the raw tables are written once, in `init`, and only read
/// after it; a reload builds a new object rather than changing this one.
public final class CompiledPolicy: @unchecked Sendable {
    public enum Decision: Equatable, Sendable {
        /// Allowed by the rule at this index.
        case allowed(rule: Int)
        /// Denied by the negated rule at this index, or by no rule (nil).
        case denied(rule: Int?)

        public var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }
    }

    public let name: String
    public let rules: [CommandSpec]
    public let canon: PathCanon

    /// A byte range in `pool`.
    struct Span {
        var start: Int32
        var count: Int32
    }

    private let pool: UnsafeMutableBufferPointer<UInt8>
    // Per rule: argument kind (0 any, 1 none, 2 pattern), pattern span, command span (globs, directories), negation.
    private let argKind: UnsafeMutableBufferPointer<UInt8>
    private let argSpan: UnsafeMutableBufferPointer<Span>
    private let commandSpan: UnsafeMutableBufferPointer<Span>
    private let negated: UnsafeMutableBufferPointer<Bool>
    // Per rule: how many leading bytes of the argument pattern, and of the command glob,
    // are literal (before the first * ? [ or \). A subject that differs there is refused
    // without running the matcher; a pattern literal to its end is compared whole.
    private let argLiteral: UnsafeMutableBufferPointer<Int32>
    private let commandLiteral: UnsafeMutableBufferPointer<Int32>
    // Per rule: the literal tail after the argument pattern's last `*` (its length; -1
    // when there is no `*` or the tail has other wildcards): a subject must end with it.
    private let argSuffix: UnsafeMutableBufferPointer<Int32>
    // Exact paths, open addressing: slot -> hash, path span, rule list (indices highest first).
    private let slotHash: UnsafeMutableBufferPointer<UInt64>
    private let slotPath: UnsafeMutableBufferPointer<Span>  // count -1 = empty slot
    private let slotRules: UnsafeMutableBufferPointer<Span>  // range in `lists`
    private let lists: UnsafeMutableBufferPointer<Int32>
    private let mask: Int
    // Ranges in `lists`, highest rule index first.
    private let globList: Span
    private let directoryList: Span
    private let allList: Span

    public init(name: String, rules: [CommandSpec], canon: PathCanon) {
        self.name = name
        self.rules = rules
        self.canon = canon
        var bytes: [UInt8] = []
        func add(_ b: [UInt8]) -> Span {
            let span = Span(start: Int32(bytes.count), count: Int32(b.count))
            bytes += b
            return span
        }
        var kinds: [UInt8] = []
        var args: [Span] = []
        var commands: [Span] = []
        var negations: [Bool] = []
        var argLiterals: [Int32] = []
        var commandLiterals: [Int32] = []
        var argSuffixes: [Int32] = []
        var byPath: [[UInt8]: [Int32]] = [:]
        var globs: [Int32] = []
        var dirs: [Int32] = []
        var alls: [Int32] = []
        for (i, rule) in rules.enumerated() {
            negations.append(rule.negated)
            switch rule.arguments {
            case .any:
                kinds.append(0)
                args.append(Span(start: 0, count: 0))
                argLiterals.append(0)
                argSuffixes.append(-1)
            case .none:
                kinds.append(1)
                args.append(Span(start: 0, count: 0))
                argLiterals.append(0)
                argSuffixes.append(-1)
            case .pattern(let p):
                kinds.append(2)
                args.append(add(p))
                argLiterals.append(Int32(FNMatch.literalPrefixLength(p)))
                argSuffixes.append(Int32(FNMatch.literalSuffixLength(p) ?? -1))
            }
            commandLiterals.append(0)
            switch rule.command {
            case .path(let p):
                byPath[p, default: []].append(Int32(i))
                commands.append(Span(start: 0, count: 0))
            case .glob(let p):
                globs.append(Int32(i))
                commands.append(add(p))
                commandLiterals[i] = Int32(FNMatch.literalPrefixLength(p))
            case .directory(let p):
                dirs.append(Int32(i))
                commands.append(add(p))
            case .all:
                alls.append(Int32(i))
                commands.append(Span(start: 0, count: 0))
            }
        }
        var listValues: [Int32] = []
        func addList(_ indices: [Int32]) -> Span {
            let span = Span(start: Int32(listValues.count), count: Int32(indices.count))
            listValues += indices.reversed()
            return span
        }
        globList = addList(globs)
        directoryList = addList(dirs)
        allList = addList(alls)
        var size = 16
        while size < byPath.count * 2 { size <<= 1 }
        mask = size - 1
        var hashes = [UInt64](repeating: 0, count: size)
        var paths = [Span](repeating: Span(start: 0, count: -1), count: size)
        var slotLists = [Span](repeating: Span(start: 0, count: 0), count: size)
        for (path, indices) in byPath.sorted(by: { $0.value[0] < $1.value[0] }) {
            let hash = path.withUnsafeBufferPointer { CompiledPolicy.hash($0) }
            var slot = Int(truncatingIfNeeded: hash) & (size - 1)
            while paths[slot].count >= 0 { slot = (slot + 1) & (size - 1) }
            hashes[slot] = hash
            paths[slot] = add(path)
            slotLists[slot] = addList(indices)
        }
        func own<T>(_ values: [T]) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(values.count, 1))
            _ = buffer.initialize(from: values)
            return buffer
        }
        pool = own(bytes)
        argKind = own(kinds)
        argSpan = own(args)
        commandSpan = own(commands)
        negated = own(negations)
        argLiteral = own(argLiterals)
        commandLiteral = own(commandLiterals)
        argSuffix = own(argSuffixes)
        slotHash = own(hashes)
        slotPath = own(paths)
        slotRules = own(slotLists)
        lists = own(listValues)
    }

    deinit {
        for buffer in [
            UnsafeMutableRawPointer(pool.baseAddress), UnsafeMutableRawPointer(argKind.baseAddress),
            UnsafeMutableRawPointer(argSpan.baseAddress), UnsafeMutableRawPointer(commandSpan.baseAddress),
            UnsafeMutableRawPointer(negated.baseAddress), UnsafeMutableRawPointer(slotHash.baseAddress),
            UnsafeMutableRawPointer(slotPath.baseAddress), UnsafeMutableRawPointer(slotRules.baseAddress),
            UnsafeMutableRawPointer(lists.baseAddress), UnsafeMutableRawPointer(argLiteral.baseAddress),
            UnsafeMutableRawPointer(commandLiteral.baseAddress), UnsafeMutableRawPointer(argSuffix.baseAddress),
        ] {
            buffer?.deallocate()
        }
    }

    public var ruleCount: Int { rules.count }

    @inline(__always) private func bytes(_ span: Span) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: pool.baseAddress! + Int(span.start), count: Int(span.count))
    }

    /// The verdict for one exec: `exe` is the executed path, `args` the raw argv
    /// bytes (NUL-separated, argv[0] first), `argc` the true count.
    public func decide(
        exe: UnsafeBufferPointer<UInt8>, args: UnsafeBufferPointer<UInt8>, argc: UInt32,
        argsTruncated: Bool
    ) -> Decision {
        // sudo's user_args: argv[1...] joined by spaces; absent when there is no argv[1].
        var userArgs = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var hasArgs = false
        if argc > 1, let nul = ByteScan.firstNul(args) {
            var end = args.count
            if end > nul + 1 && args[end - 1] == 0 { end -= 1 }
            userArgs = UnsafeBufferPointer(rebasing: args[(nul + 1)..<end])
            hasArgs = true
        }
        let best = withCanonicalPath(exe) { path in
            bestRule(path: path, userArgs: userArgs, hasArgs: hasArgs, argsTruncated: argsTruncated)
        }
        if best < 0 { return .denied(rule: nil) }
        return negated[best] ? .denied(rule: best) : .allowed(rule: best)
    }

    /// The highest-indexed rule matching the canonical path and the arguments, or -1.
    @inline(__always)
    private func bestRule(
        path: UnsafeBufferPointer<UInt8>, userArgs: UnsafeBufferPointer<UInt8>, hasArgs: Bool,
        argsTruncated: Bool
    ) -> Int {
        var best = -1
        let hash = CompiledPolicy.hash(path)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slotPath[slot].count >= 0 {
            if slotHash[slot] == hash && slotPath[slot].count == path.count
                && ByteScan.equal(path, 0, bytes(slotPath[slot]), 0, count: path.count, nulAsSpace: false)
            {
                let list = slotRules[slot]
                for k in Int(list.start)..<Int(list.start + list.count)
                where argumentsMatch(Int(lists[k]), userArgs, hasArgs, argsTruncated) {
                    best = Int(lists[k])
                    break
                }
                break
            }
            slot = (slot + 1) & mask
        }
        if allList.count > 0, Int(lists[Int(allList.start)]) > best { best = Int(lists[Int(allList.start)]) }
        for k in Int(globList.start)..<Int(globList.start + globList.count) {
            let r = Int(lists[k])
            if r <= best { break }
            if globMatches(
                bytes(commandSpan[r]), literal: Int(commandLiteral[r]), suffix: -1, path, pathname: true,
                nulAsSpace: false)
                && argumentsMatch(r, userArgs, hasArgs, argsTruncated)
            {
                best = r
                break
            }
        }
        for k in Int(directoryList.start)..<Int(directoryList.start + directoryList.count) {
            let r = Int(lists[k])
            if r <= best { break }
            let dir = bytes(commandSpan[r])
            if path.count > dir.count, path.prefix(dir.count).elementsEqual(dir), !path[dir.count...].contains(0x2f) {
                best = r
                break
            }
        }
        return best
    }

    @inline(__always)
    private func argumentsMatch(
        _ r: Int, _ userArgs: UnsafeBufferPointer<UInt8>, _ hasArgs: Bool, _ truncated: Bool
    ) -> Bool {
        switch argKind[r] {
        case 0: return true
        case 1: return !hasArgs
        default:
            if truncated { return false }  // what was cut off cannot be checked
            return globMatches(
                bytes(argSpan[r]), literal: Int(argLiteral[r]), suffix: Int(argSuffix[r]), userArgs, pathname: false,
                nulAsSpace: true)
        }
    }

    /// FNMatch (pathname for commands, NUL as space for arguments), after the pattern's
    /// literal prefix, and its literal tail when it has one, are compared in place: most
    /// rules part from most subjects there. The matcher resumes after the prefix, which
    /// holds no wildcard, so it is not read twice.
    @inline(__always)
    private func globMatches(
        _ pattern: UnsafeBufferPointer<UInt8>, literal: Int, suffix: Int, _ subject: UnsafeBufferPointer<UInt8>,
        pathname: Bool, nulAsSpace: Bool
    ) -> Bool {
        if subject.count < literal + max(suffix, 0) { return false }
        if literal == pattern.count && subject.count != literal { return false }
        if !ByteScan.equal(subject, 0, pattern, 0, count: literal, nulAsSpace: nulAsSpace) { return false }
        if literal == pattern.count { return true }
        if suffix > 0,
            !ByteScan.equal(
                subject, subject.count - suffix, pattern, pattern.count - suffix, count: suffix, nulAsSpace: nulAsSpace)
        {
            return false
        }
        return FNMatch.matches(
            pattern: pattern, subject: subject, pathname: pathname, nulAsSpace: nulAsSpace, from: literal)
    }

    /// The verdict for an exec event, on the command line its caller gave (a script's
    /// argv without the interpreter the kernel put in front, as sudo matched it).
    public func decide(_ e: ExecEvent) -> Decision {
        let (offset, skipped) = e.callerArgs
        return e.filename.withUnsafeBufferPointer { exe in
            e.args.withUnsafeBufferPointer { args in
                decide(
                    exe: exe, args: UnsafeBufferPointer(rebasing: args[offset...]), argc: e.argc - UInt32(skipped),
                    argsTruncated: e.flags.contains(.argsTruncated))
            }
        }
    }

    /// Convenience for tests and tools.
    public func decide(exe: String, argv: [String]) -> Decision {
        let path = Array(exe.utf8)
        let args = ExecEvent.joinArgs(argv.isEmpty ? [exe] : argv)
        return path.withUnsafeBufferPointer { p in
            args.withUnsafeBufferPointer { a in
                decide(exe: p, args: a, argc: UInt32(max(argv.count, 1)), argsTruncated: false)
            }
        }
    }

    /// Runs `body` on the path sudo would compare: `.` and `..` resolved lexically,
    /// `//` collapsed (sudo compares by inode, which sees through both) and the
    /// merged-/usr alias applied. Copied to the stack only when something changes.
    @inline(__always)
    private func withCanonicalPath(
        _ exe: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Int
    ) -> Int {
        if !PathCanon.needsNormalizing(exe) && canon.rewrite(exe) == nil { return body(exe) }
        let room = exe.count + 16
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            var n = PathCanon.normalize(exe, into: buffer)
            if let (drop, prefix) = canon.rewrite(UnsafeBufferPointer(rebasing: buffer[..<n])),
                prefix.count - drop + n <= room
            {
                let tail = n - drop
                // Shift the tail right, then write the canonical prefix in front.
                let shift = prefix.count - drop
                if shift > 0 {
                    var i = n - 1
                    while i >= drop {
                        buffer[i + shift] = buffer[i]
                        i -= 1
                    }
                }
                for (i, b) in prefix.enumerated() { buffer[i] = b }
                n = prefix.count + tail
            }
            return body(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// The exact-path index's key.
    @inline(__always)
    static func hash(_ path: UnsafeBufferPointer<UInt8>) -> UInt64 { ByteScan.hash(path) }
}
