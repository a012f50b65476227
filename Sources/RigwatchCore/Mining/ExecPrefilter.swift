// SPDX-License-Identifier: Apache-2.0
/// A byte-level first look at an exec, before `ExecSignatureMatcher` builds
/// Strings: every exec on the host passes here, and almost none is a miner.
/// Conservative, check by check: it names each matcher check that could match (a
/// name, "stratum", a dotted word ending like a pool domain, miner options of two
/// kinds) and leaves out only those that certainly find nothing, so the matcher
/// runs the string work of those alone (the daemon's `journalctl -o … -u …` is
/// options only: no host tokens are built for it).
struct ExecPrefilter {
    /// FNV-1a of the lower-case miner names and of their 15-byte comm forms
    /// (a collision only sends an exec on to the full matcher).
    private let names: SortedHashes
    /// Hashing lower-cases ASCII only; with a non-ASCII name configured, every name is a maybe.
    private let namesAreASCII: Bool
    /// FNV-1a of each pool domain's last two labels ("minexmr.com").
    private let domainSuffixes: SortedHashes
    /// The options `MinerFlags` looks at, as bytes, by kind (algorithm, pool, user).
    private let options: [[[UInt8]]]

    init(signatures: MiningSignatures) {
        var names: [UInt64] = []
        for name in signatures.minerNames {
            let bytes = Array(name.lowercased().utf8)
            names.append(ExecPrefilter.hash(bytes[...]))
            names.append(ExecPrefilter.hash(bytes.prefix(Comm.capacity)))
        }
        self.names = SortedHashes(names)
        namesAreASCII = signatures.minerNames.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
        domainSuffixes = SortedHashes(
            signatures.poolDomains.map { domain in
                let labels = domain.lowercased().split(separator: ".")
                return ExecPrefilter.hash(Array(labels.suffix(2).joined(separator: ".").utf8)[...])
            })
        options = [MinerFlags.algorithmOptions, MinerFlags.poolOptions, MinerFlags.userOptions].map {
            $0.map { Array($0.utf8) }
        }
    }

    /// The matcher checks that may match this exec; empty: none can.
    func checks(_ e: ExecEvent) -> ExecSignatureChecks {
        var checks: ExecSignatureChecks = []
        let argv0 = e.args.prefix { $0 != 0 }
        if isName(lastPathComponent(e.filename[...])) || isName(lastPathComponent(argv0)) || isName(e.header.comm) {
            checks.insert(.minerName)
        }
        e.args.withUnsafeBufferPointer { args in
            if Self.containsStratum(args) { checks.insert(.stratumURL) }
            if containsDomainSuffix(args) { checks.insert(.poolDomain) }
            if containsOption(args) { checks.insert(.minerFlags) }
        }
        return checks
    }

    private func isName(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty else { return false }
        // Unicode lower-casing can turn non-ASCII into ASCII (the Kelvin sign is 'k'): maybe.
        if !namesAreASCII || bytes.contains(where: { $0 >= 0x80 }) { return true }
        return names.contains(Self.hash(bytes))
    }

    /// The comm's bytes up to its NUL, read from the inline value.
    private func isName(_ comm: Comm) -> Bool {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var n = 0
        // Two words, not an array of them: no allocation per exec.
        for word in 0..<2 {
            let word = word == 0 ? comm.low : comm.high
            for shift in stride(from: 0, to: 64, by: 8) {
                let b = UInt8(truncatingIfNeeded: word >> UInt64(shift))
                if b == 0 { return n > 0 && names.contains(h) }
                if b >= 0x80 || !namesAreASCII { return true }
                h = (h ^ UInt64(Self.lower(b))) &* 0x100_0000_01b3
                n += 1
            }
        }
        return names.contains(h)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5a ? b | 0x20 : b }

    private static let stratum: [UInt8] = Array("stratum".utf8)

    static func containsStratum(_ args: UnsafeBufferPointer<UInt8>) -> Bool {
        stratum.withUnsafeBufferPointer { word in
            guard args.count >= word.count else { return false }
            var i = 0
            while i + word.count <= args.count {
                guard lower(args[i]) == word[0] else {  // most bytes: one compare
                    i += 1
                    continue
                }
                var k = 1
                while k < word.count && lower(args[i + k]) == word[k] { k += 1 }
                if k == word.count { return true }
                i += 1
            }
            return false
        }
    }

    /// Dotted words ([A-Za-z0-9.-]) whose last two labels are a pool domain's.
    private func containsDomainSuffix(_ args: UnsafeBufferPointer<UInt8>) -> Bool {
        Self.hostBytes.withUnsafeBufferPointer { host in containsDomainSuffix(args, host: host) }
    }

    /// `isHostByte` of every byte value, looked up per argument byte rather than compared five ways.
    private static let hostBytes: [Bool] = (0...255).map { isHostByte(UInt8($0)) }

    private func containsDomainSuffix(_ args: UnsafeBufferPointer<UInt8>, host: UnsafeBufferPointer<Bool>) -> Bool {
        var i = 0
        while i < args.count {
            while i < args.count && !host[Int(args[i])] { i += 1 }
            let start = i
            while i < args.count && host[Int(args[i])] { i += 1 }
            var end = i
            while end > start && args[end - 1] == 0x2e { end -= 1 }  // "host." is "host"
            // The start of the last two labels: after the second dot from the end.
            var dots = 0
            var cut = start
            var j = end
            while j > start {
                j -= 1
                if args[j] == 0x2e {
                    dots += 1
                    if dots == 2 {
                        cut = j + 1
                        break
                    }
                }
            }
            if dots >= 1 {
                var h: UInt64 = 0xcbf2_9ce4_8422_2325
                for k in cut..<end { h = (h ^ UInt64(Self.lower(args[k]))) &* 0x100_0000_01b3 }
                if domainSuffixes.contains(h) { return true }
            }
        }
        return false
    }

    /// Options of at least two kinds: `MinerFlags` needs two of algorithm, pool, user.
    private func containsOption(_ args: UnsafeBufferPointer<UInt8>) -> Bool {
        var kinds = 0  // bit per kind seen
        var start = 0
        while start < args.count {
            var end = start
            while end < args.count && args[end] != 0 { end += 1 }
            if args[start] == 0x2d {  // '-'
                var optionEnd = start
                while optionEnd < end && args[optionEnd] != 0x3d { optionEnd += 1 }  // up to '='
                let option = UnsafeBufferPointer(rebasing: args[start..<optionEnd])
                for (kind, list) in options.enumerated()
                where list.contains(where: { $0.count == option.count && $0.elementsEqual(option) }) {
                    kinds |= 1 << kind
                }
                if kinds.nonzeroBitCount >= 2 { return true }
            }
            start = end + 1
        }
        return false
    }

    @inline(__always) static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x2e || b == 0x2d
    }

    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(lower(b))) &* 0x100_0000_01b3 }
        return h
    }
}
