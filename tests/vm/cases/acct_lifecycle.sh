#!/bin/sh
# Lifecycle: a namespace that exits while entries allocated in it live on is
# listed as exited with its live count until the last one is freed, then
# disappears. The helper holds IPv4 entries allocated in blue on a dummy
# device of blue's; the device moves to red (the entries keep it, not blue,
# alive), and blue is deleted.
# vm-smoke: yes
# vm-timeout: 120
. /lib.sh
need_helper
load_dstleak
load_helper
quiet_pair blue red
modprobe dummy
ip -n blue link add dummy0 type dummy
B=$(netns_inum blue)
dh blue alloc4 dummy0 40
ip -n blue link set dummy0 netns red
ip netns del blue
wait_until 10 sh -c "grep -q '^ns $B exited' $DBG/summary" || fail "blue not listed as exited"
snap /tmp/exited
assert_eq "blue state" exited "$(ns_state /tmp/exited $B)"
assert_eq "blue ipv4 live" 40 "$(ns_value /tmp/exited $B ipv4 live)"
assert_eq "blue ipv6 kernel (exited: none)" - "$(ns_value /tmp/exited $B ipv6 kernel)"
dh init release_inum $B
wait_until 10 sh -c "! grep -q '^ns $B ' $DBG/summary" || fail "blue still listed after its last entry was freed"
snap /tmp/gone
assert_eq "global ipv4 drift" 0 "$(line_value /tmp/gone "global ipv4" drift)"
pass
