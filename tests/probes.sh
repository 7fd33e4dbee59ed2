#!/bin/bash
# The probe points, checked against every test kernel (a host step of make
# check): each function the module probes (module/probes.c's table) is in
# the kernel's System.map under its own name (not only as a compiler clone,
# .isra/.constprop/.part: kprobes and ftrace attach by the plain name); a
# required one must be there, an optional one may be absent (the module
# then degrades and says so); and where the kernel carries BTF (Debian's),
# the prototype agrees with what the handler reads (tests/probes/args): an
# argument at another position or of another type would be read wrong.
#
# One line per kernel and probe, "PASS probes KERNEL SYMBOL: ..." or FAIL,
# then "N passed, N failed" alone. Kernels: tests/vm/kernels (Debian's
# installed ones; the cache's from DSTLEAK_KERNEL_CACHE), KERNELS= selects.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
ARGS=$TOP/tests/probes/args
OUT=$TOP/build/probes
rm -rf "$OUT"
mkdir -p "$OUT"
P=0 F=0
pass() { echo "PASS probes $1"; P=$((P + 1)); }
fail() { echo "FAIL probes $1"; F=$((F + 1)); }
finish() { echo "$P passed, $F failed"; [ "$F" -eq 0 ]; exit; }
selected() { [ -z "${KERNELS:-}" ] || [[ " $KERNELS " == *" $1 "* ]]; }
squeeze() { tr -s ' \t' ' ' | sed 's/^ //; s/ $//'; }

# ---- the table against the module ----------------------------------------
# probe_table: "SYMBOL true|false|PROTO" of module/probes.c's probe table,
# PROTO what the handlers read ("RET|INDEX=TYPE;...": btf_proto.h).
probe_table() {
	tr -d '\n\t' < "$TOP/module/probes.c" |
		grep -o 'DSTLEAK_\(FTRACE\|KPROBE\|KRETPROBE\)( *"[^"]*" *, *\(true\|false\) *, *"[^"]*"' |
		sed 's/.*( *"\([^"]*\)" *, *\(true\|false\) *, *"\([^"]*\)"/\1 \2|\3/'
}
probe_table > "$OUT/protos"
# A probe whose prototype differs by kernel feature is in the table once
# per variant (#ifdef): checked once, against the variant that agrees.
cut -d'|' -f1 "$OUT/protos" | awk '!seen[$0]++' > "$OUT/table"
grep -v '^#' "$ARGS" | grep '|' | cut -d'|' -f1 | sort > "$OUT/args.symbols"
cut -d' ' -f1 "$OUT/table" | sort > "$OUT/table.symbols"
if [ ! -s "$OUT/table.symbols" ]; then
	fail "table: no probe found in module/probes.c"
elif diff -u "$OUT/table.symbols" "$OUT/args.symbols" > "$OUT/table.diff"; then
	pass "table: tests/probes/args lists the $(wc -l < "$OUT/table.symbols") probes of module/probes.c"
else
	fail "table: tests/probes/args and module/probes.c's probe table differ:"
	grep '^[-+][^-+]' "$OUT/table.diff" | sed 's/^-/    | only in module: /; s/^+/    | only in args: /'
fi
count_reads() { cat "$TOP"/module/*.c | grep -o "$1" | wc -l; }
reads=$(count_reads 'dstleak_regs_arg(\|dstleak_ftrace_arg(')
returns=$(count_reads 'regs_return_value(')
if [ "$reads" = "$(awk '$1 == "reads" { print $2 }' "$ARGS")" ] &&
   [ "$returns" = "$(awk '$1 == "returns" { print $2 }' "$ARGS")" ]; then
	pass "reads: the $reads argument and $returns return-value reads of module/*.c are described"
else
	fail "reads: module/*.c reads $reads arguments and $returns return values; tests/probes/args says $(awk '$1 == "reads" || $1 == "returns" { printf "%s %s ", $1, $2 }' "$ARGS")(describe the new ones there)"
fi

# ---- the module's BTF reading (module/btf_proto.h), built for the host ----
if ${CC:-cc} -O2 -Wall -Wextra -Werror -I"$TOP/module" -o "$OUT/btfproto" \
	"$TOP/tests/probes/btfproto.c" 2> "$OUT/btfproto.log"; then
	pass "btfproto: module/btf_proto.h builds for the host"
else
	fail "btfproto: module/btf_proto.h does not build for the host: $(head -n 3 "$OUT/btfproto.log")"
fi
# verdict HAVE WANT EXPECTED: what the module decides before arming a probe.
verdict() {
	local got
	got=$("$OUT/btfproto" --agree "$1" "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		pass "verdict: '$2' against '$1': $got"
	else
		fail "verdict: '$2' against '$1': '$got', expected '$3'"
	fi
}
verdict 'void|struct dst_entry *' '-|0=struct dst_entry *' yes
verdict 'int|struct sk_buff *;struct inet6_skb_parm *;u8;u8' '-|0=struct sk_buff *;2=u16' \
	"no: argument 2 is 'u8', the handler reads 'u16'"
verdict 'int|struct sk_buff *' '-|0=struct sk_buff *;2=u8' \
	"no: argument 2 is 'none', the handler reads 'u8'"
verdict 'void *|struct dst_ops *' 'struct dst_entry *|0=struct dst_ops *' \
	"no: returns 'void *', the handler reads 'struct dst_entry *'"
verdict 'struct metadata_dst *|u8' 'struct metadata_dst *|' yes
verdict 'void|x' 'nonsense' "no: the handler's description 'nonsense' is malformed"

# ---- the kernels ----------------------------------------------------------
# kernels: "NAME KVER SYSTEM.MAP VMLINUZ|-" for each test kernel here.
kernels() {
	local name glob hint d ver c
	while read -r name glob hint; do
		case "$name" in ''|'#'*) continue;; esac
		selected "$name" || continue
		if [ "$glob" = cache ]; then
			IFS=: read -ra caches <<< "${DSTLEAK_KERNEL_CACHE:-}"
			for c in "${caches[@]}"; do
				d=$c/$name
				if [ -s "$d/System.map" ] && [ -s "$d/kernelrelease" ]; then
					echo "$name $(cat "$d/kernelrelease") $d/System.map -"
					break
				fi
			done
			continue
		fi
		ver=""
		for d in $(cd /lib/modules 2>/dev/null && ls -d $glob 2>/dev/null | sort -V); do ver=$d; done
		[ -n "$ver" ] && [ -s "/boot/System.map-$ver" ] && echo "$name $ver /boot/System.map-$ver /boot/vmlinuz-$ver"
	done < "$TOP/tests/vm/kernels"
}

# vmlinux_of VMLINUZ OUT: the uncompressed kernel (scripts/extract-vmlinux's
# method: the first compressed stream that unpacks to an ELF file).
vmlinux_of() {
	local magic unpack off
	for m in 'xz:\3757zXZ\000:xz -dc' 'zstd:(\265/\375:zstd -qdc' 'gzip:\037\213\010:gzip -dc' 'lz4:\002!L\030:lz4 -dc'; do
		IFS=: read -r _ magic unpack <<< "$m"
		for off in $(LC_ALL=C grep -obUaP "$(printf '%b' "$magic" | od -An -tx1 | tr -d ' \n' | sed 's/../\\x&/g')" "$1" 2>/dev/null | cut -d: -f1); do
			tail -c +$((off + 1)) "$1" | $unpack > "$2" 2>/dev/null
			[ "$(head -c 4 "$2" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
		done
	done
	return 1
}

# mismatch GOT DESCRIBED: how the prototype GOT ("RET|TYPE0;TYPE1;...")
# differs from what the handlers read (DESCRIBED, "RET|INDEX=TYPE;..."),
# or nothing.
mismatch() {
	local got=$1 want_ret=${2%%|*} want_args=${2#*|} bad="" w i t
	local -a have want
	if [ "$want_ret" != - ] && [ "${got%%|*}" != "$want_ret" ]; then
		bad="returns '${got%%|*}', the handler reads '$want_ret'"
	fi
	IFS=';' read -ra have <<< "${got#*|}"
	IFS=';' read -ra want <<< "$want_args"
	for w in "${want[@]}"; do
		[ -n "$w" ] || continue
		i=${w%%=*} t=${w#*=}
		[ "${have[$i]:-}" = "$t" ] || bad="$bad${bad:+; }argument $i is '${have[$i]:-none}', the handler reads '$t'"
	done
	echo "$bad"
}

# proto VMLINUX SYMBOL: "RET|TYPE0;TYPE1;..." from the kernel's BTF.
proto() {
	local p
	p=$(pfunct -F btf --prototype -f "$2" "$1" 2>/dev/null | head -n 1)
	[ -n "$p" ] || return 1
	printf '%s\n' "$p" | sed 's/;$//' | awk -v sym="$2" '
	{
		i = index($0, sym "(")
		ret = substr($0, 1, i - 1)
		params = substr($0, i + length(sym) + 1)
		sub(/\)$/, "", params)
		gsub(/  +/, " ", ret); sub(/ +$/, "", ret)
		n = split(params, a, ", ")
		out = ""
		for (j = 1; j <= n; j++) {
			t = a[j]
			# The last word is the parameter name.
			sub(/ [A-Za-z_][A-Za-z0-9_]*$/, "", t)
			gsub(/  +/, " ", t); sub(/^ /, "", t); sub(/ $/, "", t)
			out = out (j > 1 ? ";" : "") t
		}
		print ret "|" out
	}'
}

# No "cmd | grep -q" here: grep's early exit kills the writer with SIGPIPE,
# which pipefail turns into a failure now and then.
command -v pfunct > /dev/null || echo "probes: pfunct (dwarves) missing: prototypes are not checked" >&2
n=0
while read -r name kver map vmlinuz; do
	n=$((n + 1))
	btf=""
	if [ "$vmlinuz" != - ] && command -v pfunct > /dev/null && vmlinux_of "$vmlinuz" "$OUT/vmlinux.$name" &&
	   readelf -S "$OUT/vmlinux.$name" > "$OUT/sections.$name" 2>&1 &&
	   grep -q ' \.BTF ' "$OUT/sections.$name" &&
	   objcopy -O binary --only-section=.BTF "$OUT/vmlinux.$name" "$OUT/vmlinux.$name.raw"; then
		btf=$OUT/vmlinux.$name
	fi
	nobtf=""
	while read -r sym req; do
		what="$name $sym"
		# Debian ships a placeholder System.map (the real one is in the
		# -dbg package): there, the BTF says which functions exist.
		if [ "$(wc -l < "$map")" -lt 100 ] && [ -n "$btf" ]; then
			if ! proto "$btf" "$sym" > /dev/null; then
				if [ "$req" = true ]; then
					fail "$what: required, not in the BTF"
				else
					pass "$what: absent from the BTF, optional: the module goes without it"
				fi
				continue
			fi
		elif ! awk -v s="$sym" '$3 == s && ($2 == "t" || $2 == "T") { f = 1 } END { exit !f }' "$map"; then
			clones=$(awk -v s="$sym" 'index($3, s ".") == 1 { printf "%s ", $3 }' "$map")
			if [ "$req" = true ]; then
				fail "$what: required, not in System.map${clones:+ (only clones: $clones)}"
			else
				pass "$what: absent${clones:+ (only clones: $clones)}, optional: the module goes without it"
			fi
			continue
		fi
		if [ -z "$btf" ]; then
			# Said once for the kernel, below.
			nobtf="$nobtf $sym"
			continue
		fi
		if ! got=$(proto "$btf" "$sym"); then
			fail "$what: in System.map but not in the BTF (inlined or cloned where the BTF was made?)"
			continue
		fi
		# The variant (#ifdef) that agrees, else the first one's mismatch.
		described="" bad=""
		while IFS= read -r d; do
			b=$(mismatch "$got" "$d")
			if [ -z "$described" ] || [ -z "$b" ]; then
				described=$d bad=$b
			fi
			[ -n "$bad" ] || break
		done < <(grep "^$sym $req|" "$OUT/protos" | cut -d'|' -f2-)
		if [ -z "$bad" ]; then
			pass "$what: prototype as the handler reads it: ${got%%|*} $sym($(echo "${got#*|}" | sed 's/;/, /g'))"
		else
			fail "$what: $bad"
		fi
		# The module reads the same BTF at load (btfcheck.c): its
		# rendering must be pfunct's, and its verdict this test's.
		mine=$("$OUT/btfproto" "$btf.raw" "$sym" | cut -d' ' -f2-)
		verdict=$("$OUT/btfproto" --agree "$mine" "$described")
		expected=yes
		[ -z "$bad" ] || expected="no: ${bad%%; *}"
		if [ "$mine" = "$got" ] && [ "$verdict" = "$expected" ]; then
			pass "$what: the module's reading of the BTF agrees with pfunct (verdict: $verdict)"
		else
			fail "$what: the module reads the BTF as '$mine' (pfunct: '$got'), verdict '$verdict'"
		fi
	done < "$OUT/table"
	[ -z "$nobtf" ] || pass "$name: in System.map:$nobtf (no BTF: prototypes not checked)"
	rm -f "$OUT/vmlinux.$name" "$OUT/vmlinux.$name.raw"
done < <(kernels)
[ "$n" -gt 0 ] || fail "kernels: no test kernel found (tests/deps.sh installs Debian's)"
finish
