#!/bin/sh
# The demo `make demo` runs: the IPsec containers report, reproduced.
# Two containers (network namespaces) run ESP between them and open new
# connections as fast as they can; dstleak shows each one's xfrm dst entries,
# the kernel's own per-namespace counter beside them, and the headroom to
# gc_thresh. Then a kernel counter bug is simulated (one container's xfrm4
# counter is skewed, as the field bug credited one container's entries to
# another) and dstleak points at that container, and only that one.
# vm-timeout: 300
. /lib.sh

say() { printf '\n### %s\n' "$*"; }

load_dstleak stacks=1 suspect_age_s=5
[ -e /dsthelper.ko ] && load_helper
esp_pair alpha beta 1
say "two containers, alpha ($(netns_inum alpha)) and beta ($(netns_inum beta)), ESP in transport mode between them"
ip -n alpha xfrm policy list | grep -c 'dir out' | sed 's/^/alpha: IPsec output policies: /'

say "each opens new connections as fast as it can: 20 x 'ping -c 1', both ways, IPv4 and IPv6"
ping_loop alpha 10.9.0.2 20
ping_loop beta 10.9.0.1 20
ping_loop alpha fd00:9::2 20
ping_loop beta fd00:9::1 20
echo "done"

if [ -x /usr/bin/dstleak ]; then
	say "dstleak show    (live and kernel agree, drift 0, headroom to gc_thresh)"
	dstleak show
else
	say "cat /sys/kernel/debug/dstleak/summary"
	cat "$DBG/summary"
fi

say "grep '^xfrm ' /sys/kernel/debug/dstleak/summary    (bundles, errors, the kernel's XfrmOut figures)"
grep '^xfrm ' "$DBG/summary"

if is_loaded dsthelper; then
	say "the field bug, simulated: alpha's xfrm4 dst counter is credited 40 entries that are not there"
	dh alpha skew xfrm4 40
	if [ -x /usr/bin/dstleak ]; then
		dstleak show
		say "dstleak check --max-drift 0    (the monitoring check names the container)"
		dstleak check --max-drift 0 || echo "(exit status $?)"
	else
		grep "^ns $(netns_inum alpha) alive xfrm4" "$DBG/summary"
	fi
	dh alpha unskew
fi

say "cat /proc/net/dstleak inside beta: a container sees only its own rows"
in_ns beta cat /proc/net/dstleak | grep -E '^(format|ns|xfrm) '
pass
