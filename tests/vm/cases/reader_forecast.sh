#!/bin/sh
# `dstleak record` and the forecast on a real, steadily growing leak.
#
# The helper holds IPv6 entries in blue at 8 per second of wall clock (a
# loop that tops the count up to 8 x the seconds since it started, from
# /proc/uptime, so the rate does not depend on how fast the emulated CPU
# runs the loop). `dstleak record -i 2 -n 15` records 30 s of it; then
# `dstleak forecast --json` gives seconds_to_limit for blue's IPv6 kernel
# counter and the limit the reader uses (v6_limit: gc_thresh, set to 600
# in blue so that the leak reaches it in about a minute; the reader must
# take blue's own, not the default 1024 that red keeps). The leak goes on
# until the kernel's own counter (/proc/net/rt6_stats, independent of
# dstleak) reaches that limit: the forecast must be within 20 % of the
# time that really took, and the rate within 10 % of 8/s (28800/h).
#
# Where the module says the kernel enforces that limit (limit_enforced 1),
# `check --forecast 1` is a WARNING naming blue, the limit and its time;
# where not (Debian's 6.1 and 6.12 both have "ipv6: remove max_size check
# inline with ipv4": no limit fails an IPv6 allocation), the time to the
# limit is still forecast, marked "*", check --forecast says OK, and says
# WARNING on a copy of the recorded history whose blue IPv6 rows say the
# limit is enforced.
#
# Then a module reload between two samples: one-shot records before, while
# unloaded (exit 3, nothing written) and after: the history has a break,
# and no negative rate.
# vm-timeout: 420
. /lib.sh
need_reader
need_helper
load_dstleak
load_helper

RATE=8
quiet_pair blue red
B=$(netns_inum blue)
ip netns exec blue sh -c 'echo 600 > /proc/sys/net/ipv6/route/gc_thresh'
quiesce "$B"
L=$(v6_limit blue)
assert_eq "blue's IPv6 limit" 600 "$L"
base=$(rt6_dst_entries blue)
H=/tmp/forecast.hist

cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# The leak: held = RATE x seconds since start, topped up every 0.2 s.
grow() {
	set +x
	_t0=$(cs)
	_held=0
	while [ -e /tmp/grow.run ]; do
		_want=$((($(cs) - _t0) * RATE / 100))
		if [ "$_want" -gt "$_held" ]; then
			dh blue alloc6 veth0 $((_want - _held))
			_held=$_want
		fi
		sleep 0.2
	done
	touch /tmp/grow.done
}
touch /tmp/grow.run
grow &

run_rc /tmp/rec.out /tmp/rec.err dstleak record -i 2 -n 15 "$H"
assert_eq "record exit status ($(cat /tmp/rec.err))" 0 "$RC"
assert_eq "record stderr" "" "$(cat /tmp/rec.err)"
assert_eq "samples" 15 "$(grep -c '^s ' "$H")"

run_rc /tmp/fc.json /tmp/fc.err dstleak forecast --json "$H"
t_fc=$(cs)
assert_eq "forecast exit status ($(cat /tmp/fc.err))" 0 "$RC"
json_ok /tmp/fc.json
# blue's ipv6 series
sed "s/.*\"inum\":$B,[^}]*\"family\":\"ipv6\"//; s/}.*//" /tmp/fc.json > /tmp/fc.blue
fj() { grep -o "\"$1\":[^,]*" /tmp/fc.blue | head -1 | cut -d: -f2; }
grep -q "\"inum\":$B,[^}]*\"family\":\"ipv6\"" /tmp/fc.json || fail "no blue ipv6 series: $(cat /tmp/fc.json)"
eta=$(fj seconds_to_limit)
kph=$(fj kernel_per_hour)
case "$eta" in ''|null) fail "no time to the limit: $(cat /tmp/fc.json)";; esac
awk -v r="$kph" -v w=$((RATE * 3600)) 'BEGIN { d = r - w; if (d < 0) d = -d; exit !(d <= w / 10) }' ||
	fail "kernel rate $kph/h, want $((RATE * 3600))/h within 10%"
run_rc /tmp/fc.txt /tmp/fc.err dstleak forecast "$H"
cat /tmp/fc.txt

# The real time: until the kernel's counter reaches the limit.
while [ "$(rt6_dst_entries blue)" -lt "$L" ]; do
	[ $(($(cs) - t_fc)) -lt 30000 ] || fail "blue's IPv6 counter never reached $L"
	sleep 0.2
done
t_real=$(cs)
rm -f /tmp/grow.run
wait
[ -e /tmp/grow.done ] || fail "the leak loop died"
real=$(awk -v a="$t_fc" -v b="$t_real" 'BEGIN { printf "%.1f", (b - a) / 100 }')
echo "forecast ${eta}s, real ${real}s (limit $L, base $base, rate ${kph}/h)"
awk -v f="$eta" -v r="$real" 'BEGIN { d = f - r; if (d < 0) d = -d; exit !(d <= r * 0.2) }' ||
	fail "forecast ${eta}s to the limit $L, really ${real}s: more than 20% off"

# check --forecast: WARNING only where the kernel enforces the limit.
E=$(ns_value "$DBG/summary" "$B" ipv6 limit_enforced)
run_rc /tmp/chk.out /tmp/chk.err env DSTLEAK_RECORD="$H" dstleak check --forecast 1 --warn-headroom 0 --crit-headroom 0
LINE=$(cat /tmp/chk.out)
lname=max_size
[ "$L" = "$(ip netns exec blue cat /proc/sys/net/ipv6/route/gc_thresh)" ] && lname=gc_thresh
case "$E" in
1)
	assert_eq "check --forecast 1 exit ($LINE)" 1 "$RC"
	case "$LINE" in
	"DSTLEAK WARNING - netns blue ($B) ipv6 reaches $lname $L "*) ;;
	*) fail "check --forecast line: $LINE";;
	esac
	;;
0)
	assert_eq "check --forecast 1 exit, limit not enforced ($LINE)" 0 "$RC"
	grep -q "^blue .* $lname $L  *[0-9.]*[smhd]\*$" /tmp/fc.txt || fail "no marked time to the limit in the forecast"
	# The same recorded history with blue's IPv6 rows saying the limit is
	# enforced (ENFORCED, the 14th field): then it is a WARNING.
	awk -v b="$B" '$1 == "n" && $2 == b && $6 == "ipv6" { $14 = 1 } { print }' "$H" > /tmp/enf.hist
	run_rc /tmp/chk.out /tmp/chk.err env DSTLEAK_RECORD=/tmp/enf.hist dstleak check --forecast 1 --warn-headroom 0 --crit-headroom 0
	LINE=$(cat /tmp/chk.out)
	assert_eq "check --forecast 1 exit, limit marked enforced ($LINE)" 1 "$RC"
	case "$LINE" in
	"DSTLEAK WARNING - netns blue ($B) ipv6 reaches $lname $L "*) ;;
	*) fail "check --forecast line: $LINE";;
	esac
	;;
*) fail "limit_enforced of blue ipv6: '$E'";;
esac

# A module reload between samples is a break, not a negative rate.
dh blue release
wait_rcu
dstleak record "$H"
unload_dstleak
run_rc /tmp/r.out /tmp/r.err dstleak record "$H"
assert_eq "record without the module" 3 "$RC"
load_dstleak
dstleak record "$H"
assert_eq "samples after the reload" 17 "$(grep -c '^s ' "$H")"
run_rc /tmp/fc2.json /tmp/fc.err dstleak forecast --json "$H"
assert_eq "forecast after the reload" 0 "$RC"
grep -q '"breaks":1,' /tmp/fc2.json || fail "no break at the reload: $(head -c 300 /tmp/fc2.json)"
if grep -q '_per_hour":-[1-9]' /tmp/fc2.json; then
	fail "a negative rate after the reload: $(cat /tmp/fc2.json)"
fi
dstleak plot -o /tmp/forecast.svg "$H"
grep -q '>reload</text>' /tmp/forecast.svg || fail "the plot does not show the reload"
pass
