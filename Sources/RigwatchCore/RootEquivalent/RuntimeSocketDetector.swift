// SPDX-License-Identifier: Apache-2.0
/// Which unix sockets are a container runtime's API: reaching one is root, since
/// the runtime starts whatever container it is asked for (`-v /:/host`,
/// `--privileged`), whoever asks.
public struct RuntimeSocketSettings: Equatable, Sendable {
    /// fnmatch(3) globs with FNM_PATHNAME on the socket's normalised path.
    public var paths: [String]

    /// Docker, containerd (also k3s's), podman (system and rootless), CRI-O, LXD
    /// (snap and deb); /run and /var/run both, since /var/run is a symlink the kernel
    /// resolves after the sensor read the caller's string.
    public static let defaultPaths = [
        "/run/docker.sock", "/var/run/docker.sock",
        "/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
        "/run/podman/podman.sock", "/var/run/podman/podman.sock", "/run/user/*/podman/podman.sock",
        "/run/crio/crio.sock", "/var/run/crio/crio.sock",
        "/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket",
        "/run/k3s/containerd/containerd.sock",
    ]

    public init(paths: [String] = RuntimeSocketSettings.defaultPaths) {
        self.paths = paths
    }

    /// The first glob that matches `path` (normalised lexically first), or nil.
    public func match(_ path: [UInt8]) -> String? {
        guard path.first == UInt8(ascii: "/") else { return nil }  // relative: only the peer's name can tell
        let normalised = WatchedPath.normalise(path)
        return paths.first { glob in
            Array(glob.utf8).withUnsafeBufferPointer { pattern in
                normalised.withUnsafeBufferPointer { FNMatch.matches(pattern: pattern, subject: $0, pathname: true) }
            }
        }
    }
}

/// `root-equivalent-runtime-socket` (high): a process of a watched lineage connected
/// a unix stream socket to a container runtime's API socket. The kernel reports only
/// the watched lineages' connects (`bpf/unix_connect.bpf.c`), with the path the caller
/// gave and the name the listener bound; either matching the list counts, so a
/// relative path, a symlink or a bind mount of the socket elsewhere still names it.
/// Failed connects (no runtime, no permission) reach nothing and raise nothing.
/// One alert per process and socket: a client connects many times per command.
public final class RuntimeSocketDetector: Detector {
    public let name = "root-equivalent-runtime-socket"
    public private(set) var settings: RuntimeSocketSettings
    /// (tgid, socket) pairs already raised, while the process lives (bounded).
    private var raised: Set<String> = []
    static let maxRaised = 4096

    public init(settings: RuntimeSocketSettings = RuntimeSocketSettings()) {
        self.settings = settings
    }

    public func apply(_ settings: DetectorSettings) {
        if let sockets = settings.runtimeSockets { self.settings = sockets }
    }

    public var observes: EventKinds { [.unixConnect, .exit] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        switch event {
        case .unixConnect(let e): return connected(e, context: context).map { [$0] } ?? []
        case .exit(let e):
            if !raised.isEmpty { raised = raised.filter { !$0.hasPrefix("\(e.header.tgid)|") } }
            return []
        default: return []
        }
    }

    private func connected(_ e: UnixConnectEvent, context: DetectionContext) -> Alert? {
        let actor = EventActor(e.header, context: context)
        guard e.result == 0, actor.inWatchedLineage else { return nil }
        let viaPath = settings.match(e.pathBytes)
        let viaPeer = settings.match(e.peerBytes)
        guard let pattern = viaPath ?? viaPeer else { return nil }
        let socket = String(decoding: WatchedPath.normalise(viaPath != nil ? e.pathBytes : e.peerBytes), as: UTF8.self)
        let key = "\(e.header.tgid)|\(socket)"
        guard !raised.contains(key) else { return nil }
        if raised.count >= Self.maxRaised { raised.removeAll() }
        raised.insert(key)

        let h = e.header
        var evidence: [(String, String)] = [
            ("socket", socket),
            ("path", e.path),
            ("peer", e.peerBytes.isEmpty ? "(none)" : e.peer),
            ("pattern", pattern),
            ("program", actor.programText),
            ("pid", String(h.tgid)),
            ("user", actor.userText),
            ("lineage", actor.lineageText),
            ("cgroup_id", String(h.cgroupId)),
        ]
        if viaPath == nil {
            evidence.append(("note", "the path given is not on the list; the listener it reached bound \(socket)"))
        }
        evidence.append(
            (
                "why",
                "a container runtime's API socket is root: whoever reaches it can run a privileged container with the host's / mounted"
            ))
        return Alert(
            rule: name, severity: .high,
            title: "Container runtime socket \(socket) connected by \(actor.briefText) \(actor.lineageClause)",
            eventTimeNs: h.timestampNs, chain: actor.chain(context), evidence: evidence,
            dedupKey: "\(name)|\(h.lineageUid)|\(actor.shortProgram)|\(socket)")
    }
}
