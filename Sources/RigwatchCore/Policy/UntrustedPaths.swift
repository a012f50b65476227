// SPDX-License-Identifier: Apache-2.0
/// The one judgement "could the watched user have put this file here": a file a
/// root command loads as configuration, script or package is root code execution
/// for whoever can write it. Paths are judged as written, after collapsing `.` and
/// `..` lexically (no filesystem access: the rules are pure).
///
/// Untrusted: a path under a directory anyone (or any user) can write (/tmp,
/// /var/tmp, /dev/shm, /run/user, /run/lock, home directories, plus the watched
/// users' own homes, which the configuration adds), a path the lineage itself
/// wrote earlier (`LineageWrites`), and a relative path: the exec event carries no
/// working directory, and the working directory is the caller's choice, so a
/// relative name is judged as one the caller controls. `-` (standard input) is not
/// a path; what a program reads from it cannot be seen in argv.
public struct UntrustedPaths: Equatable, Sendable {
    /// World-writable (sticky) directories on Debian and Ubuntu, and users' homes.
    /// /root/ is root's own, but it is already a sensitive path, so a root command
    /// naming it is reported either way.
    public static let defaultDirectories = [
        "/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/run/user/", "/run/lock/", "/var/lock/", "/var/crash/",
        "/home/", "/root/",
    ]

    /// Directory entries end in '/'.
    public var directories: [String]

    /// `extra`: more directories (the watched users' homes); "/" and relative ones are ignored.
    public init(directories: [String] = UntrustedPaths.defaultDirectories, extra: [String] = []) {
        var list = directories
        for dir in extra where dir.hasPrefix("/") {
            let normal = ArgumentAbuseRules.normalize(dir)
            let entry = normal.hasSuffix("/") ? normal : normal + "/"
            if entry != "/", !list.contains(entry) { list.append(entry) }
        }
        self.directories = list
    }

    /// Why `raw` is untrusted, or nil when it is not (or is no path at all).
    public func reason(_ raw: String, lineageUid: UInt32, written: LineageWrites?) -> String? {
        guard !raw.isEmpty, raw != "-" else { return nil }
        guard raw.hasPrefix("/") else {
            return "relative path: the working directory is the caller's and not known to the sensor"
        }
        let path = ArgumentAbuseRules.normalize(raw)
        if let dir = directories.first(where: { ArgumentAbuseRules.isUnder(path, $0) }) {
            return "\(path) is under \(dir), which users can write"
        }
        if let how = written?.how(path, lineageUid: lineageUid) {
            return "\(path) was written earlier by this lineage (\(how))"
        }
        return nil
    }
}
