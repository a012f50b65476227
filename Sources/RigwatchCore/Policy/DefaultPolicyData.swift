// SPDX-License-Identifier: Apache-2.0
/// The default policy compiled into the binary (what `make run` uses): the
/// community whitelist for vastai_kaalia, verbatim, plus the commands the real
/// Vast.ai daemon runs through sudo that it denies. Sudoers syntax, parsed by
/// `SudoersParser` like any imported file.
///
/// Origin of the seed: shared/data/vastai-restricted.sudoers (copy in
/// Tests/Fixtures/data/, whose test checks the two are identical). Origin of the
/// additions: shared/data/vastai-daemon-sudo-commands.txt ("no" lines).
public enum DefaultPolicyData {
    public static let name = "default (vastai-restricted + daemon commands)"
    public static let fileName = "<default policy>"

    /// The seed whitelist, byte for byte.
    public static let seedSudoers = #"""
        # Vast.ai restricted sudo permissions, as installed at /etc/sudoers.d/vastai-restricted
        # by the community tool low-pe/vastai-security-hardening (HEAD f2a6571, 2025-10-25).
        # Data, reproduced verbatim so the sensor can import an existing whitelist unchanged.

        # Docker container management
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cat /var/lib/docker/*
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/du -d 0 -h /var/lib/docker/*
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/du /var/lib/docker/*
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker ps *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker inspect *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/docker logs *

        # GPU management
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/timeout * /usr/bin/nvidia-smi -pm 1
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/timeout * nvidia-smi -pm 1
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi -pm 1
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cat /sys/module/nvidia_drm/parameters/modeset
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cat /sys/*

        # Network monitoring
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tshark *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt-get install * tshark
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt-get install -yq tshark

        # Package management (read-only operations)
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt update
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt-get update

        # SSH daemon
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sshd -p *

        # System configuration
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/sysctl -w kernel.core_pattern=*
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/sed -i * /etc/security/limits.conf

        # Diagnostics
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/dmidecode *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/timeout * /usr/bin/journalctl *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/timeout * journalctl *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/journalctl *
        vastai_kaalia ALL=(root) NOPASSWD: /bin/journalctl *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/fio *

        # Vast.ai updates
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/usermod -a -G docker vastai_kaalia
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cp -f * /usr/local/bin/vastai-run-update
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/chmod a+x /usr/local/bin/vastai-run-update
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/logrotate *

        # Iptables
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/iptables *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/iptables-save *

        # VM/Virtualization management
        vastai_kaalia ALL=(root) NOPASSWD: /var/lib/vastai_kaalia/enable_vms.py *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/virsh *

        # Process management
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/kill *

        # Disk I/O benchmarking
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/dd if=/dev/zero of=/var/lib/docker/* *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/dd if=/var/lib/docker/* of=/var/lib/docker/* *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/rm /var/lib/docker/tmpfile*
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/hdparm -t *

        # Script updates
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemd-run --scope --unit=vastai_script_updater sh -c *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemd-run --scope --unit=vastai_script_updater *

        # GPU management (ENABLED variant)
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/nvidia-smi -pm ENABLED

        # Network diagnostics
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/ss *

        # Hardware info
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/lshw *

        # Systemctl service management
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl stop vastai
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl start vastai
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl restart vastai
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl status vastai
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl enable vastai
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl daemon-reload
        """#

    /// Commands the Vast.ai daemon runs that the seed denies.
    public static let additions = #"""
        # rigwatch additions (not in the seed file): the commands the real Vast.ai daemon
        # runs through sudo that the seed whitelist denies (the "no" lines of
        # vastai-daemon-sudo-commands.txt), and what its whitelisted wrappers run.
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt-get -qq install -y *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/apt install -y fio
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl stop vastai_tls
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl disable vastai_tls
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/rm -f /etc/systemd/system/vastai_tls.service
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee /etc/systemd/system/vastai.service
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee /etc/systemd/system/vastai_bouncer.service
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee /etc/systemd/system/vast_metrics.service
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee /etc/cron.d/vastai_kaalia_update
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/tee -a /etc/cron.d/vastai_restart_everything
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/service vastai restart
        vastai_kaalia ALL=(root) NOPASSWD: /usr/sbin/service vast_metrics restart
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl enable vast_metrics
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/mkdir -p /etc/libvirt/hooks/
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/cp /var/lib/vastai_kaalia/latest/qemu /etc/libvirt/hooks/
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/chmod +x /etc/libvirt/hooks/qemu
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/chown vastai_kaalia\:libvirt /etc/libvirt/hooks/qemu
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/systemctl restart libvirtd
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/python3 /var/lib/vastai_kaalia/purge_stale_cdi.py
        vastai_kaalia ALL=(root) NOPASSWD: /var/lib/vastai_kaalia/vast_fuse *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/mountpoint -q *
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/fusermount -u *
        # What the whitelisted script updater runs under `systemd-run --scope`.
        vastai_kaalia ALL=(root) NOPASSWD: /usr/bin/sh -c wget https\://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh
        """#

    public static var sudoers: String { seedSudoers + "\n" + additions }
}
