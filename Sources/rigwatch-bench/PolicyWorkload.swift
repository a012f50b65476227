// SPDX-License-Identifier: Apache-2.0
import RigwatchCore

/// The whitelist decisions `policy` times and `count-policy` counts: the 49-rule seed
/// file imported on top of the default policy (121 rules), allowed and unlisted commands.
struct PolicyWorkload {
    let policy: CompiledPolicy
    let ruleCount: Int
    let execs: [([UInt8], [UInt8], UInt32)]

    init() throws {
        let seed =
            try SudoersParser(file: "seed", canon: .mergedUsr)
            .parse(DefaultPolicyData.seedSudoers, users: [.init(uid: 1001, name: "vastai_kaalia")])["vastai_kaalia"]
            ?? []
        let rules = PolicySet.defaultRules(canon: .mergedUsr) + seed
        policy = CompiledPolicy(name: "bench", rules: rules, canon: .mergedUsr)
        ruleCount = rules.count
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
            ["/usr/bin/cat", "/sys/bus/pci/devices/0000:01:00.0/class"],
            ["/bin/journalctl", "-u", "vastai", "-n", "100"],
            ["/usr/bin/dd", "if=/dev/zero", "of=/var/lib/docker/tmpfile", "bs=1M", "count=256", "oflag=direct"],
            ["/usr/bin/systemctl", "restart", "vastai"], ["/usr/bin/bash", "-c", "curl x | sh"], ["/usr/bin/id"],
            ["/usr/bin/apt-get", "-qq", "install", "-y", "python3-pip", "jq"],
            ["/usr/local/bin/xmrig", "-o", "pool:3333"],
        ]
        execs = lines.map { (Array($0[0].utf8), ExecEvent.joinArgs($0), UInt32($0.count)) }
    }

    /// `count` decisions, cycling through the command lines; how many were allowed.
    func decide(count: Int) -> Int {
        var allowed = 0
        var i = 0
        while i < count {
            let (exe, args, argc) = execs[i % execs.count]
            let decision = exe.withUnsafeBufferPointer { e in
                args.withUnsafeBufferPointer { a in policy.decide(exe: e, args: a, argc: argc, argsTruncated: false) }
            }
            if decision.isAllowed { allowed += 1 }
            i += 1
        }
        return allowed
    }
}
