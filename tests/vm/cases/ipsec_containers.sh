#!/bin/sh
# The IPsec containers report: namespaces that each run ESP (transport mode)
# and open new connections as fast as they can (ping -c 1 in a loop: a new
# socket, a new xfrm bundle, each time). Each pair's xfrm4/xfrm6 entries are
# credited to the namespace that made them and to no other: the kernel's
# per-namespace xfrm counters agree (drift 0), no bundle fails, and a third
# and fourth namespace with the same setup show their own figures while the
# first pair's stay put. A bundle a connection holds is not taken for one
# that pins its device.
# vm-timeout: 300
. /lib.sh
load_dstleak
ROUNDS=${ROUNDS:-15}

xfrm_check() { # FILE INUM: xfrm drift 0, no bundle errors, kernel counter known
	for fam in xfrm4 xfrm6; do
		assert_eq "ns $2 $fam drift" 0 "$(ns_value "$1" "$2" $fam drift)"
	done
	assert_eq "ns $2 bundle errors" 0 "$(line_value "$1" "xfrm ns $2" bundle_errors)"
	assert_eq "ns $2 kernel XfrmOutBundleGenError" 0 "$(line_value "$1" "xfrm ns $2" kernel_out_bundle_gen_error)"
}

esp_pair ca cb 1
A=$(netns_inum ca)
B=$(netns_inum cb)
ping_loop ca 10.9.0.2 "$ROUNDS"
ping_loop cb 10.9.0.1 "$ROUNDS"
ping_loop ca fd00:9::2 "$ROUNDS"
ping_loop cb fd00:9::1 "$ROUNDS"
ip -n ca -s xfrm state | grep -q 'replay-window' || fail "no xfrm state in ca"
quiesce "$A $B"
snap /tmp/ab
for inum in $A $B; do
	for fam in xfrm4 xfrm6; do
		assert_ge "ns $inum $fam allocs" "$ROUNDS" "$(ns_value /tmp/ab "$inum" $fam allocs)"
	done
	assert_ge "ns $inum bundles" "$ROUNDS" "$(line_value /tmp/ab "xfrm ns $inum" bundles)"
	xfrm_check /tmp/ab "$inum"
done
assert_eq "probe xfrm_resolve_and_create_bundle hits = bundles" \
	"$(( $(line_value /tmp/ab "xfrm ns $A" bundles) + $(line_value /tmp/ab "xfrm ns $B" bundles) ))" \
	"$(probe_hits /tmp/ab xfrm_resolve_and_create_bundle)"
I=$(init_inum)
assert_eq "initial namespace xfrm4 allocs" 0 "$(ns_value /tmp/ab "$I" xfrm4 allocs)"

# A second pair: its own figures; the first pair's do not move.
esp_pair cc cd 2
C=$(netns_inum cc)
D=$(netns_inum cd)
ping_loop cc 10.9.0.2 "$ROUNDS"
ping_loop cd fd00:9::1 "$ROUNDS"
quiesce "$A $B $C $D"
snap /tmp/abcd
for inum in $A $B; do
	for fam in xfrm4 xfrm6; do
		assert_eq "ns $inum $fam allocs unchanged" 0 "$(delta /tmp/ab /tmp/abcd "$inum" $fam allocs)"
	done
	xfrm_check /tmp/abcd "$inum"
done
for inum in $C $D; do
	xfrm_check /tmp/abcd "$inum"
done
# One IPv4 bundle per echo request (a new socket each) and per reply.
assert_eq "cc xfrm4 allocs" "$ROUNDS" "$(ns_value /tmp/abcd "$C" xfrm4 allocs)"
assert_eq "cd xfrm4 allocs" "$ROUNDS" "$(ns_value /tmp/abcd "$D" xfrm4 allocs)"
assert_ge "cd xfrm6 allocs" "$ROUNDS" "$(ns_value /tmp/abcd "$D" xfrm6 allocs)"

# A connected TCP socket keeps its bundle: an xfrm entry allocated without
# a device (xfrm_alloc_dst()), which the kernel gives one afterwards. Old
# enough to be judged (suspect_age_s 0), it is no suspect: its device is
# listed and up, not "unregistering" (pins_device).
echo 0 > /sys/module/dstleak/parameters/suspect_age_s
sleep 20 | in_ns cb timeout 20 nc -l -p 5002 > /dev/null &
LPID=$!
sleep 1
sleep 20 | in_ns ca timeout 20 nc 10.9.0.2 5002 &
CPID=$!
xfrm_up() { # ca's xfrm4 objects with their device up: at least one
	[ "$(awk -v ns="$A" '$1 == "obj" && $4 == ns && $8 == "xfrm4" && $20 == "up"' "$DBG/objects" | wc -l)" -ge 1 ]
}
wait_until 10 xfrm_up ||
	fail "no xfrm4 object of ca with its device up while a TCP connection holds its bundle"
cat "$DBG/objects" > /tmp/xo
cat "$DBG/suspects" > /tmp/xs
kill "$CPID" "$LPID" 2> /dev/null
echo 60 > /sys/module/dstleak/parameters/suspect_age_s
assert_eq "xfrm objects shown as pinning their device (unregistering)" 0 \
	"$(awk '$1 == "obj" && $8 ~ /^xfrm/ && $20 == "unregistering"' /tmp/xo | wc -l)"
assert_eq "xfrm suspect groups" 0 \
	"$(awk '$1 == "group" && $7 ~ /^xfrm/' /tmp/xs | wc -l)"
pass
