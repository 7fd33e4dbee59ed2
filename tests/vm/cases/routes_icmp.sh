#!/bin/sh
# ICMP errors delivered to TCP, by type and code: h1 connects to addresses
# that r's routes refuse ("prohibit": ICMP 3/13, ICMPv6 1/1; "unreachable":
# ICMP 3/1, ICMPv6 1/0), r's ICMP rate limits off. Every attempt draws at
# least one error (a SYN retransmitted while the socket was busy draws a
# second), and the totals equal h1's own ICMP input counters
# (IcmpMsg InType3, Icmp6InType1): every such error reaches TCP.
# vm-timeout: 180
. /lib.sh
load_dstleak
router_topology
ip -n r route add prohibit 10.9.3.0/24
ip -n r route add unreachable 10.9.4.0/24
ip -n r -6 route add prohibit fd00:93::/64
ip -n r -6 route add unreachable fd00:94::/64
TRIES=3

attempts() { # DST
	i=0
	while [ $i -lt $TRIES ]; do
		if in_ns h1 timeout 5 nc -w 3 "$1" 80 < /dev/null; then
			fail "connected to $1"
		fi
		i=$((i + 1))
	done
}
icmp_in() { # the IcmpMsg InType3 and Icmp6InType1 counters of h1
	in_ns h1 awk '$1 == "IcmpMsg:" { if (!n) { for (i = 2; i <= NF; i++) f[$i] = i; n = 1 }
		else if ("InType3" in f) print $(f["InType3"]); else print 0 }' /proc/net/snmp
	in_ns h1 awk '$1 == "Icmp6InType1" { print $2 }' /proc/net/snmp6
}
set -- $(icmp_in)
in3=${1:-0}
in61=${2:-0}
for dst in 10.9.3.5 10.9.4.5 fd00:93::5 fd00:94::5; do
	attempts $dst
done
set -- $(icmp_in)
in3=$(( ${1:-0} - in3 ))
in61=$(( ${2:-0} - in61 ))
H1=$(netns_inum h1)
snap /tmp/s
icmp_count() { # FAMILY TYPE CODE
	awk -v ns="$H1" -v f="$1" -v t="$2" -v c="$3" '
	$1 == "icmp" && $3 == ns && $7 == f && $9 == t && $11 == c { print $13 }' /tmp/s
}
assert_ge "ipv4 3/13 (prohibited)" $TRIES "$(icmp_count ipv4 3 13)"
assert_ge "ipv4 3/1 (host unreachable)" $TRIES "$(icmp_count ipv4 3 1)"
assert_ge "ipv6 1/1 (prohibited)" $TRIES "$(icmp_count ipv6 1 1)"
assert_ge "ipv6 1/0 (no route)" $TRIES "$(icmp_count ipv6 1 0)"
assert_eq "ipv4 type 3 total = h1 IcmpMsg InType3" "$in3" \
	"$(( $(icmp_count ipv4 3 13) + $(icmp_count ipv4 3 1) ))"
assert_eq "ipv6 type 1 total = h1 Icmp6InType1" "$in61" \
	"$(( $(icmp_count ipv6 1 1) + $(icmp_count ipv6 1 0) ))"
assert_eq "probe tcp_v4_err hits" "$in3" "$(probe_hits /tmp/s tcp_v4_err)"
assert_eq "probe tcp_v6_err hits" "$in61" "$(probe_hits /tmp/s tcp_v6_err)"
R=$(netns_inum r)
assert_eq "icmp lines of r" 0 "$(awk -v ns="$R" '$1 == "icmp" && $3 == ns' /tmp/s | wc -l)"
pass
