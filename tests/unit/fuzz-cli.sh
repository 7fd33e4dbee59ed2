#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Replay a libFuzzer corpus through the whole reader (a sanitizer build):
# every command on every input must exit 0-3 with no sanitizer report, so
# what the parsers accept the commands print without crashing. The first
# byte picks the file as in fuzz.c (modulo 5): summary, suspects, snapshot,
# objects, a summary for the views of its extra lines.
#
# Usage: tests/unit/fuzz-cli.sh DSTLEAK_BINARY CORPUS_DIR [MAX_FILES]
set -u
B=$1
C=$2
MAX=${3:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/dstleak-fuzzcli.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
ASAN_OPTIONS=exitcode=99
UBSAN_OPTIONS=halt_on_error=1:exitcode=98
DSTLEAK_PROC=$W/proc
DSTLEAK_NETNS_DIR=$W/netns
DSTLEAK_HOSTNAME=h
export ASAN_OPTIONS UBSAN_OPTIONS DSTLEAK_PROC DSTLEAK_NETNS_DIR DSTLEAK_HOSTNAME

runs=0
bad=0
one() { # one CMD...: run, judge
	"$@" >/dev/null 2>"$W/err"
	rc=$?
	runs=$((runs + 1))
	case $rc in
	0 | 1 | 2 | 3) ;;
	*) bad=$((bad + 1)); echo "FAIL exit $rc: $* ($f)"; head -5 "$W/err" ;;
	esac
	if grep -q -e 'runtime error' -e 'Sanitizer' "$W/err"; then
		bad=$((bad + 1))
		echo "FAIL sanitizer: $* ($f)"
		head -5 "$W/err"
	fi
}

mkdir -p "$W/s"
n=0
for f in $(ls "$C" | head -n "$MAX"); do
	f=$C/$f
	n=$((n + 1))
	sel=$(head -c1 "$f" | od -An -tu1 | tr -d ' ')
	tail -c +2 "$f" >"$W/body"
	case $((${sel:-0} % 5)) in
	0)
		cp "$W/body" "$W/s/summary"
		cp "$HERE/fixtures/good/suspects" "$W/s/suspects"
		for c in "show" "show --json" "show -a" "export --prometheus" "check" "watch -n 1"; do
			# shellcheck disable=SC2086
			one "$B" --source "$W/s" $c
		done
		;;
	1)
		cp "$HERE/fixtures/good/summary" "$W/s/summary"
		cp "$W/body" "$W/s/suspects"
		for c in "suspects" "suspects --json" "export --prometheus" "check"; do
			# shellcheck disable=SC2086
			one "$B" --source "$W/s" $c
		done
		;;
	2)
		one "$B" diff --force "$W/body" "$W/body"
		one "$B" diff --force "$W/body" "$HERE/fixtures/snap/new"
		one "$B" diff --force -r -a "$HERE/fixtures/snap/old" "$W/body"
		one "$B" diff --force -J "$W/body" "$HERE/fixtures/snap/new"
		;;
	3)
		cp "$HERE/fixtures/views/summary" "$W/s/summary"
		cp "$W/body" "$W/s/objects"
		for c in "objects" "objects --json" "objects -r" "objects -J -o object,age,reason" \
			"objects --sort age --top 3 -n" "objects --reason dead,device_gone --family ipv4"; do
			# shellcheck disable=SC2086
			one "$B" --source "$W/s" $c
		done
		;;
	4)
		cp "$W/body" "$W/s/summary"
		cp "$HERE/fixtures/views/objects" "$W/s/objects"
		for c in "xfrm" "xfrm -a --json" "xfrm -r -a" "routes -a" "routes -J -o +inum" \
			"icmp" "icmp --json" "status" "status --json" "show -r -a" \
			"show --long -a -J -o netns,peak,headroom" "objects -r"; do
			# shellcheck disable=SC2086
			one "$B" --source "$W/s" $c
		done
		;;
	esac
done
echo "fuzz-cli: $n inputs, $runs runs, $bad failures"
[ "$bad" = 0 ]
