// SPDX-License-Identifier: Apache-2.0
/// Discord's length limits, in `DiscordText.count` units.
enum DiscordLimit {
    static let content = 2000
    static let embeds = 10
    static let title = 256
    static let description = 4096
    static let fields = 25
    static let fieldName = 256
    static let fieldValue = 1024
    static let footer = 2048
    static let messageEmbedsTotal = 6000
}

enum DiscordText {
    /// Discord counts "characters". We count UTF-16 code units: for every string that is at least
    /// its number of Unicode code points (`unicodeScalars.count`, Python's `len`, what the mock
    /// server checks), so a text within a limit by our count is within it whether Discord counts
    /// code points or UTF-16 units. Only text outside the BMP (emoji) pays, one extra unit each.
    static func count(_ s: String) -> Int { s.utf16.count }

    /// Appended where text was cut, so a reader sees that something is missing.
    static let marker = "…[truncated]"
}

/// Text assembled from atoms, at most `limit` units long. An atom is the smallest piece that
/// may stand alone: one character, or one escape sequence with the character it escapes.
/// When an atom does not fit, the text is cut back to an atom boundary that leaves room for
/// the marker and the marker is appended; later atoms are ignored. Cuts therefore never split
/// an escape, a Unicode scalar or a UTF-8 sequence.
struct BoundedText {
    let limit: Int
    private(set) var text = ""
    private(set) var count = 0
    private(set) var truncated = false
    /// UTF-8 length and unit count of the text after the last atom that left room for the marker.
    private var safeUTF8 = 0
    private var safeCount = 0
    private let markerCount = DiscordText.count(DiscordText.marker)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func append(_ atom: String) {
        if truncated { return }
        let n = DiscordText.count(atom)
        guard count + n <= limit else {
            cut()
            return
        }
        text.append(atom)
        count += n
        if count + markerCount <= limit {
            safeUTF8 = text.utf8.count
            safeCount = count
        }
    }

    /// Appends our own text (no escaping needed), one character per atom.
    mutating func appendPlain(_ s: String) {
        for c in s where !truncated { append(String(c)) }
    }

    /// Ends the text here with the marker, e.g. when a caller leaves out what follows.
    mutating func cut() {
        if truncated { return }
        truncated = true
        if markerCount <= limit {
            // safeUTF8 is an atom boundary, so decoding the prefix never meets a split sequence.
            text = String(decoding: text.utf8.prefix(safeUTF8), as: UTF8.self) + DiscordText.marker
            count = safeCount + markerCount
        } else {
            // Too small even for the marker: as much of it as fits (its characters are one unit each).
            text = String(DiscordText.marker.prefix(limit))
            count = DiscordText.count(text)
        }
    }
}
