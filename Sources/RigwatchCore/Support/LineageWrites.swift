// SPDX-License-Identifier: Apache-2.0
/// A small memory of the files a watched lineage wrote: the write destinations its
/// privileged commands named (`cp x /usr/local/bin/y`) and the file-change events
/// it caused. A file the watched user put in place, even in a root-owned
/// directory, is as untrusted as one in /tmp: `sudo cp -f CONF
/// /usr/local/bin/vastai-run-update` followed by `sudo logrotate --force
/// /usr/local/bin/vastai-run-update` is root code execution from two allowed
/// commands. Bounded: the oldest entries go first.
public struct LineageWrites: Sendable {
    struct Key: Hashable, Sendable {
        var lineageUid: UInt32
        var path: String
    }

    /// How each remembered path was written; a directory entry covers its direct children.
    private var entries: [Key: (how: String, directory: Bool)] = [:]
    private var order: [Key] = []
    private var head = 0
    public let capacity: Int

    public init(capacity: Int = 512) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count }

    /// Remembers `path` (absolute, normalised) as written by `lineageUid`'s lineage.
    /// `directory`: the command wrote into it (`cp -t DIR`), so its children count.
    public mutating func record(_ path: String, lineageUid: UInt32, how: String, directory: Bool = false) {
        guard path.hasPrefix("/") else { return }
        let key = Key(lineageUid: lineageUid, path: path)
        if entries[key] == nil {
            if order.count < capacity {
                order.append(key)
            } else {
                entries.removeValue(forKey: order[head])
                order[head] = key
                head = (head + 1) % capacity
            }
        }
        entries[key] = (how, directory || (entries[key]?.directory ?? false))
    }

    /// How `path` (absolute, normalised) was written by the lineage, if it was: the
    /// path itself, or a directory the lineage wrote into that holds it.
    public func how(_ path: String, lineageUid: UInt32) -> String? {
        if let hit = entries[Key(lineageUid: lineageUid, path: path)] { return hit.how }
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        let parent = String(path[..<slash])
        if let hit = entries[Key(lineageUid: lineageUid, path: parent)], hit.directory { return hit.how }
        return nil
    }
}
