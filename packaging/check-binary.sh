#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fails unless BINARY is self-contained, as the Debian package needs it: its ELF dynamic section
# has no RPATH or RUNPATH (a packaged binary loads libraries from the system's paths only), no
# NEEDED library of the Swift toolchain (libswift*, libFoundation*, lib_Foundation*, libdispatch,
# libBlocksRuntime: those are linked statically), and every NEEDED library resolves, as the
# loader would resolve it here, to a file under /lib, /lib64 or /usr/lib (Debian's; not /usr/local, /opt).
# One line per problem on stderr, exit 1; else one line naming the libraries it needs.
#   packaging/check-binary.sh BINARY
set -eu
bin=$1
dynamic=$(readelf -d -W "$bin") || { echo "check-binary: $bin: readelf -d failed" >&2; exit 1; }
resolved=$(ldd "$bin" 2>/dev/null || true)
problems=0
problem() {
	echo "check-binary: $bin: $*" >&2
	problems=$((problems + 1))
}

# "(RUNPATH)            Library runpath: [/opt/swift/usr/lib/swift/linux:$ORIGIN]"
for tag in RPATH RUNPATH; do
	paths=$(printf '%s\n' "$dynamic" | sed -n "s/.*($tag) *Library [a-z]*: \[\(.*\)\]$/\1/p")
	[ -z "$paths" ] || problem "$tag $paths: a packaged binary must not carry a library search path"
done

needed=$(printf '%s\n' "$dynamic" | sed -n 's/.*(NEEDED) *Shared library: \[\(.*\)\]$/\1/p')
for lib in $needed; do
	case $lib in
	libswift* | libFoundation* | lib_Foundation* | libdispatch.so* | libBlocksRuntime.so*)
		problem "NEEDED $lib: a Swift toolchain library (link it statically: swift build --static-swift-stdlib)"
		continue
		;;
	esac
	# ldd: "	libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)"; the loader: "	/lib64/ld-linux-x86-64.so.2 (0x...)".
	path=$(printf '%s\n' "$resolved" | awk -v lib="$lib" '
		$2 == "=>" && $1 == lib { print $3; exit }
		$2 != "=>" { n = split($1, part, "/"); if (part[n] == lib) { print $1; exit } }')
	case $path in
	/lib/* | /lib64/* | /usr/lib/*) ;;
	"" | not) problem "NEEDED $lib: not found on this system" ;;
	*) problem "NEEDED $lib: resolves to $path, outside /lib, /lib64 and /usr/lib" ;;
	esac
done

[ "$problems" -eq 0 ] || exit 1
echo "check-binary: $bin: self-contained; NEEDED" $needed
