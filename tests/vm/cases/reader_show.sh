#!/bin/sh
# The reader's `show` and `show --json` against the real module. The helper
# holds exactly N IPv4 and M IPv6 entries in blue and K re-homable IPv4
# entries in violet, which then exits:
#   - show --json is one line of balanced JSON; blue's allocs/live moved by
#     exactly N/M, frees by 0, red's not at all; blue's IPv6 kernel figure is
#     its /proc/net/rt6_stats counter, gc_thresh/max_size its sysctls, the
#     global IPv4 kernel figure /proc/net/stat/rt_cache; IPv4 has null
#     per-namespace kernel figures; names: "blue", "red", init as comm[1],
#     violet null and "exited" with live +K; a namespace without a name but
#     with a process in it: comm[pid];
#   - every figure of every namespace equals the module's summary taken
#     around it (one JSON namespace per summary namespace);
#   - show -a prints the same numbers in its table, headroom computed from
#     rt6_stats and the sysctls; show hides idle families; no trailing blanks.
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak
load_helper
N=37
M=23
K=11
quiet_pair blue red
quiet_pair violet indigo
B=$(netns_inum blue)
R=$(netns_inum red)
V=$(netns_inum violet)
I=$(init_inum)
# A namespace with no ip-netns name, only a process in it.
unshare -n /bin/sleep 120 &
SP=$!
wait_until 5 sh -c "[ \"\$(stat -L -c %i /proc/$SP/ns/net)\" != $I ]" || fail "no new namespace for the sleeper"
S=$(stat -L -c %i /proc/$SP/ns/net)
quiesce "$B $R $V $I $S"

dstleak show --json > /tmp/before.json
json_ok /tmp/before.json
dh blue alloc4 veth0 $N
dh blue alloc6 veth0 $M
dh violet rehome4 veth0 10.9.0.2 $K
ip netns del violet
wait_until 10 sh -c "grep -q '^ns $V exited' $DBG/summary" || fail "violet not listed as exited"
ip netns del indigo

# The reader's document between two identical summaries (retry if the
# kernel moved something meanwhile).
_try=0
while :; do
	snap /tmp/raw1
	run_rc /tmp/show.json /tmp/show.err dstleak show --json
	rt6=$(rt6_dst_entries blue)
	rtc=$(rt_cache_entries)
	snap /tmp/raw2
	grep -v '^probe ' /tmp/raw1 > /tmp/raw1.np
	grep -v '^probe ' /tmp/raw2 > /tmp/raw2.np
	cmp -s /tmp/raw1.np /tmp/raw2.np && break
	_try=$((_try + 1))
	[ $_try -lt 5 ] || fail "the summary kept changing while the reader ran"
done
assert_eq "show --json exit status" 0 "$RC"
assert_eq "show --json stderr" "" "$(cat /tmp/show.err)"
json_ok /tmp/show.json
case "$(cat /tmp/show.json)" in
"{\"format\":1,\"module_version\":\"$DSTLEAK_VERSION\",\"kernel\":\"$(uname -r)\",\"global\":{\"ipv4\":{"*) ;;
*) fail "show --json header: $(head -c 160 /tmp/show.json)";;
esac

# Against the helper's known counts.
for fam in ipv4 ipv6; do
	want=$N; [ $fam = ipv6 ] && want=$M
	for k in allocs live; do
		a=$(json_fam /tmp/before.json "$B" $fam $k)
		b=$(json_fam /tmp/show.json "$B" $fam $k)
		assert_eq "blue $fam $k: $a + $want" $((a + want)) "$b"
	done
	assert_eq "blue $fam frees moved" "$(json_fam /tmp/before.json "$B" $fam frees)" \
		"$(json_fam /tmp/show.json "$B" $fam frees)"
	assert_eq "red $fam allocs moved" "$(json_fam /tmp/before.json "$R" $fam allocs)" \
		"$(json_fam /tmp/show.json "$R" $fam allocs)"
done
a=$(json_fam /tmp/before.json "$V" ipv4 live)
assert_eq "violet ipv4 live: $a + $K" $((a + K)) "$(json_fam /tmp/show.json "$V" ipv4 live)"

# Against the kernel's own figures.
assert_eq "blue ipv6 kernel = rt6_stats" "$rt6" "$(json_fam /tmp/show.json "$B" ipv6 kernel)"
assert_eq "blue ipv6 drift" 0 "$(json_fam /tmp/show.json "$B" ipv6 drift)"
assert_eq "blue ipv6 gc_thresh = sysctl" "$(ip netns exec blue cat /proc/sys/net/ipv6/route/gc_thresh)" \
	"$(json_fam /tmp/show.json "$B" ipv6 gc_thresh)"
assert_eq "blue ipv6 max_size = sysctl" "$(ip netns exec blue cat /proc/sys/net/ipv6/route/max_size)" \
	"$(json_fam /tmp/show.json "$B" ipv6 max_size)"
assert_eq "global ipv4 kernel = rt_cache entries" \
	"{\"ipv4\":{\"kernel\":$rtc," "$(grep -o '{"ipv4":{"kernel":[0-9]*,' /tmp/show.json | head -n 1)"
for k in kernel drift gc_thresh max_size; do
	assert_eq "blue ipv4 $k (global family)" null "$(json_fam /tmp/show.json "$B" ipv4 $k)"
done
assert_eq "blue name" '"blue"' "$(json_ns /tmp/show.json "$B" name)"
assert_eq "blue state" '"alive"' "$(json_ns /tmp/show.json "$B" state)"
assert_eq "red name" '"red"' "$(json_ns /tmp/show.json "$R" name)"
assert_eq "init name" "\"$(cat /proc/1/comm)[1]\"" "$(json_ns /tmp/show.json "$I" name)"
assert_eq "sleeper's namespace name" "\"$(cat /proc/$SP/comm)[$SP]\"" "$(json_ns /tmp/show.json "$S" name)"
assert_eq "violet name" null "$(json_ns /tmp/show.json "$V" name)"
assert_eq "violet state" '"exited"' "$(json_ns /tmp/show.json "$V" state)"

# Every figure of every namespace as the module wrote it.
nns=$(awk '$1 == "ns" { print $2 }' /tmp/raw1 | sort -u | wc -l)
assert_eq "namespaces in the JSON" "$nns" "$(json_count /tmp/show.json '{"inum":')"
awk '
FNR == NR {
	# The document: one object per namespace, then one per family.
	n = split($0, nsobj, "[{]\"inum\":")
	for (x = 2; x <= n; x++) {
		ns = substr(nsobj[x], 1, index(nsobj[x], ",") - 1)
		f = split(nsobj[x], fam, "\":[{]")
		for (y = 2; y <= f; y++) {
			fname = fam[y - 1]
			sub(/.*"/, "", fname)
			body = substr(fam[y], 1, index(fam[y], "}") - 1)
			c = split(body, kv, ",")
			for (z = 1; z <= c; z++) {
				split(kv[z], p, ":")
				gsub(/"/, "", p[1])
				v[ns " " fname " " p[1]] = p[2]
			}
		}
	}
	next
}
$1 == "ns" {
	for (k = 5; k < NF; k += 2) {
		key = $2 " " $4 " " $k
		want = $(k + 1) == "-" ? "null" : $(k + 1)
		cnt++
		if (!(key in v) || v[key] != want) {
			print key ": expected " want ", got " ((key in v) ? v[key] : "nothing"); bad = 1
		}
	}
}
END { if (cnt < 100) { print "only " cnt " figures"; bad = 1 }; exit bad }' /tmp/show.json /tmp/raw1 > /tmp/fig.why ||
	fail "show --json against the summary: $(head -n 5 /tmp/fig.why | tr '\n' '|')"

# The table, from the same state (nothing moved: the summary is compared).
run_rc /tmp/show.out /tmp/show.err dstleak show -a
snap /tmp/raw3
grep -v '^probe ' /tmp/raw3 > /tmp/raw3.np
cmp -s /tmp/raw1.np /tmp/raw3.np || fail "the summary changed before show -a: $(diff /tmp/raw1.np /tmp/raw3.np | tail -n 4 | tr '\n' '|')"
assert_eq "show -a exit status" 0 "$RC"
assert_eq "show -a stderr" "" "$(cat /tmp/show.err)"
assert_eq "show first line" "module $DSTLEAK_VERSION, format $DSTLEAK_FORMAT, kernel $(uname -r) ($DBG/summary)" \
	"$(head -n 1 /tmp/show.out)"
assert_eq "show global line" "global ipv4: kernel $rtc expected $(line_value /tmp/raw1 'global ipv4' expected) drift 0" \
	"$(sed -n 2p /tmp/show.out)"
! grep -n ' $' /tmp/show.out || fail "show -a has trailing blanks"
j() { json_fam /tmp/show.json "$B" "$1" "$2"; }
assert_eq "blue first row" "blue alive ipv4" "$(table_head /tmp/show.out "$B")"
assert_eq "blue ipv4 row" "$(j ipv4 live) $(j ipv4 allocs) $(j ipv4 frees) 0 - - -" \
	"$(table_row /tmp/show.out "$B" ipv4)"
assert_eq "blue ipv6 row" "$(j ipv6 live) $(j ipv6 allocs) $(j ipv6 frees) 0 $rt6 0 $(headroom_pct "$rt6" "$(v6_limit blue)")" \
	"$(table_row /tmp/show.out "$B" ipv6)"
assert_eq "blue xfrm4 row" "0 0 0 0 0 0 $(headroom_pct 0 "$(j xfrm4 gc_thresh)")" \
	"$(table_row /tmp/show.out "$B" xfrm4)"
assert_eq "blue other row" "0 0 0 0 - - -" "$(table_row /tmp/show.out "$B" other)"
assert_eq "violet first row" "- exited ipv4" "$(table_head /tmp/show.out "$V")"
assert_eq "sleeper's first row" "$(cat /proc/$SP/comm)[$SP] alive ipv4" "$(table_head /tmp/show.out "$S")"
assert_eq "violet ipv4 live" "$(json_fam /tmp/show.json "$V" ipv4 live)" \
	"$(table_row /tmp/show.out "$V" ipv4 | cut -d ' ' -f 1)"

# Without -a, blue's idle families are not shown, its busy ones are.
dstleak show > /tmp/show2.out
assert_eq "show: blue xfrm4 hidden" "" "$(table_row /tmp/show2.out "$B" xfrm4)"
assert_eq "show: blue other hidden" "" "$(table_row /tmp/show2.out "$B" other)"
assert_eq "show: blue ipv6 row" "$(table_row /tmp/show.out "$B" ipv6)" "$(table_row /tmp/show2.out "$B" ipv6)"
! grep -n ' $' /tmp/show2.out || fail "show has trailing blanks"

dh blue release
dh init release_inum "$V"
kill "$SP"
pass
