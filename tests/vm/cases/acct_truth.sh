#!/bin/sh
# Truth: after mixed IPv4/IPv6 traffic (ping, TCP) among three namespaces,
# each namespace's "kernel" IPv6 figure equals its /proc/net/rt6_stats, the
# global IPv4 figure equals /proc/net/stat/rt_cache, drift is 0 everywhere,
# and no probe missed a hit.
# vm-timeout: 180
. /lib.sh
load_dstleak
mk_pair ta tb
ip netns add tc
ip -n ta link add veth1 type veth peer name veth1 netns tc
ip -n ta addr add 10.9.1.1/24 dev veth1
ip -n tc addr add 10.9.1.2/24 dev veth1
ip -n ta addr add fd00:91::1/64 dev veth1 nodad
ip -n tc addr add fd00:91::2/64 dev veth1 nodad
ip -n ta link set veth1 up
ip -n tc link set veth1 up
ip -n tc link set lo up
ip -n tc route add default via 10.9.1.1
ip -n tc route add default via fd00:91::1
ip -n tb route add 10.9.1.0/24 via 10.9.0.1
ip -n tb route add fd00:91::/64 via fd00:9::1
in_ns ta sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'

set +x
i=0
while [ $i -lt 5 ]; do
	in_ns ta ping -c 1 -W 2 10.9.0.2 > /dev/null || fail "ta -> tb IPv4"
	in_ns ta ping -c 1 -W 2 fd00:9::2 > /dev/null || fail "ta -> tb IPv6"
	in_ns tc ping -c 1 -W 2 10.9.0.2 > /dev/null || fail "tc -> tb IPv4 (routed)"
	in_ns tc ping -c 1 -W 2 fd00:9::2 > /dev/null || fail "tc -> tb IPv6 (routed)"
	for dst in 10.9.0.2 fd00:9::2; do
		# The debug kernel runs many times slower (DSTLEAK_SLOW, /init).
		in_ns tb timeout $((5 * ${DSTLEAK_SLOW:-1})) nc -l -p 5000 > /tmp/got &
		sleep 0.3
		echo "hello $i" | in_ns tc timeout $((5 * ${DSTLEAK_SLOW:-1})) nc "$dst" 5000 || fail "TCP tc -> tb $dst"
		wait
		grep -q "hello $i" /tmp/got || fail "TCP data tc -> tb $dst"
	done
	i=$((i + 1))
done
set -x

A=$(netns_inum ta)
B=$(netns_inum tb)
C=$(netns_inum tc)
I=$(init_inum)
quiesce "$A $B $C $I"
snap /tmp/s
for ns in ta tb tc; do
	inum=$(netns_inum $ns)
	assert_ge "$ns ipv6 allocs" 1 "$(ns_value /tmp/s $inum ipv6 allocs)"
	assert_eq "$ns ipv6 kernel = rt6_stats" "$(rt6_dst_entries $ns)" "$(ns_value /tmp/s $inum ipv6 kernel)"
done
assert_ge "tc ipv4 allocs" 1 "$(ns_value /tmp/s $C ipv4 allocs)"
for inum in $A $B $C $I; do
	for fam in ipv6 xfrm4 xfrm6; do
		assert_eq "ns $inum $fam drift" 0 "$(ns_value /tmp/s $inum $fam drift)"
	done
done
assert_eq "global ipv4 kernel = rt_cache entries" "$(rt_cache_entries)" "$(line_value /tmp/s "global ipv4" kernel)"
assert_eq "global ipv4 drift" 0 "$(line_value /tmp/s "global ipv4" drift)"
for sym in dst_alloc dst_destroy; do
	assert_ge "probe $sym hits" 1 "$(probe_hits /tmp/s $sym)"
	assert_eq "probe $sym missed" 0 "$(line_value /tmp/s "probe $sym" missed)"
done
pass
