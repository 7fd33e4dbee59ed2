#!/bin/sh
# insmod with a bad parameter value fails, says why in the kernel log and
# leaves nothing behind; a bad write at run time is refused and changes
# nothing. The module's contract: max_tracked is a uint in
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

# direct_calls takes two words only.
for v in on auto2 ""; do
	klog_mark
	if insmod /dstleak.ko "direct_calls=$v"; then
		fail "insmod /dstleak.ko direct_calls=$v succeeded"
	fi
	klog_since_mark | grep -q "direct_calls=$v: must be auto or off" ||
		fail "insmod direct_calls=$v: no kernel log line saying direct_calls must be auto or off"
	if is_loaded dstleak; then fail "dstleak loaded after insmod direct_calls=$v"; fi
done

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

# And a good value still loads, with its direct calls where the kernel has
# them: the refused load left no direct call registered behind it (one
# would make this registration fail with EBUSY, and would point into the
# unloaded module's text).
klog_mark
load_dstleak max_tracked=1000
if grep -q ' register_ftrace_direct$' /proc/kallsyms; then
	klog_since_mark > /tmp/klog
	grep -q "dst_destroy: hooked by an ftrace direct call" /tmp/klog ||
		fail "after the refused loads: $(grep 'dst_destroy: ' /tmp/klog)"
	grep -q "dst_alloc: hooked by an ftrace direct call" /tmp/klog ||
		fail "after the refused loads: $(grep 'dst_alloc: ' /tmp/klog)"
fi

# Writes at run time: a bad value is refused and the old one stays; a
# number is decimal (base 0 read "060" as 48), a boolean a whole word
# (kstrtobool() alone took "nonsense" for false and "10" for true).
P=/sys/module/dstleak/parameters
bad_write() { # PARAM VALUE
	_bw_old=$(cat "$P/$1")
	if echo "$2" > "$P/$1" 2> /dev/null; then
		fail "$1=$2 was accepted (now $(cat "$P/$1"))"
	fi
	assert_eq "$1 after the refused '$2'" "$_bw_old" "$(cat "$P/$1")"
}
good_write() { # PARAM VALUE READBACK
	echo "$2" > "$P/$1" || fail "$1=$2 was refused"
	assert_eq "$1 after '$2'" "$3" "$(cat "$P/$1")"
}
good_write stacks 1 Y
for v in nonsense 10 0x0 yes- ''; do bad_write stacks "$v"; done
good_write stacks off N
for v in 1x 2; do bad_write stacks "$v"; done
good_write suspect_age_s 060 60
for v in 0x10 abc -1 604801 '6 0'; do bad_write suspect_age_s "$v"; done
good_write stack_sample 8 8
for v in 0 010x 1048577; do bad_write stack_sample "$v"; done
good_write suspect_age_s 60 60
unload_dstleak
pass
