#!/bin/sh
# Namespaces that exit while entries without a record are alive (track=0;
# the same holds past max_tracked and for entries older than the load).
# - IPv4 entries allocated in blue on a device that then moves to red:
#   when blue exits they can no longer be matched, so they are handed to
#   the unattributed bucket (orphaned), blue is forgotten, and their frees
#   (seen on red's device) never make red's live negative.
# - A namespace that only pinged is forgotten once deleted (its state
#   freed), not listed as exited with a live count forever.
# - IPv6 entries allocated before the load and freed after their namespace
#   exited are credited to that namespace (by their dst_ops), never to the
#   initial one, whose drift stays 0.
# vm-smoke: yes
# vm-timeout: 240
. /lib.sh
need_helper
load_helper
modprobe dummy
quiet_pair green violet
ip -n green link add dummy1 type dummy
ip -n green link set dummy1 up
ip -n green addr add fd00:77::1/64 dev dummy1 nodad
G=$(netns_inum green)
dh green alloc6 dummy1 6
load_dstleak track=0
I=$(init_inum)

# 1. Moved device, exited namespace. yellow has no traffic of its own.
quiet_pair blue red
ip netns add yellow
ip -n blue link add dummy0 type dummy
B=$(netns_inum blue)
Y=$(netns_inum yellow)
quiesce "$B"
cp /tmp/q.summary /tmp/before
dh blue alloc4 dummy0 40
snap /tmp/held
assert_eq "blue ipv4 live" 40 "$(delta /tmp/before /tmp/held $B ipv4 live)"
assert_eq "blue ipv4 untracked (track=0)" "$(ns_value /tmp/held $B ipv4 live)" \
	"$(ns_value /tmp/held $B ipv4 untracked)"
O0=$(unattr_value /tmp/held ipv4 orphaned)
ip -n blue link set dummy0 netns yellow
ip netns del blue
wait_until 20 sh -c "! grep -q '^ns $B ' $DBG/summary" || fail "blue still listed after it exited"
snap /tmp/gone
assert_eq "blue's live ipv4 orphaned to unattributed" \
	$((O0 + $(ns_value /tmp/held $B ipv4 live))) "$(unattr_value /tmp/gone ipv4 orphaned)"
dh init release_inum $B
snap /tmp/freed
assert_eq "yellow ipv4 live" 0 "$(ns_value /tmp/freed $Y ipv4 live)"
assert_eq "yellow ipv4 frees" 0 "$(ns_value /tmp/freed $Y ipv4 frees)"
assert_eq "yellow ipv4 frees_preexisting (blue's, unmatched)" 40 \
	"$(ns_value /tmp/freed $Y ipv4 frees_preexisting)"
assert_eq "global ipv4 drift" 0 "$(line_value /tmp/freed "global ipv4" drift)"

# 2. A namespace that pinged, deleted.
quiet_pair pa pb
P=$(netns_inum pa)
in_ns pa ping -c 3 -i 0.2 10.9.0.2 > /dev/null
in_ns pa ping -c 3 -i 0.2 fd00:9::2 > /dev/null
snap /tmp/pinged
assert_ge "pa ipv4 allocs" 1 "$(ns_value /tmp/pinged $P ipv4 allocs)"
ip netns del pa
wait_until 30 sh -c "! grep -q '^ns $P ' $DBG/summary" ||
	{ grep "^ns $P " "$DBG/summary"; fail "pa still listed 30 s after it was deleted"; }

# 3. IPv6 entries older than the load, freed after their namespace exited.
snap /tmp/pre
ip -n green link set dummy1 netns violet
ip netns del green
wait_until 20 sh -c "! grep -q '^ns $G ' $DBG/summary" || fail "green still listed after it exited"
snap /tmp/post
assert_eq "init ipv6 frees_preexisting" "$(ns_value /tmp/pre $I ipv6 frees_preexisting)" \
	"$(ns_value /tmp/post $I ipv6 frees_preexisting)"
assert_eq "init ipv6 drift" 0 "$(ns_value /tmp/post $I ipv6 drift)"
assert_eq "init ipv6 kernel = rt6_stats" "$(printf '%d' "0x$(awk '{ print $6 }' /proc/net/rt6_stats)")" \
	"$(ns_value /tmp/post $I ipv6 kernel)"
pass
