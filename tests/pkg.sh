#!/bin/bash
# The packages, tested as an operator installs them (a host step of make
# check). Builds the .debs (make deb) and the RPMs (make rpm), checks them
# (lintian, contents, versions, rpm -qlp), then installs the .debs with
# apt-get on this host, checks what DKMS built for every test kernel (and
# keeps a copy in build/pkg/dkms-ko/KVER/ for the VM case pkg_module), the
# reader, its man page and units, runs the units' command once, and purges
# them: the file list of the system must be what it was before.
#
# One line per check, "PASS pkg NAME" or "FAIL pkg NAME: why", then
# "N passed, N failed" alone. Exit 1 on any failure. Needs root and the
# packaging tools (tests/deps.sh --pkg). Logs: build/pkg/test/.
#
# Environment: PKG_NO_INSTALL=1 builds and checks the packages only (no
# apt-get install/purge on this host).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
OUT=$TOP/build/pkg
LOGS=$OUT/test
# The modules DKMS built from the package, kept for the VM case that loads
# them (pkg_module, tests/vm/run.sh DSTLEAK_PKG_KO): only this run's.
KO_DIR=$OUT/dkms-ko
rm -rf "$LOGS" "$KO_DIR"
mkdir -p "$LOGS"
P=0 F=0
t0=$(date +%s)

pass() { echo "PASS pkg $1"; P=$((P + 1)); }
fail() {
	echo "FAIL pkg $1"
	F=$((F + 1))
	if [ -n "${2:-}" ] && [ -s "$2" ]; then tail -n 15 "$2" | sed 's/^/    | /'; fi
}
# check NAME CMD...: PASS if CMD succeeds; its output goes to LOGS/NAME.log.
check() {
	local name=$1
	shift
	if "$@" > "$LOGS/$name.log" 2>&1; then
		pass "$name"
	else
		fail "$name (see ${LOGS#"$TOP"/}/$name.log)" "$LOGS/$name.log"
	fi
}
finish() {
	echo "== tests/pkg.sh took $(( $(date +%s) - t0 ))s" >&2
	echo "$P passed, $F failed"
	[ "$F" -eq 0 ]
	exit
}

VERSION=$(tests/dkms.sh version)
ARCH=$(dpkg --print-architecture)
DEB_DIR=$OUT/deb
RPM_DIR=$OUT/rpm
DKMS_DEB=$DEB_DIR/dstleak-dkms_${VERSION}_all.deb
READER_DEB=$DEB_DIR/dstleak_${VERSION}_${ARCH}.deb
FIXTURES=$TOP/tests/unit/fixtures/good
RULES=$TOP/packaging/prometheus/dstleak-alerts.yml
TEXTFILE_DIR=/var/lib/prometheus/node-exporter

# ---- tools ----------------------------------------------------------------
tools_present() {
	local t rc=0
	for t in dpkg-buildpackage dh dh_dkms lintian rpmbuild rpm promtool systemd-analyze dkms apt-get; do
		command -v "$t" >/dev/null || { echo "missing: $t (tests/deps.sh --pkg)"; rc=1; }
	done
	[ "$(id -u)" = 0 ] || { echo "not root"; rc=1; }
	return $rc
}
check tools tools_present
if [ "$F" -gt 0 ]; then finish; fi

# ---- the .debs ------------------------------------------------------------
check deb-build packaging/build.sh deb
if [ ! -s "$DKMS_DEB" ] || [ ! -s "$READER_DEB" ]; then
	fail "deb-build: no $(basename "$DKMS_DEB") and $(basename "$READER_DEB")"
	finish
fi

deb_version() {
	local d v
	tests/dkms.sh check-version || return 1
	for d in "$DKMS_DEB" "$READER_DEB"; do
		v=$(dpkg-deb -f "$d" Version)
		echo "$(basename "$d"): Version $v"
		[ "$v" = "$VERSION" ] || { echo "expected $VERSION (DSTLEAK_MODULE_VERSION)"; return 1; }
	done
}
check deb-version deb_version

# lintian: no error and no warning (overrides, if any, are in debian/ with
# their reason). Pedantic and info tags are printed, not judged.
deb_lintian() {
	local who=()
	# lintian prefers not to run as root.
	if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then who=(runuser -u nobody -- env HOME=/tmp); fi
	"${who[@]}" lintian --info --display-info --pedantic --show-overrides \
		--fail-on error,warning "$DEB_DIR"/dstleak_"${VERSION}"_"${ARCH}".changes || return 1
	echo "lintian: no error, no warning"
}
check deb-lintian deb_lintian

# The module's source in the .deb is exactly what DKMS needs: Kbuild,
# dkms.conf, module/*.[chS], module/compat/*.[ch] (as tests/dkms.sh copies).
want_src() {
	(cd "$TOP" && ls Kbuild dkms.conf module/*.[chS] module/compat/*.[ch]) | sort
}
deb_contents() {
	local rc=0 f
	dpkg-deb -c "$DKMS_DEB" | awk '{ print $NF }' | sed -n "s|^\./usr/src/dstleak-$VERSION/||p" |
		grep -v '/$' | grep . | sort > "$LOGS/deb-src.list"
	want_src > "$LOGS/want-src.list"
	diff -u "$LOGS/want-src.list" "$LOGS/deb-src.list" || { echo "dstleak-dkms: /usr/src/dstleak-$VERSION differs from the module's sources"; rc=1; }
	dpkg-deb --fsys-tarfile "$DKMS_DEB" | tar -xO "./usr/src/dstleak-$VERSION/dkms.conf" > "$LOGS/dkms.conf"
	grep -qx 'AUTOINSTALL="yes"' "$LOGS/dkms.conf" || { echo "dkms.conf: no AUTOINSTALL=\"yes\""; rc=1; }
	grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$LOGS/dkms.conf" || { echo "dkms.conf: PACKAGE_VERSION is not $VERSION"; rc=1; }
	dpkg-deb -c "$READER_DEB" | awk '{ print $NF }' > "$LOGS/deb-reader.list"
	for f in ./usr/sbin/dstleak ./usr/share/man/man8/dstleak.8.gz \
		./lib/systemd/system/dstleak-export.service ./lib/systemd/system/dstleak-export.timer \
		./lib/systemd/system/dstleak-record.service ./lib/systemd/system/dstleak-record.timer \
		./usr/share/doc/dstleak/examples/dstleak-alerts.yml \
		./usr/share/doc/dstleak/examples/dstleak.json \
		./usr/share/doc/dstleak/examples/plot-example.svg \
		./usr/share/doc/dstleak/examples/dstleak.conf; do
		grep -qx "$f" "$LOGS/deb-reader.list" || { echo "dstleak: no $f"; rc=1; }
	done
	# Loading at boot is the operator's choice: no modules-load.d file.
	if grep -q 'modules-load.d' "$LOGS/deb-reader.list" "$LOGS/deb-src.list"; then
		echo "a package installs a modules-load.d file"; rc=1
	fi
	return $rc
}
check deb-contents deb_contents

# ---- the alerting rules ---------------------------------------------------
# promtool accepts the rules, and its unit test of them (each alert fires
# when it should, not before, not where it should not) passes.
rules_promtool() {
	promtool check rules "$RULES" && promtool test rules "${RULES%.yml}.test.yml"
}
check rules-promtool rules_promtool

# Every metric the rules query is one the exporter writes.
rules_metrics() {
	local m rc=0 reader=$DEB_DIR/dstleak-$VERSION/tools/dstleak
	"$reader" --source "$FIXTURES" export --prometheus > "$LOGS/fixtures.prom" || return 1
	grep -v '^ *#' "$RULES" | grep -o 'dstleak_[a-z0-9_]*' | sort -u > "$LOGS/rules-metrics.list"
	[ -s "$LOGS/rules-metrics.list" ] || { echo "no metric in $RULES"; return 1; }
	while read -r m; do
		if grep -q "^${m}[{ ]" "$LOGS/fixtures.prom"; then
			echo "ok: $m"
		else
			echo "not exported: $m"; rc=1
		fi
	done < "$LOGS/rules-metrics.list"
	return $rc
}
check rules-metrics rules_metrics

# ---- the RPMs -------------------------------------------------------------
check rpm-build packaging/build.sh rpm

rpm_files() {
	local rc=0 r dk rd srpm f
	dk=$(ls "$RPM_DIR"/RPMS/noarch/dstleak-dkms-"$VERSION"-1*.noarch.rpm 2>/dev/null | head -n 1)
	rd=$(find "$RPM_DIR/RPMS" -name "dstleak-$VERSION-1*.rpm" ! -name "*.noarch.rpm" | head -n 1)
	srpm=$(ls "$RPM_DIR"/SRPMS/dstleak-"$VERSION"-1*.src.rpm 2>/dev/null | head -n 1)
	for r in "$dk" "$rd" "$srpm"; do
		[ -n "$r" ] || { echo "missing an RPM (dstleak-dkms, dstleak, .src.rpm)"; return 1; }
		echo "$(basename "$r"): $(rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}' "$r" 2>/dev/null)"
		[ "$(rpm -qp --qf '%{VERSION}' "$r" 2>/dev/null)" = "$VERSION" ] || { echo "not version $VERSION"; rc=1; }
	done
	# dstleak-dkms: the same module sources as the .deb.
	rpm -qlp "$dk" 2>/dev/null > "$LOGS/rpm-dkms.list"
	sed -n "s|^/usr/src/dstleak-$VERSION/||p" "$LOGS/rpm-dkms.list" | LC_ALL=C sort > "$LOGS/rpm-src.list"
	LC_ALL=C sort "$LOGS/want-src.list" > "$LOGS/want-src.sorted"
	f=$(LC_ALL=C comm -23 "$LOGS/want-src.sorted" "$LOGS/rpm-src.list")
	[ -z "$f" ] || { echo "dstleak-dkms RPM: lacks $f"; rc=1; }
	# Beyond the sources, only their directories (rpm -qlp lists them).
	f=$(LC_ALL=C comm -13 "$LOGS/want-src.sorted" "$LOGS/rpm-src.list" | grep -vx -e module -e module/compat)
	[ -z "$f" ] || { echo "dstleak-dkms RPM: has more than the sources: $f"; rc=1; }
	rpm -qp --scripts "$dk" 2>/dev/null > "$LOGS/rpm-dkms.scripts"
	grep -q "dkms add -m dstleak -v $VERSION" "$LOGS/rpm-dkms.scripts" || { echo "dstleak-dkms RPM: no dkms add in %post"; rc=1; }
	grep -q "dkms remove -m dstleak -v $VERSION .*--all" "$LOGS/rpm-dkms.scripts" || { echo "dstleak-dkms RPM: no dkms remove in %preun"; rc=1; }
	rpm -qpR "$dk" 2>/dev/null | grep -cx dkms > /dev/null || { echo "dstleak-dkms RPM: does not require dkms"; rc=1; }
	# dstleak: the reader, the man page, the units, the example rules.
	rpm -qlp "$rd" 2>/dev/null > "$LOGS/rpm-reader.list"
	for f in /usr/sbin/dstleak /usr/lib/systemd/system/dstleak-export.service \
		/usr/lib/systemd/system/dstleak-export.timer /usr/lib/systemd/system/dstleak-record.service \
		/usr/lib/systemd/system/dstleak-record.timer /var/lib/prometheus/node-exporter; do
		grep -qx "$f" "$LOGS/rpm-reader.list" || { echo "dstleak RPM: no $f"; rc=1; }
	done
	grep -q '^/usr/share/man/man8/dstleak\.8' "$LOGS/rpm-reader.list" || { echo "dstleak RPM: no man page"; rc=1; }
	grep -q '/dstleak-alerts\.yml$' "$LOGS/rpm-reader.list" || { echo "dstleak RPM: no example rules"; rc=1; }
	if grep -q 'modules-load.d/' "$LOGS/rpm-reader.list" "$LOGS/rpm-dkms.list"; then echo "an RPM installs a modules-load.d file"; rc=1; fi
	# The source RPM: the spec and the tarball.
	rpm -qlp "$srpm" 2>/dev/null | sort > "$LOGS/srpm.list"
	printf '%s\n' "dstleak-$VERSION.tar.gz" dstleak.spec | diff -u - "$LOGS/srpm.list" || { echo "source RPM: not the spec and the tarball"; rc=1; }
	return $rc
}
check rpm-files rpm_files

if [ -n "${PKG_NO_INSTALL:-}" ]; then
	echo "== PKG_NO_INSTALL: not installing the packages on this host" >&2
	finish
fi

# ---- install, as an operator does ----------------------------------------
# What a package may touch. Left out: logs, caches, apt's lists, and dpkg's
# and DKMS's own bookkeeping that exists whether or not dstleak was ever
# installed (checked below: dpkg's records of dstleak are gone).
fs_list() {
	find /etc /usr /var/lib /opt /srv /boot \
		\( -path /var/lib/apt -o -path /var/lib/dpkg -o -path /var/cache \) -prune \
		-o -printf '%y %p\n' 2>/dev/null | LC_ALL=C sort
}

# The host must not have dstleak already (packages, or make dkms-install):
# the purge below would take it away, and the file lists would not compare.
host_clean() {
	local rc=0
	if dpkg-query -W -f='${Package} ${Status}\n' dstleak dstleak-dkms 2>/dev/null | grep -v 'not-installed' | grep .; then
		echo "dstleak's packages are installed here already; not touching them (apt-get purge dstleak dstleak-dkms)"
		rc=1
	fi
	if dkms status -m dstleak 2>/dev/null | grep -v 'readelf: Warning' | grep .; then
		echo "DKMS has dstleak already (make dkms-remove)"; rc=1
	fi
	if ls -d /usr/src/dstleak-* 2>/dev/null; then echo "a /usr/src/dstleak-* exists (make dkms-remove)"; rc=1; fi
	# The recorder's history: the purge below removes it.
	if [ -e /var/lib/dstleak ]; then echo "/var/lib/dstleak exists (a history of an earlier install?); move it away"; rc=1; fi
	return $rc
}
f0=$F
check host-clean host_clean
if [ "$F" -gt "$f0" ]; then finish; fi

# Interrupted after the install: purge, so the host is left as it was.
INSTALLED=""
cleanup() {
	if [ -n "$INSTALLED" ]; then
		echo "pkg.sh: interrupted; purging dstleak dstleak-dkms" >&2
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q dstleak dstleak-dkms < /dev/null > /dev/null 2>&1
	fi
	exit 1
}
trap cleanup INT TERM HUP

# DKMS makes its signing key on its first build (/var/lib/dkms/mok.*): it is
# DKMS's, not dstleak's; one this test made is removed after the purge.
MOK_BEFORE=$(ls /var/lib/dkms/mok.key /var/lib/dkms/mok.pub 2>/dev/null)
fs_list > "$LOGS/files-before.list"

install_debs() {
	INSTALLED=1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 "$DKMS_DEB" "$READER_DEB" < /dev/null
}
check install install_debs

# deb_kernels: "NAME VERSION" of every Debian test kernel (tests/vm/kernels)
# with headers installed, the newest of each glob; "NAME -" for one without.
deb_kernels() {
	local name glob d ver
	while read -r name glob _; do
		case "$name" in ''|'#'*) continue;; esac
		[ "$glob" = cache ] && continue
		ver=-
		for d in $(cd /lib/modules && ls -d $glob 2>/dev/null | sort -V); do
			[ -e "/lib/modules/$d/build/Makefile" ] && ver=$d
		done
		echo "$name $ver"
	done < "$TOP/tests/vm/kernels"
}

# dkms_ko VERSION: the module DKMS installed for a kernel.
dkms_ko() {
	find "/lib/modules/$1/updates/dkms" -name 'dstleak.ko*' 2>/dev/null | head -n 1
}

# dkms status: built and installed for every test kernel (tests/vm/kernels,
# Debian's packages), and modinfo says the version.
dkms_status() {
	local name ver rc=0 n=0 ko st
	dkms status -m dstleak 2>&1 | grep -v "readelf: Warning"
	while read -r name ver; do
		[ "$ver" != - ] || { echo "$name: no kernel with headers installed"; rc=1; continue; }
		n=$((n + 1))
		st=$(dkms status -m dstleak -v "$VERSION" -k "$ver" 2>/dev/null)
		case "$st" in
		*": installed"*) echo "$name ($ver): $st";;
		*) echo "$name ($ver): not installed by DKMS: '$st'"; rc=1; continue;;
		esac
		ko=$(dkms_ko "$ver")
		[ -n "$ko" ] || { echo "$name: no dstleak.ko under /lib/modules/$ver/updates/dkms"; rc=1; continue; }
		[ "$(modinfo -F version "$ko")" = "$VERSION" ] || { echo "$ko: modinfo version is not $VERSION"; rc=1; }
	done < <(deb_kernels)
	[ "$n" -gt 0 ] || { echo "no test kernel"; rc=1; }
	return $rc
}
check dkms-status dkms_status

# Each kernel's packaged module, uncompressed, to KO_DIR/VERSION/dstleak.ko
# with where it came from: the VM case pkg_module boots it.
keep_modules() {
	local name ver ko d rc=0
	while read -r name ver; do
		[ "$ver" != - ] || continue
		ko=$(dkms_ko "$ver")
		[ -n "$ko" ] || { echo "$name: no packaged module to keep"; rc=1; continue; }
		d=$KO_DIR/$ver
		mkdir -p "$d"
		case "$ko" in
		*.ko.xz) xz -dc "$ko" > "$d/dstleak.ko";;
		*.ko.zst) zstd -qdc "$ko" > "$d/dstleak.ko";;
		*.ko.gz) gzip -dc "$ko" > "$d/dstleak.ko";;
		*) cp "$ko" "$d/dstleak.ko";;
		esac || { echo "$ko: cannot copy"; rc=1; continue; }
		echo "$ko from dstleak-dkms $VERSION ($(dpkg-query -W -f='${Version}' dstleak-dkms))" > "$d/origin"
		echo "$name: kept $(cat "$d/origin"), srcversion $(modinfo -F srcversion "$d/dstleak.ko")"
	done < <(deb_kernels)
	return $rc
}
check keep-modules keep_modules

reader_installed() {
	local rc=0 v
	v=$(/usr/sbin/dstleak --version) || return 1
	echo "$v"
	case "$v" in "dstleak $VERSION "*|"dstleak $VERSION") ;; *) echo "not version $VERSION"; rc=1;; esac
	[ "$(command -v dstleak)" = /usr/sbin/dstleak ] || { echo "dstleak is not /usr/sbin/dstleak in PATH"; rc=1; }
	man -w 8 dstleak | grep -cx /usr/share/man/man8/dstleak.8.gz > /dev/null || { echo "man -w 8 dstleak: not found"; rc=1; }
	man -l /usr/share/man/man8/dstleak.8.gz 2>&1 | grep -c dstleak > /dev/null || { echo "man page does not render"; rc=1; }
	[ -d "$TEXTFILE_DIR" ] || { echo "no $TEXTFILE_DIR"; rc=1; }
	return $rc
}
check reader reader_installed

units_verify() {
	local u=/lib/systemd/system/dstleak-export r=/lib/systemd/system/dstleak-record rc=0 k
	# systemd-analyze verify prints what it dislikes and exits non-zero.
	systemd-analyze verify "$u.service" "$u.timer" "$r.service" "$r.timer" 2>&1 | tee "$LOGS/verify.out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	if grep -q 'dstleak' "$LOGS/verify.out"; then echo "systemd-analyze verify complains about dstleak's units"; rc=1; fi
	for k in 'ProtectSystem=strict' "ReadWritePaths=$TEXTFILE_DIR" 'CapabilityBoundingSet=' \
		'IPAddressDeny=any' 'RestrictAddressFamilies=none' 'NoNewPrivileges=yes'; do
		grep -q "^$k" "$u.service" || { echo "service: no $k"; rc=1; }
	done
	grep -q '^OnCalendar=\*:\*:00/30$' "$u.timer" || { echo "timer: not every 30 s"; rc=1; }
	# The recorder: hardened alike, writing only its state directory, and
	# not enabled by the package (keeping a history is the operator's call).
	for k in 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/dstleak' 'StateDirectory=dstleak' \
		'CapabilityBoundingSet=' 'IPAddressDeny=any' 'NoNewPrivileges=yes'; do
		grep -q "^$k" "$r.service" || { echo "record service: no $k"; rc=1; }
	done
	if [ "$(systemctl is-enabled dstleak-record.timer 2>/dev/null)" = enabled ]; then
		echo "the package enabled dstleak-record.timer"; rc=1
	fi
	# Loading the module at boot is left to the operator.
	for k in /etc/modules-load.d /usr/lib/modules-load.d /lib/modules-load.d; do
		if grep -rqw dstleak "$k" 2>/dev/null; then echo "$k loads dstleak"; rc=1; fi
	done
	return $rc
}
check units-verify units_verify

# The service's command, once, by hand: no module is loaded on this host (its
# kernel is not a test kernel), so DSTLEAK_DEBUGFS points the reader at the
# fixtures of the module's files; the command itself is the unit's.
unit_command() {
	local cmd root=$LOGS/debugfs tf=$TEXTFILE_DIR/dstleak.prom
	cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/dstleak-export.service)
	[ -n "$cmd" ] || { echo "no ExecStart="; return 1; }
	echo "ExecStart: $cmd"
	mkdir -p "$root"
	cp -r "$FIXTURES" "$root/dstleak"
	rm -f "$tf"
	# shellcheck disable=SC2086
	DSTLEAK_DEBUGFS=$root $cmd || { echo "the command failed"; return 1; }
	[ -s "$tf" ] || { echo "no $tf"; return 1; }
	ls -l "$tf"
	promtool check metrics < "$tf" || { echo "promtool check metrics rejects $tf"; return 1; }
	grep -q '^dstleak_dst_live_entries{' "$tf" || { echo "$tf: no dstleak_dst_live_entries"; return 1; }
	# No temporary file left beside it (the textfile collector reads *.prom).
	if ls "$TEXTFILE_DIR"/dstleak.prom.*.tmp 2>/dev/null; then echo "temporary file left"; return 1; fi
}
check unit-command unit_command

# The recorder's command, twice by hand on the fixtures: a history of two
# samples, mode 0600, in the directory the purge must take away.
record_command() {
	local cmd root=$LOGS/debugfs h=/var/lib/dstleak/history
	cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/dstleak-record.service)
	[ -n "$cmd" ] || { echo "no ExecStart="; return 1; }
	echo "ExecStart: $cmd"
	mkdir -p /var/lib/dstleak && chmod 0700 /var/lib/dstleak
	# shellcheck disable=SC2086
	DSTLEAK_DEBUGFS=$root $cmd && DSTLEAK_DEBUGFS=$root $cmd || { echo "the command failed"; return 1; }
	[ -s "$h" ] || { echo "no $h"; return 1; }
	ls -l "$h"
	[ "$(stat -c %a "$h")" = 600 ] || { echo "$h: mode $(stat -c %a "$h"), not 600"; return 1; }
	dstleak forecast "$h" || { echo "dstleak forecast cannot read it"; return 1; }
}
check record-command record_command

# ---- purge: nothing left --------------------------------------------------
purge_debs() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o DPkg::Lock::Timeout=600 dstleak dstleak-dkms < /dev/null || return 1
	INSTALLED=""
	if [ -z "$MOK_BEFORE" ]; then rm -f /var/lib/dkms/mok.key /var/lib/dkms/mok.pub; fi
	fs_list > "$LOGS/files-after.list"
	if ! diff -u "$LOGS/files-before.list" "$LOGS/files-after.list" > "$LOGS/files.diff"; then
		echo "the file list changed (install + purge):"
		grep '^[-+][^-+]' "$LOGS/files.diff" | head -n 40
		return 1
	fi
	if dpkg-query -W -f='${Status}\n' dstleak dstleak-dkms 2>/dev/null | grep -c . > /dev/null; then
		echo "dpkg still knows dstleak:"; dpkg-query -W -f='${Package} ${Status}\n' dstleak dstleak-dkms
		return 1
	fi
	ls /var/lib/dpkg/info/dstleak* 2>/dev/null && { echo "dpkg info files left"; return 1; }
	if dkms status -m dstleak 2>/dev/null | grep -c . > /dev/null; then echo "dkms status still lists dstleak"; return 1; fi
	echo "file list identical before install and after purge ($(wc -l < "$LOGS/files-after.list") entries)"
}
check purge purge_debs

finish
