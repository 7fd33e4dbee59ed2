#!/bin/sh
# Install what building and testing dstleak needs, from Debian's packages.
# Idempotent: packages already present are skipped; what is installed is named.
# Usage: tests/deps.sh [--dry-run]
set -eu

# The test kernels. Adding a kernel is one line here and one in tests/vm/kernels.
KERNEL_PKGS="
linux-image-cloud-amd64 linux-headers-cloud-amd64
linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64
"
TOOL_PKGS="
build-essential make gcc clang sparse
qemu-system-x86 busybox-static cpio kmod dkms iproute2
"

missing=""
for p in $KERNEL_PKGS $TOOL_PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: everything is installed"
	exit 0
fi
echo "deps: installing:$missing"
[ "${1:-}" = "--dry-run" ] && exit 0
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
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
