// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup on unified hosts,
/// /sys/fs/cgroup/unified on hybrid ones), read from /proc/self/mountinfo.
public enum CgroupRoot {
    public static func find(mountinfo: String = "/proc/self/mountinfo") -> String? {
        guard let text = try? String(contentsOfFile: mountinfo, encoding: .utf8) else { return nil }
        return parse(text)
    }

    /// The first cgroup2 mount of the hierarchy's root ("/" as the mount's root).
    /// Fields: id parent major:minor root mountpoint options [optional...] - fstype source superoptions.
    static func parse(_ text: String) -> String? {
        for line in text.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].split(separator: " ").first == "cgroup2" else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5, fields[3] == "/" else { continue }
            return unescape(String(fields[4]))
        }
        return nil
    }

    /// mountinfo writes space, tab, newline and backslash as \\ooo octal escapes.
    static func unescape(_ field: String) -> String {
        var out = ""
        var chars = Array(field.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if c == "\\", chars.count >= 3,
                let code = UInt8(String(String.UnicodeScalarView(chars.prefix(3))), radix: 8)
            {
                out.unicodeScalars.append(Unicode.Scalar(code))
                chars = chars.dropFirst(3)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
