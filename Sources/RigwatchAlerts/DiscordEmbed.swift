// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// A piece of embed text: our own wording (written as is) or untrusted text (escaped with
/// `DiscordMarkdown`).
enum DiscordSegment {
    case plain(String)
    case text(String)

    static func render(_ segments: [DiscordSegment], limit: Int) -> BoundedText {
        var out = BoundedText(limit: limit)
        for segment in segments {
            switch segment {
            case .plain(let s): out.appendPlain(s)
            case .text(let s): DiscordMarkdown.append(s, to: &out)
            }
        }
        return out
    }
}

/// One alert as a Discord embed, rendered within a length budget.
struct DiscordEmbed {
    struct Field {
        var name: [DiscordSegment]
        var value: [DiscordSegment]
        var inline: Bool
    }

    /// The embed as sent: its JSON object and its length as Discord sums it toward the
    /// message total (title, description, field names and values, footer).
    struct Rendered {
        var json: String
        var count: Int
    }

    let envelope: AlertEnvelope
    let title: [DiscordSegment]
    let fields: [Field]
    /// Discord renders no markdown in footers, so the footer is plain text, not escaped.
    /// Host and version are the sensor's own, not attacker input.
    let footer: String

    init(_ envelope: AlertEnvelope) {
        self.envelope = envelope
        let alert = envelope.alert
        title = [.plain("[\(alert.severity.rawValue.uppercased())] "), .text(alert.title)]
        fields = DiscordEmbed.fields(envelope)
        footer = "rigwatch \(envelope.sensorVersion) on \(envelope.host)"
    }

    /// One text of the embed that counts toward the limits, rendered under a cap.
    private struct Part {
        var limit: Int
        /// Share of the budget relative to the other parts when the embed must shrink.
        var weight: Int
        var render: (Int) -> BoundedText
    }

    /// Renders the embed at Discord's per-part limits; when the sum exceeds `budget`, shrinks
    /// the parts that are too long to a common cap (the description gets `descriptionWeight`
    /// times more), leaving short parts whole.
    func render(budget: Int) -> Rendered {
        var parts: [Part] = [
            Part(limit: DiscordLimit.title, weight: 1) { DiscordSegment.render(title, limit: $0) },
            Part(limit: DiscordLimit.description, weight: DiscordEmbed.descriptionWeight) {
                DiscordDescription.render(envelope.alert.chain, cap: $0)
            },
            Part(limit: DiscordLimit.footer, weight: 1) { [footer] cap in
                var out = BoundedText(limit: cap)
                out.appendPlain(footer)
                return out
            },
        ]
        for field in fields {
            parts.append(
                Part(limit: DiscordLimit.fieldName, weight: 1) { DiscordSegment.render(field.name, limit: $0) })
            parts.append(
                Part(limit: DiscordLimit.fieldValue, weight: 1) { DiscordSegment.render(field.value, limit: $0) })
        }

        var texts = parts.map { $0.render($0.limit) }
        let sizes = texts.map(\.count)
        if sizes.reduce(0, +) > budget {
            // Largest common cap c with sum(min(size, weight * c)) <= budget (binary search).
            func need(_ c: Int) -> Int {
                zip(sizes, parts).reduce(0) { $0 + min($1.0, $1.1.weight * c) }
            }
            var low = 0
            var high = DiscordLimit.description
            while low < high {
                let mid = (low + high + 1) / 2
                if need(mid) <= budget { low = mid } else { high = mid - 1 }
            }
            for i in parts.indices where sizes[i] > parts[i].weight * low {
                // A cut text is at most its cap long, so the sum stays within need(low).
                texts[i] = parts[i].render(min(parts[i].limit, parts[i].weight * low))
            }
        }
        return json(texts)
    }

    static let descriptionWeight = 8

    private func json(_ texts: [BoundedText]) -> Rendered {
        var fieldsJSON = "["
        for i in fields.indices {
            if i > 0 { fieldsJSON += "," }
            var f = JSONWriter()
            f.field("name", texts[3 + 2 * i].text)
            f.field("value", texts[4 + 2 * i].text)
            f.field("inline", fields[i].inline)
            fieldsJSON += f.finish()
        }
        fieldsJSON += "]"
        var w = JSONWriter()
        w.field("title", texts[0].text)
        w.field("description", texts[1].text)
        w.field("color", DiscordPayload.color(for: envelope.alert.severity))
        w.field("timestamp", ISOTime.format(ns: envelope.eventWallNs))
        w.field("fields", raw: fieldsJSON)
        w.field("footer", raw: "{\"text\":" + JSONWriter.quoted(texts[2].text) + "}")
        return Rendered(json: w.finish(), count: texts.reduce(0) { $0 + $1.count })
    }

    // MARK: fields

    private static func fields(_ envelope: AlertEnvelope) -> [Field] {
        let alert = envelope.alert
        var fields: [Field] = [
            Field(name: [.plain("Rule")], value: nonEmpty(.text(alert.rule), alert.rule), inline: true),
            Field(name: [.plain("Severity")], value: [.plain(alert.severity.rawValue.uppercased())], inline: true),
            Field(name: [.plain("Host")], value: nonEmpty(.text(envelope.host), envelope.host), inline: true),
        ]
        if let p = alert.subject {
            let lineage = p.lineageUid == noLineage ? "no watched lineage" : "lineage uid \(p.lineageUid)"
            fields += [
                Field(
                    name: [.plain("PID")], value: [.plain("\(p.pid) (parent \(p.ppid)), comm "), .text(p.comm)],
                    inline: true),
                Field(
                    name: [.plain("User / lineage")],
                    value: [.plain("uid \(p.uid) · euid \(p.euid) · gid \(p.gid) · egid \(p.egid) · \(lineage)")],
                    inline: true),
                Field(name: [.plain("Cgroup")], value: [.plain(String(p.cgroupId))], inline: true),
                Field(
                    name: [.plain("Executable")], value: nonEmpty(.text(p.exeBytes == nil ? p.exe : p.exeWord), p.exe),
                    inline: false),
            ]
        }
        if envelope.count > 1 {
            let value =
                "\(envelope.count) times, first \(ISOTime.format(ns: envelope.firstWallNs)), last \(ISOTime.format(ns: envelope.lastWallNs))"
            fields.append(Field(name: [.plain("Occurrences")], value: [.plain(value)], inline: false))
        }
        for (name, value) in alert.evidence {
            let inline = DiscordText.count(name) <= 32 && DiscordText.count(value) <= 40
            fields.append(
                Field(name: nonEmpty(.text(name), name), value: nonEmpty(.text(value), value), inline: inline))
        }
        if fields.count > DiscordLimit.fields {
            let kept = DiscordLimit.fields - 1
            let leftOut = fields.count - kept
            fields.removeLast(fields.count - kept)
            fields.append(
                Field(
                    name: [.plain("Fields left out")],
                    value: [
                        .plain(
                            "\(leftOut) more evidence fields did not fit (Discord allows \(DiscordLimit.fields) per embed)"
                        )
                    ],
                    inline: false))
        }
        return fields
    }

    /// Discord rejects empty field names and values. `(empty)` is unambiguous: escaped
    /// text never contains a bare parenthesis.
    private static func nonEmpty(_ segment: DiscordSegment, _ source: String) -> [DiscordSegment] {
        source.isEmpty ? [.plain("(empty)")] : [segment]
    }
}
