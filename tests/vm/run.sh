#!/bin/bash
# The VM test harness: for every selected kernel, build dstleak through DKMS
# (and tests/helper, and the reader), pack a busybox initramfs with the cases,
# boot it under QEMU (TCG) and report one line per case:
#
#   PASS 6.12-cloud load [2s]
#   FAIL 6.1-cloud loadloop: REASON [31s]
#       (then the offending kernel log lines and the tail of the case's output)
#   SKIP 6.18: not built (tests/kernels/build.sh ...)
#
# and, last, alone on its line: "N passed, N failed" (", N skipped" if any).
# Exit status 1 on any failure, timeout, crash or panic; 2 on bad usage.
#
# The kernels (tests/vm/kernels): Debian's packages (/boot, /lib/modules), and
# kernels built from source by tests/kernels/build.sh into a kernel cache
# (DSTLEAK_KERNEL_CACHE); a cache kernel that is not listed there is booted
# too, under its directory's name. A listed cache kernel that is not built is
# reported as SKIP with the command that builds it.
# The cases: a Debian kernel runs them all, a cache kernel the smoke set
# (SMOKE_CASES, plus every case with a "# vm-smoke: yes" header), or them all
# when its line says "cases=all" (the debug kernel); CASES= overrides both.
# Each kernel boots once for its cases, and once more for each distinct
# "# vm-append: ARGS" header among them (those cases run in a boot of their
# own with ARGS on the kernel command line).
#
# Usage: tests/vm/run.sh [--demo FILE] [--list]
# Environment (all optional):
#   KERNELS="6.12-cloud 6.18"       names from tests/vm/kernels or cache
#                                   directories (default: all)
#   CASES="load badparam"           names in tests/vm/cases/ without .sh
#                                   (default: all on Debian kernels, the smoke
#                                   set on cache kernels, plus the harness
#                                   self-tests in tests/vm/xfail/ on the
#                                   first kernel)
#   DSTLEAK_KERNEL_CACHE=DIR[:DIR]  kernel caches, first match of a name wins
#                   (default ${XDG_CACHE_HOME:-~/.cache}/dstleak/kernels;
#                   the layout is in tests/kernels/README)
#   SMOKE_CASES="..."  the cache kernels' default cases (default below)
#   KJOBS=N          boots at once (default 1; see README for timings)
#   VM_MEM=MB        guest memory (default: max of 1024, 2048 on a KASAN
#                    kernel, and the boot's cases' vm-mem:)
#   VM_SMP=N         guest CPUs (default 2)
#   VM_TIMEOUT=S     wall-clock limit per boot (default: the larger of 900
#                    and the sum of the boot's cases' limits plus 120)
#   BOOT_TIMEOUT=S   limit from start to /init reporting (default 300)
#                    Besides, a case that reports nothing for its own limit
#                    plus 90 s (a hung guest kernel) stops the boot.
#   CASE_TIMEOUT=S   per-case limit for cases without vm-timeout: (default 300;
#                    every case limit is tripled on a KASAN kernel)
#   VM_APPEND="..."  extra kernel command line (every boot)
#   VM_FIRST_BOOT_APPEND="..."  extra kernel command line for a boot's first
#                    start only: "rdinit=/none init=/none" checks that a guest that
#                    panics before /init is booted once more, and said so
#   VM_QEMU_ARGS="..."  extra QEMU arguments, split on blanks (e.g. a
#                    read-only -drive for the benchmark's tools)
#   VM_ENV="K=V ..." extra variables for the cases (in /harness.env)
#   DSTLEAK_PKG_KO=DIR  modules the packages' DKMS built, DIR/KVER/dstleak.ko
#                    (tests/pkg.sh keeps them; make check sets it): the
#                    pkg_module case loads that one, and skips without it
#   VM_EXTRA_KBUILD=DIR  external modules (a Kbuild file, .c and .h files)
#                    built against each kernel like tests/helper, the .ko
#                    files put in the guest's /extra/ (make bench's load
#                    generator); a kernel they do not build for fails
#   XFAIL=0|1        run the harness self-tests (default 1 when CASES is unset)
#   VM_OUT=DIR       work directory (default tests/vm/out)
set -uo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
VM=$TOP/tests/vm
OUT=${VM_OUT:-$VM/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The modules the cases may use, loaded by /init in this order (a clean log
# on 6.1 needs ctr and sha512_generic before drbg; see the shared notes).
GUEST_MODULES="veth xfrm_user esp4 esp6 authenc echainiv seqiv ctr sha512_generic sha3_generic jitterentropy_rng drbg"
# Extra modules copied in (with dependencies) but not loaded at boot.
GUEST_EXTRA_MODULES="${GUEST_EXTRA_MODULES:-dummy ip6_tunnel xfrm_interface}"
# Host tools that go in as themselves (their busybox applets are not linked).
REAL_TOOLS="/usr/bin/ip /bin/kmod /bin/dash"
NOT_BUSYBOX="sh ip modprobe insmod rmmod lsmod depmod modinfo"

DEMO=""
case "${1:-}" in
--demo) DEMO=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2;;
--list) LIST=1;;
"") ;;
*) sed -n '2,/^set -uo/s/^# \{0,1\}//p' "$0" >&2; exit 2;;
esac

# shellcheck source=tests/vm/scan.sh
. "$VM/scan.sh"
log() { echo "vm: $*" >&2; }
die() { echo "vm: $*" >&2; exit 2; }

# --- kernels ----------------------------------------------------------------
# Per kernel NAME: KVERS (uname -r, or MISSING), KKIND (deb|cache), KIMG (the
# image QEMU boots), KCDIR (the cache directory of a cache kernel), KDIR (its
# build tree, set once extracted).
# No default: a kernel left in some directory by an earlier run must not
# change what is tested (tests/check.sh names ../shared/kernels).
KCACHE=${DSTLEAK_KERNEL_CACHE:-}
declare -a KNAMES=() KSKIPPED=()
declare -A KVERS=() KKIND=() KIMG=() KCDIR=() KDIR=() KSKIP=() KLISTED=() KALL=()
selected() { [ -z "${KERNELS:-}" ] || [[ " $KERNELS " == *" $1 "* ]]; }
# cache_entry DIR: DIR holds a kernel in the cache layout.
cache_entry() { [ -s "$1/bzImage" ] && [ -s "$1/kernelrelease" ] && [ -s "$1/build.tar.xz" ]; }
# cache_find NAME: the first cache directory with kernel NAME.
cache_find() {
	local c
	local -a dirs
	IFS=: read -r -a dirs <<< "$KCACHE"
	for c in "${dirs[@]}"; do
		[ -n "$c" ] && cache_entry "$c/$1" && { (cd "$c/$1" && pwd); return 0; }
	done
	return 1
}
# The command that builds cache kernel NAME (HINT: its source, from tests/vm/kernels).
build_hint() {
	local c=${KCACHE%%:*}
	echo "tests/kernels/build.sh SOURCE $1 ${c:-CACHEDIR}, then DSTLEAK_KERNEL_CACHE=CACHEDIR; SOURCE: a tree or tarball of $2"
}
add_cache_kernel() { # NAME DIR
	KNAMES+=("$1")
	KKIND[$1]=cache
	KCDIR[$1]=$2
	KIMG[$1]=$2/bzImage
	KVERS[$1]=$(head -n 1 "$2/kernelrelease")
}
while read -r name glob hint; do
	case "$name" in ''|'#'*) continue;; esac
	KLISTED[$name]=1
	selected "$name" || continue
	if [ "$glob" = cache ]; then
		# "NAME cache cases=all SOURCE": every case, not the smoke set.
		case "$hint" in "cases=all "*) KALL[$name]=1; hint=${hint#cases=all };; esac
		if d=$(cache_find "$name"); then
			add_cache_kernel "$name" "$d"
		else
			KVERS[$name]=MISSING
			KKIND[$name]=cache
			KSKIPPED+=("$name")
			KSKIP[$name]="not built ($(build_hint "$name" "${hint:-its source}"))"
		fi
		continue
	fi
	ver=""
	for d in $(cd /lib/modules && ls -d $glob 2>/dev/null | sort -V); do
		[ -e "/lib/modules/$d/build/Makefile" ] && [ -e "/boot/vmlinuz-$d" ] && ver=$d
	done
	if [ -z "$ver" ]; then
		echo "vm: kernel $name: no /lib/modules/$glob with headers and /boot/vmlinuz-* (run tests/deps.sh)" >&2
		ver=MISSING
	fi
	KNAMES+=("$name")
	KKIND[$name]=deb
	KVERS[$name]=$ver
	KIMG[$name]=/boot/vmlinuz-$ver
	KDIR[$name]=/lib/modules/$ver/build
done < "$VM/kernels"
# Cache kernels that tests/vm/kernels does not list, under their directory's name.
IFS=: read -r -a _cdirs <<< "$KCACHE"
for c in "${_cdirs[@]}"; do
	if [ -z "$c" ] || [ ! -d "$c" ]; then continue; fi
	for d in "$c"/*/; do
		d=${d%/}
		name=$(basename "$d")
		[ -n "${KLISTED[$name]:-}" ] && continue
		if ! cache_entry "$d" || ! selected "$name"; then continue; fi
		KLISTED[$name]=1
		add_cache_kernel "$name" "$(cd "$d" && pwd)"
	done
done
for k in ${KERNELS:-}; do
	[ -n "${KVERS[$k]:-}" ] || die "unknown kernel '$k' (see tests/vm/kernels: $(awk '!/^#/ && NF { printf "%s ", $1 }' "$VM/kernels")and the cache $KCACHE)"
done
[ ${#KNAMES[@]} -gt 0 ] || [ ${#KSKIPPED[@]} -gt 0 ] || die "no kernels selected"

# --- cases ------------------------------------------------------------------
# header FILE KEY: the value of the first "# KEY: VALUE" line, blanks squeezed.
header() {
	sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1 | tr -s ' \t' ' ' | sed 's/ $//'
}
SMOKE_CASES=${SMOKE_CASES:-load loadloop acct_exact acct_truth leak_suspects ipsec_containers}
declare -a CASE_PATHS=() SMOKE_PATHS=()
if [ -n "$DEMO" ]; then
	[ -f "$DEMO" ] || die "no demo scenario $DEMO"
	CASE_PATHS=("$DEMO")
	SMOKE_PATHS=("$DEMO")
	XFAIL=0
elif [ -n "${CASES:-}" ]; then
	for c in $CASES; do
		c=${c%.sh}
		[ -f "$VM/cases/$c.sh" ] || die "unknown case '$c' (see tests/vm/cases/)"
		CASE_PATHS+=("$VM/cases/$c.sh")
	done
	SMOKE_PATHS=("${CASE_PATHS[@]}")
	XFAIL=${XFAIL:-0}
else
	for f in "$VM"/cases/*.sh; do
		[ -f "$f" ] || continue
		CASE_PATHS+=("$f")
		if [[ " $SMOKE_CASES " == *" $(basename "$f" .sh) "* ]] || [ "$(header "$f" vm-smoke)" = yes ]; then
			SMOKE_PATHS+=("$f")
		fi
	done
	for c in $SMOKE_CASES; do
		[ -f "$VM/cases/$c.sh" ] || log "smoke case '$c' is not in tests/vm/cases/"
	done
	XFAIL=${XFAIL:-1}
fi

# The boots: per kernel, one for the cases without vm-append (and the
# self-tests), one per distinct vm-append value. BOOTS holds "KERNEL#N"; N=0
# boots in $OUT/KERNEL, the others in $OUT/KERNEL/append-N.
declare -a BOOTS=()
declare -A BKERNEL=() BAPPEND=() BTCG=() BCASES=() BDIR=() BFIRST=()
plan_boots() {
	local k=$1 f a i n
	local -a paths=() appends=("")
	local -A idx=([k]=0) list=()
	if [ "${KKIND[$k]}" = cache ] && [ -z "${KALL[$k]:-}" ]; then paths=("${SMOKE_PATHS[@]}"); else paths=("${CASE_PATHS[@]}"); fi
	if [ "$XFAIL" = 1 ] && [ "$k" = "${KNAMES[0]}" ]; then
		for f in "$VM"/xfail/*.sh; do [ -f "$f" ] && paths+=("$f"); done
	fi
	for f in "${paths[@]}"; do
		# The boot's key: its command line, and "|single" for a case
		# that wants single-threaded TCG (# vm-tcg: single).
		a=$(header "$f" vm-append)
		[ "$(header "$f" vm-tcg)" = single ] && a="$a|single"
		if [ -z "${idx[k$a]+x}" ]; then
			idx[k$a]=${#appends[@]}
			appends+=("$a")
		fi
		list[${idx[k$a]}]+=" $f"
	done
	n=0
	for i in "${!appends[@]}"; do
		# The main boot is left out only when every case wants its own.
		[ -z "${list[$i]:-}" ] && { [ "$i" != 0 ] || [ ${#appends[@]} -gt 1 ]; } && continue
		BOOTS+=("$k#$i")
		BKERNEL[$k#$i]=$k
		BAPPEND[$k#$i]=${appends[$i]%|single}
		BTCG[$k#$i]=; [ "${appends[$i]%|single}" != "${appends[$i]}" ] && BTCG[$k#$i]=single
		BCASES[$k#$i]=${list[$i]:-}
		if [ "$i" = 0 ]; then BDIR[$k#$i]=$OUT/$k; else BDIR[$k#$i]=$OUT/$k/append-$i; fi
		[ "$n" = 0 ] && BFIRST[$k#$i]=1
		n=$((n + 1))
	done
}
for k in "${KNAMES[@]}"; do plan_boots "$k"; done

if [ -n "${LIST:-}" ]; then
	for k in "${KNAMES[@]}" "${KSKIPPED[@]}"; do echo "kernel $k ${KVERS[$k]}"; done
	for f in "${CASE_PATHS[@]}"; do echo "case $(basename "$f" .sh)"; done
	for b in "${BOOTS[@]}"; do
		echo "boot ${BKERNEL[$b]}${BAPPEND[$b]:+ [${BAPPEND[$b]}]}${BTCG[$b]:+ [tcg single]}:$(for f in ${BCASES[$b]}; do printf ' %s' "$(basename "$f" .sh)"; done)"
	done
	for k in "${KSKIPPED[@]}"; do echo "skip $k: ${KSKIP[$k]}"; done
	exit 0
fi

# kasan KERNEL: a cache kernel built with KASAN (the debug kernel).
kasan() { [ "${KKIND[$1]}" = cache ] && grep -q '^CONFIG_KASAN=y' "${KCDIR[$1]}/config" 2>/dev/null; }
# case_limit FILE KERNEL: the case's own time limit in seconds, times 3 on a
# KASAN kernel (the guest's /init scales it the same way).
case_limit() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	t=${t:-${CASE_TIMEOUT:-300}}
	kasan "$2" && t=$((t * 3))
	echo "$t"
}
# boot_mem / boot_timeout CASEFILES KERNEL: what a boot of these
# cases gets. KASAN takes an eighth of the memory for its shadow, and its
# quarantine, kmemleak and lockdep more: a KASAN kernel gets 2048 MB.
boot_mem() {
	local mem=${VM_MEM:-} f m
	if [ -z "$mem" ]; then
		mem=1024
		kasan "$2" && mem=2048
		for f in $1; do
			m=$(sed -n 's/^# vm-mem: *\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1)
			[ -n "$m" ] && [ "$m" -gt "$mem" ] && mem=$m
		done
	fi
	echo "$mem"
}
boot_timeout() {
	local t=${VM_TIMEOUT:-} f
	if [ -z "$t" ]; then
		t=120
		for f in $1; do t=$((t + $(case_limit "$f" "$2"))); done
		[ "$t" -ge 900 ] || t=900
	fi
	echo "$t"
}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}

VERSION=$("$TOP/tests/dkms.sh" version) || die "cannot read the module version"
FORMAT=$(sed -n 's/^#define DSTLEAK_FORMAT_VERSION \([0-9]*\).*/\1/p' "$TOP/module/dstleak_format.h")

# --- the reader (once, for the host) ----------------------------------------
READER=""
if [ -f "$TOP/tools/Makefile" ]; then
	if make -s -C "$TOP/tools" > "$OUT/reader-build.log" 2>&1 && [ -x "$TOP/tools/dstleak" ]; then
		READER=$TOP/tools/dstleak
	else
		log "the reader (tools/) did not build; cases that need it will skip (see $OUT/reader-build.log)"
	fi
fi

# --- initramfs pieces -------------------------------------------------------
# copy_bin ROOT FILE [DEST]: FILE and every library ldd names, same paths.
copy_bin() {
	local root=$1 f=$2 dst=${3:-$2} lib
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$f" "$root/$dst"
	for lib in $(ldd "$f" 2>/dev/null | grep -o '/[^ ]*'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}

mkcpio() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1); }

# base_initramfs NAME: busybox, dash, ip, kmod, kernel modules; writes
# $OUT/NAME/guest.modules, the modules /init loads. Cached by a stamp of
# everything that goes in. A Debian kernel gets the modules the cases need
# from /lib/modules (decompressed, with dependencies); a cache kernel has them
# built in and gets only its modules.builtin* (and depmod's indexes of them).
base_initramfs() {
	local name=$1 kver=${KVERS[$1]} dir=$OUT/$1 root stamp m src
	if [ "${KKIND[$name]}" = cache ]; then
		src=${KCDIR[$name]}
		stamp=$( { echo "$kver $GUEST_MODULES $GUEST_EXTRA_MODULES"; sha1sum "$0" /bin/busybox $REAL_TOOLS \
			"$src/modules.builtin" "$src/bzImage"; } | sha1sum)
	else
		src=/lib/modules/$kver
		stamp=$( { echo "$kver $GUEST_MODULES $GUEST_EXTRA_MODULES"; sha1sum "$0" /bin/busybox $REAL_TOOLS;
			ls -l --time-style=+%s "$src/modules.dep"; } | sha1sum)
	fi
	if [ -s "$dir/base.cpio.gz" ] && [ -s "$dir/guest.modules" ] &&
	   [ "$(cat "$dir/base.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	root=$dir/base
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,run,tmp,root,var,mnt}
	ln -s ../run "$root/var/run"
	cp /bin/busybox "$root/bin/busybox"
	for t in $REAL_TOOLS; do copy_bin "$root" "$t"; done
	ln -s dash "$root/bin/sh"
	ln -s /usr/bin/ip "$root/sbin/ip"
	for m in modprobe insmod rmmod lsmod depmod modinfo; do ln -s /bin/kmod "$root/sbin/$m"; done
	ln -s /bin/kmod "$root/bin/lsmod"
	for a in $(/bin/busybox --list); do
		[[ " $NOT_BUSYBOX " == *" $a "* ]] && continue
		[ -e "$root/bin/$a" ] || [ -e "$root/sbin/$a" ] || [ -e "$root/usr/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || log "cannot mknod /dev/console (not root?)"
	mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true
	echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
	echo "root:x:0:" > "$root/etc/group"
	# Kernel modules, decompressed (busybox and the kernel need no xz then).
	local md=$root/lib/modules/$kver
	mkdir -p "$md"
	if [ "${KKIND[$name]}" = deb ]; then
		for m in $GUEST_MODULES $GUEST_EXTRA_MODULES; do
			modprobe -S "$kver" --show-depends "$m" 2>/dev/null | awk '$1 == "insmod" { print $2 }'
		done | sort -u | while read -r ko; do
			rel=${ko#/lib/modules/$kver/}
			mkdir -p "$md/$(dirname "$rel")"
			case "$ko" in
			*.xz) xz -dc "$ko" > "$md/${rel%.xz}";;
			*.zst) zstd -dqc "$ko" > "$md/${rel%.zst}";;
			*.gz) gzip -dc "$ko" > "$md/${rel%.gz}";;
			*) cp "$ko" "$md/$rel";;
			esac
		done
	fi
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "$src/$f" ] && sed 's/\.ko\.\(xz\|zst\|gz\)$/.ko/' "$src/$f" > "$md/$f"
	done
	[ -e "$md/modules.order" ] || : > "$md/modules.order"
	depmod -b "$root" "$kver" || return 1
	# What /init loads: the modules present as files (built-in ones it skips
	# itself); one neither built in nor here is not loaded, and said so.
	: > "$dir/guest.modules.new"
	for m in $GUEST_MODULES; do
		if grep -q "/${m//[-_]/[-_]}\.ko$" "$md/modules.builtin" 2>/dev/null; then
			echo "module $m: built in"
			echo "$m" >> "$dir/guest.modules.new"
		elif modprobe -d "$root" -S "$kver" --show-depends "$m" > /dev/null 2>&1; then
			echo "$m" >> "$dir/guest.modules.new"
		else
			echo "module $m: neither built in nor available for $kver; not loaded"
		fi
	done
	echo "# loaded by /init" >> "$dir/guest.modules.new"
	mv "$dir/guest.modules.new" "$dir/guest.modules"
	mkcpio "$root" > "$dir/base.cpio.gz" || return 1
	echo "$stamp" > "$dir/base.stamp"
}

# sq TEXT: TEXT quoted for a shell's single quotes.
sq() { printf '%s' "$1" | sed "s/'/'\\\\''/g"; }

# overlay_initramfs BOOT: /init, the module(s), reader, cases of one boot.
overlay_initramfs() {
	local b=$1 name=${BKERNEL[$1]} bdir=${BDIR[$1]} dir=$OUT/${BKERNEL[$1]} root f list=""
	local kver=${KVERS[$name]}
	root=$bdir/overlay
	rm -rf "$root"
	mkdir -p "$root/cases" "$root/usr/bin"
	cp "$VM/init" "$root/init"
	chmod 755 "$root/init"
	cp "$VM"/*lib.sh "$VM/scan.sh" "$root/"
	cp "$dir/dkms/dstleak.ko" "$root/dstleak.ko"
	[ -s "$dir/dsthelper.ko" ] && cp "$dir/dsthelper.ko" "$root/dsthelper.ko"
	if [ -d "$dir/extra" ]; then
		mkdir -p "$root/extra"
		cp "$dir"/extra/*.ko "$root/extra/"
	fi
	# The module the packages' DKMS built for this kernel (tests/pkg.sh
	# keeps it; make check names the directory), for the pkg_module case.
	if [ -n "${DSTLEAK_PKG_KO:-}" ] && [ -s "$DSTLEAK_PKG_KO/$kver/dstleak.ko" ]; then
		mkdir -p "$root/pkg"
		cp "$DSTLEAK_PKG_KO/$kver/dstleak.ko" "$root/pkg/dstleak.ko"
		cp "$DSTLEAK_PKG_KO/$kver/origin" "$root/pkg/origin" 2>/dev/null
	fi
	[ -n "$READER" ] && copy_bin "$root" "$READER" /usr/bin/dstleak
	for f in ${BCASES[$b]}; do
		cp "$f" "$root/cases/"
		list="$list /cases/$(basename "$f")"
	done
	{
		echo "DSTLEAK_VERSION='$VERSION'"
		echo "DSTLEAK_FORMAT='$FORMAT'"
		echo "KERNEL_NAME='$name'"
		echo "KERNEL_KIND='${KKIND[$name]}'"
		echo "KVER='$kver'"
		echo "GUEST_MODULES='$(grep -v '^#' "$dir/guest.modules" | tr '\n' ' ' | sed 's/ $//')'"
		echo "BOOT_APPEND='$(sq "${BAPPEND[$b]}")'"
		echo "CASE_FILES='$list'"
		echo "CASE_TIMEOUT='${CASE_TIMEOUT:-300}'"
		echo "SHOW_OUT='${SHOW_OUT:-}'"
		for kv in ${VM_ENV:-}; do echo "export ${kv%%=*}='${kv#*=}'"; done
	} > "$root/harness.env"
	mkcpio "$root" > "$bdir/overlay.cpio.gz"
	cat "$dir/base.cpio.gz" "$bdir/overlay.cpio.gz" > "$bdir/initramfs.cpio.gz"
}

# extract_kdir TARBALL: prints the directory TARBALL (a cache kernel's
# build.tar.xz) is extracted in, $OUT/kdir/CHECKSUM; extracts it once.
extract_kdir() {
	local tb=$1 sum d
	sum=$(sha256sum "$tb" | cut -c1-16) || return 1
	d=$OUT/kdir/$sum
	mkdir -p "$OUT/kdir"
	(
		flock 8
		[ -e "$d.done" ] && [ -f "$d/Makefile" ] && exit 0
		rm -rf "$d" "$d.tmp"
		mkdir -p "$d.tmp"
		tar -xJf "$tb" -C "$d.tmp" || { rm -rf "$d.tmp"; exit 1; }
		mv "$d.tmp" "$d" && echo "$tb" > "$d.done"
	) 8>"$OUT/kdir/.lock" || return 1
	echo "$d"
}

# dkms_build NAME: tests/dkms.sh build for the kernel's version; for a cache
# kernel, in a private mount namespace where /lib/modules/KVER/build is its
# extracted build tree (DKMS finds it where it finds a Debian kernel's).
dkms_build() {
	local name=$1 kver=${KVERS[$1]} dir=$OUT/$1
	if [ "${KKIND[$name]}" = deb ]; then
		"$TOP/tests/dkms.sh" build "$kver" "$dir/dkms"
		return
	fi
	rm -rf "$dir/lib-modules"
	mkdir -p "$dir/lib-modules/$kver"
	ln -s "${KDIR[$name]}" "$dir/lib-modules/$kver/build"
	unshare -m bash -c 'mount --bind "$1" /lib/modules && exec "$2" build "$3" "$4"' _ \
		"$dir/lib-modules" "$TOP/tests/dkms.sh" "$kver" "$dir/dkms"
}

# build_extra NAME KDIR: VM_EXTRA_KBUILD's modules for NAME into $OUT/NAME/extra.
build_extra() {
	local x=$OUT/$1/extra
	rm -rf "$x"
	mkdir -p "$x"
	# Sources only: nothing a build in place left behind.
	cp "$VM_EXTRA_KBUILD"/Kbuild "$VM_EXTRA_KBUILD"/*.[ch] "$x/" || return 1
	make -C "$2" M="$x" modules > "$OUT/$1/extra.log" 2>&1 &&
		compgen -G "$x/*.ko" > /dev/null
}

# build_kernel NAME: DKMS module, helper, initramfs. Writes $OUT/NAME/build.err
# with a reason on failure (and build.detail: the errors, the log's tail).
build_kernel() {
	local name=$1 kver=${KVERS[$1]} dir=$OUT/$1 kdir mlog
	mkdir -p "$dir"
	rm -f "$dir/build.err" "$dir/build.detail" "$dir/helper.err" "$dir/dsthelper.ko"
	rm -rf "$dir/extra"
	if [ "$kver" = MISSING ]; then
		echo "kernel not installed (run tests/deps.sh)" > "$dir/build.err"
		return 1
	fi
	if [ "${KKIND[$name]}" = cache ]; then
		if ! kdir=$(extract_kdir "${KCDIR[$name]}/build.tar.xz" 2> "$dir/extract.log"); then
			echo "cannot extract ${KCDIR[$name]}/build.tar.xz (see $dir/extract.log)" > "$dir/build.err"
			return 1
		fi
		KDIR[$name]=$kdir
	fi
	kdir=${KDIR[$name]}
	if ! dkms_build "$name" > "$dir/dkms.log" 2>&1; then
		echo "DKMS build failed for $kver (see ${dir#"$TOP"/}/dkms.log)" > "$dir/build.err"
		mlog=$(find "$dir/dkms/tree" -name make.log 2>/dev/null | head -n 1)
		{
			{
				grep -E '^Error|^ERROR|^dkms|: (error|warning):' "$dir/dkms.log"
				[ -n "$mlog" ] && grep -E '^ERROR|: (error|warning):|\*\*\*' "$mlog"
			} | head -n 20
			echo "... the last lines of ${mlog:-$dir/dkms.log}:"
			tail -n 12 "${mlog:-$dir/dkms.log}"
		} | sed "s|$dir/dkms/tree/dstleak/[^/]*/build/||; s|$TOP/||; s/^/    | /" > "$dir/build.detail"
		return 1
	fi
	if [ -f "$TOP/tests/helper/Kbuild" ]; then
		rm -rf "$dir/helper"
		cp -r "$TOP/tests/helper" "$dir/helper"
		if make -C "$kdir" M="$dir/helper" modules > "$dir/helper.log" 2>&1 &&
		   [ -s "$dir/helper/dsthelper.ko" ]; then
			cp "$dir/helper/dsthelper.ko" "$dir/dsthelper.ko"
		else
			# Fails the run, but the cases that do not need it still run.
			echo "tests/helper did not build (see ${dir#"$TOP"/}/helper.log); cases that need it skip" > "$dir/helper.err"
			grep -E 'error|warning' "$dir/helper.log" | head -n 20 | sed 's/^/    | /' >> "$dir/helper.err"
		fi
	fi
	if [ -n "${VM_EXTRA_KBUILD:-}" ] && ! build_extra "$name" "$kdir"; then
		echo "$VM_EXTRA_KBUILD did not build for $kver (see ${dir#"$TOP"/}/extra.log)" > "$dir/build.err"
		grep -E 'error|ERROR' "$dir/extra.log" | head -n 20 | sed 's/^/    | /' > "$dir/build.detail"
		return 1
	fi
	if ! base_initramfs "$name" > "$dir/initramfs.log" 2>&1; then
		echo "initramfs build failed (see $dir/initramfs.log)" > "$dir/build.err"
		return 1
	fi
	return 0
}

# --- booting and reporting --------------------------------------------------
LOCK=$OUT/.print.lock
: > "$LOCK"

# console_detail CASE: what the console says about a guest that died in CASE
# (or before any case): its forbidden lines since the case began, then the tail.
console_detail() {
	local console=$1 c=$2
	{
		if [ -n "$c" ]; then
			sed -n "/dstleak-harness: case $c start/,\$p" "$console"
		else
			cat "$console"
		fi
	} | scan_log | head -n 25 | sed 's/^/    ! /'
	echo "    console tail (${console#"$TOP"/}):"
	tail -n 15 "$console" | sed 's/^/    > /'
}

# case_of "REST OF LINE": the case name it starts with ("(boot)" has a space).
case_of() {
	case "$1" in
	"("*) echo "${1%%)*})";;
	*) echo "${1%% *}";;
	esac
}

# panic_line CONSOLE: its first "Kernel panic" line, without the timestamp.
panic_line() {
	grep -m 1 "Kernel panic" "$1" | sed 's/^\[[^]]*\] *//'
}

# run_guest: one boot of boot_kernel's guest (its locals: dynamic scope),
# with its watchdog; sets rc and t0.
run_guest() {
	: > "$console"
	: > "$results"
	rm -f "$dir/hung"
	t0=$(date +%s)
	# log_buf_len: a busy case must not push a WARNING out of the ring before
	# /init reads it; devkmsg=on: the markers cases write to /dev/kmsg are
	# not rate-limited away; no_timer_check: on a busy host, TCG's timer can
	# miss the IO-APIC check's few ticks and the kernel panics ("IO-APIC +
	# timer doesn't work!"), as QEMU-based CIs know.
	# shellcheck disable=SC2086 # VM_QEMU_ARGS is split on purpose
	timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
		-machine q35 -accel "$accel" -cpu max -smp "${VM_SMP:-2}" -m "$mem" \
		-kernel "${KIMG[$name]}" -initrd "$dir/initramfs.cpio.gz" \
		-append "console=ttyS0 no_timer_check panic=-1 oops=panic panic_on_warn=0${lockup} loglevel=6 log_buf_len=4M printk.devkmsg=on${VM_APPEND:+ $VM_APPEND}${app:+ $app}${once:+ $once}" \
		-display none -nodefaults -monitor none -no-reboot \
		-serial "file:$console" -serial "file:$results" ${VM_QEMU_ARGS:-} \
		< /dev/null > "$dir/qemu.log" 2>&1 &
	local qpid=$! seen=0 cur="" cur_t0=$t0 hung="" now n
	# Progress on stderr while it runs (the report comes at the end), and a
	# watchdog: no /init within BOOT_TIMEOUT, or a case silent for its own
	# limit plus 90 s, means the guest kernel hangs: stop it.
	progress() {
		n=$(grep -c '^@@RESULT' "$results" 2>/dev/null)
		[ "${n:-0}" -gt "$seen" ] || return 0
		grep '^@@RESULT' "$results" | tr -d '\r' | sed -n "$((seen + 1)),${n}p" |
			while read -r _ c s t _; do
				case "$c" in xfail-*) s="$s (a self-test: must fail)";; esac
				echo "vm: $label $c $s ($t)" >&2
			done
		seen=$n
	}
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 2
		progress
		now=$(date +%s)
		if ! grep -q '^@@BOOT' "$results"; then
			[ $((now - t0)) -lt "$BOOT_TIMEOUT" ] && continue
			hung="the guest did not reach /init within ${BOOT_TIMEOUT}s"
		else
			n=$(grep '^@@START ' "$results" | tail -n 1 | tr -d '\r')
			n=${n#@@START }
			[ -n "$n" ] || continue
			[ "$n" = "$cur" ] || { cur=$n; cur_t0=$now; }
			grep -q "^@@RESULT $cur " "$results" && continue
			f=$(for f in $cases; do [ "$(basename "$f" .sh)" = "$cur" ] && echo "$f"; done)
			[ -n "$f" ] || continue
			[ $((now - cur_t0)) -gt $(( $(case_limit "$f" "$name") + 90 )) ] || continue
			hung="the guest hung (no result $(( now - cur_t0 ))s after $cur began, its limit is $(case_limit "$f" "$name")s)"
		fi
		echo "$hung" > "$dir/hung"
		log "$label: $hung; stopping it"
		kill -TERM "$qpid" 2>/dev/null
		break
	done
	wait "$qpid"
	rc=$?
	progress
}

# boot_kernel BOOT: boots, parses, prints its block, writes BOOTDIR/counts.
boot_kernel() {
	local b=$1 name=${BKERNEL[$1]} dir=${BDIR[$1]} kdir=$OUT/${BKERNEL[$1]} cases=${BCASES[$1]} f rc t0 t1
	local kver=${KVERS[$name]} app=${BAPPEND[$1]} first=${BFIRST[$1]:-}
	local accel=tcg lockup=" softlockup_panic=0"
	[ "${BTCG[$1]:-}" = single ] && accel=tcg,thread=single
	# Only where the kernel has the lockup detector: elsewhere the kernel
	# turns it into a failing sysctl, and RHEL 9's 5.14 then hits a BUG
	# (lib/idr.c, unregister_shrinker) in a debugfs=off boot.
	if [ "${KKIND[$name]}" = cache ] && ! grep -q '^CONFIG_SOFTLOCKUP_DETECTOR=y' "${KCDIR[$name]}/config" 2>/dev/null; then
		lockup=""
	fi
	local label=$name${app:+ [$app]}
	local console=$dir/console.log results=$dir/results.log report=$dir/report
	mkdir -p "$dir"
	: > "$report"
	local expected=""
	for f in $cases; do expected="$expected $(basename "$f" .sh)"; done

	if [ -e "$kdir/build.err" ]; then
		local why
		why=$(cat "$kdir/build.err")
		for c in $expected; do echo "FAIL $name $c: $why" >> "$report"; done
		[ -n "$first" ] && [ -e "$kdir/build.detail" ] && cat "$kdir/build.detail" >> "$report"
		echo "0 $(echo $expected | wc -w) 0" > "$dir/counts"
		(flock 9; cat "$report") 9>"$LOCK"
		return
	fi

	local mem vm_timeout
	mem=$(boot_mem "$cases" "$name")
	vm_timeout=$(boot_timeout "$cases" "$name")
	log "booting $label ($kver, ${mem} MB, limit ${vm_timeout}s):$expected"
	overlay_initramfs "$b"
	# A kernel that panics before /init has not run a line of dstleak (the
	# cases load it): under TCG on a busy host the IO-APIC timer check is
	# the known one. That boot is run once more, and the report says so.
	# Not when the console names dstleak (its module or a case's marker):
	# then /init ran, whatever the results port lost.
	local retried="" once=${VM_FIRST_BOOT_APPEND:-}
	run_guest
	once=""
	if ! grep -q '^@@BOOT' "$results" && grep -q "Kernel panic" "$console" &&
		! grep -q dstleak "$console"; then
		retried=$(panic_line "$console")
		mv "$console" "$dir/console.first.log"
		log "$label: the guest panicked before /init ($retried); booting it once more"
		run_guest
	fi
	t1=$(date +%s)
	echo "$((t1 - t0))" > "$dir/boot.secs"

	local -A st=() why=() secs=() outl=() klog=()
	local last="" done=0 booted=0 order="" line c s rest
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		"@@BOOT "*) booted=1;;
		"@@START "*) last=${line#@@START };;
		"@@DONE"*) done=1;;
		"@@OUT "*) rest=${line#@@OUT }; c=$(case_of "$rest"); rest=${rest#"$c"}
			outl[$c]+="${OUT_PREFIX-    | }${rest# }"$'\n';;
		"@@KLOG "*) rest=${line#@@KLOG }; c=$(case_of "$rest"); rest=${rest#"$c"}
			klog[$c]+="    ! ${rest# }"$'\n';;
		"@@RESULT "*) rest=${line#@@RESULT }; c=$(case_of "$rest")
			rest=${rest#"$c" }
			s=${rest%% *}; rest=${rest#"$s"}; rest=${rest# }
			st[$c]=$s
			case "$rest" in [0-9]*s|[0-9]*s\ *) secs[$c]=${rest%% *}; rest=${rest#"${secs[$c]}"}; rest=${rest# };; esac
			why[$c]=$rest
			[[ " $order " == *" $c "* ]] || order="$order $c";;
		esac
	done < "$results"

	local died=""
	if grep -q "Kernel panic" "$console"; then
		died="the guest panicked: $(panic_line "$console" | cut -c 1-100)"
	elif [ -s "$dir/hung" ]; then
		died=$(cat "$dir/hung")
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		died="the boot timed out after ${vm_timeout}s"
	elif [ "$done" != 1 ]; then
		died="the guest stopped without finishing (qemu exit $rc)"
	fi
	local pass=0 failn=0 skipn=0 ran=0
	emit() { # STATUS CASE REASON SECS
		local tag="$1 $name $2" tail=""
		[ -n "$4" ] && tail=" [$4]"
		case "$1" in
		PASS) pass=$((pass + 1)); [ -n "$3" ] && tag="$tag: $3";;
		FAIL) failn=$((failn + 1)); tag="$tag: ${3:-failed}";;
		SKIP) skipn=$((skipn + 1)); tag="$tag: $3";;
		esac
		echo "$tag$tail" >> "$report"
	}
	if [ -n "$first" ] && [ -s "$kdir/helper.err" ]; then
		emit FAIL "(helper)" "$(head -n 1 "$kdir/helper.err")" ""
		tail -n +2 "$kdir/helper.err" >> "$report"
	fi
	for c in "(boot)" $expected "(end)"; do
		s=${st[$c]:-}
		if [ -z "$s" ]; then
			case "$c" in "("*) continue;; esac
			if [ "$booted" != 1 ]; then
				emit FAIL "$c" "not run: the guest did not boot ($died)" ""
			elif [ "$c" = "$last" ] && [ -n "$died" ]; then
				emit FAIL "$c" "no result: $died while it ran" ""
				ran=1
				console_detail "$console" "$c" >> "$report"
			else
				emit FAIL "$c" "not run: $died${last:+ during $last}" ""
			fi
			continue
		fi
		if [[ $c == xfail-* ]]; then
			if [ "$s" = FAIL ]; then
				emit PASS "$c" "failed as expected (${why[$c]})" "${secs[$c]:-}"
			else
				emit FAIL "$c" "harness self-test: expected FAIL, got $s ${why[$c]}" "${secs[$c]:-}"
			fi
			continue
		fi
		emit "$s" "$c" "${why[$c]}" "${secs[$c]:-}"
		if [ "$s" = FAIL ] || [ -n "${SHOW_OUT:-}" ]; then
			[ -n "${klog[$c]:-}" ] && printf '%s' "${klog[$c]}" >> "$report"
			[ -n "${outl[$c]:-}" ] && printf '%s' "${outl[$c]}" >> "$report"
		fi
	done
	if [ -n "$died" ] && [ "$booted" = 1 ] && [ -z "$last$ran" ]; then
		emit FAIL "(boot)" "$died before the first case" ""
		console_detail "$console" "" >> "$report"
	elif [ -n "$died" ] && [ "$done" != 1 ] && [ -z "$ran" ] && [ -n "$last" ] && [ -n "${st[$last]:-}" ]; then
		emit FAIL "(end)" "$died after $last" ""
		console_detail "$console" "$last" >> "$report"
	elif [ "$booted" != 1 ]; then
		{ console_detail "$console" ""; sed 's/^/    qemu: /' "$dir/qemu.log"; } >> "$report"
	fi
	[ -n "$retried" ] && echo "# $label: its first boot panicked before /init ($retried; ${dir#"$TOP"/}/console.first.log), so it was booted once more" >> "$report"
	echo "# $label: $kver booted and ran$(echo " $expected" | wc -w | sed 's/^/ /;s/$/ case(s)/') in $((t1 - t0))s (console: ${console#"$TOP"/})" >> "$report"
	echo "$pass $failn $skipn" > "$dir/counts"
	(flock 9; cat "$report") 9>"$LOCK"
}

# --- main -------------------------------------------------------------------
# The kernels are built one after the other, in the background: a kernel's
# boots start once its build is done, while the next one builds (one core
# would idle otherwise; 13 kernels take about 4 minutes to build). At a
# lower priority than the guests, whose cases measure time.
build_all() {
	local k
	renice -n 10 -p "$BASHPID" > /dev/null 2>&1 || true
	for k in "${KNAMES[@]}"; do
		log "building for $k (${KVERS[$k]}): DKMS, helper, initramfs"
		build_kernel "$k" || log "$k: $(cat "$OUT/$k/build.err")"
		: > "$OUT/$k/.built"
	done
}

# wait_built NAME: until NAME's build is done (with or without build.err);
# a builder that died leaves a build.err behind.
wait_built() {
	local d=$OUT/$1
	while [ ! -e "$d/.built" ]; do
		if ! kill -0 "$builder" 2>/dev/null && [ ! -e "$d/.built" ]; then
			echo "the build of the kernels stopped before $1's (see the log above)" > "$d/build.err"
			: > "$d/.built"
			break
		fi
		sleep 1
	done
}

tstart=$(date +%s)
for k in "${KSKIPPED[@]}"; do echo "SKIP $k: ${KSKIP[$k]}"; done
for k in "${KNAMES[@]}"; do mkdir -p "$OUT/$k"; rm -f "$OUT/$k/.built"; done
build_all &
builder=$!
[ ${#BOOTS[@]} -eq 0 ] || log "${#BOOTS[@]} boot(s) of ${KNAMES[*]} (${KJOBS:-1} at a time)"
running=0
for b in "${BOOTS[@]}"; do
	mkdir -p "${BDIR[$b]}"
	rm -f "${BDIR[$b]}/counts"
	wait_built "${BKERNEL[$b]}"
	boot_kernel "$b" &
	running=$((running + 1))
	while [ "$running" -ge "${KJOBS:-1}" ]; do
		wait -n -p finished
		[ "${finished:-}" = "$builder" ] && continue
		running=$((running - 1))
	done
done
wait

P=0 F=0 S=${#KSKIPPED[@]}
for b in "${BOOTS[@]}"; do
	if [ -s "${BDIR[$b]}/counts" ]; then
		read -r p f s < "${BDIR[$b]}/counts"
	else
		p=0 f=1 s=0
		echo "FAIL ${BKERNEL[$b]} (harness): no result counts${BAPPEND[$b]:+ for the boot with ${BAPPEND[$b]}}"
	fi
	P=$((P + p)) F=$((F + f)) S=$((S + s))
done
log "all kernels done in $(( $(date +%s) - tstart ))s"
if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
