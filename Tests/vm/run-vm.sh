#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Boots KERNEL under qemu (TCG) with the initramfs from build-initramfs.sh on the
# host's own root filesystem (virtio-9p, read-only, a tmpfs overlay in the guest for
# writes), runs one test script as root in the guest and powers off. No network
# device: the guest has loopback only. The only host directory it can write is SHARE.
#
# Adapted from the reference recipe in the project's shared design data (shared/vm);
# nothing here reads it.
#
#   run-vm.sh -k KERNEL -i INITRAMFS -t TEST.sh [-s SHARE_DIR] [-f FILE]... [-e VAR=VALUE]...
#             [-b PATH]... [-a "CMDLINE"] [-T QEMU_TIMEOUT] [-g TEST_TIMEOUT]
#             [-m MEM_MB] [-c CPUS] [-S]
#
#   -k  kernel: the uncompressed vmlinux from ensure-kernel.sh (PVH boot: qemu enters
#       the ELF directly; the test starts seconds sooner under TCG) or a bzImage
#   -i  initramfs (ensure-kernel.sh builds it)
#   -t  test script, run by bash as root in the guest. It sees the host's tree
#       read-only with writes landing in a tmpfs overlay (they vanish), a fresh /tmp
#       and /run, the share read-write at /vmshare, RW_SHARE=/vmshare, the -e variables
#   -s  results share on the host (default build/vm/share beside this repository);
#       emptied first; the test is copied there as test.sh, -f files beside it
#   -e  environment for the test (SHARE/test.env, sourced before it runs)
#   -b  a host directory that must be visible at the same path in the guest even
#       under /tmp or /run, which the guest mounts afresh (the repository; CI clones
#       it to a folder nobody knows in advance)
#   -a  extra kernel command line (e.g. "lsm=lockdown,capability,yama,apparmor,bpf")
#   -T  hard wall-clock limit for qemu (default 660 s); -g limit for the test inside
#       (default: 60 s less)
#   -m  guest memory (default 2048 MiB); -c vCPUs (default 2)
#   -S  interactive: a shell on the serial console instead of the test
#
# Always TCG (-accel tcg,thread=multi -cpu max): /dev/kvm on the machines this runs on
# is nested KVM without VMX/SVM, where -enable-kvm aborts or hangs.
# Output: the serial console streams to stdout and SHARE/serial.log; the test's own
# output is SHARE/guest.log. Prints the boot time (host seconds from qemu's start to
# the test's start) and the test time, also written to SHARE/timing, and exits with
# the test's status: 125 when the guest never reported one (it did not boot, its init
# failed, or qemu was killed at -T).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
KERNEL='' INITRD='' TEST='' SHARE='' EXTRA='' QTIMEOUT=660 GTIMEOUT='' MEM=2048 CPUS=2 SHELL1=''
FILES=() ENVS=() KEEP=()
while getopts "k:i:t:s:f:e:b:a:T:g:m:c:Sh" opt; do
	case $opt in
	k) KERNEL=$OPTARG ;; i) INITRD=$OPTARG ;; t) TEST=$OPTARG ;; s) SHARE=$OPTARG ;;
	f) FILES+=("$OPTARG") ;; e) ENVS+=("$OPTARG") ;; b) KEEP+=("$OPTARG") ;; a) EXTRA=$OPTARG ;;
	T) QTIMEOUT=$OPTARG ;; g) GTIMEOUT=$OPTARG ;; m) MEM=$OPTARG ;; c) CPUS=$OPTARG ;;
	S) SHELL1=1 ;;
	*) sed -n '2,39p' "$0"; exit 2 ;;
	esac
done
say() { echo "run-vm: $*"; }
[ -f "$KERNEL" ] || { say "-k KERNEL missing" >&2; exit 2; }
[ -f "$INITRD" ] || { say "-i INITRAMFS missing" >&2; exit 2; }
[ -n "$SHELL1" ] || [ -f "$TEST" ] || { say "-t TEST missing" >&2; exit 2; }
[[ $QTIMEOUT =~ ^[1-9][0-9]*$ ]] || { say "-T wants seconds" >&2; exit 2; }
GTIMEOUT=${GTIMEOUT:-$((QTIMEOUT > 120 ? QTIMEOUT - 60 : QTIMEOUT / 2))}
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }

SHARE=${SHARE:-$(cd "$HERE/../.." && pwd -P)/build/vm/share}
case $(realpath -m "$SHARE") in
/ | /tmp | /usr | /usr/* | /etc | /etc/* | /root | /home | /var | /var/* | /opt | /opt/* | /boot*)
	say "refusing share $SHARE (it is emptied first)" >&2; exit 2 ;;
esac
[ ! -e "$SHARE/.git" ] || { say "refusing share $SHARE: a git work tree" >&2; exit 2; }
mkdir -p "$SHARE"
find "$SHARE" -mindepth 1 -delete
SHARE=$(cd "$SHARE" && pwd -P)
[ -n "$TEST" ] && cp "$TEST" "$SHARE/test.sh"
for f in "${FILES[@]}"; do cp "$f" "$SHARE/"; done
: > "$SHARE/test.env"
for e in "${ENVS[@]}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { say "-e wants VAR=VALUE, got '$e'" >&2; exit 2; }
	printf 'export %q\n' "$e" >> "$SHARE/test.env"
done
: > "$SHARE/keep"
for p in "${KEEP[@]}"; do
	[ -d "$p" ] || { say "-b $p: no such directory" >&2; exit 2; }
	(cd "$p" && pwd -P) >> "$SHARE/keep"
done
LOG=$SHARE/serial.log

CMDLINE="console=ttyS0 panic=-1 rw.root=hostroot rw.share=vmshare rw.test=/vmshare/test.sh rw.timeout=$GTIMEOUT"
[ -n "$SHELL1" ] && CMDLINE="$CMDLINE rw.shell=1"
[ -n "$EXTRA" ] && CMDLINE="$CMDLINE $EXTRA"
# shellcheck disable=SC2054 # commas inside qemu's own option values
QEMU=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max
	-machine q35 -m "$MEM" -smp "$CPUS" -nodefaults -no-user-config -display none -monitor none
	-no-reboot -nic none -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE"
	-fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot
	-fsdev "local,id=vmshare,path=$SHARE,security_model=none,multidevs=remap"
	-device virtio-9p-pci,fsdev=vmshare,mount_tag=vmshare)

if [ -n "$SHELL1" ]; then exec "${QEMU[@]}" -serial mon:stdio; fi

now() { date +%s.%N; }
dt() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", a-b}'; }

say "TCG, $CPUS vCPUs, $MEM MiB, kernel $KERNEL; qemu limit ${QTIMEOUT}s, test limit ${GTIMEOUT}s" | tee "$LOG"
say "cmdline: $CMDLINE" | tee -a "$LOG"
CONSOLE=$SHARE/.console
: > "$CONSOLE"
start=$(now)
timeout -k 10 "$QTIMEOUT" "${QEMU[@]}" -serial stdio < /dev/null > "$CONSOLE" 2>&1 &
qpid=$!
tail -n +1 -f --pid=$qpid "$CONSOLE" &
tpid=$!
stage1='' stage2=''
while kill -0 $qpid 2>/dev/null; do
	if [ -z "$stage1" ] && grep -q 'vm-init: stage 1' "$CONSOLE"; then stage1=$(dt "$(now)" "$start"); fi
	if [ -z "$stage2" ] && grep -q 'vm-init: stage 2' "$CONSOLE"; then stage2=$(dt "$(now)" "$start"); fi
	sleep 0.2
done
set +e; wait $qpid; qrc=$?; set -e
end=$(now)
wait $tpid 2>/dev/null || true
cat "$CONSOLE" >> "$LOG"
rm -f "$CONSOLE"

total=$(dt "$end" "$start")
test_s='?'
[ -n "$stage2" ] && test_s=$(dt "$total" "$stage2")
rc=125
if [ -f "$SHARE/exit_code" ] && [[ $(cat "$SHARE/exit_code") =~ ^[0-9]+$ ]]; then rc=$(cat "$SHARE/exit_code"); fi
{
	say "qemu exit $qrc after ${total}s"
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then say "qemu killed at its ${QTIMEOUT}s limit (-T)"; fi
	if [ -z "$stage1" ]; then say "the guest's init never spoke: the VM did not boot"; fi
	say "boot ${stage2:-?}s (qemu start to the test's start; init at ${stage1:-?}s), test ${test_s}s, total ${total}s"
	if [ "$rc" = 125 ]; then say "the guest reported no test status: FAILED (125)"; else say "guest test exit $rc"; fi
} | tee -a "$LOG"
printf 'boot_s=%s\ninit_s=%s\ntest_s=%s\ntotal_s=%s\nqemu_rc=%s\nrc=%s\n' \
	"${stage2:-}" "${stage1:-}" "$test_s" "$total" "$qrc" "$rc" > "$SHARE/timing"
exit "$rc"
