#!/bin/sh
# The module loads, exposes /sys/kernel/debug/dstleak/ and /proc/net/dstleak
# with the expected version header, and unloads leaving nothing behind.
. /lib.sh

if is_loaded dstleak; then fail "dstleak is loaded before the case"; fi
klog_mark
load_dstleak
# Entry ages are 64-bit: checked at every load, past 2^32 ms (49.7 days).
klog_since_mark > /tmp/klog
grep -q "dstleak: selftest: ages past 2^32 ms: ok" /tmp/klog ||
	fail "no selftest line for 64-bit ages in the kernel log"
# suspects' medians come from a selection (inspect.c), checked the same way.
grep -q "dstleak: selftest: medians of ages: ok" /tmp/klog ||
	fail "no selftest line for medians in the kernel log"
# objects' numbers are formatted by inspect.c's own line builder, checked
# the same way.
grep -q "dstleak: selftest: numbers in objects lines: ok" /tmp/klog ||
	fail "no selftest line for objects' numbers in the kernel log"
# The free hooks were proven to see the kernel's own free paths.
grep -q "dstleak: hookcheck: dst_destroy sees dst_release() and dst_release_immediate(), metadata_dst_free sees metadata_dst_free()" /tmp/klog ||
	fail "no hookcheck line in the kernel log"
# Before arming, each probe's prototype was checked against the kernel's
# BTF where it has one: every probe armed agreed (all 13 on a kernel with
# BTF and every probe point); without BTF the log says they were not.
if [ -e /sys/kernel/btf/vmlinux ]; then
	n=$(sed -n 's/.*dstleak: btfcheck: the prototypes of \([0-9]*\) probes agree with the kernel.s BTF.*/\1/p' /tmp/klog)
	[ -n "$n" ] || fail "no btfcheck line in the kernel log of a kernel with BTF"
	echo "btfcheck: the prototypes of $n probes agreed with the BTF"
	assert_eq "probes armed = probes whose prototype agreed with the BTF" \
		"$(grep -c '^probe ' "$DBG/probes")" "$n"
	assert_eq "probes left out by btfcheck" 0 "$(grep -c 'left out: .*BTF' /tmp/klog || true)"
else
	grep -q "dstleak: btfcheck: no BTF (/sys/kernel/btf/vmlinux): the probes' prototypes are not checked at load" /tmp/klog ||
		fail "no line saying the prototypes are not checked (no BTF)"
fi
is_loaded dstleak || fail "dstleak not in /proc/modules after insmod"

assert_file "$DBG"
assert_file "$DBG/version"
cat "$DBG/version"
assert_eq "debugfs version: format" "$DSTLEAK_FORMAT" "$(field "$DBG/version" format)"
assert_eq "debugfs version: module" "$DSTLEAK_VERSION" "$(field "$DBG/version" module)"
assert_eq "debugfs version: kernel" "$KVER" "$(field "$DBG/version" kernel)"

assert_file "$PROCF"
cat "$PROCF"
assert_eq "first line of $PROCF" "format $DSTLEAK_FORMAT" "$(head -n 1 "$PROCF")"
assert_eq "$PROCF: module" "$DSTLEAK_VERSION" "$(field "$PROCF" module)"
# What this kernel lets dstleak do, said in version and summary alike; the
# cookie's source agrees with the cookies (dstleak's own have bit 63 set).
feat=$(grep '^features ' "$DBG/version")
echo "$feat" | grep -qE '^features stacks [01] ftrace_permanent [01] netns_cookie (kernel|dstleak) limits_enforceable [01] metadata_frees (exact|records|off)$' ||
	fail "version: features line: '$feat'"
assert_eq "summary features line" "$feat" "$(grep '^features ' "$DBG/summary")"
cookie=$(awk '$1 == "ns" && $5 == "cookie" { print $6; exit }' "$DBG/summary")
case "$cookie" in
9223372036854775808|9[2-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]|1[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) src=dstleak;;
*) src=kernel;;
esac
echo "$feat" | grep -q "netns_cookie $src " || fail "cookie $cookie, but the features line says: $feat"

# The same header as the version file, first.
head -n 3 "$DBG/version" > /tmp/v.dbg
head -n 3 "$PROCF" > /tmp/v.proc
cmp /tmp/v.dbg /tmp/v.proc || fail "$PROCF does not start with the header of $DBG/version"
assert_eq "modinfo version" "$DSTLEAK_VERSION" "$(modinfo -F version /dstleak.ko)"
# Every file ends with "end lines N" (a cut file is refused by readers).
for f in version summary probes suspects objects; do
	cat "$DBG/$f" > "/tmp/end.$f"
	assert_end "/tmp/end.$f"
done
cat "$PROCF" > /tmp/end.proc
assert_end /tmp/end.proc

unload_dstleak
assert_no_file "$DBG"
assert_no_file "$PROCF"
if lsmod | grep -q '^dstleak '; then
	fail "lsmod still lists dstleak after rmmod"
fi
pass
