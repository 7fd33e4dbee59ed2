#!/bin/sh
# The peak is the highest live count, never above it. Each CPU folds its
# change of the live count into a shared one every 64 entries, so the
# shared count is off by what the other CPUs have not folded yet: entries
# allocated on CPU 0 and freed on CPU 1 leave CPU 1 owing -63, and the next
# fold from CPU 0 once made the peak 64 when no more than 63 were ever
# live. Here: 63 entries allocated on CPU 0 (a read sees live 63, peak 63),
# freed from CPU 1 (live 0), one more allocated on CPU 0 (live 1): the peak
# must stay 63.
# vm-smoke: yes
# vm-timeout: 90
. /lib.sh
need_helper
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (VM_SMP=2)"
load_dstleak
load_helper
dummy_ns pk 10.7.1.1/24
P=$(netns_inum pk)
on_cpu() { # CPU COMMAND: a helper command written from that CPU, in pk
	taskset -c "$1" nsenter --net=/run/netns/pk sh -c "echo '$2' > $HCTL" ||
		fail "dsthelper refused '$2' on CPU $1"
}
snap /tmp/p0
L0=$(ns_value /tmp/p0 "$P" ipv4 live)
assert_eq "pk's ipv4 peak before" "$L0" "$(ns_value /tmp/p0 "$P" ipv4 peak)"
on_cpu 0 "alloc4 d0 63"
snap /tmp/p1
assert_eq "pk's ipv4 live with 63 held" $((L0 + 63)) "$(ns_value /tmp/p1 "$P" ipv4 live)"
assert_eq "pk's ipv4 peak with 63 held" $((L0 + 63)) "$(ns_value /tmp/p1 "$P" ipv4 peak)"
on_cpu 1 release
snap /tmp/p2
assert_eq "pk's ipv4 live after the release" "$L0" "$(ns_value /tmp/p2 "$P" ipv4 live)"
on_cpu 0 "alloc4 d0 1"
snap /tmp/p3
assert_eq "pk's ipv4 live with 1 held" $((L0 + 1)) "$(ns_value /tmp/p3 "$P" ipv4 live)"
assert_eq "pk's ipv4 peak: the 63 a read saw, not a fold's overcount" $((L0 + 63)) \
	"$(ns_value /tmp/p3 "$P" ipv4 peak)"
dh pk release
unload_dstleak
pass
