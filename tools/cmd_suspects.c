// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_suspects.c - dstleak suspects: leak-suspect groups with their stacks.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "columns.h"
#include "dl.h"
#include "help.h"
#include "table.h"
#include "views.h"

static const char *const old_hdr[] = { "NETNS", "INUM", "FAMILY", "COUNT",
	"OLDEST" };

/* The name of the namespace of a suspect line, NULL when it has none. */
static const char *sus_name(const struct dl_names *names,
			    const struct dl_summary *s, const struct dl_nsid *id)
{
	const struct dl_ns *ns = dl_find_ns(s, id);

	return ns ? dl_ns_name(names, ns) : NULL;
}

static void suspects_json(const struct dl_suspects *sp, const struct dl_summary *s,
			  const struct dl_names *names)
{
	struct jw w;
	size_t i, k;

	json_doc_head(&w, stdout);
	jw_key(&w, "groups");
	jw_arr(&w);
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];

		jw_obj(&w);
		jw_key(&w, "inum");
		jw_u64(&w, g->id.inum);
		json_cookie(&w, &g->id);
		jw_key(&w, "name");
		jw_str(&w, sus_name(names, s, &g->id));
		jw_key(&w, "family");
		jw_str(&w, dl_family_names[g->family]);
		jw_key(&w, "reason");
		jw_str(&w, dl_reason_names[g->reason]);
		jw_key(&w, "device");
		jw_str(&w, g->device);
		jw_key(&w, "count");
		jw_u64(&w, g->count);
		jw_key(&w, "oldest_s");
		jw_ms_as_s(&w, g->oldest_ms);
		jw_key(&w, "median_s");
		jw_ms_as_s(&w, g->median_ms);
		jw_key(&w, "stack");
		jw_arr(&w);
		for (k = 0; k < g->nstack; k++)
			jw_str(&w, g->stack[k]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "dropped");
	jw_u64(&w, sp->dropped);
	/* Long-lived entries that are no suspects. */
	jw_key(&w, "old");
	jw_arr(&w);
	for (i = 0; i < sp->nold; i++) {
		const struct dl_old *o = &sp->old[i];

		jw_obj(&w);
		jw_key(&w, "inum");
		jw_u64(&w, o->id.inum);
		json_cookie(&w, &o->id);
		jw_key(&w, "name");
		jw_str(&w, sus_name(names, s, &o->id));
		jw_key(&w, "family");
		jw_str(&w, dl_family_names[o->family]);
		jw_key(&w, "count");
		jw_u64(&w, o->count);
		jw_key(&w, "oldest_s");
		jw_ms_as_s(&w, o->oldest_ms);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void suspects_groups(const struct dl_suspects *sp, const struct dl_summary *s,
			    const struct dl_names *names)
{
	struct tbl t;
	size_t i, k;

	tbl_init_main(&t, &cols_suspects);
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		const char *nm = sus_name(names, s, &g->id);
		char inum[24], cnt[24], o[32], m[32];

		snprintf(inum, sizeof(inum), "%" PRIu64, g->id.inum);
		snprintf(cnt, sizeof(cnt), "%" PRIu64, g->count);
		dl_fmt_ms(o, sizeof(o), g->oldest_ms);
		dl_fmt_ms(m, sizeof(m), g->median_ms);
		tbl_row(&t, nm ? nm : "-", inum, dl_family_names[g->family],
			dl_reason_names[g->reason], g->device ? g->device : "-",
			cnt, o, m);
		for (k = 0; k < g->nstack; k++) {
			size_t n = strlen(g->stack[k]) + 5;
			char *line = dl_xrealloc(NULL, n, 1);

			snprintf(line, n, "    %s", g->stack[k]);
			tbl_raw(&t, line);
			free(line);
		}
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

static void suspects_old(const struct dl_suspects *sp, const struct dl_summary *s,
			 const struct dl_names *names)
{
	struct tbl t;
	size_t i;

	printf("\nold entries (long-lived, not suspects):\n");
	tbl_init(&t, 5, old_hdr, "lllrr");
	for (i = 0; i < sp->nold; i++) {
		const struct dl_old *o = &sp->old[i];
		const char *nm = sus_name(names, s, &o->id);
		char inum[24], cnt[24], age[32];

		snprintf(inum, sizeof(inum), "%" PRIu64, o->id.inum);
		snprintf(cnt, sizeof(cnt), "%" PRIu64, o->count);
		dl_fmt_ms(age, sizeof(age), o->oldest_ms);
		tbl_row(&t, nm ? nm : "-", inum, dl_family_names[o->family], cnt, age);
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

int cmd_suspects(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "json", no_argument, NULL, 'j' },
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct dl_filter flt;
	struct source src;
	bool json = false;
	char msg[PATH_MAX + 128];
	int c;

	dl_filter_init(&flt, DL_FILTER_ALL & ~DL_FILTER_SORT);
	while ((c = next_opt(argc, argv, ":hJo:nr", longs, help_suspects)) != -1)
		if (!dl_filter_opt(&flt, c, optarg) && !tbl_opt(c, optarg) && c == 'j')
			json = true;
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&flt);
	tbl_out.json = json;
	tbl_out_done(&cols_suspects);
	/* The summary: is the module there, which source, which namespaces. */
	load_summary(&src, &s, NULL, NULL);
	if (load_suspects(&src, &sp, msg, sizeof(msg)))
		die(DL_EXIT_NOSOURCE, "%s", msg);
	names = dl_filter_names(&flt);
	dl_filter_suspects(&flt, &s, names, &sp);
	dl_filter_free(&flt);
	if (json && !tbl_rows_json()) {
		suspects_json(&sp, &s, names);
	} else if (json || tbl_only()) {
		suspects_groups(&sp, &s, names); /* the groups alone */
	} else {
		if (sp.ngroups)
			suspects_groups(&sp, &s, names);
		if (sp.dropped)
			printf("%" PRIu64 " more suspect entries past the module's group "
			       "limit (not grouped)\n", sp.dropped);
		if (!sp.ngroups && !sp.dropped)
			printf("no leak suspects\n");
		if (sp.nold)
			suspects_old(&sp, &s, names);
	}
	dl_names_free(names);
	dl_suspects_free(&sp);
	dl_summary_free(&s);
	return finish_output(0);
}
