#!/bin/sh
# Drift detection: the helper skews blue's IPv6 dst counter by K (a kernel
# accounting bug, simulated); blue alone shows drift K, for both signs;
# restoring the counter brings it back to 0.
# vm-timeout: 120
. /lib.sh
need_helper
load_dstleak
load_helper
quiet_pair blue red
B=$(netns_inum blue)
R=$(netns_inum red)
I=$(init_inum)
dh blue alloc6 veth0 10
# Link-up chatter (MLD) frees entries for a few seconds: let it pass, so
# that only the skew moves a counter.
quiesce "$B $R $I"
for K in 13 -5; do
	dh blue skew ipv6 $K
	snap /tmp/skewed
	assert_eq "blue ipv6 drift after skew $K" $K "$(ns_value /tmp/skewed $B ipv6 drift)"
	assert_eq "blue ipv6 kernel = rt6_stats" "$(rt6_dst_entries blue)" "$(ns_value /tmp/skewed $B ipv6 kernel)"
	for other in $R $I; do
		assert_eq "ns $other ipv6 drift" 0 "$(ns_value /tmp/skewed $other ipv6 drift)"
	done
	for fam in xfrm4 xfrm6; do
		assert_eq "blue $fam drift" 0 "$(ns_value /tmp/skewed $B $fam drift)"
	done
	dh blue unskew
	snap /tmp/restored
	assert_eq "blue ipv6 drift after unskew" 0 "$(ns_value /tmp/restored $B ipv6 drift)"
done
dh blue skew xfrm4 21
snap /tmp/x
assert_eq "blue xfrm4 drift" 21 "$(ns_value /tmp/x $B xfrm4 drift)"
assert_eq "red xfrm4 drift" 0 "$(ns_value /tmp/x $R xfrm4 drift)"
dh blue unskew
dh blue release
pass
