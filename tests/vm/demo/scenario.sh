#!/bin/sh
# The demo scenario `make demo` runs (one file; swap it for another scenario).
# For now: two namespaces ping each other over veth with dstleak loaded, then
# dstleak's own view of them.
# vm-timeout: 300
. /lib.sh
set +x

say() { printf '\n### %s\n' "$*"; }

load_dstleak
mk_pair red blue
RED=$(netns_inum red)
BLUE=$(netns_inum blue)
say "two network namespaces, red ($RED) and blue ($BLUE), joined by veth"
ip -n red -br addr show veth0
ip -n blue -br addr show veth0

say "red pings blue, IPv4 and IPv6"
in_ns red ping -c 3 10.9.0.2 | tail -n 2
in_ns red ping -c 3 fd00:9::2 | tail -n 2

say "cat /sys/kernel/debug/dstleak/summary"
if [ -r "$DBG/summary" ]; then
	cat "$DBG/summary"
else
	echo "(no summary file in this module version)"
	cat "$DBG/version"
fi

say "cat /proc/net/dstleak (inside red: only red's rows)"
in_ns red cat /proc/net/dstleak

if [ -x /usr/bin/dstleak ]; then
	say "dstleak show"
	dstleak show || echo "(dstleak show exited with $?)"
else
	say "the reader (tools/dstleak) is not built; skipping 'dstleak show'"
fi
pass
