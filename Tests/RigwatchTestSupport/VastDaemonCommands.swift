// SPDX-License-Identifier: Apache-2.0
/// The command lines the real Vast.ai daemon runs through sudo
/// (Tests/Fixtures/data/vastai-daemon-sudo-commands.txt), placeholders expanded to
/// realistic values: the false-alarm set every new rule must stay quiet on.
/// Used by PrivilegedExecTests (the whitelist) and RootEquivalentTests (the newer rules).
public enum VastDaemonCommands {
    /// What sudo execs, one argv each (wrappers' children not included).
    public static let sudoArgv: [[String]] = [
        ["/usr/bin/apt-get", "-qq", "install", "-y", "python3-pip", "jq", "tshark"],
        ["/usr/bin/systemctl", "stop", "vastai_tls"], ["/usr/bin/systemctl", "disable", "vastai_tls"],
        ["/usr/bin/rm", "-f", "/etc/systemd/system/vastai_tls.service"],
        ["/usr/bin/tee", "/etc/systemd/system/vastai.service"],
        ["/usr/bin/tee", "/etc/systemd/system/vastai_bouncer.service"],
        ["/usr/bin/tee", "/etc/systemd/system/vast_metrics.service"],
        ["/usr/bin/tee", "/etc/cron.d/vastai_kaalia_update"],
        ["/usr/bin/tee", "-a", "/etc/cron.d/vastai_restart_everything"], ["/usr/bin/systemctl", "daemon-reload"],
        ["/usr/sbin/service", "vastai", "restart"], ["/usr/bin/systemctl", "enable", "vastai"],
        ["/usr/sbin/service", "vast_metrics", "restart"], ["/usr/bin/systemctl", "enable", "vast_metrics"],
        ["/usr/sbin/logrotate", "--force", "-s", "/var/lib/vastai_kaalia/logrotate.state", "logrotate.config"],
        ["/usr/bin/usermod", "-a", "-G", "docker", "vastai_kaalia"],
        [
            "/usr/bin/cp", "-f", "/var/lib/vastai_kaalia/latest/vastai-run-update",
            "/usr/local/bin/vastai-run-update",
        ],
        ["/usr/bin/chmod", "a+x", "/usr/local/bin/vastai-run-update"],
        ["/usr/bin/mkdir", "-p", "/etc/libvirt/hooks/"],
        ["/usr/bin/cp", "/var/lib/vastai_kaalia/latest/qemu", "/etc/libvirt/hooks/"],
        ["/usr/bin/chmod", "+x", "/etc/libvirt/hooks/qemu"],
        ["/usr/bin/chown", "vastai_kaalia:libvirt", "/etc/libvirt/hooks/qemu"],
        ["/usr/bin/systemctl", "restart", "libvirtd"], ["/usr/bin/systemctl", "stop", "vastai"],
        ["/usr/bin/systemctl", "start", "vastai"],
        ["/usr/bin/apt-get", "install", "-yq", "tshark"],
        ["/usr/sbin/sysctl", "-w", "kernel.core_pattern=/var/lib/vastai_kaalia/data/core-%e.%p.%h.%t"],
        ["/usr/bin/sed", "-i", "/vastai_kaalia - /d", "/etc/security/limits.conf"],
        ["/usr/bin/sed", "-i", "$a vastai_kaalia - core 2097152", "/etc/security/limits.conf"],
        ["/var/lib/vastai_kaalia/enable_vms.py", "on"],
        ["/usr/bin/python3", "/var/lib/vastai_kaalia/purge_stale_cdi.py"],
        ["/usr/bin/apt", "update"], ["/usr/bin/apt", "install", "-y", "fio"],
        [
            "/usr/bin/fio", "--numjobs=16", "--directory=/var/lib/docker", "--name=bench", "--rw=randread",
            "--bs=4k", "--size=1G", "--runtime=10", "--time_based", "--group_reporting",
        ],
        ["/usr/bin/fio", "--output-format=json", "-"],
        ["/usr/bin/cat", "/sys/bus/pci/devices/0000:01:00.0/class"],
        ["/usr/bin/cat", "/sys/module/nvidia_drm/parameters/modeset"],
        [
            "/var/lib/vastai_kaalia/vast_fuse", "-m", "ro,allow_other", "-q", "4", "--", "-o", "allow_other",
            "/var/lib/vastai_kaalia/mnt/c1",
        ],
        ["/usr/bin/mountpoint", "-q", "/var/lib/vastai_kaalia/mnt/c1"],
        ["/usr/bin/fusermount", "-u", "/var/lib/vastai_kaalia/mnt/c1"],
        [
            "/usr/bin/tshark", "-p", "-i", "enp3s0", "-c", "4096", "-a", "duration:10", "-w",
            "/var/lib/vastai_kaalia/data/net.pcap",
        ],
        [
            "/usr/bin/tshark", "-r", "/var/lib/vastai_kaalia/data/net.pcap", "-T", "fields", "-e", "ip.src", "-e",
            "frame.len",
        ],
        ["/usr/bin/virsh", "list", "--name"], ["/usr/bin/docker", "ps", "--format", "{{.Names}}"],
        ["/usr/bin/docker", "inspect", "C.1234567"], ["/usr/bin/docker", "logs", "C.1234567"],
        ["/usr/bin/nvidia-smi", "-pm", "1"], ["/usr/bin/nvidia-smi", "-pm", "ENABLED"],
        ["/usr/sbin/dmidecode", "-t", "memory"], ["/usr/bin/lshw", "-class", "disk"],
        ["/usr/sbin/hdparm", "-t", "/dev/sda1"],
        ["/usr/bin/dd", "if=/dev/zero", "of=/var/lib/docker/tmpfile", "bs=1M", "count=256", "oflag=direct"],
        ["/usr/bin/rm", "/var/lib/docker/tmpfile"], ["/usr/bin/ss", "-lntup6H"],
        [
            "/usr/sbin/iptables", "-A", "DOCKER-USER", "-i", "enp3s0", "-p", "tcp", "--dport", "40000:40100", "-j",
            "ACCEPT",
        ],
        ["/usr/sbin/iptables-save", "-t", "filter"], ["/usr/sbin/sshd", "-p", "40022"], ["/usr/bin/kill", "48213"],
    ]

    /// The wrappers, with the child each really runs: (sudo argv, child argv, child exe).
    public static let wrapped: [([String], [String], String)] = [
        (
            [
                "/usr/bin/timeout", "--foreground", "3s", "journalctl", "-o", "short-precise", "-r", "-k", "--since",
                "24 hours ago",
            ], ["journalctl", "-o", "short-precise", "-r", "-k", "--since", "24 hours ago"], "/usr/bin/journalctl"
        ),
        (["/usr/bin/timeout", "10", "nvidia-smi", "-pm", "1"], ["nvidia-smi", "-pm", "1"], "/usr/bin/nvidia-smi"),
        (
            [
                "/usr/bin/systemd-run", "--scope", "--unit=vastai_script_updater", "sh", "-c",
                "wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh",
            ],
            [
                "sh", "-c",
                "wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh",
            ], "/usr/bin/sh"
        ),
    ]

    /// What the update script's shell then runs, below the scope (child argv, exe).
    public static let updateChildren: [([String], String)] = [
        (["wget", "https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh"], "/usr/bin/wget"),
        (["bash", "update_scripts.sh"], "/usr/bin/bash"),
    ]
}
