// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_show.c - dstleak show: the counters of every namespace, a table or
 * the JSON contract v1.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "columns.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "table.h"
#include "views.h"

static void json_globals(struct jw *w, const struct dl_summary *s)
{
	int f;

	jw_key(w, "global");
	jw_obj(w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		jw_key(w, dl_family_names[f]);
		jw_obj(w);
		jw_kn(w, "kernel", &s->global[f].kernel);
		jw_kn(w, "expected", &s->global[f].expected);
		jw_kn(w, "drift", &s->global[f].drift);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void json_ns(struct jw *w, const struct dl_ns *ns, const struct dl_names *names,
		    const struct dl_filter *flt)
{
	int f, k;

	jw_obj(w);
	json_ns_head(w, ns, names);
	jw_key(w, "families");
	jw_obj(w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!dl_filter_family(flt, f))
			continue;
		jw_key(w, dl_family_names[f]);
		jw_obj(w);
		for (k = 0; k < DL_NR_FIELDS; k++)
			if (k != DL_F_cookie)
				jw_kn(w, dl_field_names[k], &ns->fam[f].f[k]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

/* "features": what the kernel lets dstleak do; null from an older module. */
static void json_features(struct jw *w, const struct dl_summary *s)
{
	const struct dl_features *f = &s->features;

	jw_key(w, "features");
	if (!f->seen) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "stacks");
	jw_u64(w, f->stacks);
	jw_key(w, "ftrace_permanent");
	jw_u64(w, f->ftrace_permanent);
	jw_key(w, "netns_cookie");
	jw_str(w, f->cookie_dstleak ? "dstleak" : "kernel");
	jw_key(w, "limits_enforceable");
	jw_u64(w, f->limits_enforceable);
	jw_key(w, "metadata_frees");
	if (f->metadata_frees == DL_MD_UNSAID)
		jw_null(w);
	else
		jw_str(w, dl_md_frees_name(f->metadata_frees));
	jw_obj_end(w);
}

static void show_json(const struct dl_summary *s, const struct dl_names *names,
		      const struct dl_filter *flt, const size_t *ord, size_t n)
{
	struct jw w;
	size_t i;

	json_doc_head(&w, stdout);
	json_module(&w, s);
	jw_key(&w, "settled");
	if (s->settled < 0)
		jw_null(&w);
	else
		jw_u64(&w, (uint64_t)s->settled);
	json_globals(&w, s);
	json_probes(&w, s);
	json_tracking(&w, s);
	json_unattributed(&w, s);
	json_features(&w, s);
	jw_kn(&w, "calibration_spread", &s->calib_spread);
	jw_key(&w, "namespaces");
	jw_arr(&w);
	for (i = 0; i < n; i++)
		json_ns(&w, &s->ns[ord[i]], names, flt);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void show_tracking(const struct dl_tracking *t)
{
	char a[32], b[32], c[32], d[32], e[32];

	dl_fmt_num(a, sizeof(a), &t->tracked);
	dl_fmt_num(b, sizeof(b), &t->overflow);
	dl_fmt_num(c, sizeof(c), &t->bytes);
	dl_fmt_num(d, sizeof(d), &t->max);
	dl_fmt_num(e, sizeof(e), &t->entry_bytes);
	printf("tracking: %s entries, %s not tracked (overflow), %s bytes "
	       "(max %s, %s bytes each)", a, b, c, d, e);
	if (!t->steal_misses.null || !t->irqoff_max_ns.null) {
		dl_fmt_num(a, sizeof(a), &t->steal_misses);
		dl_fmt_num(b, sizeof(b), &t->irqoff_max_ns);
		printf(", %s steal misses, interrupts off at most %s ns", a, b);
	}
	putchar('\n');
}

/* Families with entries of no namespace dstleak has state for. */
static void show_unattributed(const struct dl_summary *s)
{
	char a[32], b[32], c[32];
	bool any = false;
	int f;

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_unattr *u = &s->unattr[f];

		if (!u->seen || (!u->allocs.u && !u->frees.u && !u->orphaned.u))
			continue;
		dl_fmt_num(a, sizeof(a), &u->allocs);
		dl_fmt_num(b, sizeof(b), &u->frees);
		dl_fmt_num(c, sizeof(c), &u->orphaned);
		printf("%s%s allocs %s frees %s orphaned %s",
		       any ? ", " : "unattributed (no namespace): ",
		       dl_family_names[f], a, b, c);
		any = true;
	}
	if (any)
		putchar('\n');
}

static void show_probes(const struct dl_summary *s)
{
	char a[32], b[32];
	size_t i;

	for (i = 0; i < s->nprobes; i++) {
		const struct dl_probe *p = &s->probes[i];

		dl_fmt_num(a, sizeof(a), &p->hits);
		dl_fmt_num(b, sizeof(b), &p->missed);
		printf("%s%s%s%s%s %s hits %s missed%s", i ? ", " : "probes: ",
		       p->symbol, p->hook ? " (" : "", p->hook ? p->hook : "",
		       p->hook ? ")" : "", a, b,
		       !p->missed.null && p->missed.u ? " (!)" : "");
	}
	if (s->nprobes)
		putchar('\n');
}

/*
 * "features", and what is missing on this kernel. limits_enforceable 0 is
 * not dstleak's loss: the HEADROOM marks say it.
 */
static void show_features(const struct dl_features *f)
{
	const char *sep = "degraded: ";

	if (!f->seen)
		return;
	dl_print_features(f);
	if (!f->stacks) {
		printf("%sno allocation stacks", sep);
		sep = "; ";
	}
	if (!f->ftrace_permanent) {
		printf("%sftrace hook can be switched off by sysctl", sep);
		sep = "; ";
	}
	if (f->cookie_dstleak) {
		printf("%snetns cookies numbered by dstleak", sep);
		sep = "; ";
	}
	if (f->metadata_frees == DL_MD_RECORDS) {
		printf("%sdirect frees of untracked metadata dsts not counted", sep);
		sep = "; ";
	}
	if (f->metadata_frees == DL_MD_OFF) {
		printf("%smetadata dsts not counted", sep);
		sep = "; ";
	}
	if (sep[0] == ';')
		putchar('\n');
}

/* "calibration spread N": how far off the global drift may be since load. */
static void show_calibration(const struct dl_num *spread)
{
	if (spread->null)
		return;
	if (!spread->u)
		printf("calibration spread 0: exact at load\n");
	else
		printf("calibration spread %" PRIu64 ": the global ipv4 drift may be "
		       "off by up to %" PRIu64 " since load\n", spread->u, spread->u);
}

static void show_preamble(const struct dl_summary *s, const char *path)
{
	char a[32], b[32], c[32], *p = dl_clean(path, strlen(path));
	int f;

	printf("module %s, format %u, kernel %s (%s)\n",
	       s->module ? s->module : "?", s->format,
	       s->kernel ? s->kernel : "?", p);
	free(p);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		dl_fmt_num(a, sizeof(a), &s->global[f].kernel);
		dl_fmt_num(b, sizeof(b), &s->global[f].expected);
		dl_fmt_num(c, sizeof(c), &s->global[f].drift);
		printf("global %s: kernel %s expected %s drift %s\n",
		       dl_family_names[f], a, b, c);
	}
	if (s->tracking.seen)
		show_tracking(&s->tracking);
	show_unattributed(s);
	show_probes(s);
	show_features(&s->features);
	show_calibration(&s->calib_spread);
	if (s->settled == 0)
		printf("not settled: frees of the last RCU grace period may show "
		       "as drift; only a drift that persists is real\n");
}

/* A family's row of show; true when its headroom is marked. */
static bool show_row(struct tbl *t, const char *const head[3], const struct dl_fam *fa,
		     int f)
{
	static const int col[6] = { DL_F_live, DL_F_allocs, DL_F_frees,
				    DL_F_failures, DL_F_kernel, DL_F_drift };
	char v[6][32], hr[32];
	bool mark = fmt_headroom(hr, sizeof(hr), fa);
	int k;

	for (k = 0; k < 6; k++)
		dl_fmt_num(v[k], sizeof(v[k]), &fa->f[col[k]]);
	tbl_row(t, head[0], head[1], head[2], dl_family_names[f], v[0], v[1],
		v[2], v[3], v[4], v[5], hr);
	return mark;
}

static void show_table(const struct dl_summary *s, const struct dl_names *names,
		       bool all, const struct dl_filter *flt, const size_t *ord, size_t n)
{
	bool marked = false;
	struct tbl t;
	size_t i;
	int f;

	tbl_init_main(&t, &cols_show);
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &s->ns[ord[i]];
		const char *head[3];
		char inum[24];

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->id.inum);
		head[0] = ns_name(names, ns);
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			if (!dl_filter_family(flt, f) || (!all && fam_idle(&ns->fam[f])))
				continue;
			marked |= show_row(&t, head, &ns->fam[f], f);
			head[0] = head[1] = head[2] = "";
		}
		if (head[1][0])
			tbl_row(&t, head[0], inum, head[2], "(idle)", "", "", "", "",
				"", "", "");
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
	headroom_legend(marked);
}

static const char *const xerr_hdr[] = { "NETNS", "INUM", "WHERE", "ERRNO",
	"COUNT", "KERNEL_OUT_BUNDLE_GEN_ERROR" };

/*
 * The IPsec errors ("xfrm_error" lines) of the namespaces that have any,
 * beside the kernel's XfrmOutBundleGenError of the namespace. Nothing when
 * there are none.
 */
static void show_xfrm_errors(const struct dl_summary *s, const struct dl_names *names,
			     const struct dl_rank *shown)
{
	const struct dl_nsid *last = NULL; /* of the last row printed */
	struct tbl t;
	size_t i;
	bool any = false;

	for (i = 0; i < s->nxerrs; i++)
		any |= s->xerrs[i].count != 0 && dl_rank_of(shown, &s->xerrs[i].id) != SIZE_MAX;
	if (!any)
		return;
	tbl_init(&t, 6, xerr_hdr, "llllrr");
	for (i = 0; i < s->nxerrs; i++) {
		const struct dl_xerr *e = &s->xerrs[i];
		const struct dl_ns *ns = dl_find_ns(s, &e->id);
		char inum[24], count[24], gen[32] = "";
		bool first;

		if (!e->count || dl_rank_of(shown, &e->id) == SIZE_MAX)
			continue;
		first = !last || dl_nsid_cmp(last, &e->id) != 0;
		last = &e->id;
		snprintf(inum, sizeof(inum), "%" PRIu64, e->id.inum);
		snprintf(count, sizeof(count), "%" PRIu64, e->count);
		if (first)
			dl_fmt_num(gen, sizeof(gen), ns ? &ns->xfrm_gen_error :
				   &(const struct dl_num){ .null = true });
		tbl_row(&t, first ? ns_name(names, ns) : "", first ? inum : "",
			e->bundle ? "bundle" : "lookup", e->errname, count, gen);
	}
	printf("\nIPsec errors:\n");
	tbl_print(&t, stdout);
	tbl_free(&t);
}

int cmd_show(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "long", no_argument, NULL, 'l' },
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, all = false, lng = false;
	struct dl_summary s;
	struct dl_names *names;
	struct dl_filter flt;
	struct dl_rank *shown;
	struct source src;
	size_t *ord, n;
	int c;

	dl_filter_init(&flt, DL_FILTER_ALL & ~DL_FILTER_REASON);
	while ((c = next_opt(argc, argv, ":halJo:nr", longs, help_show)) != -1) {
		if (dl_filter_opt(&flt, c, optarg) || tbl_opt(c, optarg))
			continue;
		if (c == 'j')
			json = true;
		else if (c == 'a')
			all = true;
		else if (c == 'l')
			lng = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&flt);
	tbl_out.json = json;
	tbl_out_done(lng ? &cols_long : &cols_show);
	load_summary(&src, &s, NULL, NULL);
	names = dl_filter_names(&flt);
	ord = dl_filter_order(&flt, &s, names, &n);
	if (json && !tbl_rows_json()) {
		show_json(&s, names, &flt, ord, n);
	} else if (json || tbl_only()) {
		/* -o, -n, -r: the table alone. */
		if (lng)
			show_long(&s, names, &flt, ord, n, all);
		else
			show_table(&s, names, all, &flt, ord, n);
	} else {
		show_preamble(&s, src.summary);
		putchar('\n');
		if (lng)
			show_long(&s, names, &flt, ord, n, all);
		else
			show_table(&s, names, all, &flt, ord, n);
		shown = dl_rank_order(&s, ord, n);
		show_xfrm_errors(&s, names, shown);
		dl_rank_free(shown);
		dl_history_show(stdout);
	}
	free(ord);
	dl_filter_free(&flt);
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(0);
}
