#!/bin/bash
# Build the packages from the work tree (make deb, make rpm).
#
#   packaging/build.sh deb   build/pkg/deb/: dstleak_V_ARCH.deb,
#                            dstleak-dkms_V_all.deb, the source package
#                            (3.0 native) and .changes (debhelper + dh-dkms)
#   packaging/build.sh rpm   build/pkg/rpm/: RPMS/*/dstleak-V-1.*.rpm,
#                            dstleak-dkms-V-1.noarch.rpm, SRPMS/*.src.rpm
#
# The one version is DSTLEAK_MODULE_VERSION (module/dstleak_format.h), which
# dkms.conf must repeat (checked first); debian/changelog and the spec's
# Version: are written from it. The sources are copied from the work tree
# (tracked and new files, not ignored ones) into a staging directory, so
# the tree stays clean and a half-edited file elsewhere is not picked up
# later. Tools: tests/deps.sh --pkg.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
OUT=${PKG_OUT:-$TOP/build/pkg}
"$TOP/tests/dkms.sh" check-version >/dev/null
VERSION=$("$TOP/tests/dkms.sh" version)
# The date of the last commit, so two builds of one tree are the same.
EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH=$EPOCH

# What a package is built from.
PATHS="Kbuild Makefile dkms.conf README.md module tools debian packaging tests/unit/fixtures tests/dkms.sh"

stage() {
	local dst=$1 f
	rm -rf "$dst"
	mkdir -p "$dst"
	# shellcheck disable=SC2086
	git ls-files -z -c -o --exclude-standard -- $PATHS | while IFS= read -r -d '' f; do
		[ -f "$f" ] || continue   # deleted in the work tree
		mkdir -p "$dst/$(dirname "$f")"
		cp -p "$f" "$dst/$f"
	done
}

build_deb() {
	local d=$OUT/deb src
	src=$d/dstleak-$VERSION
	rm -rf "$d"
	mkdir -p "$d"
	stage "$src"
	cat > "$src/debian/changelog" <<-CL
	dstleak ($VERSION) unstable; urgency=medium

	  * dstleak $VERSION (module and dkms.conf version $VERSION).

	 -- $(sed -n 's/^Maintainer: //p' debian/control)  $(date -u -R -d "@$EPOCH")
	CL
	(cd "$src" && dpkg-buildpackage -us -uc -sa) > "$d/build.log" 2>&1 || {
		tail -n 40 "$d/build.log" >&2
		echo "build.sh: dpkg-buildpackage failed (see ${d#"$TOP"/}/build.log)" >&2
		exit 1
	}
	ls "$d"/*.deb
}

build_rpm() {
	local d=$OUT/rpm
	rm -rf "$d"
	mkdir -p "$d/SOURCES" "$d/SPECS"
	stage "$d/stage/dstleak-$VERSION"
	rm -rf "$d/stage/dstleak-$VERSION/debian"
	tar -C "$d/stage" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$EPOCH" -czf "$d/SOURCES/dstleak-$VERSION.tar.gz" "dstleak-$VERSION"
	rm -rf "$d/stage"
	sed -e "s/@VERSION@/$VERSION/g" -e "s/@DATE@/$(date -u -d "@$EPOCH" "+%a %b %d %Y")/" packaging/rpm/dstleak.spec.in > "$d/SPECS/dstleak.spec"
	# --nodeps: Debian's rpm has no database of the build host's packages
	# to check BuildRequires against. No debuginfo subpackage here
	# (Debian has no find-debuginfo); EL's rpmbuild makes one.
	rpmbuild -ba --nodeps \
		--define "_topdir $d" \
		--define "debug_package %{nil}" \
		--define "_build_id_links none" \
		"$d/SPECS/dstleak.spec" > "$d/build.log" 2>&1 || {
		tail -n 40 "$d/build.log" >&2
		echo "build.sh: rpmbuild failed (see ${d#"$TOP"/}/build.log)" >&2
		exit 1
	}
	find "$d/RPMS" "$d/SRPMS" -name '*.rpm' | sort
}

case "${1:-}" in
deb) build_deb;;
rpm) build_rpm;;
*) sed -n '2,16s/^# \{0,1\}//p' "$0" >&2; exit 2;;
esac
