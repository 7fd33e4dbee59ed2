#!/bin/sh
# Booted with ipv6.disable=1 (as hosts that do not route IPv6 are), no
# namespace has IPv6's state: no routes' statistics, no dst_ops counter.
# dstleak loads, every file reads (the summary and /proc/net/dstleak once
# dereferenced the missing route statistics: an oops for any reader), IPv6
# shows "-" where the kernel has nothing, and IPv4 still counts exactly.
# vm-append: ipv6.disable=1
# vm-smoke: yes
# vm-timeout: 90
. /lib.sh
need_helper
grep -q 'ipv6.disable=1' /proc/cmdline || fail "this boot does not have ipv6.disable=1"
[ ! -e /proc/net/if_inet6 ] || fail "IPv6 is set up despite ipv6.disable=1"
load_dstleak
load_helper
dummy_ns v4 10.7.0.1/24
V=$(netns_inum v4)
snap /tmp/s0
dh v4 alloc4 d0 40
snap /tmp/s1
cat /tmp/s1
for k in kernel drift gc_thresh max_size; do
	assert_eq "v4's ipv6 $k" - "$(ns_value /tmp/s1 "$V" ipv6 "$k")"
done
assert_eq "v4's cached6" - "$(line_value /tmp/s1 "route ns $V" cached6)"
assert_eq "v4's ipv4 allocs" $(($(ns_value /tmp/s0 "$V" ipv4 allocs) + 40)) \
	"$(ns_value /tmp/s1 "$V" ipv4 allocs)"
assert_eq "v4's ipv4 live" $(($(ns_value /tmp/s0 "$V" ipv4 live) + 40)) \
	"$(ns_value /tmp/s1 "$V" ipv4 live)"
in_ns v4 cat "$PROCF" > /tmp/own
assert_end /tmp/own
assert_eq "cached6 in the namespace's own view" - \
	"$(line_value /tmp/own "route ns $V" cached6)"
for f in "$DBG"/*; do
	[ -f "$f" ] || continue
	cat "$f" > /tmp/f || fail "reading $f failed"
done
dh v4 release
snap /tmp/s2
assert_eq "v4's ipv4 live after release" "$(ns_value /tmp/s0 "$V" ipv4 live)" \
	"$(ns_value /tmp/s2 "$V" ipv4 live)"
unload_dstleak
pass
