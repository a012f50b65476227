#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the tiny initramfs that boots a distribution kernel under qemu on top of the
# HOST's root filesystem, shared read-only over virtio-9p, with a tmpfs overlay for
# writes. Part of the kernel-matrix VM harness (see Tests/vm/run-vm.sh).
#
# Adapted from the reference recipe in the project's shared design data (shared/vm);
# nothing here reads it.
#
#   build-initramfs.sh -m MODULES_DIR -o OUT.cpio.gz [-b BUSYBOX] [-k "mod1 mod2 ..."]
#
#   -m  the kernel's module tree, e.g. build/vm/linux-image-6.1.0-57-amd64/root/lib/modules/6.1.0-57-amd64
#       (modules.dep is used when present, else each module's .modinfo "depends=")
#   -o  output initramfs (gzip'd newc cpio)
#   -b  a STATIC busybox (default /bin/busybox, from busybox-static)
#   -k  extra modules to load, by name. Always loaded: virtio_pci 9pnet_virtio 9p
#       overlay (the root filesystem) and veth (the network tests' namespaces; network
#       namespaces themselves, IPv4/IPv6 and unix sockets are built into Debian's
#       kernels). Dependencies are added, everything is loaded deps-first; modules
#       built into the kernel (modules.builtin) are skipped.
#
# The /init it writes understands these kernel command-line options:
#   rw.root=TAG      9p mount tag of the host root (default hostroot)
#   rw.share=TAG     9p mount tag of the read-write results share (default vmshare),
#                    mounted at /vmshare in the guest
#   rw.test=PATH     guest path of the test script (default /vmshare/test.sh)
#   rw.timeout=SECS  kill the test after this long (default 600)
#   rw.shell=1       a shell on the console instead of the test
# and these files in the share:
#   test.env         sourced (by bash) before the test runs
#   keep             absolute paths, one a line, that must stay visible at the same
#                    path in the guest although /tmp and /run get fresh tmpfs mounts
#                    (the repository when it lives under /tmp): bound back over them
# The test's stdout+stderr go to the console and to /vmshare/guest.log, its exit status
# to /vmshare/exit_code; then the guest powers off.
set -euo pipefail

MODDIR='' OUT='' BUSYBOX=/bin/busybox
MODS="virtio_pci 9pnet_virtio 9p overlay veth"
while getopts "m:o:b:k:h" opt; do
	case $opt in
	m) MODDIR=$OPTARG ;;
	o) OUT=$OPTARG ;;
	b) BUSYBOX=$OPTARG ;;
	k) MODS="$MODS $OPTARG" ;;
	*) sed -n '2,33p' "$0"; exit 2 ;;
	esac
done
[ -d "${MODDIR:-/nonexistent}" ] || { echo "build-initramfs: -m MODULES_DIR missing or not a directory" >&2; exit 2; }
[ -n "$OUT" ] || { echo "build-initramfs: -o OUT missing" >&2; exit 2; }
[ -x "$BUSYBOX" ] || { echo "build-initramfs: no busybox at $BUSYBOX (apt-get install busybox-static)" >&2; exit 2; }
if command -v file >/dev/null && ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
	echo "build-initramfs: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 2
fi
for tool in gzip cpio; do
	"$BUSYBOX" "$tool" --help >/dev/null 2>&1 || command -v "$tool" >/dev/null ||
		{ echo "build-initramfs: $BUSYBOX has no $tool" >&2; exit 2; }
done

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/rw-vm-initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,dev,proc,sys,lower,newroot,rw,lib/modules}
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"

norm() { echo "${1//-/_}"; }

# name -> file, over every module file in the tree (.ko, .ko.xz, .ko.zst, .ko.gz)
declare -A FILE
while IFS= read -r f; do
	b=${f##*/}; b=${b%%.ko*}
	FILE[$(norm "$b")]=$f
done < <(find "$MODDIR" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

declare -A BUILTIN
if [ -f "$MODDIR/modules.builtin" ]; then
	while IFS= read -r l; do b=${l##*/}; BUILTIN[$(norm "${b%%.ko*}")]=1; done < "$MODDIR/modules.builtin"
fi

# A decompressed copy of a module in the stage (busybox insmod needs no decompressor).
unpack() { # name
	local src=${FILE[$1]} dst="$STAGE/lib/modules/$1.ko"
	[ -f "$dst" ] && return 0
	case $src in
	*.ko) cp "$src" "$dst" ;;
	*.xz) xz -dc "$src" > "$dst" ;;
	*.zst) zstd -qdc "$src" > "$dst" ;;
	*.gz) gzip -dc "$src" > "$dst" ;;
	esac
}

deps_of() { # name -> space-separated dependency names
	local n=$1 line d
	if [ -f "$MODDIR/modules.dep" ]; then
		line=$(grep -E "(^|/)${n//_/[_-]}\.ko(\.[a-z]+)?:" "$MODDIR/modules.dep" | head -1 || true)
		line=${line#*:}
		for d in $line; do d=${d##*/}; printf '%s ' "$(norm "${d%%.ko*}")"; done
	else # Debian's package ships no modules.dep (depmod makes it at install time)
		line=$(tr '\0' '\n' < "$STAGE/lib/modules/$n.ko" | grep -a -m1 '^depends=' || true)
		line=${line#depends=}
		for d in ${line//,/ }; do printf '%s ' "$(norm "$d")"; done
	fi
}

declare -A SEEN
ORDER=()
visit() {
	local n d
	n=$(norm "$1")
	[ -n "${SEEN[$n]:-}" ] && return 0
	SEEN[$n]=1
	if [ -n "${BUILTIN[$n]:-}" ]; then echo "  $n: built in" >&2; return 0; fi
	[ -n "${FILE[$n]:-}" ] || { echo "build-initramfs: module $n not found under $MODDIR" >&2; exit 1; }
	unpack "$n"
	for d in $(deps_of "$n"); do visit "$d"; done
	ORDER+=("$n")
}
for m in $MODS; do visit "$m"; done
printf '%s\n' "${ORDER[@]}" > "$STAGE/lib/modules/order"
echo "build-initramfs: modules (load order): ${ORDER[*]}" >&2

cat > "$STAGE/init" <<'INIT'
#!/bin/busybox sh
# initramfs stage 1: modules, host root over 9p (read-only) + tmpfs overlay, switch_root.
/bin/busybox mkdir -p /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "vm-init: stage 1, kernel $(uname -r), uptime $(cut -d' ' -f1 /proc/uptime)s" > /dev/console

ROOTTAG=hostroot SHARETAG=vmshare TEST=/vmshare/test.sh TIMEOUT=600 SHELL1=
for a in $(cat /proc/cmdline); do
	case $a in
	rw.root=*) ROOTTAG=${a#rw.root=} ;;
	rw.share=*) SHARETAG=${a#rw.share=} ;;
	rw.test=*) TEST=${a#rw.test=} ;;
	rw.timeout=*) TIMEOUT=${a#rw.timeout=} ;;
	rw.shell=1) SHELL1=1 ;;
	esac
done

# A failure here must not look like a passing test: exit_code stays unwritten (run-vm.sh
# then reports 125) and the guest powers off.
die() { echo "vm-init: FATAL: $*" > /dev/console; [ -n "$SHELL1" ] && sh; echo o > /proc/sysrq-trigger; sleep 30; }

for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m.ko 2>/dev/console || echo "vm-init: insmod $m failed" > /dev/console
done
# virtio devices probe asynchronously; wait for the 9p tags to appear
i=0
while [ $i -lt 100 ] && ! grep -qs "$ROOTTAG" /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag; do sleep 0.1; i=$((i+1)); done

mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose "$ROOTTAG" /lower || die "mount 9p $ROOTTAG"
mount -t tmpfs -o mode=0755,size=1g tmpfs /rw || die "tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || die "overlay over the 9p root failed"
R=/newroot
mkdir -p $R/vmshare $R/.vm
mount -t 9p -o rw,trans=virtio,version=9p2000.L,msize=512000,cache=none "$SHARETAG" $R/vmshare || die "mount 9p share $SHARETAG"
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm

# Paths that must survive the fresh /tmp and /run (the repository, when CI cloned it
# under /tmp): bound aside first, moved back on top of the new tmpfs afterwards. They
# are the overlay's view of the host directory, so the guest's writes stay in the overlay.
n=0
if [ -f $R/vmshare/keep ]; then
	while IFS= read -r p; do
		case $p in
		/tmp | /tmp/* | /run | /run/*) ;;
		*) continue ;; # not shadowed: visible as it is
		esac
		[ -d "$R$p" ] || die "keep: no directory $p in the host root"
		n=$((n+1))
		mkdir -p $R/.vm/keep/$n
		mount -o bind "$R$p" $R/.vm/keep/$n || die "keep: bind $p"
		echo "$p" > $R/.vm/keep/$n.path
	done < $R/vmshare/keep
fi
# a fresh /tmp and /run, like a real boot; the host's /tmp stays readable at /.vm/host-tmp
mkdir -p $R/.vm/host-tmp
mount -o bind $R/tmp $R/.vm/host-tmp
mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mount -t tmpfs -o mode=0755 tmpfs $R/run
i=1
while [ $i -le $n ]; do
	p=$(cat $R/.vm/keep/$i.path)
	mkdir -p "$R$p"
	mount -o move $R/.vm/keep/$i "$R$p" || die "keep: move $p back"
	echo "vm-init: $p kept visible over the fresh $(echo "$p" | cut -d/ -f1-2)" > /dev/console
	i=$((i+1))
done
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null || true
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null || true
mount -t securityfs securityfs $R/sys/kernel/security 2>/dev/null || true
mount -t bpf -o mode=0700 bpf $R/sys/fs/bpf 2>/dev/null || true
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null || true
hostname vm 2>/dev/null || true
# loopback up, as any real boot does: Foundation's CFSocket wakeup pair binds
# 127.0.0.1, and without it Process.waitUntilExit never returns
ip link set lo up || die "loopback up"
cp /bin/busybox $R/.vm/busybox
# Stage 2 runs the test with the host's own bash and coreutils. The test leads its
# own process group (job control), so at the time limit the whole group is killed;
# the guest waits for the test's pid, never for a pipe a leftover child holds open.
cat > $R/.vm/stage2 <<EOF
#!/bin/bash
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8 RW_SHARE=/vmshare
cd /
up() { cut -d' ' -f1 /proc/uptime; }
echo "vm-init: stage 2 at uptime \$(up)s, running $TEST" > /dev/console
if [ -n "$SHELL1" ]; then
	/.vm/busybox setsid /.vm/busybox cttyhack /bin/bash -l || /.vm/busybox sh
	rc=0
elif [ -f "$TEST" ]; then
	set -m
	/bin/bash -c '[ ! -f /vmshare/test.env ] || . /vmshare/test.env; exec /bin/bash "\$0"' "$TEST" < /dev/null > /run/.vm-guest.log 2>&1 &
	pid=\$!
	tail -n +1 -s 0.2 -f --pid=\$pid /run/.vm-guest.log > /dev/console &
	tailpid=\$!
	( sleep $TIMEOUT; echo "vm-init: the test ran past rw.timeout=$TIMEOUT s: killing its process group" > /dev/console
	  kill -TERM -- -\$pid; sleep 10; kill -KILL -- -\$pid ) > /dev/null 2>&1 &
	watchdog=\$!
	wait \$pid; rc=\$?
	kill -- -\$watchdog 2> /dev/null
	wait \$tailpid
	cp /run/.vm-guest.log /vmshare/guest.log
else
	echo "vm-init: no test script at $TEST" > /dev/console; rc=127
fi
echo \$rc > /vmshare/exit_code
echo "vm-init: test exit \$rc at uptime \$(up)s; powering off" > /dev/console
sync
echo o > /proc/sysrq-trigger
sleep 30
EOF
chmod 755 $R/.vm/stage2
umount /proc /sys 2>/dev/null
exec switch_root $R /.vm/stage2
INIT
chmod 755 "$STAGE/init"

mkdir -p "$(dirname "$OUT")"
(cd "$STAGE" && find . | sort | "$STAGE/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "build-initramfs: wrote $OUT ($(stat -c %s "$OUT") bytes)" >&2
