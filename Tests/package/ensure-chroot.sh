#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Makes sure a fresh Debian 12 (bookworm) root is cached for `make package-test` and prints
# the tarball's path: debootstrap --variant=minbase (Debian's packages only: the fewest
# libraries a host can have, so the package's Depends must bring the rest), from the mirror
# this machine's apt uses, packed as build/chroot-cache/bookworm.tar.zst. Built once; a
# missing or unreadable tarball is built again. The test extracts a copy per run, so nothing
# a run installs reaches the cache.
#
#   RW_CHROOT_CACHE   cache directory (default <repo>/build/chroot-cache)
#   RW_DEB_MIRROR     the Debian mirror (default: the first bookworm one in /etc/apt/sources.list*)
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
CACHE=${RW_CHROOT_CACHE:-$REPO/build/chroot-cache}
TARBALL=$CACHE/bookworm.tar.zst
say() { echo "ensure-chroot: $*" >&2; }
fail() {
	say "error: $*"
	exit 1
}

for tool in debootstrap zstd tar; do
	command -v "$tool" >/dev/null || fail "$tool missing (make deps-test installs debootstrap and zstd)"
done
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9 # one builder at a time; the others then find the tarball

if [ -s "$TARBALL" ] && zstd -q -t "$TARBALL" 2>/dev/null; then
	echo "$TARBALL"
	exit 0
fi

# The host's own mirror: deb822 stanzas (*.sources) first, then one-line sources.list entries.
mirror=${RW_DEB_MIRROR:-$("$HERE/debian-sources.sh" mirror)}
[ -n "$mirror" ] || fail "no bookworm mirror in /etc/apt/sources.list*; set RW_DEB_MIRROR"
say "debootstrap bookworm from $mirror (once; cached in $TARBALL)"
tmp=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
	fail "debootstrap failed; see $CACHE/debootstrap.log"
[ ! -e "$tmp/root/opt/swift" ] || fail "the new root has /opt/swift"
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb
tar -C "$tmp/root" --zstd -cf "$tmp/bookworm.tar.zst" .
mv "$tmp/bookworm.tar.zst" "$TARBALL"
say "cached in $((SECONDS - started)) s: $(du -h "$TARBALL" | cut -f1)"
echo "$TARBALL"
