#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR MIT
# The Prometheus export read by a real node_exporter (issue 15). For every
# fixture of tests/unit/fixtures that is a whole source (and the hostile one:
# bytes that are not UTF-8, quotes, backslashes and control bytes in names),
# "dstleak export --prometheus -o" writes the textfile into a private
# directory; Debian's prometheus-node-exporter, run by this script with only
# its textfile collector on a free loopback port, is scraped with curl, and
#   - every dstleak series of the textfile (name and label set) arrives, with
#     its value, its TYPE and its HELP, and no other dstleak series does;
#   - node_textfile_scrape_error is 0 (the collector rejected nothing),
#     promhttp_metric_handler_errors_total is 0, the file's mtime is there;
#   - promtool check metrics has nothing to say about the textfile.
# Controls that prove the checks can fail: a label value that is not UTF-8
# makes the collector report node_textfile_scrape_error 1, and a series taken
# out of a scrape is reported missing.
# The script kills exactly the process it started, removes its directory,
# and leaves the node-exporter service as it found it (disabled: it checks).
# One "PASS prom NAME" / "FAIL prom NAME: why" line per test, then
# "N passed, N failed". Exit 1 on any failure.
#
# Usage: tests/prom_scrape.sh     NO_DEPS=1: do not run tests/deps.sh --prom
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
FIX=$TOP/tests/unit/fixtures
READER=${DSTLEAK_READER:-$TOP/tools/dstleak}
NE=prometheus-node-exporter
export LC_ALL=C
P=0 F=0
NE_PID=
T=

pass() { echo "PASS prom $1"; P=$((P + 1)); }
fail() { echo "FAIL prom $1: $2"; F=$((F + 1)); }
finish() {
	echo "$P passed, $F failed"
	[ "$F" -eq 0 ]
	exit
}

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$NE_PID" ]; then
		kill "$NE_PID" 2>/dev/null
		wait "$NE_PID" 2>/dev/null
	fi
	[ -z "$T" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- what it needs ----
if [ -z "${NO_DEPS:-}" ] && ! "$TOP/tests/deps.sh" --prom </dev/null >/dev/null 2>&1; then
	fail deps "tests/deps.sh --prom failed (run it to see why)"
	finish
fi
for t in "$NE" curl promtool; do
	if ! command -v "$t" >/dev/null 2>&1; then
		fail deps "$t not installed (tests/deps.sh --prom)"
		finish
	fi
done
if [ ! -x "$READER" ] && ! make -s -C "$TOP/tools" >/dev/null 2>&1; then
	fail reader "cannot build tools/dstleak"
	finish
fi
pass deps

# The service's state before: this script must leave it so.
svc_state() {
	local s=none n=0 l
	if command -v systemctl >/dev/null 2>&1; then
		s=$(systemctl is-enabled "$NE.service" 2>/dev/null)
	fi
	for l in /etc/rc[2-5].d/S??"$NE"; do
		[ ! -e "$l" ] || n=$((n + 1))
	done
	echo "${s:-none} $n"
}
svc_before=$(svc_state)

T=$(mktemp -d /tmp/dstleak-prom.XXXXXX) || exit 2
TF=$T/textfile
mkdir -p "$TF" "$T/netns" "$T/proc" "$T/src"

# ---- a fixture world: names of namespaces from a private /run/netns ----
# blue is 4026532400 in the fixtures; the hostile fixture (utf8/) has
# 4026532900 named "caf\351" (not UTF-8) and 4026532950, here named with a
# quote, a backslash, a tab and a newline.
: >"$T/netns/blue"
: >"$T/netns/$(printf 'caf\351')"
: >"$T/netns/$(printf 'q"u\\o\tt\ne')"
BLUE=$(stat -c %i "$T/netns/blue")
CAFE=$(stat -c %i "$T/netns/$(printf 'caf\351')")
QUOTE=$(stat -c %i "$T/netns/$(printf 'q"u\\o\tt\ne')")
export DSTLEAK_NETNS_DIR=$T/netns DSTLEAK_PROC=$T/proc DSTLEAK_DEBUGFS=$T/none
unset DSTLEAK_SOURCE

# canon FILE: the dstleak samples of an exposition as "name{labels}<TAB>value",
# labels sorted by name, values unescaped and escaped again one way, numbers
# as doubles (node_exporter prints 2147483647 as 2.147483647e+09); and
# "#TYPE name type", "#HELP name text" lines.
canon() {
	awk '
function unesc(s,   o, i, c) {
	o = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\") {
			i++
			c = substr(s, i, 1)
			if (c == "n")
				c = "\n"
		}
		o = o c
	}
	return o
}
function esc(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	gsub(/\n/, "\\n", s)
	return s
}
/^# (TYPE|HELP) dstleak_/ {
	k = $2; n = $3
	sub(/^# (TYPE|HELP) [^ ]* ?/, "")
	print "#" k " " n " " unesc($0)
	next
}
/^#/ || !/^dstleak_/ { next }
{
	line = $0
	name = line; sub(/[{ ].*/, "", name)
	rest = substr(line, length(name) + 1)
	nl = 0
	if (substr(rest, 1, 1) == "{") {
		rest = substr(rest, 2)
		while (substr(rest, 1, 1) != "}") {
			eq = index(rest, "=")
			if (eq < 2 || substr(rest, eq + 1, 1) != "\"") {
				print "BAD " line; next
			}
			key = substr(rest, 1, eq - 1)
			rest = substr(rest, eq + 2)
			v = ""
			for (i = 1; i <= length(rest); i++) {
				c = substr(rest, i, 1)
				if (c == "\\") { v = v c substr(rest, i + 1, 1); i++; continue }
				if (c == "\"") break
				v = v c
			}
			if (i > length(rest)) { print "BAD " line; next }
			rest = substr(rest, i + 1)
			if (substr(rest, 1, 1) == ",")
				rest = substr(rest, 2)
			nl++; ks[nl] = key; vs[nl] = esc(unesc(v))
			# insertion sort by label name
			for (j = nl; j > 1 && ks[j - 1] > ks[j]; j--) {
				t = ks[j]; ks[j] = ks[j - 1]; ks[j - 1] = t
				t = vs[j]; vs[j] = vs[j - 1]; vs[j - 1] = t
			}
		}
		rest = substr(rest, 2)
	}
	if (rest !~ /^ [^ ]+$/) { print "BAD " line; next }
	s = name
	if (nl) {
		s = s "{"
		for (j = 1; j <= nl; j++)
			s = s (j > 1 ? "," : "") ks[j] "=\"" vs[j] "\""
		s = s "}"
	}
	printf "%s\t%.17g\n", s, substr(rest, 2) + 0
}' "$1" | sort
}

# value FILE SERIES: the value of an exact series line of a scrape.
value() { awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' "$1"; }

# compare TEXTFILE SCRAPE: 0 when every dstleak series, TYPE and HELP of the
# textfile is in the scrape with its value and nothing else is; else says why.
compare() {
	canon "$1" >"$T/want"
	canon "$2" >"$T/got"
	if grep -q '^BAD ' "$T/want" "$T/got"; then
		echo "unparsable: $(grep -h -m2 '^BAD ' "$T/want" "$T/got" | tr '\n' '|')"
		return 1
	fi
	if ! grep -q '^dstleak_' "$T/want"; then
		echo "no dstleak series in the textfile"
		return 1
	fi
	comm -23 "$T/want" "$T/got" >"$T/missing"
	comm -13 "$T/want" "$T/got" >"$T/extra"
	if [ -s "$T/missing" ] || [ -s "$T/extra" ]; then
		echo "$(wc -l <"$T/missing") missing or different, $(wc -l <"$T/extra") unexpected;" \
			"first missing: $(head -n 2 "$T/missing" | tr '\n\t' '| ')" \
			"first unexpected: $(head -n 2 "$T/extra" | tr '\n\t' '| ')"
		return 1
	fi
	echo "$(grep -c '^dstleak_' "$T/want") series, $(grep -c '^#TYPE' "$T/want") metrics"
}

# ---- node_exporter, textfile collector only, on a free loopback port ----
PORT=
for _try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + (RANDOM % 20000)))
	if command -v ss >/dev/null 2>&1 && ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
		continue
	fi
	"$NE" --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TF" --web.disable-exporter-metrics \
		--web.listen-address="127.0.0.1:$port" >"$T/ne.log" 2>&1 &
	NE_PID=$!
	for _ in $(seq 1 100); do
		if ! kill -0 "$NE_PID" 2>/dev/null; then
			break
		fi
		if curl -sf -o /dev/null "http://127.0.0.1:$port/metrics"; then
			PORT=$port
			break 2
		fi
		sleep 0.1
	done
	# It died (port taken between ss and bind?) or never answered: next port.
	kill "$NE_PID" 2>/dev/null
	wait "$NE_PID" 2>/dev/null
	NE_PID=
done
if [ -z "$PORT" ]; then
	fail node-exporter "did not serve on a loopback port: $(tail -n 3 "$T/ne.log" | tr '\n' '|')"
	finish
fi
pass "node-exporter (pid $NE_PID, 127.0.0.1:$PORT, $($NE --version 2>&1 | head -n 1 | cut -c1-40))"

scrape() { curl -sf "http://127.0.0.1:$PORT/metrics" >"$1"; }

# health SCRAPE FILE: the collector read FILE and rejected nothing.
health() {
	local e
	e=$(value "$1" node_textfile_scrape_error)
	[ "$e" = 0 ] || { echo "node_textfile_scrape_error is '$e': $(tail -n 2 "$T/ne.log" | tr '\n' '|')"; return 1; }
	[ -n "$(value "$1" "node_textfile_mtime_seconds{file=\"$2\"}")" ] ||
		{ echo "no node_textfile_mtime_seconds for $2"; return 1; }
	for c in encoding gathering; do
		e=$(value "$1" "promhttp_metric_handler_errors_total{cause=\"$c\"}")
		[ "${e:-0}" = 0 ] || { echo "promhttp $c errors: $e"; return 1; }
	done
}

# ---- every fixture that is a whole source ----
# name: fixture directory (inodes of the named namespaces put in)
n_series=0
for fx in good healthy current reuse negative-global unenforced v1 utf8; do
	src=$T/src/$fx
	mkdir -p "$src"
	for f in "$FIX/$fx"/*; do
		sed -e "s/4026532400/$BLUE/g" -e "s/4026532900/$CAFE/g" \
			-e "s/4026532950/$QUOTE/g" "$f" >"$src/$(basename "$f")"
	done
	rm -f "$TF"/*
	if ! "$READER" --source "$src" export --prometheus -o "$TF/dstleak.prom" 2>"$T/err" ||
		[ ! -s "$TF/dstleak.prom" ]; then
		fail "$fx export" "dstleak export failed: $(head -c 300 "$T/err")"
		continue
	fi
	if promtool check metrics <"$TF/dstleak.prom" >"$T/lint" 2>&1; then
		pass "$fx promtool-check-metrics"
	else
		fail "$fx promtool-check-metrics" "$(head -n 3 "$T/lint" | tr '\n' '|')"
	fi
	if ! scrape "$T/scrape.$fx"; then
		fail "$fx scrape" "curl failed"
		continue
	fi
	if why=$(health "$T/scrape.$fx" "$TF/dstleak.prom"); then
		pass "$fx scrape-error-0"
	else
		fail "$fx scrape-error-0" "$why"
	fi
	if why=$(compare "$TF/dstleak.prom" "$T/scrape.$fx"); then
		pass "$fx every-series-arrives ($why)"
		n_series=$((n_series + $(grep -c '^dstleak_' "$T/want")))
	else
		fail "$fx every-series-arrives" "$why"
	fi
	cp "$TF/dstleak.prom" "$T/textfile.$fx"
done

# ---- the hostile names arrived as the textfile says, and really were hostile ----
FFFD=$(printf '\357\277\275')
why=
h=$T/scrape.utf8
if [ ! -s "$h" ]; then
	why="no scrape of utf8"
else
	grep -q "netns=\"caf$FFFD\"" "$h" || why="no netns=\"caf\\uFFFD\" in the scrape"
	grep -q 'netns="q\\"u\\\\o?t?e"' "$h" || why="${why:-no netns=\"q\\\"u\\\\o?t?e\" in the scrape}"
	grep -q "device=\"eth${FFFD}0\"" "$h" || why="${why:-no device=\"eth\\uFFFD0\"}"
	grep -q 'device="a\\"b\\\\\\\\c"' "$h" || why="${why:-no device=\"a\\\"b\\\\\\\\c\"}"
	if command -v iconv >/dev/null 2>&1 && ! iconv -f UTF-8 -t UTF-8 "$h" >/dev/null 2>&1; then
		why="${why:-scrape is not valid UTF-8}"
	fi
fi
if [ -z "$why" ]; then pass "hostile-names-arrive-clean"; else fail "hostile-names-arrive-clean" "$why"; fi

# ---- controls: the checks above can fail ----
# A label value that is not UTF-8 (what dstleak writes no more): the
# collector rejects the file.
rm -f "$TF"/*
printf '# TYPE dstleak_control_entries gauge\ndstleak_control_entries{device="eth\3770"} 1\n' >"$TF/dstleak.prom"
if scrape "$T/scrape.bad" && [ "$(value "$T/scrape.bad" node_textfile_scrape_error)" = 1 ] &&
	! health "$T/scrape.bad" "$TF/dstleak.prom" >/dev/null; then
	pass "control: a non-UTF-8 label makes node_textfile_scrape_error 1"
else
	fail "control: a non-UTF-8 label makes node_textfile_scrape_error 1" \
		"scrape_error '$(value "$T/scrape.bad" node_textfile_scrape_error)'"
fi
# A series dropped from a scrape, a value changed, a label changed: reported.
why=
if [ -s "$T/scrape.good" ]; then
	grep -v '^dstleak_dst_live_entries{.*family="ipv6"' "$T/scrape.good" >"$T/doctored"
	compare "$T/textfile.good" "$T/doctored" >/dev/null && why="a dropped series passed"
	sed 's/^\(dstleak_suspect_entries{.*}\) 14$/\1 15/' "$T/scrape.good" >"$T/doctored"
	cmp -s "$T/doctored" "$T/scrape.good" && why="${why:-doctoring failed (value)}"
	compare "$T/textfile.good" "$T/doctored" >/dev/null && why="${why:-a changed value passed}"
	sed 's/reason="dead"/reason="Dead"/' "$T/scrape.good" >"$T/doctored"
	cmp -s "$T/doctored" "$T/scrape.good" && why="${why:-doctoring failed (label)}"
	compare "$T/textfile.good" "$T/doctored" >/dev/null && why="${why:-a changed label passed}"
	compare "$T/textfile.good" "$T/scrape.good" >/dev/null || why="${why:-the real scrape fails now}"
else
	why="no scrape of good"
fi
if [ -z "$why" ]; then pass "control: compare reports a missing series, a changed value, a changed label"
else fail "control: compare reports a missing series, a changed value, a changed label" "$why"; fi

# ---- leave the host as it was ----
pid=$NE_PID
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
NE_PID=
why=
kill -0 "$pid" 2>/dev/null && why="pid $pid still alive"
curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/metrics" && why="${why:-port $PORT still served}"
svc_after=$(svc_state)
[ "$svc_after" = "$svc_before" ] || why="${why:-service state \"$svc_before\" became \"$svc_after\"}"
case $svc_after in enabled*|*" "[1-9]*) why="${why:-$NE.service is enabled on this host ($svc_after)}" ;; esac
if [ -z "$why" ]; then pass "own process gone, service not enabled ($svc_after)"; else fail "cleanup" "$why"; fi
echo "prom: $n_series series scraped back from node_exporter, each checked"
finish
