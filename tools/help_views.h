/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* help_views.h - the help of the views (views.h) and of the filters. */
#ifndef DL_HELP_VIEWS_H
#define DL_HELP_VIEWS_H

#include "filter.h"
#include "table.h"

#define HELP_VIEW_SOURCE \
"  --source DIR   read DIR/summary, DIR/objects, ... instead of\n" \
"                 /sys/kernel/debug/dstleak\n"

static const char help_xfrm[] =
"Usage: dstleak xfrm [-J|--json] [-a] [-o COLS] [-n] [-r] [FILTERS]\n"
"                    [--source DIR]\n"
"\n"
"IPsec per network namespace (the module's \"xfrm\" and \"xfrm_error\"\n"
"lines): one row per namespace with any IPsec activity (-a: every one):\n"
"  LOOKUPS, LOOKUP_ERR      xfrm_lookup() calls and failures seen by dstleak\n"
"  BUNDLES, BUNDLE_ERR      bundles built and failed\n"
"  GEN_ERR  the kernel's XfrmOutBundleGenError of the namespace\n"
"           (/proc/net/xfrm_stat), CHECK_ERR XfrmOutBundleCheckError,\n"
"           NO_STATES XfrmOutNoStates, POL_ERR XfrmOutPolError; \"-\" where\n"
"           the kernel has no such counter (CONFIG_XFRM_STATISTICS off)\n"
"Then the errors by place (lookup, bundle) and errno, per namespace.\n"
"\n"
"Options:\n"
"  -J, --json     {\"format\":1,\"namespaces\":[{inum, cookie, name, state,\n"
"                 \"xfrm\":{...}, \"errors\":[{where, errno, count}]}]}\n"
"  -a, --all      also namespaces without IPsec activity\n"
TBL_HELP
DL_HELP_FILTERS
HELP_VIEW_SOURCE;

static const char help_routes[] =
"Usage: dstleak routes [-J|--json] [-a] [-o COLS] [-n] [-r] [FILTERS]\n"
"                      [--source DIR]\n"
"\n"
"Route exceptions per network namespace (the module's \"route\" lines),\n"
"counted since load:\n"
"  PMTU4, REDIRECT4   IPv4 PMTU updates and redirects that created or\n"
"                     updated a next-hop exception (update_or_create_fnhe)\n"
"  PMTU6, REDIRECT6   IPv6 PMTU updates and redirects\n"
"  EXCEPTIONS6        IPv6 cached routes (exceptions) inserted\n"
"  CACHED6            IPv6 cached routes now (the kernel's rt6_stats\n"
"                     fib_rt_cache; \"-\" where it has none)\n"
"One row per namespace with any (-a: every one).\n"
"\n"
"Options:\n"
"  -J, --json     {\"format\":1,\"namespaces\":[{inum, cookie, name, state,\n"
"                 \"route\":{...}}]}\n"
"  -a, --all      also namespaces with none\n"
TBL_HELP
DL_HELP_FILTERS
HELP_VIEW_SOURCE;

static const char help_icmp[] =
"Usage: dstleak icmp [-J|--json] [-o COLS] [-n] [-r] [FILTERS] [--source DIR]\n"
"\n"
"ICMP errors delivered to TCP (tcp_v4_err, tcp_v6_err) per network\n"
"namespace, since load (the module's \"icmp\" lines): FAMILY, TYPE, CODE\n"
"(\"-\": a type and code the module counts together as others) and COUNT.\n"
"\n"
"Options:\n"
"  -J, --json     {\"format\":1,\"icmp\":[{inum, cookie, name, family, type,\n"
"                 code, count}]}\n"
TBL_HELP
DL_HELP_FILTERS
HELP_VIEW_SOURCE;

static const char help_status[] =
"Usage: dstleak status [-J|--json] [--source DIR]\n"
"\n"
"What the module is and does, from its version file and the summary's\n"
"host-wide lines: module and kernel version, export format, features\n"
"(and what this kernel lacks), the global IPv4 figures and the load-time\n"
"calibration spread, entry tracking (entries, overflow, bytes, the\n"
"tracking maximum max_tracked), allocation stacks (enabled, sampling,\n"
"failures), entries of no namespace (unattributed) per family, and the\n"
"probes with their hits and misses.\n"
"\n"
"Options:\n"
"  -J, --json     the same as one JSON object (tools/README.md)\n"
"A report, not one table: -o, -n, -r and --list-columns do not apply.\n"
HELP_VIEW_SOURCE;

static const char help_objects[] =
"Usage: dstleak objects [-J|--json] [-o COLS] [-n] [-r] [FILTERS] [--reason R]\n"
"                       [--source DIR]\n"
"\n"
"Every dst entry the module tracks and that is still live (the debugfs\n"
"objects file), one row each, oldest first within a namespace:\n"
"  OBJECT    the module's identity of the entry (a hashed pointer)\n"
"  NETNS, INUM, FAMILY\n"
"  AGE       since its allocation\n"
"  REFCNT    its reference count now\n"
"  OBSOLETE  the kernel's dst obsolete state (2: dead)\n"
"  DEVICE    name at allocation (the current one while registered),\n"
"            IFINDEX, DEVSTATE up|down|unregistering|gone|moved|-\n"
"  REASON    what makes it a leak suspect once older than the module's\n"
"            suspect_age_s (dstleak suspects --help), \"-\" for none\n"
"  STACK     the id of its allocation stack, \"-\" without one\n"
"Entries the module does not track (max_tracked reached, track=0) are\n"
"not listed: show's untracked counts them.\n"
"\n"
"Options:\n"
"  -J, --json     {\"format\":1,\"objects\":[{...}]}\n"
TBL_HELP
"  --reason R     only entries with reason R (dead, pins_device,\n"
"                 device_gone, netns_exited); a list\n"
"  --sort age     oldest first over all namespaces (other keys order the\n"
"                 namespaces)\n"
"  --top N        only the first N entries\n"
DL_HELP_FILTERS
HELP_VIEW_SOURCE
"\n"
"Needs debugfs (/sys/kernel/debug/dstleak/objects).\n";

#endif
