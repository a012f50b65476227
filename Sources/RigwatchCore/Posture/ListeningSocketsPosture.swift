// SPDX-License-Identifier: Apache-2.0
/// `check-host`'s listening check: TCP sockets listening on every address
/// (0.0.0.0 or ::), from /proc/net/tcp and tcp6. Services that answer anyone
/// without a password (a Jupyter server, the Docker API, Redis) are rated by what
/// they give away; the rest are listed as info.
public enum ListeningSocketsPosture {
    public struct Listener: Equatable, Sendable {
        /// "tcp" or "tcp6".
        public var proto: String
        public var port: UInt16
        public var inode: UInt64
        public init(proto: String, port: UInt16, inode: UInt64) {
            self.proto = proto
            self.port = port
            self.inode = inode
        }
    }

    /// Ports whose usual service gives a stranger code, data or the host, and how badly.
    public static let riskyPorts: [UInt16: (String, Severity)] = [
        2375: ("Docker API without TLS: root on the host", .critical),
        2376: ("Docker API (TLS): root for any client certificate it trusts", .medium),
        8888: ("Jupyter: runs code for anyone with the token or none", .high),
        6006: ("TensorBoard: reads the logs it serves", .medium),
        6379: ("Redis: no password by default; writes files", .high),
        11211: ("memcached: no authentication", .high),
        27017: ("MongoDB: often without authentication", .high),
        9200: ("Elasticsearch: often without authentication", .high),
        8265: ("Ray dashboard: submits jobs that run code", .high),
        10250: ("kubelet API: runs commands in pods", .high),
        7860: ("Gradio app: runs what it serves", .medium),
        5000: ("development web server (Flask, the Docker registry)", .medium),
    ]

    /// Listening sockets on every address in one /proc/net/tcp or tcp6 text.
    public static func parse(_ text: String, proto: String) -> [Listener] {
        var listeners: [Listener] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            guard f.count >= 10, f[3] == "0A" else { continue }
            let local = f[1].split(separator: ":")
            guard local.count == 2, local[0].allSatisfy({ $0 == "0" }), let port = UInt16(local[1], radix: 16),
                let inode = UInt64(f[9])
            else { continue }
            listeners.append(Listener(proto: proto, port: port, inode: inode))
        }
        return listeners
    }

    /// `owners`: socket inode → "pid 123 (comm)", when the processes could be looked at.
    public static func check(_ listeners: [Listener], owners: [UInt64: String]?) -> [PostureFinding] {
        listeners.map { l in
            var evidence = [
                ("proto", l.proto), ("address", l.proto == "tcp6" ? "[::]:\(l.port)" : "0.0.0.0:\(l.port)"),
            ]
            if let owners { evidence.append(("process", owners[l.inode] ?? "unknown")) }
            if let (what, severity) = riskyPorts[l.port] {
                return PostureFinding(
                    id: "listening-risky-port", severity: severity,
                    title: "port \(l.port) listens on every address", evidence: evidence + [("service", what)],
                    fix: "bind it to 127.0.0.1 (reach it over ssh -L) or firewall the port")
            }
            return PostureFinding(
                id: "listening-all-addresses", severity: .info, title: "port \(l.port) listens on every address",
                evidence: evidence, fix: "bind it to 127.0.0.1 or firewall it unless it is meant to be public")
        }
    }
}
