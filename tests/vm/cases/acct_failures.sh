#!/bin/sh
# Allocation failures, exactly: dst_alloc() is made to fail a known number of
# times in one namespace, and dstleak's "failures" of that namespace and
# family equals the NULL returns the test helper saw (try4/try6) and the
# kernel's own count; every other namespace and family keeps its failures;
# allocs, live and drift stay exact. Each mechanism the booted kernel has is
# used; a kernel with neither skips.
#  a. failslab (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS; the debug
#     kernel): failures only from the dst slabs (cache-filter, and the
#     failslab flag of ip6_dst_cache and of the IPv4 one, ip_dst_cache or
#     rtable as 6.12 names it; slab_nomerge keeps them apart from other
#     caches, so the flag is theirs alone: a merged cache refuses it) and
#     only in a shell marked with /proc/self/make-it-fail (task-filter). The
#     kernel's counts: failslab's "times" consumed, and its
#     "FAULT_INJECTION: forcing a failure." log lines (verbose 1: no stack).
#  b. the IPv6 route cache limit, where dst_ops.gc returns int and
#     dst_alloc() fails when ip6_dst_gc() says the namespace is over
#     net.ipv6.route.max_size (before 6.3's "ipv6: remove max_size check
#     inline with ipv4" and its stable backports: features
#     limits_enforceable 1). The kernel's count: its dst counter stops at
#     max_size + 1.
# fail_page_alloc is not used: dst_alloc() takes objects from a slab, which
# asks the page allocator only when it refills, so page allocation failures
# are not dst_alloc() failures one for one.
# Not in the smoke set: no production kernel has either mechanism (the
# case boots its own slab_nomerge boot only to skip); the Debian kernels and
# the debug kernel (every case) run it.
# vm-timeout: 240
# vm-append: slab_nomerge
. /lib.sh
need_helper
load_dstleak
load_helper

FS=/sys/kernel/debug/failslab
LIMITS=$(line_value "$DBG/version" features limits_enforceable)
[ -d "$FS" ] || [ "$LIMITS" = 1 ] ||
	skip "no way to fail dst_alloc(): no failslab (CONFIG_FAILSLAB) and no enforced IPv6 route cache limit (features limits_enforceable $LIMITS)"
I=$(init_inum)

# fail_in NS CMD: the helper command CMD, written in NS by a shell that
# failslab's task filter lets fail (make-it-fail is per task).
fail_in() {
	nsenter --net="/run/netns/$1" sh -c "echo 1 > /proc/self/make-it-fail &&
		echo '$2' > $HCTL; r=\$?; echo 0 > /proc/self/make-it-fail; exit \$r" ||
		fail "dsthelper refused '$2' in $1 (marked make-it-fail)"
}

# The IPv4 dst slab: "rtable" where it is KMEM_CACHE(rtable) (6.12).
V4CACHE=ip_dst_cache
[ -e /sys/kernel/slab/$V4CACHE ] || V4CACHE=rtable
DST_CACHES="$V4CACHE ip6_dst_cache"
FS_KEYS="probability interval times space verbose verbose_ratelimit_interval_ms task-filter cache-filter"
failslab_restore() {
	echo 0 > "$FS/probability"
	for _k in $FS_KEYS; do
		[ ! -e "/tmp/failslab.$_k" ] || cat "/tmp/failslab.$_k" > "$FS/$_k"
	done
	for _c in $DST_CACHES; do
		echo 0 > "/sys/kernel/slab/$_c/failslab" 2> /dev/null || true
	done
}

# Every namespace's failures are unchanged from OLD to NEW but these
# ("INUM FAMILY OLD NEW" lines, in the files' order, joined by "|").
assert_failures_changed() {
	assert_eq "failures changed ($1 -> $2)" "$3" \
		"$(ns_changed "$1" "$2" failures | tr '\n' '|' | sed 's/|$//')"
}

# a. failslab: fa fails 13 + 5 IPv6 and 7 IPv4 allocations; fb, with the same
# injection armed but an unmarked shell, none.
mech_failslab() {
	ip netns add fa
	ip netns add fb
	A=$(netns_inum fa)
	B=$(netns_inum fb)
	quiesce "$A $B $I"
	for _c in $DST_CACHES; do
		if [ ! -d "/sys/kernel/slab/$_c" ] || [ -L "/sys/kernel/slab/$_c" ]; then
			fail "/sys/kernel/slab/$_c is not a cache of its own (slab_nomerge: '${BOOT_APPEND:-}')"
		fi
	done
	for _k in $FS_KEYS; do
		[ ! -e "$FS/$_k" ] || cat "$FS/$_k" > "/tmp/failslab.$_k"
	done
	trap failslab_restore EXIT
	echo 0 > "$FS/probability"
	for _c in $DST_CACHES; do
		echo 1 > "/sys/kernel/slab/$_c/failslab"
	done
	echo 1 > "$FS/interval"
	echo 0 > "$FS/space"
	echo 1 > "$FS/verbose"
	[ ! -e "$FS/verbose_ratelimit_interval_ms" ] || echo 0 > "$FS/verbose_ratelimit_interval_ms"
	echo Y > "$FS/task-filter"
	echo Y > "$FS/cache-filter"
	echo 100 > "$FS/times"
	echo 100 > "$FS/probability"
	snap /tmp/a0
	klog_mark

	fail_in fa "try6 lo 13"
	assert_eq "failslab times left after 13 IPv6 attempts" 87 "$(cat "$FS/times")"
	fail_in fa "try4 lo 7"
	assert_eq "failslab times left after 7 IPv4 attempts" 80 "$(cat "$FS/times")"
	# times 5: the first 5 of 12 fail, the other 7 are allocated.
	echo 5 > "$FS/times"
	fail_in fa "try6 lo 12"
	assert_eq "failslab times left after 12 more IPv6 attempts" 0 "$(cat "$FS/times")"
	echo 50 > "$FS/times"
	dh fb try6 lo 10
	dh fb try4 lo 10
	assert_eq "failslab times left after fb's attempts (not marked)" 50 "$(cat "$FS/times")"
	failslab_restore
	trap - EXIT
	klog_since_mark > /tmp/a.klog
	assert_eq "kernel: failslab log lines" 25 "$(grep -c 'FAULT_INJECTION: forcing a failure' /tmp/a.klog)"

	# The helper's own count of NULL returns, and what it holds.
	assert_eq "helper: fa failed6" 18 "$(dh_value "$A" failed6)"
	assert_eq "helper: fa failed4" 7 "$(dh_value "$A" failed4)"
	assert_eq "helper: fa held6" 7 "$(dh_value "$A" held6)"
	assert_eq "helper: fa held4" 0 "$(dh_value "$A" held4)"
	assert_eq "helper: fb failed6" 0 "$(dh_value "$B" failed6)"
	assert_eq "helper: fb failed4" 0 "$(dh_value "$B" failed4)"
	assert_eq "helper: fb held6" 10 "$(dh_value "$B" held6)"
	assert_eq "helper: fb held4" 10 "$(dh_value "$B" held4)"

	snap /tmp/a1
	assert_failures_changed /tmp/a0 /tmp/a1 "$A ipv4 0 7|$A ipv6 0 18"
	assert_eq "fa ipv6 allocs delta" 7 "$(delta /tmp/a0 /tmp/a1 "$A" ipv6 allocs)"
	assert_eq "fa ipv4 allocs delta" 0 "$(delta /tmp/a0 /tmp/a1 "$A" ipv4 allocs)"
	assert_eq "fa ipv6 live delta" 7 "$(delta /tmp/a0 /tmp/a1 "$A" ipv6 live)"
	assert_eq "fb ipv6 allocs delta" 10 "$(delta /tmp/a0 /tmp/a1 "$B" ipv6 allocs)"
	assert_eq "fb ipv4 allocs delta" 10 "$(delta /tmp/a0 /tmp/a1 "$B" ipv4 allocs)"
	for _ns in fa fb; do
		_i=$(netns_inum $_ns)
		assert_eq "$_ns ipv6 kernel = rt6_stats" "$(rt6_dst_entries $_ns)" "$(ns_value /tmp/a1 "$_i" ipv6 kernel)"
		assert_eq "$_ns ipv6 drift" 0 "$(ns_value /tmp/a1 "$_i" ipv6 drift)"
	done
	assert_eq "global ipv4 drift" 0 "$(line_value /tmp/a1 "global ipv4" drift)"

	# The namespace's own views: /proc/net/dstleak and the lnstat file.
	in_ns fa cat "$PROCF" > /tmp/a.proc
	assert_end /tmp/a.proc
	assert_eq "fa /proc/net/dstleak ipv6 failures" 18 "$(ns_value /tmp/a.proc "$A" ipv6 failures)"
	assert_eq "fa /proc/net/dstleak ipv4 failures" 7 "$(ns_value /tmp/a.proc "$A" ipv4 failures)"
	in_ns fa cat /proc/net/stat/dstleak > /tmp/a.stat
	assert_eq "fa lnstat ipv6_failures" 18 "$(lnstat_sum /tmp/a.stat ipv6_failures)"
	assert_eq "fa lnstat ipv4_failures" 7 "$(lnstat_sum /tmp/a.stat ipv4_failures)"
	in_ns fb cat /proc/net/stat/dstleak > /tmp/b.stat
	assert_eq "fb lnstat ipv6_failures" 0 "$(lnstat_sum /tmp/b.stat ipv6_failures)"
	assert_eq "fb lnstat ipv4_failures" 0 "$(lnstat_sum /tmp/b.stat ipv4_failures)"

	dh fa release
	dh fb release
	snap /tmp/a2
	assert_failures_changed /tmp/a1 /tmp/a2 ""
	assert_eq "fa ipv6 live back" "$(ns_value /tmp/a0 "$A" ipv6 live)" "$(ns_value /tmp/a2 "$A" ipv6 live)"
	assert_eq "fa ipv6 drift after release" 0 "$(ns_value /tmp/a2 "$A" ipv6 drift)"
	echo "failslab: fa ipv6 18 ipv4 7 failures, counted exactly"
}

# b. The IPv6 route cache limit: la's max_size is M, gc_thresh 0 and
# gc_min_interval 0, so ip6_dst_gc() runs on every allocation and compares
# the exact count: allocations succeed until the namespace holds M + 1
# entries, then fail. lb, with its default limit, takes the same attempts.
mech_limit() {
	ip netns add la
	ip netns add lb
	LA=$(netns_inum la)
	LB=$(netns_inum lb)
	M=100
	T=150
	quiesce "$LA $LB $I"
	assert_eq "la ipv6 limit_enforced" 1 "$(ns_value /tmp/q.summary "$LA" ipv6 limit_enforced)"
	in_ns la sh -c "echo $M > /proc/sys/net/ipv6/route/max_size &&
		echo 0 > /proc/sys/net/ipv6/route/gc_thresh &&
		echo 0 > /proc/sys/net/ipv6/route/gc_min_interval_ms"
	assert_ge "lb max_size above the attempts" $((T + 1)) \
		"$(in_ns lb cat /proc/sys/net/ipv6/route/max_size)"
	base=$(rt6_dst_entries la)
	snap /tmp/b0

	dh la try6 lo $T
	dh lb try6 lo $T
	f=$(dh_value "$LA" failed6)
	h=$(dh_value "$LA" held6)
	assert_eq "kernel: la dst entries stop at max_size + 1" $((M + 1)) "$(rt6_dst_entries la)"
	assert_eq "helper: la held6" $((M + 1 - base)) "$h"
	assert_eq "helper: la held6 + failed6" $T $((h + f))
	assert_eq "helper: lb failed6" 0 "$(dh_value "$LB" failed6)"

	snap /tmp/b1
	assert_failures_changed /tmp/b0 /tmp/b1 "$LA ipv6 0 $f"
	assert_eq "la ipv6 allocs delta" "$h" "$(delta /tmp/b0 /tmp/b1 "$LA" ipv6 allocs)"
	assert_eq "lb ipv6 allocs delta" $T "$(delta /tmp/b0 /tmp/b1 "$LB" ipv6 allocs)"
	for _ns in la lb; do
		_i=$(netns_inum $_ns)
		assert_eq "$_ns ipv6 kernel = rt6_stats" "$(rt6_dst_entries $_ns)" "$(ns_value /tmp/b1 "$_i" ipv6 kernel)"
		assert_eq "$_ns ipv6 drift" 0 "$(ns_value /tmp/b1 "$_i" ipv6 drift)"
	done
	in_ns la cat /proc/net/stat/dstleak > /tmp/la.stat
	assert_eq "la lnstat ipv6_failures" "$f" "$(lnstat_sum /tmp/la.stat ipv6_failures)"

	dh la release
	dh lb release
	snap /tmp/b2
	assert_failures_changed /tmp/b1 /tmp/b2 ""
	assert_eq "la ipv6 drift after release" 0 "$(ns_value /tmp/b2 "$LA" ipv6 drift)"
	echo "limit: la ipv6 $f failures (max_size $M, $T attempts, $base entries before), counted exactly"
}

[ ! -d "$FS" ] || mech_failslab
[ "$LIMITS" != 1 ] || mech_limit
pass
