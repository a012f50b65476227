// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI

/// The first bytes a process sent on a new outbound TCP connection
/// (`struct rw_first_payload`): once per connection, so protocol matchers (stratum)
/// can judge what a connection is for whatever its port. The header is the sender.
public struct FirstPayloadEvent: Equatable, Sendable {
    public var header: EventHeader
    public var proto: NetProtocol
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16
    /// At most `KernelABI.payloadPrefix` bytes, the start of that first send.
    public var data: [UInt8]
    /// Bytes that send offered (its first buffer), of which `data` is the start.
    public var sendLength: UInt32
    /// The sender's buffer could not be read (`RW_PAYLOAD_FAULT`): `data` is empty.
    public var fault: Bool

    public init(
        header: EventHeader, proto: NetProtocol = .tcp, source: IPAddress, sourcePort: UInt16,
        destination: IPAddress, destinationPort: UInt16, data: [UInt8], sendLength: UInt32, fault: Bool = false
    ) {
        self.header = header
        self.proto = proto
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
        self.data = data
        self.sendLength = sendLength
        self.fault = fault
    }
}

/// A watched lineage's connect(2) of a unix stream socket to a path
/// (`struct rw_unix_connect`). The header is the caller.
public struct UnixConnectEvent: Equatable, Sendable {
    public var header: EventHeader
    /// connect's return value: 0 done, else -errno.
    public var result: Int32
    /// `sun_path` as the caller gave it (relative paths stay relative).
    public var pathBytes: [UInt8]
    /// The name the listener bound, read from the connected socket; empty when the
    /// connect failed or the listener has no path name.
    public var peerBytes: [UInt8]

    public init(header: EventHeader, result: Int32, pathBytes: [UInt8], peerBytes: [UInt8] = []) {
        self.header = header
        self.result = result
        self.pathBytes = pathBytes
        self.peerBytes = peerBytes
    }

    public init(header: EventHeader, result: Int32, path: String, peer: String = "") {
        self.init(header: header, result: result, pathBytes: Array(path.utf8), peerBytes: Array(peer.utf8))
    }

    public var path: String { String(decoding: pathBytes, as: UTF8.self) }
    public var peer: String { String(decoding: peerBytes, as: UTF8.self) }
}
