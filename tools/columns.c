// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * columns.c - one description of the rows of each command's main table:
 * names (for -o, --list-columns, the rows JSON), alignment, JSON type and
 * what each column shows. The header is the name unless given.
 */
#include "columns.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define C_NETNS { "NETNS", NULL, 'l', 's', \
	"the namespace's \"ip netns\" name or a process in it (comm[pid]); - none" }
#define C_INUM { "INUM", NULL, 'l', 'n', "the namespace's inode number (ls -i /proc/PID/ns/net)" }
#define C_STATE { "STATE", NULL, 'l', 's', "alive, or exited (the namespace is gone, its entries are not)" }
#define C_FAMILY { "FAMILY", NULL, 'l', 's', "ipv4, ipv6, xfrm4, xfrm6 or other" }
#define C_LIVE { "LIVE", NULL, 'r', 'n', "entries allocated and not yet freed" }
#define C_ALLOCS { "ALLOCS", NULL, 'r', 'n', "entries allocated since the module loaded" }
#define C_FREES { "FREES", NULL, 'r', 'n', "entries freed since the module loaded" }
#define C_FAILURES { "FAILURES", NULL, 'r', 'n', "allocations that failed (limit reached)" }
#define C_KERNEL { "KERNEL", NULL, 'r', 'n', "the kernel's own count of entries, - where it keeps none" }
#define C_DRIFT { "DRIFT", NULL, 'r', 'n', "KERNEL minus what dstleak expects; - where unknown" }
#define C_HEADROOM { "HEADROOM", NULL, 'r', 's', \
	"room left below the kernel's limit (max_size); * not enforced; - no limit" }

static const struct tbl_col show_c[] = { C_NETNS, C_INUM, C_STATE, C_FAMILY, C_LIVE,
	C_ALLOCS, C_FREES, C_FAILURES, C_KERNEL, C_DRIFT, C_HEADROOM };
const struct tbl_desc cols_show = { "show", show_c, N(show_c), 3 };

static const struct tbl_col long_c[] = { C_NETNS, C_INUM, C_STATE, C_FAMILY, C_LIVE,
	{ "PEAK", NULL, 'r', 'n', "the most entries live at once" },
	C_ALLOCS, C_FREES,
	{ "PREEXIST", NULL, 'r', 'n', "frees of entries allocated before the module loaded" },
	C_FAILURES,
	{ "UNTRACKED", NULL, 'r', 'n', "entries the tracking table had no room for" },
	{ "ORPHANED", NULL, 'r', 'n', "entries whose namespace could not be told at free" },
	C_KERNEL, C_DRIFT,
	{ "GC_THRESH", NULL, 'r', 'n', "the kernel's garbage collection threshold" },
	{ "MAX_SIZE", NULL, 'r', 'n', "the kernel's limit on entries" },
	C_HEADROOM };
const struct tbl_desc cols_long = { "show --long", long_c, N(long_c), 3 };

static const struct tbl_col watch_c[] = { C_NETNS, C_INUM, C_STATE, C_FAMILY, C_LIVE,
	{ "ALLOCS/s", NULL, 'r', 'n', "allocations a second since the last round" },
	{ "FREES/s", NULL, 'r', 'n', "frees a second since the last round" },
	{ "FAILURES/s", NULL, 'r', 'n', "failed allocations a second since the last round" },
	C_KERNEL, C_DRIFT, C_HEADROOM };
const struct tbl_desc cols_watch = { "watch", watch_c, N(watch_c), 3 };

static const struct tbl_col diff_c[] = { C_NETNS, C_INUM,
	{ "STATE", NULL, 'l', 's', "alive, exited, new, gone, not in OLD, not in NEW" },
	C_FAMILY,
	{ "ALLOCS", NULL, 'r', 'n', "allocations between OLD and NEW; reset if fewer" },
	{ "ALLOCS/s", NULL, 'r', 'n', "allocations a second" },
	{ "FREES", NULL, 'r', 'n', "frees between OLD and NEW; reset if fewer" },
	{ "FREES/s", NULL, 'r', 'n', "frees a second" },
	{ "FAILURES", NULL, 'r', 'n', "failed allocations between OLD and NEW" },
	{ "LIVE", NULL, 'r', 'n', "live entries in NEW" },
	{ "LIVE_CHANGE", "+/-", 'r', 'n', "LIVE in NEW minus LIVE in OLD" },
	{ "KERNEL", NULL, 'r', 'n', "the kernel's count in NEW" },
	{ "KERNEL_CHANGE", "+/-", 'r', 'n', "KERNEL in NEW minus KERNEL in OLD" },
	{ "DRIFT", NULL, 'r', 'n', "the drift in NEW" } };
const struct tbl_desc cols_diff = { "diff", diff_c, N(diff_c), 3 };

static const struct tbl_col sus_c[] = { C_NETNS, C_INUM, C_FAMILY,
	{ "REASON", NULL, 'l', 's', "dead, pins_device, device_gone or netns_exited" },
	{ "DEVICE", NULL, 'l', 's', "the device the entries hold; - none" },
	{ "COUNT", NULL, 'r', 'n', "entries in the group" },
	{ "OLDEST", NULL, 'r', 's', "age of the oldest entry" },
	{ "MEDIAN", NULL, 'r', 's', "median age of the entries" } };
const struct tbl_desc cols_suspects = { "suspects", sus_c, N(sus_c), 0 };

static const struct tbl_col xfrm_c[] = { C_NETNS, C_INUM, C_STATE,
	{ "LOOKUPS", NULL, 'r', 'n', "xfrm_lookup() calls seen by dstleak" },
	{ "LOOKUP_ERR", NULL, 'r', 'n', "xfrm_lookup() calls that failed" },
	{ "BUNDLES", NULL, 'r', 'n', "IPsec bundles (xfrm dst entries) built" },
	{ "BUNDLE_ERR", NULL, 'r', 'n', "bundles that failed to build" },
	{ "GEN_ERR", NULL, 'r', 'n', "the kernel's XfrmOutBundleGenError; - none (no XFRM_STATISTICS)" },
	{ "CHECK_ERR", NULL, 'r', 'n', "the kernel's XfrmOutBundleCheckError" },
	{ "NO_STATES", NULL, 'r', 'n', "the kernel's XfrmOutNoStates" },
	{ "POL_ERR", NULL, 'r', 'n', "the kernel's XfrmOutPolError" } };
const struct tbl_desc cols_xfrm = { "xfrm", xfrm_c, N(xfrm_c), 3 };

static const struct tbl_col route_c[] = { C_NETNS, C_INUM, C_STATE,
	{ "PMTU4", NULL, 'r', 'n', "IPv4 PMTU updates that made or updated a next-hop exception" },
	{ "REDIRECT4", NULL, 'r', 'n', "IPv4 redirects that made or updated a next-hop exception" },
	{ "PMTU6", NULL, 'r', 'n', "IPv6 PMTU updates" },
	{ "REDIRECT6", NULL, 'r', 'n', "IPv6 redirects" },
	{ "EXCEPTIONS6", NULL, 'r', 'n', "IPv6 cached routes (exceptions) inserted" },
	{ "CACHED6", NULL, 'r', 'n', "IPv6 cached routes now (rt6_stats fib_rt_cache); - none" } };
const struct tbl_desc cols_routes = { "routes", route_c, N(route_c), 3 };

static const struct tbl_col icmp_c[] = { C_NETNS, C_INUM,
	{ "FAMILY", NULL, 'l', 's', "ipv4 or ipv6" },
	{ "TYPE", NULL, 'r', 'n', "ICMP type; - others, counted together" },
	{ "CODE", NULL, 'r', 'n', "ICMP code; - others, counted together" },
	{ "COUNT", NULL, 'r', 'n', "errors delivered to TCP since load" } };
const struct tbl_desc cols_icmp = { "icmp", icmp_c, N(icmp_c), 0 };

static const struct tbl_col obj_c[] = {
	{ "OBJECT", NULL, 'l', 's', "the module's identity of the entry (a hashed pointer)" },
	C_NETNS, C_INUM, C_FAMILY,
	{ "AGE", NULL, 'r', 's', "time since the entry was allocated" },
	{ "REFCNT", NULL, 'r', 'n', "its reference count" },
	{ "OBSOLETE", NULL, 'r', 'n', "the kernel's dst obsolete state (2: dead)" },
	{ "DEVICE", NULL, 'l', 's', "its device's name; - none" },
	{ "IFINDEX", NULL, 'r', 'n', "the device's interface index" },
	{ "DEVSTATE", NULL, 'l', 's', "up, down, unregistering, gone, moved; - none" },
	{ "REASON", NULL, 'l', 's', "what makes it a leak suspect once old enough; - none" },
	{ "STACK", NULL, 'r', 'n', "its allocation stack's id; - none" } };
const struct tbl_desc cols_objects = { "objects", obj_c, N(obj_c), 0 };
