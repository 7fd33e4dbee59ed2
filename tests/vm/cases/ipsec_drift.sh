#!/bin/sh
# Counter bug simulation on an IPsec host: the helper skews one container's
# xfrm4 dst counter; that container alone shows the drift, and the reader's
# check names it (exit 1, WARNING: the counts disagree; headroom, not drift,
# makes it CRITICAL). Restored, all is well again.
# vm-timeout: 180
. /lib.sh
need_helper
load_dstleak
load_helper
esp_pair xa xb 3
esp_pair xc xd 4
ping_loop xa 10.9.0.2 5
ping_loop xc 10.9.0.2 5
A=$(netns_inum xa)
dh xa skew xfrm4 40
snap /tmp/s
assert_eq "xa xfrm4 drift" 40 "$(ns_value /tmp/s "$A" xfrm4 drift)"
for ns in xb xc xd; do
	assert_eq "$ns xfrm4 drift" 0 "$(ns_value /tmp/s "$(netns_inum $ns)" xfrm4 drift)"
done
if [ -x /usr/bin/dstleak ]; then
	rc=0
	dstleak check --max-drift 0 > /tmp/check.out || rc=$?
	cat /tmp/check.out
	# Status and problem lines, not the performance data (issue 15).
	grep -v '^| ' /tmp/check.out | sed 's/ | .*//' > /tmp/check
	assert_eq "check exit status" 1 "$rc"
	grep -q "xa" /tmp/check || fail "check does not name xa: $(cat /tmp/check)"
	for ns in xb xc xd; do
		! grep -q "\\b$ns\\b" /tmp/check || fail "check names $ns: $(cat /tmp/check)"
	done
fi
dh xa unskew
snap /tmp/t
assert_eq "xa xfrm4 drift restored" 0 "$(ns_value /tmp/t "$A" xfrm4 drift)"
if [ -x /usr/bin/dstleak ]; then
	dstleak check --max-drift 0 > /tmp/check2 || fail "check after restore: $(cat /tmp/check2)"
fi
pass
