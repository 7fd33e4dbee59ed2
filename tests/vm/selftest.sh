#!/bin/sh
# Host-side self-test of the harness: the kernel log scanner (tests/vm/scan.sh)
# flags what it must and nothing else; dkms.conf and the format header agree.
# Prints failures (every check with -v) and "N passed, N failed" last.
cd "$(dirname "$0")" || exit 2
. ./scan.sh
p=0 f=0
V=${1:-}
ok() { [ "$V" != -v ] || echo "PASS host $1"; p=$((p + 1)); }
bad() { echo "FAIL host $1"; f=$((f + 1)); }

# Lines the scanner must flag (real kernel messages, shortened).
while IFS= read -r l; do
	[ -n "$l" ] || continue
	if echo "$l" | scan_log > /dev/null; then ok "scan flags: $l"; else bad "scan misses: $l"; fi
done <<'LINES'
[   12.3] WARNING: CPU: 1 PID: 42 at net/core/dst.c:183 dst_release+0x6a/0x80
[   12.3] ------------[ cut here ]------------ WARNING: at lib/refcount.c:28
[   12.3] refcount_t: underflow; use-after-free.
[   12.3] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   12.3] kernel BUG at net/ipv6/route.c:123!
[   12.3] Oops: 0000 [#1] PREEMPT SMP NOPTI
[   12.3] BUG: scheduling while atomic: insmod/77/0x00000002
[   12.3] BUG: sleeping function called from invalid context at mm/slab.h:742
[   12.3] general protection fault, probably for non-canonical address 0xdead000000000122
[   12.3] BUG: KASAN: slab-use-after-free in dst_destroy+0x1a/0x100
[   12.3] WARNING: possible circular locking dependency detected (lockdep)
[   12.3] kmemleak: 3 new suspected memory leaks
[   12.3] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [insmod:99]
[   12.3] rcu: INFO: rcu_preempt self-detected stall on CPU
[   12.3] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[   12.3] INFO: task kworker/u4:1:33 blocked for more than 120 seconds.
[   12.3] Call Trace:
[   12.3]  <TASK>  Call Trace:
[   12.3] Kernel panic - not syncing: Fatal exception
[   12.3] UBSAN: array-index-out-of-bounds in net/core/dst.c:10:5
[   12.3] list_del corruption. prev->next should be ffff8880
[   12.3] insmod: page allocation failure: order:10, mode:0x40cc0
LINES

# Lines it must let through.
while IFS= read -r l; do
	[ -n "$l" ] || continue
	if echo "$l" | scan_log > /dev/null; then bad "scan wrongly flags: $l"; else ok "scan passes: $l"; fi
done <<'LINES'
[   10.1] dstleak: loaded, version 0.1.0, format 1
[   10.1] dstleak: loading out-of-tree module taints kernel.
[   10.1] dstleak: module verification failed: signature and/or required key missing - tainting kernel
[   10.1] dstleak: max_tracked=0: must be between 1 and 16777216
[   10.1] dstleak: `abc' invalid for parameter `max_tracked'
[   10.1] IPv6: ADDRCONF(NETDEV_CHANGE): veth0: link becomes ready
[   10.1] Kprobes globally optimized
[   10.1] DEBUG_BUGVERBOSE is set; CONFIG_DEBUG_BUGS is not a bug
[   10.1] dstleak-harness: case badparam start
[   10.1] clocksource: Long readout interval, skipping watchdog check: cs_nsec: 1363883462 wd_nsec: 1363882780
[   10.1] hrtimer: interrupt took 12780192 ns
LINES

# Taint: W newly set is bad, O/E (out-of-tree, unsigned) are not.
[ $(( (1 << 9) & DSTLEAK_BAD_TAINT )) -ne 0 ] && ok "taint W is bad" || bad "taint W not flagged"
[ $(( ((1 << 12) | (1 << 13)) & DSTLEAK_BAD_TAINT )) -eq 0 ] && ok "taint O/E are fine" || bad "taint O/E flagged"

if ../dkms.sh check-version > /dev/null; then ok "dkms.conf version = DSTLEAK_MODULE_VERSION"; else bad "dkms.conf version != DSTLEAK_MODULE_VERSION"; fi
# Debian's: NAME GLOB; built from source: NAME cache SOURCE...; names unique.
if [ -z "$(awk '!/^#/ && NF && !(NF == 2 && $2 != "cache") && !(NF >= 3 && $2 == "cache")' kernels)" ]; then
	ok "tests/vm/kernels: NAME GLOB or NAME cache SOURCE a line"
else
	bad "tests/vm/kernels: malformed line: $(awk '!/^#/ && NF && !(NF == 2 && $2 != "cache") && !(NF >= 3 && $2 == "cache")' kernels | head -n 1)"
fi
if [ -z "$(awk '!/^#/ && NF { print $1 }' kernels | sort | uniq -d)" ]; then ok "tests/vm/kernels: names unique"; else bad "tests/vm/kernels: a name twice"; fi

# Case headers the harness reads: vm-append has arguments, vm-smoke is yes.
hf=$f
for c in cases/*.sh xfail/*.sh; do
	[ -f "$c" ] || continue
	if grep -q '^# vm-append:[[:space:]]*$' "$c"; then bad "$c: empty vm-append:"; fi
	if grep '^# vm-smoke:' "$c" | grep -qv '^# vm-smoke:[[:space:]]*yes[[:space:]]*$'; then bad "$c: vm-smoke: must say yes"; fi
done
[ "$f" != "$hf" ] || ok "case headers vm-append:/vm-smoke: well formed"

echo "$p passed, $f failed"
[ "$f" -eq 0 ]
