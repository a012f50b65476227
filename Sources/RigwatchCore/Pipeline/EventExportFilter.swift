// SPDX-License-Identifier: Apache-2.0

/// Which events the event export writes (`export.kinds`, `export.watched_only`). Pure, so
/// live and replay export the same lines.
public struct EventExportFilter: Equatable, Sendable {
    /// The kinds written; nil: every kind.
    public var kinds: Set<String>?
    /// The watched users whose lineage's events are written; nil: everyone's. An event of
    /// no lineage (a root daemon, the GPU sampler, drops) is then left out.
    public var lineageUids: Set<UInt32>?

    public init(kinds: Set<String>?, lineageUids: Set<UInt32>?) {
        self.kinds = kinds
        self.lineageUids = lineageUids
    }

    public func admits(_ event: Event) -> Bool {
        if let kinds, !kinds.contains(event.kindName) { return false }
        if let lineageUids {
            let h = event.header
            return h.hasLineage && lineageUids.contains(h.lineageUid)
        }
        return true
    }
}
