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
 * the order given here. A value is a decimal number, or "-" where the kernel
 * has no such figure. Counters (allocs, frees, frees_preexisting, failures,
 * untracked, orphaned, hits, missed, counts) are unsigned 64-bit; live, peak,
 * kernel, drift, expected, gc_thresh and max_size are signed 64-bit (a kernel
 * counter driven below zero by an accounting bug must show as negative).
 * COOKIE is the kernel's 64-bit network namespace cookie, never reused
 * (INUM, the inode number, is reused once a namespace is gone): key on it.
 * Readers must ignore lines with an unknown leading keyword, and pairs they
 * do not know at the end of a known line (forward compatibility within a
 * format version); a different "format" number must be refused.
 *
 * Every file but /proc/net/stat/dstleak ends with "end lines N", N the
 * number of lines before it: a file without it, or with another count, was
 * cut short and must be refused. (Format 1 had no end line.)
 *
 * summary (debugfs) and /proc/net/dstleak (own namespace only):
 *   format 2
 *   module 0.2.0
 *   kernel 6.12.117+deb12-cloud-amd64
 *   features ...                                     (summary only; as in
 *                                                     version)
 *   global ipv4 kernel N expected N drift N          (summary only)
 *   tracking tracked N overflow N bytes N max N entry_bytes N steal_misses N
 *      irqoff_max_ns N                               (summary only; one line)
 *   stacks enabled 0|1 sample N failures N           (summary only)
 *   unattributed FAMILY allocs N frees N orphaned N  (summary only; one line
 *      per family: allocations in a namespace dstleak has no state for (being
 *      created or torn down), frees of untracked entries whose namespace
 *      cannot be proven, and untracked entries of exited namespaces whose
 *      frees can no longer be matched to them. Never part of a namespace's
 *      live or drift; part of the global ipv4 figures.)
 *   probe SYMBOL hits N missed N addr HEX hook KIND  (summary only; HEX is
 *                                   0 where kptr_restrict hides addresses,
 *                                   and for an ftrace hook until its first
 *                                   hit; KIND is how the function is hooked:
 *                                   kprobe, kretprobe, ftrace (an ftrace_ops)
 *                                   or direct (an ftrace direct call). No
 *                                   hook pair in modules built before it:
 *                                   readers take it as unknown)
 *   settled 0|1      (1: frees in flight waited for before drift was taken,
 *                     as the summary does; 0 in /proc/net/dstleak, whose
 *                     drift may include entries released in the last RCU
 *                     grace period: only a drift that persists is real)
 *   calibration spread N  (summary only: how far apart the settled drift
 *                     samples taken at load were (global ipv4); 0: nothing
 *                     was in flight, the calibration is exact; else the
 *                     drift may be off by up to N if every sample had
 *                     entries in flight)
 *   then for every namespace:
 *   ns INUM STATE FAMILY cookie COOKIE allocs N frees N frees_preexisting N
 *      live N peak N failures N untracked N orphaned N kernel N|- drift N|-
 *      gc_thresh N|- max_size N|- limit_enforced 0|1
 *     (one line; STATE is alive|exited; one line per family, in the order
 *      of DSTLEAK_FAMILIES. live = allocs - frees - orphaned. untracked:
 *      live entries without a record (max_tracked reached, or track=0),
 *      whose frees are matched by namespace (ipv6, xfrm: exact) or by device
 *      (ipv4, other). orphaned: untracked ipv4/other entries still live when
 *      the namespace exited, handed to "unattributed". limit_enforced: 1 when
 *      reaching gc_thresh/max_size makes allocations fail on this kernel.)
 *   xfrm ns INUM cookie COOKIE lookups N lookup_errors N bundles N
 *      bundle_errors N kernel_out_bundle_gen_error N|-
 *      kernel_out_bundle_check_error N|- kernel_out_no_states N|-
 *      kernel_out_pol_error N|-                          (one line)
 *   xfrm_error ns INUM cookie COOKIE where lookup|bundle errno NAME count N
 *                                                        (non-zero only)
 *   route ns INUM cookie COOKIE pmtu4 N redirect4 N pmtu6 N redirect6 N
 *      exceptions6 N cached6 N|-                         (one line)
 *   icmp ns INUM cookie COOKIE family ipv4|ipv6 type N|- code N|- count N
 *                                                        (non-zero only)
 *   end lines N
 *
 * /proc/net/dstleak shows no host-wide line (global, tracking, stacks,
 * unattributed, probe).
 *
 * probes (debugfs): the probe lines of the summary, then "end lines N".
 * version (debugfs): format, module and kernel lines, the features line,
 *   then "end lines 4".
 *   features stacks 0|1 ftrace_permanent 0|1 netns_cookie kernel|dstleak
 *      limits_enforceable 0|1 metadata_frees exact|records|off
 *                                 (what this kernel lets dstleak do: stack
 *      capture; an ftrace hook that sysctl kernel.ftrace_enabled cannot
 *      switch off; the kernel's netns cookie, or dstleak's own numbering
 *      (bit 63 set) where the kernel has none a module can read; dst_ops
 *      limits that can fail allocations; metadata dsts' frees: all counted
 *      (exact), only those of entries with a record, as the load-time
 *      check could not prove the path of the others (records: a direct
 *      metadata_dst_free() of an untracked entry is not counted, and its
 *      live stays up), or metadata dsts not counted at all, neither
 *      allocations nor frees (off: metadata_dst_alloc() is not probed).
 *      metadata_frees came after 0.2.0's first release within format 2:
 *      a reader takes its absence as "not said")
 *
 * suspects (debugfs):
 *   format 2
 *   group ns INUM cookie COOKIE family FAMILY reason REASON device NAME|-
 *         count N oldest_ms N median_ms N          (one line)
 *   stack SYMBOLIZED_FRAME                 (0..n lines after their group)
 *   old ns INUM cookie COOKIE family FAMILY count N oldest_ms N
 *   dropped N          (suspects past the group limit, not grouped; only
 *                       when not 0)
 *   end lines N
 *   (ages are measured at one moment for the whole report; median_ms is
 *    never above oldest_ms; ages are 64-bit milliseconds)
 *   A read that cannot get memory for the ages of its groups (8 bytes an
 *   aged entry, up to 16 while an array grows) fails with ENOMEM rather
 *   than report medians of some of them.
 *
 * objects (debugfs): "format 2", then one line per tracked entry:
 *   obj ID ns INUM cookie COOKIE family FAMILY age_ms N refcnt N obsolete N
 *       device NAME|- ifindex N devstate up|down|unregistering|gone|moved|-
 *       netns alive|exited stack ID|-
 *   then "end lines N". ID: 16 hex digits, the entry's address hashed
 *   (SipHash, all 64 bits) with a key drawn once after load: no
 *   address given away, distinct for distinct entries in practice, the
 *   same for one entry in every read until the module is reloaded.
 *   Device name and ifindex are recorded at allocation;
 *   the name is the device's current one while it is registered. A name
 *   is one field: bytes <= ' ', 0x7f, '/' and ':' are shown as '?', an
 *   empty name as "?" (also in suspects' device field).
 *
 * /proc/net/stat/dstleak: the lnstat format: one line of field names,
 * FAMILY_allocs FAMILY_frees FAMILY_failures for each family in order, then
 * one line per possible CPU of "%08x" values (the low 32 bits, as the
 * kernel's own /proc/net/stat files do), for the reader's namespace. No end
 * line: lnstat would read it as a CPU.
 */
#ifndef DSTLEAK_FORMAT_H
#define DSTLEAK_FORMAT_H

#define DSTLEAK_FORMAT_VERSION 2
#define DSTLEAK_MODULE_VERSION "0.2.0"

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
	X(cookie)                 \
	X(allocs)                 \
	X(frees)                  \
	X(frees_preexisting)      \
	X(live)                   \
	X(peak)                   \
	X(failures)               \
	X(untracked)              \
	X(orphaned)               \
	X(kernel)                 \
	X(drift)                  \
	X(gc_thresh)              \
	X(max_size)               \
	X(limit_enforced)

/* Suspect reasons, in export order. */
#define DSTLEAK_REASONS(X)               \
	X(DEAD, "dead")                  \
	X(PINS_DEVICE, "pins_device")    \
	X(DEVICE_GONE, "device_gone")    \
	X(NETNS_EXITED, "netns_exited")

/* Files, relative to the debugfs directory. */
#define DSTLEAK_DEBUGFS_DIR "dstleak"
#define DSTLEAK_REASON_ENUM(id, name) DSTLEAK_REASON_##id,
enum dstleak_reason { DSTLEAK_REASONS(DSTLEAK_REASON_ENUM) DSTLEAK_NR_REASONS };
#undef DSTLEAK_REASON_ENUM

#define DSTLEAK_FILE_SUMMARY "summary"
#define DSTLEAK_FILE_PROBES "probes"
#define DSTLEAK_FILE_VERSION "version"
#define DSTLEAK_FILE_SUSPECTS "suspects"
#define DSTLEAK_FILE_OBJECTS "objects"
#define DSTLEAK_PROC_NAME "dstleak"

#endif /* DSTLEAK_FORMAT_H */
