#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# packaging/build-info.sh names the commit `rigwatch --version` prints: in a scratch git
# repository, a clean tree gives the commit's 12-digit hash, a changed tracked file adds
# -dirty (an untracked one does not), an unchanged state leaves the file untouched (nothing
# recompiles), and outside any work tree it says "unknown".
set -euo pipefail

GEN=$(cd "$(dirname "$0")/../.." && pwd -P)/packaging/build-info.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
# expect_commit DIR COMMIT: the generated file in DIR returns COMMIT.
expect_commit() {
	local got
	got=$(sed -n 's/^	return "\(.*\)";$/\1/p' "$1/out.c")
	if [ "$got" != "$2" ]; then
		echo "build-info-test: FAILED: in $1: '$got', expected '$2'" >&2
		failures=$((failures + 1))
	fi
}

mkdir "$tmp/plain"
(cd "$tmp/plain" && GIT_CEILING_DIRECTORIES=$tmp "$GEN" out.c)
expect_commit "$tmp/plain" unknown

repo=$tmp/repo
git init -q "$repo"
printf 'one\n' >"$repo/tracked"
git -C "$repo" add tracked
git -C "$repo" -c user.name=t -c user.email=t@example.invalid commit -q -m one
hash=$(git -C "$repo" rev-parse HEAD)
printf 'out.c\n' >"$repo/.gitignore"
(cd "$repo" && "$GEN" out.c)
expect_commit "$repo" "${hash:0:12}"

touch -d @1000000000 "$repo/out.c"
printf 'new\n' >"$repo/untracked"
(cd "$repo" && "$GEN" out.c)
expect_commit "$repo" "${hash:0:12}"
[ "$(stat -c %Y "$repo/out.c")" = 1000000000 ] || {
	echo "build-info-test: FAILED: an unchanged commit rewrote the file" >&2
	failures=$((failures + 1))
}

printf 'two\n' >"$repo/tracked"
(cd "$repo" && "$GEN" out.c)
expect_commit "$repo" "${hash:0:12}-dirty"

if [ "$failures" -gt 0 ]; then exit 1; fi
echo "build-info-test: passed (unknown, clean, untracked, dirty)"
