# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Sourced by run.sh (its helpers, $D, $T, $FIX, $BLUE): the views of what
# the module knows beyond show's figures (xfrm, routes, icmp, status,
# objects, show --long), the filters every view shares, suspects' old
# entries in JSON, plain "dstleak" = "dstleak show". Fixtures:
# fixtures/views/ (summary with xfrm, xfrm_error, route, icmp and stacks
# lines; objects; version; suspects). The blue namespace (4026532400) gets
# the inode of $T/netns/blue, as in run.sh.

mkdir -p "$T/views"
for f in summary objects version suspects; do
	sed "s/4026532400/$BLUE/g" "$FIX/views/$f" >"$T/views/$f"
done
V=$T/views
# rows FILE: the table's rows after its header, blanks squeezed.
rows() { tail -n +2 "$T/out" | tr -s ' '; }

# ---- plain dstleak ----
why=; run 0 "$D" --source "$V"; out_has "^module 0.2.0, format 2"; out_has "^NETNS  *INUM  *STATE"; err_empty
run 0 "$D" --source "$V" show; cp "$T/out" "$T/show.plain"
run 0 "$D" --source "$V"; cmp -s "$T/out" "$T/show.plain" || no "plain dstleak differs from dstleak show"
record "plain dstleak is dstleak show"

# ---- xfrm: the IPsec use case, XfrmOutBundleGenError per container ----
why=; run 0 "$D" --source "$V" xfrm; err_empty
[ "$(head -n 1 "$T/out" | tr -s ' ')" = "NETNS INUM STATE LOOKUPS LOOKUP_ERR BUNDLES BUNDLE_ERR GEN_ERR CHECK_ERR NO_STATES POL_ERR" ] ||
	no "xfrm header: $(head -n 1 "$T/out")"
out_has "^blue  *$BLUE  *alive  *0  *2  *9  *4  *4  *0  *0  *0$"
out_has "^-  *4026532600  *alive  *70  *0  *40  *11  *11  *0  *1  *-$"
out_lacks "4026531840"; out_lacks "4026532281"
awk '/^IPsec errors by errno:$/ { t = 1; next } t' "$T/out" | tr -s ' ' >"$T/xe"
printf '%s\n' "NETNS INUM WHERE ERRNO COUNT" "blue $BLUE lookup ENOENT 2" " bundle EINVAL 4" \
	"- 4026532600 bundle ENOMEM 11" | cmp -s - "$T/xe" || no "errors by errno: $(tr '\n' '|' <"$T/xe")"
record "xfrm: one row per namespace with IPsec activity, GEN_ERR the kernel's XfrmOutBundleGenError, '-' where the kernel has none"
why=; run 0 "$D" --source "$V" xfrm -a; out_has "^systemd\[1\]  *4026531840  *alive  *0  *0"; out_has "4026532281  *exited"
record "xfrm -a: every namespace"
why=; run 0 "$D" --source "$V" xfrm --json --netns 4026532600; json_ok; err_empty
[ "$(cat "$T/out")" = '{"format":1,"namespaces":[{"inum":4026532600,"cookie":20,"name":null,"state":"alive","xfrm":{"lookups":70,"lookup_errors":0,"bundles":40,"bundle_errors":11,"kernel_out_bundle_gen_error":11,"kernel_out_bundle_check_error":0,"kernel_out_no_states":1,"kernel_out_pol_error":null},"errors":[{"where":"bundle","errno":"ENOMEM","count":11}]}]}' ] ||
	no "xfrm --json: $(cat "$T/out")"
record "xfrm --json: every pair of the xfrm line, null for '-', errors by errno"
why=; run 0 "$D" --source "$V" xfrm --netns blue --json; json_ok
out_has "\"inum\":$BLUE,\"cookie\":12,\"name\":\"blue\""; out_lacks 4026532600
run 0 "$D" --source "$V" xfrm --netns 12; out_has "^blue "; out_lacks 4026532600
record "xfrm --netns NAME or COOKIE: that namespace only"
why=; run 0 "$D" --source "$FIX/good" xfrm; out_has "^no IPsec activity$"
run 0 "$D" --source "$FIX/v1" xfrm; out_has "^no IPsec activity (the module's format 1 has no xfrm lines)$"
record "xfrm: none said so; format 1 has none"

# ---- routes, icmp ----
why=; run 0 "$D" --source "$V" routes; err_empty
[ "$(head -n 1 "$T/out" | tr -s ' ')" = "NETNS INUM STATE PMTU4 REDIRECT4 PMTU6 REDIRECT6 EXCEPTIONS6 CACHED6" ] ||
	no "routes header: $(head -n 1 "$T/out")"
# Namespaces in the summary's order: by inode (blue's is the fixture world's).
rows >"$T/rows"
{ echo "systemd[1] 4026531840 alive 3 1 0 0 0 0"; echo "blue $BLUE alive 0 0 6 2 8 5"; } |
	sort -k 2,2n | cmp -s - "$T/rows" ||
	no "routes rows: $(tr '\n' '|' <"$T/rows")"
record "routes: the route line of each namespace with exceptions (future pairs skipped)"
why=; run 0 "$D" --source "$V" routes --json -a --netns 4026532600; json_ok
[ "$(cat "$T/out")" = '{"format":1,"namespaces":[{"inum":4026532600,"cookie":20,"name":null,"state":"alive","route":{"pmtu4":0,"redirect4":0,"pmtu6":0,"redirect6":0,"exceptions6":0,"cached6":null}}]}' ] ||
	no "routes --json: $(cat "$T/out")"
record "routes --json -a: every pair, cached6 null where the kernel has none"
why=; run 0 "$D" --source "$V" icmp; err_empty; rows >"$T/rows"
printf '%s\n' "systemd[1] 4026531840 ipv4 3 4 3" "systemd[1] 4026531840 ipv4 5 1 1" \
	"blue $BLUE ipv6 2 0 6" "blue $BLUE ipv6 - - 2" | sort -s -k 2,2n | cmp -s - "$T/rows" || no "icmp rows: $(tr '\n' '|' <"$T/rows")"
run 0 "$D" --source "$V" icmp --family ipv6 --json; json_ok
[ "$(cat "$T/out")" = "{\"format\":1,\"icmp\":[{\"inum\":$BLUE,\"cookie\":12,\"name\":\"blue\",\"state\":\"alive\",\"family\":\"ipv6\",\"type\":2,\"code\":0,\"count\":6},{\"inum\":$BLUE,\"cookie\":12,\"name\":\"blue\",\"state\":\"alive\",\"family\":\"ipv6\",\"type\":null,\"code\":null,\"count\":2}]}" ] ||
	no "icmp --json: $(cat "$T/out")"
record "icmp: one row per icmp line, '-' type/code as null in JSON, --family"

# ---- status: version, tracking maximum, stacks, unattributed, probes ----
why=; run 0 "$D" --source "$V" status; err_empty
out_has "^module 0.2.0, format 2, kernel 6.12.117+deb12-cloud-amd64$"
out_has "^tracking: 40 of at most 262144 entries (max_tracked), 0 not tracked (overflow)$"
out_has "^stacks: disabled, sample 4, failures 2$"
out_has "^ipv4  *9  *4  *3$"; out_has "^PROBE  *HITS  *MISSED  *HOOK$"
out_has "^dst_alloc  *5210  *0  *direct$"; out_has "^dst_destroy  *3986  *0  *ftrace$"
record "status: tracking maximum, stacks line, unattributed table, probes and their hooks"
sed 's/ hook [a-z]*$//' "$V/summary" >"$T/nohook"
why=; run 0 "$D" --source "$T/nohook" status; err_empty; out_has "^dst_destroy  *3986  *0  *-$"
run 0 "$D" --source "$T/nohook" show; out_has "^probes: dst_alloc 5210 hits 0 missed, dst_destroy 3986"
run 0 "$D" --source "$V" show; out_has "^probes: dst_alloc (direct) 5210 hits 0 missed, dst_destroy (ftrace) 3986"
run 0 "$D" --source "$V" show --json; out_has '"probes":\[{"symbol":"dst_alloc","hits":5210,"missed":0,"hook":"direct"}'
run 0 "$D" --source "$T/nohook" show --json; out_has '"symbol":"dst_destroy","hits":3986,"missed":0,"hook":null}'
record "probes: the hook each is hooked by where the module says it, '-' and null where not"
why=; run 0 "$D" --source "$V" status --json; json_ok
out_has '"version":{"module":"0.2.0","kernel":"6.12.117+deb12-cloud-amd64","export_format":2}'
out_has '"tracking":{"tracked":40,"overflow":0,"bytes":2560,"max":262144,"entry_bytes":64,"steal_misses":0,"irqoff_max_ns":5120}'
out_has '"stacks":{"enabled":0,"sample":4,"failures":2}'
out_has '"unattributed":{"ipv4":{"allocs":9,"frees":4,"orphaned":3},'
run 0 "$D" --source "$V/summary" status --json; out_has '"version":null'
record "status --json: the version file, tracking with max, stacks, unattributed"
why=; run 0 "$D" --source "$V" show --json; out_has '"tracking":{"tracked":40,"overflow":0,"bytes":2560,"max":262144,"entry_bytes":64,'
record "show --json: the tracking maximum and entry size"
sed 's/^stacks enabled 0 sample 4/stacks enabled 7 sample 4/' "$V/summary" >"$T/badstacks"
why=; run 2 "$D" --source "$T/badstacks" status; err_has "badstacks:[0-9]*: value of 'enabled' is not 0 or 1"; out_empty
sed "s/^route ns $BLUE cookie 12 pmtu4 0/route ns $BLUE cookie 12 pmtu4 x/" "$V/summary" >"$T/badroute"
run 2 "$D" --source "$T/badroute" routes; err_has "badroute:[0-9]*: value of 'pmtu4' is not a number: 'x'"; out_empty
sed "s/^icmp ns 4026531840 cookie 1 family ipv4 type 3/icmp ns 4026531840 cookie 99 family ipv4 type 3/" "$V/summary" >"$T/badicmp"
run 2 "$D" --source "$T/badicmp" icmp; err_has "badicmp:[0-9]*: namespace 4026531840 (cookie 99) has no 'ns' lines"
record "route, icmp, stacks lines that do not parse: one line naming file and line, exit 2"

# ---- objects ----
why=; run 0 "$D" --source "$V" objects; err_empty
[ "$(head -n 1 "$T/out" | tr -s ' ')" = "OBJECT NETNS INUM FAMILY AGE REFCNT OBSOLETE DEVICE IFINDEX DEVSTATE REASON STACK" ] ||
	no "objects header: $(head -n 1 "$T/out")"
rows >"$T/rows"
printf '%s\n' \
	"9e3779b97f4a7c14 systemd[1] 4026531840 ipv4 2m00s 1 0 eth0 2 up - -" \
	"9e3779b97f4a7c15 - 4026532281 ipv4 1m05s 1 2 - 4 gone netns_exited 3" \
	"9e3779b97f4a7c12 blue $BLUE ipv4 1d01h 2 2 veth0 2 up dead 17" \
	"9e3779b97f4a7c13 blue $BLUE ipv6 1m01s 1 -1 veth1 3 unregistering pins_device -" \
	"9e3779b97f4a7c11 blue $BLUE ipv4 5.0s 1 0 veth0 2 up - 17" \
	"9e3779b97f4a7c17 - 4026532600 ipv4 1h02m 1 0 eth9 9 gone device_gone 5" \
	"9e3779b97f4a7c16 - 4026532600 xfrm4 700ms 0 2 lo 1 down - -" | sort -s -k 3,3n | cmp -s - "$T/rows" ||
	no "objects rows: $(tr '\n' '|' <"$T/rows")"
record "objects: one row per entry, namespaces in order, oldest first, reasons as the module classifies"
why=; run 0 "$D" --source "$V" objects --netns blue --family ipv4 --json; json_ok
[ "$(cat "$T/out")" = "{\"format\":1,\"objects\":[{\"object\":\"9e3779b97f4a7c12\",\"inum\":$BLUE,\"cookie\":12,\"name\":\"blue\",\"netns_state\":\"alive\",\"family\":\"ipv4\",\"age_s\":90061.000,\"refcnt\":2,\"obsolete\":2,\"device\":\"veth0\",\"ifindex\":2,\"devstate\":\"up\",\"reason\":\"dead\",\"stack\":17},{\"object\":\"9e3779b97f4a7c11\",\"inum\":$BLUE,\"cookie\":12,\"name\":\"blue\",\"netns_state\":\"alive\",\"family\":\"ipv4\",\"age_s\":5.000,\"refcnt\":1,\"obsolete\":0,\"device\":\"veth0\",\"ifindex\":2,\"devstate\":\"up\",\"reason\":null,\"stack\":17}]}" ] ||
	no "objects --json: $(cat "$T/out")"
record "objects --json --netns NAME --family: exactly that namespace's entries of that family"
why=; run 0 "$D" --source "$V" objects --netns "$BLUE" --json; json_ok
[ "$(grep -o '"object":' "$T/out" | wc -l)" = 3 ] || no "by inode: not 3 objects"
run 0 "$D" --source "$V" objects --netns 12 --json
[ "$(grep -o '"object":' "$T/out" | wc -l)" = 3 ] || no "by cookie: not 3 objects"
run 0 "$D" --source "$V" objects --netns 7,20 --json
[ "$(grep -o '"object":' "$T/out" | wc -l)" = 3 ] || no "by two cookies: not 3 objects"
out_has '"device":null'; out_has '"reason":"netns_exited"'
record "objects --netns INUM, COOKIE, a list"
why=; run 0 "$D" --source "$V" objects --reason dead,device_gone; rows | awk '{ print $1, $11 }' >"$T/rows"
printf '%s\n' "9e3779b97f4a7c12 dead" "9e3779b97f4a7c17 device_gone" | cmp -s - "$T/rows" ||
	no "--reason: $(tr '\n' '|' <"$T/rows")"
record "objects --reason: only entries of those reasons"
why=; run 0 "$D" --source "$V" objects --sort age --top 3; rows | awk '{ print $1 }' >"$T/rows"
printf '%s\n' 9e3779b97f4a7c12 9e3779b97f4a7c17 9e3779b97f4a7c14 | cmp -s - "$T/rows" ||
	no "--sort age --top 3: $(tr '\n' '|' <"$T/rows")"
record "objects --sort age --top 3: the three oldest of the host"
why=; run 0 "$D" --source "$V" objects --numeric --netns 12; out_lacks blue; out_has "^9e3779b97f4a7c12  *-  *$BLUE"
run 2 "$D" --source "$V" objects --numeric --netns blue; err_has "a name needs name lookup"
record "objects --numeric: no names; --netns NAME refused with it"
why=; run 0 "$D" --source "$V" objects --netns nosuch; out_has "^no tracked entries match$"
record "objects: no match said so"
mkdir -p "$T/objbad"; cp "$V/summary" "$T/objbad/"
sed '$d' "$V/objects" >"$T/objbad/objects"
why=; run 2 "$D" --source "$T/objbad" objects; err_has "objbad/objects:[0-9]*: truncated: the file ends without its 'end lines N' line"; out_empty; err_lines 1
sed 's/refcnt 2 obsolete/refcnt two obsolete/' "$V/objects" >"$T/objbad/objects"
run 2 "$D" --source "$T/objbad" objects; err_has "objbad/objects:3: value of 'refcnt' is not a number: 'two'"
sed 's/netns alive stack 17$/netns maybe stack 17/' "$V/objects" >"$T/objbad/objects"
run 2 "$D" --source "$T/objbad" objects; err_has "objbad/objects:2: value of 'netns' is not alive or exited"
sed 's/^format 2$/format 3/' "$V/objects" >"$T/objbad/objects"
run 2 "$D" --source "$T/objbad" objects; err_has "objbad/objects:1: unsupported objects format 3"
sed 's/^end lines 9$/end lines 8/' "$V/objects" >"$T/objbad/objects"
run 2 "$D" --source "$T/objbad" objects; err_has "'end lines 8' but 9 lines before it"
record "objects: a file cut short or damaged is refused, one line naming file and line, exit 2"
why=; run 3 "$D" --source "$V/summary" objects; err_has "debugfs only"
rm -f "$T/objbad/objects"
run 3 "$D" --source "$T/objbad" objects; err_has "objbad/objects: "
record "objects: no objects file -> exit 3"

# ---- show: filters, order, top, --long ----
why=; run 2 "$D" --source "$V" show --netns blue --numeric; err_has "a name needs name lookup"
run 0 "$D" --source "$V" show --netns blue; out_has "^blue  *$BLUE"; out_lacks 4026532600; out_lacks "ENOMEM"
run 0 "$D" --source "$V" show --numeric; out_lacks blue; out_has "^-  *$BLUE"
record "show --netns NAME, --numeric"
why=; run 0 "$D" --source "$V" show --family ipv6 --sort headroom --top 2
awk '/^NETNS/ { t = 1; next } t && /^$/ { exit } t { print $1, $2, $3 }' "$T/out" >"$T/rows"
printf '%s\n' "- 4026532600 alive" "blue $BLUE alive" | cmp -s - "$T/rows" || no "--sort headroom --top 2: $(tr '\n' '|' <"$T/rows")"
awk '/^NETNS/ { t = 1; next } t && /^$/ { exit } t' "$T/out" | grep -q ' ipv4 ' && no "an ipv4 row"
out_has "ENOENT"; out_has "ENOMEM"
run 0 "$D" --source "$V" show --family ipv6 --sort headroom --top 1; out_lacks "ENOENT"; out_has "ENOMEM"
record "show --family ipv6 --sort headroom --top N: least headroom first, IPsec errors of those shown only"
why=; run 0 "$D" --source "$V" show --sort live
awk '/^NETNS/ { t = 1; next } t && /^$/ { exit } t && $3 ~ /^(alive|exited)$/ { print $2 }' "$T/out" >"$T/rows"
printf '%s\n' 4026532600 "$BLUE" 4026531840 4026532281 | cmp -s - "$T/rows" || no "--sort live: $(tr '\n' '|' <"$T/rows")"
run 0 "$D" --source "$V" show --sort drift --json; json_ok
[ "$(grep -o '"inum":[0-9]*' "$T/out" | head -n 1)" = '"inum":4026532600' ] || no "--sort drift: not 4026532600 first"
run 0 "$D" --source "$V" show --sort allocs --top 1 --json; json_ok
[ "$(grep -o '"inum":[0-9]*' "$T/out" | tr '\n' ' ')" = "\"inum\":$BLUE " ] || no "--sort allocs --top 1: $(grep -o '"inum":[0-9]*' "$T/out" | tr '\n' ' ')"
record "show --sort live|drift|allocs, --top, in the table and the JSON"
why=; run 0 "$D" --source "$V" show --json --family xfrm4 --netns 20; json_ok
out_has '"families":{"xfrm4":{"allocs":40,"frees":10,"frees_preexisting":0,"live":30,"peak":31,"failures":11,'
sed 's/.*"namespaces"://' "$T/out" | grep -q '"ipv4":' && no "an ipv4 family in the namespaces"
record "show --json --family: only that family's figures"
why=; run 0 "$D" --source "$V" show --long --netns 20
out_has "^NETNS  *INUM  *STATE  *FAMILY  *LIVE  *PEAK  *ALLOCS  *FREES  *PREEXIST  *FAILURES  *UNTRACKED  *ORPHANED  *KERNEL  *DRIFT  *GC_THRESH  *MAX_SIZE  *HEADROOM$"
out_has "^  *ipv6  *948  *951  *960  *12  *5  *7  *3  *0  *950  *-2  *1024  *4096  *7.2%$"
out_has "^-  *4026532600  *alive  *ipv4  *100  *120  *500  *400  *2  *0  *0  *0  *-  *-  *-  *-  *-$"
record "show --long: peak, frees_preexisting, untracked, orphaned and the limits"
why=; run 2 "$D" --source "$V" show --sort bogus; err_has "--sort: 'bogus' is not one of live, drift, headroom, allocs"
run 2 "$D" --source "$V" show --top 0; err_has "--top: N must be at least 1"
run 2 "$D" --source "$V" show --family ipv5; err_has "--family: 'ipv5' is not one of ipv4"
run 2 "$D" --source "$V" show --reason dead; err_has "unknown option '--reason'"
run 2 "$D" --source "$V" status --netns 1; err_has "unknown option '--netns'"
record "filters: bad values and options a command does not take -> exit 2"

# ---- suspects: filters, old entries in JSON ----
why=; run 0 "$D" suspects --json; json_ok
out_has '"dropped":0,"old":\[{"inum":4026531840,"cookie":1,"name":"systemd\[1\]","family":"ipv4","count":2,"oldest_s":120.000}\]}$'
record "suspects --json: old groups"
why=; run 0 "$D" suspects --reason dead --top 1 --json; json_ok
[ "$(grep -o '"reason":"[a-z_]*"' "$T/out" | tr '\n' ' ')" = '"reason":"dead" ' ] || no "--reason dead --top 1: $(cat "$T/out")"
out_has '"old":\[\]'
run 0 "$D" suspects --netns blue; out_has "^blue  *$BLUE  *ipv6  *pins_device"; out_lacks "4026532281"; out_lacks "old entries"
run 0 "$D" suspects --family ipv4 --netns 1; out_has "^no leak suspects$"; out_has "^old entries"
record "suspects --netns, --family, --reason, --top"

for c in xfrm routes icmp status objects; do
	why=; run 0 "$D" $c --help; out_has "^Usage: dstleak $c"; err_empty
	record "$c --help"
done
