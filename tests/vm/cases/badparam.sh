#!/bin/sh
# insmod with a bad parameter value fails, says why in the kernel log and
# leaves nothing behind. The module's contract: max_tracked is a uint in
# 1..16777216.
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

# And a good value still loads.
load_dstleak max_tracked=1000
unload_dstleak
pass
