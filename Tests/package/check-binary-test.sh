#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# packaging/check-binary.sh, the gate that keeps toolchain libraries out of the package:
#   Tests/package/check-binary-test.sh RELEASE_BINARY
# RELEASE_BINARY (the static release build) must pass it; binaries linked here the way a
# dynamic Swift build is (RUNPATH or RPATH into the toolchain, NEEDED libswiftCore.so and
# libFoundation.so: empty stand-ins with those sonames) and with a library outside the
# system's directories or gone must fail it, each problem named in an exact line.
set -euo pipefail

RELEASE=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CHECK=$(cd "$(dirname "$0")/../.." && pwd -P)/packaging/check-binary.sh
failures=0
fail() {
	echo "check-binary-test: FAILED: $*" >&2
	failures=$((failures + 1))
}
# expect_check BINARY STATUS STDOUT STDERR
expect_check() {
	local out err status=0
	out=$("$CHECK" "$1" 2>"$tmp/stderr") || status=$?
	err=$(cat "$tmp/stderr")
	[ "$status" = "$2" ] || fail "$1: exit $status, expected $2"
	[ "$out" = "$3" ] || fail "$1: stdout:"$'\n'"$out"$'\n'"expected:"$'\n'"$3"
	[ "$err" = "$4" ] || fail "$1: stderr:"$'\n'"$err"$'\n'"expected:"$'\n'"$4"
}

# The release binary: nothing to say but what it needs.
out=$("$CHECK" "$RELEASE" 2>"$tmp/stderr") || fail "$RELEASE: $(cat "$tmp/stderr")"
[ ! -s "$tmp/stderr" ] || fail "$RELEASE: $(cat "$tmp/stderr")"
case $out in
"check-binary: $RELEASE: self-contained; NEEDED "*) ;;
*) fail "$RELEASE: $out" ;;
esac

for lib in libswiftCore.so libFoundation.so librwstray.so librwgone.so; do
	gcc -shared -o "$tmp/$lib" -Wl,-soname,$lib -x c /dev/null
done
printf 'int main(void) { return 0; }\n' >"$tmp/main.c"
libs=(-Wl,--no-as-needed -L"$tmp" -lswiftCore -lFoundation -lrwstray -lrwgone -lz)
gcc -o "$tmp/runpath" "$tmp/main.c" "${libs[@]}" -Wl,--enable-new-dtags -Wl,-rpath,"/opt/swift/usr/lib/swift/linux:$tmp"
gcc -o "$tmp/rpath" "$tmp/main.c" "${libs[@]}" -Wl,--disable-new-dtags -Wl,-rpath,"/opt/swift/usr/lib/swift/linux:$tmp"
gcc -o "$tmp/clean" "$tmp/main.c" -Wl,--no-as-needed -lz
rm "$tmp/librwgone.so"

for tag in RUNPATH RPATH; do
	bin=$tmp/$(echo $tag | tr A-Z a-z)
	expect_check "$bin" 1 "" "\
check-binary: $bin: $tag /opt/swift/usr/lib/swift/linux:$tmp: a packaged binary must not carry a library search path
check-binary: $bin: NEEDED libswiftCore.so: a Swift toolchain library (link it statically: swift build --static-swift-stdlib)
check-binary: $bin: NEEDED libFoundation.so: a Swift toolchain library (link it statically: swift build --static-swift-stdlib)
check-binary: $bin: NEEDED librwstray.so: resolves to $tmp/librwstray.so, outside /lib, /lib64 and /usr/lib
check-binary: $bin: NEEDED librwgone.so: not found on this system"
done
expect_check "$tmp/clean" 0 "check-binary: $tmp/clean: self-contained; NEEDED libz.so.1 libc.so.6" ""

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "check-binary-test: passed (the release binary, and 3 binaries linked to fail or pass)"
