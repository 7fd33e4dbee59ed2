#!/bin/sh
# `dstleak objects` against the helper's known holdings. In a quiet pair
# (blue, red), the helper holds exactly N IPv4 and M IPv6 entries in blue:
#   - the helper's own count (held4/held6 of its ctl file) says N and M;
#   - `dstleak objects --json --netns blue --family ipv4` lists exactly N
#     more entries than before, ipv6 M more, red none more; the same
#     namespace selected by inode and by cookie gives the same count, and
#     --family ipv4,ipv6 their sum;
#   - the count equals the module's objects file (lines of blue's cookie and
#     that family), read around the reader until it is stable;
#   - the table has one row per entry (all ipv4, all blue's inode), --top K
#     K rows, and no trailing blanks;
#   - after "dh blue dead", --reason dead lists exactly N + M more entries
#     of blue (the helper's, obsolete 2), and none of red's;
#   - after release, blue is back to its count before.
# vm-timeout: 150
. /lib.sh
need_reader
need_helper
load_dstleak
load_helper
N=37
M=23
quiet_pair blue red
B=$(netns_inum blue)
R=$(netns_inum red)
quiesce "$B $R"
snap /tmp/s0
CB=$(ns_cookie /tmp/s0 "$B")

# objs ARGS...: CNT = how many entries `dstleak objects --json ARGS` lists.
# (Never in a command substitution: a failure there would not end the case.)
objs() {
	run_rc /tmp/o.json /tmp/o.err dstleak objects --json "$@"
	[ "$RC" = 0 ] || fail "dstleak objects --json $*: exit $RC: $(cat /tmp/o.err)"
	[ ! -s /tmp/o.err ] || fail "dstleak objects --json $*: stderr: $(cat /tmp/o.err)"
	json_ok /tmp/o.json
	CNT=$(json_count /tmp/o.json '"object":')
}
# raw FAMILY: the module's objects file lines of blue and FAMILY.
raw() {
	grep -c "^obj [^ ]* ns $B cookie $CB family $1 " "$DBG/objects" || true
}
# stable FAMILY: CNT = the reader's count of blue's FAMILY, checked against
# the module's objects file read before and after it (retried if it moved).
stable() {
	_t=0
	while :; do
		_a=$(raw "$1")
		objs --netns blue --family "$1"
		_b=$(raw "$1")
		[ "$_a" = "$_b" ] && break
		_t=$((_t + 1))
		[ $_t -lt 5 ] || fail "blue's $1 objects kept changing"
	done
	assert_eq "objects --netns blue --family $1 = the module's objects file" "$_a" "$CNT"
}

stable ipv4; b4=$CNT
stable ipv6; b6=$CNT
objs --netns red --family ipv4; r4=$CNT
echo "before: blue ipv4 $b4 ipv6 $b6, red ipv4 $r4"

dh blue alloc4 veth0 $N
dh blue alloc6 veth0 $M
assert_eq "the helper holds N IPv4 entries in blue" $N "$(dh_value "$B" held4)"
assert_eq "the helper holds M IPv6 entries in blue" $M "$(dh_value "$B" held6)"

stable ipv4; a4=$CNT
stable ipv6; a6=$CNT
assert_eq "blue ipv4 objects: $b4 + $N" $((b4 + N)) "$a4"
assert_eq "blue ipv6 objects: $b6 + $M" $((b6 + M)) "$a6"
objs --netns red --family ipv4
assert_eq "red ipv4 objects unchanged" "$r4" "$CNT"
objs --netns "$B" --family ipv4
assert_eq "blue by inode" "$a4" "$CNT"
objs --netns "$CB" --family ipv4
assert_eq "blue by cookie" "$a4" "$CNT"
objs --netns blue --family ipv4,ipv6
assert_eq "blue ipv4,ipv6" $((a4 + a6)) "$CNT"
objs --netns blue,red --family ipv4
assert_eq "blue ipv4 and red ipv4" $((a4 + r4)) "$CNT"
# Every entry of the JSON is blue's, of the family asked for.
objs --netns blue --family ipv6
assert_eq "ipv6 objects of blue, by inum and family" "$a6" \
	"$(json_count /tmp/o.json "\"inum\":$B,\"cookie\":$CB,\"name\":\"blue\",\"netns_state\":\"alive\",\"family\":\"ipv6\"")"

# The table: a header, then one row per entry.
run_rc /tmp/o.out /tmp/o.err dstleak objects --netns blue --family ipv4
assert_eq "objects table exit status" 0 "$RC"
assert_eq "objects table header" "OBJECT NETNS INUM FAMILY AGE REFCNT OBSOLETE DEVICE IFINDEX DEVSTATE REASON STACK" \
	"$(head -n 1 /tmp/o.out | tr -s ' ')"
assert_eq "objects table rows" "$a4" "$(tail -n +2 /tmp/o.out | wc -l)"
assert_eq "objects table rows of blue ipv4" "$a4" \
	"$(tail -n +2 /tmp/o.out | awk -v ns="$B" '$2 == "blue" && $3 == ns && $4 == "ipv4"' | wc -l)"
assert_ge "objects table rows on veth0, up" "$N" \
	"$(tail -n +2 /tmp/o.out | awk '$8 == "veth0" && $10 == "up"' | wc -l)"
! grep -n ' $' /tmp/o.out || fail "objects table has trailing blanks"
run_rc /tmp/o.out /tmp/o.err dstleak objects --netns blue --top 5
assert_eq "objects --top 5 rows" 5 "$(tail -n +2 /tmp/o.out | wc -l)"

# Dead: the helper's entries, obsolete 2 but referenced.
objs --netns blue --reason dead; d0=$CNT
objs --netns red --reason dead; dr=$CNT
dh blue dead
objs --netns blue --reason dead
assert_eq "blue dead objects: $d0 + $N + $M" $((d0 + N + M)) "$CNT"
objs --netns red --reason dead
assert_eq "red dead objects unchanged" "$dr" "$CNT"

dh blue release
wait_until 10 sh -c "[ \"\$(grep -c '^obj [^ ]* ns $B cookie $CB family ipv4 ' $DBG/objects)\" -le $b4 ]" ||
	fail "blue's ipv4 objects not back to $b4 after release"
stable ipv4
assert_eq "blue ipv4 objects after release" "$b4" "$CNT"

# A device name with a control byte (dev_valid_name() allows them, and an
# unprivileged user can make one in a namespace of their own): the module
# shows the byte as '?' in its field, and the reader lists every entry
# rather than refusing the file.
C=$(printf 'c\001')
ip -n blue link add "$C" type dummy || fail "cannot add a device named c\\001"
ip -n blue link set "$C" up
dh blue alloc4 "$C" 3
assert_eq "objects lines of blue on device c?" 3 \
	"$(grep -c "^obj [^ ]* ns $B cookie $CB family ipv4 .* device c? ifindex " "$DBG/objects" || true)"
objs --netns blue --family ipv4
assert_eq "the reader's objects of blue on device c?" 3 \
	"$(json_count /tmp/o.json '"device":"c?"')"
dh blue release
ip -n blue link del "$C"
pass
