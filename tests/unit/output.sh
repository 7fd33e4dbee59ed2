# shellcheck shell=sh disable=SC2034 # why: run.sh reads it
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Sourced by run.sh (its helpers, $D, $T, $FIX): the util-linux conventions
# of the table commands (lsblk's): -o/--output COLS (+COLS appends),
# -n/--noheadings, -r/--raw, -J (--json), --list-columns; unknown columns.
# Fixtures: fixtures/views/ as they are (4026532400 has no name here), a
# world of two processes: systemd (pid 1) and, in 4026532600, a process
# whose name holds a backslash and a blank, which raw output escapes.

mkdir -p "$T/oproc/1/ns" "$T/oproc/8000/ns" "$T/onetns"
ln -s "net:[4026531840]" "$T/oproc/1/ns/net"
echo systemd >"$T/oproc/1/comm"
ln -s "net:[4026532600]" "$T/oproc/8000/ns/net"
printf 'my\\app x\n' >"$T/oproc/8000/comm"
# O RC ARGS...: the reader on fixtures/views in this world, want exit RC.
O() { _rc=$1; shift; run "$_rc" env DSTLEAK_PROC="$T/oproc" DSTLEAK_NETNS_DIR="$T/onetns" \
	"$D" --source "$FIX/views" "$@"; }
# want TEXT...: stdout is exactly these lines.
want() { printf '%s\n' "$@" >"$T/want"; cmp -s "$T/want" "$T/out" ||
	no "stdout: $(tr '\n' '|' <"$T/out"), want $(tr '\n' '|' <"$T/want")"; }
A='my\x5capp\x20x[8000]'

# ---- -r: raw, every group's cells repeated, blanks and backslashes escaped ----
why=; O 0 show -r -o netns,INUM,State,family,Live; err_empty
want "NETNS INUM STATE FAMILY LIVE" "systemd[1] 4026531840 alive ipv4 10" \
	"systemd[1] 4026531840 alive ipv6 25" "systemd[1] 4026531840 alive other 2" \
	"- 4026532281 exited ipv4 10" "- 4026532281 exited ipv6 3" \
	"- 4026532400 alive ipv4 10" "- 4026532400 alive ipv6 100" "- 4026532400 alive xfrm4 0" \
	"$A 4026532600 alive ipv4 100" "$A 4026532600 alive ipv6 948" "$A 4026532600 alive xfrm4 30"
record "show -r -o: the table only, raw, names case-insensitive, NETNS INUM STATE on every row, blank and backslash as \\x20 \\x5c"
why=; O 0 show -r; out_lacks "^module"; out_lacks "IPsec errors"; out_lacks "^\\*"
[ "$(head -n 1 "$T/out")" = "NETNS INUM STATE FAMILY LIVE ALLOCS FREES FAILURES KERNEL DRIFT HEADROOM" ] ||
	no "show -r header: $(head -n 1 "$T/out")"
grep -qxF "$A 4026532600 alive ipv6 948 960 12 7 950 -2 7.2%" "$T/out" || no "no escaped ipv6 row of 4026532600"
out_lines 12
record "show -r: every column, no preamble, no second table, no legend"

# ---- -n, -o aligned ----
why=; O 0 show -n -r -o inum,family --netns 4026532281; want "4026532281 ipv4" "4026532281 ipv6"
record "show -n: no header line"
why=; O 0 show -o NETNS,LIVE --family ipv6; err_empty
want "NETNS           LIVE" "systemd[1]        25" "-                  3" "-                100" \
	"my\\app x[8000]   948"
record "show -o: the columns asked for, aligned, widths of those cells"
why=; O 0 show -n -o family,live --netns 4026532281; want "ipv4  10" "ipv6   3"
record "show -n -o: widths from the cells alone"
why=; O 0 show --long -r -o inum,family,PEAK,orphaned --netns 4026532600
out_has "^4026532600 ipv6 [0-9-]* [0-9-]*\$"; out_lines 4
record "show --long -o: the long table's columns"

# ---- +COLS, unknown columns ----
why=; O 0 routes -r -o +inum; err_empty
want "NETNS INUM STATE PMTU4 REDIRECT4 PMTU6 REDIRECT6 EXCEPTIONS6 CACHED6 INUM" \
	"systemd[1] 4026531840 alive 3 1 0 0 0 0 4026531840" "- 4026532400 alive 0 0 6 2 8 5 4026532400"
record "routes -o +COL: the default columns, then COL"
why=; O 2 show -o netns,bogus; err_has "^dstleak show: unknown column 'bogus' (dstleak show --list-columns)\$"; out_empty
why=; O 2 objects -o +Nope; err_has "^dstleak objects: unknown column 'Nope' (dstleak objects --list-columns)\$"
why=; O 2 show -o ''; err_has "unknown column ''"
why=; O 2 diff -o live,+/- "$FIX/snap/old" "$FIX/snap/new"; err_has "unknown column '+/-'"
record "unknown column: exit 2, 'unknown column' with a pointer to --list-columns"

# ---- --list-columns: one per column, the names the header shows ----
for c in show "show --long" watch diff suspects xfrm routes icmp objects; do
	why=
	# shellcheck disable=SC2086
	O 0 $c --list-columns; err_empty
	awk '{ print $1 }' "$T/out" | tr '\n' ' ' >"$T/names"
	awk 'NF < 2 { bad = 1 } END { exit bad }' "$T/out" || no "a column without a description"
	case $c in
	diff) hdr="NETNS INUM STATE FAMILY ALLOCS ALLOCS/s FREES FREES/s FAILURES LIVE LIVE_CHANGE KERNEL KERNEL_CHANGE DRIFT " ;;
	watch) hdr="NETNS INUM STATE FAMILY LIVE ALLOCS/s FREES/s FAILURES/s KERNEL DRIFT HEADROOM " ;;
	suspects) hdr="NETNS INUM FAMILY REASON DEVICE COUNT OLDEST MEDIAN " ;;
	*)
		# shellcheck disable=SC2086
		O 0 $c -r --numeric
		hdr="$(head -n 1 "$T/out") " ;;
	esac
	[ "$(cat "$T/names")" = "$hdr" ] || no "$c --list-columns: $(cat "$T/names"), header: $hdr"
	record "$c --list-columns: the header's columns, each described"
done
why=; O 0 diff -r "$FIX/snap/old" "$FIX/snap/new"
[ "$(head -n 1 "$T/out")" = "NETNS INUM STATE FAMILY ALLOCS ALLOCS/s FREES FREES/s FAILURES LIVE +/- KERNEL +/- DRIFT" ] ||
	no "diff -r header: $(head -n 1 "$T/out")"
out_lacks "^from "
record "diff -r: the headers as ever ('+/-' is LIVE_CHANGE, KERNEL_CHANGE for -o), no 'from' line"

# ---- -J: --json; with -o, the rows as JSON ----
why=; O 0 show --json; cp "$T/out" "$T/json"; O 0 show -J; cmp -s "$T/out" "$T/json" || no "show -J differs from show --json"
O 0 xfrm --json; cp "$T/out" "$T/json"; O 0 xfrm -J; cmp -s "$T/out" "$T/json" || no "xfrm -J differs"
O 0 objects --json; cp "$T/out" "$T/json"; O 0 objects -J; cmp -s "$T/out" "$T/json" || no "objects -J differs"
O 0 suspects --json; cp "$T/out" "$T/json"; O 0 suspects -J; cmp -s "$T/out" "$T/json" || no "suspects -J differs"
record "-J is --json: the contract v1 document"
why=; O 0 show -J -o netns,inum,live,kernel,headroom --family ipv6 --numeric; json_ok; err_empty
want '{"format":1,"rows":[{"netns":null,"inum":4026531840,"live":25,"kernel":29,"headroom":"97.2%"},{"netns":null,"inum":4026532281,"live":3,"kernel":3,"headroom":"99.7%"},{"netns":null,"inum":4026532400,"live":100,"kernel":100,"headroom":"90.2%"},{"netns":null,"inum":4026532600,"live":948,"kernel":950,"headroom":"7.2%"}]}'
record "show -J -o: the rows, keys the columns in lower case, numbers as numbers, '-' as null"
why=; O 0 show -J -o netns,family,drift --netns 4026532600; json_ok
want '{"format":1,"rows":[{"netns":"my\\app x[8000]","family":"ipv4","drift":null},{"netns":"my\\app x[8000]","family":"ipv6","drift":-2},{"netns":"my\\app x[8000]","family":"xfrm4","drift":0}]}'
record "show -J -o: a group's NETNS on each row, JSON-escaped"
why=; O 0 diff -J "$FIX/snap/old" "$FIX/snap/new"; json_ok; out_has '^{"format":1,"rows":\['
O 0 diff -J -o inum,family,allocs,allocs/s,live_change "$FIX/snap/old" "$FIX/snap/new"; json_ok
out_has '{"inum":4026531840,"family":"ipv4","allocs":10,"allocs_s":0.2,"live_change":5}'
record "diff -J: the rows as JSON (diff has no document of its own), ALLOCS/s as allocs_s, +5 as 5"
why=; O 0 objects -r -o object,inum,age,device,reason --netns 4026532600
want "OBJECT INUM AGE DEVICE REASON" "9e3779b97f4a7c17 4026532600 1h02m eth9 device_gone" \
	"9e3779b97f4a7c16 4026532600 700ms lo -"
record "objects -r -o: the entries of one namespace, oldest first"
why=; O 0 xfrm -r -o netns,gen_err; want "NETNS GEN_ERR" "- 4" "$A 11"; out_lacks "errno"
record "xfrm -o: the IPsec table only (not the errors by errno)"
why=; O 0 icmp -n -r -o inum,count --family ipv6; want "4026532400 6" "4026532400 2"
why=; O 0 suspects --source "$FIX/good" -r; out_lacks "^    "; out_lacks "old entries"
[ "$(head -n 1 "$T/out")" = "NETNS INUM FAMILY REASON DEVICE COUNT OLDEST MEDIAN" ] || no "suspects -r header"
record "icmp, suspects -r: the table only (no stack lines, no old entries)"
why=; O 0 xfrm -r --netns 4026531840; want "NETNS INUM STATE LOOKUPS LOOKUP_ERR BUNDLES BUNDLE_ERR GEN_ERR CHECK_ERR NO_STATES POL_ERR"
O 0 xfrm -J -o inum --netns 4026531840; want '{"format":1,"rows":[]}'
record "no rows: -r prints the header, -J -o an empty list (not 'no IPsec activity')"

# ---- where the conventions do not apply ----
why=; O 2 status -o module; err_has "prints a report"
O 2 status -r; O 2 status --list-columns
O 0 status -J; json_ok
record "status: -J only (a report, not one table)"
why=; O 0 watch -n 1 -r -o inum,family,live; out_lines 12
[ "$(head -n 1 "$T/out")" = "INUM FAMILY LIVE" ] || no "watch -r header: $(head -n 1 "$T/out")"
out_has "^4026532281 ipv6 3\$"; out_lacks "^dstleak watch"
O 0 watch -n 1 --noheadings -r -o inum; out_lines 11; out_has "^4026532281\$"
O 2 watch -J
record "watch: -n stays COUNT (--noheadings, -r, -o: the table only); no -J"
