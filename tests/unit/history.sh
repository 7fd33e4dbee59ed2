# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# tests/unit/history.sh: record, forecast, plot and check --forecast,
# sourced by run.sh (its helpers run, no, record, out_has, ... and $D, $T,
# $HERE, $FIX). Synthetic histories come from mkhist.awk, each ending now,
# with rates and limits known exactly.

H=$T/hist
mkdir -p "$H"
NOW=$(date +%s)
mkhist() { # mkhist MODE N STEP > FILE
	awk -v mode="$1" -v n="$2" -v step="$3" -v end="$NOW" -f "$HERE/mkhist.awk"
}
mkhist steady 97 300 >"$H/steady"
mkhist sawtooth 241 60 >"$H/sawtooth"
mkhist sawgrow 241 60 >"$H/sawgrow"
mkhist reload 241 60 >"$H/reload"
mkhist reboot 241 60 >"$H/reboot"
mkhist flat 97 300 >"$H/flat"

# jnum KEY: the number after "KEY": in the blue ipv6 series of $T/out.
jnum() {
	sed 's/.*"family":"ipv6"//' "$T/out" | grep -o "\"$1\":[-0-9.a-z]*" | head -1 | cut -d: -f2
}
# within VALUE WANT PCT: |VALUE - WANT| <= PCT % of WANT
within() {
	awk -v v="$1" -v w="$2" -v p="$3" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(v != "" && d <= w * p / 100) }'
}
# near KEY WANT PCT: the blue ipv6 KEY of forecast --json within PCT % of WANT
near() {
	_v=$(jnum "$1")
	within "$_v" "$2" "$3" || no "$1 is '$_v', want $2 within $3%"
}

# ---- forecast on synthetic histories ----
# steady: 220000 -> 410000 over 8 h: 23750/h; max_size 524288 reached
# (524288 - 410000) / 23750 h = 17324 s after the last sample.
why=; run 0 "$D" forecast --json "$H/steady"; json_ok
near kernel_per_hour 23750 5; near live_per_hour 23750 5; near seconds_to_limit 17324 10
out_has '"kernel_growing":true'; out_has '"limit":524288,"limit_name":"max_size","limit_enforced":true'
record "forecast: steady growth, rate within 5% and time to max_size within 10% of the truth"
why=; run 1 env DSTLEAK_RECORD="$H/steady" "$D" --source "$T/healthy" check --forecast 6
out_has "^DSTLEAK WARNING - netns blue (4026532400) ipv6 reaches max_size 524288 in 4\.[6-9]h (kernel 409317, +23[0-9]*\.[0-9]/h over 8\.0h of history)"
run 0 env DSTLEAK_RECORD="$H/steady" "$D" --source "$T/healthy" check --forecast 4
out_has "^DSTLEAK OK - "
record "check --forecast HOURS: WARNING when the limit is forecast within HOURS, OK beyond"
# A limit the kernel does not enforce: forecast, marked, never alarmed.
sed 's/max_size 524288 1/max_size 524288 0/' "$H/steady" >"$H/unenforced"
why=; run 0 env DSTLEAK_RECORD="$H/unenforced" "$D" --source "$T/healthy" check --forecast 6
out_has "^DSTLEAK OK - "
run 0 "$D" forecast "$H/unenforced"; out_has " 4\.[6-9]h\*$"; out_has "^\* limit not enforced"
record "check --forecast: a limit not enforced by the kernel is forecast (marked) but not alarmed"
# sawtooth: garbage collection between 300 and 900, no growth.
why=; run 0 "$D" forecast --json "$H/sawtooth"; out_has '"kernel_growing":false'
out_has '"seconds_to_limit":null'
run 0 env DSTLEAK_RECORD="$H/sawtooth" "$D" --source "$T/healthy" check --forecast 24
out_has "^DSTLEAK OK - "
record "forecast: a garbage-collection sawtooth without growth forecasts nothing, no alarm"
why=; run 0 "$D" forecast --json "$H/sawgrow"; near kernel_per_hour 100 20
out_has '"kernel_growing":true'
record "forecast: a sawtooth on 100/h of growth: the growth within 20%, not the teeth"
# reload: 600/h; live starts again from 0 at the middle, the kernel goes on.
why=; run 0 "$D" forecast --json "$H/reload"; out_has '"breaks":1,'
near live_per_hour 600 5; near kernel_per_hour 600 5
near seconds_to_limit 34752 10
run 0 "$D" forecast "$H/reload"; out_has "1 break (reboot or module reload)"
out_lacks "  -[0-9]"
record "forecast: a module reload is a break: rates of each side, never negative"
why=; run 0 "$D" forecast --json "$H/reboot"; out_has '"breaks":1,'
near kernel_per_hour 600 5; near seconds_to_limit 41952 10
record "forecast: a reboot (new boot id) is a break; the level after it counts"
# flat: 500 +- 40 of noise.
why=; run 0 "$D" forecast --json "$H/flat"; out_has '"kernel_growing":false'
out_has '"seconds_to_limit":null'
run 0 env DSTLEAK_RECORD="$H/flat" "$D" --source "$T/healthy" check --forecast 100000
out_has "^DSTLEAK OK - "
record "forecast: a flat line with noise does not alarm, whatever the horizon"

# ---- show, watch, errors ----
why=; run 0 env DSTLEAK_RECORD="$H/steady" "$D" show
out_has "^forecast from $H/steady: 97 samples over 8\.0h"
out_has "^blue *4026532400 *ipv6 *409317 *+23[0-9]*\.[0-9] *409317 *+23[0-9]*\.[0-9] *max_size 524288 *4\.[6-9]h$"
run 0 "$D" show; out_lacks "forecast"
record "show: the forecast under the table when a history exists, nothing otherwise"
why=; run 0 env DSTLEAK_RECORD="$H/steady" "$D" watch -n 2 -i 0.01
[ "$(grep -c '^forecast from' "$T/out")" = 2 ] || no "not one forecast per round"
record "watch: the forecast in every round"
why=; run 3 "$D" --source "$T/healthy" check --forecast 6
out_has "^DSTLEAK UNKNOWN - no history at $T/nonexistent-record for --forecast"
run 3 "$D" check --forecast abc; out_has "^DSTLEAK UNKNOWN - --forecast: 'abc'"
record "check --forecast: no history or a bad number of hours -> UNKNOWN"
why=; run 3 "$D" forecast; err_has "no history at"
sed '5s/ ipv6 / ipv7 /' "$H/steady" >"$H/bad"
run 2 "$D" forecast "$H/bad"; err_has "bad:5: malformed namespace line"; err_lines 1
printf 'dstleak-history 2\nhost x\n' >"$H/v2"
run 2 "$D" forecast "$H/v2"; err_has "v2:1: history format 2"
sed '6s/^e 2$/e 3/' "$H/steady" >"$H/bad"
run 2 "$D" forecast "$H/bad"; err_has "bad:6: end line does not match"
record "forecast: no history -> exit 3; a bad one -> exit 2 naming file and line"
ln -s "$H/steady" "$H/link"
why=; run 2 "$D" forecast "$H/link"; err_has "symbolic link"
run 0 env DSTLEAK_RECORD="$H/link" "$D" show; err_has "no forecast: .*symbolic link"
record "forecast, show: a history through a symbolic link is refused"

# ---- record ----
R=$T/rec
mkdir -p "$R"
why=; run 0 "$D" record "$R/h"; out_empty; err_empty
[ "$(stat -c %a "$R/h")" = 600 ] || no "mode is not 600"
[ "$(sed -n 1p "$R/h")" = "dstleak-history 1" ] || no "no header"
[ "$(sed -n 2p "$R/h")" = "host testhost" ] || no "no host line"
grep -q '^s [0-9]*\.[0-9]* 11111111-2222-3333-4444-555555555555 [0-9]*$' "$R/h" || no "no sample line with the boot id"
grep -q "^n $BLUE 12 blue alive ipv6 100 100 2000 1900 0 gc_thresh 1024 1 2$" "$R/h" ||
	no "no blue ipv6 row with live, kernel, allocs, frees, failures, limit, suspects"
grep -q "^n 4026532281 7 - exited ipv4 10 - 12 2 0 - - 0 14$" "$R/h" || no "no exited row"
[ "$(tail -n 1 "$R/h")" = "e $(grep -c '^n ' "$R/h")" ] || no "end line does not count the rows"
record "record FILE: header, a sample of every active namespace and family, mode 0600"
why=; run 0 "$D" record "$R/h"; run 0 "$D" forecast --json "$R/h"; out_has '"samples":2,"breaks":0'
record "record: appends"
# A reload between two samples: allocs went backwards.
mkdir -p "$R/reloaded"; cp "$T/debugfs/dstleak/suspects" "$R/reloaded/"
sed "/^ns $BLUE alive ipv6/s/allocs 2000 frees 1900/allocs 20 frees 10/; s/hits [0-9]*/hits 1/" \
	"$T/debugfs/dstleak/summary" >"$R/reloaded/summary"
why=; run 0 "$D" --source "$R/reloaded" record "$R/h"
run 0 "$D" forecast --json "$R/h"; out_has '"samples":3,"breaks":1'
record "record: a module reload (counters back) is a break"
# Several recorders at once: the lock keeps every sample whole.
cp "$R/h" "$R/par"
for i in 1 2 3 4 5 6 7 8; do "$D" record "$R/par" 2>>"$T/err.par" & done
wait
why=; run 0 "$D" forecast --json "$R/par"; out_has '"samples":11,'
[ -s "$T/err.par" ] && no "stderr: $(head -c 200 "$T/err.par")"
record "record: eight at once, all samples kept whole (flock)"
# Cut short by a crash: the half sample is dropped by the next record.
cp "$R/h" "$R/crash"; printf 's 1.0 x 1\nn 1 2 - alive ipv6 1 1 1' >>"$R/crash"
why=; run 0 "$D" forecast --json "$R/crash"; out_has '"samples":3,'
run 0 "$D" record "$R/crash"; run 0 "$D" forecast --json "$R/crash"; out_has '"samples":4,'
grep -q '^s 1.0 x' "$R/crash" && no "the cut sample is still there"
record "record: a sample cut short by a crash is ignored, then dropped"
why=; run 2 env DSTLEAK_HOSTNAME=otherhost "$D" record "$R/h"; err_has "from host 'testhost'"
printf 'garbage\n' >"$R/garbage"
run 2 "$D" record "$R/garbage"; err_has "garbage:1: not a dstleak history"
[ "$(cat "$R/garbage")" = garbage ] || no "a file that is not a history was changed"
record "record: a history of another host or not a history -> exit 2, unchanged"
ln -s "$R/h" "$R/link"
why=; run 1 "$D" record "$R/link"; err_has "symbolic link"
mkfifo "$R/fifo"
run 1 timeout 10 "$D" record "$R/fifo"; err_has "not a regular file"
ln "$R/h" "$R/hard"
run 1 "$D" record "$R/hard"; err_has "hard link"
rm -f "$R/hard"
: >"$R/theirs"; chown 4242 "$R/theirs" 2>/dev/null
if [ "$(stat -c %u "$R/theirs")" = 4242 ]; then
	run 1 "$D" record "$R/theirs"; err_has "not by you"
	[ -s "$R/theirs" ] && no "wrote into another user's file"
fi
record "record: refuses a symbolic link, a FIFO (no hang), a hard link, another user's file"
# Bounded: 60 samples of ~1 kB into 8 kB.
why=
for i in $(seq 60); do
	"$D" record --max-size 8192 "$R/small" || no "record $i failed"
	[ "$(stat -c %s "$R/small")" -le 8192 ] || no "file grew to $(stat -c %s "$R/small") bytes"
done
for f in "$R"/small.?*; do [ -e "$f" ] && no "temporary file left behind: $f"; done
run 0 "$D" forecast --json "$R/small"
_n=$(grep -o '"samples":[0-9]*' "$T/out" | cut -d: -f2)
if [ "$_n" -lt 4 ] || [ "$_n" -ge 60 ]; then no "$_n samples kept"; fi
awk '$1 == "s" { if ($2 < last) bad = 1; last = $2 } END { exit bad }' "$R/small" || no "samples out of order"
record "record --max-size: never past the bound, older samples thinned, order kept"
why=; run 1 "$D" record --max-size 600 "$R/tiny"; err_has "more than --max-size"
record "record: a sample larger than --max-size is an error"
why=; run 0 "$D" record -i 0.01 -n 3 "$R/loop"; run 0 "$D" forecast --json "$R/loop"; out_has '"samples":3,'
record "record -i -n: a foreground run"
why=; run 0 env DSTLEAK_DEBUGFS="$T/empty" DSTLEAK_PROC="$T/empty" "$D" record -i 0.01 -n 2 "$R/none"
err_lines 4; err_has "round 2 skipped: no module"; [ -e "$R/none" ] && no "a file without samples"
record "record -i: a round without the module is skipped, recording goes on"
why=; run 0 "$D" record; [ -s "$T/nonexistent-record" ] || no "the default file is not DSTLEAK_RECORD"
rm -f "$T/nonexistent-record"
run 2 "$D" record -n 2 "$R/x"; err_has "-n needs -i"
run 2 "$D" record -i 0 "$R/x"; run 2 "$D" record a b
record "record: default file from DSTLEAK_RECORD; bad options -> exit 2"

# ---- plot ----
# The chart rendered by a real SVG renderer: the expected size, and the
# limit's red, blue's ipv6 green and the suspects' orange are in the pixels.
why=; run 0 "$D" plot -o "$H/steady.svg" "$H/steady"; out_empty
grep -q -i -e '<script' -e 'href' -e '<image' -e '<foreignObject' "$H/steady.svg" && no "not self-contained"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$H/steady.svg" 2>"$T/xerr" ||
	no "not well-formed XML: $(head -c 200 "$T/xerr")"
grep -q 'width="900" height="536"' "$H/steady.svg" || no "not 900x536 (two panels)"
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert -o "$H/steady.png" "$H/steady.svg" 2>"$T/rerr" || no "rsvg-convert failed: $(head -c 200 "$T/rerr")"
	python3 "$HERE/pngcheck.py" "$H/steady.png" 900 536 d62728 1a9641 ff7f0e >"$T/pc" 2>&1 ||
		no "rendered PNG: $(head -c 300 "$T/pc")"
else
	no "rsvg-convert not installed (librsvg2-bin, tests/deps.sh)"
fi
record "plot: a self-contained SVG that rsvg-convert renders at 900x536, limit, lines and suspects drawn"
why=; run 0 "$D" plot "$H/reload"; out_has '>reload</text>'; out_has '^<svg '
run 0 "$D" plot "$H/reboot"; out_has '>reboot</text>'
record "plot: breaks drawn and named (reload, reboot)"
sed 's/ blue / a<b\&c"d /' "$H/steady" >"$H/xml"
why=; run 0 "$D" plot --title 'x<y & "z"' "$H/xml" -o "$H/xml.svg"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$H/xml.svg" 2>"$T/xerr" ||
	no "not well-formed XML: $(head -c 200 "$T/xerr")"
grep -q 'a&lt;b&amp;c&quot;d' "$H/xml.svg" || no "name not escaped"
record "plot: names and titles escaped for XML"
printf 'dstleak-history 1\nhost testhost\n' >"$H/empty"
why=; run 0 "$D" plot "$H/empty"; out_has ">no samples</text>"
run 0 "$D" forecast "$H/empty"; out_has "^no samples in"
run 0 "$D" forecast --json "$H/empty"; json_ok; out_has '"samples":0,'
record "plot, forecast: a history without samples yet"
why=; run 3 "$D" plot "$H/nonexistent"; err_has "no history"
run 2 "$D" plot --width 10 "$H/steady"
record "plot: no history -> exit 3, bad width -> exit 2"
for c in record forecast plot; do
	why=; run 0 "$D" $c --help; out_has "^Usage: dstleak $c"; err_empty
	record "$c --help"
done
