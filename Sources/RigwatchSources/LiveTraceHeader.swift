import Foundation
import RigwatchCore

/// CLOCK_BOOTTIME, the clock of every kernel event timestamp.
public enum BootClock {
    public static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Wall-clock ns minus boot-clock ns now: add it to an event time to get wall time.
    public static func wallOffsetNs() -> Int64 {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let wallNs = Int64(wall.tv_sec) * 1_000_000_000 + Int64(wall.tv_nsec)
        return wallNs - Int64(nowNs())
    }

    public static func wallNowNs() -> Int64 {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        return Int64(wall.tv_sec) * 1_000_000_000 + Int64(wall.tv_nsec)
    }
}

extension TraceHeader {
    /// The header for a trace recorded on this host now.
    public static func live(watchedUids: [UInt32], sensorVersion: String) -> TraceHeader {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return TraceHeader(hostName: String(cString: name), kernelRelease: release,
                           bootOffsetNs: BootClock.wallOffsetNs(), sensorVersion: sensorVersion,
                           watchedUsers: watchedUids.map { WatchedUser(uid: $0, name: Users.name(of: $0) ?? String($0)) },
                           startWallNs: BootClock.wallNowNs())
    }
}
