// SPDX-License-Identifier: Apache-2.0
import CAllocCounter
import Foundation
import RigwatchCore

/// Whitelist decisions on realistic command lines: the 49-rule seed file
/// imported on top of the default policy (121 rules), allowed and unlisted commands.
func benchPolicy(count: Int) throws {
    let seed =
        try SudoersParser(file: "seed", canon: .mergedUsr)
        .parse(DefaultPolicyData.seedSudoers, users: [.init(uid: 1001, name: "vastai_kaalia")])["vastai_kaalia"] ?? []
    let rules = PolicySet.defaultRules(canon: .mergedUsr) + seed
    let policy = CompiledPolicy(name: "bench", rules: rules, canon: .mergedUsr)
    let lines: [[String]] = [
        ["/usr/bin/docker", "inspect", "C.1234567"], ["/usr/bin/nvidia-smi", "-pm", "1"],
        [
            "/usr/bin/timeout", "--foreground", "3s", "journalctl", "-o", "short-precise", "-r", "-k", "--since",
            "24 hours ago",
        ],
        [
            "/usr/sbin/iptables", "-A", "DOCKER-USER", "-i", "enp3s0", "-p", "tcp", "--dport", "40000:40100", "-j",
            "ACCEPT",
        ],
        ["/usr/bin/cat", "/sys/bus/pci/devices/0000:01:00.0/class"], ["/bin/journalctl", "-u", "vastai", "-n", "100"],
        ["/usr/bin/dd", "if=/dev/zero", "of=/var/lib/docker/tmpfile", "bs=1M", "count=256", "oflag=direct"],
        ["/usr/bin/systemctl", "restart", "vastai"], ["/usr/bin/bash", "-c", "curl x | sh"], ["/usr/bin/id"],
        ["/usr/bin/apt-get", "-qq", "install", "-y", "python3-pip", "jq"], ["/usr/local/bin/xmrig", "-o", "pool:3333"],
    ]
    let execs = lines.map { (Array($0[0].utf8), ExecEvent.joinArgs($0), UInt32($0.count)) }
    var allowed = 0
    // Warm up, then measure.
    for (exe, args, argc) in execs {
        if exe.withUnsafeBufferPointer({ e in
            args.withUnsafeBufferPointer { a in
                policy.decide(exe: e, args: a, argc: argc, argsTruncated: false)
            }
        }).isAllowed {
            allowed += 1
        }
    }
    let allowedPerRound = allowed
    allowed = 0
    let allocationsBefore = rw_alloc_count()
    let t = seconds {
        var i = 0
        while i < count {
            let (exe, args, argc) = execs[i % execs.count]
            let decision = exe.withUnsafeBufferPointer { e in
                args.withUnsafeBufferPointer { a in policy.decide(exe: e, args: a, argc: argc, argsTruncated: false) }
            }
            if decision.isAllowed { allowed += 1 }
            i += 1
        }
    }
    let allocations = rw_alloc_count() - allocationsBefore
    print(
        String(
            format:
                "policy: %d decisions over %d command lines (%d allowed each round), %d rules: %.3f s = %.2f M decisions/s, %.4f heap allocations per decision",
            count, execs.count, allowedPerRound, rules.count, t, Double(count) / t / 1e6,
            Double(allocations) / Double(count)))
}
