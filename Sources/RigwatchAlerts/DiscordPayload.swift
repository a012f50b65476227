// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

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
