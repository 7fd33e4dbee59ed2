// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * filter.c - the options every view shares (filter.h): which namespaces,
 * families and reasons, in which order, how many, with or without names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"

void dl_filter_init(struct dl_filter *f, unsigned int allowed)
{
	memset(f, 0, sizeof(*f));
	f->allowed = allowed;
}

void dl_filter_free(struct dl_filter *f)
{
	size_t i;

	for (i = 0; i < f->nns; i++)
		free(f->ns[i].name);
	free(f->ns);
	memset(f, 0, sizeof(*f));
}

static void refuse(const struct dl_filter *f, unsigned int bit, const char *opt)
{
	if (!(f->allowed & bit))
		usage_error("unknown option '%s'", opt);
}

/* Each item of a comma-separated list, as a name index of names[0..n). */
static unsigned int parse_set(const char *opt, const char *arg,
			      const char *const *names, int n)
{
	unsigned int set = 0;
	const char *p = arg;

	for (;;) {
		size_t len = strcspn(p, ",");
		int i;

		for (i = 0; i < n; i++)
			if (strlen(names[i]) == len && !memcmp(names[i], p, len))
				break;
		if (i == n || !len)
			usage_error("%s: '%.*s' is not one of %s%s%s%s%s%s%s%s%s", opt,
				    (int)len, p, names[0], n > 1 ? ", " : "",
				    n > 1 ? names[1] : "", n > 2 ? ", " : "",
				    n > 2 ? names[2] : "", n > 3 ? ", " : "",
				    n > 3 ? names[3] : "", n > 4 ? ", " : "",
				    n > 4 ? names[4] : "");
		set |= 1u << i;
		if (!p[len])
			return set;
		p += len + 1;
	}
}

static void add_netns(struct dl_filter *f, const char *arg)
{
	const char *p = arg;

	for (;;) {
		size_t len = strcspn(p, ",");
		struct dl_nssel *sel;

		if (!len)
			usage_error("--netns: empty name in '%s'", arg);
		f->ns = dl_xrealloc(f->ns, f->nns + 1, sizeof(*f->ns));
		sel = &f->ns[f->nns++];
		memset(sel, 0, sizeof(*sel));
		if (!dl_parse_u64(p, len, &sel->num))
			sel->is_num = true;
		else
			sel->name = dl_xstrndup(p, len);
		if (!p[len])
			return;
		p += len + 1;
	}
}

static const char *const sort_names[] = { "live", "drift", "headroom", "allocs", "age" };

bool dl_filter_opt(struct dl_filter *f, int c, const char *arg)
{
	unsigned int k;

	switch (c) {
	case DL_OPT_NETNS:
		refuse(f, DL_FILTER_NETNS, "--netns");
		add_netns(f, arg);
		return true;
	case DL_OPT_FAMILY:
		refuse(f, DL_FILTER_FAMILY, "--family");
		f->families |= parse_set("--family", arg, dl_family_names,
					 DSTLEAK_NR_FAMILIES);
		return true;
	case DL_OPT_REASON:
		refuse(f, DL_FILTER_REASON, "--reason");
		f->reasons |= parse_set("--reason", arg, dl_reason_names, DL_NR_REASONS);
		return true;
	case DL_OPT_SORT:
		refuse(f, DL_FILTER_SORT, "--sort");
		k = parse_set("--sort", arg, sort_names,
			      f->allowed & DL_FILTER_AGE ? 5 : 4);
		if (k & (k - 1))
			usage_error("--sort: one key, not '%s'", arg);
		f->sort = (enum dl_sort)(__builtin_ctz(k) + 1);
		return true;
	case DL_OPT_TOP:
		refuse(f, DL_FILTER_TOP, "--top");
		f->top = parse_count("--top", arg);
		if (!f->top)
			usage_error("--top: N must be at least 1");
		f->has_top = true;
		return true;
	case DL_OPT_NUMERIC:
		refuse(f, DL_FILTER_NUMERIC, "--numeric");
		f->numeric = true;
		return true;
	}
	return false;
}

void dl_filter_done(const struct dl_filter *f)
{
	size_t i;

	for (i = 0; i < f->nns; i++)
		if (f->numeric && !f->ns[i].is_num)
			usage_error("--netns %s: a name needs name lookup, "
				    "which --numeric turns off", f->ns[i].name);
}

struct dl_names *dl_filter_names(const struct dl_filter *f)
{
	return f->numeric ? NULL : dl_names_load();
}

bool dl_filter_family(const struct dl_filter *f, int family)
{
	return !f->families || (f->families & (1u << family));
}

bool dl_filter_reason(const struct dl_filter *f, int reason)
{
	return !f->reasons || (reason >= 0 && (f->reasons & (1u << reason)));
}

bool dl_filter_nsid(const struct dl_filter *f, const struct dl_summary *s,
		    const struct dl_names *names, const struct dl_nsid *id)
{
	const struct dl_ns *ns = NULL;
	bool looked = false;
	size_t i;

	if (!f->nns)
		return true;
	for (i = 0; i < f->nns; i++) {
		const struct dl_nssel *sel = &f->ns[i];
		const char *nm, *nn;

		if (sel->is_num) {
			if (sel->num == id->inum ||
			    (id->has_cookie && sel->num == id->cookie))
				return true;
			continue;
		}
		if (!looked) {
			ns = s ? dl_find_ns(s, id) : NULL;
			looked = true;
		}
		/* An exited namespace has no name: its inode may be reused. */
		if (!ns || ns->exited)
			continue;
		nm = dl_ns_name(names, ns);
		nn = dl_names_netns(names, id->inum);
		if ((nm && !strcmp(nm, sel->name)) || (nn && !strcmp(nn, sel->name)))
			return true;
	}
	return false;
}

/* The key of a namespace under the sort, higher first. */
static double sort_key(const struct dl_filter *f, const struct dl_ns *ns)
{
	double key = f->sort == DL_SORT_HEADROOM ? -INFINITY : 0;
	bool any = false;
	int fam;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		const struct dl_fam *fa = &ns->fam[fam];
		double pct;

		if (!dl_filter_family(f, fam))
			continue;
		switch (f->sort) {
		case DL_SORT_LIVE:
			if (!fa->f[DL_F_live].null)
				key += dl_num_d(&fa->f[DL_F_live]);
			break;
		case DL_SORT_ALLOCS:
			if (!fa->f[DL_F_allocs].null)
				key += dl_num_d(&fa->f[DL_F_allocs]);
			break;
		case DL_SORT_DRIFT:
			if (!fa->f[DL_F_drift].null &&
			    (double)dl_num_abs(&fa->f[DL_F_drift]) > key)
				key = (double)dl_num_abs(&fa->f[DL_F_drift]);
			break;
		case DL_SORT_HEADROOM:
			/* Least headroom first; no limit at all last. */
			if (dl_headroom(fa, &pct, NULL, NULL) && (!any || -pct > key)) {
				key = -pct;
				any = true;
			}
			break;
		default:
			break;
		}
	}
	return key;
}

struct keyed {
	double key;
	size_t idx;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

size_t *dl_filter_order(const struct dl_filter *f, const struct dl_summary *s,
			const struct dl_names *names, size_t *n)
{
	struct keyed *k = dl_xrealloc(NULL, s->nns ? s->nns : 1, sizeof(*k));
	size_t *out, i, m = 0;

	for (i = 0; i < s->nns; i++) {
		if (!dl_filter_nsid(f, s, names, &s->ns[i].id))
			continue;
		k[m].key = f->sort == DL_SORT_NONE || f->sort == DL_SORT_AGE ?
			   0 : sort_key(f, &s->ns[i]);
		k[m++].idx = i;
	}
	qsort(k, m, sizeof(*k), cmp_keyed);
	if (f->has_top && f->top < m && f->sort != DL_SORT_AGE)
		m = (size_t)f->top;
	out = dl_xrealloc(NULL, m ? m : 1, sizeof(*out));
	for (i = 0; i < m; i++)
		out[i] = k[i].idx;
	free(k);
	*n = m;
	return out;
}

struct dl_rank {
	struct dl_map map; /* nsid key -> position */
	bool all; /* no --netns, no order: every namespace, position 0 */
};

struct dl_rank *dl_rank_new(const struct dl_filter *f, const struct dl_summary *s,
			    const struct dl_names *names)
{
	struct dl_rank *r = dl_xrealloc(NULL, 1, sizeof(*r));
	size_t *ord, n, i;

	dl_map_init(&r->map);
	r->all = !f->nns && (f->sort == DL_SORT_NONE || f->sort == DL_SORT_AGE);
	if (r->all)
		return r;
	/* --top counts the rows of the view, not namespaces, here. */
	{
		struct dl_filter g = *f;

		g.has_top = false;
		ord = dl_filter_order(&g, s, names, &n);
	}
	for (i = 0; i < n; i++) {
		bool added;

		dl_map_put(&r->map, dl_nsid_key(&s->ns[ord[i]].id), i, &added);
	}
	free(ord);
	return r;
}

struct dl_rank *dl_rank_order(const struct dl_summary *s, const size_t *ord, size_t n)
{
	struct dl_rank *r = dl_xrealloc(NULL, 1, sizeof(*r));
	size_t i;

	dl_map_init(&r->map);
	r->all = false;
	for (i = 0; i < n; i++) {
		bool added;

		dl_map_put(&r->map, dl_nsid_key(&s->ns[ord[i]].id), i, &added);
	}
	return r;
}

size_t dl_rank_of(const struct dl_rank *r, const struct dl_nsid *id)
{
	const uint64_t *at;

	if (r->all)
		return 0;
	at = dl_map_get(&r->map, dl_nsid_key(id));
	return at ? (size_t)*at : SIZE_MAX;
}

void dl_rank_free(struct dl_rank *r)
{
	if (!r)
		return;
	dl_map_free(&r->map);
	free(r);
}

static void group_free(struct dl_group *g)
{
	size_t k;

	for (k = 0; k < g->nstack; k++)
		free(g->stack[k]);
	free(g->stack);
	free(g->device);
}

void dl_filter_suspects(const struct dl_filter *f, const struct dl_summary *s,
			const struct dl_names *names, struct dl_suspects *sp)
{
	size_t i, n = 0;

	for (i = 0; i < sp->ngroups; i++) {
		struct dl_group *g = &sp->groups[i];

		if (!dl_filter_family(f, g->family) || !dl_filter_reason(f, g->reason) ||
		    !dl_filter_nsid(f, s, names, &g->id) || (f->has_top && n >= f->top)) {
			group_free(g);
			continue;
		}
		sp->groups[n++] = *g;
	}
	sp->ngroups = n;
	n = 0;
	for (i = 0; i < sp->nold; i++) {
		const struct dl_old *o = &sp->old[i];

		if (f->reasons || !dl_filter_family(f, o->family) ||
		    !dl_filter_nsid(f, s, names, &o->id))
			continue;
		sp->old[n++] = *o;
	}
	sp->nold = n;
}
