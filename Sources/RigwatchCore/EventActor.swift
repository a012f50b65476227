// SPDX-License-Identifier: Apache-2.0
/// Who did something, as the file-change and tamper alerts name them: the
/// program from the process table, the ids from the event itself (they are the
/// ones in force at that moment), and the lineage.
struct EventActor {
    let header: EventHeader
    /// The executable path as its exec named it; nil when the sensor never saw an
    /// exec of the process or of the parent it was forked from.
    let programBytes: [UInt8]?
    var program: String? { programBytes.map { String(decoding: $0, as: UTF8.self) } }
    let inWatchedLineage: Bool
    let userNames: [UInt32: String]

    init(_ header: EventHeader, context: DetectionContext) {
        self.header = header
        let record = context.processes.lookup(header.tgid)
        programBytes = record.flatMap { $0.filename.isEmpty ? nil : $0.filename }
        inWatchedLineage = header.hasLineage && context.config.watchedUids.contains(header.lineageUid)
        userNames = context.config.userNames
    }

    /// "/usr/bin/tee", else the comm and why there is nothing better.
    var programText: String {
        program ?? "'\(header.comm)' (program unknown: its exec was not seen)"
    }

    /// The program, or the comm when it is unknown: short, for titles and dedup keys.
    var shortProgram: String { program ?? "'\(header.comm)'" }

    func userName(_ uid: UInt32) -> String {
        userNames[uid] ?? (uid == 0 ? "root" : "uid \(uid)")
    }

    /// "root (uid 0)", with the effective uid when it differs.
    var userText: String {
        let uid = header.uid
        let euid = header.euid
        var text = userNames[uid] != nil || uid == 0 ? "\(userName(uid)) (uid \(uid))" : "uid \(uid)"
        if euid != uid { text += ", euid \(euid) (\(userName(euid)))" }
        return text
    }

    /// "vastai_kaalia (uid 1001)", or "none".
    var lineageText: String {
        header.hasLineage ? "\(userName(header.lineageUid)) (uid \(header.lineageUid))" : "none"
    }

    /// "in vastai_kaalia's lineage" / "outside the watched lineages".
    var lineageClause: String {
        inWatchedLineage ? "in \(userName(header.lineageUid))'s lineage" : "outside the watched lineages"
    }

    /// "/usr/bin/tee (pid 812, root)".
    var briefText: String {
        "\(shortProgram) (pid \(header.tgid), \(userName(header.euid)))"
    }

    func chain(_ context: DetectionContext) -> [ProcessSummary] {
        DetectorSupport.chain(of: header, context: context)
    }
}
