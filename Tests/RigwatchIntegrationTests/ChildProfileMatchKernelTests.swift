// SPDX-License-Identifier: Apache-2.0
import CRigwatchABI
import Foundation
import RigwatchConfig
import RigwatchCore
import RigwatchSources
import RigwatchTestSupport
import XCTest

/// The child profiles in the kernel (bpf/lib/child_profile.h), run through
/// BPF_PROG_TEST_RUN on maps `KernelPolicy` wrote, must judge what an allowed entry
/// starts as the detector does (`ChildProfileSet`): the same path class, the same
/// profiles for each entry, the same verdict on each child. The children are the
/// real ones: every root exec of the recorded daemon commands (apt's hooks, dpkg's
/// maintainer scripts, py3compile), and hand-picked ones around the classes.
final class ChildProfileMatchKernelTests: XCTestCase {
    override func setUpWithError() throws { try requireRoot() }

    private func exec(_ argv: [String], flags: ExecEvent.Flags = []) -> ExecEvent {
        ExecEvent(
            header: EventHeader(
                timestampNs: 1, pid: 1, tgid: 1, ppid: 0, uid: 0, euid: 0, gid: 0, egid: 0, lineageUid: 1,
                cgroupId: 0, comm: Comm("x")),
            loginUid: noLineage, flags: flags, argc: UInt32(argv.count), oldPid: 1,
            filename: Array(argv[0].utf8), args: ExecEvent.joinArgs(argv))
    }

    /// The kernel's class as the detector names it (nil: an ordinary program).
    private func name(_ kernelClass: UInt32) -> String? {
        switch kernelClass {
        case RW_CHILD_ORDINARY.rawValue: return nil
        case RW_CHILD_WRITABLE.rawValue: return "writable-path"
        case RW_CHILD_NAMED.rawValue: return "shell-or-interpreter"
        case RW_CHILD_OUTSIDE.rawValue: return "outside-system-directories"
        default: return "undecided (\(kernelClass))"
        }
    }

    private func name(_ ours: RootChildClass?) -> String? {
        switch ours {
        case nil: return nil
        case .writablePath?: return "writable-path"
        case .shell?, .interpreter?: return "shell-or-interpreter"
        case .outsideSystemDirectories?: return "outside-system-directories"
        }
    }

    /// Both judgements of one child below an entry with these profiles; a line when they differ.
    private func compare(
        _ child: ExecEvent, profiles: [Int], set: ChildProfileSet, kernel: KernelPolicyTestObject
    ) throws -> String? {
        let (offset, skipped) = child.callerArgs
        let args = Array(child.args[offset...])
        let judged = try kernel.childVerdict(
            path: child.filename, args: args, argc: child.argc - UInt32(skipped), profiles: profiles)
        let ours = set.violation(child, profiles: profiles)
        let canonical = set.canon.canonical(child.filename)
        let oursClass = name(set.classes.classify(canonicalPath: canonical, truncated: false)?.0)
        let oursAllowed = ours == nil
        let kernelAllowed = judged.verdict == RW_VERDICT_ALLOWED.rawValue
        guard oursAllowed != kernelAllowed || oursClass != name(judged.childClass) else { return nil }
        return
            "\(child.argv) profiles \(profiles): userspace \(oursAllowed ? "runs" : "stops") (\(oursClass ?? "ordinary")), kernel verdict \(judged.verdict) (\(name(judged.childClass) ?? "ordinary"))"
    }

    func testPathClassesAgreeWithTheDetector() throws {
        let classes = RootChildClasses(writablePrefixes: RootChildClasses.defaultWritablePrefixes + ["/srv/rw[t]est*/"])
        let set = ChildProfileSet(profiles: [], classes: classes, canon: .mergedUsr)
        let policies = PolicySet(name: "t", rulesByUid: [:], canon: .mergedUsr, childProfiles: set)
        let kernel = try KernelPolicyTestObject(policies)
        XCTAssertEqual(kernel.undecidable, [])
        var paths = [
            "/usr/bin/id", "/bin/id", "/usr/sbin/iptables", "/sbin/iptables", "/usr/lib/x86_64-linux-gnu/x",
            "/usr/libexec/x", "/usr/share/x/y", "/usr/local/bin/vastai-run-update", "/opt/tool/run", "/etc/init.d/x",
            "/var/lib/dpkg/info/x.postinst", "/usr/bin/../../tmp/x", "/usr/bin/./sh", "//usr//bin//bash", "sh",
            "./run", "x/y", "/proc/self/fd/3", "/dev/fd/3", "/usr/bin/python3", "/usr/bin/python3.11",
            "/usr/bin/perl5.36.0", "/usr/bin/pypy3", "/usr/bin/awk", "/usr/bin/mawk", "/usr/bin/node",
            "/usr/bin/pythonista", "/usr/bin/shx", "/usr/bin/xsh", "/usr/bin/busybox", "/usr/lib/python3/x.py",
            "/usr/local/bin/sh", "/home/u/.local/bin/sh", "/srv/rw[t]est*/x", "/srv/rwtest/x", "/usr/bin/",
            "/usr/bin/py*", "/tmp", "/tmp/", "/usr/bin/ruby3.1", "/usr/bin/irb", "/usr/bin/php8.2", "/bin/dash",
        ]
        for prefix in classes.writablePrefixes + classes.systemPrefixes {
            paths += [prefix + "x", prefix + "a/b/c", prefix + "sh", prefix + "python3"]
        }
        for name in classes.shells + classes.interpreters.map({ $0.replacingOccurrences(of: "[0-9]*", with: "3") }) {
            paths += ["/usr/bin/" + name, "/usr/bin/" + name.replacingOccurrences(of: "*", with: "7")]
        }
        var lines: [String] = []
        for path in paths {
            if let line = try compare(exec([path]), profiles: [], set: set, kernel: kernel) { lines.append(line) }
        }
        XCTAssertEqual(lines, [])
        XCTAssertGreaterThan(paths.count, 250)
    }

    func testDefaultProfilesAgreeOnTheRecordedDaemonCommands() throws {
        let trace = try TraceFile.read(path: Repo.fixture("traces") + "/daemon-commands.rwtrace")
        let policies = try PolicyBuilder.build(PolicyConfig(), watched: trace.header.watchedUsers)
        let set = policies.childProfiles
        let kernel = try KernelPolicyTestObject(policies)
        XCTAssertEqual(kernel.undecidable, [])

        // Entries: the daemon's own sudo commands and each default profile's command filled in.
        let daemon = try String(
            contentsOfFile: Repo.root + "/Tests/Fixtures/data/vastai-daemon-sudo-commands.txt", encoding: .utf8)
        // "<covered: yes|no> TAB <command line>", after the comments.
        var entries = daemon.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(separator: "\t").last.map { $0.split(separator: " ").map(String.init) }
        }
        XCTAssertGreaterThan(entries.count, 50)
        entries += [
            ["/usr/bin/apt-get", "install", "-yq", "tshark"], ["/usr/bin/apt-get", "-qq", "install", "-y", "jq"],
            ["/bin/apt-get", "update"], ["/usr/bin/apt", "install", "-y", "fio"],
            ["/usr/sbin/service", "vastai", "restart"],
            [
                "/usr/bin/sh", "-c",
                "wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh",
            ],
        ]
        // Children: every root exec recorded, and some no profile allows.
        var children: [ExecEvent] = []
        var seen = Set<[UInt8]>()
        for case .exec(let e) in trace.events
        where e.header.euid == 0 && seen.insert(e.filename + [0] + e.args).inserted {
            children.append(e)
        }
        XCTAssertGreaterThan(children.count, 50)
        children += [
            exec(["/usr/bin/sh", "-c", "id"]), exec(["/usr/bin/python3", "-c", "import os"]), exec(["/tmp/x"]),
            exec(["/usr/local/bin/vastai-run-update"]), exec(["/etc/init.d/vastai", "restart"]),
            exec(["/var/lib/dpkg/info/tshark.postinst", "configure"]), exec(["/usr/bin/id"]),
            exec(["/usr/bin/python3", "-m", "py_compile", "-"]),
            exec(["/bin/sh", "-c", "/usr/sbin/dpkg-preconfigure --apt || true"]),
        ]

        var profileLines: [String] = []
        var childLines: [String] = []
        var judged = 0
        var stopped = 0
        for argv in entries {
            let entry = exec(argv)
            let ours = set.profiles(forEntry: entry)
            let theirs = try kernel.entryProfiles(path: entry.filename, args: entry.args, argc: entry.argc)
            if theirs != ours {
                profileLines.append("\(argv): userspace \(ours), kernel \(String(describing: theirs))")
            }
            for child in children {
                judged += 1
                if set.violation(child, profiles: ours) != nil { stopped += 1 }
                if let line = try compare(child, profiles: ours, set: set, kernel: kernel) { childLines.append(line) }
            }
        }
        XCTAssertEqual(profileLines, [])
        XCTAssertEqual(childLines.count, 0, childLines.prefix(20).joined(separator: "\n"))
        XCTAssertGreaterThan(stopped, 0)
        XCTAssertLessThan(stopped, judged)
        print(
            "kernel child profiles: \(entries.count) entries x \(children.count) children, \(stopped) stopped, 0 disagreements"
        )
    }
}
