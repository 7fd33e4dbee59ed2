#!/bin/sh
# `dstleak export --prometheus` against the real module. The helper holds N
# IPv4 and M IPv6 entries in blue, 6 dead IPv4 entries in red, and K
# re-homable IPv4 entries in violet, which then exits (suspect_age_s=1):
#   - the text format: every line a HELP, TYPE or sample line; one HELP and
#     one TYPE per metric, before its samples, which are contiguous; counters
#     end in _total, gauges in a unit (_entries, _bytes, _seconds, _ratio),
#     but for _info and the 0/1 flags ("1 when"); no series twice; values
#     are numbers; suspects carry device="" when the group has no device;
#   - exact samples with exact label sets: dstleak_info; blue's allocs/live
#     moved by exactly N/M; blue's IPv6 kernel entries = rt6_stats, gc_thresh
#     = its sysctl, headroom ratio from those; the global IPv4 kernel entries
#     = /proc/net/stat/rt_cache; no per-namespace IPv4 kernel sample (the
#     module says "-"); dstleak_netns_exited 1 for violet, 0 for blue;
#     suspect entries 6 (red, dead) and K (violet, netns_exited), oldest
#     >= 1 s;
#   - labels of a namespace: netns (its ip netns name, else its inode: violet
#     has exited, the initial namespace has only processes, never comm[pid]),
#     inum, and cookie (the module's);
#   - every figure of every namespace in the module's summary taken around
#     it has its sample ("-": none), and its dstleak_netns_exited; every
#     suspect group its series; the unattributed lines, settled and the
#     suspects' dropped their samples;
#   - -o FILE writes the same by rename, mode 0644, no temporary left over.
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak suspect_age_s=1
load_helper
N=29
M=17
K=8
quiet_pair blue red
quiet_pair violet indigo
B=$(netns_inum blue)
R=$(netns_inum red)
V=$(netns_inum violet)
I=$(init_inum)
quiesce "$B $R $V $I"
dstleak export --prometheus > /tmp/before.prom

dh blue alloc4 veth0 $N
dh blue alloc6 veth0 $M
dh red alloc4 veth0 6
dh red dead
dh violet rehome4 veth0 10.9.0.2 $K
ip netns del violet
wait_until 10 sh -c "grep -q '^ns $V exited' $DBG/summary" || fail "violet not listed as exited"
ip netns del indigo
wait_until 10 sh -c "grep -q 'reason dead' $DBG/suspects" || fail "red's dead entries are not suspects"

_try=0
while :; do
	snap /tmp/raw1
	cat "$DBG/suspects" > /tmp/sus
	run_rc /tmp/prom /tmp/prom.err dstleak export --prometheus
	rt6=$(rt6_dst_entries blue)
	rtc=$(rt_cache_entries)
	snap /tmp/raw2
	grep -v '^probe ' /tmp/raw1 > /tmp/raw1.np
	grep -v '^probe ' /tmp/raw2 > /tmp/raw2.np
	cmp -s /tmp/raw1.np /tmp/raw2.np && break
	_try=$((_try + 1))
	[ $_try -lt 5 ] || fail "the summary kept changing while the reader ran"
done
assert_eq "export exit status" 0 "$RC"
assert_eq "export stderr" "" "$(cat /tmp/prom.err)"

# The exposition format.
awk '
function bad(why) { print "line " NR ": " why ": " $0; exit 1 }
/^# HELP / {
	if ($3 in help) bad("second HELP for " $3)
	help[$3] = $4 " " $5
	next
}
/^# TYPE / {
	if ($3 in type) bad("second TYPE for " $3)
	if ($4 != "gauge" && $4 != "counter") bad("type " $4)
	if (!($3 in help)) bad("TYPE before HELP")
	if ($4 == "counter" && $3 !~ /_total$/) bad("counter without _total")
	if ($4 == "gauge" && $3 ~ /_total$/) bad("gauge with _total")
	# A gauge has a unit, or is the info metric, or a 0/1 flag ("1 when").
	if ($4 == "gauge" && $3 !~ /_(entries|bytes|seconds|ratio|info)$/ && help[$3] != "1 when")
		bad("gauge without a unit")
	type[$3] = $4
	next
}
/^#/ { bad("comment") }
{
	if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="([^"\\]|\\.)*"(,[a-z_]+="([^"\\]|\\.)*")*\})? -?[0-9]+(\.[0-9]+)?$/)
		bad("not a sample line")
	name = $1
	sub(/\{.*/, "", name)
	if (!(name in type)) bad("sample without TYPE")
	if (name != last && (name in ended)) bad("samples of " name " not contiguous")
	if (last != "" && name != last) ended[last] = 1
	last = name
	series = $1
	if (series in seen) bad("series twice")
	seen[series] = 1
	n++
}
END { if (!n) { print "no samples"; exit 1 } }' /tmp/prom > /tmp/prom.why ||
	fail "not the Prometheus text format: $(cat /tmp/prom.why)"

# The module's "dropped N" (suspects past its group limit); it prints the
# line only when N is not 0.
sus_dropped() {
	awk '$1 == "dropped" { n++; d = $2 } END { print n ? d : 0 }' "$1"
}
p() { prom_sample /tmp/prom "$1"; }
pb() { prom_sample /tmp/before.prom "$1"; }
# Cookies as the module gives them (the same in before.prom: never reused).
CB=$(ns_cookie /tmp/raw1 "$B")
CR=$(ns_cookie /tmp/raw1 "$R")
CV=$(ns_cookie /tmp/raw1 "$V")
CI=$(ns_cookie /tmp/raw1 "$I")
for c in "$CB" "$CR" "$CV" "$CI"; do
	case "$c" in ''|*[!0-9]*) fail "no cookie in the summary for $B $R $V $I: '$CB' '$CR' '$CV' '$CI'";; esac
done
bl="netns=\"blue\",inum=\"$B\",cookie=\"$CB\""
assert_eq "dstleak_info" 1 "$(p "dstleak_info{module_version=\"$DSTLEAK_VERSION\",kernel=\"$(uname -r)\",format=\"$DSTLEAK_FORMAT\"}")"
for fam in ipv4 ipv6; do
	want=$N; [ $fam = ipv6 ] && want=$M
	for m in dstleak_dst_allocs_total dstleak_dst_live_entries; do
		a=$(pb "$m{$bl,family=\"$fam\"}")
		assert_eq "$m blue $fam: $a + $want" $((a + want)) "$(p "$m{$bl,family=\"$fam\"}")"
	done
	assert_eq "dstleak_dst_frees_total blue $fam moved" "$(pb "dstleak_dst_frees_total{$bl,family=\"$fam\"}")" \
		"$(p "dstleak_dst_frees_total{$bl,family=\"$fam\"}")"
done
assert_eq "blue ipv6 kernel entries = rt6_stats" "$rt6" "$(p "dstleak_dst_kernel_entries{$bl,family=\"ipv6\"}")"
assert_eq "blue ipv6 drift" 0 "$(p "dstleak_dst_drift_entries{$bl,family=\"ipv6\"}")"
assert_eq "blue ipv6 gc_thresh = sysctl" "$(ip netns exec blue cat /proc/sys/net/ipv6/route/gc_thresh)" \
	"$(p "dstleak_dst_gc_thresh_entries{$bl,family=\"ipv6\"}")"
L=$(v6_limit blue)
assert_eq "blue ipv6 headroom ratio" "$(awk -v k="$rt6" -v l="$L" 'BEGIN { printf "%.6f", (l - k) / l }')" \
	"$(p "dstleak_dst_headroom_ratio{$bl,family=\"ipv6\"}")"
assert_eq "no blue ipv4 kernel sample" "" "$(p "dstleak_dst_kernel_entries{$bl,family=\"ipv4\"}")"
assert_eq "global ipv4 kernel = rt_cache" "$rtc" "$(p 'dstleak_global_dst_kernel_entries{family="ipv4"}')"
assert_eq "global ipv4 drift" 0 "$(p 'dstleak_global_dst_drift_entries{family="ipv4"}')"
assert_eq "blue not exited" 0 "$(p "dstleak_netns_exited{$bl}")"
vl="netns=\"$V\",inum=\"$V\",cookie=\"$CV\""
assert_eq "violet exited (labelled by its inode)" 1 "$(p "dstleak_netns_exited{$vl}")"
# The initial namespace has no ip netns name: labelled by its inode, not
# by a process in it (which would start new series when it restarts).
for f in /run/netns/*; do
	[ ! -e "$f" ] || [ "$(stat -L -c %i "$f")" != "$I" ] || fail "the initial namespace has an ip netns name: $f"
done
assert_eq "init labelled by its inode" 0 "$(p "dstleak_netns_exited{netns=\"$I\",inum=\"$I\",cookie=\"$CI\"}")"
assert_eq "no comm[pid] netns label" "" "$(grep -o 'netns="[^"]*\[[0-9]*\]"' /tmp/prom | head -n 3)"
assert_eq "violet ipv4 live" "$K" "$(p "dstleak_dst_live_entries{$vl,family=\"ipv4\"}")"
assert_eq "tracked entries" "$(line_value /tmp/raw1 tracking tracked)" "$(p dstleak_tracked_entries)"

# The suspects: exact counts from the helper, series from the module's groups.
# group ns INUM cookie C family F reason R device D count N ...
rl="netns=\"red\",inum=\"$R\",cookie=\"$CR\",family=\"ipv4\",reason=\"dead\""
rdev=$(awk -v ns="$R" '$1 == "group" && $3 == ns && $7 == "ipv4" && $9 == "dead" { print $11; exit }' /tmp/sus)
# Every suspect series has a device label, "" when the group has none.
[ "$rdev" = - ] && rdev=
rl="$rl,device=\"$rdev\""
assert_eq "red dead suspects" 6 "$(p "dstleak_suspect_entries{$rl}")"
vdev=$(awk -v ns="$V" '$1 == "group" && $3 == ns && $9 == "netns_exited" { print $11; exit }' /tmp/sus)
assert_ge "violet's netns_exited group in the module's file" 1 "$(grep -c "^group ns $V cookie $CV family ipv4 reason netns_exited " /tmp/sus)"
vlab="$vl,family=\"ipv4\",reason=\"netns_exited\""
[ "$vdev" = - ] && vdev=
vlab="$vlab,device=\"$vdev\""
assert_eq "violet netns_exited suspects" "$K" "$(p "dstleak_suspect_entries{$vlab}")"
old=$(p "dstleak_suspect_oldest_seconds{$rl}")
case "$old" in
[1-9].[0-9][0-9][0-9]|[1-9][0-9]*.[0-9][0-9][0-9]) ;;
*) fail "red dead oldest seconds: '$old' (want >= 1 s, three decimals)";;
esac
assert_eq "suspect series" \
	"$(awk '$1 == "group" { print $5, $7, $9, $11 }' /tmp/sus | sort -u | wc -l)" \
	"$(grep -c '^dstleak_suspect_entries{' /tmp/prom)"
assert_eq "dropped suspects = module's" "$(sus_dropped /tmp/sus)" "$(p dstleak_suspect_dropped_entries)"
assert_eq "settled = module's" "$(field /tmp/raw1 settled)" "$(p dstleak_settled)"
assert_eq "settled (debugfs summary)" 1 "$(p dstleak_settled)"
for fam in ipv4 ipv6 xfrm4 xfrm6 other; do
	for k in allocs frees orphaned; do
		u=$(unattr_value /tmp/raw1 "$fam" "$k")
		case "$u" in ''|*[!0-9]*) fail "no unattributed $fam $k in the summary: '$u'";; esac
		assert_eq "unattributed $fam $k" "$u" "$(p "dstleak_unattributed_${k}_total{family=\"$fam\"}")"
	done
done

# Every figure of every namespace: the sample the module's line calls for,
# or none for "-". A namespace's netns label: the name of its file in
# /run/netns if it is alive and has one, else its inode.
for f in /run/netns/*; do
	if [ -e "$f" ]; then echo "$(stat -L -c %i "$f") ${f#/run/netns/}"; fi
done > /tmp/netns.names
awk '
BEGIN {
	m["allocs"] = "dstleak_dst_allocs_total"; m["frees"] = "dstleak_dst_frees_total"
	m["frees_preexisting"] = "dstleak_dst_frees_preexisting_total"
	m["live"] = "dstleak_dst_live_entries"; m["peak"] = "dstleak_dst_live_peak_entries"
	m["failures"] = "dstleak_dst_alloc_failures_total"
	m["untracked"] = "dstleak_dst_untracked_entries"; m["orphaned"] = "dstleak_dst_orphaned_total"
	m["kernel"] = "dstleak_dst_kernel_entries"; m["drift"] = "dstleak_dst_drift_entries"
	m["gc_thresh"] = "dstleak_dst_gc_thresh_entries"; m["max_size"] = "dstleak_dst_max_size_entries"
	m["limit_enforced"] = "dstleak_dst_limit_enforced"
}
FILENAME == "/tmp/netns.names" { if (!($1 in name) || $2 < name[$1]) name[$1] = $2; next }
FILENAME == "/tmp/prom" { if ($1 !~ /^#/) { v[$1] = $2 }; next }
$1 == "ns" {
	# ns INUM STATE FAMILY cookie COOKIE allocs N ...
	if ($5 != "cookie") { print "no cookie: " $0; bad = 1; next }
	l = ($3 == "alive" && ($2 in name)) ? name[$2] : $2
	nl = "netns=\"" l "\",inum=\"" $2 "\",cookie=\"" $6 "\""
	e = "dstleak_netns_exited{" nl "}"
	if (!(e in v) || v[e] != ($3 == "exited" ? "1" : "0")) { print e ": expected " ($3 == "exited") ", got " ((e in v) ? v[e] : "no sample"); bad = 1 }
	for (k = 7; k < NF; k += 2) {
		if (!($k in m)) { print "a field the test does not know: " $k; bad = 1; continue }
		s = m[$k] "{" nl ",family=\"" $4 "\"}"
		n++
		if ($(k + 1) == "-") {
			if (s in v) { print "a sample for \"-\": " s " " v[s]; bad = 1 }
		} else if (!(s in v) || v[s] != $(k + 1)) {
			print s ": expected " $(k + 1) ", got " ((s in v) ? v[s] : "no sample"); bad = 1
		}
	}
}
END { if (n < 100) { print "only " n " figures"; bad = 1 }; exit bad }' /tmp/netns.names /tmp/prom /tmp/raw1 > /tmp/fig.why ||
	fail "export against the summary: $(head -n 5 /tmp/fig.why | tr '\n' '|')"
assert_eq "dstleak_netns_exited series = the summary's namespaces" \
	"$(awk '$1 == "ns" { print $6 }' /tmp/raw1 | sort -u | wc -l)" "$(grep -c '^dstleak_netns_exited{' /tmp/prom)"

# -o FILE: the same, by rename.
mkdir -p /tmp/textfile
dstleak export --prometheus -o /tmp/textfile/dstleak.prom
assert_eq "-o file mode" 644 "$(stat -c %a /tmp/textfile/dstleak.prom)"
assert_eq "files in the textfile directory" dstleak.prom "$(ls /tmp/textfile)"
s="dstleak_dst_allocs_total{$bl,family=\"ipv4\"}"
assert_eq "-o file: $s" "$(p "$s")" "$(prom_sample /tmp/textfile/dstleak.prom "$s")"
assert_eq "-o file: metrics" "$(grep -c '^# TYPE' /tmp/prom)" "$(grep -c '^# TYPE' /tmp/textfile/dstleak.prom)"

dh blue release
dh red release
dh init release_inum "$V"
pass
