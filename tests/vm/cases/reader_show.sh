#!/bin/sh
# The reader's `show` and `show --json` against the real module. The helper
# holds exactly N IPv4 and M IPv6 entries in blue and K re-homable IPv4
# entries in violet, which then exits:
#   - show --json is one line of balanced JSON, its header the module's
#     version, kernel, export format and settled; blue's allocs/live moved by
#     exactly N/M, frees by 0, red's not at all; blue's IPv6 kernel figure is
#     its /proc/net/rt6_stats counter, gc_thresh/max_size its sysctls, the
#     global IPv4 kernel figure /proc/net/stat/rt_cache; IPv4 has null
#     per-namespace kernel figures; names: "blue", "red", init as comm[1],
#     violet null and "exited" with live +K; a namespace without a name but
#     with a process in it: comm[pid];
#   - every figure of every namespace equals the module's summary taken
#     around it (one JSON namespace per summary namespace, matched by
#     cookie, with its inode and state), and so do the unattributed lines;
#   - show -a prints the same numbers in its table, headroom computed from
#     rt6_stats and the sysctls, marked "*" (and explained under the table)
#     exactly where the module says the kernel does not enforce the limit;
#     the unattributed preamble line; show hides idle families; no trailing
#     blanks;
#   - a summary cut short (its end line lost), or with a line missing, is
#     refused: exit 2, nothing on stdout, one line naming file and line.
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
# "format" is the JSON contract's version (1); export_format the module's.
assert_eq "the summary's format" "$DSTLEAK_FORMAT" "$(field /tmp/raw1 format)"
assert_eq "the debugfs summary is settled" 1 "$(field /tmp/raw1 settled)"
case "$(cat /tmp/show.json)" in
"{\"format\":1,\"module_version\":\"$DSTLEAK_VERSION\",\"kernel\":\"$(uname -r)\",\"export_format\":$DSTLEAK_FORMAT,\"settled\":1,\"global\":{\"ipv4\":{"*) ;;
*) fail "show --json header: $(head -c 200 /tmp/show.json)";;
esac
# unattributed: the module's lines, one object per family.
uj=$(awk '$1 == "unattributed" {
	o = o (o == "" ? "" : ",") "\"" $2 "\":{\"allocs\":" $4 ",\"frees\":" $6 ",\"orphaned\":" $8 "}"
	n++
} END { if (n != 5) print "only " n " unattributed lines"; else print o }' /tmp/raw1)
assert_eq "unattributed in the JSON" 1 "$(json_count /tmp/show.json "\"unattributed\":{$uj},")"

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

# Every figure of every namespace as the module wrote it, namespaces
# matched by cookie (inodes are reused, cookies never).
nns=$(awk '$1 == "ns" { print $6 }' /tmp/raw1 | sort -u | wc -l)
assert_eq "namespaces in the JSON" "$nns" "$(json_count /tmp/show.json '{"inum":')"
awk '
FNR == NR {
	# The document: one object per namespace, then one per family.
	n = split($0, nsobj, "[{]\"inum\":")
	for (x = 2; x <= n; x++) {
		# INUM,"cookie":C,"name":...,"state":"S","families":{...
		inum = substr(nsobj[x], 1, index(nsobj[x], ",") - 1)
		ns = substr(nsobj[x], length(inum) + 2)
		if (substr(ns, 1, 9) != "\"cookie\":") { print "no cookie after the inum: " substr(nsobj[x], 1, 60); bad = 1; continue }
		ns = substr(ns, 10)
		ns = substr(ns, 1, index(ns, ",") - 1)
		if (ns in ino) { print "cookie " ns " twice in the JSON"; bad = 1 }
		ino[ns] = inum
		st = substr(nsobj[x], index(nsobj[x], "\"state\":\"") + 9)
		state[ns] = substr(st, 1, index(st, "\"") - 1)
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
	# ns INUM STATE FAMILY cookie COOKIE allocs N ...
	if ($5 != "cookie") { print "no cookie: " $0; bad = 1; next }
	if (!($6 in ino)) { print "cookie " $6 " (" $2 ") not in the JSON"; bad = 1; next }
	if (ino[$6] != $2 || state[$6] != $3) { print "cookie " $6 ": JSON has " ino[$6] " " state[$6] ", the summary " $2 " " $3; bad = 1 }
	for (k = 7; k < NF; k += 2) {
		key = $6 " " $4 " " $k
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
ua=$(awk '$1 == "unattributed" && ($4 + 0 != 0 || $6 + 0 != 0 || $8 + 0 != 0) {
	o = o (o == "" ? "unattributed (no namespace): " : ", ") $2 " allocs " $4 " frees " $6 " orphaned " $8
} END { print o }' /tmp/raw1)
assert_eq "show unattributed line" "$ua" "$(grep '^unattributed ' /tmp/show.out || true)"
assert_eq "show: no 'not settled' line (debugfs)" "" "$(grep '^not settled' /tmp/show.out || true)"
j() { json_fam /tmp/show.json "$B" "$1" "$2"; }
# The headroom of a limit the kernel does not enforce is marked "*".
mark() { # FAMILY: blue's mark, from the module's limit_enforced
	case "$(ns_value /tmp/raw1 "$B" "$1" limit_enforced)" in
	0) echo '*';;
	1) ;;
	*) echo "limit_enforced of blue $1 is not 0 or 1";;
	esac
}
assert_eq "blue first row" "blue alive ipv4" "$(table_head /tmp/show.out "$B")"
assert_eq "blue ipv4 row" "$(j ipv4 live) $(j ipv4 allocs) $(j ipv4 frees) 0 - - -" \
	"$(table_row /tmp/show.out "$B" ipv4)"
assert_eq "blue ipv6 row" "$(j ipv6 live) $(j ipv6 allocs) $(j ipv6 frees) 0 $rt6 0 $(headroom_pct "$rt6" "$(v6_limit blue)")$(mark ipv6)" \
	"$(table_row /tmp/show.out "$B" ipv6)"
assert_eq "blue xfrm4 row" "0 0 0 0 0 0 $(headroom_pct 0 "$(j xfrm4 gc_thresh)")$(mark xfrm4)" \
	"$(table_row /tmp/show.out "$B" xfrm4)"
# Marked rows: those of the summary with a headroom (a kernel count and a
# gc_thresh or max_size in 1..2^31-2) and limit_enforced 0; then one line.
nmarked=$(awk '$1 == "ns" {
	split("", v)
	for (i = 5; i < NF; i += 2) v[$i] = $(i + 1)
	lim = 0
	if (v["gc_thresh"] != "-" && v["gc_thresh"] + 0 > 0 && v["gc_thresh"] + 0 < 2147483647) lim = 1
	if (v["max_size"] != "-" && v["max_size"] + 0 > 0 && v["max_size"] + 0 < 2147483647) lim = 1
	if (lim && v["kernel"] != "-" && v["kernel"] + 0 >= 0 && v["limit_enforced"] == "0") n++
} END { print n + 0 }' /tmp/raw1)
assert_eq "rows marked '*'" "$nmarked" "$(grep -c '%\*$' /tmp/show.out || true)"
LEGEND="* limit not enforced by this kernel: reaching it fails no allocation"
if [ "$nmarked" -gt 0 ]; then
	assert_eq "show -a: the legend, last" "$LEGEND" "$(tail -n 1 /tmp/show.out)"
	assert_eq "show -a: one legend" 1 "$(grep -cxF "$LEGEND" /tmp/show.out)"
else
	assert_eq "show -a: no legend" 0 "$(grep -cxF "$LEGEND" /tmp/show.out || true)"
fi
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

# A summary cut short at a line boundary (its "end lines N" lost), or with a
# line missing, is refused (tools/README.md, Bad input): exit 2, nothing on
# stdout, "dstleak show: FILE:LINE: what".
mkdir -p /tmp/cut
snap /tmp/cut.full
cp /tmp/cut.full /tmp/cut/summary
run_rc /tmp/cut.out /tmp/cut.err dstleak show --source /tmp/cut
assert_eq "whole summary copy: exit status (stderr: $(cat /tmp/cut.err))" 0 "$RC"
sed '$d' /tmp/cut.full > /tmp/cut/summary
n=$(wc -l < /tmp/cut/summary)
run_rc /tmp/cut.out /tmp/cut.err dstleak show --source /tmp/cut
assert_eq "summary without its end line: exit status" 2 "$RC"
assert_eq "summary without its end line: stdout" "" "$(cat /tmp/cut.out)"
assert_eq "summary without its end line: stderr" \
	"dstleak show: /tmp/cut/summary:$n: truncated: the file ends without its 'end lines N' line" \
	"$(cat /tmp/cut.err)"
grep -v '^settled ' /tmp/cut.full > /tmp/cut/summary
assert_eq "one line dropped" $((n)) "$(wc -l < /tmp/cut/summary)"
run_rc /tmp/cut.out /tmp/cut.err dstleak show --source /tmp/cut
assert_eq "summary with a line missing: exit status" 2 "$RC"
assert_eq "summary with a line missing: stdout" "" "$(cat /tmp/cut.out)"
assert_eq "summary with a line missing: stderr" \
	"dstleak show: /tmp/cut/summary:$n: truncated or damaged: 'end lines $n' but $((n - 1)) lines before it" \
	"$(cat /tmp/cut.err)"

dh blue release
dh init release_inum "$V"
kill "$SP"
pass
