# shellcheck shell=sh
# tests/vm/dstlib.sh: helpers for the cases about dst accounting, sourced by
# lib.sh inside the VM.
#
#   dh NS CMD...             write CMD to the test helper's control file in
#                            namespace NS ("init" for the initial one); the
#                            case fails if the helper refuses it
#   dummy_ns NS CIDR         a namespace with one dummy device, d0, up at CIDR
#   quiet_pair NS1 NS2       like mk_pair, but with IPv6 router solicitations
#                            and DAD off, so the namespaces allocate no dst
#                            entries of their own once their links are up
#   quiesce "INUM..."        wait until the rows of these namespaces stop
#                            changing (IGMP/MLD reports after link up); leaves
#                            the last summary in /tmp/q.summary
#   snap FILE                save the summary (it waits for RCU frees first)
#   assert_end FILE          fail unless FILE's last line is "end lines N"
#                            with N the number of lines before it
#   ns_cookie FILE INUM      the cookie on the first "ns INUM" line
#   unattr_value FILE FAMILY KEY   KEY of the "unattributed FAMILY" line
#   churn_start NS... / churn_stop   loops in the background that allocate
#                            and release 300 IPv4 entries through the helper
#                            (veth0 of each NS) until churn_stop, which waits
#                            for them and fails the case if one died
#   delta OLD NEW INUM FAMILY KEY   NEW's value minus OLD's
#   rt6_dst_entries NS       the IPv6 dst_ops entry counter of NS, in decimal,
#                            from its /proc/net/rt6_stats (6th field, hex)
#   rt_cache_entries         the IPv4 dst_ops entry counter (global), from
#                            /proc/net/stat/rt_cache "entries"
#   router_topology          h1 -- r -- h2, routed, a 1280 MTU hop (below)
#   esp_pair NS1 NS2 N       a pair with ESP (transport mode) between them
#   ping_loop NS DST COUNT   COUNT new-socket pings (new xfrm bundles)
#
# For the reader's output (tools/dstleak; python3 is not in the guest):
#   run_rc OUT ERR CMD...    run CMD with stdout to OUT and stderr to ERR,
#                            never failing the case; its exit status in $RC
#   json_ok FILE             fail unless FILE is one line of balanced JSON
#                            (strings, escapes, nesting; not a full parser)
#   json_fam FILE INUM FAMILY KEY
#                            the raw value of KEY in namespace INUM's FAMILY
#                            object of `show --json` (42, null, ...); empty if
#                            there is no such namespace, family or key
#   json_ns FILE INUM KEY    the raw value of a namespace key ("name" ->
#                            "blue" with its quotes, null; "state")
#   json_count FILE TEXT     how many times TEXT occurs in FILE (one line)
#   table_row FILE INUM FAMILY
#                            the value columns of a `show`/`diff` table row of
#                            namespace INUM and FAMILY, space-separated (show:
#                            LIVE ALLOCS FREES FAILURES KERNEL DRIFT HEADROOM;
#                            HEADROOM ends in "*" where the module says the
#                            kernel does not enforce the limit)
#   table_head FILE INUM     the first columns of INUM's first row: NETNS
#                            STATE FAMILY (the row that names the namespace)
#   prom_sample FILE 'NAME{LABELS}'
#                            the value of the sample line with exactly that
#                            metric name and label set; empty if none
#   headroom_pct KERNEL LIMIT
#                            (LIMIT - KERNEL) / LIMIT in percent, "%.1f%%"
#   v6_limit NS              the IPv6 limit the reader should use in NS: the
#                            smaller of net.ipv6.route.gc_thresh and max_size
#                            (max_size >= 2147483647 or <= 0 is no limit)

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

# dummy_ns NS CIDR: a namespace with one dummy device, d0, up at CIDR.
dummy_ns() {
	ip netns add "$1"
	ip -n "$1" link add d0 type dummy
	ip -n "$1" addr add "$2" dev d0
	ip -n "$1" link set d0 up
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
	link_pair "$1" "$2"
}

snap() {
	cat "$DBG/summary" > "$1"
	assert_end "$1"
}

assert_end() {
	_ae_last=$(tail -n 1 "$1")
	_ae_n=$(($(wc -l < "$1") - 1))
	assert_eq "$1: end line" "end lines $_ae_n" "$_ae_last"
}

ns_cookie() {
	awk -v ns="$2" '$1 == "ns" && $2 == ns && $5 == "cookie" { print $6; exit }' "$1"
}

unattr_value() {
	line_value "$1" "unattributed $2" "$3"
}

_churn() {
	# Untraced: thousands of trace lines on the serial console starve its
	# interrupt thread on PREEMPT_RT ("irq 4: nobody cared").
	set +x
	while [ -e /tmp/churn.run ]; do
		dh "$1" alloc4 veth0 300
		dh "$1" release
	done
	touch "/tmp/churn.done.$1"
}

churn_start() {
	rm -f /tmp/churn.done.*
	touch /tmp/churn.run
	_churners=$*
	for _ns in "$@"; do
		_churn "$_ns" &
	done
}

churn_stop() {
	rm -f /tmp/churn.run
	wait
	for _ns in $_churners; do
		[ -e "/tmp/churn.done.$_ns" ] || fail "the churn loop in $_ns died"
	done
}

# The counting fields of the rows of some namespaces.
_rows() {
	for _i in $2; do
		awk -v ns="$_i" '$1 == "ns" && $2 == ns {
			for (i = 5; i < NF; i++) v[$i] = $(i + 1)
			print $4, v["allocs"], v["frees"], v["live"]
		}' "$1"
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

run_rc() {
	_o=$1
	_e=$2
	shift 2
	set +e
	"$@" > "$_o" 2> "$_e"
	RC=$?
	set -e
}

json_ok() {
	[ "$(wc -l < "$1")" = 1 ] || fail "$1: not one line of JSON ($(wc -l < "$1") lines)"
	awk '
	{
		d = 0; s = 0; esc = 0; bad = ""
		n = length($0)
		for (i = 1; i <= n; i++) {
			c = substr($0, i, 1)
			if (s) {
				if (esc) esc = 0
				else if (c == "\\") esc = 1
				else if (c == "\"") s = 0
				continue
			}
			if (c == "\"") s = 1
			else if (c == "{" || c == "[") st[++d] = c
			else if (c == "}" || c == "]") {
				if (d == 0 || (c == "}" && st[d] != "{") || (c == "]" && st[d] != "[")) { bad = "unbalanced " c " at " i; break }
				d--
				if (d == 0 && i != n) { bad = "text after the document at " i; break }
			}
		}
		if (bad == "" && (s || d)) bad = "unterminated"
		if (bad == "" && substr($0, 1, 1) != "{") bad = "does not start with {"
		if (bad != "") { print bad; exit 1 }
	}' "$1" > /tmp/json_ok.why || fail "$1: not valid JSON: $(cat /tmp/json_ok.why)"
}

# The text of namespace INUM's object in a show --json document.
_json_nsobj() {
	awk -v ns="$2" '{
		k = "{\"inum\":" ns ","
		i = index($0, k)
		if (!i) exit
		s = substr($0, i + 1)
		j = index(s, "{\"inum\":")
		if (j) s = substr(s, 1, j - 1)
		print s
	}' "$1"
}

json_fam() {
	_json_nsobj "$1" "$2" | awk -v fam="$3" -v k="$4" '{
		i = index($0, "\"" fam "\":{")
		if (!i) exit
		s = substr($0, i + length(fam) + 4)
		s = substr(s, 1, index(s, "}") - 1)
		n = split(s, kv, ",")
		for (x = 1; x <= n; x++) {
			c = index(kv[x], ":")
			if (substr(kv[x], 1, c - 1) == "\"" k "\"") { print substr(kv[x], c + 1); exit }
		}
	}'
}

json_ns() {
	_json_nsobj "$1" "$2" | awk -v k="$3" '{
		s = substr($0, 1, index($0, "\"families\":") - 1)
		n = split(s, kv, ",")
		for (x = 1; x <= n; x++) {
			c = index(kv[x], ":")
			if (substr(kv[x], 1, c - 1) == "\"" k "\"") { print substr(kv[x], c + 1); exit }
		}
	}'
}

json_count() {
	awk -v t="$2" '{ while ((i = index($0, t))) { n++; $0 = substr($0, i + length(t)) } } END { print n + 0 }' "$1"
}

# Rows of a table: a row with an inode in the 2nd column starts a namespace;
# rows starting with a family name continue it.
table_row() {
	awk -v ns="$2" -v fam="$3" '
	{ first = 0 }
	$1 ~ /^(ipv4|ipv6|xfrm4|xfrm6|other)$/ { first = 1 }
	!first && $2 ~ /^[0-9]+$/ && NF >= 4 { cur = $2; first = 4 }
	!first { cur = "" }
	first && cur == ns && $first == fam {
		o = ""
		for (i = first + 1; i <= NF; i++) o = o (o == "" ? "" : " ") $i
		print o
		exit
	}' "$1"
}

table_head() {
	awk -v ns="$2" '$2 == ns { print $1, $3, $4; exit }' "$1"
}

prom_sample() {
	awk -v m="$2" 'substr($0, 1, length(m) + 1) == m " " { print substr($0, length(m) + 2); exit }' "$1"
}

headroom_pct() {
	awk -v k="$1" -v l="$2" 'BEGIN { printf "%.1f%%\n", (l - k) / l * 100 }'
}

v6_limit() {
	_gc=$(ip netns exec "$1" cat /proc/sys/net/ipv6/route/gc_thresh)
	_ms=$(ip netns exec "$1" cat /proc/sys/net/ipv6/route/max_size)
	awk -v g="$_gc" -v m="$_ms" 'BEGIN {
		l = 0
		if (g > 0 && g < 2147483647) l = g
		if (m > 0 && m < 2147483647 && (l == 0 || m < l)) l = m
		print l
	}'
}

# router_topology: h1 -- r -- h2 (10.9.1.0/24 fd00:91::/64, then
# 10.9.2.0/24 fd00:92::/64), r forwarding, its h2-side MTU 1280 (h2's own
# is 1500, so TCP's MSS does not hide the smaller link), r's ICMP rate
# limits off; h1 and h2 route everything through r.
router_topology() {
	for _ns in h1 r h2; do
		ip netns add $_ns
		ip -n $_ns link set lo up
	done
	ip -n h1 link add veth0 type veth peer name veth1 netns r
	ip -n h2 link add veth0 type veth peer name veth2 netns r
	ip -n h1 addr add 10.9.1.1/24 dev veth0
	ip -n h1 addr add fd00:91::1/64 dev veth0 nodad
	ip -n r addr add 10.9.1.2/24 dev veth1
	ip -n r addr add fd00:91::2/64 dev veth1 nodad
	ip -n r addr add 10.9.2.1/24 dev veth2
	ip -n r addr add fd00:92::1/64 dev veth2 nodad
	ip -n h2 addr add 10.9.2.2/24 dev veth0
	ip -n h2 addr add fd00:92::2/64 dev veth0 nodad
	ip -n r link set veth2 mtu 1280
	for _l in "h1 veth0" "r veth1" "r veth2" "h2 veth0"; do
		# shellcheck disable=SC2086
		set -- $_l
		ip -n $1 link set $2 up
	done
	ip -n h1 route add default via 10.9.1.2
	ip -n h1 -6 route add default via fd00:91::2
	ip -n h2 route add default via 10.9.2.1
	ip -n h2 -6 route add default via fd00:92::1
	ip netns exec r sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward;
		echo 1 > /proc/sys/net/ipv6/conf/all/forwarding;
		echo 0 > /proc/sys/net/ipv4/icmp_ratelimit;
		echo 0 > /proc/sys/net/ipv6/icmp/ratelimit'
	in_ns h1 ping -c 1 -W 3 10.9.2.2 > /dev/null || fail "h1 cannot reach h2 (IPv4)"
	in_ns h1 ping -c 1 -W 3 fd00:92::2 > /dev/null || fail "h1 cannot reach h2 (IPv6)"
}

# esp_pair NS1 NS2 N: mk_pair NS1 NS2, then ESP in transport mode between
# them for IPv4 and IPv6 (SAs keyed and numbered by N, policies both ways).
esp_pair() {
	mk_pair "$1" "$2"
	_n1=$1
	_n2=$2
	_nr=$3
	_ka=0x$(printf '%064d' "$_nr")
	_ke=0x$(printf '%032d' "$_nr")
	for _ns in "$_n1" "$_n2"; do
		for _sa in "10.9.0.1 10.9.0.2 1" "10.9.0.2 10.9.0.1 2" \
			   "fd00:9::1 fd00:9::2 3" "fd00:9::2 fd00:9::1 4"; do
			# shellcheck disable=SC2086
			set -- $_sa "$_nr"
			ip -n "$_ns" xfrm state add src "$1" dst "$2" proto esp \
				spi $(($3 + 16 * $4)) mode transport \
				auth 'hmac(sha256)' "$_ka" enc 'cbc(aes)' "$_ke"
		done
	done
	_esp_policies "$_n1" 10.9.0.1 10.9.0.2 fd00:9::1 fd00:9::2
	_esp_policies "$_n2" 10.9.0.2 10.9.0.1 fd00:9::2 fd00:9::1
}

_esp_policies() { # NS LOCAL4 PEER4 LOCAL6 PEER6
	ip -n "$1" xfrm policy add src "$2" dst "$3" dir out tmpl proto esp mode transport
	ip -n "$1" xfrm policy add src "$3" dst "$2" dir in tmpl proto esp mode transport
	ip -n "$1" xfrm policy add src "$4" dst "$5" dir out tmpl proto esp mode transport
	ip -n "$1" xfrm policy add src "$5" dst "$4" dir in tmpl proto esp mode transport
}

# ping_loop NS DST COUNT: COUNT times "ping -c 1" (a new socket, and so a
# new xfrm bundle under IPsec, each time); fails the case on a lost ping.
ping_loop() {
	_i=0
	while [ $_i -lt "$3" ]; do
		ip netns exec "$1" ping -c 1 -W 2 "$2" > /dev/null ||
			fail "$1: ping $2 failed in round $_i"
		_i=$((_i + 1))
	done
}

# For the cases about allocation failures (acct_failures):
#   dh_value INUM KEY        KEY of the helper's ctl line of namespace INUM
#                            (held6, failed6, ...); 0 if it has no line
#   ns_changed OLD NEW KEY   one line "INUM FAMILY OLDVALUE NEWVALUE" for
#                            every "ns" row of NEW whose KEY differs from its
#                            row in OLD (same cookie and family; a row not in
#                            OLD counts from 0); nothing if none changed
#   lnstat_sum FILE NAME     the sum over the CPU lines of column NAME of an
#                            lnstat file (/proc/net/stat/dstleak), in decimal

dh_value() {
	awk -v ns="$1" -v k="$2" '
	$1 == "inum" && $2 == ns {
		for (i = 3; i < NF; i++)
			if ($i == k) { print $(i + 1); found = 1; exit }
	}
	END { if (!found) print 0 }' "$HCTL"
}

ns_changed() {
	awk -v k="$3" '
	function val(   i) {
		for (i = 5; i < NF; i++)
			if ($i == k) return $(i + 1)
		return "?"
	}
	$1 != "ns" { next }
	FNR == NR { old[$6 " " $4] = val(); next }
	{
		v = val()
		o = ($6 " " $4) in old ? old[$6 " " $4] : 0
		if (o != v) print $2, $4, o, v
	}' "$1" "$2"
}

lnstat_sum() {
	awk -v name="$2" '
	function hex(s,   i, n) {
		n = 0
		s = tolower(s)
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) col = i; next }
	col { sum += hex($col) }
	END { if (!col) { print "no column " name; exit 1 } print sum }' "$1"
}
