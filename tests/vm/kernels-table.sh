#!/bin/bash
# The "Supported kernels" table of the last VM run, from its reports:
# per kernel, the version booted, the result, and what the module said it
# could not do there (the features line of its version file, printed by the
# load case). Markdown on stdout, for README.md.
#
# Usage: tests/vm/kernels-table.sh [VM_OUT]   (default tests/vm/out)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$TOP/tests/vm/out}

# degraded FEATURES-LINE: what is missing, in words, or "-".
degraded() {
	local out=""
	case "$1" in *"stacks 0"*) out="$out, no allocation stacks";; esac
	case "$1" in *"ftrace_permanent 0"*) out="$out, ftrace hook can be switched off by sysctl";; esac
	case "$1" in *"netns_cookie dstleak"*) out="$out, netns cookies numbered by dstleak";; esac
	case "$1" in *"metadata_frees records"*) out="$out, direct frees of untracked metadata dsts not counted";; esac
	case "$1" in *"metadata_frees off"*) out="$out, metadata dsts not counted";; esac
	echo "${out#, }"
}

echo "| kernel | version booted | result | degraded |"
echo "| --- | --- | --- | --- |"
while read -r name rest; do
	case "$name" in ''|'#'*) continue;; esac
	dir=$OUT/$name
	if [ ! -s "$dir/report" ]; then
		echo "| $name | - | not run | - |"
		continue
	fi
	p=$(cat "$dir"/report "$dir"/append-*/report 2>/dev/null | grep -c '^PASS ')
	f=$(cat "$dir"/report "$dir"/append-*/report 2>/dev/null | grep -c '^FAIL ')
	s=$(cat "$dir"/report "$dir"/append-*/report 2>/dev/null | grep -c '^SKIP ')
	# The serial console ends lines with CR LF.
	ver=$(grep -a -m 1 '^kernel ' "$dir/console.log" | tr -d '\r' | awk '{ print $2 }')
	feat=$(grep -a -m 1 '^features ' "$dir/console.log" | tr -d '\r')
	sk=""
	[ "$s" -gt 0 ] && sk=", $s skipped"
	if [ "$f" -gt 0 ]; then res="FAIL ($p passed, $f failed$sk)"
	elif [ -n "$(degraded "$feat")" ]; then res="degraded ($p passed$sk)"
	else res="PASS ($p passed$sk)"
	fi
	d=$(degraded "$feat")
	echo "| $name | ${ver:--} | $res | ${d:--} |"
done < "$TOP/tests/vm/kernels"
