#!/bin/sh
# `dstleak check` exit codes and summary lines, driven by real state:
#   0 OK        a quiet host: "DSTLEAK OK - N namespaces, ..., no drift, no
#               leak suspects", N the namespaces (cookies) of the summary, a
#               lowest headroom only when the module says a limit is enforced
#               (limit_enforced 1: not on kernels since "ipv6: remove
#               max_size check inline with ipv4", where no limit fails an
#               allocation);
#   1 WARNING   blue's IPv6 counter skewed by the helper (+7, the kernel's
#               rt6_stats moves, dstleak's expectation does not): "netns blue
#               (INUM) ipv6 drift 7 (max 0)"; OK with --max-drift 7, WARNING
#               again with --max-drift 6; OK after unskew;
#   2 CRITICAL  the helper holds IPv6 entries up to 94% of blue's limit: the
#               line names blue, the headroom computed from rt6_stats and the
#               sysctls, the kernel count and the limit; WARNING with
#               --crit-headroom below it, OK below both; a skew on top adds
#               "(and 1 more problem)". Where the kernel does not enforce
#               blue's IPv6 limit, the live check is OK (the skew alone a
#               WARNING), and the same figures are checked from a copy of the
#               summary whose blue IPv6 line says limit_enforced 1
#               (--source DIR, with the suspects file);
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
	# The status line's text; performance data after " | " (issue 15).
	LINE=$(head -n 1 /tmp/chk.out | sed 's/ | .*//')
	assert_eq "check $* status lines" 1 "$(grep -c '^DSTLEAK ' /tmp/chk.out)"
	case "$(head -n 1 /tmp/chk.out)" in
	"DSTLEAK UNKNOWN - "*) assert_eq "check $* UNKNOWN: one line" 1 "$(wc -l < /tmp/chk.out)" ;;
	*" | namespaces="*) ;;
	*) fail "check $*: no performance data: $(head -n 1 /tmp/chk.out)" ;;
	esac
	assert_eq "check $* stderr" "" "$(cat /tmp/chk.err)"
	assert_eq "check $* exit status (line: $LINE)" "$_want" "$RC"
}
# Namespaces of a summary: format 2 keys them on the cookie (ns INUM STATE
# FAMILY cookie COOKIE ...).
nscount() {
	awk '$1 == "ns" && $5 == "cookie" { print $6 }' "$1" | sort -u | wc -l
}
# How many ns lines of a summary have a limit the kernel enforces
# (limit_enforced 1, the last pair) and a headroom: a kernel count and a
# gc_thresh or max_size in 1..2^31-2.
enforced() {
	awk '$1 == "ns" && $(NF - 1) == "limit_enforced" && $NF == "1" {
		split("", v)
		for (i = 5; i < NF; i += 2) v[$i] = $(i + 1)
		lim = 0
		if (v["gc_thresh"] != "-" && v["gc_thresh"] + 0 > 0 && v["gc_thresh"] + 0 < 2147483647) lim = 1
		if (v["max_size"] != "-" && v["max_size"] + 0 > 0 && v["max_size"] + 0 < 2147483647) lim = 1
		if (lim && v["kernel"] != "-" && v["kernel"] + 0 >= 0) n++
	} END { print n + 0 }' "$1"
}
# An OK line: a lowest headroom only if a limit is enforced; then "no drift"
# and SUSPECTS ("no leak suspects" unless given).
ok_line() { # SUMMARY [SUSPECTS]: fails unless $LINE is it
	_n=$(nscount "$1")
	_s=${2:-no leak suspects}
	if [ "$(enforced "$1")" = 0 ]; then
		assert_eq "OK line (no limit enforced)" "DSTLEAK OK - $_n namespaces, no drift, $_s" "$LINE"
	else
		case "$LINE" in
		"DSTLEAK OK - $_n namespaces, lowest headroom "*"%"*", no drift, $_s") ;;
		*) fail "healthy check line: $LINE";;
		esac
	fi
}

quiet_pair blue red
B=$(netns_inum blue)
R=$(netns_inum red)
quiesce "$B $R $(init_inum)"

chk 0
snap /tmp/chk.sum
ok_line /tmp/chk.sum

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
E=$(ns_value "$DBG/summary" "$B" ipv6 limit_enforced)
# SRC: where an enforced limit is checked. The module itself where the
# kernel enforces blue's limit; else a copy of the summary (and suspects)
# that differs from it only in blue's IPv6 line saying limit_enforced 1.
enforced_copy() {
	rm -rf /tmp/enf
	mkdir /tmp/enf
	snap /tmp/enf.orig
	sed "/^ns $B alive ipv6 cookie /s/ limit_enforced 0\$/ limit_enforced 1/" /tmp/enf.orig > /tmp/enf/summary
	assert_eq "blue's IPv6 line in the copy" \
		"$(grep "^ns $B alive ipv6 cookie .* limit_enforced 0$" /tmp/enf.orig | sed 's/ 0$/ 1/')" \
		"$(grep "^ns $B alive ipv6 cookie " /tmp/enf/summary)"
	grep -v "^ns $B alive ipv6 cookie " /tmp/enf.orig > /tmp/enf.a
	grep -v "^ns $B alive ipv6 cookie " /tmp/enf/summary > /tmp/enf.b
	cmp -s /tmp/enf.a /tmp/enf.b || fail "the copy differs in more than blue's IPv6 line"
	cat "$DBG/suspects" > /tmp/enf/suspects
}
case "$E" in
1)
	SRC=""
	esum=$DBG/summary
	;;
0)
	# Not enforced: no alert, and no headroom in the OK line.
	chk 0
	ok_line "$DBG/summary"
	case "$LINE" in *"netns blue ($B) ipv6"*) fail "blue's unenforced limit in the OK line: $LINE";; esac
	chk 0 --warn-headroom 99 --crit-headroom 98
	ok_line "$DBG/summary"
	enforced_copy
	SRC="--source /tmp/enf"
	esum=/tmp/enf/summary
	;;
*) fail "blue's ipv6 limit_enforced: '$E'";;
esac
# shellcheck disable=SC2086
chk 2 $SRC
assert_eq "critical line" "DSTLEAK CRITICAL - netns blue ($B) ipv6 headroom $pct (kernel $k of $lname $L), below 10%" "$LINE"
# shellcheck disable=SC2086
chk 1 $SRC --crit-headroom 5
assert_eq "warning line" "DSTLEAK WARNING - netns blue ($B) ipv6 headroom $pct (kernel $k of $lname $L), below 20%" "$LINE"
# shellcheck disable=SC2086
chk 0 $SRC --warn-headroom 5 --crit-headroom 4
case "$LINE" in
"DSTLEAK OK - $(nscount "$esum") namespaces, lowest headroom $pct in netns blue ($B) ipv6, no drift, no leak suspects") ;;
*) fail "check line below both thresholds: $LINE";;
esac
dh blue skew ipv6 3
pct3=$(headroom_pct $((k + 3)) "$L")
if [ "$E" = 0 ]; then
	chk 1
	assert_eq "drift alone (limit not enforced)" "DSTLEAK WARNING - netns blue ($B) ipv6 drift 3 (max 0)" "$LINE"
	enforced_copy
fi
# shellcheck disable=SC2086
chk 2 $SRC
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
ok_line "$DBG/summary" "13 suspect dst entries (max 13)"
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
