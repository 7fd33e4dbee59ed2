# shellcheck shell=sh
# tests/vm/dstlib.sh: helpers for the cases about dst accounting, sourced by
# lib.sh inside the VM.
#
#   dh NS CMD...             write CMD to the test helper's control file in
#                            namespace NS ("init" for the initial one); the
#                            case fails if the helper refuses it
#   quiet_pair NS1 NS2       like mk_pair, but with IPv6 router solicitations
#                            and DAD off, so the namespaces allocate no dst
#                            entries of their own once their links are up
#   quiesce "INUM..."        wait until the rows of these namespaces stop
#                            changing (IGMP/MLD reports after link up); leaves
#                            the last summary in /tmp/q.summary
#   snap FILE                save the summary (it waits for RCU frees first)
#   delta OLD NEW INUM FAMILY KEY   NEW's value minus OLD's
#   rt6_dst_entries NS       the IPv6 dst_ops entry counter of NS, in decimal,
#                            from its /proc/net/rt6_stats (6th field, hex)
#   rt_cache_entries         the IPv4 dst_ops entry counter (global), from
#                            /proc/net/stat/rt_cache "entries"

HCTL=/sys/kernel/debug/dsthelper/ctl

dh() {
	_ns=$1
	shift
	if [ "$_ns" = init ]; then
		echo "$*" > "$HCTL" || fail "dsthelper refused '$*'"
	else
		nsenter --net="/run/netns/$_ns" sh -c "echo '$*' > $HCTL" ||
			fail "dsthelper refused '$*' in $_ns"
	fi
}

quiet_pair() {
	for _ns in "$1" "$2"; do
		ip netns add "$_ns"
		for _k in router_solicitations dad_transmits accept_dad; do
			for _c in all default; do
				ip netns exec "$_ns" sh -c "echo 0 > /proc/sys/net/ipv6/conf/$_c/$_k"
			done
		done
	done
	ip -n "$1" link add veth0 type veth peer name veth0 netns "$2"
	ip -n "$1" addr add 10.9.0.1/24 dev veth0
	ip -n "$2" addr add 10.9.0.2/24 dev veth0
	ip -n "$1" addr add fd00:9::1/64 dev veth0 nodad
	ip -n "$2" addr add fd00:9::2/64 dev veth0 nodad
	for _ns in "$1" "$2"; do
		ip -n "$_ns" link set lo up
		ip -n "$_ns" link set veth0 up
	done
}

snap() {
	cat "$DBG/summary" > "$1"
}

# The counting fields of the rows of some namespaces.
_rows() {
	for _i in $2; do
		awk -v ns="$_i" '$1 == "ns" && $2 == ns { print $4, $6, $8, $10 }' "$1"
	done
}

quiesce() {
	snap /tmp/q.prev
	_n=0
	while [ $_n -lt 30 ]; do
		sleep 1
		snap /tmp/q.summary
		if [ "$(_rows /tmp/q.prev "$1")" = "$(_rows /tmp/q.summary "$1")" ]; then
			return 0
		fi
		cp /tmp/q.summary /tmp/q.prev
		_n=$((_n + 1))
	done
	fail "namespaces $1 kept allocating dst entries for 30 s"
}

delta() {
	_a=$(ns_value "$1" "$3" "$4" "$5")
	_b=$(ns_value "$2" "$3" "$4" "$5")
	case "$_a$_b" in *[!0-9-]*|'') fail "no number for $3 $4 $5 ($_a, $_b)";; esac
	echo $((_b - _a))
}

rt6_dst_entries() {
	printf '%d\n' "0x$(ip netns exec "$1" cat /proc/net/rt6_stats | awk '{ print $6 }')"
}

rt_cache_entries() {
	printf '%d\n' "0x$(awk 'NR == 2 { print $1 }' /proc/net/stat/rt_cache)"
}
