// SPDX-License-Identifier: Apache-2.0
/// argv from EXECVE records: `argc=N a0="…" a1=HEX …`, long arguments as
/// `aN_len=L aN[0]=… aN[1]=…`, possibly over several EXECVE records.
enum AuditArgv {
    struct Result {
        var argc: UInt32
        /// NUL-terminated arguments, as the kernel lays argv out.
        var args: [UInt8]
        /// An argument was missing or shorter than its announced length.
        var fault: Bool
    }

    static func assemble(_ records: [AuditRecord], serial: UInt64) throws -> Result {
        var argc: UInt64?
        var whole: [Int: [UInt8]] = [:]
        var chunks: [Int: [(Int, [UInt8])]] = [:]
        var hexChunks: Set<Int> = []
        var lengths: [Int: Int] = [:]
        for record in records {
            for f in record.fields {
                let key = String(decoding: f.key, as: UTF8.self)
                if key == "argc" {
                    guard let n = AuditValue.decimal(f.value) else {
                        throw AuditParseError("serial \(serial): argc is not a number")
                    }
                    argc = n
                    continue
                }
                guard key.hasPrefix("a") else { continue }
                let rest = key.dropFirst()
                if let n = Int(rest) {
                    whole[n] = try AuditValue.untrusted(f, serial: serial) ?? []
                } else if rest.hasSuffix("_len"), let n = Int(rest.dropLast(4)), let len = AuditValue.decimal(f.value) {
                    lengths[n] = Int(len)
                } else if let open = rest.firstIndex(of: "["), rest.hasSuffix("]"),
                    let n = Int(rest[..<open]),
                    let j = Int(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)])
                {
                    chunks[n, default: []].append((j, try AuditValue.untrusted(f, serial: serial) ?? []))
                    if !f.quoted { hexChunks.insert(n) }
                }
            }
        }
        guard let argc else { return Result(argc: 0, args: [], fault: true) }
        var args: [UInt8] = []
        var fault = false
        for i in 0..<Int(min(argc, 1 << 20)) {
            if let arg = whole[i] {
                args += arg
            } else if let parts = chunks[i] {
                var arg: [UInt8] = []
                for (_, part) in parts.sorted(by: { $0.0 < $1.0 }) { arg += part }
                // aN_len counts the characters logged: two per byte when hex-encoded.
                if let len = lengths[i], len != (hexChunks.contains(i) ? arg.count * 2 : arg.count) { fault = true }
                args += arg
            } else {
                fault = true
                break
            }
            args.append(0)
        }
        return Result(argc: UInt32(truncatingIfNeeded: argc), args: args, fault: fault)
    }
}
