// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

// One Discord webhook message built from alerts: the body, each alert's embed, and
// the embed description (what ran). The text rules it uses are in DiscordText.swift.

/// The JSON body of one Discord webhook message carrying as many alerts as fit.
///
/// One embed per alert; every Discord limit holds by construction (see `DiscordLimit`,
/// lengths counted as in `DiscordText.count`). Untrusted text is escaped as described in
/// `DiscordMarkdown` (titles, fields) and `DiscordShellWords` (argv and exe in code blocks),
/// and `allowed_mentions` is always `{"parse":[]}`, so nothing in an alert can ping anyone.
/// Pure: no I/O, no clock, no Foundation.
public enum DiscordPayload {
    /// Packs envelopes from the front of `envelopes` into one message: at most 10 embeds whose
    /// lengths sum to at most 6000. Later envelopes are added only if they fit whole; the first
    /// is always taken, shrunk to fit when it alone is too long. Returns the body and how many
    /// envelopes it holds (at least 1; 0 with an empty body only for an empty slice).
    public static func build(_ envelopes: ArraySlice<AlertEnvelope>) -> (json: String, count: Int) {
        var embeds: [String] = []
        var total = 0
        for envelope in envelopes {
            guard embeds.count < DiscordLimit.embeds else { break }
            let embed = DiscordEmbed(envelope)
            if embeds.isEmpty {
                let rendered = embed.render(budget: DiscordLimit.messageEmbedsTotal)
                embeds.append(rendered.json)
                total = rendered.count
            } else {
                let rendered = embed.render(budget: .max)
                guard total + rendered.count <= DiscordLimit.messageEmbedsTotal else { break }
                embeds.append(rendered.json)
                total += rendered.count
            }
        }
        guard !embeds.isEmpty else { return ("", 0) }
        let sent = envelopes.prefix(embeds.count)

        var w = JSONWriter()
        w.field("content", DiscordSegment.render(summary(sent), limit: DiscordLimit.content).text)
        w.field("embeds", raw: "[" + embeds.joined(separator: ",") + "]")
        w.field("allowed_mentions", raw: "{\"parse\":[]}")
        return (w.finish(), embeds.count)
    }

    /// Embed colour by severity: grey, blue, yellow, orange, red.
    public static func color(for severity: Severity) -> Int {
        switch severity {
        case .info: return 0x95A5A6
        case .low: return 0x3498DB
        case .medium: return 0xF1C40F
        case .high: return 0xE67E22
        case .critical: return 0xE74C3C
        }
    }

    /// One line for notifications and chat previews, which do not show embeds.
    static func summary(_ sent: ArraySlice<AlertEnvelope>) -> [DiscordSegment] {
        guard let first = sent.first else { return [] }
        let hostTail: [DiscordSegment] =
            sent.contains { $0.host != first.host }
            ? [.plain(" on "), .text(first.host), .plain(" and other hosts")]
            : [.plain(" on "), .text(first.host)]
        if sent.count == 1 {
            return [.plain("**[\(first.alert.severity.rawValue.uppercased())]** "), .text(first.alert.title)] + hostTail
        }
        let worst = sent.map(\.alert.severity).max() ?? first.alert.severity
        return [.plain("**\(sent.count) rigwatch alerts**")] + hostTail + [
            .plain(", most severe \(worst.rawValue.uppercased())")
        ]
    }
}

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

/// The embed description: what ran. The subject's argv in one code block, then its ancestors
/// in another, one line per process (`pid exe argv…`, nearest first), all as
/// `DiscordShellWords`. Fences are always closed, also when the text inside is cut.
enum DiscordDescription {
    static let commandOpen = "**Command line** (argv as shell words)\n```\n"
    static let emptyArgv = "**Command line**: *empty argv*"
    static let ancestorsOpen = "\n**Ancestors** (pid, exe, argv as shell words; nearest first)\n```\n"
    static let close = "\n```"
    static let ancestorsLeftOut = "\n*Ancestors left out.*"
    static let noProcess = "*No process is attached to this alert.*"
    /// Below this much room a block is not worth showing.
    static let minBlock = 24

    static func render(_ chain: [ProcessSummary], cap: Int) -> BoundedText {
        var out = BoundedText(limit: cap)
        guard let subject = chain.first else {
            out.appendPlain(noProcess)
            return out
        }
        let ancestors = chain.dropFirst()
        let head = subject.argv.isEmpty ? emptyArgv : commandOpen
        let headTail = subject.argv.isEmpty ? "" : close
        let command = { (limit: Int) -> BoundedText in
            var t = BoundedText(limit: limit)
            DiscordShellWords.append(process: subject, withPidAndExe: false, to: &t)
            return t
        }
        let lines = { (limit: Int) -> BoundedText in
            var t = BoundedText(limit: limit)
            for (i, p) in ancestors.enumerated() {
                if t.truncated { break }
                if i > 0 { t.append("\n") }
                DiscordShellWords.append(process: p, withPidAndExe: true, to: &t)
            }
            return t
        }
        let fixed = count(head) + count(headTail)
        let bothAvail = cap - fixed - count(ancestorsOpen) - count(close)

        var commandText = BoundedText(limit: 0)
        var ancestorsText: BoundedText?
        if !ancestors.isEmpty && bothAvail >= 2 * minBlock {
            let fullCommand = command(DiscordLimit.description)
            let fullLines = lines(DiscordLimit.description)
            // The command goes first; the ancestors get what it leaves, and at least half.
            let commandCap = min(fullCommand.count, max(bothAvail / 2, bothAvail - fullLines.count))
            commandText = fullCommand.count <= commandCap ? fullCommand : command(commandCap)
            let linesCap = bothAvail - commandText.count
            ancestorsText = fullLines.count <= linesCap ? fullLines : lines(linesCap)
        } else {
            let note = ancestors.isEmpty ? 0 : count(ancestorsLeftOut)
            let avail = cap - fixed - note
            guard subject.argv.isEmpty || avail >= minBlock, avail >= 0 else {
                out.cut()
                return out
            }
            commandText = command(avail)
        }

        // Each piece fits by construction; appending atom by atom keeps `cap` even if not.
        out.appendPlain(head)
        if !subject.argv.isEmpty {
            out.append(commandText.text)
            out.appendPlain(close)
        }
        if let ancestorsText {
            out.appendPlain(ancestorsOpen)
            out.append(ancestorsText.text)
            out.appendPlain(close)
        } else if !ancestors.isEmpty {
            out.appendPlain(ancestorsLeftOut)
        }
        return out
    }

    private static func count(_ s: String) -> Int { DiscordText.count(s) }
}
