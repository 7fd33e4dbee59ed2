#!/bin/sh
# `dstleak snapshot` and `dstleak diff` against the real module:
#   - a snapshot is a 0600 file: the header (host, boot_id of this boot,
#     source), then the module's summary verbatim;
#   - the helper allocates N IPv4 and M IPv6 entries in blue: diff against
#     the snapshot shows exactly +N/+M allocs and live, 0 frees, blue's IPv6
#     kernel figure = rt6_stats moved by +M; red unchanged is not listed;
#   - after release, diff between two snapshot files shows N/M frees and
#     -N/-M live; from the first to the last, +0 live;
#   - a namespace created since is "new", one deleted since "gone";
#   - inside blue (/proc/net/dstleak): a snapshot of blue alone, diff +M;
#     against everything now: the other namespaces are "not in OLD";
#   - the module reloaded since: "reset", never a number, and a note;
#   - a snapshot from another host is refused (exit 2) unless --force.
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak
load_helper
N=41
M=19
quiet_pair blue red
ip netns add gray
B=$(netns_inum blue)
R=$(netns_inum red)
Y=$(netns_inum gray)
I=$(init_inum)
quiesce "$B $R $Y $I"

run_rc /tmp/d.out /tmp/d.err dstleak snapshot /tmp/s1
assert_eq "snapshot exit status" 0 "$RC"
snap /tmp/raw1
assert_eq "snapshot mode" 600 "$(stat -c %a /tmp/s1)"
assert_eq "snapshot header" "dstleak-snapshot 1|host $(hostname)|boot_id $(cat /proc/sys/kernel/random/boot_id)" \
	"$(head -n 3 /tmp/s1 | tr '\n' '|' | sed 's/|$//')"
assert_eq "snapshot source" "source $DBG/summary" "$(sed -n 5p /tmp/s1)"
grep -v '^probe ' /tmp/raw1 > /tmp/raw1.np
sed -n '6,$p' /tmp/s1 | grep -v '^probe ' > /tmp/s1.np
cmp -s /tmp/raw1.np /tmp/s1.np || fail "the snapshot's body is not the summary: $(diff /tmp/raw1.np /tmp/s1.np | head -n 6 | tr '\n' '|')"
rt6a=$(rt6_dst_entries blue)

dh blue alloc4 veth0 $N
dh blue alloc6 veth0 $M
rt6=$(rt6_dst_entries blue)
assert_eq "rt6_stats moved" $((rt6a + M)) "$rt6"
run_rc /tmp/d.out /tmp/d.err dstleak diff /tmp/s1
assert_eq "diff exit status" 0 "$RC"
assert_eq "diff stderr" "" "$(cat /tmp/d.err)"
case "$(head -n 1 /tmp/d.out)" in
"from /tmp/s1 to now: "[0-9]*.[0-9]" seconds") ;;
*) fail "diff first line: $(head -n 1 /tmp/d.out)";;
esac
# Columns after FAMILY: ALLOCS ALLOCS/s FREES FREES/s FAILURES LIVE +/- KERNEL +/- DRIFT
cols() { table_row /tmp/d.out "$1" "$2" | awk '{ print $1, $3, $5, $6, $7, $8, $9, $10 }'; }
lv4=$(ns_value /tmp/raw1 "$B" ipv4 live)
lv6=$(ns_value /tmp/raw1 "$B" ipv6 live)
assert_eq "diff blue ipv4" "$N 0 0 $((lv4 + N)) +$N - - -" "$(cols "$B" ipv4)"
assert_eq "diff blue ipv6" "$M 0 0 $((lv6 + M)) +$M $rt6 +$M 0" "$(cols "$B" ipv6)"
assert_eq "diff blue first row" "blue alive ipv4" "$(table_head /tmp/d.out "$B")"
assert_eq "diff: red unchanged, not listed" "" "$(grep -w "$R" /tmp/d.out || true)"
assert_eq "diff: blue's idle families not listed" "" "$(table_row /tmp/d.out "$B" xfrm4)"

dstleak snapshot /tmp/s2 > /dev/null
dh blue release
dstleak snapshot /tmp/s3 > /dev/null
run_rc /tmp/d.out /tmp/d.err dstleak diff /tmp/s2 /tmp/s3
assert_eq "diff s2 s3 exit status" 0 "$RC"
case "$(head -n 1 /tmp/d.out)" in
"from /tmp/s2 to /tmp/s3: "*" seconds") ;;
*) fail "diff s2 s3 first line: $(head -n 1 /tmp/d.out)";;
esac
assert_eq "diff s2 s3 blue ipv4" "0 $N 0 $lv4 -$N - - -" "$(cols "$B" ipv4)"
assert_eq "diff s2 s3 blue ipv6" "0 $M 0 $lv6 -$M $rt6a -$M 0" "$(cols "$B" ipv6)"
dstleak diff /tmp/s1 /tmp/s3 > /tmp/d.out
assert_eq "diff s1 s3 blue ipv4" "$N $N 0 $lv4 +0 - - -" "$(cols "$B" ipv4)"

# New and gone namespaces.
quiet_pair green yellow
G=$(netns_inum green)
ip netns del gray
wait_until 10 sh -c "! grep -q '^ns $Y ' $DBG/summary" || fail "gray still listed after deletion"
dstleak diff /tmp/s3 > /tmp/d.out
assert_eq "diff: green is new" "green new" "$(table_head /tmp/d.out "$G" | cut -d ' ' -f 1-2)"
assert_eq "diff: gray is gone" "- gone" "$(table_head /tmp/d.out "$Y" | cut -d ' ' -f 1-2)"

# Inside blue (no debugfs there): snapshots of /proc/net/dstleak, blue only.
ip netns exec blue /usr/bin/dstleak snapshot /tmp/sb > /dev/null 2>&1
assert_eq "blue's snapshot source" "source /proc/net/dstleak" "$(sed -n 5p /tmp/sb)"
dh blue alloc6 veth0 $M
run_rc /tmp/d.out /tmp/d.err ip netns exec blue /usr/bin/dstleak diff /tmp/sb
assert_eq "diff in blue: exit status" 0 "$RC"
assert_eq "diff in blue: stderr lines (the fallback note)" 1 "$(wc -l < /tmp/d.err)"
assert_eq "diff in blue: ipv6" "$M 0 0 $((lv6 + M)) +$M $((rt6a + M)) +$M 0" "$(cols "$B" ipv6)"
assert_eq "diff in blue: namespaces" "$B" "$(awk '/^NETNS / { t = 1; next } t && $2 ~ /^[0-9]+$/ && $1 !~ /^(ipv4|ipv6|xfrm4|xfrm6|other)$/ { print $2 }' /tmp/d.out)"
# blue's /proc snapshot against all namespaces now: the others were not seen.
dstleak diff /tmp/sb > /tmp/d.out
assert_eq "diff of blue's snapshot: red not in OLD" "red not" "$(table_head /tmp/d.out "$R" | cut -d ' ' -f 1-2)"
assert_eq "diff of blue's snapshot: blue ipv6" "$M 0 0 $((lv6 + M)) +$M $((rt6a + M)) +$M 0" "$(cols "$B" ipv6)"
dh blue release

# The module reloaded since the snapshot: counters went backwards.
dh blue alloc4 veth0 3
dstleak snapshot /tmp/s4 > /dev/null
dh blue release
unload_dstleak
load_dstleak
dh blue alloc4 veth0 2
run_rc /tmp/d.out /tmp/d.err dstleak diff /tmp/s4
assert_eq "diff across a reload: exit status" 0 "$RC"
assert_eq "diff across a reload: blue ipv4 allocs and frees" "reset reset" \
	"$(table_row /tmp/d.out "$B" ipv4 | awk '{ print $1, $3 }')"
grep -q "some counters went backwards (module reloaded since /tmp/s4?): shown as reset" /tmp/d.err ||
	fail "no reset note: $(cat /tmp/d.err)"
dh blue release

# Another host's snapshot.
sed 's/^host .*/host elsewhere.example/' /tmp/s3 > /tmp/s3f
run_rc /tmp/d.out /tmp/d.err dstleak diff /tmp/s3f
assert_eq "diff with another host's snapshot: exit status" 2 "$RC"
assert_eq "diff with another host's snapshot: stderr lines" 1 "$(wc -l < /tmp/d.err)"
grep -q '/tmp/s3f' /tmp/d.err || fail "the refusal does not name the file: $(cat /tmp/d.err)"
run_rc /tmp/d.out /tmp/d.err dstleak diff --force /tmp/s3f
assert_eq "diff --force with another host's snapshot: exit status" 0 "$RC"
pass
