#!/bin/sh
# Without debugfs (debugfs=off on the command line, as some hardened hosts
# boot) dstleak still loads, says once in the kernel log what is missing,
# and /proc/net/dstleak and /proc/net/stat/dstleak work.
# vm-append: debugfs=off
# vm-smoke: yes
# vm-timeout: 60
. /lib.sh
grep -q 'debugfs=off' /proc/cmdline || fail "this boot does not have debugfs=off"
# No test mount: on RHEL 9's 5.14 a refused debugfs mount hits a kernel BUG.
klog_mark
load_dstleak
klog_since_mark > /tmp/klog
cat /tmp/klog
if ! grep -q 'debugfs unavailable' /tmp/klog; then
	# debugfs_create_dir() worked: the option is not this kernel's.
	unload_dstleak
	skip "this kernel has no debugfs= option (5.10, \"debugfs: Add access restriction option\")"
fi
assert_eq "log lines about debugfs" 1 "$(grep -c 'debugfs unavailable' /tmp/klog)"
assert_file "$PROCF"
cat "$PROCF" > /tmp/proc
assert_eq "first line" "format $DSTLEAK_FORMAT" "$(head -n 1 /tmp/proc)"
assert_end /tmp/proc
assert_eq "ipv4 row of the initial namespace" 1 \
	"$(awk -v i="$(init_inum)" '$1 == "ns" && $2 == i && $4 == "ipv4"' /tmp/proc | wc -l)"
assert_file /proc/net/stat/dstleak
unload_dstleak
assert_no_file "$PROCF"
pass
