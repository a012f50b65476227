// SPDX-License-Identifier: Apache-2.0

/// The spool's `state` file: the acknowledgement watermark and the loss counter,
/// "acked=<seq> dropped=<n> crc=<hex>\n". It is replaced whole (write, fsync,
/// rename), so a crash leaves the old or the new; the CRC catches damage at rest.
/// A file without `crc=` (written before it existed) is still read. Pure.
struct SpoolState: Equatable {
    /// Every delivered record up to this sequence was acknowledged.
    var acked: UInt64 = 0
    /// Alerts refused because the spool was full, not yet reported.
    var dropped: UInt64 = 0

    /// Counts beyond this are damage (no spool refuses 2^62 alerts).
    static let maxCount: UInt64 = 1 << 62

    var text: String {
        let body = "acked=\(acked) dropped=\(dropped)"
        return body + " crc=" + Self.hex(CRC32.checksum(Array(body.utf8))) + "\n"
    }

    /// The state a file's text holds, and what was wrong with it. Anything out of
    /// range or unreadable falls back to 0: for `acked` that means every record
    /// still in queue.log is delivered again (duplicates, never losses).
    static func parse(_ text: String) -> (SpoolState, problems: [String]) {
        var state = SpoolState()
        var problems: [String] = []
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        var fields: [String: Substring] = [:]
        for field in line.split(separator: " ") {
            guard let eq = field.firstIndex(of: "=") else {
                problems.append("unreadable field \"\(quoted(field))\"")
                continue
            }
            fields[String(field[..<eq])] = field[field.index(after: eq)...]
        }
        if let crc = fields["crc"] {
            let body = line.range(of: " crc=").map { String(line[..<$0.lowerBound]) } ?? line
            guard crc == Substring(hex(CRC32.checksum(Array(body.utf8)))) else {
                return (
                    SpoolState(),
                    [
                        "checksum mismatch in \"\(quoted(Substring(line)))\"; every record still in queue.log is delivered again"
                    ]
                )
            }
        }
        for name in ["acked", "dropped"] {
            guard let raw = fields[name] else {
                if !line.isEmpty { problems.append("no \(name)=") }
                continue
            }
            guard let value = UInt64(raw), value < maxCount else {
                problems.append(
                    "\(name)=\(quoted(raw)) is out of range"
                        + (name == "acked" ? "; every record still in queue.log is delivered again" : "; counted as 0"))
                continue
            }
            if name == "acked" { state.acked = value } else { state.dropped = value }
        }
        return (state, problems)
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    /// Text from the file as printed in a report: at most 40 printable ASCII characters.
    private static func quoted(_ s: Substring) -> String {
        let printable = s.unicodeScalars.prefix(40).map {
            $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?"
        }
        return String(printable) + (s.unicodeScalars.count > 40 ? "…" : "")
    }
}
