/// A whitelist compiled for the hot path: exact command paths in a hash index,
/// globs, directories and ALL in short lists. `decide` reads the exec's bytes in
/// place and allocates nothing. As in sudo, when several rules match, the last
/// one in the file wins, so a later `!cmd` can take back an earlier allow.
public final class CompiledPolicy: @unchecked Sendable {
    public enum Decision: Equatable, Sendable {
        /// Allowed by the rule at this index.
        case allowed(rule: Int)
        /// Denied by the negated rule at this index, or by no rule (nil).
        case denied(rule: Int?)

        public var isAllowed: Bool { if case .allowed = self { return true }; return false }
    }

    public let name: String
    public let rules: [CommandSpec]
    public let canon: PathCanon

    // Exact paths: open addressing over `slotHash`/`slotPath`; each path's rules
    // are `exactRules[slotStart ..< slotStart + slotCount]`, highest index first.
    private var slotHash: [UInt64]
    private var slotPath: [Int32]          // index into exactPaths, -1 = empty
    private var slotStart: [Int32]
    private var slotCount: [Int32]
    private var exactPaths: [[UInt8]] = []
    private var exactRules: [Int32] = []
    private let mask: Int
    // Highest index first, so the first match in each list is that list's best.
    private let globRules: [Int32]
    private let directoryRules: [Int32]
    private let allRules: [Int32]

    public init(name: String, rules: [CommandSpec], canon: PathCanon) {
        self.name = name
        self.rules = rules
        self.canon = canon
        var byPath: [[UInt8]: [Int32]] = [:]
        var globs: [Int32] = [], dirs: [Int32] = [], alls: [Int32] = []
        for (i, rule) in rules.enumerated() {
            switch rule.command {
            case .path(let p): byPath[p, default: []].append(Int32(i))
            case .glob: globs.append(Int32(i))
            case .directory: dirs.append(Int32(i))
            case .all: alls.append(Int32(i))
            }
        }
        globRules = globs.reversed()
        directoryRules = dirs.reversed()
        allRules = alls.reversed()
        var size = 16
        while size < byPath.count * 2 { size <<= 1 }
        mask = size - 1
        slotHash = [UInt64](repeating: 0, count: size)
        slotPath = [Int32](repeating: -1, count: size)
        slotStart = [Int32](repeating: 0, count: size)
        slotCount = [Int32](repeating: 0, count: size)
        for (path, indices) in byPath.sorted(by: { $0.value[0] < $1.value[0] }) {
            let hash = path.withUnsafeBufferPointer { CompiledPolicy.hash($0) }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slotPath[slot] >= 0 { slot = (slot + 1) & mask }
            slotHash[slot] = hash
            slotPath[slot] = Int32(exactPaths.count)
            slotStart[slot] = Int32(exactRules.count)
            slotCount[slot] = Int32(indices.count)
            exactPaths.append(path)
            exactRules.append(contentsOf: indices.reversed())
        }
    }

    public var ruleCount: Int { rules.count }

    /// The verdict for one exec: `exe` is the executed path, `args` the raw argv
    /// bytes (NUL-separated, argv[0] first), `argc` the true count.
    public func decide(exe: UnsafeBufferPointer<UInt8>, args: UnsafeBufferPointer<UInt8>, argc: UInt32,
                       argsTruncated: Bool) -> Decision {
        // sudo's user_args: argv[1...] joined by spaces; absent when there is no argv[1].
        var userArgs = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        var hasArgs = false
        if argc > 1, let nul = args.firstIndex(of: 0) {
            var end = args.count
            if end > nul + 1 && args[end - 1] == 0 { end -= 1 }
            userArgs = UnsafeBufferPointer(rebasing: args[(nul + 1)..<end])
            hasArgs = true
        }
        var best = -1
        withCanonicalPath(exe) { path in
            // Exact paths.
            let hash = CompiledPolicy.hash(path)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slotPath[slot] >= 0 {
                if slotHash[slot] == hash && exactPaths[Int(slotPath[slot])].elementsEqual(path) {
                    let start = Int(slotStart[slot])
                    for k in start..<(start + Int(slotCount[slot])) {
                        let r = Int(exactRules[k])
                        if argumentsMatch(rules[r].arguments, userArgs, hasArgs, argsTruncated) { best = r; break }
                    }
                    break
                }
                slot = (slot + 1) & mask
            }
            if let r32 = allRules.first, Int(r32) > best { best = Int(r32) } // ALL takes any arguments
            for r32 in globRules where Int(r32) > best {
                let r = Int(r32)
                guard case .glob(let pattern) = rules[r].command else { continue }
                let pathMatches = pattern.withUnsafeBufferPointer { FNMatch.matches(pattern: $0, subject: path, pathname: true) }
                if pathMatches && argumentsMatch(rules[r].arguments, userArgs, hasArgs, argsTruncated) { best = r; break }
            }
            for r32 in directoryRules where Int(r32) > best {
                guard case .directory(let dir) = rules[Int(r32)].command else { continue }
                if path.count > dir.count, path.prefix(dir.count).elementsEqual(dir), !path[dir.count...].contains(0x2f) {
                    best = Int(r32)
                    break
                }
            }
        }
        if best < 0 { return .denied(rule: nil) }
        return rules[best].negated ? .denied(rule: best) : .allowed(rule: best)
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

    @inline(__always)
    private func argumentsMatch(_ arguments: CommandSpec.Arguments, _ userArgs: UnsafeBufferPointer<UInt8>,
                                _ hasArgs: Bool, _ truncated: Bool) -> Bool {
        switch arguments {
        case .any: return true
        case .none: return !hasArgs
        case .pattern(let pattern):
            if truncated { return false } // what was cut off cannot be checked
            return pattern.withUnsafeBufferPointer {
                FNMatch.matches(pattern: $0, subject: userArgs, pathname: false, nulAsSpace: true)
            }
        }
    }

    /// Runs `body` on the path sudo would compare: `.` and `..` resolved lexically,
    /// `//` collapsed (sudo compares by inode, which sees through both) and the
    /// merged-/usr alias applied. Built on the stack: no heap allocation.
    @inline(__always)
    private func withCanonicalPath(_ exe: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let room = exe.count + 16
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            var n = PathCanon.normalize(exe, into: buffer)
            if let (drop, prefix) = canon.rewrite(UnsafeBufferPointer(rebasing: buffer[..<n])), prefix.count - drop + n <= room {
                let tail = n - drop
                // Shift the tail right, then write the canonical prefix in front.
                let shift = prefix.count - drop
                if shift > 0 {
                    var i = n - 1
                    while i >= drop { buffer[i + shift] = buffer[i]; i -= 1 }
                }
                for (i, b) in prefix.enumerated() { buffer[i] = b }
                n = prefix.count + tail
            }
            body(UnsafeBufferPointer(rebasing: buffer[..<n]))
        }
    }

    /// FNV-1a.
    @inline(__always)
    static func hash(_ path: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in path { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
