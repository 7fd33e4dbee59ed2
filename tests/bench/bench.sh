#!/bin/sh
# The benchmark inside the guest (run by tests/bench/run.sh through
# tests/vm/run.sh --demo). Prints "BENCH ..." lines that run.sh parses, and
# "bench: ..." progress on the console. Not a test: it fails only when it
# cannot measure.
#
# The tools drive (/dev/vda, ext4, read-only) holds bpftrace with its
# libraries at their host paths (a chroot), live.bt and live-fentry.bt;
# dstgen.ko and dstfloor.ko are in /extra (the harness's VM_EXTRA_KBUILD).
#
# Variables (from run.sh through VM_ENV): BENCH_ROUNDS (5), BENCH_ROUND_MS
# (target length of a no-probe round, 600), BENCH_READ=0 to skip the read
# cost, BENCH_BPF=0 to skip bpftrace, BENCH_ICOUNT=1 under -icount (see
# below), BENCH_SIZES (tracked entries for the
# read cost, "100000,1000000").
# vm-timeout: 1700
# vm-mem: 3072
. /lib.sh
set +x

ROUNDS=${BENCH_ROUNDS:-5}
ROUND_MS=${BENCH_ROUND_MS:-600}
SIZES=$(echo "${BENCH_SIZES:-100000,1000000}" | tr , ' ')
B=/mnt/bench
GEN=/sys/kernel/debug/dstgen/ctl

say() { echo "bench: $*" > /dev/console; echo "# $*"; }
out() { echo "BENCH $*"; }
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
now_ns() {
	_t=$(date +%s%N 2>/dev/null)
	case "$_t" in *N|'') echo $(( $(now_ms) * 1000000 ));; *) echo "$_t";; esac
}

MODDIR=/extra
[ -f "$MODDIR/dstgen.ko" ] || fail "no /extra/dstgen.ko (VM_EXTRA_KBUILD)"
insmod "$MODDIR/dstgen.ko" || fail "insmod dstgen.ko failed"
[ -f "$MODDIR/dstfloor.ko" ] || say "no dstfloor.ko for this kernel (ftrace callbacks before 5.11): no floor row"
# The tools drive, for bpftrace (virtio_blk and, on 6.12-rt, ext4 are
# modules): a kernel of the cache, built without virtio_blk or ext4, has no
# such drive, and no bpftrace rows.
if [ "${BENCH_BPF:-1}" = 1 ]; then
	modprobe virtio_pci 2>/dev/null || true
	modprobe virtio_blk 2>/dev/null || true
	modprobe ext4 2>/dev/null || true
	mkdir -p $B
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if ! mount -o ro -t ext4 /dev/vda $B 2>/dev/null; then
		say "no tools drive (no virtio_blk or ext4 in this kernel): no bpftrace"
		out "meta bpftrace_error no tools drive in this kernel (virtio_blk, ext4)"
		BENCH_BPF=0
	fi
fi

NCPU=$(nproc)
ALL=$(printf '%x' $(( (1 << NCPU) - 1 )))
out "meta kernel $(uname -r) cpus $NCPU rounds $ROUNDS"
say "kernel $(uname -r), $NCPU CPUs, $ROUNDS rounds"

# gen MASK OPS: one run; its result lines on stdout (total last).
gen() {
	echo "$1 $2" > $GEN || fail "dstgen refused '$1 $2'"
	cat $GEN
}

# measure TAG MODE MASK OPS ROUND: one run, one BENCH line.
measure() {
	gen "$3" "$4" > /tmp/gen.out
	_tot=$(grep '^total' /tmp/gen.out)
	_mb=$(awk '$1 == "cpu" && $10 > m { m = $10 } END { print m + 0 }' /tmp/gen.out)
	# total cpus K ops N wall_ns W ns_per_op X ops_per_s Y
	set -- "$1" "$2" "$3" "$4" "$5" $_tot
	out "$1 mode $2 mask $3 round $5 cpus $8 ops ${10} wall_ns ${12} ns_per_op ${14} ops_per_s ${16} max_batch_ns $_mb"
}

# BENCH_ICOUNT=1: QEMU counts instructions (-icount shift=0: 1 ns of guest
# time a guest instruction), so ns per pair is guest instructions per pair,
# free of the host's noise. vCPUs then take turns: CPU 0 alone, the hot
# path only.
ICOUNT=${BENCH_ICOUNT:-0}
TAG=gen
if [ "$ICOUNT" = 1 ]; then
	ALL=1
	TAG=icount
fi

# Calibration: pairs per CPU so that a no-probe round on every CPU lasts
# about ROUND_MS (at least 20000 pairs).
gen $ALL 20000 > /dev/null
gen $ALL 50000 > /tmp/gen.out
NS=$(awk '$1 == "total" { print $9 }' /tmp/gen.out)
OPS=$(( ROUND_MS * 1000000 / (NS > 0 ? NS : 1) ))
[ "$OPS" -ge 20000 ] || OPS=20000
out "meta ops_per_round $OPS calib_ns_per_op $NS"
say "calibrated: $NS ns a pair alone, $OPS pairs a CPU a round"

DSTLEAK_SUM=$DBG/summary
mode_load() {
	case "$1" in
	none) ;;
	floor) insmod "$MODDIR/dstfloor.ko" || fail "insmod dstfloor.ko failed";;
	# Another mechanism's floor, where the kernel has it (dstfloor.c).
	floor_direct) insmod "$MODDIR/dstfloor.ko" mech=direct 2>/dev/null || return 1;;
	counters) load_dstleak track=0;;
	track) load_dstleak track=1 stacks=0;;
	stacks) load_dstleak track=1 stacks=1 stack_sample=64;;
	esac
}
mode_unload() {
	case "$1" in
	none) ;;
	floor|floor_direct) rmmod dstfloor;;
	*)
		_p=$(cat $DBG/probes | tr '\n' ' ')
		_t=$(grep '^tracking' $DSTLEAK_SUM || true)
		_s=$(grep '^stacks' $DSTLEAK_SUM || true)
		out "check mode $1 round $2 $_p| $_t | $_s"
		rmmod dstleak;;
	esac
}

# The hot path: modes round-robin within each round, so that slow drifts of
# the host hit every mode alike. Every CPU for all, 1 CPU for the scaling.
r=1
while [ $r -le "$ROUNDS" ]; do
	for m in none floor floor_direct counters track stacks; do
		case $m in floor*) [ -f "$MODDIR/dstfloor.ko" ] || continue;; esac
		if ! mode_load $m; then
			[ $r -gt 1 ] || out "meta ${m}_error insmod failed"
			continue
		fi
		measure $TAG $m $ALL $OPS $r
		[ "$ICOUNT" = 1 ] ||
			case "$m" in none|floor*|counters|track) measure gen $m 1 $OPS $r;; esac
		mode_unload $m $r
	done
	say "round $r/$ROUNDS done"
	r=$((r + 1))
done

# bpf_mode MODE SCRIPT: the hot path under a bpftrace script from the tools
# drive's root (/ mounts bound into the chroot by the caller).
bpf_mode() {
	say "starting bpftrace $2 (compiling under emulation takes a while)"
	t0=$(now_ms)
	# Not the last script's "ready": the child truncates the file only
	# once it runs.
	rm -f /tmp/bt.out
	BPFTRACE_MAP_KEYS_MAX=65536 chroot $B /usr/bin/bpftrace "$2" > /tmp/bt.out 2>&1 &
	BTPID=$!
	i=0
	while ! grep -q '^ready' /tmp/bt.out 2>/dev/null && kill -0 $BTPID 2>/dev/null && [ $i -lt 3000 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if ! grep -q '^ready' /tmp/bt.out; then
		kill $BTPID 2>/dev/null || true
		out "meta $1_error $(tr '\n' ' ' < /tmp/bt.out | cut -c1-400)"
		say "bpftrace $2 did not start: $(head -c 300 /tmp/bt.out)"
		return
	fi
	out "meta $1_start_ms $(( $(now_ms) - t0 ))"
	say "bpftrace $2 attached after $(( $(now_ms) - t0 )) ms"
	r=1
	while [ $r -le "$ROUNDS" ]; do
		measure $TAG "$1" $ALL $OPS $r
		[ "$ICOUNT" = 1 ] || measure gen "$1" 1 $OPS $r
		r=$((r + 1))
	done
	kill -INT $BTPID
	wait $BTPID || true
	# The per-namespace counts, as a sanity check of what it saw.
	out "check mode $1 $(grep -E '^@(allocs|frees|untracked)' /tmp/bt.out | tr '\n' ' ')"
}

# bpftrace with kprobes, then with fentry/fexit (BPF trampolines).
if [ "${BENCH_BPF:-1}" = 1 ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
	for d in proc sys dev tmp; do mount -o rbind /$d $B/$d || fail "cannot bind /$d into $B"; done
	# shellcheck disable=SC3045 # dash has ulimit -l
	ulimit -l unlimited 2>/dev/null || true
	bpf_mode bpftrace /bench/live.bt
	bpf_mode bpftrace_fentry /bench/live-fentry.bt
	for d in tmp dev sys proc; do umount -l $B/$d 2>/dev/null || true; done
fi

# The read cost: a table sized for 1.1M entries, the helper's entries marked
# dead and every entry old enough to be a suspect at once.
read_setup() {
	load_dstleak max_tracked=1100000 suspect_age_s=0
	load_helper
}
read_teardown() {
	dh init release
	rmmod dsthelper
	wait_rcu 2
	rmmod dstleak
}
# read_ms FILE: milliseconds to read FILE on CPU 0 into a reader's memory
# (dd's 64 KiB buffer) and drop it. Through a pipe to `wc -c` (the method
# before 2026-12-01, kept as a reference below), wc's own reading of the
# bytes costs about as much again: 140 MB of zeros from tmpfs take about
# 5 s that way, about 0.5 s to /dev/null.
read_ms() {
	_t0=$(now_ns)
	taskset 1 dd if=$DBG/$1 of=/dev/null bs=64k 2>/dev/null
	_t1=$(now_ns)
	echo $(( (_t1 - _t0) / 1000000 ))
}

if [ "$ICOUNT" = 1 ]; then
	# The read cost in guest instructions (/proc/uptime's 10 ms: 10
	# million), exact where the wall clock varies by a fifth from run to
	# run: for comparing one module with another. The table is sized as
	# for the wall-clock read.
	if [ "${BENCH_READ:-1}" = 1 ] && [ -e /dsthelper.ko ]; then
		n=200000
		read_setup
		dh init alloc4 lo $n
		dh init dead
		for f in objects suspects; do
			ms=$(read_ms $f)
			out "icountread size $n file $f minstr $ms"
			say "read $f with $n entries: $ms million instructions"
		done
		read_teardown
	fi
	rmmod dstgen
	umount $B 2>/dev/null || true
	say "done"
	pass
fi

# Memory per tracked entry at the default max_tracked.
load_dstleak
out "mem max_default $(grep '^tracking' $DSTLEAK_SUM)"
rmmod dstleak

# Reading suspects and objects with many tracked entries, alone and while
# the generator runs on the last CPU (the reader is pinned to CPU 0).
if [ "${BENCH_READ:-1}" = 1 ] && [ -e /dsthelper.ko ]; then
	LAST=$(( NCPU - 1 ))
	GMASK=$(printf '%x' $(( 1 << LAST )))
	read_setup
	held=0
	for n in $SIZES; do
		say "read cost: holding $n entries"
		dh init alloc4 lo $(( n - held ))
		held=$n
		dh init dead
		out "mem size $n $(grep '^tracking' $DSTLEAK_SUM)"
		for f in objects suspects; do
			ms=$(read_ms $f)
			t1=$(now_ns)
			bytes=$(taskset 1 cat $DBG/$f | wc -c)
			pipe=$(( ($(now_ns) - t1) / 1000000 ))
			out "read size $n file $f ms $ms bytes $bytes"
			out "readpipe size $n file $f ms $pipe"
			say "read $f with $n entries: $ms ms ($pipe ms through a pipe to wc -c)"
		done
		[ "$NCPU" -gt 1 ] || continue
		# idle: CPU 0 idle; busy: CPU 0 spins in user space (the control:
		# what the host's sharing of its cores alone costs the generator);
		# objects, suspects: CPU 0 reads the file in a loop.
		for f in idle busy objects suspects; do
			rm -f /tmp/reads
			case $f in
			idle) ;;
			busy) taskset 1 sh -c 'while :; do :; done' & RPID=$!;;
			*) rm -f /tmp/stop
			   taskset 1 sh -c "while [ ! -e /tmp/stop ]; do cat $DBG/$f > /dev/null; echo x >> /tmp/reads; done" &
			   RPID=$!;;
			esac
			[ $f = idle ] || sleep 0.5
			r=1
			while [ $r -le 3 ]; do
				measure stall "$f-$n" "$GMASK" $OPS $r
				r=$((r + 1))
			done
			case $f in
			idle) ;;
			busy) kill $RPID; wait $RPID 2>/dev/null || true;;
			*)	# Let the read under way end: no reader left behind.
				touch /tmp/stop
				wait $RPID 2>/dev/null || true
				reads=0
				[ -f /tmp/reads ] && reads=$(wc -l < /tmp/reads)
				out "stallreads size $n file $f reads $reads";;
			esac
		done
	done
	read_teardown
fi
rmmod dstgen
umount $B 2>/dev/null || true
say "done"
pass
