#!/bin/bash
# DKMS for dstleak.
#
#   tests/dkms.sh install [KVER]     register /usr/src/dstleak-VERSION with the
#                                    host's DKMS, build and install for KVER
#                                    (default: the running kernel)
#   tests/dkms.sh remove             remove every version from the host's DKMS
#   tests/dkms.sh build KVER OUTDIR  the harness's path: add, build, install,
#                                    status, remove in a private DKMS tree under
#                                    OUTDIR (the host's /var/lib/dkms and
#                                    /lib/modules are not touched), leaving the
#                                    module DKMS built as OUTDIR/dstleak.ko
#   tests/dkms.sh check-version      dkms.conf's PACKAGE_VERSION equals
#                                    DSTLEAK_MODULE_VERSION in the format header
#   tests/dkms.sh version            print DSTLEAK_MODULE_VERSION
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
NAME=dstleak

header_version() {
	sed -n 's/^#define DSTLEAK_MODULE_VERSION "\(.*\)"$/\1/p' "$TOP/module/dstleak_format.h"
}

conf_version() {
	sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf"
}

VERSION=$(header_version)
[ -n "$VERSION" ] || { echo "dkms.sh: no DSTLEAK_MODULE_VERSION in module/dstleak_format.h" >&2; exit 1; }

# The files DKMS needs, copied (not linked) so a later edit in the work tree
# cannot change a build in progress.
copy_source() {
	local dst=$1
	rm -rf "$dst"
	mkdir -p "$dst/module"
	cp -p "$TOP/Kbuild" "$TOP/Makefile" "$TOP/dkms.conf" "$dst/"
	cp -p "$TOP"/module/*.[chS] "$dst/module/"
	# The feature probes Kbuild compiles (module/compat.h).
	if [ -d "$TOP/module/compat" ]; then
		mkdir -p "$dst/module/compat"
		cp -p "$TOP"/module/compat/*.[ch] "$dst/module/compat/"
	fi
}

check_version() {
	local cv
	cv=$(conf_version)
	if [ "$cv" != "$VERSION" ]; then
		echo "dkms.sh: dkms.conf PACKAGE_VERSION=$cv but module/dstleak_format.h says $VERSION" >&2
		return 1
	fi
	echo "dkms.sh: dkms.conf and module/dstleak_format.h agree on version $VERSION"
}

# Quiet the readelf noise DKMS 3.0 makes on Debian's kernels.
filter() { grep -v "readelf: Warning: Section '.comment'" || true; }

# The harness: everything private under $out.
isolated_build() {
	local kver=$1 out=$2
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	local src=$out/src tree=$out/tree inst=$out/install etc=$out/etc
	rm -rf "$src" "$tree" "$inst" "$out/dstleak.ko"
	mkdir -p "$src" "$tree" "$inst/$kver" "$etc"
	copy_source "$src/$NAME-$VERSION"
	# Signing settings come only from /etc/dkms/framework.conf*; point them at
	# a throwaway key (DKMS makes one) in a private mount namespace, so the
	# host's /var/lib/dkms/mok.key is neither created nor used.
	local keys=${DKMS_KEY_DIR:-$(dirname "$out")/dkms-key}
	mkdir -p "$keys"
	printf 'mok_signing_key=%s/mok.key\nmok_certificate=%s/mok.pub\n' "$keys" "$keys" > "$etc/framework.conf"
	local dk="dkms --dkmstree $tree --sourcetree $src --installtree $inst"
	local wrap=""
	if unshare -m true 2>/dev/null; then
		wrap="unshare -m"
	else
		echo "dkms.sh: no mount namespace here; DKMS uses the host's signing key settings" >&2
		etc=""
	fi
	# One script so every step runs in the same private mount namespace.
	$wrap bash -euo pipefail -c '
		[ -z "'"$etc"'" ] || mount --bind "'"$etc"'" /etc/dkms
		dk="'"$dk"'"; m='"$NAME"'; v='"$VERSION"'; k="'"$kver"'"
		step() { echo "dkms: $*"; }
		step add;     $dk add -m $m -v $v
		step build;   $dk build -m $m -v $v -k $k
		step install; $dk install -m $m -v $v -k $k --no-depmod
		st=$($dk status -m $m -v $v -k $k); echo "$st"
		case "$st" in *": installed"*) ;; *) echo "dkms status does not say installed" >&2; exit 1;; esac
		ko=$(find "'"$inst/$kver"'" -name "$m.ko*" | head -n 1)
		[ -n "$ko" ] || { echo "dkms install left no $m.ko under the install tree" >&2; exit 1; }
		case "$ko" in
		*.xz) xz -dc "$ko" > "'"$out"'/$m.ko";;
		*.zst) zstd -dqc "$ko" > "'"$out"'/$m.ko";;
		*.gz) gzip -dc "$ko" > "'"$out"'/$m.ko";;
		*) cp "$ko" "'"$out"'/$m.ko";;
		esac
		step remove;  $dk remove -m $m -v $v --all --no-depmod 2>/dev/null || $dk remove -m $m -v $v --all
		[ -z "$(find "'"$inst/$kver"'" -name "$m.ko*")" ] || { echo "dkms remove left the module installed" >&2; exit 1; }
		[ ! -e "'"$tree"'/$m/$v" ] || { echo "dkms remove left $m/$v in the tree" >&2; exit 1; }
		[ -z "$($dk status -m $m)" ] || { echo "dkms status not empty after remove" >&2; exit 1; }
	' 2>&1 | filter
	[ -s "$out/dstleak.ko" ] || { echo "dkms.sh: no module from DKMS for $kver" >&2; return 1; }
	echo "dkms.sh: DKMS add/build/install/remove for $kver: ok ($out/dstleak.ko)"
}

host_install() {
	local kver=$1
	[ "$(id -u)" = 0 ] || { echo "dkms.sh: run as root" >&2; exit 1; }
	check_version
	[ -e "/lib/modules/$kver/build" ] || {
		echo "dkms.sh: no headers for $kver at /lib/modules/$kver/build (apt-get install linux-headers-$kver)" >&2
		exit 1
	}
	copy_source "/usr/src/$NAME-$VERSION"
	if ! dkms status -m "$NAME" -v "$VERSION" 2>/dev/null | filter | grep -c . > /dev/null; then
		dkms add -m "$NAME" -v "$VERSION" 2>&1 | filter
	fi
	dkms build -m "$NAME" -v "$VERSION" -k "$kver" --force 2>&1 | filter
	dkms install -m "$NAME" -v "$VERSION" -k "$kver" --force 2>&1 | filter
	dkms status -m "$NAME" 2>&1 | filter
	echo "dkms.sh: installed; load it with: modprobe dstleak"
}

host_remove() {
	[ "$(id -u)" = 0 ] || { echo "dkms.sh: run as root" >&2; exit 1; }
	local v
	for v in $(dkms status -m "$NAME" 2>/dev/null | filter | sed -n "s|^$NAME/\([^,:]*\).*|\1|p" | sort -u); do
		dkms remove -m "$NAME" -v "$v" --all 2>&1 | filter
		rm -rf "/usr/src/$NAME-$v"
	done
	dkms status -m "$NAME" 2>&1 | filter
}

case "${1:-}" in
install) host_install "${2:-$(uname -r)}";;
remove) host_remove;;
build) [ $# -eq 3 ] || { echo "usage: $0 build KVER OUTDIR" >&2; exit 2; }; isolated_build "$2" "$3";;
check-version) check_version;;
version) echo "$VERSION";;
*) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2;;
esac
