#!/bin/sh
# Leak suspects, one per reason, each a group of exactly the entries the
# helper holds, in the right namespace, with the helper's holding function in
# the allocation stack:
#   dead          held entries marked obsolete (the 2009 router);
#   pins_device   held entries on a veth whose deletion then blocks
#                 ("unregister_netdevice: waiting for DEV");
#   device_gone   entries the kernel re-homes to blackhole_netdev when their
#                 device is deleted, still alive (IPv4: on 6.1 and 6.12 the
#                 IPv6 uncached clones keep their fib6_info, and through it
#                 the device, so deleting it would block instead);
#   netns_exited  the same with the whole namespace deleted.
# A healthy host (traffic, no helper) shows none; releasing empties them.
# vm-timeout: 240
. /lib.sh
need_helper
load_dstleak stacks=1 suspect_age_s=1
load_helper

groups() {
	cat "$DBG/suspects" > /tmp/sus
	grep '^group ' /tmp/sus || true
}
group_value() { # INUM FAMILY REASON KEY
	awk -v ns="$1" -v fam="$2" -v r="$3" -v k="$4" '
	$1 == "group" && $3 == ns && $7 == fam && $9 == r {
		for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit }
	}' /tmp/sus
}
group_stack() { # INUM FAMILY REASON: the stack lines after that group
	awk -v ns="$1" -v fam="$2" -v r="$3" '
	$1 == "group" { f = ($3 == ns && $7 == fam && $9 == r) ; next }
	$1 != "stack" { f = 0 }
	f { print $2 }' /tmp/sus
}
expect_group() { # INUM FAMILY REASON COUNT HOLDER
	assert_eq "$3 $2 group count" "$4" "$(group_value "$1" "$2" "$3" count)"
	assert_ge "$3 $2 oldest_ms" 1000 "$(group_value "$1" "$2" "$3" oldest_ms)"
	assert_ge "$3 $2 median_ms" 1000 "$(group_value "$1" "$2" "$3" median_ms)"
	group_stack "$1" "$2" "$3" | grep -q "^$5+" ||
		fail "$3 $2 group: no $5 in its stack: $(group_stack "$1" "$2" "$3" | tr '\n' ' ')"
}

# A healthy host: traffic, no suspects.
mk_pair hp hq
in_ns hp ping -c 3 -i 0.3 10.9.0.2 > /dev/null
in_ns hp ping -c 3 -i 0.3 fd00:9::2 > /dev/null
sleep 1.5
assert_eq "suspect groups on a healthy host" "" "$(groups)"
ip netns del hp
ip netns del hq

# dead
quiet_pair blue red
B=$(netns_inum blue)
dh blue alloc4 veth0 30
dh blue alloc6 veth0 12
dh blue dead
sleep 1.2
groups
expect_group "$B" ipv4 dead 30 dsthelper_hold_v4
expect_group "$B" ipv6 dead 12 dsthelper_hold_v6
dh blue release
assert_eq "groups after release" "" "$(groups)"

# pins_device
dh blue alloc4 veth0 17
ip -n blue link del veth0 &
DEL=$!
wait_until 10 sh -c "grep -q 'reason pins_device device veth0' $DBG/suspects" ||
	fail "no pins_device group while veth0's deletion waits"
sleep 1.2
groups
expect_group "$B" ipv4 pins_device 17 dsthelper_hold_v4
assert_eq "pins_device names the device" veth0 "$(group_value "$B" ipv4 pins_device device)"
dh blue release
wait $DEL || fail "the blocked 'ip link del' failed once released"
assert_eq "groups after release" "" "$(groups)"
ip netns del blue
ip netns del red

# device_gone
quiet_pair green yellow
G=$(netns_inum green)
dh green rehome4 veth0 10.9.0.2 25
ip -n green link del veth0
sleep 1.2
groups
expect_group "$G" ipv4 device_gone 25 dsthelper_hold_rehomable_v4
dh green release
assert_eq "groups after release" "" "$(groups)"
ip netns del green
ip netns del yellow

# netns_exited
quiet_pair violet indigo
V=$(netns_inum violet)
dh violet rehome4 veth0 10.9.0.2 35
ip netns del violet
wait_until 10 sh -c "grep -q '^ns $V exited' $DBG/summary" || fail "violet not listed as exited"
sleep 1.2
groups
expect_group "$V" ipv4 netns_exited 35 dsthelper_hold_rehomable_v4
assert_eq "violet ipv4 live" 35 "$(ns_value "$DBG/summary" "$V" ipv4 live)"
dh init release_inum "$V"
assert_eq "groups after release" "" "$(groups)"
wait_until 10 sh -c "! grep -q '^ns $V ' $DBG/summary" || fail "violet still listed after release"
pass
