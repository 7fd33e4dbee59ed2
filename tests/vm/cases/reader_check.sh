#!/bin/sh
# `dstleak check` exit codes and summary lines, driven by real state:
#   0 OK        a quiet host: "DSTLEAK OK - N namespaces, ..., no drift, no
#               leak suspects", N the namespaces of the summary;
#   1 WARNING   blue's IPv6 counter skewed by the helper (+7, the kernel's
#               rt6_stats moves, dstleak's expectation does not): "netns blue
#               (INUM) ipv6 drift 7 (max 0)"; OK with --max-drift 7, WARNING
#               again with --max-drift 6; OK after unskew;
#   2 CRITICAL  the helper holds IPv6 entries up to 94% of blue's limit: the
#               line names blue, the headroom computed from rt6_stats and the
#               sysctls, the kernel count and the limit; WARNING with
#               --crit-headroom below it, OK below both; a skew on top adds
#               "(and 1 more problem)";
#   1 WARNING   dead entries held in blue (9) and red (4), suspect_age_s=1:
#               "13 suspect dst entries (max 0), most in netns blue (INUM): 9";
#               OK with --max-suspects 13; 15 re-homable entries of violet,
#               which has exited, and 9 in blue: "most in netns INUM (exited)";
#   3 UNKNOWN   bad options, and the module not loaded.
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak suspect_age_s=1
load_helper

chk() { # WANT_RC ARGS...: runs check, the line in $LINE
	_want=$1
	shift
	run_rc /tmp/chk.out /tmp/chk.err dstleak check "$@"
	LINE=$(cat /tmp/chk.out)
	assert_eq "check $* stdout lines" 1 "$(wc -l < /tmp/chk.out)"
	assert_eq "check $* stderr" "" "$(cat /tmp/chk.err)"
	assert_eq "check $* exit status (line: $LINE)" "$_want" "$RC"
}

quiet_pair blue red
B=$(netns_inum blue)
R=$(netns_inum red)
quiesce "$B $R $(init_inum)"
nns=$(awk '$1 == "ns" { print $2 }' "$DBG/summary" | sort -u | wc -l)

chk 0
case "$LINE" in
"DSTLEAK OK - $nns namespaces, lowest headroom "*"%"*", no drift, no leak suspects") ;;
*) fail "healthy check line: $LINE";;
esac

# Drift: the kernel's counter moves, dstleak's expectation does not.
k0=$(rt6_dst_entries blue)
dh blue skew ipv6 7
assert_eq "rt6_stats after skew" $((k0 + 7)) "$(rt6_dst_entries blue)"
chk 1
assert_eq "drift line" "DSTLEAK WARNING - netns blue ($B) ipv6 drift 7 (max 0)" "$LINE"
chk 0 --max-drift 7
case "$LINE" in
"DSTLEAK OK - "*", drift within 7, no leak suspects") ;;
*) fail "check --max-drift 7 line: $LINE";;
esac
chk 1 --max-drift 6
assert_eq "drift line, max 6" "DSTLEAK WARNING - netns blue ($B) ipv6 drift 7 (max 6)" "$LINE"
dh blue unskew
chk 0

# Headroom: hold real entries up to 94% of the limit.
L=$(v6_limit blue)
assert_ge "blue's IPv6 limit" 100 "$L"
gc=$(ip netns exec blue cat /proc/sys/net/ipv6/route/gc_thresh)
lname=max_size
[ "$L" = "$gc" ] && lname=gc_thresh
n=$((L * 94 / 100 - $(rt6_dst_entries blue)))
dh blue alloc6 veth0 $n
k=$(rt6_dst_entries blue)
pct=$(headroom_pct "$k" "$L")
chk 2
assert_eq "critical line" "DSTLEAK CRITICAL - netns blue ($B) ipv6 headroom $pct (kernel $k of $lname $L), below 10%" "$LINE"
chk 1 --crit-headroom 5
assert_eq "warning line" "DSTLEAK WARNING - netns blue ($B) ipv6 headroom $pct (kernel $k of $lname $L), below 20%" "$LINE"
chk 0 --warn-headroom 5 --crit-headroom 4
case "$LINE" in
"DSTLEAK OK - $nns namespaces, lowest headroom $pct in netns blue ($B) ipv6, no drift, no leak suspects") ;;
*) fail "check line below both thresholds: $LINE";;
esac
dh blue skew ipv6 3
pct3=$(headroom_pct $((k + 3)) "$L")
chk 2
assert_eq "critical and drift" "DSTLEAK CRITICAL - netns blue ($B) ipv6 headroom $pct3 (kernel $((k + 3)) of $lname $L), below 10% (and 1 more problem)" "$LINE"
dh blue unskew
dh blue release
chk 0

# Suspects: dead entries held past suspect_age_s.
dh blue alloc4 veth0 9
dh red alloc4 veth0 4
dh blue dead
dh red dead
sleep 1.2
chk 1
assert_eq "suspects line" "DSTLEAK WARNING - 13 suspect dst entries (max 0), most in netns blue ($B): 9" "$LINE"
chk 0 --max-suspects 13
chk 1 --max-suspects 12
assert_eq "suspects line, max 12" "DSTLEAK WARNING - 13 suspect dst entries (max 12), most in netns blue ($B): 9" "$LINE"
dh blue release
dh red release
chk 0

# Suspects of an exited namespace: named by its inode and "exited".
quiet_pair violet indigo
V=$(netns_inum violet)
dh violet rehome4 veth0 10.9.0.2 15
ip netns del violet
wait_until 10 sh -c "grep -q '^ns $V exited' $DBG/summary" || fail "violet not listed as exited"
dh blue alloc4 veth0 9
dh blue dead
sleep 1.2
chk 1
assert_eq "exited namespace's suspects line" "DSTLEAK WARNING - 24 suspect dst entries (max 0), most in netns $V (exited): 15" "$LINE"
dh blue release
dh init release_inum "$V"
chk 0

# UNKNOWN: bad options (not 2, which would read as CRITICAL) and no module.
run_rc /tmp/chk.out /tmp/chk.err dstleak check --warn-headroom abc
assert_eq "check --warn-headroom abc exit status" 3 "$RC"
run_rc /tmp/chk.out /tmp/chk.err dstleak check --crit-headroom 30
assert_eq "check --crit-headroom 30 (above warn) exit status" 3 "$RC"
unload_helper
unload_dstleak
chk 3
case "$LINE" in
"DSTLEAK UNKNOWN - the dstleak module is not loaded "*"modprobe dstleak"*) ;;
*) fail "not loaded line: $LINE";;
esac
pass
