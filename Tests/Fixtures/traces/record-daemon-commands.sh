#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Records Tests/Fixtures/traces/daemon-commands.rwtrace on the real kernel: a test user
# (rwtestdmn, sudo ALL like a Vast host's vastai_kaalia) runs, through the real sudo,
# every command line of Tests/Fixtures/data/vastai-daemon-sudo-commands.txt while
# `rigwatch record` runs, so what each command really starts as root is in the trace
# (the default child profiles, Sources/RigwatchCore/Policy/DefaultChildProfiles.swift,
# come from it, and RecordedDaemonTraceTests replays it under the default policy).
#
# Real where the tool is a Debian package: apt-get/apt install and apt update run first,
# on the host itself (tshark, fio, lshw, dmidecode, hdparm, logrotate, python3-tabulate
# really install from this machine's Debian mirror: run it where they are not installed
# yet, or the installs record nothing), then in the namespace below logrotate, tshark/dumpcap, fio, dd, sed, tee, systemctl, service,
# journalctl, sysctl, usermod, ss, lshw, dmidecode, hdparm, mountpoint, kill.
# Stand-ins (executable stubs overlaid on /usr/bin and /usr/sbin in a private mount
# namespace): docker, virsh, nvidia-smi, sshd, iptables, iptables-save, fusermount,
# wget (writes a benign update_scripts.sh: no network to s3 here) and systemd-run
# (`--scope` execs its command in place, as the real one does; there is no systemd here).
# The watched user's home (/var/lib/vastai_kaalia: enable_vms.py, purge_stale_cdi.py,
# vast_fuse, logrotate.config are stand-ins), /var/lib/docker, /usr/local/bin,
# /etc/systemd/system, /etc/cron.d, /etc/security, /etc/libvirt and core_pattern are
# tmpfs or bind mounts in that namespace: the host keeps its files, firewall and core_pattern.
# The script's own `kill -INT` of the recorder is cut out of the trace afterwards
# (cut-recorder-stop.py, through the JSON Lines form): it is the recording's end, not a
# daemon command, and would replay as a sensor-tamper alert.
# Needs root, python3 and a built rigwatch. Usage: record-daemon-commands.sh [path/to/rigwatch]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rigwatch="${1:-$here/../../../.build/debug/rigwatch}"
user=rwtestdmn
sudoers=/etc/sudoers.d/rwtest-dmn
work=$(mktemp -d /tmp/rwtest-dmn.XXXXXX)
trace="$here/daemon-commands.rwtrace"

# Mount points the namespace needs that the host lacks; removed again if empty.
created=()
for d in /var/lib/vastai_kaalia /var/lib/docker /etc/libvirt; do [ -e "$d" ] || created+=("$d"); done
cleanup() {
	for d in "${created[@]}"; do rmdir "$d" 2>/dev/null || true; done
	rm -f "$sudoers"
	userdel "$user" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
userdel "$user" 2>/dev/null || true
useradd --system --no-create-home --user-group -s /bin/sh "$user"
echo "$user ALL=(root) NOPASSWD:SETENV: ALL" > "$sudoers"
chmod 0440 "$sudoers"
uid=$(id -u "$user")
gid=$(id -g "$user")
chmod 0755 "$work"

# What the installs below brought onto this machine the first time (apt's history): purged
# first, so that each recording records their installation (RW_RECORD_KEEP=1 keeps them).
installed="dmidecode hdparm usb.ids pci.ids libpopt0 logrotate lshw powermgmt-base python3-tabulate
	libwireshark-data libnl-genl-3-200 libsmi2ldbl libc-ares2 libspandsp2 libwsutil14 liblua5.2-0 libsbc1
	libwiretap13 libmaxminddb0 libwireshark16 libpcap0.8 wireshark-common libbcg729-0 libspeexdsp1 tshark
	libpmemblk1 fio libnbd0"
if [ -z "${RW_RECORD_KEEP:-}" ]; then
	# shellcheck disable=SC2086
	present=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' $installed 2>/dev/null | awk '/^ii/ {print $2}')
	# shellcheck disable=SC2086
	[ -z "$present" ] || DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $present > /dev/null
fi

# Stubs and stand-in files.
mkdir -p "$work/stubs/usr/bin" "$work/stubs/usr/sbin" "$work/home/latest" "$work/home/data" "$work/home/cwd"
stub() { printf '#!/bin/sh\n%s\n' "${2:-exit 0}" > "$work/stubs$1"; chmod 0755 "$work/stubs$1"; }
for p in /usr/bin/docker /usr/bin/virsh /usr/bin/nvidia-smi /usr/sbin/sshd /usr/sbin/iptables \
	/usr/sbin/iptables-save /usr/bin/fusermount; do stub "$p"; done
stub /usr/bin/wget 'printf "echo update_scripts stand-in\n" > update_scripts.sh'
stub /usr/bin/systemd-run 'while [ "${1#-}" != "$1" ]; do shift; done; exec "$@"'
printf '#!/usr/bin/python3\nimport sys\nprint("enable_vms stand-in", sys.argv[1:])\n' > "$work/home/enable_vms.py"
printf 'print("purge_stale_cdi stand-in")\n' > "$work/home/purge_stale_cdi.py"
printf '#!/bin/sh\nexit 0\n' > "$work/home/vast_fuse"
printf '#!/bin/sh\necho vastai-run-update stand-in\n' > "$work/home/latest/vastai-run-update"
printf '#!/bin/sh\nexit 0\n' > "$work/home/latest/qemu"
chmod 0755 "$work/home/enable_vms.py" "$work/home/vast_fuse" "$work/home/latest/"*
# The daemon's log rotation: its own logs, compressed, no scripts.
echo "log" > "$work/home/data/kaalia.log"
printf '/var/lib/vastai_kaalia/data/*.log {\n  rotate 3\n  size 1\n  compress\n  missingok\n  copytruncate\n}\n' \
	> "$work/home/logrotate.config"
chown -R "$uid:$gid" "$work/home"
printf '[j]\nrw=read\nsize=1m\ndirectory=/var/lib/docker\n' > "$work/fio.job"
chmod 0644 "$work/fio.job"

# What the watched user runs: sudo -n for each daemon command line, in the file's order.
cat > "$work/install.sh" <<'EOF'
set +e
S() { /usr/bin/sudo -n "$@" < /dev/null > /dev/null 2>&1; }
cd /
S DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get -qq install -y lshw dmidecode hdparm logrotate python3-tabulate
S DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -yq tshark
S /usr/bin/apt update
S DEBIAN_FRONTEND=noninteractive /usr/bin/apt install -y fio
exit 0
EOF
cat > "$work/daemon.sh" <<'EOF'
set +e
S() { /usr/bin/sudo -n "$@" < /dev/null > /dev/null 2>&1; }
cd /var/lib/vastai_kaalia/cwd || exit 1
S /usr/bin/systemctl stop vastai_tls
S /usr/bin/systemctl disable vastai_tls
S /usr/bin/rm -f /etc/systemd/system/vastai_tls.service
for f in vastai.service vastai_bouncer.service vast_metrics.service; do
	echo "[Unit]" | /usr/bin/sudo -n /usr/bin/tee /etc/systemd/system/$f > /dev/null
done
echo "# cron" | /usr/bin/sudo -n /usr/bin/tee /etc/cron.d/vastai_kaalia_update > /dev/null
echo "# cron" | /usr/bin/sudo -n /usr/bin/tee -a /etc/cron.d/vastai_restart_everything > /dev/null
S /usr/bin/systemctl daemon-reload
S /usr/sbin/service vastai restart
S /usr/bin/systemctl enable vastai
S /usr/sbin/service vast_metrics restart
S /usr/bin/systemctl enable vast_metrics
(cd /var/lib/vastai_kaalia && S /usr/sbin/logrotate --force -s /var/lib/vastai_kaalia/logrotate.state logrotate.config)
S /usr/bin/usermod -a -G docker vastai_kaalia
S /usr/bin/cp -f /var/lib/vastai_kaalia/latest/vastai-run-update /usr/local/bin/vastai-run-update
S /usr/bin/chmod a+x /usr/local/bin/vastai-run-update
S /usr/bin/mkdir -p /etc/libvirt/hooks/
S /usr/bin/cp /var/lib/vastai_kaalia/latest/qemu /etc/libvirt/hooks/
S /usr/bin/chmod +x /etc/libvirt/hooks/qemu
S /usr/bin/chown vastai_kaalia:libvirt /etc/libvirt/hooks/qemu
S /usr/bin/systemctl restart libvirtd
S /usr/bin/systemctl stop vastai
S /usr/bin/systemctl start vastai
S /usr/sbin/sysctl -w kernel.core_pattern=/var/lib/vastai_kaalia/data/core-%e.%p.%h.%t
S /usr/bin/sed -i '/vastai_kaalia - /d' /etc/security/limits.conf
S /usr/bin/sed -i '$a vastai_kaalia - core 2097152' /etc/security/limits.conf
S /var/lib/vastai_kaalia/enable_vms.py on
S /usr/bin/python3 /var/lib/vastai_kaalia/purge_stale_cdi.py
S /usr/bin/timeout --foreground 3s journalctl -o short-precise -r -k --since '24 hours ago'
S /usr/bin/fio --numjobs=2 --directory=/var/lib/docker --name=bench --rw=read --bs=4k --size=1m --runtime=1
/usr/bin/sudo -n /usr/bin/fio --output-format=json - < /var/lib/vastai_kaalia/fio.job > /dev/null 2>&1
S /usr/bin/cat /sys/class/net/lo/type
S /usr/bin/cat /sys/module/nvidia_drm/parameters/modeset
S /var/lib/vastai_kaalia/vast_fuse -m ro -q 4 -- -o allow_other /var/lib/vastai_kaalia/mnt
S /usr/bin/mountpoint -q /var/lib/vastai_kaalia/mnt
S /usr/bin/fusermount -u /var/lib/vastai_kaalia/mnt
S /usr/bin/tshark -p -i lo -c 4096 -a duration:1 -w /var/lib/vastai_kaalia/data/net.pcap
S /usr/bin/tshark -r /var/lib/vastai_kaalia/data/net.pcap -T fields -e frame.len
S /usr/bin/virsh list --name
S /usr/bin/docker ps --format '{{.Names}}'
S /usr/bin/docker inspect C.1
S /usr/bin/docker logs C.1
S /usr/bin/nvidia-smi -pm 1
S /usr/bin/nvidia-smi -pm ENABLED
S /usr/bin/timeout 10 nvidia-smi -pm 1
S /usr/sbin/dmidecode -t memory
S /usr/bin/lshw -class disk
S /usr/sbin/hdparm -t /dev/sda1
S /usr/bin/dd if=/dev/zero of=/var/lib/docker/tmpfile bs=64k count=16 oflag=direct
S /usr/bin/rm /var/lib/docker/tmpfile
S /usr/bin/ss -lntup6H
S /usr/sbin/iptables -A DOCKER-USER -i lo -p tcp --dport 40000:40100 -j ACCEPT
S /usr/sbin/iptables-save -t filter
S /usr/sbin/sshd -p 40022
/usr/bin/sleep 30 &
S /usr/bin/kill $!
S /usr/bin/systemd-run --scope --unit=vastai_script_updater sh -c 'wget https://s3.amazonaws.com/public.vast.ai/kaalia/scripts/update_scripts.sh && bash update_scripts.sh'
exit 0
EOF
chmod 0644 "$work/daemon.sh" "$work/install.sh"

# The namespace: stubs over /usr/bin and /usr/sbin, tmpfs where the commands write.
cat > "$work/ns.sh" <<EOF
set -e
mount -t overlay overlay -o lowerdir=$work/stubs/usr/bin:/usr/bin /usr/bin
mount -t overlay overlay -o lowerdir=$work/stubs/usr/sbin:/usr/sbin /usr/sbin
mkdir -p /var/lib/vastai_kaalia /var/lib/docker /etc/libvirt
mount --bind $work/home /var/lib/vastai_kaalia
cp $work/fio.job /var/lib/vastai_kaalia/fio.job
for d in /var/lib/docker /usr/local/bin /etc/systemd/system /etc/cron.d /etc/libvirt; do mount -t tmpfs tmpfs \$d; done
cp /proc/sys/kernel/core_pattern $work/core_pattern
mount --bind $work/core_pattern /proc/sys/kernel/core_pattern
mkdir -p $work/security && cp -a /etc/security/. $work/security/ && mount --bind $work/security /etc/security
exec setpriv --reuid=$uid --regid=$gid --init-groups -- /bin/bash $work/daemon.sh
EOF

"$rigwatch" record -o "$trace" --watch-user "$user" 2> "$work/record.log" &
recorder=$!
until grep -q "sensor attached" "$work/record.log"; do
	kill -0 "$recorder" || { cat "$work/record.log"; exit 1; }
	sleep 0.2
done
start=$(date +%s)
setpriv --reuid="$uid" --regid="$gid" --init-groups -- /bin/bash "$work/install.sh"
unshare -m --propagation private /bin/sh "$work/ns.sh"
echo "daemon commands ran in $(($(date +%s) - start)) s"
sleep 1
kill -INT "$recorder"
wait "$recorder"
tail -n 1 "$work/record.log"
"$rigwatch" trace convert "$trace" "$work/trace.jsonl"
python3 "$here/cut-recorder-stop.py" "$work/trace.jsonl" $$ "$recorder"
"$rigwatch" trace convert "$work/trace.jsonl" "$trace"
chmod 0644 "$trace"
echo "recorded $trace: watched uid $uid"
