#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# "make bench": the reader on a host of NS namespaces (default 100,000),
# each with an "ip netns" name, and NGROUPS suspect groups (default 100,000,
# two stack frames each). Prints wall time, CPU time and peak memory of
# show, check, export, suspects, xfrm -a, routes -a and status against the
# targets (3 s, 400 MB each). A measurement, not a test: the exit status
# says only whether it could run.
#
# Usage: tools/bench.sh DSTLEAK BENCHRUN [NS [NGROUPS]]
set -eu
D=$1
RUN=$2
NS=${3:-100000}
NGROUPS=${4:-100000}
MAX_S=3
MAX_MB=400

W=$(mktemp -d "${TMPDIR:-/tmp}/dstleak-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
mkdir -p "$W/netns" "$W/proc" "$W/src"

# One ip netns file per namespace; its inode is the namespace's.
(cd "$W/netns" && seq -f 'ns%.0f' 1 "$NS" | xargs touch)
find "$W/netns" -type f -printf '%i\n' >"$W/inodes"

cd "$W/src"
awk -v groups="$NGROUPS" '
BEGIN { srand(1) }
{ inum[NR] = $1 }
END {
	n = NR
	fam[0] = "ipv4"; fam[1] = "ipv6"; fam[2] = "xfrm4"; fam[3] = "xfrm6"; fam[4] = "other"
	s = "format 2\nmodule 0.2.0\nkernel bench\n"
	s = s "global ipv4 kernel 100 expected 100 drift 0\n"
	s = s "tracking tracked 1000 overflow 0 bytes 52000 max 262144 entry_bytes 52 steal_misses 0 irqoff_max_ns 900\n"
	s = s "probe dst_alloc hits 1 missed 0 addr 0\nprobe dst_destroy hits 1 missed 0 addr 0\n"
	printf "%s", s > "summary"
	lines = 7
	for (f = 0; f < 5; f++) {
		printf "unattributed %s allocs 0 frees 0 orphaned 0\n", fam[f] > "summary"; lines++
	}
	print "settled 1" > "summary"; lines++
	for (i = 1; i <= n; i++) {
		st = (i % 10 == 0) ? "exited" : "alive"
		for (f = 0; f < 5; f++) {
			a = int(rand() * 1000); fr = int(a / 2); live = a - fr
			lim = (f == 0 || f == 4) ? "kernel - drift - gc_thresh - max_size - limit_enforced 0" : \
			      sprintf("kernel %d drift 0 gc_thresh 4096 max_size 8192 limit_enforced 1", live)
			printf "ns %s %s %s cookie %d allocs %d frees %d frees_preexisting 0 live %d peak %d failures 0 untracked 0 orphaned 0 %s\n", \
				inum[i], st, fam[f], i, a, fr, live, live, lim > "summary"
			lines++
		}
		printf "xfrm ns %s cookie %d lookups 0 lookup_errors 0 bundles 0 bundle_errors 0 kernel_out_bundle_gen_error 0 kernel_out_bundle_check_error 0 kernel_out_no_states 0 kernel_out_pol_error 0\n", inum[i], i > "summary"
		printf "route ns %s cookie %d pmtu4 0 redirect4 0 pmtu6 0 redirect6 0 exceptions6 0 cached6 0\n", inum[i], i > "summary"
		lines += 2
	}
	printf "end lines %d\n", lines > "summary"

	print "format 2" > "suspects"; lines = 1
	for (g = 0; g < groups; g++) {
		i = (g % n) + 1
		printf "group ns %s cookie %d family %s reason dead device veth%d count %d oldest_ms %d median_ms %d\n", \
			inum[i], i, fam[g % 2], g % 7, 1 + g % 5, 60000 + g, 60000 > "suspects"
		printf "stack dst_alloc+0x10/0x80\nstack ip6_dst_alloc+0x2a/0x90\n" > "suspects"
		lines += 3
	}
	printf "end lines %d\n", lines > "suspects"
}' "$W/inodes"
cd - >/dev/null

printf 'dstleak bench: %s namespaces (%s MB summary), %s suspect groups\n' "$NS" \
	"$(($(stat -c %s "$W/src/summary") / 1048576))" "$NGROUPS"
over=0
for cmd in "show" "check --max-suspects 1000000000" "export --prometheus" \
	"suspects" "xfrm -a" "routes -a" "status"; do
	# shellcheck disable=SC2086
	set -- $(DSTLEAK_NETNS_DIR="$W/netns" DSTLEAK_PROC="$W/proc" \
		"$RUN" "$D" --source "$W/src" $cmd)
	mb=$(($3 / 1024))
	verdict=ok
	if awk -v t="$1" -v m="$mb" -v mt="$MAX_S" -v mm="$MAX_MB" 'BEGIN { exit !(t > mt || m > mm) }'; then
		verdict="OVER TARGET"
		over=1
	fi
	printf '  %-8s %6s s (CPU %5s s)  %5s MB max RSS  exit %s  %s\n' "${cmd%% *}" \
		"$1" "$2" "$mb" "$4" "$verdict"
done
printf 'targets: each under %s s and %s MB%s\n' "$MAX_S" "$MAX_MB" \
	"$([ "$over" = 0 ] && echo ': met' || echo ': NOT met')"
printf 'load average %s (CPU time is what the wall time is on an idle machine)\n' \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
