// SPDX-License-Identifier: Apache-2.0
/// The units a watched lineage wrote (a unit file, a drop-in, an enablement link),
/// from its file-change events and from the write destinations its commands
/// named, so that `systemctl start` of one is known for what it is: code the
/// lineage chose, run by PID 1 as root, outside the lineage. Bounded; the oldest
/// go first.
struct UnitMemory {
    struct Written: Equatable {
        var lineageUid: UInt32
        var path: String
        /// "open_write by /usr/bin/tee (pid 812)", "cp destination in cp x /etc/systemd/system/".
        var how: String
    }

    private var units: [String: Written] = [:]
    private var order: [String] = []
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// The first write is kept: the argv of the command that named the file says more
    /// than the file event of the same write that follows it.
    mutating func record(unit: String, _ written: Written) {
        if let known = units[unit], known.lineageUid == written.lineageUid { return }
        if units[unit] == nil {
            order.append(unit)
            if order.count > capacity { units.removeValue(forKey: order.removeFirst()) }
        }
        units[unit] = written
    }

    /// What the lineage `lineageUid` wrote for `unit` (or for its template).
    func written(_ unit: String, lineageUid: UInt32) -> Written? {
        guard !units.isEmpty else { return nil }  // the usual case: no template name to build
        if let w = units[unit], w.lineageUid == lineageUid { return w }
        if let template = SystemctlUnits.template(of: unit), let w = units[template], w.lineageUid == lineageUid {
            return w
        }
        return nil
    }
}
