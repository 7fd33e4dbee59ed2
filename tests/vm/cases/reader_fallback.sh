#!/bin/sh
# The reader without debugfs: /proc/net/dstleak, its own namespace only.
#   - inside blue (`ip netns exec` remounts /sys: no debugfs there): show
#     says once on stderr that it reads /proc/net/dstleak, shows blue and
#     nothing else, with the helper's exact counts and blue's rt6_stats, the
#     headroom marked "*" where the module says the limit is not enforced,
#     and says the summary is not settled (the /proc file's "settled 0");
#     show --json has one namespace, its cookie, settled 0 and no probes;
#     watch over 3 rounds says it once; check is OK with "suspects not
#     checked (no debugfs)" (a lowest headroom only of an enforced limit),
#     sees a skew as drift "not settled" (WARNING), is UNKNOWN with
#     --max-suspects; suspects is exit 3; export has blue's series only,
#     labelled with blue's cookie;
#   - in the initial namespace with debugfs unmounted (a private mount
#     namespace): the same, showing only the initial namespace;
#   - module not loaded: every command exits 3 with one line on stderr that
#     says how to load it, nothing on stdout (check: its UNKNOWN line).
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak
load_helper
N=13
M=7
quiet_pair blue red
B=$(netns_inum blue)
R=$(netns_inum red)
I=$(init_inum)
quiesce "$B $R $I"
cp /tmp/q.summary /tmp/before
dh blue alloc4 veth0 $N
dh blue alloc6 veth0 $M
quiesce "$B $R $I"
NOTE_RE='^dstleak [a-z]*: /sys/kernel/debug/dstleak/summary: No such file or directory (debugfs not mounted or locked down); reading /proc/net/dstleak: this network namespace only$'
one_note() { # WHAT: stderr is exactly the fallback note
	assert_eq "$1: stderr lines" 1 "$(wc -l < /tmp/fb.err)"
	grep -q "$NOTE_RE" /tmp/fb.err || fail "$1: stderr is not the fallback note: $(cat /tmp/fb.err)"
}
# The show columns LIVE ALLOCS FREES FAILURES KERNEL DRIFT of a namespace's
# family, from the module's ns line (by name: format 2 has a cookie and more
# fields, never count positions).
ns_cols() { # FILE INUM FAMILY
	for _k in live allocs frees failures kernel drift; do
		ns_value "$1" "$2" "$3" $_k
	done | tr '\n' ' ' | sed 's/ $//'
}
# "*" when the module says the kernel does not enforce the limit.
mark() { # FILE INUM FAMILY
	case "$(ns_value "$1" "$2" "$3" limit_enforced)" in
	0) echo '*';;
	1) ;;
	*) echo "limit_enforced of $2 $3 is not 0 or 1";;
	esac
}
LEGEND="* limit not enforced by this kernel: reaching it fails no allocation"

# Inside blue.
ip netns exec blue cat /proc/net/dstleak > /tmp/fb.raw
assert_end /tmp/fb.raw
assert_eq "blue's /proc/net/dstleak is not settled" 0 "$(field /tmp/fb.raw settled)"
CB=$(ns_cookie /tmp/fb.raw "$B")
assert_eq "blue's cookie: /proc = debugfs" "$(ns_cookie "$DBG/summary" "$B")" "$CB"
run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak show -a
assert_eq "show in blue exit status" 0 "$RC"
one_note "show in blue"
assert_eq "show in blue first line" "module $DSTLEAK_VERSION, format $DSTLEAK_FORMAT, kernel $(uname -r) (/proc/net/dstleak)" \
	"$(head -n 1 /tmp/fb.out)"
assert_eq "namespaces shown in blue" "$B" "$(awk '/^NETNS / { t = 1; next } t && $2 ~ /^[0-9]+$/ && $1 !~ /^(ipv4|ipv6|xfrm4|xfrm6|other)$/ { print $2 }' /tmp/fb.out)"
assert_eq "blue's first row" "blue alive ipv4" "$(table_head /tmp/fb.out "$B")"
rt6=$(rt6_dst_entries blue)
for fam in ipv4 ipv6; do
	want=$N; [ $fam = ipv6 ] && want=$M
	row=$(table_row /tmp/fb.out "$B" $fam)
	a=$(ns_value /tmp/before "$B" $fam allocs)
	assert_eq "blue $fam allocs: $a + $want" $((a + want)) "$(echo "$row" | cut -d ' ' -f 2)"
	a=$(ns_value /tmp/before "$B" $fam live)
	assert_eq "blue $fam live: $a + $want" $((a + want)) "$(echo "$row" | cut -d ' ' -f 1)"
done
assert_eq "blue ipv6 kernel (via /proc) = rt6_stats" "$rt6" "$(table_row /tmp/fb.out "$B" ipv6 | cut -d ' ' -f 5)"
assert_eq "blue ipv6 headroom (via /proc)" "$(headroom_pct "$rt6" "$(v6_limit blue)")$(mark /tmp/fb.raw "$B" ipv6)" \
	"$(table_row /tmp/fb.out "$B" ipv6 | cut -d ' ' -f 7)"
if [ "$(mark /tmp/fb.raw "$B" ipv6)" = '*' ]; then
	assert_eq "show in blue: the legend, last" "$LEGEND" "$(tail -n 1 /tmp/fb.out)"
else
	assert_eq "show in blue: no legend" 0 "$(grep -cxF "$LEGEND" /tmp/fb.out || true)"
fi
assert_eq "show in blue: not settled" 1 "$(grep -c '^not settled: ' /tmp/fb.out)"
# The table is what the module's /proc file says in blue.
for fam in ipv4 ipv6 xfrm4 xfrm6 other; do
	assert_eq "blue $fam row = /proc/net/dstleak" \
		"$(ns_cols /tmp/fb.raw "$B" $fam)" \
		"$(table_row /tmp/fb.out "$B" $fam | cut -d ' ' -f 1-6)"
done

run_rc /tmp/fb.json /tmp/fb.err ip netns exec blue /usr/bin/dstleak show --json
assert_eq "show --json in blue exit status" 0 "$RC"
one_note "show --json in blue"
json_ok /tmp/fb.json
assert_eq "namespaces in blue's JSON" 1 "$(json_count /tmp/fb.json '{"inum":')"
assert_eq "blue's JSON namespace" '"blue"' "$(json_ns /tmp/fb.json "$B" name)"
assert_eq "blue's JSON ipv6 kernel" "$rt6" "$(json_fam /tmp/fb.json "$B" ipv6 kernel)"
assert_eq "blue's JSON cookie" "$CB" "$(json_ns /tmp/fb.json "$B" cookie)"
assert_eq "blue's JSON export_format and settled 0" 1 "$(json_count /tmp/fb.json "\"export_format\":$DSTLEAK_FORMAT,\"settled\":0,")"
assert_eq "probes in blue's JSON" 1 "$(json_count /tmp/fb.json '"probes":[],')"

run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak watch -n 3 -i 0.3
assert_eq "watch in blue exit status" 0 "$RC"
one_note "watch in blue (3 rounds)"
assert_eq "watch rounds" 3 "$(grep -c '^dstleak watch ' /tmp/fb.out)"

run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak check
assert_eq "check in blue exit status" 0 "$RC"
one_note "check in blue"
# Headroom is checked (and the lowest named) only where the limit is enforced.
if [ -z "$(mark /tmp/fb.raw "$B" ipv6)" ]; then
	assert_eq "check in blue" "DSTLEAK OK - 1 namespace, lowest headroom $(headroom_pct "$rt6" "$(v6_limit blue)") in netns blue ($B) ipv6, no drift, suspects not checked (no debugfs)" \
		"$(head -n 1 /tmp/fb.out | sed 's/ | .*//')"
else
	assert_eq "blue: no limit enforced" "" "$(awk '$1 == "ns" && $NF == 1' /tmp/fb.raw)"
	assert_eq "check in blue" "DSTLEAK OK - 1 namespace, no drift, suspects not checked (no debugfs)" \
		"$(head -n 1 /tmp/fb.out | sed 's/ | .*//')"
fi
dh blue skew ipv6 5
run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak check
assert_eq "check in blue, skewed: exit status" 1 "$RC"
assert_eq "check in blue, skewed (settled 0)" "DSTLEAK WARNING - netns blue ($B) ipv6 drift 5 (max 0), not settled" "$(head -n 1 /tmp/fb.out | sed 's/ | .*//')"
dh blue unskew
run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak check --max-suspects 0
assert_eq "check --max-suspects in blue: exit status" 3 "$RC"
assert_eq "check --max-suspects in blue" "DSTLEAK UNKNOWN - cannot check suspects: no suspects in /proc/net/dstleak (they are in debugfs only)" \
	"$(cat /tmp/fb.out)"

run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak suspects
assert_eq "suspects in blue: exit status" 3 "$RC"
assert_eq "suspects in blue: stdout" "" "$(cat /tmp/fb.out)"
assert_eq "suspects in blue: stderr" "dstleak suspects: no suspects in /proc/net/dstleak (they are in debugfs only)" \
	"$(sed -n 2p /tmp/fb.err)"

run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak export --prometheus
assert_eq "export in blue: exit status" 0 "$RC"
one_note "export in blue"
assert_eq "export in blue: namespaces" "netns=\"blue\",inum=\"$B\",cookie=\"$CB\"" \
	"$(grep -o 'netns="[^"]*",inum="[0-9]*",cookie="[0-9]*"' /tmp/fb.out | sort -u)"
assert_eq "export in blue: netns labels" "$(grep -c 'netns="' /tmp/fb.out)" "$(grep -c "netns=\"blue\",inum=\"$B\",cookie=\"$CB\"" /tmp/fb.out)"
assert_eq "export in blue: ipv4 allocs" "$(ns_value /tmp/fb.raw "$B" ipv4 allocs)" \
	"$(prom_sample /tmp/fb.out "dstleak_dst_allocs_total{netns=\"blue\",inum=\"$B\",cookie=\"$CB\",family=\"ipv4\"}")"
assert_eq "export in blue: settled" 0 "$(prom_sample /tmp/fb.out dstleak_settled)"

# The initial namespace, debugfs unmounted in a private mount namespace.
run_rc /tmp/fb.out /tmp/fb.err unshare -m /bin/sh -c 'umount /sys/kernel/debug && exec /usr/bin/dstleak show -a'
[ -r "$DBG/summary" ] || { mount -t debugfs none /sys/kernel/debug; fail "the umount reached the initial mount namespace"; }
assert_eq "show without debugfs: exit status" 0 "$RC"
one_note "show without debugfs"
assert_eq "namespaces shown without debugfs" "$I" "$(awk '/^NETNS / { t = 1; next } t && $2 ~ /^[0-9]+$/ && $1 !~ /^(ipv4|ipv6|xfrm4|xfrm6|other)$/ { print $2 }' /tmp/fb.out)"
cat /proc/net/dstleak > /tmp/fb.raw
assert_eq "/proc/net/dstleak: the initial namespace only" "$I" "$(awk '$1 == "ns" { print $2 }' /tmp/fb.raw | sort -u)"
assert_eq "init ipv6 row = /proc/net/dstleak" \
	"$(ns_cols /tmp/fb.raw "$I" ipv6)" \
	"$(table_row /tmp/fb.out "$I" ipv6 | cut -d ' ' -f 1-6)"

# Not loaded.
unload_helper
unload_dstleak
for cmd in show "show --json" suspects "export --prometheus" snapshot "watch -n 1" "diff /tmp/nosuch"; do
	# shellcheck disable=SC2086
	run_rc /tmp/fb.out /tmp/fb.err dstleak $cmd
	if [ "$cmd" = "diff /tmp/nosuch" ]; then
		# diff reads its snapshot first: a missing file is bad input.
		assert_eq "$cmd, not loaded: exit status" 2 "$RC"
		continue
	fi
	assert_eq "$cmd, not loaded: exit status" 3 "$RC"
	assert_eq "$cmd, not loaded: stdout" "" "$(cat /tmp/fb.out)"
	assert_eq "$cmd, not loaded: stderr" \
		"dstleak ${cmd%% *}: the dstleak module is not loaded (no /sys/kernel/debug/dstleak/summary, no /proc/net/dstleak); load it with \"modprobe dstleak\" or \"insmod dstleak.ko\"" \
		"$(cat /tmp/fb.err)"
done
run_rc /tmp/fb.out /tmp/fb.err ip netns exec blue /usr/bin/dstleak show
assert_eq "show in blue, not loaded: exit status" 3 "$RC"
assert_eq "show in blue, not loaded: stderr lines" 1 "$(wc -l < /tmp/fb.err)"
run_rc /tmp/fb.out /tmp/fb.err dstleak check
assert_eq "check, not loaded: exit status" 3 "$RC"
assert_eq "check, not loaded" \
	"DSTLEAK UNKNOWN - the dstleak module is not loaded (no /sys/kernel/debug/dstleak/summary, no /proc/net/dstleak); load it with \"modprobe dstleak\" or \"insmod dstleak.ko\"" \
	"$(cat /tmp/fb.out)"
pass
