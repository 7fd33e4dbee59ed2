#!/bin/sh
# Nesting: frees that run inside dstleak's own handlers are still seen.
# Two loops allocate and release entries in blue as fast as they can: the
# allocations run dstleak's dst_alloc() handlers in process context while
# the timer interrupt's softirq runs the RCU callbacks that free the
# previous round's entries. Such a free used to land inside a kprobe
# handler and be skipped (thousands in 20 s, drift far from 0). Exact:
# blue's allocs and frees move by 3000 IPv4 and 1000 IPv6 an iteration,
# nothing stays live, no probe missed a hit, drift is 0.
# vm-timeout: 150
. /lib.sh
need_helper
load_dstleak
load_helper
quiet_pair blue red
B=$(netns_inum blue)
quiesce "$B"
cp /tmp/q.summary /tmp/before

churn() {
	_n=0
	_end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -lt "$_end" ]; do
		dh blue alloc4 veth0 3000
		dh blue alloc6 veth0 1000
		dh blue release
		_n=$((_n + 1))
	done
	echo $_n > "$1"
}
set +x
churn /tmp/n1 &
churn /tmp/n2 &
wait
set -x
n=$(($(cat /tmp/n1) + $(cat /tmp/n2)))
assert_ge "iterations" 2 "$n"
quiesce "$B"
snap /tmp/after
for sym in dst_alloc dst_destroy; do
	assert_eq "probe $sym missed" 0 "$(line_value /tmp/after "probe $sym" missed)"
done
assert_eq "blue ipv4 allocs delta" $((n * 3000)) "$(delta /tmp/before /tmp/after $B ipv4 allocs)"
assert_eq "blue ipv4 frees delta" $((n * 3000)) "$(delta /tmp/before /tmp/after $B ipv4 frees)"
assert_eq "blue ipv6 allocs delta" $((n * 1000)) "$(delta /tmp/before /tmp/after $B ipv6 allocs)"
assert_eq "blue ipv6 frees delta" $((n * 1000)) "$(delta /tmp/before /tmp/after $B ipv6 frees)"
for fam in ipv4 ipv6; do
	assert_eq "blue $fam live delta" 0 "$(delta /tmp/before /tmp/after $B $fam live)"
done
assert_eq "blue ipv6 kernel = rt6_stats" "$(rt6_dst_entries blue)" "$(ns_value /tmp/after $B ipv6 kernel)"
assert_eq "blue ipv6 drift" 0 "$(ns_value /tmp/after $B ipv6 drift)"
assert_eq "global ipv4 drift" 0 "$(line_value /tmp/after "global ipv4" drift)"
pass
