// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// Reads the first_payload and unix_connect kinds back from the fields `EventFormat`
/// writes for them (`WireEventFormat.swift`). Whatever is read here fits the binary
/// record unchanged: payloads and paths too long, or paths holding a NUL, are errors.
extension JSONFields {
    func firstPayload() throws(TraceError) -> FirstPayloadEvent {
        let header = try eventHeader()
        let family = try addressFamily()
        let data = try hex("data_hex")
        guard data.count <= KernelABI.payloadPrefix else {
            throw bad("data_hex", "holds \(data.count) bytes; the record keeps at most \(KernelABI.payloadPrefix)")
        }
        return FirstPayloadEvent(
            header: header, proto: try transport(), source: try address("saddr", family: family),
            sourcePort: try u16("sport"), destination: try address("daddr", family: family),
            destinationPort: try u16("dport"), data: data, sendLength: try u32("send_len"),
            fault: fields["fault"] != nil ? try bool("fault") : false)
    }

    func unixConnect() throws(TraceError) -> UnixConnectEvent {
        UnixConnectEvent(
            header: try eventHeader(), result: try i32("result"), pathBytes: try unixPath("path"),
            peerBytes: try unixPath("peer"))
    }

    /// `name`, or `name_hex` when present (a path that is not UTF-8), as the record keeps it.
    private func unixPath(_ name: String) throws(TraceError) -> [UInt8] {
        let hexName = name + "_hex"
        let field = fields[hexName] != nil ? hexName : name
        let bytes = field == hexName ? try hex(hexName) : Array(try string(name).utf8)
        guard !bytes.contains(0) else { throw bad(field, "contains a NUL byte") }
        guard bytes.count < KernelABI.unixPathCapacity else {
            throw bad(field, "is \(bytes.count) bytes; the record keeps at most \(KernelABI.unixPathCapacity - 1)")
        }
        return bytes
    }
}
