// SPDX-License-Identifier: Apache-2.0
/// The child profiles compiled into the binary: for the commands the real Vast.ai
/// daemon runs through sudo (Tests/Fixtures/data/vastai-daemon-sudo-commands.txt),
/// what they start as root that a shell, interpreter or non-system-directory check
/// would otherwise flag (`RootChildClass`). Programs in the system directories that
/// are none of those need no entry.
///
/// Origin: recorded on this project's kernel (Linux 6.18, Debian 12) with the sensor
/// itself, `rigwatch record`, by Tests/Fixtures/traces/record-daemon-commands.sh
/// (the trace is Tests/Fixtures/traces/daemon-commands.rwtrace): every command line
/// of the daemon's list run through the real sudo, the installs really installing
/// from Debian's archive. Where a tool was absent a stand-in ran (see the script);
/// the rest of each entry, below, says what is not from the recording and why.
public enum DefaultChildProfiles {
    public struct Profile: Sendable {
        /// The entries it applies to (sudoers Cmnd, matched like a whitelist rule).
        public var command: String
        /// What they may start (sudoers Cmnds).
        public var allow: [String]
    }

    public static let origin = "default child profile"

    /// apt's hooks from Debian 12's own apt.conf.d (70debconf from debconf, 20packagekit
    /// from packagekit, docker-clean from Debian's docker images), run as `sh -c TEXT`:
    /// recorded. Only these texts: a hook given with `-o` on the command line is not one.
    static let aptHooks = [
        "/usr/bin/sh -c /usr/sbin/dpkg-preconfigure --apt || true",
        "/usr/bin/sh -c /usr/bin/test -e /usr/share/dbus-1/system-services/org.freedesktop.PackageKit.service && *",
        "/usr/bin/sh -c rm -f /var/cache/apt/archives/\\*.deb /var/cache/apt/archives/partial/\\*.deb /var/cache/apt/\\*.bin || true",
        "/usr/bin/sh -c if /usr/bin/test -w /var/cache/swcatalog -a -e /usr/bin/appstreamcli; then appstreamcli refresh --source=os > /dev/null || true; fi",
    ]

    /// What dpkg and the maintainer scripts of Debian packages start (recorded):
    /// the scripts themselves (the new preinst runs from tmp.ci), and the helpers they
    /// run that are interpreters by name.
    /// Trigger processing runs the postinst of whichever installed packages the new files
    /// concern (man-db, libc-bin's ldconfig, shared-mime-info, hicolor-icon-theme here).
    static func maintainerScripts(_ packages: [String]) -> [String] {
        packages.map { "/var/lib/dpkg/info/\($0).*" } + [
            "/var/lib/dpkg/tmp.ci/preinst *", "/var/lib/dpkg/info/*.postinst triggered *",
        ] + pythonHelpers
    }

    /// py3compile (python3-minimal's byte-compiler, run by every Python package's postinst)
    /// asks the interpreter for its tag and magic, then compiles from stdin (recorded).
    static let pythonHelpers = [
        "/usr/bin/python3* -m py_compile -", "/usr/bin/python3* -c import imp; print(imp.get_tag())",
        "/usr/bin/python3* -c import imp; print(imp.get_magic())",
    ]

    /// tshark's install on Debian 12 (recorded: these packages are what apt installed).
    static let tsharkPackages = [
        "tshark", "wireshark-common", "libwireshark16", "libwireshark-data", "libwiretap13", "libwsutil14",
        "libbcg729-0", "libc-ares2", "liblua5.2-0", "libmaxminddb0", "libnl-genl-3-200", "libpcap0.8", "libsbc1",
        "libsmi2ldbl", "libspandsp2", "libspeexdsp1",
    ]

    public static let profiles: [Profile] = [
        // The installs the whitelist names: tshark, fio.
        Profile(
            command: "/usr/bin/apt-get install * tshark",
            allow: aptHooks + maintainerScripts(tsharkPackages)),
        Profile(
            command: "/usr/bin/apt-get install -yq tshark",
            allow: aptHooks + maintainerScripts(tsharkPackages)),
        Profile(
            command: "/usr/bin/apt install -y fio",
            allow: aptHooks + maintainerScripts(["fio", "libnbd0", "libpmemblk1"])),
        // The daemon's own package list (apt-packages) is not in the data: any package's
        // maintainer scripts. What the archive ships is as trusted as the archive.
        Profile(
            command: "/usr/bin/apt-get -qq install -y *",
            allow: aptHooks + ["/var/lib/dpkg/info/*", "/var/lib/dpkg/tmp.ci/preinst *"] + pythonHelpers),
        Profile(command: "/usr/bin/apt update", allow: aptHooks),
        Profile(command: "/usr/bin/apt-get update", allow: aptHooks),
        // `service NAME restart` without systemd runs the init script (not recorded: no
        // such scripts here; the names are the daemon's own services).
        Profile(command: "/usr/sbin/service vastai restart", allow: ["/etc/init.d/vastai *"]),
        Profile(command: "/usr/sbin/service vast_metrics restart", allow: ["/etc/init.d/vast_metrics *"]),
        // The script updater hands root to the script it downloads, by design of the
        // whitelist: what it runs cannot be profiled (it is whatever Vast ships that
        // day). Programs run from writable paths still alert (no profile allows them);
        // a planted update_scripts.sh is not one: it is bash's argument, not an exec.
        Profile(
            command:
                "/usr/bin/sh -c wget https\\://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh",
            allow: ["ALL"]),
    ]

    /// The profiles parsed for the policy's path form. The data is tested to parse;
    /// a failure here is a build defect.
    public static func profiles(canon: PathCanon) -> [ChildProfile] {
        profiles.map { p in
            guard let command = try? CommandSpec.parse(p.command, origin: origin, canon: canon),
                let allow = try? p.allow.map({ try CommandSpec.parse($0, origin: origin, canon: canon) })
            else { preconditionFailure("a default child profile does not parse: \(p.command)") }
            return ChildProfile(command: command, allow: allow, origin: origin)
        }
    }
}
