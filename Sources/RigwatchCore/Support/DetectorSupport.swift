// SPDX-License-Identifier: Apache-2.0
/// Pieces the detectors share: who the process is, numbers in words, and seconds
/// from the settings in ns. Detectors depend on this, not on each other.
enum DetectorSupport {
    /// Seconds from the settings in ns, saturating rather than trapping on absurd values.
    static func nanoseconds(_ seconds: UInt64) -> UInt64 {
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : ns
    }

    /// The process chain from the table; when the table never saw the process (it
    /// started before the sensor and made no exec since), the event header alone.
    static func chain(of header: EventHeader, context: DetectionContext) -> [ProcessSummary] {
        let chain = context.chain(of: header.tgid)
        if !chain.isEmpty { return chain }
        return [
            ProcessSummary(
                pid: header.tgid, ppid: header.ppid, exe: "", argv: [], uid: header.uid, euid: header.euid,
                gid: header.gid, egid: header.egid, lineageUid: header.lineageUid,
                cgroupId: header.cgroupId, comm: header.comm.description)
        ]
    }

    /// Decimal units, as network rates are quoted: "200.0 MB", "1.07 GB", "512 B".
    static func bytes(_ n: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        for (scale, name) in units where n >= scale {
            let v = n / scale
            return fixed(v, decimals: v < 10 ? 2 : 1) + " " + name
        }
        return "\(UInt64(max(0, n))) B"
    }

    /// `v` with a fixed number of decimals, rounded (no Foundation here).
    static func fixed(_ v: Double, decimals: Int) -> String {
        guard v.isFinite, v >= 0 else { return v.isFinite ? "-" + fixed(-v, decimals: decimals) : "inf" }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let product = (v * Double(scale)).rounded()
        guard product < 1.8e19 else { return String(v) }
        let scaled = UInt64(product)
        let whole = scaled / scale
        guard decimals > 0 else { return String(whole) }
        let frac = String(scaled % scale)
        return "\(whole).\(String(repeating: "0", count: decimals - frac.count))\(frac)"
    }

    static func seconds(_ ns: UInt64) -> String { fixed(Double(ns) / 1e9, decimals: 3) }
}
