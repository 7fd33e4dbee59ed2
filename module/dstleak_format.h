/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dstleak_format.h - the one description of what dstleak exports.
 *
 * Included by the kernel module (module/) and by the reader (tools/), so the
 * two can never disagree about names, order or version. Bump
 * DSTLEAK_FORMAT_VERSION on any change a reader could misparse.
 *
 * All text files are lines of single-space separated tokens. After a line's
 * leading keyword (and, for "ns", its fixed fields) come "name value" pairs in
 * the order given here. A value is an unsigned or signed decimal number, or
 * "-" where the kernel has no such figure. Unknown leading keywords must be
 * ignored by readers (forward compatibility within a format version).
 *
 * summary (debugfs) and /proc/net/dstleak (own namespace only):
 *   format 1
 *   module 0.1.0
 *   kernel 6.12.117+deb12-cloud-amd64
 *   global ipv4 kernel N expected N drift N
 *   tracking tracked N overflow N bytes N max N entry_bytes N
 *   probe SYMBOL hits N missed N        (summary only; see "probes")
 *   ns INUM STATE FAMILY allocs N frees N frees_preexisting N live N
 *      peak N failures N kernel N|- drift N|- gc_thresh N|- max_size N|-
 *     (one line; STATE is alive|exited; one line per family, in the order
 *      of DSTLEAK_FAMILIES, for every namespace)
 *
 * probes (debugfs):
 *   probe SYMBOL hits N missed N
 *
 * suspects (debugfs):
 *   format 1
 *   group ns INUM family FAMILY reason REASON device NAME|- count N
 *         oldest_ms N median_ms N          (one line)
 *   stack SYMBOLIZED_FRAME                 (0..n lines after their group)
 *   old ns INUM family FAMILY count N oldest_ms N
 *
 * objects (debugfs): one line per tracked entry:
 *   obj ID ns INUM family FAMILY age_ms N refcnt N obsolete N
 *       device NAME|- devstate up|down|unregistering|gone|- netns alive|exited
 *       stack ID|-
 *
 * /proc/net/stat/dstleak: the lnstat format: one line of field names,
 * FAMILY_allocs FAMILY_frees FAMILY_failures for each family in order, then
 * one line per possible CPU of "%08x" values (the low 32 bits, as the
 * kernel's own /proc/net/stat files do), for the reader's namespace.
 */
#ifndef DSTLEAK_FORMAT_H
#define DSTLEAK_FORMAT_H

#define DSTLEAK_FORMAT_VERSION 1
#define DSTLEAK_MODULE_VERSION "0.1.0"

/* The families, in export order. */
#define DSTLEAK_FAMILIES(X) \
	X(IPV4, "ipv4")     \
	X(IPV6, "ipv6")     \
	X(XFRM4, "xfrm4")   \
	X(XFRM6, "xfrm6")   \
	X(OTHER, "other")

#define DSTLEAK_FAMILY_ENUM(id, name) DSTLEAK_FAM_##id,
enum dstleak_family { DSTLEAK_FAMILIES(DSTLEAK_FAMILY_ENUM) DSTLEAK_NR_FAMILIES };
#undef DSTLEAK_FAMILY_ENUM

/* The pairs of an "ns" line, in export order. */
#define DSTLEAK_NS_FIELDS(X)      \
	X(allocs)                 \
	X(frees)                  \
	X(frees_preexisting)      \
	X(live)                   \
	X(peak)                   \
	X(failures)               \
	X(kernel)                 \
	X(drift)                  \
	X(gc_thresh)              \
	X(max_size)

/* Suspect reasons, in export order. */
#define DSTLEAK_REASONS(X)               \
	X(DEAD, "dead")                  \
	X(PINS_DEVICE, "pins_device")    \
	X(DEVICE_GONE, "device_gone")    \
	X(NETNS_EXITED, "netns_exited")

/* Files, relative to the debugfs directory. */
#define DSTLEAK_DEBUGFS_DIR "dstleak"
#define DSTLEAK_FILE_SUMMARY "summary"
#define DSTLEAK_FILE_PROBES "probes"
#define DSTLEAK_FILE_VERSION "version"
#define DSTLEAK_FILE_SUSPECTS "suspects"
#define DSTLEAK_FILE_OBJECTS "objects"
#define DSTLEAK_PROC_NAME "dstleak"

#endif /* DSTLEAK_FORMAT_H */
