#!/bin/bash
# Build a small test kernel from a kernel source tree into the kernel cache
# that tests/vm/run.sh boots (layout in tests/kernels/README.md).
#
# Usage: tests/kernels/build.sh SOURCE [NAME [CACHE]]
#   SOURCE  a kernel source tree (a directory; it is copied, never changed)
#           or a tarball of one (.tar, .tar.gz, .tar.xz, .tar.bz2, .tar.zst)
#   NAME    the kernel's name in the cache and in tests/vm/kernels
#           (default: its kernelrelease, e.g. 6.18.9)
#   CACHE   the cache directory (default: the first directory of
#           DSTLEAK_KERNEL_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/dstleak/kernels)
# Environment:
#   JOBS=N        make -jN (default: the number of CPUs)
#   FRAGMENT="F..." the config fragments, space-separated, appended to
#                 tinyconfig's .config in order (a later one wins); default
#                 tests/kernels/fragment.config. The debug kernel:
#                 FRAGMENT="tests/kernels/fragment.config tests/kernels/debug.config"
#   KEY=K         the cache key (tests/kernels/debug.sh: a sha256 of the source
#                 and the fragments), kept in CACHE/NAME/key: when that file
#                 already holds K, nothing is built and CACHE/NAME is printed
#   WORK=DIR      where the tree is built (default CACHE/.work-NAME; removed
#                 after a successful build unless KEEP=1)
#   NO_DEPS=1     do not install missing build tools with apt-get
#
# The result, CACHE/NAME/: bzImage, config, System.map, kernelrelease,
# modules.builtin, modules.builtin.modinfo (5.2 and later), build.secs,
# fragments (the names of the fragments, in order), key (with KEY=) and
# build.tar.xz (an external-module build tree: extracted, it is a KDIR for
# make and DKMS).
# It replaces an older CACHE/NAME only once complete.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
say() { echo "kernels: $*" >&2; }
die() { echo "kernels: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 2; }

[ $# -ge 1 ] && [ $# -le 3 ] || usage
case "$1" in -h|--help) usage;; esac
SRC=$1
NAME=${2:-}
CACHE=${3:-}
if [ -z "$CACHE" ]; then
	CACHE=${DSTLEAK_KERNEL_CACHE%%:*}
	[ -n "$CACHE" ] || CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dstleak/kernels
fi
FRAGMENT=${FRAGMENT:-$TOP/tests/kernels/fragment.config}
JOBS=${JOBS:-$(nproc)}
[ -e "$SRC" ] || die "no such source: $SRC"
SRC=$(cd "$(dirname "$SRC")" && pwd)/$(basename "$SRC")
frags=()
for f in $FRAGMENT; do
	[ -r "$f" ] && [ -f "$f" ] || die "no config fragment $f"
	frags+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
[ ${#frags[@]} -gt 0 ] || die "FRAGMENT names no fragment"
mkdir -p "$CACHE" || die "cannot create the cache $CACHE"
CACHE=$(cd "$CACHE" && pwd)
[ -w "$CACHE" ] || die "the cache $CACHE is not writable (give CACHE, the third argument)"
if [ -n "${KEY:-}" ] && [ -n "$NAME" ] && [ -f "$CACHE/$NAME/key" ] &&
   [ "$(cat "$CACHE/$NAME/key")" = "$KEY" ] && [ -s "$CACHE/$NAME/bzImage" ] &&
   [ -s "$CACHE/$NAME/kernelrelease" ] && [ -s "$CACHE/$NAME/build.tar.xz" ]; then
	say "$NAME is built, key $KEY: $CACHE/$NAME"
	echo "$CACHE/$NAME"
	exit 0
fi

# --- the source, judged before anything is installed or built ---------------
unpack=""
if [ -d "$SRC" ]; then
	[ -f "$SRC/Makefile" ] && [ -d "$SRC/arch/x86" ] || die "$SRC is not a kernel source tree"
else
	case "$SRC" in
	*.tar.zst|*.tzst) unpack="zstd -dc";;
	*.tar.xz|*.txz) unpack="xz -dc";;
	*.tar.gz|*.tgz) unpack="gzip -dc";;
	*.tar.bz2) unpack="bzip2 -dc";;
	*.tar) unpack="cat";;
	*) die "$SRC: not a directory nor a .tar[.gz|.xz|.bz2|.zst]";;
	esac
fi

# --- build tools ------------------------------------------------------------
# need_tools: the Debian packages of the missing build tools.
need_tools() {
	local miss="" c
	for c in make:make gcc:gcc ld:binutils bc:bc flex:flex bison:bison perl:perl xz:xz-utils tar:tar; do
		command -v "${c%%:*}" > /dev/null || miss="$miss ${c#*:}"
	done
	echo '#include <gelf.h>' | gcc -E - > /dev/null 2>&1 || miss="$miss libelf-dev"
	echo '#include <openssl/opensslv.h>' | gcc -E - > /dev/null 2>&1 || miss="$miss libssl-dev"
	echo "$miss"
}
miss=$(need_tools)
if [ -n "$miss" ]; then
	if [ -z "${NO_DEPS:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
		say "installing the missing build tools:$miss"
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $miss < /dev/null > "${TMPDIR:-/tmp}/dstleak-kbuild-apt.log" 2>&1 ||
			die "apt-get install$miss failed (see ${TMPDIR:-/tmp}/dstleak-kbuild-apt.log)"
		miss=$(need_tools)
	fi
	[ -z "$miss" ] || die "missing build tools (Debian packages):$miss"
fi

# --- the tree ---------------------------------------------------------------
WORK=${WORK:-$CACHE/.work-${NAME:-$(basename "$SRC" | sed 's/\.tar.*//; s/\.t[gx]z$//')}}
t0=$(date +%s)
if [ -e "$WORK" ]; then
	# Only ever a directory this script made.
	[ -e "$WORK/.dstleak-kbuild" ] || [ -z "$(ls -A "$WORK")" ] || die "WORK=$WORK exists and is not an earlier build's; remove it or choose another"
	rm -rf "$WORK"
fi
mkdir -p "$WORK/src"
: > "$WORK/.dstleak-kbuild"
TREE=$WORK/src
say "copying $SRC into $TREE"
if [ -d "$SRC" ]; then
	tar -C "$SRC" --exclude=./.git -cf - . | tar -C "$TREE" -xf -
else
	mkdir -p "$WORK/unpack"
	$unpack "$SRC" | tar -C "$WORK/unpack" -xf - || die "cannot unpack $SRC"
	rmdir "$TREE"
	# The tree is the tarball's top directory (linux-6.18.9/), or the tarball.
	if [ -f "$WORK/unpack/Makefile" ]; then
		mv "$WORK/unpack" "$TREE"
	else
		set -- "$WORK"/unpack/*/
		[ $# = 1 ] || die "$SRC: more than one top directory"
		mv "${1%/}" "$TREE"
		rm -rf "$WORK/unpack"
	fi
	[ -f "$TREE/Makefile" ] && [ -d "$TREE/arch/x86" ] || die "$SRC does not hold a kernel source tree"
fi
cd "$TREE"
# Snags of some trees (../shared/kernels/SOURCES.md): trees imported from
# source packages lose the exec bits of their scripts; some carry an ARM-only
# PCIe driver that builds whenever CONFIG_PCI=y.
find scripts tools arch/x86 -type f \( -name '*.sh' -o -name '*.pl' -o -name '*.py' \) -exec chmod +x {} + 2>/dev/null || true
find scripts -maxdepth 2 -type f ! -name '*.*' -exec sh -c 'for f; do head -c 2 "$f" | grep -q "#!" && chmod +x "$f"; done; true' _ {} +
if [ -d drivers/pci/pcie_mhi ] && [ -f drivers/pci/Makefile ]; then
	say "dropping drivers/pci/pcie_mhi (ARM only) from drivers/pci/Makefile"
	sed -i '/pcie_mhi/d' drivers/pci/Makefile
fi
# Before 5.17, libsubcmd's xrealloc() reuses the pointer it handed to
# realloc(), which gcc 12 rejects (-Werror=use-after-free) and stops objtool:
# upstream's fix, 52a9dab6d892 ("libsubcmd: Fix use-after-free for
# realloc(..., 0)"), applied to the copy.
if grep -q 'ret = realloc(ptr, 1);' tools/lib/subcmd/subcmd-util.h 2>/dev/null; then
	say "applying libsubcmd's xrealloc() fix (52a9dab6d892) for gcc 12"
	perl -0pi -e 's/static inline void \*xrealloc\(void \*ptr, size_t size\)\n\{.*?\n\}\n/static inline void *xrealloc(void *ptr, size_t size)\n{\n\tvoid *ret;\n\n\tif (!size) {\n\t\tfree(ptr);\n\t\treturn malloc(1);\n\t}\n\tret = realloc(ptr, size);\n\tif (!ret)\n\t\tdie("Out of memory, realloc failed");\n\treturn ret;\n}\n/s' tools/lib/subcmd/subcmd-util.h
	! grep -q 'ret = realloc(ptr, 1);' tools/lib/subcmd/subcmd-util.h || die "cannot apply the libsubcmd fix"
fi
# Before 5.10, objtool fails on an object without a symbol table, which
# binutils 2.36+ makes of an empty thunk_64.S: upstream's 1d489151e9f9
# ("objtool: Don't fail on missing symbol table").
if [ -f tools/objtool/elf.c ] &&
   grep -A2 'symtab = find_section_by_name(elf, ".symtab");' tools/objtool/elf.c | grep -c 'WARN("missing symbol table");' > /dev/null; then
	say "applying objtool's missing-symbol-table fix (1d489151e9f9) for binutils 2.36+"
	perl -0pi -e 's/(\tif \(!symtab\) \{\n)\t\tWARN\("missing symbol table"\);\n\t\treturn -1;/$1\t\t\/\* An empty object (thunk_64.o) has none. \*\/\n\t\treturn 0;/' tools/objtool/elf.c
	! grep -q 'WARN("missing symbol table");' tools/objtool/elf.c || die "cannot apply the objtool fix"
fi
# RHEL's trees build with -Werror on x86 and have their own switch for it,
# DISABLE_WERROR=1: the new warnings of a gcc newer than RHEL's (12 here vs
# 8) are not the guest's concern.
MKVARS=()
if grep -q '^ifneq (\$(DISABLE_WERROR),1)' Makefile; then
	say "building with DISABLE_WERROR=1 (the tree adds -Werror)"
	MKVARS+=(DISABLE_WERROR=1)
fi
# RHEL 8's entry_64.S uses the #VC entry macro it defines only with
# CONFIG_AMD_MEM_ENCRYPT (RHEL's configs always set it).
EXTRA_CONFIG=""
if grep -q '^idtentry_vc ' arch/x86/entry/entry_64.S 2>/dev/null &&
   sed -n '/^#ifdef CONFIG_AMD_MEM_ENCRYPT/,/^#endif/p' arch/x86/entry/entry_64.S | grep -c '^\.macro idtentry_vc' > /dev/null; then
	say "setting CONFIG_AMD_MEM_ENCRYPT=y (entry_64.S needs its idtentry_vc)"
	EXTRA_CONFIG="CONFIG_AMD_MEM_ENCRYPT=y"
fi

# A RHEL 8 tree (its Makefile.rhelver says so): two snags below are its own.
RHEL8=
if [ -f Makefile.rhelver ] && grep -qx 'RHEL_MAJOR = 8' Makefile.rhelver; then
	RHEL8=1
fi
# RHEL 8's sev.c gets <linux/slab.h> only through headers RHEL's own
# configuration pulls in; from tinyconfig kmalloc() is undeclared.
if [ -n "$RHEL8" ] && [ -f arch/x86/kernel/sev.c ] && grep -q 'kmalloc(' arch/x86/kernel/sev.c &&
   ! grep -q '#include <linux/slab.h>' arch/x86/kernel/sev.c; then
	say "adding <linux/slab.h> to arch/x86/kernel/sev.c (kmalloc() undeclared without RHEL's options)"
	sed -i 's|^#include <linux/mm.h>$|#include <linux/mm.h>\n#include <linux/slab.h>|' arch/x86/kernel/sev.c
	grep -q '#include <linux/slab.h>' arch/x86/kernel/sev.c || die "cannot add <linux/slab.h> to sev.c"
fi
# RHEL 8's IKCONFIG does not select BUILD_BIN2C, which builds the
# scripts/bin2c it needs (RHEL's configs get it from KEXEC_FILE).
if grep -q 'bin2c' kernel/Makefile 2>/dev/null &&
   grep -q 'hostprogs-$(CONFIG_BUILD_BIN2C)' scripts/Makefile 2>/dev/null &&
   ! sed -n '/^config IKCONFIG$/,/^config /p' init/Kconfig | grep -c 'select BUILD_BIN2C' > /dev/null; then
	say "building with CONFIG_BUILD_BIN2C=y (IKCONFIG needs scripts/bin2c and does not select it)"
	MKVARS+=(CONFIG_BUILD_BIN2C=y)
fi
# RHEL 8 calls code of options its own configuration always sets (a
# hypervisor check and a "hardware unmaintained" mark in setup.c, memory
# hotplug's notifier in page_ext.c): tests/kernels/rhel8.config sets them.
if [ -n "$RHEL8" ]; then
	say "RHEL 8 tree: adding tests/kernels/rhel8.config"
	frags+=("$TOP/tests/kernels/rhel8.config")
fi

# --- configure and build ------------------------------------------------------
LOG=$WORK/build.log
: > "$LOG"
mk() { make ARCH=x86_64 LOCALVERSION= "${MKVARS[@]}" -j"$JOBS" "$@" >> "$LOG" 2>&1; }
fail() { tail -n 40 "$LOG" >&2; die "$* failed (the whole log: $LOG)"; }
say "configuring: tinyconfig +$(for f in "${frags[@]}"; do printf ' %s +' "${f#"$TOP"/}"; done) olddefconfig"
mk tinyconfig || fail "make tinyconfig"
cat "${frags[@]}" >> .config
[ -z "$EXTRA_CONFIG" ] || echo "$EXTRA_CONFIG" >> .config
mk olddefconfig || fail "make olddefconfig"
# What the fragments asked for and did not get (a symbol this kernel lacks or
# one whose dependencies are not met): the last setting of each symbol, as
# CONFIG_X=v or "# CONFIG_X is not set"; the essentials must be there.
lost=""
while IFS= read -r l; do
	case "$l" in
	CONFIG_*=*) grep -qxF "$l" .config || lost="$lost ${l%%=*}";;
	"# CONFIG_"*" is not set") s=${l#\# }; s=${s%% *}; ! grep -q "^$s=" .config || lost="$lost $s(=n)";;
	esac
done < <(cat "${frags[@]}" | awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s) }
	/^# CONFIG_[A-Za-z0-9_]+ is not set$/ { s = $2 }
	s != "" { if (!(s in last)) order[++n] = s; last[s] = $0; s = "" }
	END { for (i = 1; i <= n; i++) print last[order[i]] }')
[ -z "$lost" ] || say "not in the final .config (absent from this kernel or unmet dependencies):$lost"
for s in MODULES MODULE_UNLOAD KPROBES KRETPROBES DEBUG_FS NET_NS IPV6 XFRM_USER INET_ESP VETH \
	 BLK_DEV_INITRD SERIAL_8250_CONSOLE DEVTMPFS FUNCTION_TRACER SLUB; do
	grep -qx "CONFIG_$s=y" .config || die "CONFIG_$s is not =y in the final .config; the guest needs it"
done
KREL=$(make -s ARCH=x86_64 LOCALVERSION= kernelrelease)
NAME=${NAME:-$KREL}
say "building $KREL as $NAME with $JOBS jobs (log: $LOG; 7-15 minutes on 2 cores)"
mk bzImage || fail "make bzImage"
# modpost: Module.symvers, modules.builtin(.modinfo); no module is built.
mk modules || fail "make modules"
for f in arch/x86/boot/bzImage System.map Module.symvers modules.builtin; do
	[ -s "$f" ] || die "the build left no $f"
done
# modules.builtin.modinfo came with 5.2 (the top Makefile makes it since);
# before it, modules.builtin alone says what is built in.
if grep -q 'modules.builtin.modinfo' Makefile; then
	[ -s modules.builtin.modinfo ] || die "the build left no modules.builtin.modinfo"
fi

# --- the external-module build tree -------------------------------------------
# Top Makefile (and the ones it includes), .config, Module.symvers,
# include/ (but the device tree bindings), scripts/ with its host programs,
# arch/x86/ without sources, objects and boot images, objtool.
say "packing build.tar.xz"
OUTD=$CACHE/.$NAME.new
rm -rf "$OUTD"
mkdir -p "$OUTD"
{
	# RHEL's top Makefile includes Makefile.rhelver.
	for f in Makefile Makefile.* Kbuild .config Module.symvers; do [ -e "$f" ] && echo "$f"; done
	find include -path include/dt-bindings -prune -o \( -type f -o -type l -o -type d \) -print
	find scripts \( -name '*.o' -o -name '.*.cmd' -o -name '*.a' \) -prune -o \( -type f -o -type l -o -type d \) -print
	find arch/x86 \( -path arch/x86/boot -o -name '*.o' -o -name '*.c' -o -name '.*.cmd' -o -name '*.a' \
		-o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \) -prune -o \( -type f -o -type l -o -type d \) -print
	[ -x tools/objtool/objtool ] && echo tools/objtool/objtool
} > "$WORK/build.list"
tar --no-recursion -cf - -T "$WORK/build.list" | xz -T"$JOBS" -6 > "$OUTD/build.tar.xz" || die "packing build.tar.xz failed"
cp arch/x86/boot/bzImage System.map modules.builtin "$OUTD/"
[ ! -s modules.builtin.modinfo ] || cp modules.builtin.modinfo "$OUTD/"
cp .config "$OUTD/config"
echo "$KREL" > "$OUTD/kernelrelease"
for f in "${frags[@]}"; do echo "${f#"$TOP"/}"; done > "$OUTD/fragments"
[ -z "${KEY:-}" ] || echo "$KEY" > "$OUTD/key"
echo $(( $(date +%s) - t0 )) > "$OUTD/build.secs"
rm -rf "$CACHE/.$NAME.old"
[ ! -e "$CACHE/$NAME" ] || mv "$CACHE/$NAME" "$CACHE/.$NAME.old"
mv "$OUTD" "$CACHE/$NAME"
rm -rf "$CACHE/.$NAME.old"
cd "$CACHE"
[ -n "${KEEP:-}" ] || rm -rf "$WORK"
say "built $NAME ($KREL) in $(cat "$CACHE/$NAME/build.secs")s: $CACHE/$NAME"
echo "$CACHE/$NAME"
