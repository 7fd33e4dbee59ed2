#!/bin/sh
# IPsec larval drop: while a container's SA is being negotiated (a policy,
# no state yet, xfrm_larval_drop=1), each route lookup it makes gets an IPv4
# blackhole route, which ipv4_blackhole_route() allocates with no device
# and with dst_ops all namespaces share. Each is counted in that
# container's namespace, family other: as many as its XfrmOutNoStates, and
# none in the initial namespace. A TCP connect meanwhile holds one (each
# SYN sent looks the route up again), which objects lists in blue on its lo.
# With track=0, the frees (matched by device) find the same namespace:
# nothing is left live or stray.
# vm-smoke: yes
# vm-timeout: 240
. /lib.sh

nostates() {
	in_ns "$1" awk '$1 == "XfrmOutNoStates" { print $2 }' /proc/net/xfrm_stat
}

larval_round() {
	load_dstleak "track=$1"
	quiet_pair blue red
	B=$(netns_inum blue)
	I=$(init_inum)
	in_ns blue ip xfrm policy add src 10.9.0.1 dst 10.9.0.2 dir out \
		tmpl proto esp mode transport
	# A key manager listening: the acquire is taken, the state is larval.
	ip netns exec blue ip xfrm monitor acquire > /tmp/acquire &
	MON=$!
	sleep 0.5
	n0=$(nostates blue)
	snap /tmp/s0
	in_ns blue ping -c 5 -i 0.2 -W 1 10.9.0.2 > /dev/null || true
	# Not in_ns, a function: $! must be nc itself.
	ip netns exec blue nc 10.9.0.2 5000 < /dev/null > /dev/null 2>&1 &
	NC=$!
	sleep 1.5
	# A SYN resent between the two counts would make them disagree, and
	# between the summary and objects would list the resent SYN's entry
	# beside the socket's: both are read while the count stands still.
	try=0
	while :; do
		n1=$(nostates blue)
		snap /tmp/s1
		[ "$1" = 0 ] || cat "$DBG/objects" > /tmp/objs
		[ "$(nostates blue)" != "$n1" ] || break
		try=$((try + 1))
		[ "$try" -lt 5 ] || fail "XfrmOutNoStates of blue never still"
	done
	echo "track=$1: XfrmOutNoStates $n0 -> $n1"
	assert_ge "blackhole lookups of blue" 6 $((n1 - n0))
	assert_eq "blue other allocs" $((n1 - n0)) "$(delta /tmp/s0 /tmp/s1 "$B" other allocs)"
	assert_eq "blue other live (the socket's)" 1 "$(ns_value /tmp/s1 "$B" other live)"
	assert_eq "initial other allocs" 0 "$(delta /tmp/s0 /tmp/s1 "$I" other allocs)"
	if [ "$1" = 1 ]; then
		n=$(grep -c "^obj .* ns $B cookie [0-9]* family other .* device lo ifindex 0 devstate up netns alive " /tmp/objs || true)
		assert_eq "objects of blue, family other, on lo" 1 "$n"
	fi
	kill "$NC"
	wait "$NC" 2> /dev/null || true
	wait_rcu
	cp /tmp/s1 /tmp/s0
	snap /tmp/s1
	for ns in "$B" "$I"; do
		assert_eq "ns $ns other live" 0 "$(ns_value /tmp/s1 "$ns" other live)"
		assert_eq "ns $ns other frees_preexisting" 0 "$(ns_value /tmp/s1 "$ns" other frees_preexisting)"
		assert_eq "ns $ns other untracked" 0 "$(ns_value /tmp/s1 "$ns" other untracked)"
	done
	assert_eq "initial other frees" 0 "$(delta /tmp/s0 /tmp/s1 "$I" other frees)"
	kill "$MON"
	wait "$MON" 2> /dev/null || true
	ip netns del blue
	ip netns del red
	unload_dstleak
}

larval_round 1
larval_round 0
pass
