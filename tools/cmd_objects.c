// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_objects.c - "dstleak objects": every live dst entry the module
 * tracks (the debugfs objects file), one row each, with the filters of
 * filter.h and a reason (extra.h dl_obj_reason()).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "help_views.h"
#include "table.h"
#include "views.h"

/* The objects file of src; exits when there is none or it does not parse. */
static void load_objects(const struct source *src, struct dl_objects *o)
{
	char path[PATH_MAX], *raw;
	struct dl_err err;
	size_t len;
	int e;

	if (!src->dir[0])
		die(DL_EXIT_NOSOURCE, "no objects in %s (they are in debugfs only)",
		    src->summary);
	join(path, sizeof(path), src->dir, DSTLEAK_FILE_OBJECTS);
	if (dl_read_file(path, &raw, &len, &e))
		die(DL_EXIT_NOSOURCE, "%s: %s", path, dl_strerror(e));
	if (dl_parse_objects(raw, len, path, o, &err)) {
		free(raw);
		die(DL_EXIT_BADINPUT, "%s", err.msg);
	}
	free(raw);
}

struct orow {
	size_t rank, idx;
	uint64_t age;
};

static int by_rank(const void *a, const void *b)
{
	const struct orow *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->age != y->age)
		return x->age > y->age ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void obj_json(const struct dl_objects *o, const struct orow *rows, size_t n,
		     const struct dl_summary *s, const struct dl_names *names)
{
	struct jw w;
	size_t i;

	json_doc_head(&w, stdout);
	jw_key(&w, "objects");
	jw_arr(&w);
	for (i = 0; i < n; i++) {
		const struct dl_obj *e = &o->v[rows[i].idx];
		const struct dl_ns *ns = dl_find_ns(s, &e->id);
		int r = dl_obj_reason(e);

		jw_obj(&w);
		jw_key(&w, "object");
		jw_str(&w, e->ident);
		jw_key(&w, "inum");
		jw_u64(&w, e->id.inum);
		json_cookie(&w, &e->id);
		jw_key(&w, "name");
		jw_str(&w, ns ? dl_ns_name(names, ns) : NULL);
		jw_key(&w, "netns_state");
		jw_str(&w, e->exited ? "exited" : "alive");
		jw_key(&w, "family");
		jw_str(&w, dl_family_names[e->family]);
		jw_key(&w, "age_s");
		jw_ms_as_s(&w, e->age_ms);
		jw_kn(&w, "refcnt", &(struct dl_num){ .is_signed = true, .s = e->refcnt });
		jw_kn(&w, "obsolete", &(struct dl_num){ .is_signed = true, .s = e->obsolete });
		jw_key(&w, "device");
		jw_str(&w, e->device);
		jw_kn(&w, "ifindex", &(struct dl_num){ .is_signed = true, .s = e->ifindex });
		jw_key(&w, "devstate");
		jw_str(&w, strcmp(e->devstate, "-") ? e->devstate : NULL);
		jw_key(&w, "reason");
		jw_str(&w, r < 0 ? NULL : dl_reason_names[r]);
		jw_kn(&w, "stack", &e->stack);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void obj_table(const struct dl_objects *o, const struct orow *rows, size_t n,
		      const struct dl_summary *s, const struct dl_names *names)
{
	struct tbl t;
	size_t i;

	tbl_init_main(&t, &cols_objects);
	for (i = 0; i < n; i++) {
		const struct dl_obj *e = &o->v[rows[i].idx];
		const struct dl_ns *ns = dl_find_ns(s, &e->id);
		char inum[24], age[32], ref[24], obs[24], ifi[24], stk[32];
		int r = dl_obj_reason(e);

		snprintf(inum, sizeof(inum), "%" PRIu64, e->id.inum);
		dl_fmt_ms(age, sizeof(age), e->age_ms);
		snprintf(ref, sizeof(ref), "%" PRId64, e->refcnt);
		snprintf(obs, sizeof(obs), "%" PRId64, e->obsolete);
		snprintf(ifi, sizeof(ifi), "%" PRId64, e->ifindex);
		dl_fmt_num(stk, sizeof(stk), &e->stack);
		tbl_row(&t, e->ident, ns ? ns_name(names, ns) : "-", inum,
			dl_family_names[e->family], age, ref, obs,
			e->device ? e->device : "-", ifi, e->devstate,
			r < 0 ? "-" : dl_reason_names[r], stk);
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

int cmd_objects(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct dl_objects o;
	struct dl_filter f;
	struct dl_summary s;
	struct dl_names *names;
	struct dl_rank *rank;
	struct source src;
	struct orow *rows;
	bool json = false;
	size_t i, n = 0;
	int c;

	dl_filter_init(&f, DL_FILTER_ALL | DL_FILTER_AGE);
	while ((c = next_opt(argc, argv, ":hJo:nr", longs, help_objects)) != -1) {
		if (dl_filter_opt(&f, c, optarg) || tbl_opt(c, optarg))
			continue;
		if (c == 'j')
			json = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&f);
	tbl_out.json = json;
	tbl_out_done(&cols_objects);
	/* The summary: is the module there, which source, which namespaces. */
	load_summary(&src, &s, NULL, NULL);
	load_objects(&src, &o);
	names = dl_filter_names(&f);
	rank = dl_rank_new(&f, &s, names);
	rows = dl_xrealloc(NULL, o.n ? o.n : 1, sizeof(*rows));
	for (i = 0; i < o.n; i++) {
		const struct dl_obj *e = &o.v[i];
		size_t r;

		if (!dl_filter_family(&f, e->family) ||
		    (f.reasons && !dl_filter_reason(&f, dl_obj_reason(e))))
			continue;
		/* An entry of a namespace the summary no longer lists. */
		if (f.nns && !dl_find_ns(&s, &e->id) &&
		    !dl_filter_nsid(&f, NULL, names, &e->id))
			continue;
		r = dl_find_ns(&s, &e->id) ? dl_rank_of(rank, &e->id) :
		    f.nns ? 0 : SIZE_MAX - 1;
		if (r == SIZE_MAX)
			continue;
		/* --sort age: the oldest first, whatever their namespace. */
		rows[n].rank = f.sort == DL_SORT_AGE ? 0 : r;
		rows[n].idx = i;
		rows[n].age = e->age_ms;
		n++;
	}
	/* Without --sort: namespaces in the summary's order, oldest first. */
	if (f.sort == DL_SORT_NONE)
		for (i = 0; i < n; i++) {
			const struct dl_ns *ns = dl_find_ns(&s, &o.v[rows[i].idx].id);

			rows[i].rank = ns ? (size_t)(ns - s.ns) : SIZE_MAX - 1;
		}
	qsort(rows, n, sizeof(*rows), by_rank);
	if (f.has_top && f.top < n)
		n = (size_t)f.top;
	if (json && !tbl_rows_json())
		obj_json(&o, rows, n, &s, names);
	else if (n || json || tbl_only())
		obj_table(&o, rows, n, &s, names);
	else
		printf("no tracked entries%s\n", o.n ? " match" : "");
	free(rows);
	dl_rank_free(rank);
	dl_names_free(names);
	dl_objects_free(&o);
	dl_summary_free(&s);
	dl_filter_free(&f);
	return finish_output(0);
}
