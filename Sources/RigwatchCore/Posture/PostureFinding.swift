// SPDX-License-Identifier: Apache-2.0
/// One finding of `rigwatch check-host`: a standing weakness of the host (not an
/// event), with what shows it and how to fix it. Ids are stable names, one per kind
/// of weakness; the evidence tells two findings of one id apart.
public struct PostureFinding: Equatable, Sendable {
    public var id: String
    public var severity: Severity
    public var title: String
    /// Ordered evidence, name and value.
    public var evidence: [(String, String)]
    public var fix: String

    public init(id: String, severity: Severity, title: String, evidence: [(String, String)], fix: String) {
        self.id = id
        self.severity = severity
        self.title = title
        self.evidence = evidence
        self.fix = fix
    }

    public static func == (a: PostureFinding, b: PostureFinding) -> Bool {
        a.id == b.id && a.severity == b.severity && a.title == b.title && a.fix == b.fix
            && a.evidence.map { $0.0 } == b.evidence.map { $0.0 } && a.evidence.map { $0.1 } == b.evidence.map { $0.1 }
    }

    /// What makes this finding the same one on the next run: id and evidence.
    public var key: String {
        ([id] + evidence.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1f}")
    }

    /// `SEVERITY id: title`, the evidence indented one per line, then `fix: …`.
    public var text: String {
        var lines = ["\(severity.rawValue.uppercased()) \(id): \(title)"]
        for (name, value) in evidence { lines.append("  \(name): \(value)") }
        lines.append("  fix: \(fix)")
        return lines.joined(separator: "\n")
    }

    /// One JSON object: id, severity, title, evidence (an object, in order), fix.
    public var json: String {
        var w = JSONWriter()
        w.field("id", id)
        w.field("severity", severity.rawValue)
        w.field("title", title)
        var e = JSONWriter()
        for (name, value) in evidence { e.field(name, value) }
        w.field("evidence", raw: e.finish())
        w.field("fix", fix)
        return w.finish()
    }

    /// Worst first; then by id and evidence, so the report reads the same on every run.
    public static func sorted(_ findings: [PostureFinding]) -> [PostureFinding] {
        findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.id != b.id { return a.id < b.id }
            return a.key < b.key
        }
    }

    /// `check-host`'s exit status: 0 nothing or only info, 1 low or medium, 3 high or
    /// critical (2 stays "cannot read the configuration", as for every command).
    public static func exitStatus(_ findings: [PostureFinding]) -> Int32 {
        guard let worst = findings.map(\.severity).max() else { return 0 }
        switch worst {
        case .info: return 0
        case .low, .medium: return 1
        case .high, .critical: return 3
        }
    }
}
