#!/bin/bash
# Host-side self-test of tests/kernels/build.sh and debug.sh without building
# a kernel: FRAGMENT lists, the cache key (a hit builds nothing and prints
# the entry; a miss or no KEY builds), debug.sh --key. Seconds.
# Prints failures (every check with -v) and "N passed, N failed" last.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
K=$TOP/tests/kernels
V=${1:-}
p=0 f=0
ok() { [ "$V" != -v ] || echo "PASS kernels $1"; p=$((p + 1)); }
bad() { echo "FAIL kernels $1"; f=$((f + 1)); }
T=$(mktemp -d "${TMPDIR:-/tmp}/dstleak-kselftest.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

# A fake cache entry with key K1, and a "source" that is no kernel: anything
# that gets as far as building fails on it.
mkdir -p "$T/cache/k"
for x in bzImage kernelrelease build.tar.xz; do echo x > "$T/cache/k/$x"; done
echo K1 > "$T/cache/k/key"
echo "not a kernel" > "$T/src.txt"
run() { NO_DEPS=1 "$@" > "$T/out" 2> "$T/err"; }

if run env KEY=K1 "$K/build.sh" "$T/src.txt" k "$T/cache" && [ "$(cat "$T/out")" = "$T/cache/k" ] &&
   [ ! -e "$T/cache/.work-k" ]; then
	ok "KEY hit: prints the entry, builds nothing"
else
	bad "KEY hit: rc or output wrong: $(cat "$T/out" "$T/err")"
fi
if ! run env KEY=K2 "$K/build.sh" "$T/src.txt" k "$T/cache" && grep -q 'not a directory nor' "$T/err"; then
	ok "KEY miss: builds"
else
	bad "KEY miss: did not try to build: $(cat "$T/out" "$T/err")"
fi
if ! run "$K/build.sh" "$T/src.txt" k "$T/cache" && grep -q 'not a directory nor' "$T/err"; then
	ok "no KEY: builds"
else
	bad "no KEY: did not try to build: $(cat "$T/out" "$T/err")"
fi
rm -f "$T/cache/k/bzImage"
if ! run env KEY=K1 "$K/build.sh" "$T/src.txt" k "$T/cache" && grep -q 'not a directory nor' "$T/err"; then
	ok "KEY hit on an incomplete entry: builds"
else
	bad "KEY hit on an incomplete entry: did not build: $(cat "$T/out" "$T/err")"
fi
if ! run env FRAGMENT="$K/fragment.config $T/nofrag" "$K/build.sh" "$T/src.txt" k "$T/cache" &&
   grep -q "no config fragment $T/nofrag" "$T/err"; then
	ok "FRAGMENT list: a missing second fragment is refused"
else
	bad "FRAGMENT list: missing second fragment not refused: $(cat "$T/err")"
fi
if ! run env FRAGMENT="$K/fragment.config $K/debug.config" "$K/build.sh" "$T/src.txt" k "$T/cache" &&
   grep -q 'not a directory nor' "$T/err"; then
	ok "FRAGMENT list: two fragments accepted"
else
	bad "FRAGMENT list: two fragments refused: $(cat "$T/err")"
fi

# debug.sh --key: stable, and changes with the source and with a fragment.
if [ -f /usr/src/linux-source-6.12.tar.xz ]; then
	k1=$(NO_DEPS=1 "$K/debug.sh" --key 2>/dev/null)
	k2=$(NO_DEPS=1 "$K/debug.sh" --key 2>/dev/null)
	if [ ${#k1} = 64 ] && [ "$k1" = "$k2" ]; then ok "debug.sh --key: stable"; else bad "debug.sh --key: '$k1' then '$k2'"; fi
fi
head -c 1000 /dev/urandom > "$T/a.tar.xz"
ka=$(DEBUG_SOURCE=$T/a.tar.xz NO_DEPS=1 "$K/debug.sh" --key 2>/dev/null)
echo x >> "$T/a.tar.xz"
kb=$(DEBUG_SOURCE=$T/a.tar.xz NO_DEPS=1 "$K/debug.sh" --key 2>/dev/null)
if [ ${#ka} = 64 ] && [ ${#kb} = 64 ] && [ "$ka" != "$kb" ]; then ok "debug.sh --key: follows the source"; else bad "debug.sh --key: same key '$ka' for two sources"; fi
# A changed fragment: a copy of the tree's scripts with one more line in debug.config.
mkdir -p "$T/top/tests/kernels"
cp "$K/build.sh" "$K/debug.sh" "$K/fragment.config" "$K/debug.config" "$T/top/tests/kernels/"
kc=$(DEBUG_SOURCE=$T/a.tar.xz NO_DEPS=1 "$T/top/tests/kernels/debug.sh" --key 2>/dev/null)
echo "CONFIG_DEBUG_VM=y" >> "$T/top/tests/kernels/debug.config"
kd=$(DEBUG_SOURCE=$T/a.tar.xz NO_DEPS=1 "$T/top/tests/kernels/debug.sh" --key 2>/dev/null)
if [ "$kc" = "$kb" ] && [ ${#kd} = 64 ] && [ "$kd" != "$kc" ]; then
	ok "debug.sh --key: follows the fragments, not the checkout's path"
else
	bad "debug.sh --key: copy '$kc' (want '$kb'), changed fragment '$kd'"
fi

echo "$p passed, $f failed"
[ "$f" = 0 ]
