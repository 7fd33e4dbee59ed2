#!/bin/sh
# The packaged build: the module that dstleak-dkms's DKMS built on the host
# (tests/pkg.sh installs the .debs and keeps /lib/modules/KVER/updates/dkms/
# dstleak.ko; make check hands it to the harness as /pkg/dstleak.ko) is the
# tree's module (same version and srcversion, this kernel's vermagic), loads,
# proves its free hooks, counts exactly what the helper holds in one
# namespace, and unloads leaving nothing behind.
# vm-timeout: 120
. /lib.sh
[ -s /pkg/dstleak.ko ] ||
	skip "no module built by the packages' DKMS for $KVER (make check runs tests/pkg.sh first and sets DSTLEAK_PKG_KO)"
need_helper
echo "packaged module: $(cat /pkg/origin 2>/dev/null)"
assert_eq "packaged module: version" "$DSTLEAK_VERSION" "$(modinfo -F version /pkg/dstleak.ko)"
assert_eq "packaged module: srcversion (the tree's sources)" \
	"$(modinfo -F srcversion /dstleak.ko)" "$(modinfo -F srcversion /pkg/dstleak.ko)"
vermagic=$(modinfo -F vermagic /pkg/dstleak.ko)
assert_eq "packaged module: vermagic kernel" "$KVER" "${vermagic%% *}"

if is_loaded dstleak; then fail "dstleak is loaded before the case"; fi
klog_mark
DSTLEAK_KO=/pkg/dstleak.ko
load_dstleak
klog_since_mark > /tmp/klog
grep -q "dstleak: hookcheck: dst_destroy sees dst_release() and dst_release_immediate()" /tmp/klog ||
	fail "the packaged module logged no hookcheck line"
assert_eq "loaded srcversion" "$(modinfo -F srcversion /pkg/dstleak.ko)" "$(cat /sys/module/dstleak/srcversion)"
assert_eq "version file: module" "$DSTLEAK_VERSION" "$(field "$DBG/version" module)"
assert_eq "version file: kernel" "$KVER" "$(field "$DBG/version" kernel)"

load_helper
quiet_pair blue red
modprobe dummy 2> /dev/null
ip -n blue link add dummy0 type dummy
ip -n blue link set dummy0 up
B=$(netns_inum blue)
# A namespace without a row yet has 0 of everything.
v() { _v=$(ns_value "$1" "$B" ipv4 "$2"); echo "${_v:-0}"; }
snap /tmp/before
dh blue alloc4 dummy0 40
quiesce "$B"
snap /tmp/held
assert_eq "blue ipv4 live: what the helper holds" \
	$(($(v /tmp/before live) + 40)) "$(v /tmp/held live)"
assert_eq "blue ipv4 allocs" $(($(v /tmp/before allocs) + 40)) "$(v /tmp/held allocs)"
dh init release_all
wait_rcu
quiesce "$B"
snap /tmp/released
assert_eq "blue ipv4 live after release" "$(v /tmp/before live)" "$(v /tmp/released live)"
assert_eq "global ipv4 drift" 0 "$(line_value /tmp/released "global ipv4" drift)"
unload_helper
unload_dstleak
assert_no_file "$DBG"
assert_no_file "$PROCF"
pass
