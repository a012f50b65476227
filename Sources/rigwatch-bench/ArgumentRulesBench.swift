// SPDX-License-Identifier: Apache-2.0
import CAllocCounter
import Foundation
import RigwatchCore

/// What the argument rules cost per exec: `ArgumentAbuseRules.inspect` on every
/// privileged exec of a watched lineage (all classes, untrusted-config and
/// persistence-write among them), and the root-equivalent detector on every exec of
/// a watched lineage, privileged or not, through an engine.
func benchArgumentRules(count: Int) {
    let lines: [[String]] = [
        ["/usr/bin/docker", "inspect", "C.1234567"], ["/usr/bin/nvidia-smi", "-pm", "1"],
        ["/usr/sbin/logrotate", "--force", "-s", "/var/lib/vastai_kaalia/logrotate.state", "logrotate.config"],
        ["/usr/bin/cp", "-f", "/var/lib/vastai_kaalia/latest/vastai-run-update", "/usr/local/bin/vastai-run-update"],
        ["/usr/bin/tee", "/etc/systemd/system/vastai.service"], ["/usr/bin/systemctl", "enable", "vastai"],
        ["/usr/bin/apt-get", "-qq", "install", "-y", "python3-pip", "jq", "tshark"],
        ["/usr/sbin/sysctl", "-w", "kernel.core_pattern=/var/lib/vastai_kaalia/data/core-%e.%p.%h.%t"],
        ["/usr/bin/dd", "if=/dev/zero", "of=/var/lib/docker/tmpfile", "bs=1M", "count=256", "oflag=direct"],
        [
            "/usr/sbin/iptables", "-A", "DOCKER-USER", "-i", "enp3s0", "-p", "tcp", "--dport", "40000:40100", "-j",
            "ACCEPT",
        ],
        ["/usr/bin/python3", "/var/lib/vastai_kaalia/purge_stale_cdi.py"], ["/usr/bin/id"],
    ]
    var rules = ArgumentAbuseRules()
    rules.untrusted = UntrustedPaths(extra: ["/var/lib/vastai_kaalia"])
    var written = LineageWrites()
    written.record("/usr/local/bin/vastai-run-update", lineageUid: 1001, how: "cp destination")
    var findings = 0
    for argv in lines { findings += rules.inspect(exe: argv[0], argv: argv, lineageUid: 1001, written: written).count }
    let allocationsBefore = rw_alloc_count()
    let t = seconds {
        var i = 0
        while i < count {
            let argv = lines[i % lines.count]
            findings += rules.inspect(exe: argv[0], argv: argv, lineageUid: 1001, written: written).count
            i += 1
        }
    }
    let allocations = rw_alloc_count() - allocationsBefore
    print(
        String(
            format:
                "arguments: %d privileged command lines through every argument rule (%d findings): %.3f s = %.2f µs each, %.1f heap allocations each",
            count, findings, t, t / Double(count) * 1e6, Double(allocations) / Double(count)))

    // The root-equivalent detector alone, on unprivileged execs of a watched lineage.
    let engine = Engine(
        config: EngineConfig(watchedUids: [1001]), detectors: [RootEquivalentDetector()])
    let events: [Event] = lines.enumerated().map { i, argv in
        .exec(
            ExecEvent(
                header: EventHeader(
                    timestampNs: UInt64(i), pid: 5000, tgid: 5000, ppid: 1500, uid: 1001, euid: 1001, gid: 1001,
                    egid: 1001, lineageUid: 1001, cgroupId: 42, comm: Comm("x")),
                loginUid: 1001, flags: [], argc: UInt32(argv.count), oldPid: 5000, filename: Array(argv[0].utf8),
                args: ExecEvent.joinArgs(argv)))
    }
    var alerts = 0
    let execCount = count
    let te = seconds {
        var i = 0
        while i < execCount {
            alerts += engine.consume(events[i % events.count]).count
            i += 1
        }
    }
    print(
        String(
            format: "root-equivalent: %d watched-lineage execs through the engine (%d alerts): %.3f s = %.2f µs each",
            execCount, alerts, te, te / Double(execCount) * 1e6))
}
