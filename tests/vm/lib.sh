# shellcheck shell=sh
# tests/vm/lib.sh: sourced by every case in tests/vm/cases/ (inside the VM).
#
# A case is a POSIX shell file run as `sh /cases/NAME.sh` by the guest's /init
# (sh is dash; `ip` is iproute2's, `modprobe`/`insmod`/`rmmod`/`lsmod` are
# kmod's, everything else is busybox; busybox tools that run a command by
# name, such as timeout, xargs, env, nsenter, prefer their own applets: give
# them full paths, e.g. `timeout 5 /usr/bin/ip ...`). It starts with `. /lib.sh`, runs under
# `set -eu` with command tracing, and ends in one of:
#
#   pass                    the case passed (also: reaching the end)
#   fail REASON...          the case failed, REASON is shown on the result line
#   skip REASON...          the case could not run here (not a failure)
#
# Any command failing under set -e fails the case ("exited with status N");
# the tail of the case's output (with the trace) is shown by the harness.
# After the case /init kills what it left running, deletes every named netns,
# unloads dsthelper and dstleak, and fails the case if the kernel log since the
# previous case has a forbidden line (tests/vm/scan.sh) or the kernel taint
# gained W (warning), D (oops), B (bad page) or L (soft lockup).
#
# Header lines a case may have (read by the harness, near the top of the file):
#   # vm-timeout: SECONDS   the case's own limit (default 300)
#   # vm-mem: MB            guest memory the case needs (the boot gets the max)
#   # vm-tcg: single        run in a boot of its own under single-threaded
#                           TCG: cases that patch hot kernel text (load and
#                           unload under churn) while the other vCPU runs it;
#                           multi-threaded TCG now and then executes a stale
#                           translation of code being patched (int3 or NULL
#                           call oopses seen on 5.14, 5.15, 6.8, 7.1 and at
#                           boot on 6.12 without dstleak). The vCPUs still
#                           interleave.
#   # vm-append: ARGS       kernel command line arguments the case needs (e.g.
#                           debugfs=off): the cases with the same ARGS run
#                           together in a boot of their own, ARGS appended to
#                           the command line (in $BOOT_APPEND too); results,
#                           timeouts and log checks are as in the main boot.
#                           With debugfs=off there is no debugfs (so no
#                           dsthelper: need_helper skips)
#   # vm-smoke: yes         the case is in the smoke set, run on the kernels
#                           built from source (tests/kernels/) besides
#                           load loadloop acct_exact acct_truth leak_suspects
#                           ipsec_containers (Debian's kernels run every case)
#
# Helpers:
#   assert_eq NAME EXPECTED ACTUAL   fail unless equal ("NAME: expected X, got Y")
#   assert_ge NAME MIN ACTUAL        fail unless ACTUAL >= MIN (integers)
#   assert_file PATH / assert_no_file PATH
#   need_reader                      skip unless /usr/bin/dstleak is there
#   need_helper                      skip unless /dsthelper.ko is there (and
#                                    debugfs, which it uses)
#   need_debugfs                     skip unless debugfs is mounted
#   load_dstleak [PARAM=VALUE...]    insmod /dstleak.ko, or $DSTLEAK_KO if set
#                                    (fails the case on error)
#   unload_dstleak                   rmmod dstleak if loaded (fails on error)
#   is_loaded MODULE                 succeeds if MODULE is in /proc/modules
#   load_helper [PARAM=VALUE...] / unload_helper     the same for dsthelper
#   mk_pair NS1 NS2                  two namespaces, veth0 in each, linked
#                                    (link_pair NS1 NS2: the same for two
#                                    namespaces that exist already);
#                                    NS1 10.9.0.1/24 fd00:9::1/64,
#                                    NS2 10.9.0.2/24 fd00:9::2/64 (nodad), up
#   in_ns NS CMD...                  ip netns exec NS CMD...
#   netns_inum NS                    inode number of /run/netns/NS (the INUM
#                                    in dstleak's files)
#   init_inum                        inode number of the initial namespace
#   field FILE KEY                   2nd token of the first line starting
#                                    with KEY ("module" -> 0.1.0)
#   line_value FILE "LEAD TOKENS" KEY
#                                    value after KEY on the first line that
#                                    starts with LEAD TOKENS:
#                                    line_value summary "tracking" max
#   ns_value FILE INUM FAMILY KEY    value of KEY on the "ns INUM STATE FAMILY"
#                                    line ("-" stays "-"); empty if no line
#   ns_state FILE INUM               alive|exited (first line of INUM)
#   probe_hits FILE SYMBOL           hits of "probe SYMBOL" (probes/summary)
#   wait_rcu [SECONDS]               settle: let RCU callbacks, deferred dst
#                                    frees and netns cleanup run (default 1 s)
#   wait_until SECONDS CMD...        retry CMD every 0.2 s until it succeeds;
#                                    returns 1 on timeout
#   kmsg TEXT                        write TEXT into the kernel log
#   klog_mark / klog_since_mark      mark the kernel log; print what came
#                                    after the last mark (never clear the log
#                                    with dmesg -c: the harness scans it)
#
# Helpers for a group of cases live in tests/vm/<name>lib.sh (e.g. dstlib.sh);
# the harness puts them next to this file in the guest and this file sources
# them all, at its end.
#
# Variables: DSTLEAK_VERSION (expected module version), DSTLEAK_FORMAT,
#   KERNEL_NAME (e.g. 6.12-cloud), KERNEL_KIND (deb: Debian's package, cache:
#   built from source, everything built in), KVER (uname -r), BOOT_APPEND
#   (this boot's vm-append: arguments, or empty), DBG=/sys/kernel/debug/dstleak,
#   PROCF=/proc/net/dstleak, CASE (this case's name).

# shellcheck disable=SC1091
[ -r /harness.env ] && . /harness.env
DBG=/sys/kernel/debug/dstleak
PROCF=/proc/net/dstleak
CASE=${CASE:-$(basename "$0" .sh)}
RESULT_FILE=${RESULT_FILE:-/tmp/result.$CASE}

set -eu

pass() {
	set +x
	echo "PASS" > "$RESULT_FILE"
	exit 0
}

fail() {
	set +x
	echo "FAIL $*" > "$RESULT_FILE"
	echo "FAIL: $*"
	exit 1
}

skip() {
	set +x
	echo "SKIP $*" > "$RESULT_FILE"
	echo "SKIP: $*"
	exit 77
}

assert_eq() {
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

assert_ge() {
	case "$3" in ''|*[!0-9]*) fail "$1: expected a number >= $2, got '$3'";; esac
	[ "$3" -ge "$2" ] || fail "$1: expected >= $2, got $3"
}

assert_file() {
	[ -e "$1" ] || fail "$1 does not exist"
}

assert_no_file() {
	[ ! -e "$1" ] || fail "$1 still exists"
}

need_reader() {
	[ -x /usr/bin/dstleak ] || skip "the reader (tools/dstleak) is not built"
}

need_debugfs() {
	grep -q ' /sys/kernel/debug debugfs ' /proc/mounts || skip "no debugfs in this boot"
}

need_helper() {
	[ -e /dsthelper.ko ] || skip "the test helper (tests/helper) is not built"
	need_debugfs
}

is_loaded() {
	grep -q "^$1 " /proc/modules
}

# The module's last log line: why a load was refused, in the case's result.
last_dstleak_log() {
	dmesg | grep 'dstleak: ' | tail -n 1 | sed 's/^\[[ 0-9.]*\] //'
}

load_dstleak() {
	insmod "${DSTLEAK_KO:-/dstleak.ko}" "$@" ||
		fail "insmod ${DSTLEAK_KO:-/dstleak.ko} $* failed ($(last_dstleak_log))"
}

unload_dstleak() {
	if is_loaded dstleak; then
		rmmod dstleak || fail "rmmod dstleak failed"
	fi
}

load_helper() {
	need_helper
	insmod /dsthelper.ko "$@" || fail "insmod /dsthelper.ko $* failed"
}

unload_helper() {
	if is_loaded dsthelper; then
		rmmod dsthelper || fail "rmmod dsthelper failed"
	fi
}

in_ns() {
	_ns=$1
	shift
	ip netns exec "$_ns" "$@"
}

mk_pair() {
	ip netns add "$1"
	ip netns add "$2"
	link_pair "$1" "$2"
}

link_pair() {
	ip -n "$1" link add veth0 type veth peer name veth0 netns "$2"
	ip -n "$1" addr add 10.9.0.1/24 dev veth0
	ip -n "$2" addr add 10.9.0.2/24 dev veth0
	ip -n "$1" addr add fd00:9::1/64 dev veth0 nodad
	ip -n "$2" addr add fd00:9::2/64 dev veth0 nodad
	for _ns in "$1" "$2"; do
		ip -n "$_ns" link set lo up
		ip -n "$_ns" link set veth0 up
	done
}

netns_inum() {
	stat -L -c %i "/run/netns/$1"
}

init_inum() {
	stat -L -c %i /proc/1/ns/net
}

field() {
	awk -v k="$2" '$1 == k { print $2; exit }' "$1"
}

line_value() {
	awk -v lead="$2" -v k="$3" '
	BEGIN { n = split(lead, want, " ") }
	{
		for (i = 1; i <= n; i++)
			if ($i != want[i])
				next
		for (i = n + 1; i < NF; i++)
			if ($i == k) { print $(i + 1); exit }
	}' "$1"
}

ns_value() {
	awk -v ns="$2" -v fam="$3" -v k="$4" '
	$1 == "ns" && $2 == ns && $4 == fam {
		for (i = 5; i < NF; i++)
			if ($i == k) { print $(i + 1); exit }
	}' "$1"
}

ns_state() {
	awk -v ns="$2" '$1 == "ns" && $2 == ns { print $3; exit }' "$1"
}

probe_hits() {
	line_value "$1" "probe $2" hits
}

wait_rcu() {
	sleep "${1:-1}"
}

wait_until() {
	_end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

kmsg() {
	echo "$*" > /dev/kmsg
}

_markn=0
klog_mark() {
	_markn=$((_markn + 1))
	_mark="dstleak-test-mark $CASE $$ $_markn"
	echo "$_mark" > /dev/kmsg
}

klog_since_mark() {
	dmesg | awk -v m="$_mark" 'f { print } index($0, m) { f = 1 }'
}

# The group helpers, e.g. tests/vm/dstlib.sh (dsthelper commands, snapshots,
# deltas).
# shellcheck disable=SC1090
for _lib in /*lib.sh; do
	[ "$_lib" = /lib.sh ] || [ ! -r "$_lib" ] || . "$_lib"
done

# Trace the case's commands (shown in the output tail of a failure); not in
# the demo, whose output is the show.
PS4='+ '
[ -n "${SHOW_OUT:-}" ] || set -x
