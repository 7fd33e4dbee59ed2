/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * extra.h - what the module exports beyond the figures of dl_summary: the
 * full "xfrm", "route", "icmp" and "stacks" lines of the summary, and the
 * objects file (one line per tracked entry). Grammar: dstleak_format.h.
 */
#ifndef DL_EXTRA_H
#define DL_EXTRA_H

#include "dl.h"

/* "xfrm ns INUM cookie COOKIE ...": IPsec lookups and bundles. */
#define DL_XFRM_FIELDS(X) \
	X(lookups) X(lookup_errors) X(bundles) X(bundle_errors) \
	X(kernel_out_bundle_gen_error) X(kernel_out_bundle_check_error) \
	X(kernel_out_no_states) X(kernel_out_pol_error)
/* "route ns INUM cookie COOKIE ...": PMTU and redirect exceptions. */
#define DL_ROUTE_FIELDS(X) \
	X(pmtu4) X(redirect4) X(pmtu6) X(redirect6) X(exceptions6) X(cached6)

#define DL_X_ENUM(n) DL_XF_##n,
enum { DL_XFRM_FIELDS(DL_X_ENUM) DL_NR_XFRM };
#undef DL_X_ENUM
#define DL_R_ENUM(n) DL_RF_##n,
enum { DL_ROUTE_FIELDS(DL_R_ENUM) DL_NR_ROUTE };
#undef DL_R_ENUM

extern const char *const dl_xfrm_names[DL_NR_XFRM];
extern const char *const dl_route_names[DL_NR_ROUTE];

/* The figures of an "xfrm" or a "route" line (xfrm has more). */
struct dl_line {
	bool seen;
	struct dl_num v[DL_NR_XFRM];
};
_Static_assert((int)DL_NR_ROUTE <= (int)DL_NR_XFRM, "dl_line too small for route");

/* "icmp ns INUM cookie COOKIE family ipv4|ipv6 type N|- code N|- count N" */
struct dl_icmp {
	size_t ns; /* index in the summary's ns */
	int family;
	struct dl_num type, code;
	uint64_t count;
};

struct dl_extra {
	struct dl_line *xfrm; /* per namespace of the summary, by index */
	struct dl_line *route;
	struct dl_icmp *icmp; /* in file order */
	size_t nicmp;
	/* "stacks enabled 0|1 sample N failures N" */
	bool stacks_seen;
	uint64_t stacks_enabled;
	struct dl_num stacks_sample, stacks_failures;
};

/*
 * The extra lines of a summary that dl_parse_summary() read into s (same
 * buffer): 0, or -1 with "path:line: why" in err.
 */
int dl_parse_extra(const char *buf, size_t len, const char *path,
		   const struct dl_summary *s, struct dl_extra *out,
		   struct dl_err *err);
void dl_extra_free(struct dl_extra *x);

/* One line of the objects file. */
struct dl_obj {
	char *ident; /* the module's hashed address: an identity, not an address */
	struct dl_nsid id;
	int family;
	uint64_t age_ms;
	int64_t refcnt, obsolete, ifindex;
	char *device; /* NULL for "-" */
	char *devstate; /* up, down, unregistering, gone, moved, "-" */
	bool exited;
	struct dl_num stack;
	unsigned int line;
};

struct dl_objects {
	unsigned int format;
	struct dl_obj *v;
	size_t n;
};

int dl_parse_objects(const char *buf, size_t len, const char *path,
		     struct dl_objects *out, struct dl_err *err);
void dl_objects_free(struct dl_objects *o);
/*
 * The suspect reason the module would give the entry once older than
 * suspect_age_s (module/inspect.c classify()), or -1: none (a healthy
 * cached route, or released: refcnt 0).
 */
int dl_obj_reason(const struct dl_obj *o);

#endif
