#!/bin/bash
# make bench: what dstleak costs on the hot path, beside the probe floor and
# a bpftrace peer, inside the QEMU guest of each selected test kernel (issue
# 7). A benchmark, not a test: nothing in `make check` runs it, and it exits
# non-zero only when it could not measure (a missed target is reported, not
# failed).
#
# 1. installs what it needs (tests/deps.sh, then tests/bench/deps);
# 2. checks the kernels (tests/bench/dstgen, dstgen.ko the load generator
#    and dstfloor.ko the empty probes, is built for each by the VM harness);
# 3. builds the tools drive, a read-only ext4 image: bpftrace with every
#    library it loads (at their host paths, for a chroot), live.bt and
#    live-fentry.bt;
# 4. boots each kernel through tests/vm/run.sh --demo tests/bench/bench.sh
#    (the drive through VM_QEMU_ARGS, virtio_blk and ext4 through
#    GUEST_EXTRA_MODULES):
#    once for everything in wall-clock time on 2 CPUs, once more under
#    -icount for the hot path in guest instructions on 1 CPU;
# 5. prints the table and writes bench/results.json.
#
# Environment (all optional):
#   KERNELS="6.12-cloud 6.1-cloud"  names from tests/vm/kernels (default 6.12-cloud;
#                      kernels of the cache too, with DSTLEAK_KERNEL_CACHE:
#                      built without virtio_blk they cannot mount the tools
#                      drive, so they have no bpftrace rows)
#   BENCH_ROUNDS=N     rounds per mode, the median is reported (default 5)
#   BENCH_ROUND_MS=MS  length of a no-probe round (default 600)
#   BENCH_READ=0       skip the read cost (100k and 1M tracked entries; 200k
#                      in guest instructions in the -icount boot)
#   BENCH_SIZES=A,B    tracked entries for the read cost (default 100000,1000000)
#   BENCH_BPF=0        skip the bpftrace peer
#   BENCH_ICOUNT=0     skip the second boot under QEMU -icount (guest
#                      instructions per pair on CPU 0: exact, free of the
#                      host's noise, but blind to cache misses and atomics;
#                      not for 6.1, which hangs in early boot under -icount)
#   ICOUNT_TIMEOUT=S   limit of an -icount boot (default 900; a kernel that
#                      gave no figures is booted again, up to 3 times in all,
#                      see below); BOOT_TIMEOUT (default 180 there) its
#                      limit to reach /init
#   ICOUNT_SKIP="..."  kernels given no -icount boot (default "6.1-cloud
#                      ubuntu-20.04 5.10 ubuntu-22.04": they hang early in
#                      boot there)
#   BENCH_WALL=0       skip the wall-clock boot (the -icount one only)
#   BENCH_OUT=DIR      work directory (default tests/bench/out)
#   BENCH_JSON=FILE    results file (default bench/results.json; the table
#                      goes beside it, bench/results.txt)
#   NO_DEPS=1          do not install packages
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$TOP/tests/bench
OUT=${BENCH_OUT:-$BENCH/out}
JSON=${BENCH_JSON:-$TOP/bench/results.json}
KERNELS=${KERNELS:-6.12-cloud}
mkdir -p "$OUT" "$(dirname "$JSON")"
OUT=$(cd "$OUT" && pwd)
log() { echo "bench: $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# Other guests on this host share its CPUs with ours and skew the figures.
# (pgrep -c prints 0 and fails when there is none: one number either way.)
others() { _n=$(pgrep -c -f '^qemu-system' 2>/dev/null); echo "${_n:-0}"; }
OTHER_QEMU=$(others)
[ "$OTHER_QEMU" = 0 ] || echo "bench: warning: $OTHER_QEMU other QEMU guest(s) running on this host; the figures will be noisy" >&2
T0=$(date +%s)

# --- 1. packages --------------------------------------------------------------
if [ -z "${NO_DEPS:-}" ]; then
	"$TOP/tests/deps.sh" < /dev/null >&2
	missing=""
	for p in $(sed 's/#.*//' "$BENCH/deps"); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		log "installing:$missing"
		if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2; then
			apt-get update -q >&2
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
		fi
	fi
fi
command -v mke2fs > /dev/null || die "mke2fs is missing (e2fsprogs)"

# --- 2. the kernels ----------------------------------------------------------
# The load generator (dstgen.ko) and the empty probes (dstfloor.ko) are
# built for each kernel by the VM harness (VM_EXTRA_KBUILD), Debian's and
# those of the kernel cache alike, and reach the guest in its /extra/.
declare -a NAMES=() VERS=()
while read -r what name ver; do
	[ "$what" = kernel ] || continue
	NAMES+=("$name")
	VERS+=("$ver")
done < <(KERNELS=$KERNELS "$TOP/tests/vm/run.sh" --list)
[ ${#NAMES[@]} -gt 0 ] || die "no kernels selected"
for i in "${!NAMES[@]}"; do
	[ "${VERS[$i]}" != MISSING ] || die "kernel ${NAMES[$i]} is not installed (tests/deps.sh) or not built (tests/kernels/build.sh)"
done
rm -rf "$OUT/img"
mkdir -p "$OUT/img/root/bench"

# --- 3. the tools drive -------------------------------------------------------
root=$OUT/img/root
mkdir -p "$root"/{proc,sys,dev,tmp,etc}
cp "$BENCH/live.bt" "$BENCH/live-fentry.bt" "$root/bench/"
# add_bin FILE [DEST]: FILE and every library ldd names, at their host paths.
add_bin() {
	local f=$1 dst=${2:-$1} lib
	mkdir -p "$root/$(dirname "$dst")"
	cp -L "$f" "$root/$dst"
	for lib in $(ldd "$f" | grep -o '/[^ ]*'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}
if [ "${BENCH_BPF:-1}" = 1 ]; then
	bt=$(command -v bpftrace) || die "bpftrace is not installed"
	add_bin "$bt" /usr/bin/bpftrace
	# bpftrace runs `sh -c "clang-14 -Wp,-v ..."` for the include paths
	# (and crashes when that fails): the real clang, and dash as sh.
	cl=$(command -v clang-14) || die "clang-14 is not installed"
	add_bin "$cl" /usr/bin/clang-14
	add_bin /bin/dash /bin/dash
	ln -sf dash "$root/bin/sh"
fi
kb=$(du -sk "$root" | cut -f1)
IMG=$OUT/img/tools.ext4
rm -f "$IMG"
mke2fs -q -t ext4 -O ^has_journal -L dstbench -d "$root" "$IMG" $(( kb * 5 / 4 + 16384 ))k ||
	die "mke2fs -d failed (e2fsprogs 1.43 or later needed)"
log "tools drive: $(( kb / 1024 )) MB"

# --- 4. boot --------------------------------------------------------------------
# boot DIR "VM_ENV" "EXTRA QEMU ARGS": one tests/vm/run.sh over the kernels,
# the guests' "bench:" progress lines on stderr while it runs.
boot() {
	local vmout=$1 envs=$2 qargs=$3 vmpid vmrc n c k
	mkdir -p "$vmout"
	# The progress below reads the consoles: not the last run's. And no
	# figures of an earlier run may pass for this one's (a kernel that
	# fails to build leaves its directory as it was).
	rm -f "$vmout"/*/console.log
	for n in $KERNELS; do rm -f "$vmout/$n/results.log"; done
	KERNELS=$KERNELS VM_OUT=$vmout SHOW_OUT=1 OUT_PREFIX="BENCHOUT " VM_TIMEOUT=${VM_TIMEOUT:-1800} \
		VM_MEM=${VM_MEM:-3072} VM_SMP=${VM_SMP:-2} VM_ENV="$envs" \
		GUEST_EXTRA_MODULES="dummy ip6_tunnel xfrm_interface virtio_pci virtio_blk ext4" \
		VM_EXTRA_KBUILD="$BENCH/dstgen" \
		VM_QEMU_ARGS="$qargs -drive file=$IMG,if=virtio,format=raw,readonly=on" \
		"$TOP/tests/vm/run.sh" --demo "$BENCH/bench.sh" > "$vmout/report.txt" 2> "$vmout/stderr.txt" &
	vmpid=$!
	local -A seen=()
	while kill -0 "$vmpid" 2>/dev/null; do
		sleep 3
		for n in "${NAMES[@]}"; do
			c=$vmout/$n/console.log
			[ -f "$c" ] || continue
			k=$(grep -c '^bench: ' "$c" 2>/dev/null) || k=0
			if [ "${k:-0}" -gt "${seen[$n]:-0}" ]; then
				grep '^bench: ' "$c" | tr -d '\r' | sed -n "$(( ${seen[$n]:-0} + 1 )),${k}p" | sed "s/^bench: /bench: $n: /" >&2
				seen[$n]=$k
			fi
		done
	done
	vmrc=0
	wait "$vmpid" || vmrc=$?
	if [ "$vmrc" != 0 ]; then
		log "the VM run reported a problem (exit $vmrc); its report:"
		grep -v '^BENCHOUT ' "$vmout/report.txt" | head -n 40 >&2 || true
	fi
	return "$vmrc"
}
env_list="BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_ROUND_MS=${BENCH_ROUND_MS:-600} BENCH_READ=${BENCH_READ:-1} BENCH_BPF=${BENCH_BPF:-1} BENCH_SIZES=${BENCH_SIZES:-100000,1000000}"
rm -f "$OUT"/vm/*/results.log "$OUT"/vm-icount/*/results.log
if [ "${BENCH_WALL:-1}" = 1 ]; then
	log "booting ${NAMES[*]}: wall-clock rounds on 2 CPUs (about 8 minutes a kernel)"
	boot "$OUT/vm" "$env_list" "" || true
fi
if [ "${BENCH_ICOUNT:-1}" = 1 ]; then
	# QEMU's -icount mode now and then corrupts RFLAGS after the
	# cmpxchg16b in the slab allocator's fast path and the guest dies
	# (seen with only the generator loaded; bench/README.md): try again.
	# Kernels that hang early in boot under -icount have wall-clock
	# figures only: 6.1, and of the source-built ones 5.4, 5.10 and 5.15.
	ICOUNT_KERNELS=""
	for n in "${NAMES[@]}"; do
		case " ${ICOUNT_SKIP-6.1-cloud ubuntu-20.04 5.10 ubuntu-22.04} " in
		*" $n "*) log "$n: no -icount boot (it hangs early in boot there)";;
		*) ICOUNT_KERNELS="$ICOUNT_KERNELS $n";;
		esac
	done
	for attempt in 1 2 3; do
		[ -n "$ICOUNT_KERNELS" ] || break
		log "booting$ICOUNT_KERNELS under -icount: instructions per pair and per read (about 4 minutes a kernel; attempt $attempt)"
		KERNELS=${ICOUNT_KERNELS# } VM_TIMEOUT=${ICOUNT_TIMEOUT:-900} \
			BOOT_TIMEOUT=${BOOT_TIMEOUT:-180} boot "$OUT/vm-icount" \
			"BENCH_ICOUNT=1 BENCH_ROUNDS=${BENCH_ROUNDS:-5} BENCH_ROUND_MS=100 BENCH_BPF=${BENCH_BPF:-1} BENCH_READ=${BENCH_READ:-1}" \
			"-icount shift=0" && break
		# Again only the kernels whose run did not pass (no figures, or
		# some of them): the others keep theirs.
		again=""
		for n in $ICOUNT_KERNELS; do
			grep -q '^@@RESULT bench PASS' "$OUT/vm-icount/$n/results.log" 2> /dev/null ||
				again="$again $n"
		done
		ICOUNT_KERNELS=$again
	done
fi

# --- 5. report ----------------------------------------------------------------
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
export START LOAD OTHER_QEMU
TXT=${JSON%.json}.txt
{
	echo "make bench, $START, host $(uname -r) with $(nproc) CPUs, QEMU TCG; other guests running at the start: $OTHER_QEMU; load average at the end: $LOAD"
	echo
	"$BENCH/report.sh" "$OUT" "$JSON" "${NAMES[@]}"
} > "$TXT"
cat "$TXT"
# The results file is for machines: refuse to leave a broken one behind.
if command -v python3 > /dev/null && ! python3 -m json.tool "$JSON" > /dev/null; then
	die "$JSON is not valid JSON (a bug in report.sh)"
fi
log "done in $(( $(date +%s) - T0 ))s; results in ${JSON#"$TOP"/} and ${TXT#"$TOP"/}"
