#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Host unit tests of tools/dstleak: the parser tests (unit.c) and every
# subcommand run against canned files, with sanitizers. One line per test,
# then "N passed, N failed"; exits 1 if any failed.
#
# Usage: tests/unit/run.sh UNIT_BINARY DSTLEAK_BINARY
#   UPDATE=1 rewrites the expected/ outputs (review the diff!).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/fixtures
EXP=$HERE/expected
UNIT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
BIN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")

pass=0
fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/dstleak-unit.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

# Any sanitizer report fails the run with an exit code no test expects.
ASAN_OPTIONS=exitcode=99:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:exitcode=98:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
unset POSIXLY_CORRECT DSTLEAK_SOURCE

record() { # record NAME: by $why
	if [ -z "$why" ]; then
		echo "PASS $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: $why"
		fail=$((fail + 1))
	fi
}

# ---- 1. the parser tests ----
"$UNIT" "$FIX" >"$T/unit.out" 2>&1
urc=$?
while IFS= read -r line; do
	case $line in
	PASS*) pass=$((pass + 1)); echo "$line" ;;
	FAIL*) fail=$((fail + 1)); echo "$line" ;;
	*) echo "$line" ;;
	esac
done <"$T/unit.out"
why=
[ "$urc" = 0 ] || why="unit program exited $urc (sanitizer?)"
record "parser test program ran to the end cleanly"

# ---- 2. a fixture world: debugfs, procfs, /run/netns ----
mkdir -p "$T/netns" "$T/debugfs/dstleak" "$T/proc/sys/kernel/random" "$T/empty"
: >"$T/netns/blue"
BLUE=$(stat -c %i "$T/netns/blue")
# The fixtures call blue 4026532400; give it the inode of our netns file.
for f in summary suspects probes version; do
	sed "s/4026532400/$BLUE/g" "$FIX/good/$f" >"$T/debugfs/dstleak/$f"
done
cp -r "$T/debugfs/dstleak" "$T/src"
mkdir -p "$T/healthy"
for f in summary suspects probes version; do
	sed "s/4026532400/$BLUE/g" "$FIX/healthy/$f" >"$T/healthy/$f"
done
mkproc() { # mkproc PID COMM INUM
	mkdir -p "$T/proc/$1/ns"
	ln -s "net:[$3]" "$T/proc/$1/ns/net"
	echo "$2" >"$T/proc/$1/comm"
}
mkproc 1 systemd 4026531840
mkproc 4300 nginx-worker 4026532500
mkproc 4242 nginx 4026532500
mkproc 5000 sleep "$BLUE"
# 4026532281 has exited in the fixtures; a new namespace got its inode.
mkproc 6000 newbie 4026532281
# Names that are not UTF-8: an ip netns file, a process name (utf8/).
: >"$T/netns/$(printf 'caf\351')"
CAFE=$(stat -c %i "$T/netns/$(printf 'caf\351')")
mkproc 7000 "$(printf 'bad\377name')" 4026532950
mkdir -p "$T/utf8"
for f in summary suspects; do sed "s/4026532900/$CAFE/g" "$FIX/utf8/$f" >"$T/utf8/$f"; done
mkdir -p "$T/proc/self" "$T/proc/77"
echo 11111111-2222-3333-4444-555555555555 >"$T/proc/sys/kernel/random/boot_id"

DSTLEAK_DEBUGFS=$T/debugfs
DSTLEAK_PROC=$T/proc
DSTLEAK_NETNS_DIR=$T/netns
DSTLEAK_HOSTNAME=testhost
DSTLEAK_HISTORY=$T/history
# The history of "record" (absent: show and check print no forecast).
DSTLEAK_RECORD=$T/nonexistent-record
export DSTLEAK_DEBUGFS DSTLEAK_PROC DSTLEAK_NETNS_DIR DSTLEAK_HOSTNAME DSTLEAK_HISTORY \
	DSTLEAK_RECORD

# ---- helpers: each test sets $why on its first failure ----
no() { [ -n "$why" ] || why=$1; }
run() { # run WANT_RC CMD...: stdout in $T/out, stderr in $T/err
	_want=$1
	shift
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = "$_want" ] || no "exit $rc, want $_want; stderr: $(head -c 300 "$T/err")"
	if grep -q -e 'runtime error' -e 'Sanitizer' "$T/err"; then
		no "sanitizer: $(grep -m1 -e 'runtime error' -e 'Sanitizer' "$T/err")"
	fi
}
norm() { sed -e "s/\\b$BLUE\\b/4026532400/g" -e "s#$T#@T@#g" -e "s#$FIX#@FIX@#g" | tr -s ' '; }
golden() { # golden FILE [raw]: stdout against expected/FILE
	# raw: exact, but for where the checkout is (the fixtures' path).
	if [ "${2:-}" = raw ]; then sed "s|$FIX|@FIXTURES@|g" "$T/out" >"$T/out.n"; else norm <"$T/out" >"$T/out.n"; fi
	if [ "${UPDATE:-}" = 1 ]; then mkdir -p "$EXP"; cp "$T/out.n" "$EXP/$1"; fi
	if ! diff -u "$EXP/$1" "$T/out.n" >"$T/diff" 2>&1; then
		no "stdout differs from expected/$1: $(head -c 600 "$T/diff" | tr '\n' '|')"
	fi
}
out_has() { grep -q -e "$1" "$T/out" || no "stdout lacks '$1'"; }
out_lacks() { ! grep -q -e "$1" "$T/out" || no "stdout has '$1'"; }
err_has() { grep -q -e "$1" "$T/err" || no "stderr lacks '$1'"; }
out_empty() { [ ! -s "$T/out" ] || no "stdout not empty: $(head -c 200 "$T/out")"; }
err_empty() { [ ! -s "$T/err" ] || no "stderr not empty: $(head -c 200 "$T/err")"; }
err_lines() { _n=$(wc -l <"$T/err"); [ "$_n" = "$1" ] || no "stderr has $_n lines, want $1: $(head -c 300 "$T/err")"; }
out_lines() { _n=$(wc -l <"$T/out"); [ "$_n" = "$1" ] || no "stdout has $_n lines, want $1"; }
# prom_ok FILE: the exposition format: TYPE first, grouped, unique series,
# the same label names on every series of a metric.
prom_ok() {
	awk '
/^# HELP / { next }
/^# TYPE / { if (seen[$3]++) { print "TYPE twice: " $3; bad = 1 } ; typed[$3] = 1; next }
/^#/ { print "stray comment: " $0; bad = 1; next }
{
	if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9]+(\.[0-9]+)?$/) {
		print "bad sample: " $0; bad = 1
	}
	name = $0; sub(/[{ ].*/, "", name)
	if (!typed[name]) { print "sample before TYPE: " name; bad = 1 }
	series = $0; sub(/ [^ ]*$/, "", series)
	if (dup[series]++) { print "duplicate series: " series; bad = 1 }
	if (name != last && done[name]) { print "metric not grouped: " name; bad = 1 }
	# One set of label names per metric (a scraper fills the missing ones
	# with "": issue 15).
	keys = ""; rest = series
	while (match(rest, /[{,][a-zA-Z_][a-zA-Z0-9_]*="/)) {
		keys = keys substr(rest, RSTART + 1, RLENGTH - 3) ","
		rest = substr(rest, RSTART + RLENGTH)
		if (match(rest, /^([^"\\]|\\.)*"/))
			rest = substr(rest, RLENGTH + 1)
	}
	if (name in lnames && lnames[name] != keys) { print "label names differ in " name ": " lnames[name] " vs " keys; bad = 1 }
	lnames[name] = keys
	done[last] = 1; last = name
}
END { exit bad }' "$1" >"$T/awk" || no "$(head -3 "$T/awk" | tr '\n' '|')"
}
# prom_names_ok FILE: Prometheus naming (issue 15, /work/briefs/prom-names.txt):
# a counter ends in _total and nothing else does; a gauge ends in a unit
# (_entries, _bytes, _seconds, _ratio), or is an info metric (_info, value
# 1), or a 0/1 flag whose HELP begins "1 when". Only counters and gauges.
prom_names_ok() {
	awk '
/^# HELP / { help[$3] = $4 " " $5; next }
/^# TYPE / {
	n = $3; t = $4
	if (t == "counter") {
		if (n !~ /_total$/) { print "counter without _total: " n; bad = 1 }
	} else if (t == "gauge") {
		if (n ~ /_total$/) { print "gauge named _total: " n; bad = 1 }
		else if (n ~ /_info$/) kind[n] = "info"
		else if (help[n] == "1 when") kind[n] = "flag"
		else if (n !~ /_(entries|bytes|seconds|ratio)$/) { print "gauge without a unit suffix: " n; bad = 1 }
	} else { print "type " t " of " n; bad = 1 }
	next
}
/^#/ { next }
{
	name = $0; sub(/[{ ].*/, "", name); v = $NF
	if (kind[name] == "info" && v != "1") { print "info metric not 1: " $0; bad = 1 }
	if (kind[name] == "flag" && v != "0" && v != "1") { print "flag not 0/1: " $0; bad = 1 }
}
END { exit bad }' "$1" >"$T/awk" || no "$(head -3 "$T/awk" | tr '\n' '|')"
}
utf8_ok() { # stdout is valid UTF-8
	if command -v iconv >/dev/null 2>&1; then
		iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1 || no "stdout is not valid UTF-8"
	fi
}
json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" 2>"$T/jerr" ||
			no "stdout is not valid JSON: $(head -c 200 "$T/jerr")"
	fi
}
D=$BIN

# ---- show ----
why=; run 0 "$D" show; golden show.out; err_empty
record "show: one block per namespace, names from ip netns and processes"
why=; run 0 env DSTLEAK_NETNS_DIR=$T/empty DSTLEAK_PROC=$T/empty "$D" --source "$FIX/good" show
golden show-layout.out raw; err_empty
record "show: exact column layout, inode when no name is known"
why=; run 0 "$D" show --all; out_has "xfrm6"; out_has "4026532281"; out_lacks "(idle)"
record "show --all: rows of idle families too"
why=; run 0 "$D" show --json; golden show.json; json_ok; err_empty
out_has '"name":"blue"'; out_has '"name":"systemd\[1\]"'; out_has '"name":"nginx\[4242\]"'
out_has '"inum":4026532600,"cookie":20,"name":null'; out_has '"kernel":null'
record "show --json: contract v1, names, null for figures the kernel lacks"
why=; run 0 "$D" show --source "$FIX/good" --json; json_ok
out_has '"allocs":18446744073709551615'; out_has '"drift":-2'
record "show --json: u64 max and negative drift printed exactly"
why=; run 0 "$D" --source "$T/healthy/summary" show; out_has "4026531840"; err_empty
record "show --source FILE reads a single summary file"

# ---- features, calibration spread, IPsec errors (current module) ----
mkdir -p "$T/cur"
for f in summary suspects; do sed "s/4026532400/$BLUE/g" "$FIX/current/$f" >"$T/cur/$f"; done
why=; run 0 "$D" --source "$T/cur" show; err_empty
out_has "^global ipv4: kernel 1045 expected 1042 drift 3$"
out_has "^features: stacks 0, ftrace_permanent 0, netns_cookie dstleak, limits_enforceable 1$"
out_has "^degraded: no allocation stacks; ftrace hook can be switched off by sysctl; netns cookies numbered by dstleak$"
out_has "^calibration spread 5: the global ipv4 drift may be off by up to 5 since load$"
[ "$(sed -n 2p "$T/out")" = "global ipv4: kernel 1045 expected 1042 drift 3" ] || no "line 2 is not the global line"
awk '/^NETNS +INUM +STATE/ { t = 1; next } t && /^$/ { exit } t && /features|degraded|calibration/ { bad = 1 } END { exit bad }' "$T/out" ||
	no "features or calibration inside the table"
record "show: features, degradations and calibration spread as header lines, not in the table"
why=; run 0 "$D" --source "$T/cur" show --json; json_ok; err_empty
out_has '"features":{"stacks":0,"ftrace_permanent":0,"netns_cookie":"dstleak","limits_enforceable":1,"metadata_frees":null},"calibration_spread":5,"namespaces":'
run 0 "$D" --source "$T/healthy" show --json; out_has '"features":null,"calibration_spread":null,"namespaces":'
record "show --json: features and calibration_spread, null from an older module"
sed -e 's/ftrace_permanent 0/ftrace_permanent 1/; s/stacks 0/stacks 1/; s/netns_cookie dstleak/netns_cookie kernel/' \
	-e 's/^calibration spread 5$/calibration spread 0/' "$T/cur/summary" >"$T/cur/full"
why=; run 0 "$D" --source "$T/cur/full" show
out_has "^features: stacks 1, ftrace_permanent 1, netns_cookie kernel, limits_enforceable 1$"
out_lacks "^degraded"; out_has "^calibration spread 0: exact at load$"
run 0 "$D" --source "$T/healthy" show; out_lacks "^features"; out_lacks "^calibration"; out_lacks "^degraded"
record "show: no 'degraded' line with every feature; no line when the module does not say"
# metadata_frees: a pair added within format 2, after limits_enforceable and
# before pairs of the future; absent from an older module (the fixtures).
for v in exact records off; do
	sed "s/^\(features .*limits_enforceable 1\)/\1 metadata_frees $v/" "$T/cur/full" >"$T/cur/md-$v"
done
why=; run 0 "$D" --source "$T/cur/md-exact" show; err_empty
out_has "^features: stacks 1, ftrace_permanent 1, netns_cookie kernel, limits_enforceable 1, metadata_frees exact$"
out_lacks "^degraded"
run 0 "$D" --source "$T/cur/md-exact" show --json; json_ok
out_has '"limits_enforceable":1,"metadata_frees":"exact"},'
run 0 "$D" --source "$T/cur/md-records" show
out_has "^features: .*, metadata_frees records$"
out_has "^degraded: direct frees of untracked metadata dsts not counted$"
run 0 "$D" --source "$T/cur/md-records" show --json; out_has '"metadata_frees":"records"},'
run 0 "$D" --source "$T/cur/md-off" show; out_has "^degraded: metadata dsts not counted$"
run 0 "$D" --source "$T/cur/md-off" status; out_has "^features: .*, metadata_frees off$"
grep -q "future_pair 7" "$T/cur/md-off" || no "the fixture lost its future pair"
sed "s/metadata_frees exact/metadata_frees maybe/" "$T/cur/md-exact" >"$T/cur/md-bad"
run 2 "$D" --source "$T/cur/md-bad" show; err_lines 1; out_empty
err_has "md-bad:4: value of 'metadata_frees' is not exact, records or off: maybe"
record "show, status: metadata_frees said, its degradations named, a bad value refused"
why=; run 0 "$D" --source "$T/cur" show
awk '/^IPsec errors:$/ { t = 1; next } t { print }' "$T/out" | tr -s ' ' >"$T/xe"
printf '%s\n' "NETNS INUM WHERE ERRNO COUNT KERNEL_OUT_BUNDLE_GEN_ERROR" \
	"blue $BLUE lookup ENOENT 2 4" " bundle EINVAL 4" | cmp -s - "$T/xe" ||
	no "IPsec errors section: $(tr '\n' '|' <"$T/xe")"
[ "$(tail -n 1 "$T/out" | tr -s ' ')" = " bundle EINVAL 4" ] || no "IPsec errors are not after the table"
run 0 "$D" --source "$T/healthy" show -a; out_lacks "IPsec"
record "show: IPsec errors per namespace after the table, beside kernel_out_bundle_gen_error; none when healthy"
why=; run 1 "$D" --source "$T/cur" check
out_has "^DSTLEAK WARNING - global ipv4 drift 3 within the load-time calibration uncertainty (spread 5) | "
run 0 "$D" --source "$T/cur" check --max-drift 3; out_has "^DSTLEAK OK - "
sed 's/drift 3$/drift -6/; s/kernel 1045/kernel 1036/' "$T/cur/summary" >"$T/cur/big"
run 1 "$D" --source "$T/cur/big" check; out_has "^DSTLEAK WARNING - global ipv4 drift -6 (max 0) | "
sed 's/^calibration spread 5$/calibration spread 0/' "$T/cur/summary" >"$T/cur/zero"
run 1 "$D" --source "$T/cur/zero" check; out_has "^DSTLEAK WARNING - global ipv4 drift 3 (max 0) | "
grep -v '^calibration ' "$T/cur/summary" | awk '/^end lines/ { print "end lines " NR - 1; next } { print }' >"$T/cur/none"
run 1 "$D" --source "$T/cur/none" check; out_has "^DSTLEAK WARNING - global ipv4 drift 3 (max 0) | "
record "check: a global drift within the calibration spread says so; past it, spread 0 or none: unchanged"

# ---- formats: 1 still read; 2 keyed by cookie ----
why=; run 0 "$D" --source "$FIX/v1" show; out_has "^module 0.1.0, format 1"; out_has "nginx\[4242\]"
run 0 "$D" --source "$FIX/v1" show --json; json_ok; out_has '"inum":4026532500,"cookie":null,'
out_has '"untracked":null'
run 2 "$D" --source "$FIX/v1" check --max-suspects 100; out_has "^DSTLEAK CRITICAL"
record "format 1: still read by every command, format 2 figures null"
why=; run 0 "$D" --source "$FIX/reuse" show --all
out_has '^newbie\[6000\] *4026532281 *alive'; out_has '^- *4026532281 *exited'
record "inode reuse: two namespaces, the exited one not named after the new one"
why=; run 0 "$D" --source "$FIX/reuse" show --json; json_ok
out_has '"inum":4026532281,"cookie":7,"name":null,"state":"exited"'
out_has '"inum":4026532281,"cookie":30,"name":"newbie\[6000\]","state":"alive"'
record "inode reuse: JSON has both, with their cookies"
why=; run 0 "$D" --source "$FIX/reuse" export --prometheus; prom_ok "$T/out"
out_has '^dstleak_netns_exited{netns="4026532281",inum="4026532281",cookie="7"} 1$'
out_has '^dstleak_netns_exited{netns="4026532281",inum="4026532281",cookie="30"} 0$'
out_has '^dstleak_suspect_entries{netns="4026532281",inum="4026532281",cookie="30",family="ipv6",reason="dead",device="eth0"} 1$'
record "inode reuse: Prometheus series told apart by the cookie label"
why=; run 0 "$D" --source "$FIX/reuse" suspects
out_has '^- *4026532281 *ipv4 *netns_exited'; out_has '^newbie\[6000\] *4026532281 *ipv6 *dead *eth0'
record "inode reuse: suspects named by their own namespace (cookie)"
why=; run 1 "$D" --source "$FIX/reuse" check --max-suspects 10 --max-drift 2 --warn-headroom 0 --crit-headroom 0
out_has "^DSTLEAK WARNING - 11 suspect dst entries (max 10), most in netns 4026532281 (exited): 10 | "
record "inode reuse: check sums suspects per namespace (cookie), not per inode"

# ---- sources ----
mkdir -p "$T/proc/net"
# /proc/net/dstleak: the header, settled 0, the reader's namespace, the end line.
{ sed -n '1,3p' "$FIX/good/summary"; echo "settled 0"; grep '^ns 4026532500 ' "$FIX/good/summary"; } |
	awk '{ print } END { print "end lines " NR }' >"$T/proc/net/dstleak"
why=; run 0 env DSTLEAK_DEBUGFS=$T/empty "$D" show
err_lines 1; err_has "reading $T/proc/net/dstleak: this network namespace only"
out_has "nginx\[4242\]"; out_lacks "4026531840"
record "source: no debugfs -> /proc/net/dstleak, said once on stderr"
mkdir -p "$T/locked/dstleak/summary"
why=; run 0 env DSTLEAK_DEBUGFS=$T/locked "$D" watch -n 3 -i 0.01
err_lines 1; err_has "net/dstleak"
record "source: unreadable debugfs (lockdown) -> fallback, said once over a watch"
why=; run 3 env DSTLEAK_DEBUGFS=$T/locked "$D" suspects
err_lines 2; err_has "debugfs only"; out_empty
record "suspects: refused with exit 3 when only /proc/net/dstleak is readable"
rm -rf "$T/proc/net"
why=; run 3 env DSTLEAK_DEBUGFS=$T/empty "$D" show
err_lines 1; err_has 'modprobe dstleak'; err_has 'insmod dstleak.ko'; out_empty
record "source: module not loaded -> one line saying how to load it, exit 3"
why=; run 2 "$D" --source "$T/nonexistent" show; err_lines 1; err_has "nonexistent"
record "source: --source that does not exist -> exit 2"

# ---- bad input, through the command line ----
for f in "$FIX"/bad/*; do
	b=$(basename "$f")
	case $b in
	snap-*) continue ;;
	suspects-*)
		rm -rf "$T/badsrc"; mkdir -p "$T/badsrc"
		cp "$FIX/good/summary" "$T/badsrc/summary"
		cp "$f" "$T/badsrc/suspects"
		why=; run 2 "$D" --source "$T/badsrc" suspects
		err_has "badsrc/suspects:[0-9]*: "
		;;
	*)
		why=; run 2 "$D" --source "$f" show
		err_has "bad/$b:[0-9]*: "
		;;
	esac
	err_lines 1; out_empty
	record "bad input $b: one line naming file and line, exit 2, nothing on stdout"
done
why=; run 2 "$D" --source "$FIX/bad/overflow-u64" show --json; out_empty
record "bad input: --json prints nothing rather than a wrong number"
why=; run 2 "$D" --source "$FIX/bad/truncated-lines" export --prometheus; out_empty
record "bad input: export prints nothing for a truncated file"

# ---- suspects ----
why=; run 0 "$D" suspects; golden suspects.out; err_empty
out_has '^    dsthelper_hold_v4+0x3a/0x90 \[dsthelper\]$'; out_has 'blue'
record "suspects: groups with names, ages, indented stacks, old entries apart"
why=; run 0 "$D" suspects --json; golden suspects.json; json_ok
out_has '"oldest_s":65.000,"median_s":64.000'; out_has '"device":null'
out_has '"device":"\\"we\\\\ird"'
record "suspects --json: contract v1, seconds exact, device null or escaped"
mkdir -p "$T/med"; cp "$FIX/good/summary" "$T/med/"; cp "$FIX/suspects-median-after-oldest" "$T/med/suspects"
why=; run 0 "$D" --source "$T/med" suspects --json; out_has '"oldest_s":65.000,"median_s":66.000'
record "suspects: a median measured after the oldest (two walks) is accepted as written"
why=; run 0 "$D" --source "$T/healthy" suspects; out_has "^no leak suspects$"
record "suspects: none -> says so"

# ---- check ----
why=; run 2 "$D" check; [ "$(grep -c '^DSTLEAK' "$T/out")" = 1 ] || no "not one status line"
out_has "^DSTLEAK CRITICAL - netns 4026532600 ipv6 headroom 7.2% (kernel 950 of gc_thresh 1024), below 10%"
record "check: critical headroom names the worst namespace, exit 2"
why=; run 1 "$D" check --crit-headroom 5 --max-suspects 1000
out_has "^DSTLEAK WARNING - netns 4026532600 ipv6 headroom 7.2%"
record "check: --crit-headroom lowered -> warning, exit 1"
# The first line (the per-namespace lines follow the inode order of ties).
why=; run 0 "$D" --source "$T/healthy" check; head -n 1 "$T/out" >"$T/out.1"; mv "$T/out.1" "$T/out"
golden check-ok.out
record "check: healthy -> OK with the lowest headroom, exit 0"
why=; run 1 "$D" --source "$T/healthy" check --warn-headroom 97.5 --crit-headroom 5
out_has "^DSTLEAK WARNING - netns blue ($BLUE) ipv6 headroom 90.2% (kernel 100 of gc_thresh 1024), below 97.5%"
record "check: --warn-headroom raised -> warning"
mkdir -p "$T/drift"; cp "$T/healthy/suspects" "$T/drift/"
sed "/^ns $BLUE alive ipv6/s/drift 0/drift -3/" "$T/healthy/summary" >"$T/drift/summary"
why=; run 1 "$D" --source "$T/drift" check; out_has "^DSTLEAK WARNING - netns blue ($BLUE) ipv6 drift -3 (max 0)"
record "check: drift -> warning naming the namespace"
why=; run 0 "$D" --source "$T/drift" check --max-drift 3; out_has "^DSTLEAK OK - .*drift within 3"
record "check: --max-drift tolerates it"
sed '/^ns /!s/missed 0/missed 4/' "$T/healthy/summary" >"$T/drift/summary"
why=; run 1 "$D" --source "$T/drift" check; out_has "probe dst_alloc missed 4 events"
record "check: missed probe events -> warning"
mkdir -p "$T/sus"; cp "$T/healthy/summary" "$T/sus/"; cp "$T/src/suspects" "$T/sus/"
why=; run 1 "$D" --source "$T/sus" check
out_has "^DSTLEAK WARNING - 19 suspect dst entries (max 0), most in netns 4026532281: 14 | "
record "check: suspects -> warning naming the namespace with most"
why=; run 0 "$D" --source "$T/sus" check --max-suspects 19
out_has "^DSTLEAK OK - .*, 19 suspect dst entries (max 19) | "; out_lacks "no leak suspects"
record "check: --max-suspects tolerates them, and says how many"
mkdir -p "$T/drop"; cp "$T/healthy/summary" "$T/drop/"; cp "$FIX/dropped/suspects" "$T/drop/"
why=; run 1 "$D" --source "$T/drop" check --max-suspects 100
out_has "^DSTLEAK WARNING - 250010 suspect dst entries (max 100), 250000 past the module's group limit; most grouped in netns 4026532281: 6 | "
run 0 "$D" --source "$T/drop" check --max-suspects 250010
out_has "^DSTLEAK OK - .*, 250010 suspect dst entries (max 250010) | "; out_lacks "no leak suspects"
run 0 "$D" --source "$T/drop" suspects
out_has "^250000 more suspect entries past the module's group limit (not grouped)$"
run 0 "$D" --source "$T/drop" suspects --json; json_ok; out_has '"dropped":250000'
run 0 "$D" --source "$T/drop" export --prometheus; prom_ok "$T/out"
out_has '^dstleak_suspect_dropped_entries 250000$'
record "check, suspects, export: suspects past the module's group limit count (dropped)"
cp "$FIX/dropped/only-dropped" "$T/drop/suspects"
why=; run 1 "$D" --source "$T/drop" check
out_has "^DSTLEAK WARNING - 7 suspect dst entries (max 0), 7 past the module's group limit | "
run 0 "$D" --source "$T/drop" suspects; out_lacks "no leak suspects"; out_has "^7 more suspect"
record "check, suspects: only dropped suspects are still suspects"
why=; run 3 "$D" --source "$T/healthy/summary" check --max-suspects 0
out_has "^DSTLEAK UNKNOWN - cannot check suspects"
record "check: --max-suspects without a suspects file -> unknown"
# A limit the kernel does not enforce (limit_enforced 0): no alert.
mkdir -p "$T/unenf"; sed "s/4026532400/$BLUE/g" "$FIX/unenforced/summary" >"$T/unenf/summary"
cp "$T/healthy/suspects" "$T/unenf/"
why=; run 0 "$D" --source "$T/unenf" check; out_lacks "netns blue"
sed 's/limit_enforced 0$/limit_enforced 1/' "$T/unenf/summary" >"$T/unenf/s1"; mv "$T/unenf/s1" "$T/unenf/summary"
run 2 "$D" --source "$T/unenf" check; out_has "^DSTLEAK CRITICAL - netns blue ($BLUE) ipv6 headroom 2.3%"
record "check: headroom alerts only where the kernel enforces the limit"
why=; run 0 "$D" --source "$FIX/unenforced" show; out_has " 2.3%\*$"; out_has "^\* "
record "show: the headroom of a limit not enforced is marked"
why=; run 3 "$D" --source "$T/nonexistent" check; out_has "^DSTLEAK UNKNOWN - .*nonexistent"
run 3 "$D" check --source "$T/nonexistent"; out_has "^DSTLEAK UNKNOWN - "
run 3 "$D" --source "$T/empty" check; out_has "^DSTLEAK UNKNOWN - .*summary"
record "check: a missing or unreadable --source is UNKNOWN, exit 3"
why=; run 3 "$D" --source "$FIX/bad/garbage-binary" check; out_lines 1
out_has "^DSTLEAK UNKNOWN - .*garbage-binary:3: garbage"
record "check: bad input -> UNKNOWN on stdout, exit 3 (not 2, which is CRITICAL)"
why=; run 3 env DSTLEAK_DEBUGFS=$T/empty "$D" check; out_has "^DSTLEAK UNKNOWN - .*modprobe dstleak"
record "check: module not loaded -> unknown, exit 3"
why=; run 3 "$D" check --warn-headroom 5 --crit-headroom 10; out_has "^DSTLEAK UNKNOWN"
record "check: crit above warn -> unknown, exit 3"
why=; run 3 "$D" check --max-drift -1; out_has "^DSTLEAK UNKNOWN"
why=; run 3 "$D" check --warn-headroom 1e999; out_has "^DSTLEAK UNKNOWN"
why=; run 3 "$D" check --bogus; out_has "^DSTLEAK UNKNOWN - unknown option '--bogus'"
record "check: bad option values -> unknown, exit 3"

mkdir -p "$T/neg"; cp "$FIX/negative-global/summary" "$T/neg/"; cp "$T/healthy/suspects" "$T/neg/"
why=; run 2 "$D" --source "$T/neg" check; out_has "^DSTLEAK CRITICAL - "
run 0 "$D" --source "$T/neg" show; out_has "^global ipv4: kernel -3 expected 1042 drift 0$"
run 0 "$D" --source "$T/neg" show --json; out_has '"global":{"ipv4":{"kernel":-3,"expected":1042,"drift":0}}'
run 0 "$D" --source "$T/neg" export --prometheus; out_has '^dstleak_global_dst_kernel_entries{family="ipv4"} -3$'
record "a negative global counter (signed) stops no command"

# ---- text that is not UTF-8 ----
FFFD=$(printf '\357\277\275')
why=; run 0 "$D" --source "$T/utf8" export --prometheus; utf8_ok; prom_ok "$T/out"
out_has "^dstleak_netns_exited{netns=\"caf$FFFD\",inum=\"$CAFE\",cookie=\"100\"} 0\$"
out_has '^dstleak_netns_exited{netns="4026532950",inum="4026532950",cookie="150"} 0$'
out_has "^dstleak_suspect_entries{.*,device=\"eth${FFFD}0\"} 3\$"
out_has '^dstleak_suspect_entries{.*,device="a\\"b\\\\\\\\c"} 1$'
out_lacks 'bad.*name\['
record "export: labels valid UTF-8 and escaped; netns is the ip netns name or the inode, never comm[pid]"
# The same namespaces after every process in them restarted (new pids, new
# names): not one series changes (issue 15: no label churn).
why=; run 0 "$D" export --prometheus; sed 's/ [^ ]*$//' "$T/out" >"$T/series1"
mkdir -p "$T/proc2"
printf '%s\n' "9101 systemd 4026531840" "9202 nginx 4026532500" "9303 sleeper $BLUE" \
	"9404 newer 4026532281" "9505 other 4026532950" | while read -r _p _c _n; do
	mkdir -p "$T/proc2/$_p/ns"; ln -s "net:[$_n]" "$T/proc2/$_p/ns/net"; echo "$_c" >"$T/proc2/$_p/comm"
done
DSTLEAK_PROC=$T/proc2 run 0 "$D" export --prometheus; sed 's/ [^ ]*$//' "$T/out" >"$T/series2"
cmp -s "$T/series1" "$T/series2" || no "series changed: $(diff "$T/series1" "$T/series2" | head -c 300 | tr '\n' '|')"
[ "$(grep -c '^dstleak_' "$T/series1")" -gt 300 ] || no "only $(grep -c '^dstleak_' "$T/series1") series"
run 0 "$D" show; out_has '^nginx\[4242\] '
DSTLEAK_PROC=$T/proc2 run 0 "$D" show; out_has '^nginx\[9202\] '
record "export: processes restarted with new pids and names -> the same series (show sees the new names)"
why=; run 0 "$D" --source "$T/utf8" show; utf8_ok; out_has "^caf$FFFD "; out_has "^bad${FFFD}name\[7000\] "
run 0 "$D" --source "$T/utf8" show --json; utf8_ok; json_ok
run 0 "$D" --source "$T/utf8" suspects; utf8_ok; out_has "eth${FFFD}0"; out_has "bad_frame$FFFD+0x1"
run 0 "$D" --source "$T/utf8" suspects --json; utf8_ok; json_ok
run 1 "$D" --source "$T/utf8" check; utf8_ok; out_has "bad${FFFD}name\[7000\]"
record "show, suspects, check: bytes that are not UTF-8 printed as U+FFFD"

# ---- export ----
why=; run 0 "$D" export --prometheus; golden export.prom; err_empty
if ! grep -q "^dstleak_dst_allocs_total{netns=\"blue\",inum=\"$BLUE\",cookie=\"12\",family=\"ipv6\"} 2000\$" "$T/out"; then
	no "no allocs series for blue"
fi
out_lacks ' -$'
out_lacks 'dstleak_dst_kernel_entries{netns="4026531840",inum="4026531840",cookie="1",family="ipv4"}'
record "export --prometheus: series per namespace and family, no sample for '-'"
why=; prom_ok "$T/out"
record "export --prometheus: exposition format well formed (TYPE first, grouped, unique series)"
why=; prom_names_ok "$T/out"
# Every metric of the writer is in this output (none is left unchecked).
_m=$(grep -c '^# TYPE ' "$T/out"); [ "$_m" = 36 ] || no "$_m metrics, want 36"
record "export --prometheus: names follow Prometheus naming (_total counters; gauges _entries, _bytes, _seconds, _ratio, _info, or a 0/1 flag)"
# The naming check can fail: it rejects a gauge without a unit, a counter
# without _total, a flag that is not 0/1.
cp "$T/out" "$T/names.keep"
why=
for bad in '# TYPE dstleak_dst_live gauge|dstleak_dst_live 1' \
	'# TYPE dstleak_dst_allocs counter|dstleak_dst_allocs 1' \
	'# TYPE dstleak_live_total gauge|dstleak_live_total 1' \
	'# HELP dstleak_x 1 when on.|# TYPE dstleak_x gauge|dstleak_x 2' \
	'# TYPE dstleak_build_info gauge|dstleak_build_info 0'; do
	echo "$bad" | tr '|' '\n' >"$T/out"
	_w=$why; prom_names_ok "$T/out"
	if [ "$why" = "$_w" ]; then why=; no "accepted: $bad"; break; fi
	why=
done
cp "$T/names.keep" "$T/out"
record "prom_names_ok rejects a unitless gauge, a counter without _total, a gauge _total, a flag of 2, an info of 0"
why=; run 0 "$D" export --prometheus -o "$T/out.prom"; out_empty
cmp -s "$T/out.prom" "$T/out" 2>/dev/null
[ -s "$T/out.prom" ] || no "no output file"
ls "$T" | grep -q 'out.prom.*tmp' && no "temporary file left behind"
record "export -o FILE: written atomically, no temporary left"
why=; run 2 "$D" export; err_has "needs a format: --prometheus"
record "export without --prometheus -> exit 2"

# ---- snapshot and diff ----
why=; run 0 "$D" snapshot "$T/s1"; err_has "saved"
head -4 "$T/s1" | grep -q "^host testhost$" || no "no host line"
grep -q "^boot_id 11111111-2222-3333-4444-555555555555$" "$T/s1" || no "no boot_id line"
[ "$(stat -c %a "$T/s1")" = 600 ] || no "mode is not 600"
tail -n +6 "$T/s1" | cmp -s - "$T/debugfs/dstleak/summary" || no "body is not the summary verbatim"
record "snapshot FILE: header (host, boot, time, source) + summary verbatim, mode 0600"
why=; run 0 "$D" snapshot; [ -s "$T/history" ] || no "no history file"
record "snapshot: default history file from DSTLEAK_HISTORY"
ln -s "$T/s1" "$T/link"
why=; run 1 "$D" snapshot "$T/link"; err_has "symbolic link"
record "snapshot: refuses to write through a symbolic link"
: >"$T/theirs"; chown 4242 "$T/theirs" 2>/dev/null
if [ "$(stat -c %u "$T/theirs")" = 4242 ]; then
	why=; run 1 "$D" snapshot "$T/theirs"; err_has "not by you"
	[ -s "$T/theirs" ] && no "wrote into a file owned by someone else"
	record "snapshot: refuses a file owned by another user"
fi
# A FIFO, another user's trap at the predictable history file: refused at
# once (timeout turns a hang into a failure), and nothing written.
mkfifo "$T/fifo"
why=; run 1 timeout 10 "$D" snapshot "$T/fifo"; err_has "not a regular file"
[ -p "$T/fifo" ] || no "the FIFO was replaced"
run 1 timeout 10 env DSTLEAK_HISTORY="$T/fifo" "$D" snapshot; err_has "not a regular file"
record "snapshot: a FIFO at the target is refused, no hang"
cp "$T/s1" "$T/copy-of-s1"; ln "$T/s1" "$T/hardlink"
why=; run 1 "$D" snapshot "$T/hardlink"; err_has "hard link"
cmp -s "$T/s1" "$T/copy-of-s1" || no "wrote through a hard link"
rm -f "$T/hardlink"
record "snapshot: a file with other hard links is refused"
why=; run 1 env DSTLEAK_HOSTNAME="$(printf '%05000d' 0)" "$D" snapshot "$T/s1"; err_has "too long"
cmp -s "$T/s1" "$T/copy-of-s1" || no "the snapshot was changed"
record "snapshot: a header that does not fit is an error, not cut"
why=; run 0 "$D" snapshot "$T/s1"
ls -a "$T" | grep -q '^s1\..' && no "temporary file left behind: $(ls -a "$T" | grep '^s1\.')"
[ "$(stat -c %a "$T/s1")" = 600 ] || no "mode is not 600"
record "snapshot: written to a temporary file and renamed, mode 0600"
mkdir -p "$T/fifosrc"; mkfifo "$T/fifosrc/summary"
why=; run 2 timeout 10 "$D" --source "$T/fifosrc" show; err_has "summary: not a regular file"
run 3 timeout 10 "$D" --source "$T/fifosrc" check; out_has "^DSTLEAK UNKNOWN - .*not a regular file"
run 2 timeout 10 "$D" --source "$T/fifosrc" snapshot "$T/s-fifo"
[ -e "$T/s-fifo" ] && no "saved a snapshot of a FIFO"
run 2 timeout 10 "$D" diff "$T/fifo"; err_has "not a regular file"
record "--source DIR whose summary is a FIFO, diff of a FIFO: refused, no hang"
mkdir -p "$T/fifodbg/dstleak"; mkfifo "$T/fifodbg/dstleak/summary"
why=; run 3 timeout 10 env DSTLEAK_DEBUGFS="$T/fifodbg" DSTLEAK_PROC="$T/empty" "$D" show
err_has "not a regular file"
record "a FIFO in place of the debugfs summary: refused, no hang"
why=; run 2 "$D" --source "$FIX/bad/format3" snapshot "$T/s-bad"
[ -e "$T/s-bad" ] && no "saved a summary that does not parse"
record "snapshot: a summary that does not parse is not saved"
why=; run 0 "$D" snapshot -; out_has "^dstleak-snapshot 1$"
record "snapshot -: to stdout"
why=; run 0 "$D" diff "$FIX/snap/old" "$FIX/snap/new"; golden diff.out
out_has "60.5 seconds"; err_empty
record "diff OLD NEW: deltas, rates per second, new and gone namespaces"
why=; run 0 "$D" diff "$FIX/snap/old" "$FIX/snap/new"; out_lacks 4026532281
why=; run 0 "$D" diff --all "$FIX/snap/old" "$FIX/snap/new"; out_has 4026532281
record "diff --all: unchanged rows too"
why=; run 0 "$D" diff "$FIX/snap/new" "$FIX/snap/reset"; out_has "reset"
err_has "went backwards"
out_lacks "18446744073709"
record "diff: a counter that went backwards is 'reset', never a huge number"
why=; run 0 "$D" diff "$FIX/snap/own-netns" "$FIX/snap/new"; out_has "4026532400 *not in OLD$"; out_lacks " new "
out_lacks "2000"
record "diff: a snapshot of one namespace (/proc) makes no others 'new' with counts from zero"
why=; run 0 "$D" diff "$T/s1"; out_has "to now"; err_empty
record "diff OLD: against now, same host and boot"
why=; run 0 env DSTLEAK_HOSTNAME=" x" "$D" snapshot "$T/s-blank"
grep -qx 'host unknown' "$T/s-blank" || no "host line: $(sed -n 2p "$T/s-blank")"
run 0 env DSTLEAK_HOSTNAME=" x" "$D" diff "$T/s-blank"; out_has "to now"; err_empty
record "snapshot: a host name blank once cut at a space is 'unknown' (as in record), and diff reads it"
why=; run 2 "$D" diff "$FIX/bad/snap-foreign-host"; err_lines 1
err_has "snap-foreign-host:2: snapshot is from host 'otherhost'"; err_has "force"; out_empty
record "diff: a snapshot from another host is refused (file and line named)"
why=; run 2 "$D" diff "$FIX/bad/snap-foreign-boot" "$FIX/snap/new"; err_lines 1
err_has "snap-foreign-boot:3: snapshot is from boot"
record "diff: a snapshot from another boot is refused"
why=; run 0 "$D" diff --force "$FIX/bad/snap-foreign-host" "$FIX/snap/new"
record "diff --force: compares anyway"
why=; run 2 env DSTLEAK_PROC=$T/empty "$D" diff "$T/s1"; err_has "from boot"
record "diff: an unknown boot id matches nothing (refused unless forced)"
for b in snap-no-header snap-version2 snap-missing-boot snap-bad-time snap-truncated snap-truncated-body snap-v2-truncated; do
	why=; run 2 "$D" diff "$FIX/bad/$b" "$FIX/snap/new"; err_lines 1; err_has "$b:[0-9]*: "; out_empty
	record "diff: bad snapshot $b -> one line, exit 2"
done
why=; run 2 "$D" diff; err_has "needs a snapshot"
why=; run 2 "$D" diff "$T/nonexistent"; err_has "nonexistent"
why=; run 2 "$D" diff "$T"; err_has "not a regular file"
record "diff: missing, nonexistent or directory arguments -> exit 2"

# ---- watch ----
why=; run 0 "$D" watch -n 2 -i 0.05
[ "$(grep -c '^dstleak watch ' "$T/out")" = 2 ] || no "not 2 blocks"
grep -q "$(printf '\033')" "$T/out" && no "escape codes on a pipe"
out_has "(rates from the next round)"
awk '/^dstleak watch/ { n++ } n == 2 && / ipv6 / { print }' "$T/out" | grep -q ' 0\.0 ' ||
	no "second block has no rates"
record "watch -n 2: two blocks, rates from the second, no escape codes on a pipe"
mkdir -p "$T/w"; cp "$T/healthy/summary" "$T/w/summary"
( sleep 0.3
  sed "/^ns $BLUE alive ipv6/s/allocs 2000 /allocs 2100 /" \
	"$T/healthy/summary" >"$T/w/summary.new" && mv "$T/w/summary.new" "$T/w/summary" ) &
why=; run 0 "$D" --source "$T/w" watch -n 2 -i 1
wait
awk -v blue="$BLUE" '/^dstleak watch/ { n++ } n == 2 && $0 ~ "^blue +" blue { inblue = 1 }
	n == 2 && inblue && / ipv6 / { print $3; exit }' "$T/out" >"$T/rate"
awk '{ exit !($1 >= 80 && $1 <= 101) }' "$T/rate" || no "ipv6 allocs/s in blue is '$(cat "$T/rate")', want about 100"
record "watch: rates per second from the interval (counters that go backwards: checkwatch.sh)"
why=; run 2 "$D" watch -i 0; err_has "-i: '0'"
why=; run 2 "$D" watch -i abc
why=; run 2 "$D" watch -n 0
why=; run 2 "$D" watch -i
record "watch: bad -i and -n values -> exit 2"

# ---- views: xfrm, routes, icmp, status, objects; filters (views.sh) ----
. "$HERE/views.sh"
# ---- check as a monitoring plugin; watch across reloads, errors, widths ----
. "$HERE/checkwatch.sh"
. "$HERE/output.sh"

# ---- help, version, usage ----
for c in show watch snapshot diff suspects check export; do
	why=; run 0 "$D" $c --help; out_has "^Usage: dstleak $c"; err_empty
	record "$c --help"
done
why=; run 0 "$D" --help; out_has "^Usage: dstleak"; out_has "DSTLEAK_PROC"
record "--help"
why=; run 0 "$D" --version; out_has "^dstleak 0.2.0 (reads export formats 1 to 2"
record "--version"
why=; run 2 "$D" frobnicate; err_has "unknown command 'frobnicate'"
why=; run 2 "$D" show --bogus; err_has "unknown option '--bogus'"
why=; run 2 "$D" show -x; err_has "unknown option '-x'"
why=; run 2 "$D" show extra; err_has "unexpected argument"
why=; run 2 "$D" --source; err_has "needs a value"
why=; run 2 "$D" show --source; err_has "needs a value"
record "usage errors -> exit 2 with a pointer to --help"

# ---- record, forecast, plot (history.sh); the Grafana dashboard ----
. "$HERE/history.sh"
. "$HERE/grafana.sh"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
