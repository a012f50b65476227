// SPDX-License-Identifier: Apache-2.0
/// "Someone changed a file that grants root or persistence": sudoers, cron,
/// systemd units, root's SSH keys, libvirt hooks, ld.so.preload. The kernel sends
/// only changes below the watched paths; this judges them again (defence in
/// depth, and the kernel leaves paths with "." / ".." parts to userspace), drops
/// failed syscalls, container-internal writes and expected maintenance, and
/// raises one alert per change that is left. Paths are handled as bytes, as the
/// kernel gives them: a file name need not be UTF-8.
public final class FileChangeDetector: Detector {
    public let name = "file-change"
    public private(set) var settings: FileWatchSettings
    private var watchedPaths: [[UInt8]]

    /// One path a change touched, and the watched entry it lies under.
    struct Side: Equatable {
        /// As the event gave it.
        var raw: [UInt8]
        var path: [UInt8]
        var watched: [UInt8]
    }

    public init(settings: FileWatchSettings = FileWatchSettings()) {
        self.settings = settings
        self.watchedPaths = Self.entries(settings)
    }

    /// New paths and rules (SIGHUP). The kernel's own list is the caller's to rewrite.
    public func replaceSettings(_ settings: FileWatchSettings) {
        self.settings = settings
        watchedPaths = Self.entries(settings)
    }

    public func apply(_ settings: DetectorSettings) {
        if let files = settings.files { replaceSettings(files) }
    }

    private static func entries(_ settings: FileWatchSettings) -> [[UInt8]] {
        WatchedPath.normalisedList(settings.watchedPaths).map { Array($0.utf8) }
    }

    public var observes: EventKinds { [.fileChange] }

    public func observe(_ event: Event, context: DetectionContext) -> [Alert] {
        guard case .fileChange(let e) = event, e.succeeded else { return [] }
        let sides = watchedSides(e)
        guard !sides.isEmpty else { return [] }
        let actor = EventActor(e.header, context: context)
        if let host = settings.hostMountNamespace, e.mountNamespace != 0, e.mountNamespace != host,
            !actor.inWatchedLineage
        {
            return []  // a container writing its own root filesystem
        }
        let ancestors = settings.maintenance.contains { $0.below != nil } ? Self.ancestors(e.header, context) : []
        let uncovered = sides.filter { side in
            !settings.maintenance.contains {
                $0.covers(
                    path: side.path, program: actor.programBytes, inWatchedLineage: actor.inWatchedLineage,
                    ancestors: ancestors)
            }
        }
        guard !uncovered.isEmpty else { return [] }
        return [
            FileChangeAlert.make(
                e, sides: sides, uncovered: uncovered, actor: actor, settings: settings,
                rule: name, context: context)
        ]
    }

    /// The programs of the writer's ancestors whose exec was seen, nearest first.
    static func ancestors(_ h: EventHeader, _ context: DetectionContext) -> [[UInt8]] {
        context.processes.chain(of: h.tgid).dropFirst().compactMap { $0.execSeen ? $0.filename : nil }
    }

    /// The paths of the change that lie under a watched entry, normalised. For a rename
    /// or a link both names count: a file moved or linked into a watched directory,
    /// or a watched file moved or linked away.
    func watchedSides(_ e: FileChangeEvent) -> [Side] {
        var raws = [e.pathBytes]
        if e.operation == .rename || e.operation == .link { raws.append(e.path2Bytes) }
        return raws.compactMap { raw in
            guard !raw.isEmpty else { return nil }
            let path = WatchedPath.normalise(raw)
            guard path.first == 0x2f, let watched = WatchedPath.match(path, in: watchedPaths) else { return nil }
            return Side(raw: raw, path: path, watched: watched)
        }
    }
}
