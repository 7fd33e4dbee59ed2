#!/bin/sh
# The IPsec containers report: namespaces that each run ESP (transport mode)
# and open new connections as fast as they can (ping -c 1 in a loop: a new
# socket, a new xfrm bundle, each time). Each pair's xfrm4/xfrm6 entries are
# credited to the namespace that made them and to no other: the kernel's
# per-namespace xfrm counters agree (drift 0), no bundle fails, and a third
# and fourth namespace with the same setup show their own figures while the
# first pair's stay put.
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
pass
