# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Sourced by run.sh (its helpers, $D, $T, $FIX, $BLUE): issue 15, defect 8.
#  - check as a monitoring plugin (monitoring-plugins.org guidelines):
#    performance data after "|", -w/-c/-t, one line per problem, bounded
#    output on a host with thousands of namespaces;
#  - watch: a module reload, a transient read error, the terminal width.
# Watch tests rewrite a --source directory between rounds: a background
# job waits for watch's Nth block in $T/out (flushed every round), then
# changes the files for the next round (no FIFO).

# fix_end FILE: rewrite its "end lines N" for the lines before it.
fix_end() {
	awk '/^end lines / { next } { print } END { print "end lines " NR }' "$1" >"$1.e" && mv "$1.e" "$1"
}
# perf_ok TEXT: every item of performance data as the guidelines write it:
# 'label'=value[UOM];[warn];[crit];[min];[max], a label quoted ('' for ')
# when it has blanks, no = in it, thresholds in the range syntax.
perf_ok() {
	printf '%s\n' "$1" | awk '
{
	s = $0
	while (length(s)) {
		sub(/^ +/, "", s)
		if (!length(s)) break
		if (substr(s, 1, 1) == "'"'"'") {
			if (!match(s, /^'"'"'([^'"'"'=|]|'"'"''"'"')+'"'"'=/)) { print "bad quoted label: " s; bad = 1; break }
		} else if (!match(s, /^[^ '"'"'=|]+=/)) { print "bad label: " s; bad = 1; break }
		s = substr(s, RLENGTH + 1)
		if (!match(s, /^-?[0-9]+(\.[0-9]+)?(s|ms|us|%|B|KB|MB|TB|c)?(;(@?(-?[0-9.]+|~)?:?(-?[0-9.]+)?)?(;(@?(-?[0-9.]+|~)?:?(-?[0-9.]+)?)?(;(-?[0-9.]+)?(;(-?[0-9.]+)?)?)?)?)?( |$)/)) {
			print "bad value: " s; bad = 1; break
		}
		s = substr(s, RLENGTH + 1); n++
	}
}
END { if (!n) { print "no performance data"; bad = 1 } exit bad }' >"$T/awk" || no "perfdata: $(head -3 "$T/awk" | tr '\n' '|')"
}
# line1_text, line1_perf: the first line before and after " | ".
line1_perf() { head -n 1 "$T/out" | sed -n 's/^[^|]* | //p'; }
# The per-namespace performance data: the last line, after its "| ".
pair_perf() { tail -n 1 "$T/out" | sed -n 's/^| //p'; }
has_item() { # has_item LIST ITEM: ITEM is one of LIST's space-separated items
	case " $1 " in *" $2 "*) ;; *) no "perfdata lacks '$2': $1" ;; esac
}

# ---- check: performance data ----
# The totals, from the fixture by awk (independent of the reader).
fam_live() { awk -v f="$2" '$1 == "ns" && $4 == f { for (i = 5; i < NF; i += 2) if ($i == "live") s += $(i + 1) } END { print s + 0 }' "$1"; }
why=; run 0 "$D" --source "$T/healthy" check
head -n 1 "$T/out" | sed 's/ | .*//' | norm >"$T/l1"
sed 's/ | .*//' "$HERE/expected/check-ok.out" | cmp -s - "$T/l1" || no "first line before | changed: $(cat "$T/l1")"
P=$(line1_perf); perf_ok "$P"
has_item "$P" "namespaces=$(awk '$1 == "ns" { print $2 " " $6 }' "$T/healthy/summary" | sort -u | wc -l | tr -d ' ');;;0"
for f in ipv4 ipv6 xfrm4 xfrm6 other; do has_item "$P" "live_$f=$(fam_live "$T/healthy/summary" $f);;;0"; done
has_item "$P" "drift_ipv4=$(awk '$1 == "global" && $2 == "ipv4" { print $8 }' "$T/healthy/summary");0:0;;"
# Lowest headroom of an enforced limit: blue ipv6, kernel 100 of gc_thresh 1024.
has_item "$P" "headroom=$(awk 'BEGIN { printf "%.1f", (1024 - 100) / 1024 * 100 }')%;20:;10:;0;100"
has_item "$P" "suspects=0;0;;0"
record "check: performance data after | on the first line, the guidelines' syntax, exact totals"

why=; run 0 "$D" --source "$T/healthy" check --max-drift 4 -w 30 -c 15
P=$(line1_perf); perf_ok "$P"
has_item "$P" "drift_ipv4=0;-4:4;;"; has_item "$P" "headroom=90.2%;30:;15:;0;100"
record "check: thresholds in the performance data follow the options (range syntax)"

# Three problems: blue ipv6 headroom 2.3% (critical), systemd ipv6 drift 5,
# a probe that missed events.
mkdir -p "$T/prob"; cp "$T/healthy/suspects" "$T/prob/"
sed -e "/^ns $BLUE alive ipv6/s/kernel 100 drift 0/kernel 1000 drift 0/" \
	-e "/^ns 4026531840 alive ipv6/s/drift 0/drift 5/" \
	-e '/^probe dst_alloc/s/missed 0/missed 4/' "$T/healthy/summary" >"$T/prob/summary"
why=; run 2 "$D" --source "$T/prob" check
out_has "^DSTLEAK CRITICAL - netns blue ($BLUE) ipv6 headroom 2.3% (kernel 1000 of gc_thresh 1024), below 10% (and 2 more problems) | "
sed -n '2,4p' "$T/out" >"$T/long"
printf '%s\n' "[CRITICAL] netns blue ($BLUE) ipv6 headroom 2.3% (kernel 1000 of gc_thresh 1024), below 10%" \
	"[WARNING] netns systemd[1] (4026531840) ipv6 drift 5 (max 0)" \
	"[WARNING] probe dst_alloc missed 4 events: counts may be incomplete" | cmp -s - "$T/long" ||
	no "problem lines: $(tr '\n' '|' <"$T/long")"
out_lines 5
record "check: one line per problem after the status line, worst first, with namespace and family"
P=$(pair_perf); perf_ok "$P"
# The worst pairs first: blue ipv6 (critical), then systemd ipv6 (drift),
# labelled by ip netns name, else inode (never comm[pid]: it churns).
[ "$(printf '%s\n' "$P" | cut -d' ' -f1-7)" = "live_ipv6[blue]=100;;;0 drift_ipv6[blue]=0;0:0;; headroom_ipv6[blue]=2.3%;20:;10:;0;100 suspects_ipv6[blue]=0;;;0 live_ipv6[4026531840]=25;;;0 drift_ipv6[4026531840]=5;0:0;; headroom_ipv6[4026531840]=97.2%;20:;10:;0;100" ] ||
	no "per-namespace perfdata: $(printf '%s' "$P" | cut -c1-300)"
line1_perf | grep -q '\[' && no "per-namespace items on the first line"
record "check: per namespace and family performance data on the last line, worst first"

# A name with blanks, a quote, = and |: quoted, '' for the quote, = and |
# replaced; the text holds no | but the separators.
mkdir -p "$T/oddnet" "$T/odd"; : >"$T/oddnet/x y'z=w|v"
ODD=$(stat -c %i "$T/oddnet/x y'z=w|v")
sed "s/\b$BLUE\b/$ODD/g" "$T/prob/summary" >"$T/odd/summary"; cp "$T/healthy/suspects" "$T/odd/"
why=; run 2 env DSTLEAK_NETNS_DIR=$T/oddnet "$D" --source "$T/odd" check
[ "$(head -n 1 "$T/out" | tr -cd '|' | wc -c)" = 1 ] || no "first line has more than one |: $(head -n 1 "$T/out")"
[ "$(tr -cd '|' <"$T/out" | wc -c)" = 2 ] || no "output has a | besides the two separators"
out_has "^DSTLEAK CRITICAL - netns x y'z=w¦v ($ODD) ipv6 headroom 2.3%"
P=$(pair_perf); perf_ok "$P"
has_item "$P" "'live_ipv6[x y''z_w¦v]'=100;;;0"
record "check: labels quoted as the guidelines say; a | in a name cannot start performance data"

# ---- check: thousands of namespaces: bounded output ----
awk -v blue="$BLUE" -v n=3000 '
$1 == "ns" && $2 == blue { tpl[++nt] = $0; next }
$1 == "end" { next }
{ print }
END {
	for (i = 1; i <= n; i++)
		for (j = 1; j <= nt; j++) {
			l = tpl[j]; sub(" " blue " ", " 5" sprintf("%09d", i) " ", l)
			sub(/ cookie 12 /, " cookie " (100000 + i) " ", l)
			if (l ~ / ipv6 /) sub(/kernel 100 drift 0/, "kernel " (100 + i % 7) " drift " (i % 7), l)
			print l
		}
}' "$T/healthy/summary" | grep -v "^xfrm \|^route " >"$T/many.s"
mkdir -p "$T/many"; mv "$T/many.s" "$T/many/summary"; fix_end "$T/many/summary"; cp "$T/healthy/suspects" "$T/many/"
# Drift 1..6 in 6 of every 7 namespaces: 2572 problems of 3000.
NPROB=$(awk '$1 == "ns" && $4 == "ipv6" { for (i = 5; i < NF; i += 2) if ($i == "drift" && $(i + 1) != 0) n++ } END { print n }' "$T/many/summary")
why=; run 1 "$D" --source "$T/many" check --top 5
out_lines 8
out_has "^DSTLEAK WARNING - netns 5000000006 ipv6 drift 6 (max 0) (and $((NPROB - 1)) more problems) | "
[ "$(sed -n 2p "$T/out")" = "[WARNING] netns 5000000006 ipv6 drift 6 (max 0)" ] || no "line 2: $(sed -n 2p "$T/out")"
[ "$(sed -n 7p "$T/out")" = "... and $((NPROB - 5)) more problems (dstleak show)" ] || no "line 7: $(sed -n 7p "$T/out")"
P=$(pair_perf); perf_ok "$P"
[ "$(printf '%s\n' "$P" | tr ' ' '\n' | sed -n 's/^[a-z0-9_]*\[\([^]]*\)\].*/\1/p' | sort -u | wc -l)" = 5 ] ||
	no "per-namespace perfdata of other than 5 namespaces"
has_item "$(line1_perf)" "live_ipv6=$(fam_live "$T/many/summary" ipv6);;;0"
has_item "$(line1_perf)" "namespaces=3001;;;0"
record "check --top 5: 3000 namespaces, 5 problem lines, 5 namespaces' perfdata, totals over all"
why=; run 1 "$D" --source "$T/many" check
out_lines 13
record "check: 10 problem lines by default"
why=; run 3 "$D" check --top 1001; out_has "^DSTLEAK UNKNOWN - --top"
record "check: --top above 1000 -> unknown"

# ---- check: short options ----
why=; run 1 "$D" --source "$T/healthy" check --warn-headroom 97.5 --crit-headroom 5; cp "$T/out" "$T/long.out"
run 1 "$D" --source "$T/healthy" check -w 97.5 -c 5; cmp -s "$T/out" "$T/long.out" || no "-w/-c differ from the long options"
run 3 "$D" --source "$T/healthy" check -w 5 -c 10; out_has "^DSTLEAK UNKNOWN - --crit-headroom 10 is above --warn-headroom 5"
record "check: -w and -c are --warn-headroom and --crit-headroom"

# ---- check -t: a read that takes too long ----
# A comm file that is a FIFO: opening it blocks, as a hung read would.
mkdir -p "$T/hang/1/ns"; ln -s "net:[4026531840]" "$T/hang/1/ns/net"; mkfifo "$T/hang/1/comm"
why=; run 3 env DSTLEAK_PROC=$T/hang timeout 30 "$D" --source "$T/healthy" check -t 0.5
out_lines 1; out_has "^DSTLEAK UNKNOWN - timed out after 0.5s$"
record "check -t: a blocked read -> UNKNOWN timed out, exit 3, one line"
why=; run 0 "$D" --source "$T/healthy" check --timeout 20; out_has "^DSTLEAK OK - "
run 3 "$D" check -t 0; out_has "^DSTLEAK UNKNOWN - -t"
run 3 "$D" check -t abc; out_has "^DSTLEAK UNKNOWN - -t"
record "check -t: within the time the check is unchanged; bad values -> unknown"

# ---- watch: reload and read errors ----
# Rounds: 1 healthy; 2 cut short (no end line: a read error); 3 healthy,
# blue ipv6 allocs +200 (100/s over the 2 s since round 1); 4 summary gone;
# 5 counters reset (a module reload); 6 as 5.
# rates: the ALLOCS/s FREES/s FAILURES/s cells of a block's rows
rates() { awk '/^(dstleak watch|NETNS|\*)/ { next } NF >= 8 { print $(NF - 5), $(NF - 4), $(NF - 3) }'; }
nblocks() { grep -c '^dstleak watch ' "$T/out" 2>/dev/null; }
waitfor() { # waitfor N: until watch printed N blocks (at most 30 s)
	_i=0
	while [ "$(nblocks)" -lt "$1" ] && [ $_i -lt 600 ]; do sleep 0.05; _i=$((_i + 1)); done
}
mkdir -p "$T/wr"; cp "$T/healthy/summary" "$T/wr/summary"
sed "/^ns $BLUE alive ipv6/s/allocs 2000 /allocs 2200 /" "$T/healthy/summary" >"$T/wr.3"
# A reload: every counter restarts (allocs 5, frees 3).
sed '/^ns /s/allocs [0-9]* frees [0-9]* /allocs 5 frees 3 /; /^probe /s/hits [0-9]*/hits 9/' "$T/healthy/summary" >"$T/wr.5"
( waitfor 1; head -n 10 "$T/healthy/summary" >"$T/wr/s.new"; mv "$T/wr/s.new" "$T/wr/summary"
  waitfor 2; cp "$T/wr.3" "$T/wr/s.new"; mv "$T/wr/s.new" "$T/wr/summary"
  waitfor 3; rm -f "$T/wr/summary"
  waitfor 4; cp "$T/wr.5" "$T/wr/s.new"; mv "$T/wr/s.new" "$T/wr/summary" ) &
why=; run 0 timeout 60 "$D" --source "$T/wr" watch -n 6 -i 1
wait
cp "$T/out" "$T/wr.out"
[ "$(nblocks)" = 6 ] || no "$(nblocks) blocks, want 6"
# blk N: block N of the output
blk() { awk -v n="$1" '/^dstleak watch / { b++ } b == n { print }' "$T/wr.out"; }
blk 2 | grep -q "^dstleak watch [0-9TZ:-]*: read failed (1 of 10 before giving up): .*wr/summary" ||
	no "round 2 has no read error line: $(blk 2 | head -2 | tr '\n' '|')"
[ "$(blk 2 | grep -c .)" = 1 ] || no "round 2 is more than its error line"
record "watch: a transient read error -> one error line, the watch goes on"
blk 3 | head -n 1 | grep -q "(rates over 2\.[0-9]s: 1 read failed)$" || no "round 3 heading: $(blk 3 | head -n 1)"
blk 3 | awk -v blue="$BLUE" '$1 == "blue" { b = 1 } b && $1 == "ipv6" { print $3; exit }' >"$T/rate"
awk '{ exit !($1 >= 85 && $1 <= 101) }' "$T/rate" || no "blue ipv6 allocs/s after the gap '$(cat "$T/rate")', want about 100"
record "watch: after a failed read, rates over the whole time since the last good one"
blk 4 | grep -q "read failed (1 of 10 before giving up): .*No such file" || no "round 4: $(blk 4 | tr '\n' '|')"
blk 5 | head -n 1 | grep -q "(module reloaded: counters reset, rates from the next round)$" ||
	no "round 5 heading: $(blk 5 | head -n 1)"
blk 5 | rates | grep -q '[0-9]' && no "round 5 shows rates after the reload"
grep -q ' -[0-9]' "$T/wr.out" && no "a negative figure: $(grep ' -[0-9]' "$T/wr.out" | head -1)"
blk 6 | grep -q '  0\.0  ' || no "round 6 has no rates"
record "watch: a module reload (gone, then counters reset) -> said, no rates that round, never negative"

# Counters reset within one interval (no failed read): a reload all the same.
mkdir -p "$T/wr2"; cp "$T/healthy/summary" "$T/wr2/summary"
( waitfor 1; cp "$T/wr.5" "$T/wr2/s.new"; mv "$T/wr2/s.new" "$T/wr2/summary" ) &
why=; run 0 timeout 60 "$D" --source "$T/wr2" watch -n 2 -i 1
wait
awk '/^dstleak watch / { b++ } b == 2' "$T/out" >"$T/b2"
head -n 1 "$T/b2" | grep -q "(module reloaded: counters reset, rates from the next round)$" || no "heading: $(head -n 1 "$T/b2")"
rates <"$T/b2" | grep -q '[0-9]' && no "rates shown after a reset"
record "watch: counters that went backwards are a reload: no rates, not negative ones"

mkdir -p "$T/wg"; cp "$T/healthy/summary" "$T/wg/summary"
( waitfor 1; rm -f "$T/wg/summary" ) &
why=; run 2 timeout 60 "$D" --source "$T/wg" watch -i 0.05
wait
[ "$(grep -c 'read failed' "$T/out")" = 10 ] || no "$(grep -c 'read failed' "$T/out") error lines, want 10"
err_has "giving up after 10 failed reads in a row: .*No such file"
record "watch: gives up after 10 failed reads in a row, with the failure's exit code"
why=; run 0 "$D" watch --help; out_has "10 failed reads in a row"
record "watch --help says after how many failed reads it gives up"

# ---- watch: the terminal width ----
LONG=container-0123456789abcdef0123456789abcdef0123456789abcdef-tail5678
mkdir -p "$T/longnet" "$T/wl"; : >"$T/longnet/$LONG"
LI=$(stat -c %i "$T/longnet/$LONG")
sed "s/\b$BLUE\b/$LI/g" "$T/healthy/summary" >"$T/wl/summary"
# maxw [FILE]: the widest line, in characters (the ellipsis is 3 bytes)
maxw() { sed 's/…/./g' "${1:-$T/out}" | awk '{ n = length($0) } n > m { m = n } END { print m + 0 }'; }
why=; run 0 env LC_ALL=C.UTF-8 COLUMNS=110 DSTLEAK_NETNS_DIR=$T/longnet "$D" --source "$T/wl" watch -n 1
w=$(maxw); [ "$w" -le 110 ] || no "a line of $w columns, COLUMNS=110"
out_lacks "$LONG"; out_has "^container-[^ ]*…[^ ]*-tail5678 "
record "watch: fits COLUMNS: long names cut in the middle with an ellipsis"
why=; run 0 env COLUMNS=110 DSTLEAK_NETNS_DIR=$T/longnet "$D" --source "$T/wl" watch -n 1 --wide; out_has "^$LONG "
run 0 env COLUMNS=110 DSTLEAK_NETNS_DIR=$T/longnet "$D" --source "$T/wl" watch -n 1 -w; out_has "^$LONG "
run 0 env -u COLUMNS DSTLEAK_NETNS_DIR=$T/longnet "$D" --source "$T/wl" watch -n 1; out_has "^$LONG "
record "watch: full names with -w/--wide, or on a pipe without COLUMNS"
if command -v script >/dev/null 2>&1; then
	why=; run 0 env DSTLEAK_NETNS_DIR=$T/longnet script -qec "stty cols 120 rows 50; '$D' --source '$T/wl' watch -n 1" /dev/null
	tr -d '\r' <"$T/out" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' >"$T/tty.out"
	w=$(maxw "$T/tty.out")
	[ "$w" -le 120 ] || no "a line of $w columns on a 120-column terminal"
	grep -q '…' "$T/tty.out" || no "no ellipsis on a 120-column terminal"
	record "watch: the terminal's width (TIOCGWINSZ)"
fi
