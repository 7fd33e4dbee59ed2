#!/bin/sh
# Without stacks, suspects are grouped by namespace, family and reason alone
# and show no stack. The writable parameters refuse bad values and keep the
# old ones; stacks can be switched on at runtime.
# vm-timeout: 120
. /lib.sh
need_helper
load_dstleak suspect_age_s=1
load_helper
P=/sys/module/dstleak/parameters
assert_eq "stacks default" N "$(cat $P/stacks)"
for bad in "stacks abc" "stack_sample 0" "stack_sample -3" "suspect_age_s x" "suspect_age_s 99999999999"; do
	set -- $bad
	old=$(cat "$P/$1")
	if echo "$2" > "$P/$1" 2>/dev/null; then
		fail "$1=$2 was accepted"
	fi
	assert_eq "$1 unchanged after $2" "$old" "$(cat "$P/$1")"
done
dmesg | grep -q "dstleak: stack_sample=0: must be" || fail "no kernel log line naming stack_sample"

quiet_pair blue red
B=$(netns_inum blue)
dh blue alloc4 veth0 20
dh blue dead
sleep 1.2
cat "$DBG/suspects" > /tmp/sus
assert_eq "group line" "group ns $B family ipv4 reason dead device - count 20" \
	"$(awk '$1 == "group" { print $1, $2, $3, $6, $7, $8, $9, $10, $11, $12, $13 }' /tmp/sus)"
assert_eq "stack lines without stacks" 0 "$(grep -c '^stack' /tmp/sus || true)"

echo 1 > $P/stacks
echo 4 > $P/stack_sample
dh blue alloc4 veth0 8
dh blue dead
sleep 1.2
cat "$DBG/suspects" > /tmp/sus2
# With stacks on, the 28 dead entries split by stack: 2 of the 8 new ones
# were sampled (1 in 4) and carry one; the rest have none.
assert_eq "dead entries in all groups" 28 \
	"$(awk '$1 == "group" { n += $13 } END { print n }' /tmp/sus2)"
grep -q '^stack dsthelper_hold_v4+' /tmp/sus2 || fail "no sampled stack"
dh blue release
pass
