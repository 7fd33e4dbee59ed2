#!/bin/bash
# make style:  checkpatch.pl --no-tree -f on module/*.[ch] and tests/helper/*.c
# make sparse: tests/style.sh --sparse: the module (and tests/helper) built
#              with C=1 W=1 for every test kernel; any sparse or compiler
#              warning in our files fails.
# checkpatch.pl comes from the registry's kernel source (linux-source-6.12,
# installed by tests/deps.sh --style): extracted once from
# /usr/src/linux-source-6.12.tar.xz into tests/vm/out/checkpatch/, keyed by
# the tarball's checksum; $CHECKPATCH overrides it. Nothing else on the
# machine (an old tree under /tmp, another linux-source) is looked at.
# Ends with "N passed, N failed"; exit 1 on failure.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
OUT=$TOP/tests/vm/out
P=0 F=0
ok() { echo "PASS style $1"; P=$((P + 1)); }
bad() { echo "FAIL style $1"; F=$((F + 1)); }

CHECKPATCH_TARBALL=/usr/src/linux-source-6.12.tar.xz

find_checkpatch() {
	local dir key
	if [ -n "${CHECKPATCH:-}" ]; then echo "$CHECKPATCH"; return; fi
	[ -f "$CHECKPATCH_TARBALL" ] || return 1
	key=$(sha1sum < "$CHECKPATCH_TARBALL" | cut -c1-12)
	dir=$OUT/checkpatch/$key
	if [ ! -f "$dir/ok" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		echo "style: extracting checkpatch.pl from $CHECKPATCH_TARBALL" >&2
		tar -C "$dir" -xJf "$CHECKPATCH_TARBALL" --wildcards \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' >&2 || return 1
		touch "$dir/ok"
	fi
	ls "$dir"/*/scripts/checkpatch.pl | head -n 1
}

run_checkpatch() {
	local cp f out
	[ -n "${NO_DEPS:-}" ] || "$TOP/tests/deps.sh" --style > /dev/null || true
	if ! cp=$(find_checkpatch); then
		bad "checkpatch: no checkpatch.pl (apt-get install linux-source, or set CHECKPATCH=)"
		return
	fi
	for f in module/*.c module/*.h module/*.S module/compat/*.[ch] tests/helper/*.c; do
		[ -f "$f" ] || continue
		case "$f" in *.mod.c) continue;; esac
		ignore=
		# The one exception, for the one file of X-macros: the export
		# format's lists (families, fields, reasons) make the enums and
		# names of both the module and the reader. A list is not an
		# expression (parentheses would break it), and the enum-making
		# macro uses the id of each entry, not its name.
		[ "$f" = module/dstleak_format.h ] && ignore="--ignore COMPLEX_MACRO,MACRO_ARG_UNUSED"
		# shellcheck disable=SC2086
		if out=$(perl "$cp" --no-tree -f --quiet --show-types $ignore "$f" 2>&1); then
			ok "checkpatch $f"
		else
			bad "checkpatch $f"
			echo "$out" | sed 's/^/    | /'
		fi
	done
}

# sparse_one KVER DIR: builds DIR with C=1 W=1, fails on a warning in it.
sparse_one() {
	local kver=$1 src=$2 name=$3 dir log
	dir=$OUT/sparse/$kver/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -r "$src"/. "$dir"/
	log=$dir.log
	if ! make -C "/lib/modules/$kver/build" M="$dir" C=1 W=1 modules > "$log" 2>&1; then
		bad "sparse $name $kver: build failed"
		tail -n 20 "$log" | sed 's/^/    | /'
		return
	fi
	if grep -E "^$dir/.*(warning|error):" "$log" > "$log.ours"; then
		bad "sparse $name $kver: warnings"
		sed "s|$dir/||; s/^/    | /" "$log.ours" | head -n 40
	else
		ok "sparse $name $kver"
	fi
}

run_sparse() {
	command -v sparse > /dev/null || { bad "sparse: not installed (tests/deps.sh)"; return; }
	local name glob kver d src
	src=$OUT/sparse/src
	rm -rf "$src"
	mkdir -p "$src/module"
	cp Kbuild "$src/"
	cp module/*.c module/*.h module/*.S "$src/module/"
	mkdir -p "$src/module/compat"
	cp module/compat/*.[ch] "$src/module/compat/"
	while read -r name glob _; do
		case "$name" in ''|'#'*) continue;; esac
		# Kernels built from source (NAME cache SOURCE) have no installed
		# headers: sparse and W=1 run on the Debian kernels; the others
		# are compiled by the harness's DKMS step.
		[ "$glob" = cache ] && continue
		kver=""
		for d in $(cd /lib/modules && ls -d $glob 2>/dev/null | sort -V); do
			[ -e "/lib/modules/$d/build/Makefile" ] && kver=$d
		done
		[ -n "$kver" ] || { bad "sparse $name: no headers installed"; continue; }
		sparse_one "$kver" "$src" dstleak
		[ -f tests/helper/Kbuild ] && sparse_one "$kver" tests/helper dsthelper
	done < tests/vm/kernels
}

case "${1:-}" in
--sparse) run_sparse;;
"") run_checkpatch;;
--all) run_checkpatch; run_sparse;;
*) echo "usage: $0 [--sparse|--all]" >&2; exit 2;;
esac
echo "$P passed, $F failed"
[ "$F" -eq 0 ]
