#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Makes sure Debian 12's stock kernel is ready to boot under qemu and prints, on one
# line, "VMLINUX INITRAMFS": the uncompressed vmlinux (an ELF that qemu enters directly
# through its PVH note) and the initramfs from build-initramfs.sh.
#
# Adapted from the reference recipe in the project's shared design data (shared/vm);
# nothing here reads it.
#
# The kernel is the package linux-image-amd64 depends on (linux-image-6.1.*-amd64),
# fetched once with `apt-get download` (apt checks it against the signed index),
# extracted, and cached under build/vm/<package>/ (build/ is git-ignored; `make clean`
# removes it). The vmlinux is extracted once; the initramfs is rebuilt only when
# build-initramfs.sh changes. Any failure (no such package, no download, no vmlinux
# inside the image) is an error: the caller must never mistake it for a passing run.
#
#   RW_VM_CACHE        cache directory (default <repo>/build/vm)
#   RW_VM_KERNEL_PKG   another kernel package, e.g. linux-image-6.1.0-57-amd64
#                      (default: what linux-image-amd64 depends on, which must be 6.1)
# Progress goes to stderr; stdout carries only the two paths.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
CACHE=${RW_VM_CACHE:-$REPO/build/vm}
say() { echo "ensure-kernel: $*" >&2; }
fail() { say "error: $*"; exit 1; }

for tool in qemu-system-x86_64 dpkg-deb apt-get apt-cache xz; do
	command -v "$tool" >/dev/null || fail "$tool missing (make deps installs qemu-system-x86, busybox-static, xz-utils, zstd)"
done
mkdir -p "$CACHE"
exec 9> "$CACHE/.lock"
flock 9 # one preparer at a time; the others then find everything made

# The package: linux-image-amd64's dependency, so this follows Debian 12's point releases.
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6\./ {print $2; exit}'; }
PKG=${RW_VM_KERNEL_PKG:-}
if [ -z "$PKG" ]; then
	PKG=$(resolve)
	if [ -z "$PKG" ]; then
		say "apt knows no linux-image-amd64 yet: apt-get update"
		apt-get update -qq >&2 || fail "apt-get update failed"
		PKG=$(resolve)
	fi
fi
if [ -n "${RW_VM_KERNEL_PKG:-}" ]; then
	[[ $PKG =~ ^linux-image-[0-9][0-9A-Za-z.+~-]*$ ]] || fail "RW_VM_KERNEL_PKG=$PKG is not a linux-image-VERSION package"
else
	[[ $PKG =~ ^linux-image-6\.1\.[0-9A-Za-z.+~-]*-amd64$ ]] ||
		fail "expected Debian 12's linux-image-6.1.*-amd64 from linux-image-amd64's dependency, got '${PKG:-nothing}' (RW_VM_KERNEL_PKG picks one)"
fi
DIR=$CACHE/$PKG

vmlinuz() { compgen -G "$DIR/root/boot/vmlinuz-*" | head -1 || true; }
K=$(vmlinuz)
if [ -z "$K" ]; then
	mkdir -p "$DIR/deb"
	rm -f "$DIR"/deb/*.deb
	# root downloading into a directory _apt cannot write: say so to apt, not the log
	get() { (cd "$DIR/deb" && apt-get download -q -o APT::Sandbox::User=root "$PKG" >&2); }
	if ! get; then
		say "apt-get download $PKG failed: apt-get update, then once more"
		apt-get update -qq >&2 || fail "apt-get update failed"
		get || fail "cannot download $PKG"
	fi
	DEB=$(compgen -G "$DIR/deb/${PKG}_*.deb" | head -1) || fail "apt-get download left no ${PKG}_*.deb"
	rm -rf "$DIR/root.tmp"
	dpkg-deb -x "$DEB" "$DIR/root.tmp" || fail "cannot extract $DEB"
	rm -rf "$DIR/root"
	mv "$DIR/root.tmp" "$DIR/root"
	say "extracted $DEB"
	K=$(vmlinuz)
	[ -n "$K" ] || fail "$DEB has no boot/vmlinuz-*"
fi
VER=${K##*/vmlinuz-}
MODDIR=$DIR/root/lib/modules/$VER
[ -d "$MODDIR" ] || fail "no modules for $VER at $MODDIR"

# The ELF inside the bzImage, for PVH boot (qemu skips the real-mode setup and the
# in-guest decompression: under TCG the test starts seconds sooner). The boot protocol
# header says where the compressed payload is: setup_sects at 0x1f1, payload_offset
# (from the start of the protected-mode code) at 0x248, payload_length at 0x24c.
VMLINUX=$DIR/vmlinux-$VER
is_elf() { [ "$(head -c4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
if ! [ -f "$VMLINUX" ] || ! is_elf "$VMLINUX"; then
	u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
	u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
	hex() { od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
	[ "$(hex "$K" $((0x202)) 4)" = 48647253 ] || fail "$K is not a bzImage (no HdrS)"
	sects=$(u8 "$K" $((0x1f1))); [ "$sects" != 0 ] || sects=4
	start=$(( (sects + 1) * 512 + $(u32 "$K" $((0x248))) ))
	len=$(u32 "$K" $((0x24c)))
	magic=$(hex "$K" "$start" 4)
	case $magic in
	fd377a58) dec=(xz -dc --single-stream) ;;
	28b52ffd) dec=(zstd -qdc) ;;
	1f8b08*) dec=(gzip -dc) ;;
	*) fail "$K: payload compressed with an unknown method (magic $magic)" ;;
	esac
	command -v "${dec[0]}" >/dev/null || fail "${dec[0]} missing: needed to extract the vmlinux from $K"
	# the payload ends with the uncompressed size (4 bytes): a decompressor may warn about it
	tail -c +$((start + 1)) "$K" | head -c "$len" | "${dec[@]}" > "$VMLINUX.tmp" 2>/dev/null || true
	is_elf "$VMLINUX.tmp" || { rm -f "$VMLINUX.tmp"; fail "no ELF vmlinux inside $K (${dec[0]} payload)"; }
	mv "$VMLINUX.tmp" "$VMLINUX"
	say "extracted $VMLINUX from $K (${dec[0]})"
fi

# The initramfs, keyed by the script that makes it (its /init must match run-vm.sh).
key=$(sha256sum "$HERE/build-initramfs.sh" | cut -c1-12)
INITRD=$DIR/initramfs-$VER-$key.cpio.gz
if ! [ -f "$INITRD" ]; then
	rm -f "$DIR"/initramfs-*.cpio.gz
	"$HERE/build-initramfs.sh" -m "$MODDIR" -o "$INITRD" || fail "build-initramfs.sh failed"
fi
say "kernel $VER ($PKG), cache $DIR"
echo "$VMLINUX $INITRD"
