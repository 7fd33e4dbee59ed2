/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * filter.h - the options every view of the reader shares: which
 * namespaces, families and reasons to show, in which order, how many, and
 * whether to look names up.
 *
 *   --netns NAME|INUM|COOKIE  (repeatable, or a comma-separated list)
 *   --family FAMILY[,FAMILY]  ipv4 ipv6 xfrm4 xfrm6 other
 *   --reason REASON[,REASON]  dead pins_device device_gone netns_exited
 *   --sort live|drift|headroom|allocs
 *   --top N
 *   --numeric                 no name lookup: NETNS shows "-"
 */
#ifndef DL_FILTER_H
#define DL_FILTER_H

#include <getopt.h>

#include "dl.h"

/* The options, for the help of every command that takes them. */
#define DL_HELP_FILTERS \
"  --netns NS     only namespace NS: its \"ip netns\" name, a process\n" \
"                 name as shown (comm[pid]), its inode or its cookie;\n" \
"                 repeat it or give a comma-separated list\n" \
"  --family F     only family F (ipv4, ipv6, xfrm4, xfrm6, other); a list\n" \
"  --sort KEY     namespaces in order of KEY, over the families shown:\n" \
"                 live (most first), drift (largest |drift| first),\n" \
"                 headroom (least first; none last), allocs (most first)\n" \
"  --top N        only the first N namespaces\n" \
"  --numeric      no name lookup: NETNS is \"-\", --netns takes numbers\n"

enum dl_sort { DL_SORT_NONE, DL_SORT_LIVE, DL_SORT_DRIFT, DL_SORT_HEADROOM,
	       DL_SORT_ALLOCS, DL_SORT_AGE };

/* Option codes, above any character getopt returns. */
enum {
	DL_OPT_NETNS = 0x1000,
	DL_OPT_FAMILY,
	DL_OPT_REASON,
	DL_OPT_SORT,
	DL_OPT_TOP,
	DL_OPT_NUMERIC,
};

#define DL_FILTER_LONGS \
	{ "netns", required_argument, NULL, DL_OPT_NETNS }, \
	{ "family", required_argument, NULL, DL_OPT_FAMILY }, \
	{ "reason", required_argument, NULL, DL_OPT_REASON }, \
	{ "sort", required_argument, NULL, DL_OPT_SORT }, \
	{ "top", required_argument, NULL, DL_OPT_TOP }, \
	{ "numeric", no_argument, NULL, DL_OPT_NUMERIC }

/* A --netns value: a number (inode or cookie) or a name. */
struct dl_nssel {
	char *name;
	uint64_t num;
	bool is_num;
};

struct dl_filter {
	struct dl_nssel *ns;
	size_t nns;
	unsigned int families; /* bit per family; 0: all */
	unsigned int reasons; /* bit per reason; 0: all */
	enum dl_sort sort;
	uint64_t top; /* 0: all */
	bool has_top;
	bool numeric;
	unsigned int allowed; /* the DL_FILTER_* this command takes */
};

/* Which options a command takes. */
#define DL_FILTER_NETNS (1u << 0)
#define DL_FILTER_FAMILY (1u << 1)
#define DL_FILTER_REASON (1u << 2)
#define DL_FILTER_SORT (1u << 3)
#define DL_FILTER_TOP (1u << 4)
#define DL_FILTER_NUMERIC (1u << 5)
#define DL_FILTER_AGE (1u << 6) /* --sort age too */
#define DL_FILTER_ALL 0x3fu

void dl_filter_init(struct dl_filter *f, unsigned int allowed);
void dl_filter_free(struct dl_filter *f);
/*
 * An option of getopt_long (c, optarg): true when it was a filter option
 * (taken, or refused with a usage error), false when it is someone else's.
 */
bool dl_filter_opt(struct dl_filter *f, int c, const char *arg);
/* After the options: --netns NAME with --numeric is refused. */
void dl_filter_done(const struct dl_filter *f);
/* The names to print: NULL (none looked up) with --numeric. */
struct dl_names *dl_filter_names(const struct dl_filter *f);

bool dl_filter_family(const struct dl_filter *f, int family);
bool dl_filter_reason(const struct dl_filter *f, int reason);
/* Does the namespace id (of summary s, NULL when unknown) match --netns? */
bool dl_filter_nsid(const struct dl_filter *f, const struct dl_summary *s,
		    const struct dl_names *names, const struct dl_nsid *id);
/*
 * The namespaces of s to show, as indices into s->ns: those --netns
 * selects, ordered by --sort (over the families --family selects), the
 * first --top. Free the result; *n its length.
 */
size_t *dl_filter_order(const struct dl_filter *f, const struct dl_summary *s,
			const struct dl_names *names, size_t *n);
/*
 * The rank of the namespace id under --sort (0 for all without one): rows
 * of other views (xfrm, routes, objects) take their namespace's place.
 */
struct dl_rank;
struct dl_rank *dl_rank_new(const struct dl_filter *f, const struct dl_summary *s,
			    const struct dl_names *names);
/* The rank of the namespaces of an order (dl_filter_order()), as shown. */
struct dl_rank *dl_rank_order(const struct dl_summary *s, const size_t *ord, size_t n);
/* Position of id in the order; SIZE_MAX when not selected (or past --top). */
size_t dl_rank_of(const struct dl_rank *r, const struct dl_nsid *id);
void dl_rank_free(struct dl_rank *r);

/*
 * Keep the suspect groups and old entries of sp that the filter selects
 * (--netns, --family, --reason: old entries have none, so none is kept),
 * the first --top groups.
 */
void dl_filter_suspects(const struct dl_filter *f, const struct dl_summary *s,
			const struct dl_names *names, struct dl_suspects *sp);

#endif
