// SPDX-License-Identifier: Apache-2.0
import Foundation
import RigwatchCore
import RigwatchIO

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
        return TraceHeader(
            hostName: String(nulTerminated: name), kernelRelease: release,
            bootOffsetNs: SystemClock.wallOffsetNs(), sensorVersion: sensorVersion,
            watchedUsers: watchedUids.map { WatchedUser(uid: $0, name: Users.name(of: $0) ?? String($0)) },
            startWallNs: SystemClock.wallNowNs())
    }
}
