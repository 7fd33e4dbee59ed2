#!/bin/sh
# Namespace identity: inode numbers are reused as soon as a namespace is
# gone, cookies never are. A namespace created after another was deleted
# may get its inode number, never its cookie; every line of a namespace
# carries the same cookie.
# vm-smoke: yes
# vm-timeout: 120
. /lib.sh
need_helper
load_dstleak
load_helper
ip netns add first
A=$(netns_inum first)
snap /tmp/a
CA=$(ns_cookie /tmp/a $A)
ip netns del first
wait_until 20 sh -c "! grep -q '^ns $A ' $DBG/summary" || fail "first still listed after it exited"
ip netns add second
B=$(netns_inum second)
snap /tmp/b
CB=$(ns_cookie /tmp/b $B)
echo "first: inum $A cookie $CA; second: inum $B cookie $CB"
# Cookies are unsigned 64-bit (dstleak's own have bit 63 set): no shell
# arithmetic on them.
for c in "$CA" "$CB"; do
	case "$c" in ''|0|*[!0-9]*) fail "not a cookie: '$c'";; esac
done
[ "$CA" != "$CB" ] || fail "two namespaces share cookie $CA"
# Every namespace line names the cookie of its namespace, at its place.
awk '
$1 == "ns" { if ($5 != "cookie") { print "no cookie: " $0; bad = 1 }; c[$2] = c[$2] ? c[$2] : $6; if (c[$2] != $6) { print "two cookies: " $0; bad = 1 } }
$1 ~ /^(xfrm|xfrm_error|route|icmp)$/ { if ($2 != "ns" || $4 != "cookie") { print "no cookie: " $0; bad = 1 } else if (c[$3] != $5) { print "cookie differs from its ns lines: " $0; bad = 1 } }
END { exit bad }' /tmp/b || fail "a namespace line without its cookie"
# Suspects and objects too.
quiet_pair blue red
BL=$(netns_inum blue)
dh blue alloc4 veth0 5
dh blue dead
snap /tmp/c
CBL=$(ns_cookie /tmp/c $BL)
echo 0 > /sys/module/dstleak/parameters/suspect_age_s
cat "$DBG/suspects" > /tmp/sus
cat "$DBG/objects" > /tmp/obj
assert_end /tmp/sus
assert_end /tmp/obj
assert_eq "blue's dead group cookie" "$CBL" \
	"$(awk -v ns="$BL" '$1 == "group" && $3 == ns && $4 == "cookie" && $9 == "dead" { print $5; exit }' /tmp/sus)"
assert_eq "blue's dead objects (obsolete 2) with its cookie" 5 \
	"$(awk -v ns="$BL" -v c="$CBL" '$1 == "obj" && $3 == "ns" && $4 == ns && $5 == "cookie" && $6 == c && $13 == "obsolete" && $14 == 2' /tmp/obj | wc -l)"
dh blue release
pass
