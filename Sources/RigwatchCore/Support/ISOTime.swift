// SPDX-License-Identifier: Apache-2.0
/// ISO-8601 UTC (RFC 3339) from ns since the epoch, with milliseconds (Discord) or
/// microseconds (output lines); no Foundation formatter.
public enum ISOTime {
    public enum Precision: Sendable { case milliseconds, microseconds }

    public static func format(ns: Int64, precision: Precision = .milliseconds) -> String {
        let ms = ns >= 0 ? ns / 1_000_000 : (ns - 999_999) / 1_000_000
        var days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let fraction =
            precision == .microseconds
            ? pad(msOfDay % 1000 * 1000 + (ns - ms * 1_000_000) / 1000, 6)
            : pad(msOfDay % 1000, 3)
        return
            "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(msOfDay / 3_600_000, 2)):\(pad(msOfDay / 60_000 % 60, 2)):\(pad(msOfDay / 1000 % 60, 2)).\(fraction)Z"
    }
}
