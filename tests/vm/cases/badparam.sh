#!/bin/sh
# insmod with a bad parameter value fails, says why in the kernel log and
# leaves nothing behind. The module's contract: max_tracked is a uint in
# 1..16777216 that the host can afford (a quarter of the memory available);
# ftrace must be on.
# vm-smoke: yes
. /lib.sh

try_bad() {
	klog_mark
	if insmod /dstleak.ko "$1"; then
		fail "insmod /dstleak.ko $1 succeeded"
	fi
	klog_since_mark > /tmp/klog
	cat /tmp/klog
	grep -q "max_tracked" /tmp/klog ||
		fail "insmod $1: no kernel log line mentions max_tracked"
	if is_loaded dstleak; then fail "dstleak loaded after insmod $1"; fi
	if lsmod | grep -q '^dstleak '; then fail "lsmod lists dstleak after insmod $1"; fi
	assert_no_file "$DBG"
	assert_no_file "$PROCF"
}

try_bad max_tracked=abc
try_bad max_tracked=0
try_bad max_tracked=16777217
# Within range, but more than the guest can afford (16M records: ~800 MiB).
try_bad max_tracked=16777216
grep -q "max_tracked=16777216 needs .* MiB.*refused" /tmp/klog ||
	fail "no log line saying why max_tracked=16777216 was refused"

# ftrace switched off: refused, and the log says so in those words.
echo 0 > /proc/sys/kernel/ftrace_enabled
klog_mark
if insmod /dstleak.ko; then
	echo 1 > /proc/sys/kernel/ftrace_enabled
	fail "insmod succeeded with ftrace_enabled=0"
fi
echo 1 > /proc/sys/kernel/ftrace_enabled
klog_since_mark > /tmp/klog
cat /tmp/klog
# Refused when registering (FTRACE_OPS_FL_PERMANENT), or where the kernel
# has no such flag, by the load-time check that the hook sees frees.
grep -q "switched off (sysctl kernel.ftrace_enabled=0)" /tmp/klog ||
	fail "insmod with ftrace_enabled=0: the log does not say ftrace is off"
if is_loaded dstleak; then fail "dstleak loaded with ftrace_enabled=0"; fi

# And a good value still loads.
load_dstleak max_tracked=1000
unload_dstleak
pass
