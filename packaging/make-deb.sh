#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package from a release build (`make deb` runs it):
#   packaging/make-deb.sh -b BINARY -m GENERATE_MANUAL -v VERSION -d DEB_VERSION -o OUT.deb
# BINARY stages its own files (`rigwatch install --layout package --root STAGE`: the binary,
# the unit and the default configuration, so they come from the same InstallPlanner as
# `rigwatch install`); the man page comes from swift-argument-parser's generate-manual run on
# BINARY, the completions from BINARY itself; packaging/deb/ has the rest. Depends is
# dpkg-shlibdeps' reading of the binary's NEEDED libraries. Everything is dated by the
# changelog's entry, so the same tree builds the same package.
set -eu
umask 022
here=$(cd "$(dirname "$0")" && pwd)
deb=$here/deb
while getopts b:m:v:d:o: opt; do
	case $opt in
	b) binary=$OPTARG ;;
	m) generate_manual=$OPTARG ;;
	v) version=$OPTARG ;;
	d) deb_version=$OPTARG ;;
	o) out=$OPTARG ;;
	*) exit 2 ;;
	esac
done
fail() {
	echo "make-deb: $*" >&2
	exit 1
}

# One version, said three times: SensorVersion.swift, the changelog, the binary.
[ "${deb_version%-*}" = "$version" ] ||
	fail "packaging/deb/changelog is at $deb_version but the release is $version: add a changelog entry"
reported=$("$binary" --version)
case $reported in
"$version (commit "*")") ;;
*) fail "$binary --version says '$reported', not '$version (commit …)': rebuild it" ;;
esac
"$here/check-binary.sh" "$binary"

arch=$(dpkg --print-architecture)
date_rfc2822=$(sed -n 's/^ -- .*>  //p' "$deb/changelog" | head -1)
SOURCE_DATE_EPOCH=$(date -d "$date_rfc2822" +%s)
export SOURCE_DATE_EPOCH

work=$(dirname "$out")/deb
rm -rf "$work"
mkdir -p "$work/stage/DEBIAN"
work=$(cd "$work" && pwd)
stage=$work/stage

# The binary, the unit and the configuration, by the binary's own planner.
"$binary" install --root "$stage" --layout package --no-start >"$work/install.log"
bin=$stage/usr/bin/rigwatch
# Symbols stripped as dh_strip does (the Swift metadata the runtime reads is in its own sections).
strip --strip-unneeded --remove-section=.comment "$bin"

man=$stage/usr/share/man/man8
mkdir -p "$work/man" "$man"
"$generate_manual" "$bin" --section 8 --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" \
	--authors 'rigwatch maintainers<maintainers@users.noreply.h-seed-35ef8797.example>' -o "$work/man"
gzip -9n <"$work/man/rigwatch.8" >"$man/rigwatch.8.gz"

# Completions are sourced, not run: no #! line (bash's generator writes one).
completions() { # SHELL PATH
	mkdir -p "$(dirname "$stage$2")"
	"$bin" --generate-completion-script "$1" | sed '1{/^#!/d}' >"$stage$2"
}
completions bash /usr/share/bash-completion/completions/rigwatch
completions zsh /usr/share/zsh/vendor-completions/_rigwatch
completions fish /usr/share/fish/vendor_completions.d/rigwatch.fish

install -D -m 0644 "$deb/logrotate" "$stage/etc/logrotate.d/rigwatch"
install -D -m 0644 "$deb/copyright" "$stage/usr/share/doc/rigwatch/copyright"
gzip -9n <"$deb/changelog" >"$stage/usr/share/doc/rigwatch/changelog.Debian.gz"
chmod 0644 "$stage/usr/share/doc/rigwatch/changelog.Debian.gz"
install -D -m 0644 "$deb/lintian-overrides" "$stage/usr/share/lintian/overrides/rigwatch"

for script in postinst prerm postrm; do install -m 0755 "$deb/$script" "$stage/DEBIAN/$script"; done
sed '/^#/d' "$deb/conffiles" >"$stage/DEBIAN/conffiles"

# Depends: dpkg-shlibdeps wants a source package around the binary; a minimal one does.
shlibs=$work/shlibdeps
mkdir -p "$shlibs/debian"
printf 'Source: rigwatch\n\nPackage: rigwatch\nArchitecture: any\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O -e"$bin" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || fail "dpkg-shlibdeps found no dependencies"

(cd "$stage" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\n' | LC_ALL=C sort |
	xargs md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$deb_version|" -e "s|@ARCH@|$arch|" -e "s|@INSTALLED_SIZE@|$installed_size|" \
	-e "s|@DEPENDS@|$depends|" -e '/^#/d' "$deb/control.in" >"$stage/DEBIAN/control"

find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "make-deb: $out: Depends: $depends"
