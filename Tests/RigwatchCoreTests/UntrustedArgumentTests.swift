// SPDX-License-Identifier: Apache-2.0
import RigwatchTestSupport
import XCTest

@testable import RigwatchCore

/// Item 2 of the argument rules: code or configuration loaded from where the watched
/// user could have put it (`untrusted-config`), and persistence paths named as write
/// destinations (`persistence-write`), both from argv alone.
final class UntrustedArgumentTests: XCTestCase {
    private let rules = ArgumentAbuseRules()

    private func findings(_ argv: [String], rules: ArgumentAbuseRules? = nil, written: LineageWrites? = nil) -> [String]
    {
        (rules ?? self.rules).inspect(exe: argv[0], argv: argv, lineageUid: 1001, written: written).map {
            "\($0.kind.rawValue): \($0.reason) [\($0.argument)]"
        }
    }

    func testConfigScriptAndPackageFilesFromUntrustedPlaces() {
        XCTAssertEqual(
            findings(["/usr/sbin/logrotate", "--force", "/tmp/rwtest/conf"]),
            [
                "untrusted-config: logrotate config: its scripts run as root; /tmp/rwtest/conf is under /tmp/, which users can write [/tmp/rwtest/conf]"
            ])
        XCTAssertEqual(
            findings(["/usr/sbin/logrotate", "/tmp/./a//c"]),
            [
                "untrusted-config: logrotate config: its scripts run as root; /tmp/a/c is under /tmp/, which users can write [/tmp/./a//c]"
            ])
        XCTAssertEqual(
            findings(["/usr/sbin/logrotate", "/var/lib/../../dev/shm/c"]).map { String($0.prefix(16)) },
            ["path-traversal: "], "one finding per argument: the traversal is reported already")
        XCTAssertEqual(
            findings(["/usr/bin/apt-get", "install", "-y", "./evil.deb", "tshark"]),
            [
                "untrusted-config: local package file: its maintainer scripts run as root; relative path: the working directory is the caller's and not known to the sensor [./evil.deb]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/dpkg", "-i", "/home/eve/x.deb"]),
            [
                "untrusted-config: package file: its maintainer scripts run as root; /home/eve/x.deb is under /home/, which users can write [/home/eve/x.deb]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/apt-get", "-c", "/var/tmp/apt.conf", "update"]),
            [
                "untrusted-config: apt config file: can set hooks run as root; /var/tmp/apt.conf is under /var/tmp/, which users can write [/var/tmp/apt.conf]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/bash", "/dev/shm/x.sh"]),
            [
                "untrusted-config: bash script run as root; /dev/shm/x.sh is under /dev/shm/, which users can write [/dev/shm/x.sh]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/python3", "-u", "/run/user/1001/x.py"]),
            [
                "untrusted-config: python3 script run as root; /run/user/1001/x.py is under /run/user/, which users can write [/run/user/1001/x.py]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/env", "LD_PRELOAD=/tmp/x.so", "/usr/bin/id"]),
            [
                "untrusted-config: LD_PRELOAD loads code from it; /tmp/x.so is under /tmp/, which users can write [LD_PRELOAD=/tmp/x.so]"
            ])
        XCTAssertEqual(
            findings(["/lib64/ld-linux-x86-64.so.2", "--preload", "/tmp/x.so", "/usr/bin/id"]),
            ["untrusted-config: ld.so loads code from it; /tmp/x.so is under /tmp/, which users can write [/tmp/x.so]"])
        XCTAssertEqual(
            findings(["/usr/bin/fio", "/tmp/job.fio"]),
            [
                "untrusted-config: fio job file: can set exec_prerun, run as root; /tmp/job.fio is under /tmp/, which users can write [/tmp/job.fio]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/systemd-run", "--scope", "-p", "ExecStartPre=/tmp/x", "true"]),
            [
                "untrusted-config: unit command run as root; /tmp/x is under /tmp/, which users can write [ExecStartPre=/tmp/x]"
            ])
        XCTAssertEqual(
            findings(["/usr/sbin/insmod", "/tmp/rootkit.ko"]),
            ["untrusted-config: kernel module; /tmp/rootkit.ko is under /tmp/, which users can write [/tmp/rootkit.ko]"]
        )
        XCTAssertEqual(
            findings(["/usr/bin/pip3", "install", "-r", "/tmp/req.txt"]),
            [
                "untrusted-config: pip requirements file; /tmp/req.txt is under /tmp/, which users can write [/tmp/req.txt]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/awk", "-f", "/tmp/p.awk", "/etc/hostname"]),
            ["untrusted-config: awk program file; /tmp/p.awk is under /tmp/, which users can write [/tmp/p.awk]"])
    }

    func testAptHooksAreCodeExecution() {
        XCTAssertEqual(
            findings(["/usr/bin/apt-get", "install", "-o", "APT::Update::Pre-Invoke::=/bin/sh", "tshark"]),
            [
                "code-execution-option: apt-get -o APT::Update::Pre-Invoke:: runs a command or moves apt's programs and config [APT::Update::Pre-Invoke::=/bin/sh]"
            ].map {
                $0.replacingOccurrences(of: "Pre-Invoke:: runs", with: "Pre-Invoke::: runs")
            })
        XCTAssertEqual(
            findings(["/usr/bin/apt", "-oDPkg::Pre-Install-Pkgs::=x", "update"]).map { String($0.prefix(22)) },
            ["code-execution-option:"])
        XCTAssertEqual(findings(["/usr/bin/apt-get", "-o", "Dpkg::Use-Pty=0", "install", "-y", "tshark"]), [])
    }

    func testTrustedPlacesRelativeNamesAndStdin() {
        XCTAssertEqual(findings(["/usr/sbin/logrotate", "/etc/logrotate.conf"]), [])
        XCTAssertEqual(findings(["/usr/bin/dpkg", "-i", "/var/cache/apt/archives/tshark_4.0.deb"]), [])
        XCTAssertEqual(findings(["/usr/bin/apt-get", "install", "-yq", "tshark"]), [], "package names are no files")
        XCTAssertEqual(
            findings(["/usr/bin/bash", "-c", "/tmp/x"]), [], "-c: inline code (its words are not a script file)")
        XCTAssertEqual(findings(["/usr/bin/fio", "--output-format=json", "-"]), [], "stdin is no path")
        XCTAssertEqual(
            findings(["/usr/sbin/logrotate", "other.conf"]),
            [
                "untrusted-config: logrotate config: its scripts run as root; relative path: the working directory is the caller's and not known to the sensor [other.conf]"
            ])
        // The Vast daemon's own loads are expected (vastDaemonLoads), even with its home untrusted.
        var home = ArgumentAbuseRules()
        home.untrusted = UntrustedPaths(extra: ["/var/lib/vastai_kaalia"])
        XCTAssertEqual(
            findings(
                ["/usr/sbin/logrotate", "--force", "-s", "/var/lib/vastai_kaalia/logrotate.state", "logrotate.config"],
                rules: home), [])
        XCTAssertEqual(findings(["/usr/bin/python3", "/var/lib/vastai_kaalia/purge_stale_cdi.py"], rules: home), [])
        XCTAssertEqual(
            findings(["/usr/bin/python3", "/var/lib/vastai_kaalia/other.py"], rules: home),
            [
                "untrusted-config: python3 script run as root; /var/lib/vastai_kaalia/other.py is under /var/lib/vastai_kaalia/, which users can write [/var/lib/vastai_kaalia/other.py]"
            ])
        XCTAssertEqual(UntrustedPaths(extra: ["/", "relative", "/var/lib/x/"]).directories.suffix(1), ["/var/lib/x/"])
    }

    func testAFileTheLineageWroteIsUntrusted() {
        // `sudo cp -f CONF /usr/local/bin/vastai-run-update` (whitelisted), then logrotate reads it.
        var written = LineageWrites()
        written.record("/usr/local/bin/vastai-run-update", lineageUid: 1001, how: "cp destination")
        XCTAssertEqual(
            findings(["/usr/sbin/logrotate", "--force", "/usr/local/bin/vastai-run-update"], written: written),
            [
                "untrusted-config: logrotate config: its scripts run as root; /usr/local/bin/vastai-run-update was written earlier by this lineage (cp destination) [/usr/local/bin/vastai-run-update]"
            ])
        XCTAssertEqual(
            rules.inspect(
                exe: "/usr/sbin/logrotate", argv: ["logrotate", "/usr/local/bin/vastai-run-update"], lineageUid: 7,
                written: written), [],
            "another lineage's write")
        // A directory written into covers its children; the memory is bounded.
        var bounded = LineageWrites(capacity: 2)
        bounded.record("/etc/logrotate.d", lineageUid: 1, how: "cp target directory", directory: true)
        XCTAssertEqual(bounded.how("/etc/logrotate.d/x", lineageUid: 1), "cp target directory")
        XCTAssertNil(bounded.how("/etc/logrotate.d/a/b", lineageUid: 1))
        bounded.record("/a", lineageUid: 1, how: "1")
        bounded.record("/b", lineageUid: 1, how: "2")
        XCTAssertEqual(bounded.count, 2)
        XCTAssertNil(bounded.how("/etc/logrotate.d/x", lineageUid: 1), "the oldest went first")
    }

    func testTheLineagesWritesReachTheRulesThroughTheDetector() throws {
        let t = ProcessTree()
        t.sudo(["/usr/bin/cp", "-f", "/tmp/rwtest/conf", "/usr/local/bin/vastai-run-update"])
        t.sudo(["/usr/sbin/logrotate", "--force", "/usr/local/bin/vastai-run-update"])
        let policies = PolicySet.defaultPolicy(
            watched: [.init(uid: t.kaalia, name: "vastai_kaalia")], canon: .mergedUsr)
        let engine = Engine(
            config: EngineConfig(watchedUids: [t.kaalia], userNames: [t.kaalia: "vastai_kaalia"]),
            detectors: Engine.standardDetectors(policies: policies))
        let alerts = t.events.flatMap(engine.consume)
        XCTAssertEqual(alerts.map(\.rule), [PrivilegedExecDetector.abuseRule])
        XCTAssertEqual(
            alerts.first?.evidence.first { $0.0 == "finding" }?.1,
            "untrusted-config: logrotate config: its scripts run as root; /usr/local/bin/vastai-run-update was written earlier by this lineage (cp destination in /usr/bin/cp -f /tmp/rwtest/conf /usr/local/bin/vastai-run-update) [/usr/local/bin/vastai-run-update]"
        )
    }

    func testPersistenceDestinations() {
        XCTAssertEqual(
            findings(["/usr/bin/cp", "-t", "/etc/cron.d", "/tmp/rwtest-job"]),
            [
                "persistence-write: cp target directory /etc/cron.d is under /etc/cron.d/, where a file runs code later [/etc/cron.d]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/install", "-m", "644", "x", "/lib/systemd/system/x.service"]),
            [
                "persistence-write: install destination /lib/systemd/system/x.service is under /lib/systemd/, where a file runs code later [/lib/systemd/system/x.service]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/dd", "if=/tmp/k", "of=/home/bob/.ssh/authorized_keys"]),
            [
                "persistence-write: dd of= /home/bob/.ssh/authorized_keys is an SSH directory (logins as its owner), where a file runs code later [of=/home/bob/.ssh/authorized_keys]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/ln", "-sf", "/tmp/x", "/etc/update-motd.d/99-x"]),
            [
                "persistence-write: ln destination /etc/update-motd.d/99-x is under /etc/update-motd.d/, where a file runs code later [/etc/update-motd.d/99-x]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/tshark", "-i", "lo", "-w", "/etc/cron.d/x"]),
            [
                "persistence-write: tshark writes it /etc/cron.d/x is under /etc/cron.d/, where a file runs code later [/etc/cron.d/x]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/sed", "-i", "s/a/b/", "/etc/profile"]),
            [
                "persistence-write: sed -i edits it /etc/profile is under /etc/profile, where a file runs code later [/etc/profile]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/rsync", "-a", "/tmp/u/", "/etc/udev/rules.d/"]),
            [
                "persistence-write: rsync destination /etc/udev/rules.d/ is under /etc/udev/rules.d/, where a file runs code later [/etc/udev/rules.d/]"
            ])
        XCTAssertEqual(
            findings(["/usr/bin/crontab", "/tmp/c"]),
            ["persistence-write: crontab installs root's crontab, run by cron as root [/tmp/c]"])
        XCTAssertEqual(findings(["/usr/bin/crontab", "-l"]), [])
        // Sensitive paths are reported once, as sensitive.
        XCTAssertEqual(
            findings(["/usr/bin/tee", "/etc/sudoers.d/x"]).map { String($0.prefix(15)) }, ["sensitive-path:"])
        // The daemon's own files (maintenance rules), its libvirt hook copy and its limits.conf edit.
        XCTAssertEqual(findings(["/usr/bin/tee", "/etc/systemd/system/vastai.service"]), [])
        XCTAssertEqual(findings(["/usr/bin/tee", "-a", "/etc/cron.d/vastai_restart_everything"]), [])
        XCTAssertEqual(findings(["/usr/bin/cp", "/var/lib/vastai_kaalia/latest/qemu", "/etc/libvirt/hooks/"]), [])
        XCTAssertEqual(
            findings(["/usr/bin/sed", "-i", "$a vastai_kaalia - core 2097152", "/etc/security/limits.conf"]), [])
        XCTAssertEqual(findings(["/usr/bin/cat", "/etc/cron.d/x"]), [], "reading is no write")
        XCTAssertEqual(
            findings(
                ["/usr/bin/tee", "/etc/cron.d/vastai_kaalia_update"],
                rules: {
                    var r = ArgumentAbuseRules()
                    r.expectedWrites = []
                    return r
                }()
            ).count, 1, "without the maintenance rule the daemon's tee is a persistence write")
    }

    func testWriteDestinationParsing() {
        func dests(_ argv: [String]) -> [String] {
            WriteDestinations.of(program: argv[0], args: Array(argv.dropFirst())).map { "\($0.how)=\($0.path)" }
        }
        XCTAssertEqual(dests(["cp", "-a", "--target-directory=/x", "a", "b"]), ["cp target directory=/x"])
        XCTAssertEqual(dests(["mv", "-S", ".bak", "a", "/y"]), ["mv destination=/y"])
        XCTAssertEqual(dests(["ln", "-s", "target"]), [], "one operand: a link in the working directory")
        XCTAssertEqual(dests(["tee", "-a", "/p", "/q"]), ["tee output=/p", "tee output=/q"])
        XCTAssertEqual(dests(["sed", "-e", "s/x/y/", "-i.bak", "/f"]), ["sed -i edits it=/f"])
        XCTAssertEqual(dests(["sed", "s/x/y/", "/f"]), [], "no -i: prints")
        XCTAssertEqual(dests(["rsync", "-a", "/src", "host:/dst"]), [], "remote")
        XCTAssertEqual(dests(["tar", "-xzf", "a.tgz", "-C", "/etc/cron.d"]), ["tar extracts into it=/etc/cron.d"])
        XCTAssertEqual(dests(["curl", "-sSo", "/etc/cron.d/x", "http://x"]), ["curl writes it=/etc/cron.d/x"])
        let cp = WriteDestinations.of(program: "cp", args: ["/tmp/a.service", "/etc/systemd/system/"])
        XCTAssertEqual(cp.first?.writtenPaths, ["/etc/systemd/system/a.service"])
    }
}
