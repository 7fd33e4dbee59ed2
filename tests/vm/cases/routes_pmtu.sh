#!/bin/sh
# PMTU: h1 -- r -- h2, the r -> h2 link with MTU 1280 on r's side. A TCP
# transfer from h1 to h2 makes r answer "fragmentation needed" (IPv4) and
# "packet too big" (IPv6); h1 caches the smaller path MTU as a route
# exception. dstleak counts the updates and the cached IPv6 routes in h1,
# and nothing in r or h2.
# vm-timeout: 180
. /lib.sh
load_dstleak
router_topology

for dst in 10.9.2.2 fd00:92::2; do
	# nc stops at EOF on its stdin: keep the listener's open.
	sleep 12 | in_ns h2 timeout 10 nc -l -p 5001 > /tmp/rx &
	sleep 0.3
	dd if=/dev/zero bs=1000 count=40 2>/dev/null | in_ns h1 timeout 10 nc "$dst" 5001 ||
		fail "TCP h1 -> $dst failed"
	wait
	assert_eq "bytes received from h1 over $dst" 40000 "$(wc -c < /tmp/rx)"
done
ip -n h1 route get 10.9.2.2 | grep -q 'mtu 1280' || fail "h1 has no IPv4 PMTU exception: $(ip -n h1 route get 10.9.2.2)"
ip -n h1 -6 route get fd00:92::2 | grep -q 'mtu 1280' || fail "h1 has no IPv6 PMTU exception"

H1=$(netns_inum h1)
R=$(netns_inum r)
H2=$(netns_inum h2)
snap /tmp/s
assert_ge "h1 pmtu4" 1 "$(line_value /tmp/s "route ns $H1" pmtu4)"
assert_ge "h1 pmtu6" 1 "$(line_value /tmp/s "route ns $H1" pmtu6)"
assert_ge "h1 exceptions6" 1 "$(line_value /tmp/s "route ns $H1" exceptions6)"
cached=$(printf '%d' "0x$(in_ns h1 cat /proc/net/rt6_stats | awk '{ print $5 }')")
assert_eq "h1 cached6 = rt6_stats" "$cached" "$(line_value /tmp/s "route ns $H1" cached6)"
assert_ge "h1 cached6" 1 "$cached"
for inum in $R $H2; do
	for k in pmtu4 pmtu6 redirect4 redirect6 exceptions6; do
		assert_eq "ns $inum $k" 0 "$(line_value /tmp/s "route ns $inum" $k)"
	done
done
pass
