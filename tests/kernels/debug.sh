#!/bin/bash
# Build the debug kernel, debug-6.12, into a kernel cache once: Debian's
# linux-source-6.12 (/usr/src/linux-source-6.12.tar.xz) with tinyconfig +
# fragment.config + debug.config (KASAN, KFENCE, lockdep, PROVE_RCU, atomic
# sleep, debugobjects, kmemleak, fault injection, ...).
#
# Usage: tests/kernels/debug.sh [CACHE]
#        tests/kernels/debug.sh --key     prints the cache key only (for a
#                                         CI cache's key), builds nothing
#   CACHE   the cache directory (default ${XDG_CACHE_HOME:-~/.cache}/dstleak/kernels)
# Environment:
#   DEBUG_SOURCE=TARBALL   another source (default /usr/src/linux-source-6.12.tar.xz;
#                          installed with apt-get when missing and run as root)
#   JOBS, WORK, KEEP, NO_DEPS as for tests/kernels/build.sh
#
# The cache key is the sha256 of the source tarball's sha256 and of each
# fragment's name and sha256, in order; it is kept in CACHE/debug-6.12/key.
# When it matches, nothing is built (only the first run pays: about 20-25
# minutes on 2 cores, CACHE/debug-6.12/build.secs). Prints CACHE/debug-6.12.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "kernels: $*" >&2; }
die() { echo "kernels: $*" >&2; exit 1; }
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 2;; esac
[ $# -le 1 ] || die "usage: tests/kernels/debug.sh [CACHE | --key]"
KEYONLY=""
[ "${1:-}" = --key ] && { KEYONLY=1; shift; }

NAME=debug-6.12
CACHE=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/dstleak/kernels}
SOURCE=${DEBUG_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
FRAGS="$TOP/tests/kernels/fragment.config $TOP/tests/kernels/debug.config"

if [ ! -f "$SOURCE" ] && [ -z "${DEBUG_SOURCE:-}" ] && [ -z "${NO_DEPS:-}" ] &&
   [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
	say "installing linux-source-6.12"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends linux-source-6.12 \
		< /dev/null > "${TMPDIR:-/tmp}/dstleak-kbuild-apt.log" 2>&1 ||
		die "apt-get install linux-source-6.12 failed (see ${TMPDIR:-/tmp}/dstleak-kbuild-apt.log)"
fi
[ -f "$SOURCE" ] || die "no $SOURCE (apt-get install linux-source-6.12)"

# key: what the kernel is made of. The fragments count by content and order;
# their directory does not (a moved checkout keeps its cache).
key=$({
	echo "source $(sha256sum < "$SOURCE" | cut -d' ' -f1)"
	for f in $FRAGS; do echo "fragment $(basename "$f") $(sha256sum < "$f" | cut -d' ' -f1)"; done
} | sha256sum | cut -d' ' -f1)
[ -z "$KEYONLY" ] || { echo "$key"; exit 0; }

KEY=$key FRAGMENT=$FRAGS exec "$TOP/tests/kernels/build.sh" "$SOURCE" "$NAME" "$CACHE"
