#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# This machine's Debian 12 apt sources, for the package test's chroot:
#   debian-sources.sh mirror    the URI of the first bookworm (main suite) source
#   debian-sources.sh sources   every bookworm, bookworm-updates and bookworm-security source,
#                               as deb822 stanzas for the chroot's /etc/apt/sources.list.d/
# Only Debian's own suites: third-party repositories the host may have are left out.
set -euo pipefail

# One line per source, "URI SUITE", from the *.sources and the sources.list files.
entries() {
	for file in /etc/apt/sources.list.d/*.sources; do
		[ -f "$file" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = uris = suites = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^#/) continue
				split($i, kv, ": *")
				value = substr($i, length(kv[1]) + 2); sub(/^ +/, "", value)
				if (kv[1] == "Types") types = value
				else if (kv[1] == "URIs") uris = value
				else if (kv[1] == "Suites") suites = value
			}
			if (types !~ /(^| )deb( |$)/) next
			n = split(uris, u, " "); m = split(suites, s, " ")
			for (a = 1; a <= n; a++) for (b = 1; b <= m; b++) print u[a], s[b]
		}' "$file"
	done
	for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$file" ] || continue
		awk '$1 == "deb" && $2 !~ /^\[/ { print $2, $3 }' "$file"
	done
}

debian() { entries | awk '$2 ~ /^bookworm(-updates|-security)?$/'; }

case ${1:-} in
mirror) debian | awk '$2 == "bookworm" { print $1; exit }' ;;
sources)
	# main only, signed by Debian's archive key (in the chroot since apt depends on it).
	debian | while read -r uri suite; do
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
			"$uri" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg
	done
	;;
*)
	echo "usage: $0 mirror|sources" >&2
	exit 2
	;;
esac
