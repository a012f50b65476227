// SPDX-License-Identifier: Apache-2.0
/// Scalars that render as nothing, or change how neighbouring text is shown, so that an
/// attacker could hide or disguise text with them.
public enum Invisible {
    public static func contains(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        // Cc: C0/C1 controls. Cf: bidi overrides and isolates, zero-width space/joiners, BOM,
        // soft hyphen, tags. Zl/Zp: line and paragraph separators.
        case .control, .format, .lineSeparator, .paragraphSeparator:
            return true
        default:
            break
        }
        switch c.value {
        case 0x034F,  // combining grapheme joiner
            0x115F, 0x1160, 0x3164, 0xFFA0,  // Hangul fillers (render blank)
            0x180B...0x180F,  // Mongolian variation selectors
            0xE0100...0xE01EF:  // variation selectors supplement
            return true
        default:
            return false
        }
    }
}
