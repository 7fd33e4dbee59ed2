#!/bin/sh
# Install what building and testing dstleak needs, from Debian's packages.
# Idempotent: packages already present are skipped; what is installed is named.
# Works as root on a fresh Debian 12, without a terminal.
# Usage: tests/deps.sh [--dry-run] [--style] [--pkg] [--prom]
#   --style    also what `make style` needs (linux-source-6.12: checkpatch.pl)
#   --pkg      also what `make deb`, `make rpm` and tests/pkg.sh need
#   --prom     also what tests/prom_scrape.sh needs (a real node_exporter)
# The servers these bring (prometheus, prometheus-node-exporter) are neither
# started by the installation nor left enabled: a test host serves nothing.
set -eu

# The test kernels. Adding a kernel is one line here and one in tests/vm/kernels.
KERNEL_PKGS="
linux-image-cloud-amd64 linux-headers-cloud-amd64
linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
"
# Building (module, reader, sparse), DKMS (and its signing: openssl), the VM
# harness (qemu, busybox, cpio, the guest's real ip and kmod, module
# decompression), the probe points' prototypes in the kernels' BTF
# (tests/probes.sh: pfunct, in the package pahole), an SVG renderer for
# the unit test of "dstleak plot" (rsvg-convert, in librsvg2-bin).
TOOL_PKGS="
build-essential make gcc clang sparse
qemu-system-x86 busybox-static cpio kmod dkms iproute2 dash
xz-utils gzip openssl util-linux coreutils pahole
librsvg2-bin
"
STYLE_PKGS="perl linux-source-6.12"
# Packaging (make deb: debhelper, dh-dkms; make rpm: rpm's rpmbuild) and its
# tests (tests/pkg.sh: lintian, promtool, systemd-analyze, man). promtool is
# only in the package prometheus, which brings the server too.
PKG_PKGS="debhelper dh-dkms dpkg-dev lintian rpm prometheus systemd man-db"
# tests/prom_scrape.sh: node_exporter's textfile collector, promtool, curl.
PROM_PKGS="prometheus prometheus-node-exporter curl"
# Packages with a daemon: kept from starting, disabled once installed.
SERVICE_PKGS="prometheus prometheus-node-exporter"

DRY=""
WANT="$KERNEL_PKGS $TOOL_PKGS"
for a in "$@"; do
	case "$a" in
	--dry-run) DRY=1;;
	--style) WANT="$WANT $STYLE_PKGS";;
	--pkg) WANT="$WANT $PKG_PKGS";;
	--prom) WANT="$WANT $PROM_PKGS";;
	*) echo "usage: $0 [--dry-run] [--style] [--pkg] [--prom]" >&2; exit 2;;
	esac
done

missing=""
for p in $WANT; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: everything is installed"
	exit 0
fi
echo "deps: installing:$missing"
[ -z "$DRY" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: must run as root to install packages (or install them yourself)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the lists only when a package is not known to apt yet.
for p in $missing; do
	if ! apt-cache show "$p" >/dev/null 2>&1; then
		apt-get update -q
		break
	fi
done
# A daemon among them: no start during the installation (policy-rc.d, which
# invoke-rc.d and deb-systemd-invoke obey; one already there is kept).
daemons=""
for p in $missing; do
	case " $SERVICE_PKGS " in *" $p "*) daemons="$daemons $p";; esac
done
POLICY=/usr/sbin/policy-rc.d
ours=""
if [ -n "$daemons" ] && [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# tests/deps.sh: no daemon starts while it installs.\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	ours=1
	trap 'rm -f "$POLICY"' EXIT INT TERM
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing < /dev/null
# ... and not enabled at boot either; stopped if it started all the same.
for p in $daemons; do
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --quiet "$p.service" 2>/dev/null || true
		if [ -d /run/systemd/system ]; then
			systemctl stop "$p.service" 2>/dev/null || true
		fi
	fi
	if [ -x "/etc/init.d/$p" ] && command -v update-rc.d >/dev/null 2>&1; then
		update-rc.d "$p" disable >/dev/null 2>&1 || true
		[ -d /run/systemd/system ] || "/etc/init.d/$p" stop >/dev/null 2>&1 || true
	fi
	echo "deps: $p: its service is disabled and not running"
done
[ -z "$ours" ] || rm -f "$POLICY"
