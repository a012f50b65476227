// SPDX-License-Identifier: Apache-2.0
/// One line per alert rule: when it is raised (docs/detectors.md says more), for
/// `rigwatch explain`.
public enum RuleCatalog {
    public static let meaning: [String: String] = [
        "unlisted-privileged-exec": "a privileged exec in a watched lineage matched no whitelist rule",
        "unexpected-root-child":
            "an allowed root command started a shell, an interpreter, a program outside the system directories or one from a writable path that its child profiles do not allow",
        "enforcement-denied":
            "enforcement (deny mode) stopped an unlisted root command of a watched lineage before it ran",
        "enforcement-audit": "enforcement in audit mode: deny mode would have stopped this root command",
        "enforcement-undecided":
            "the in-kernel whitelist could not decide a root command (a rule too big for it); it ran",
        "privileged-argument-abuse": "a privileged exec in a watched lineage, allowed or not, had dangerous arguments",
        "root-equivalent-container":
            "a watched lineage ran a container client with host mounts, --privileged, host namespaces, devices, capabilities or confinement off",
        "root-equivalent-group": "a root command of a watched lineage added a user to a root-equivalent group",
        "root-equivalent-unit":
            "a watched lineage started a transient systemd unit, or a unit it wrote, which runs as root outside the lineage",
        "root-equivalent-runtime-socket": "a watched lineage connected to a container runtime's API socket",
        "exfiltration":
            "bytes to one destination reached a window or rate threshold, or a watched lineage exceeded a long-horizon budget",
        "watched-user-outbound": "a watched lineage connected to a destination not on its allowlist",
        "crypto-mining": "mining signals agreed: a miner's exec, a pool connection, a busy GPU, stratum on the wire",
        "file-change": "a watched path changed and no maintenance rule covers the change",
        "sensor-tamper": "signals, ptrace or memory access aimed at the sensor, or its BPF links and maps changed",
        "auth-brute-force": "failed authentications of one account, or from one address, reached the burst threshold",
        "auth-root-ssh-login": "root logged in over SSH",
        "auth-watched-login-unexpected-address":
            "an account logged in from an address its auth allow-list does not hold",
        "auth-sudo-failure": "a watched account failed sudo's password check",
        "sensor-lost-events": "the kernel could not queue events: some were lost",
        "alert-spool-full": "the delivery spool had to refuse alerts",
        "sensor-spool-damaged": "parts of the delivery spool failed their checksums and were skipped",
        "sensor-heartbeat": "the sensor's periodic sign of life",
        "sensor-stopping": "the sensor stopped cleanly",
        "test-alert": "a test alert, sent on request",
        "host-posture":
            "a standing weakness of the host the posture checks found (`rigwatch check-host`), new since their last run",
    ]
}
