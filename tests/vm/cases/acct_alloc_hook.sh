#!/bin/sh
# Both ways dstleak hooks dst_alloc() and dst_destroy() count exactly.
# Where the kernel has ftrace direct calls (register_ftrace_direct in
# /proc/kallsyms: x86-64 with CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS), the
# default load must hook both with them (direct_tramp.S), and say so;
# direct_calls=off must use the kretprobe and the ftrace_ops hook. Under
# each, the helper's N IPv4 and M IPv6 entries in blue are counted exactly
# there (allocs, live, frees), the probe lines say 0 missed and name the
# hook, and blue's IPv6 drift is 0; then the module unloads while blue
# still holds its entries, and a reload under the other hook counts their
# frees as entries from before its load. sysctl kernel.ftrace_enabled=0,
# which would silence the hooks, is refused while they are armed.
# vm-smoke: yes
# vm-timeout: 180
. /lib.sh
need_helper
load_helper
N=150
M=100
quiet_pair blue red
B=$(netns_inum blue)

if grep -q ' register_ftrace_direct$' /proc/kallsyms; then
	want_auto="an ftrace direct call" auto_hooks="direct direct"
	want_destroy=1
else
	want_auto="a kretprobe" auto_hooks="kretprobe ftrace"
	want_destroy=0
fi
echo "this kernel: the default hook should be $want_auto"

# count_under PARAMS WANT PRE DESTROY HOOK_ALLOC HOOK_DESTROY: load with
# PARAMS, check the hooks (dst_destroy's a direct call: DESTROY 1), count
# exactly; PRE of blue's IPv4 entries were allocated before this load.
# HOOK_ALLOC HOOK_DESTROY: what the probe lines must say of each.
count_under() {
	klog_mark
	load_dstleak $1
	klog_since_mark > /tmp/klog
	grep -e 'dst_alloc: ' -e 'dst_destroy: ' /tmp/klog
	grep -q "dst_alloc: hooked by $2" /tmp/klog ||
		fail "insmod dstleak $1: the log does not say 'dst_alloc: hooked by $2'"
	assert_eq "insmod dstleak $1: dst_destroy hooked by a direct call" $4 \
		"$(grep -c 'dst_destroy: hooked by an ftrace direct call' /tmp/klog)"
	quiesce "$B"
	cp /tmp/q.summary /tmp/before
	dh blue alloc4 veth0 $N
	dh blue alloc6 veth0 $M
	snap /tmp/held
	dh blue release
	snap /tmp/after
	grep -e "^ns $B " -e "^probe dst_alloc " /tmp/after
	for fam in ipv4 ipv6; do
		want=$N; [ $fam = ipv6 ] && want=$M
		assert_eq "$2: blue $fam allocs delta" $want "$(delta /tmp/before /tmp/held $B $fam allocs)"
		assert_eq "$2: blue $fam live delta" $want "$(delta /tmp/before /tmp/held $B $fam live)"
		assert_eq "$2: blue $fam frees delta" $want "$(delta /tmp/held /tmp/after $B $fam frees)"
		assert_eq "$2: blue $fam failures delta" 0 "$(delta /tmp/before /tmp/after $B $fam failures)"
	done
	assert_eq "$2: blue ipv6 drift" 0 "$(ns_value /tmp/after $B ipv6 drift)"
	assert_eq "$2: dst_alloc probe missed" 0 "$(line_value /tmp/after "probe dst_alloc" missed)"
	assert_eq "$2: the dst_alloc probe line's hook" $5 "$(line_value /tmp/after "probe dst_alloc" hook)"
	assert_eq "$2: the dst_destroy probe line's hook" $6 "$(line_value /tmp/after "probe dst_destroy" hook)"
	assert_eq "$2: blue ipv4 frees of entries from before the load" $3 \
		"$(delta /tmp/held /tmp/after $B ipv4 frees_preexisting)"
}

# shellcheck disable=SC2086 # two words
count_under "" "$want_auto" 0 $want_destroy $auto_hooks
# ftrace switched off by sysctl would silence the direct calls: refused
# while dstleak is loaded, wherever its ftrace hooks are permanent.
if [ "$(line_value /tmp/after features ftrace_permanent)" = 1 ]; then
	if echo 0 > /proc/sys/kernel/ftrace_enabled 2> /dev/null; then
		echo 1 > /proc/sys/kernel/ftrace_enabled
		fail "sysctl kernel.ftrace_enabled=0 was accepted while dstleak is loaded"
	fi
fi
# Unloaded while blue holds entries, reloaded without direct calls.
dh blue alloc4 veth0 $N
unload_dstleak
count_under direct_calls=off "a kretprobe" $N 0 kretprobe ftrace
unload_dstleak
pass
