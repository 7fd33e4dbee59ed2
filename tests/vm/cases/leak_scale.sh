#!/bin/sh
# Scale: the helper holds 1,000,000 entries; objects and suspects read to the
# end with a clean kernel log (no soft lockup, no RCU stall), and the
# tracking memory per entry stays within 48 bytes (records and buckets).
# vm-timeout: 600
# vm-mem: 2048
. /lib.sh
need_helper
N=1000000
load_dstleak max_tracked=1048576 suspect_age_s=0
load_helper
quiet_pair blue red
B=$(netns_inum blue)
dh blue alloc4 veth0 $N
dh blue dead
snap /tmp/s
assert_eq "blue ipv4 live" $N "$(ns_value /tmp/s "$B" ipv4 live)"
assert_eq "overflow" 0 "$(line_value /tmp/s tracking overflow)"
per=$(line_value /tmp/s tracking entry_bytes)
echo "tracking: $(grep '^tracking' /tmp/s)"
[ "$per" -le 48 ] || fail "tracking costs $per bytes an entry (target 48)"
t0=$(date +%s)
n=$(grep -c "^obj .* ns $B cookie [0-9]* family ipv4 " "$DBG/objects")
t1=$(date +%s)
assert_eq "objects lines of blue" $N "$n"
count=$(awk -v ns="$B" '$1 == "group" && $3 == ns && $7 == "ipv4" && $9 == "dead" { print $13 }' "$DBG/suspects")
t2=$(date +%s)
assert_eq "dead group count" $N "$count"
echo "read objects in $((t1 - t0)) s, suspects in $((t2 - t1)) s"
dh blue release
snap /tmp/after
assert_eq "blue ipv4 live after release" 0 "$(ns_value /tmp/after "$B" ipv4 live)"
pass
