#!/bin/sh
# `dstleak suspects` and `suspects --json` against the real module
# (stacks=1, suspect_age_s=1), one group per reason the helper can make:
#   dead          20 IPv4 and 5 IPv6 entries held in blue, marked obsolete;
#   pins_device   17 IPv4 entries on green's veth0 while its deletion waits
#                 (device "veth0");
#   netns_exited  9 re-homable IPv4 entries of violet, which has exited (no
#                 name: "-" in the table, null in the JSON).
# Each group: the exact count, the namespace's name, the family, reason and
# device, ages >= 1 s, the helper's holding function in the stack (indented
# under its row; in the JSON "stack" list), the namespace's cookie in the JSON
# (the module's, on the group and in the summary). Every group of the module's
# file is in both outputs, and the old-entries table is the module's "old"
# lines. "dropped" (suspects past the module's group limit) is the module's
# figure (its "dropped N" line, absent when 0), 0 here: the JSON ends in
# "dropped":0 and the table has no line for it. Before and after: "no leak
# suspects" and no groups.
# vm-timeout: 120
. /lib.sh
need_reader
need_helper
load_dstleak stacks=1 suspect_age_s=1
load_helper

# The module's groups and old lines without their ages (format 2:
# group ns INUM cookie C family F reason R device D count N ...,
# old ns INUM cookie C family F count N ...), and its dropped line.
_groups() {
	awk '$1 == "group" { print $1, $3, $5, $7, $9, $11, $13 } $1 == "old" { print $1, $3, $5, $7, $9 } $1 == "dropped"' "$1"
}
# The module's "dropped N" (suspects past its group limit); it prints the
# line only when N is not 0.
sus_dropped() {
	awk '$1 == "dropped" { n++; d = $2 } END { print n ? d : 0 }' "$1"
}
# suspects ARGS into /tmp/s.out (or .json) between two reads of the module's
# file that agree on every group and count (retried if an entry aged
# meanwhile); that file in /tmp/sus.
reader() { # OUT ARGS...
	_out=$1
	shift
	_try=0
	while :; do
		cat "$DBG/suspects" > /tmp/sus
		run_rc "$_out" /tmp/s.err dstleak suspects "$@"
		cat "$DBG/suspects" > /tmp/sus2
		[ "$(_groups /tmp/sus)" = "$(_groups /tmp/sus2)" ] && break
		_try=$((_try + 1))
		[ $_try -lt 5 ] || fail "the module's suspects kept changing"
	done
	assert_eq "suspects $* exit status" 0 "$RC"
	assert_eq "suspects $* stderr" "" "$(cat /tmp/s.err)"
}
old_table() { # the old-entries table has exactly the module's "old" lines
	assert_eq "old entries" \
		"$(awk '$1 == "old" { print $3, $7, $9 }' /tmp/sus | sort)" \
		"$(awk '/^old entries/ { t = 1; next } t && $2 ~ /^[0-9]+$/ { print $2, $3, $4 }' /tmp/s.out | sort)"
}
none() { # WHEN
	reader /tmp/s.out
	assert_eq "module's dropped $1" 0 "$(sus_dropped /tmp/sus)"
	assert_eq "suspects $1" "no leak suspects" "$(head -n 1 /tmp/s.out)"
	old_table
	reader /tmp/s.json --json
	assert_eq "module's dropped $1 (--json)" 0 "$(sus_dropped /tmp/sus)"
	# No group, nothing dropped; the "old" array is the module's old lines.
	case "$(cat /tmp/s.json)" in
	'{"format":1,"groups":[],"dropped":0,"old":['*']}' | '{"format":1,"groups":[],"dropped":0}') ;;
	*) fail "suspects --json $1: not an empty groups list: $(cat /tmp/s.json)";;
	esac
	assert_eq "suspects --json $1: old" \
		"$(awk '$1 == "old" { print $3, $7, $9 }' /tmp/sus | sort)" \
		"$(sed -n 's/.*"old":\[\(.*\)\]}$/\1/p' /tmp/s.json | sed 's/},{/}\n{/g' |
			sed -n 's/.*"inum":\([0-9]*\),.*"family":"\([a-z0-9]*\)","count":\([0-9]*\),.*/\1 \2 \3/p' | sort)"
}

mk_pair blue red
mk_pair green yellow
mk_pair violet indigo
B=$(netns_inum blue)
G=$(netns_inum green)
V=$(netns_inum violet)
none "before"

dh blue alloc4 veth0 20
dh blue alloc6 veth0 5
dh blue dead
dh violet rehome4 veth0 10.9.0.2 9
ip netns del violet
ip netns del indigo
dh green alloc4 veth0 17
ip -n green link del veth0 &
DEL=$!
wait_until 10 sh -c "grep -q 'reason pins_device device veth0' $DBG/suspects" ||
	fail "no pins_device group while veth0's deletion waits"
wait_until 10 sh -c "grep -q '^ns $V exited' $DBG/summary" || fail "violet not listed as exited"
sleep 1.2

reader /tmp/s.json --json
cp /tmp/sus /tmp/sus.json
reader /tmp/s.out
json_ok /tmp/s.json
snap /tmp/sum

# The table: NETNS INUM FAMILY REASON DEVICE COUNT OLDEST MEDIAN, then the
# stack indented by 4.
row() { # INUM FAMILY REASON: NETNS DEVICE COUNT
	awk -v ns="$1" -v f="$2" -v r="$3" '$2 == ns && $3 == f && $4 == r { print $1, $5, $6; exit }' /tmp/s.out
}
ages() { # INUM FAMILY REASON: OLDEST MEDIAN
	awk -v ns="$1" -v f="$2" -v r="$3" '$2 == ns && $3 == f && $4 == r { print $7, $8; exit }' /tmp/s.out
}
stack_of() { # INUM FAMILY REASON: the indented lines after the row
	awk -v ns="$1" -v f="$2" -v r="$3" '
	/^    / { if (in_g) print substr($0, 5); next }
	{ in_g = ($2 == ns && $3 == f && $4 == r) }' /tmp/s.out
}
# The JSON group of INUM FAMILY REASON, as text.
jgroup() {
	awk -v ns="$1" -v f="$2" -v r="$3" '{
		n = split($0, g, "[{]\"inum\":")
		for (i = 2; i <= n; i++)
			if (index(g[i], ns ",") == 1 && index(g[i], "\"family\":\"" f "\"") && index(g[i], "\"reason\":\"" r "\""))
				print g[i]
	}' /tmp/s.json
}
jval() { # INUM FAMILY REASON KEY: the raw value of a scalar key
	jgroup "$1" "$2" "$3" | awk -v k="$4" '{
		i = index($0, "\"" k "\":")
		if (!i) exit
		s = substr($0, i + length(k) + 3)
		if (substr(s, 1, 1) == "\"") { s = substr(s, 2); print "\"" substr(s, 1, index(s, "\"")) }
		else { sub(/[,}].*/, "", s); print s }
	}'
}
expect() { # INUM FAMILY REASON NAME DEVICE COUNT HOLDER
	_d=$5
	[ "$_d" = - ] && _jd=null || _jd="\"$_d\""
	assert_eq "$3 $2 row" "$4 $_d $6" "$(row "$1" "$2" "$3")"
	for _a in $(ages "$1" "$2" "$3"); do
		case "$_a" in
		[1-9].[0-9]s|[1-9][0-9].[0-9]s) ;;
		*) fail "$3 $2 age '$_a': want >= 1 s as N.Ns";;
		esac
	done
	stack_of "$1" "$2" "$3" | grep -q "^$7+0x" ||
		fail "$3 $2: no $7 in the stack under its row: $(stack_of "$1" "$2" "$3" | tr '\n' ' ')"
	assert_eq "$3 $2 stack = module's" \
		"$(awk -v ns="$1" -v f="$2" -v r="$3" '$1 == "group" { g = ($3 == ns && $7 == f && $9 == r); next } $1 == "stack" && g { print substr($0, 7) } $1 != "stack" { g = 0 }' /tmp/sus)" \
		"$(stack_of "$1" "$2" "$3")"
	assert_eq "$3 $2 JSON groups" 1 "$(jgroup "$1" "$2" "$3" | wc -l)"
	assert_eq "$3 $2 JSON count" "$6" "$(jval "$1" "$2" "$3" count)"
	assert_eq "$3 $2 JSON device" "$_jd" "$(jval "$1" "$2" "$3" device)"
	_c=$(awk -v ns="$1" -v f="$2" -v r="$3" '$1 == "group" && $3 == ns && $7 == f && $9 == r { print $5; exit }' /tmp/sus.json)
	assert_eq "$3 $2 cookie: group = summary" "$(ns_cookie /tmp/sum "$1")" "$_c"
	assert_eq "$3 $2 JSON cookie" "$_c" "$(jval "$1" "$2" "$3" cookie)"
	_n=$4
	[ "$_n" = - ] && _jn=null || _jn="\"$_n\""
	assert_eq "$3 $2 JSON name" "$_jn" "$(jval "$1" "$2" "$3" name)"
	for _k in oldest_s median_s; do
		case "$(jval "$1" "$2" "$3" $_k)" in
		[1-9].[0-9][0-9][0-9]|[1-9][0-9].[0-9][0-9][0-9]) ;;
		*) fail "$3 $2 JSON $_k '$(jval "$1" "$2" "$3" $_k)': want >= 1 with three decimals";;
		esac
	done
	jgroup "$1" "$2" "$3" | grep -q "\"stack\":\\[[^]]*\"$7+0x" ||
		fail "$3 $2: no $7 in the JSON stack"
}
expect "$B" ipv4 dead blue - 20 dsthelper_hold_v4
expect "$B" ipv6 dead blue - 5 dsthelper_hold_v6
expect "$G" ipv4 pins_device green veth0 17 dsthelper_hold_v4
expect "$V" ipv4 netns_exited - "$(awk -v ns="$V" '$1 == "group" && $3 == ns && $9 == "netns_exited" { print $11; exit }' /tmp/sus)" 9 dsthelper_hold_rehomable_v4
ngroups=$(grep -c '^group ' /tmp/sus)
assert_eq "groups in the module's file" 4 "$ngroups"
assert_eq "module's dropped" 0 "$(sus_dropped /tmp/sus)"
assert_eq "module's dropped (--json)" 0 "$(sus_dropped /tmp/sus.json)"
# The groups part (the "old" array after it is checked by none()).
sed 's/,"old":\[.*\]}$/}/' /tmp/s.json > /tmp/s.groups.json
case "$(cat /tmp/s.groups.json)" in *'],"dropped":0}') ;; *) fail "the JSON's groups do not end in \"dropped\":0: $(tail -c 60 /tmp/s.groups.json)";; esac
assert_eq "table: no dropped line" "" "$(grep 'past the module' /tmp/s.out || true)"
assert_eq "group rows in the table" "$ngroups" "$(awk '$2 ~ /^[0-9]+$/ && $4 ~ /^(dead|pins_device|device_gone|netns_exited)$/' /tmp/s.out | wc -l)"
assert_eq "groups in the JSON" "$ngroups" "$(json_count /tmp/s.groups.json '{"inum":')"
old_table

dh blue release
dh green release
wait $DEL || fail "the blocked 'ip link del' failed once released"
dh init release_inum "$V"
none "after release"
pass
