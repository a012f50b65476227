// SPDX-License-Identifier: Apache-2.0
/// JSON fields and text lines of the first_payload and unix_connect kinds, for
/// `EventFormat`. The trace reader (`TraceJSONWire.swift`) reads these fields back.
extension EventFormat {
    /// After the process header (the sender). The bytes go as hex (exact, replayable)
    /// and as `data_text`, their printable rendering, for whoever reads the line.
    static func firstPayloadFields(_ e: FirstPayloadEvent, into w: inout JSONWriter) {
        w.field("family", e.destination.family.name)
        w.field("protocol", e.proto.name)
        w.field("saddr", e.source.description)
        w.field("sport", e.sourcePort)
        w.field("daddr", e.destination.description)
        w.field("dport", e.destinationPort)
        w.field("send_len", e.sendLength)
        w.field("data_hex", hexString(e.data))
        w.field("data_text", printable(e.data))
        // Only when set, like tamper's `denied`.
        if e.fault { w.field("fault", true) }
    }

    /// After the process header (the caller). Paths that are not UTF-8 also go as hex.
    static func unixConnectFields(_ e: UnixConnectEvent, into w: inout JSONWriter) {
        w.field("path", e.path)
        if !isValidUTF8(e.pathBytes) { w.field("path_hex", hexString(e.pathBytes)) }
        w.field("peer", e.peer)
        if !isValidUTF8(e.peerBytes) { w.field("peer_hex", hexString(e.peerBytes)) }
        w.field("result", e.result)
    }

    /// "tcp 10.0.0.1:40000 -> 10.0.0.2:3333 send_len=120 data=…", after the process prefix.
    static func firstPayloadText(_ e: FirstPayloadEvent) -> String {
        "\(e.proto.name) \(e.source.withPort(e.sourcePort)) -> \(e.destination.withPort(e.destinationPort)) "
            + "send_len=\(e.sendLength) data=\(shellQuote(printable(e.data)))" + (e.fault ? " fault" : "")
    }

    /// "/run/docker.sock peer=/var/run/docker.sock result=0", after the process prefix.
    static func unixConnectText(_ e: UnixConnectEvent) -> String {
        "\(shellQuote(e.path))" + (e.peerBytes.isEmpty ? "" : " peer=\(shellQuote(e.peer))") + " result=\(e.result)"
    }

    /// Printable ASCII as it is, every other byte as `\xNN` (a backslash as `\\`).
    public static func printable(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            if b == UInt8(ascii: "\\") {
                out += "\\\\"
            } else if b >= 0x20 && b < 0x7f {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let digits = String(b, radix: 16)
                out += "\\x" + (digits.count == 1 ? "0" : "") + digits
            }
        }
        return out
    }
}
