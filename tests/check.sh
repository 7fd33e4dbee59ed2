#!/bin/bash
# make check: install what is missing, build, run the reader's unit tests and
# the harness self-test on the host, then every VM case on every test kernel.
# One line per test; the last line, alone, is the grand total
# "N passed, N failed" (", N skipped" if any). Exit status 1 on any failure.
#
# Environment: KERNELS=, CASES= (a subset of the VM tests; see tests/vm/run.sh),
# KJOBS= (default 2 here), VM_TIMEOUT=, ... (passed to tests/vm/run.sh), NO_DEPS=1 (do not run
# tests/deps.sh), NO_UNIT=1 (skip the host unit tests), NO_STYLE=1 (skip
# checkpatch and sparse), NO_PKG=1 (skip the package tests, tests/pkg.sh, and
# tests/prom_scrape.sh), NO_PROM=1 (skip tests/prom_scrape.sh).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
LOGS=$TOP/tests/vm/out/check
mkdir -p "$LOGS"
: > "$LOGS/host-fails.log"
P=0 F=0 S=0
t0=$(date +%s)

say() { echo "== $*"; }
pass() { echo "PASS host $1"; P=$((P + 1)); }
fail() { echo "FAIL host $1"; echo "FAIL host $1" >> "$LOGS/host-fails.log"; F=$((F + 1)); }

# fold FILE NAME: adds the closing "N passed, N failed[, N skipped]" line of
# FILE to the totals; a run without one counts as one failure.
fold() {
	local line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		fail "$2: no closing 'N passed, N failed' line (see ${1#"$TOP"/})"
		return
	fi
	p=$(echo "$line" | sed 's/ passed.*//')
	f=$(echo "$line" | sed 's/.* \([0-9]*\) failed.*/\1/')
	s=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped$/\1/p')
	P=$((P + p)) F=$((F + f)) S=$((S + ${s:-0}))
}

if [ -z "${NO_DEPS:-}" ]; then
	say "dependencies (tests/deps.sh)"
	if ! "$TOP/tests/deps.sh" < /dev/null; then
		fail "deps: tests/deps.sh failed; cannot test"
		echo "$P passed, $F failed"
		exit 1
	fi
fi

say "build: module for every kernel with headers (make module)"
if make module > "$LOGS/build-module.log" 2>&1; then
	pass "build-module"
else
	fail "build-module (see tests/vm/out/check/build-module.log)"
	tail -n 30 "$LOGS/build-module.log" | sed 's/^/    | /'
fi
# W=1 must stay quiet.
if grep -E 'warning:' "$LOGS/build-module.log" | grep -v '^make' > "$LOGS/build-warnings.log"; then
	fail "build-module: compiler warnings with W=1"
	head -n 20 "$LOGS/build-warnings.log" | sed 's/^/    | /'
fi

if [ -f tools/Makefile ]; then
	say "build: the reader (make -C tools)"
	if make -C tools > "$LOGS/build-reader.log" 2>&1; then
		pass "build-reader"
	else
		fail "build-reader (see tests/vm/out/check/build-reader.log)"
		tail -n 30 "$LOGS/build-reader.log" | sed 's/^/    | /'
	fi
	if [ -z "${NO_UNIT:-}" ] && grep -q '^test:' tools/Makefile; then
		say "unit tests of the reader (make -C tools test)"
		make -s -C tools test < /dev/null 2>&1 | tee "$LOGS/unit.log"
		fold "$LOGS/unit.log" "reader unit tests"
	fi
fi

# Style runs beside the probe and package tests (each leaves a core mostly
# idle: checkpatch and sparse are serial, the packages wait on dpkg); its
# results are printed once those are done.
style_pid=""
if [ -z "${NO_STYLE:-}" ]; then
	say "kernel style: checkpatch, and sparse with W=1 on every kernel (tests/style.sh; in the background, results below)"
	{ "$TOP/tests/style.sh"; "$TOP/tests/style.sh" --sparse; } < /dev/null > "$LOGS/style.log" 2>&1 &
	style_pid=$!
fi
style_results() {
	[ -n "$style_pid" ] || return 0
	wait "$style_pid"
	say "kernel style results (tests/style.sh, tests/style.sh --sparse)"
	cat "$LOGS/style.log"
	grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/style.log" > "$LOGS/style.totals"
	[ "$(wc -l < "$LOGS/style.totals")" -eq 2 ] || fail "style: expected two closing lines in tests/vm/out/check/style.log"
	while read -r line; do echo "$line" > "$LOGS/style.one"; fold "$LOGS/style.one" "style"; done < "$LOGS/style.totals"
}

# The kernels built from source: the project's shared prebuilt ones (a clone
# has shared/ beside it), unless DSTLEAK_KERNEL_CACHE names others.
if [ -z "${DSTLEAK_KERNEL_CACHE:-}" ] && [ -d "$TOP/../shared/kernels" ]; then
	DSTLEAK_KERNEL_CACHE=$(cd "$TOP/../shared/kernels" && pwd)
fi
export DSTLEAK_KERNEL_CACHE=${DSTLEAK_KERNEL_CACHE:-}

# Every probe point against every test kernel: there by its own name, and
# where the kernel has BTF, the prototype its handler assumes.
say "probe points against every test kernel (tests/probes.sh)"
"$TOP/tests/probes.sh" < /dev/null 2>&1 | tee "$LOGS/probes.log"
fold "$LOGS/probes.log" "probe points"

# The packages (make deb, make rpm), installed with apt-get and purged on
# this host as an operator would (tests/pkg.sh). NO_PKG=1 skips it.
if [ -z "${NO_PKG:-}" ]; then
	say "packages: build, lintian, rpm -qlp, install, dkms status, units, purge (tests/pkg.sh)"
	if [ -z "${NO_DEPS:-}" ] && ! "$TOP/tests/deps.sh" --pkg < /dev/null > "$LOGS/deps-pkg.log" 2>&1; then
		fail "pkg: tests/deps.sh --pkg failed (see tests/vm/out/check/deps-pkg.log)"
	else
		"$TOP/tests/pkg.sh" < /dev/null 2>&1 | tee "$LOGS/pkg.log"
		fold "$LOGS/pkg.log" "packages"
		# What the packages' DKMS built (this run's only): the VM case
		# pkg_module loads it.
		[ -d "$TOP/build/pkg/dkms-ko" ] && export DSTLEAK_PKG_KO=$TOP/build/pkg/dkms-ko
	fi
fi

# The Prometheus textfile read back by a real node_exporter (its own process
# on a loopback port; tests/prom_scrape.sh). NO_PKG=1 or NO_PROM=1 skips it.
if [ -z "${NO_PKG:-}" ] && [ -z "${NO_PROM:-}" ]; then
	say "Prometheus: node_exporter's textfile collector scrapes every series (tests/prom_scrape.sh)"
	NO_DEPS=${NO_DEPS:-} "$TOP/tests/prom_scrape.sh" < /dev/null 2>&1 | tee "$LOGS/prom.log"
	fold "$LOGS/prom.log" "prometheus scrape"
fi

say "kernel cache self-test (tests/kernels/selftest.sh: fragments, cache keys)"
"$TOP/tests/kernels/selftest.sh" -v < /dev/null 2>&1 | tee "$LOGS/kselftest.log"
fold "$LOGS/kselftest.log" "kernel cache self-test"

say "harness self-test (tests/vm/selftest.sh)"
"$TOP/tests/vm/selftest.sh" 2>&1 | tee "$LOGS/selftest.log"
fold "$LOGS/selftest.log" "harness self-test"

style_results

# Two kernels at a time: measured on 2 cores (TCG), the three kernels take
# about 14 minutes this way and 25 one after the other. KJOBS=1 to serialize.
export KJOBS=${KJOBS:-2}
say "VM tests (tests/vm/run.sh KJOBS=$KJOBS${KERNELS:+ KERNELS=\"$KERNELS\"}${CASES:+ CASES=\"$CASES\"})"
"$TOP/tests/vm/run.sh" < /dev/null 2>&1 | tee "$LOGS/vm.log"
fold "$LOGS/vm.log" "VM tests"
# The "Supported kernels" table of README.md, from this run.
"$TOP/tests/vm/kernels-table.sh" > "$LOGS/kernels.md" && cat "$LOGS/kernels.md"

# The failures once more, at the end, where a log cut to its head and tail
# still shows them: one line per kernel and reason, with its cases.
recap() {
	local logs=("$LOGS/host-fails.log")
	local l
	for l in unit style probes pkg prom kselftest selftest vm; do
		[ -f "$LOGS/$l.log" ] && logs+=("$LOGS/$l.log")
	done
	grep -h '^# .*panicked before /init' "${logs[@]}" | sed 's/^# /note: /'
	[ "$F" -gt 0 ] || return 0
	echo "== what failed (whole logs in tests/vm/out/check/)"
	grep -h -A 3 '^FAIL ' "${logs[@]}" | awk '
		/^FAIL / { r = $0; key = substr($0, 6)
			if (sub(/^FAIL [^ ]+ [^ :]+: */, "", r)) key = $2 ": " r
			if (!(key in n)) { order[++m] = key; first[key] = ""; line1[key] = $0 }
			n[key]++; c = $3; sub(/:$/, "", c); names[key] = names[key] " " c; cur = key; next }
		/^(FAIL|PASS|SKIP) / { cur = ""; next }
		/^    ! / && cur != "" && first[cur] == "" { first[cur] = $0 }
		END { for (i = 1; i <= m && i <= 30; i++) { k = order[i]
			if (n[k] > 1) print "FAIL " k " (" n[k] " cases:" names[k] ")"
			else print line1[k]
			if (first[k] != "") print first[k] } }'
}
recap
echo "== make check took $(( $(date +%s) - t0 ))s"
if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
