// SPDX-License-Identifier: Apache-2.0
/// Where a file written as root runs code later, as root or as another user:
/// cron, systemd units and generators, init scripts, login shells' profiles,
/// udev rules, module loading, apt and dpkg hooks, logrotate scripts, network
/// hooks, polkit rules, container daemons' configuration, and any user's
/// `.ssh` directory. Written as argv destinations (`cp -t /etc/cron.d`, `tee`,
/// `dd of=`), they are reported before the file event arrives, and for paths the
/// file-change monitor does not watch at all.
///
/// Left out on purpose: `/etc/libvirt/hooks/` (the Vast daemon copies its hook
/// there on every update; the file-change detector reports each copy already),
/// `/usr/local/bin` (the whitelist's `cp -f * /usr/local/bin/vastai-run-update`;
/// what runs from there is the child profiles' business), `/etc/security/`
/// (`sed -i … /etc/security/limits.conf` is whitelisted and is no code).
/// The sudoers, PAM, ld.so, SSH daemon and /root/ paths are sensitive paths
/// already and are reported as such, once.
public enum PersistencePaths {
    public static let defaults: [String] = [
        "/etc/cron.d/", "/etc/cron.hourly/", "/etc/cron.daily/", "/etc/cron.weekly/", "/etc/cron.monthly/",
        "/etc/cron.yearly/", "/etc/crontab", "/etc/anacrontab", "/var/spool/cron/", "/var/spool/anacron/",
        "/etc/systemd/", "/run/systemd/system/", "/run/systemd/generator/", "/run/systemd/transient/",
        "/lib/systemd/", "/usr/lib/systemd/", "/usr/local/lib/systemd/", "/etc/init.d/", "/etc/rc.local",
        "/etc/rc0.d/", "/etc/rc1.d/", "/etc/rc2.d/", "/etc/rc3.d/", "/etc/rc4.d/", "/etc/rc5.d/", "/etc/rc6.d/",
        "/etc/rcS.d/", "/etc/profile", "/etc/profile.d/", "/etc/bash.bashrc", "/etc/environment", "/etc/zsh/",
        "/etc/udev/rules.d/", "/lib/udev/rules.d/", "/usr/lib/udev/rules.d/", "/etc/modprobe.d/", "/lib/modprobe.d/",
        "/usr/lib/modprobe.d/", "/etc/modules", "/etc/modules-load.d/", "/usr/lib/modules-load.d/",
        "/etc/apt/apt.conf", "/etc/apt/apt.conf.d/", "/etc/apt/sources.list", "/etc/apt/sources.list.d/",
        "/etc/apt/trusted.gpg.d/", "/etc/apt/preferences.d/", "/etc/dpkg/dpkg.cfg.d/", "/etc/update-motd.d/",
        "/etc/logrotate.conf", "/etc/logrotate.d/", "/etc/rsyslog.conf", "/etc/rsyslog.d/", "/etc/polkit-1/",
        "/etc/NetworkManager/dispatcher.d/", "/etc/network/", "/etc/dhcp/", "/etc/kernel/", "/etc/initramfs-tools/",
        "/etc/binfmt.d/", "/usr/lib/binfmt.d/", "/etc/tmpfiles.d/", "/usr/lib/tmpfiles.d/", "/etc/sysctl.conf",
        "/etc/sysctl.d/", "/etc/docker/", "/etc/containerd/", "/etc/xdg/autostart/", "/etc/init/",
    ]

    /// The entry `path` (absolute, normalised) lies under, or ".ssh" for any user's SSH directory.
    static func match(_ path: String, in entries: [String]) -> String? {
        if let hit = entries.first(where: { ArgumentAbuseRules.isUnder(path, $0) }) { return hit }
        if path.split(separator: "/").contains(".ssh") { return ".ssh" }
        return nil
    }
}
