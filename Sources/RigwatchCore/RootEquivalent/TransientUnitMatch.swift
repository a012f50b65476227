// SPDX-License-Identifier: Apache-2.0
/// Finds the process a transient unit starts, where that can be done from the event
/// stream alone: `systemd-run` names the command, and PID 1 execs exactly that
/// command in a new child shortly after. The first such exec outside the watched
/// lineages, a child of PID 1, with the same arguments (the program matched by
/// basename: systemd resolves it through PATH) within `window` ns is taken to be
/// the unit's; its cgroup id is then the unit's cgroup. Units started with
/// `systemctl` cannot be matched this way: what they run is in a unit file whose
/// contents the sensor never sees.
struct TransientUnitMatch {
    struct Pending: Equatable {
        var unit: String
        var command: [String]
        var lineageUid: UInt32
        /// The systemd-run command line and pid, for the alert.
        var startedBy: String
        var deadlineNs: UInt64
    }

    private(set) var pending: [Pending] = []
    let window: UInt64
    let capacity = 64

    init(windowNs: UInt64 = 10_000_000_000) { window = windowNs }

    mutating func expect(unit: String, command: [String], lineageUid: UInt32, startedBy: String, at ns: UInt64) {
        guard !command.isEmpty else { return }
        if pending.count == capacity { pending.removeFirst() }
        pending.append(
            Pending(unit: unit, command: command, lineageUid: lineageUid, startedBy: startedBy, deadlineNs: ns + window)
        )
    }

    /// The pending unit this exec starts, removed from the list; expired entries go too.
    mutating func match(_ e: ExecEvent, watched: Bool) -> Pending? {
        guard !pending.isEmpty else { return nil }
        let now = e.header.timestampNs
        pending.removeAll { $0.deadlineNs < now }
        guard !watched, e.header.ppid == 1 else { return nil }
        let argv = e.argv
        guard let i = pending.firstIndex(where: { Self.same(argv, filename: e.path, as: $0.command) }) else {
            return nil
        }
        return pending.remove(at: i)
    }

    static func same(_ argv: [String], filename: String, as command: [String]) -> Bool {
        guard argv.count == command.count, argv.dropFirst().elementsEqual(command.dropFirst()),
            let first = command.first
        else { return false }
        return lastPathComponent(filename) == lastPathComponent(first)
    }
}
