// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_views.c - views of what the module knows beyond show's figures:
 * "xfrm" (IPsec per namespace, with the kernel's XfrmOutBundleGenError),
 * "routes" (route exceptions), "icmp", "status" (the module itself), and
 * show's long table. Tables come from table.c, one row description each;
 * JSON from the writer of util.c, contract version DL_JSON_VERSION.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "help_views.h"
#include "table.h"
#include "views.h"

void view_load(struct view *v)
{
	struct dl_err err;
	char *raw;
	size_t len;

	load_summary(&v->src, &v->s, &raw, &len);
	if (dl_parse_extra(raw, len, v->src.summary, &v->s, &v->x, &err)) {
		free(raw);
		die(DL_EXIT_BADINPUT, "%s", err.msg);
	}
	free(raw);
	v->names = dl_filter_names(&v->f);
}

void view_free(struct view *v)
{
	dl_names_free(v->names);
	dl_extra_free(&v->x);
	dl_summary_free(&v->s);
	dl_filter_free(&v->f);
}

/*
 * The options of a view: filters, -J/--json, -a when all_ok, the table
 * options of table.h for the main table d (none when d is NULL).
 */
static void view_options(struct view *v, int argc, char **argv, const char *help,
			 unsigned int filters, bool all_ok, const struct tbl_desc *d)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(v, 0, sizeof(*v));
	dl_filter_init(&v->f, filters);
	while ((c = next_opt(argc, argv, all_ok ? ":hJao:nr" : ":hJo:nr", longs, help)) != -1) {
		if (dl_filter_opt(&v->f, c, optarg))
			continue;
		if (c == 'j')
			v->json = true;
		else if (c == 'a' && all_ok)
			v->all = true;
		else if (d && tbl_opt(c, optarg))
			continue;
		else if (c == 'o' || c == 'n' || c == 'r' || c >= TBL_OPT_LIST)
			usage_error("'%s': %s prints a report, not one table "
				    "(--json has every figure)", argv[optind - 1], argv[0]);
		else
			usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&v->f);
	tbl_out.json = v->json;
	if (d)
		tbl_out_done(d);
}

/* The command's own JSON document (not -o's rows). */
static bool view_json(const struct view *v)
{
	return v->json && !tbl_rows_json();
}

/* "No such rows" said in words: not with -o, -n, -r or the rows JSON. */
static bool view_words(const struct view *v)
{
	return !v->json && !tbl_only();
}

static void fmt_u64(char *b, size_t n, uint64_t v)
{
	snprintf(b, n, "%" PRIu64, v);
}

static bool line_busy(const struct dl_line *l, size_t n)
{
	size_t i;

	if (!l->seen)
		return false;
	for (i = 0; i < n; i++)
		if (!l->v[i].null && l->v[i].u)
			return true;
	return false;
}

/* ---------------- a per-namespace line: xfrm, routes ---------------- */

struct line_view {
	const struct tbl_desc *desc; /* NETNS INUM STATE, then one per field */
	const char *const *names; /* the module's pair names */
	size_t n;
	const struct dl_line *lines; /* per namespace */
	const char *key; /* the JSON object's name */
};

/* The namespaces of a line view: selected, ordered, busy unless -a. */
static size_t *line_rows(const struct view *v, const struct line_view *lv, size_t *n)
{
	struct dl_filter f = v->f;
	size_t *ord, m = 0, i;

	/* --top counts the rows shown, not the namespaces looked at. */
	f.has_top = false;
	ord = dl_filter_order(&f, &v->s, v->names, n);
	for (i = 0; i < *n; i++) {
		const struct dl_line *l = &lv->lines[ord[i]];

		if (!l->seen || (!v->all && !line_busy(l, lv->n)))
			continue;
		if (v->f.has_top && m >= v->f.top)
			break;
		ord[m++] = ord[i];
	}
	*n = m;
	return ord;
}

static void line_table(const struct view *v, const struct line_view *lv,
		       const size_t *ord, size_t n)
{
	char cell[DL_NR_XFRM][32], inum[24];
	const char *c[3 + DL_NR_XFRM];
	struct tbl t;
	size_t i, k;

	tbl_init_main(&t, lv->desc);
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &v->s.ns[ord[i]];
		const struct dl_line *l = &lv->lines[ord[i]];

		fmt_u64(inum, sizeof(inum), ns->id.inum);
		c[0] = ns_name(v->names, ns);
		c[1] = inum;
		c[2] = ns->exited ? "exited" : "alive";
		for (k = 0; k < lv->n; k++) {
			dl_fmt_num(cell[k], sizeof(cell[k]), &l->v[k]);
			c[3 + k] = cell[k];
		}
		/* tbl_row takes exactly the table's columns. */
		if (lv->n == DL_NR_XFRM)
			tbl_row(&t, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
				c[8], c[9], c[10]);
		else
			tbl_row(&t, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
				c[8]);
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

/* ---------------- xfrm ---------------- */

static const char *const xerr_hdr[] = { "NETNS", "INUM", "WHERE", "ERRNO", "COUNT" };

/* The xfrm_error lines of namespace ns (s->xerrs is sorted by namespace). */
static void xerrs_of(const struct dl_summary *s, const struct dl_ns *ns,
		     size_t *first, size_t *end)
{
	size_t i;

	for (i = 0; i < s->nxerrs && dl_nsid_cmp(&s->xerrs[i].id, &ns->id) < 0; i++)
		;
	*first = i;
	while (i < s->nxerrs && dl_nsid_cmp(&s->xerrs[i].id, &ns->id) == 0)
		i++;
	*end = i;
}

static void xfrm_json(const struct view *v, const struct line_view *lv,
		      const size_t *ord, size_t n)
{
	struct jw w;
	size_t i, k, a, b;

	json_doc_head(&w, stdout);
	jw_key(&w, "namespaces");
	jw_arr(&w);
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &v->s.ns[ord[i]];

		jw_obj(&w);
		json_ns_head(&w, ns, v->names);
		jw_key(&w, lv->key);
		jw_obj(&w);
		for (k = 0; k < lv->n; k++)
			jw_kn(&w, lv->names[k], &lv->lines[ord[i]].v[k]);
		jw_obj_end(&w);
		if (lv->lines == v->x.xfrm) {
			jw_key(&w, "errors");
			jw_arr(&w);
			xerrs_of(&v->s, ns, &a, &b);
			for (k = a; k < b; k++) {
				jw_obj(&w);
				jw_key(&w, "where");
				jw_str(&w, v->s.xerrs[k].bundle ? "bundle" : "lookup");
				jw_key(&w, "errno");
				jw_str(&w, v->s.xerrs[k].errname);
				jw_key(&w, "count");
				jw_u64(&w, v->s.xerrs[k].count);
				jw_obj_end(&w);
			}
			jw_arr_end(&w);
		}
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void xfrm_errors(const struct view *v, const size_t *ord, size_t n)
{
	char inum[24], cnt[24];
	struct tbl t;
	size_t i, k, a, b;

	tbl_init(&t, 5, xerr_hdr, "llllr");
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &v->s.ns[ord[i]];
		bool first = true;

		xerrs_of(&v->s, ns, &a, &b);
		for (k = a; k < b; k++) {
			const struct dl_xerr *e = &v->s.xerrs[k];

			if (!e->count)
				continue;
			fmt_u64(inum, sizeof(inum), ns->id.inum);
			fmt_u64(cnt, sizeof(cnt), e->count);
			tbl_row(&t, first ? ns_name(v->names, ns) : "", first ? inum : "",
				e->bundle ? "bundle" : "lookup", e->errname, cnt);
			first = false;
		}
	}
	if (t.nrows) {
		printf("\nIPsec errors by errno:\n");
		tbl_print(&t, stdout);
	}
	tbl_free(&t);
}

int cmd_xfrm(int argc, char **argv)
{
	struct line_view lv = { &cols_xfrm, dl_xfrm_names, DL_NR_XFRM, NULL, "xfrm" };
	struct view v;
	size_t *ord, n;

	view_options(&v, argc, argv, help_xfrm, DL_FILTER_ALL & ~DL_FILTER_REASON, true,
		     &cols_xfrm);
	view_load(&v);
	lv.lines = v.x.xfrm;
	/* A namespace with IPsec errors is busy even with zero counters. */
	ord = line_rows(&v, &lv, &n);
	if (view_json(&v))
		xfrm_json(&v, &lv, ord, n);
	else if (!n && view_words(&v))
		printf("no IPsec activity%s\n", v.s.format < 2 ?
		       " (the module's format 1 has no xfrm lines)" : "");
	else {
		line_table(&v, &lv, ord, n);
		if (view_words(&v))
			xfrm_errors(&v, ord, n);
	}
	free(ord);
	view_free(&v);
	return finish_output(0);
}

/* ---------------- routes ---------------- */

int cmd_routes(int argc, char **argv)
{
	struct line_view lv = { &cols_routes, dl_route_names, DL_NR_ROUTE, NULL, "route" };
	struct view v;
	size_t *ord, n;

	view_options(&v, argc, argv, help_routes, DL_FILTER_ALL & ~DL_FILTER_REASON, true,
		     &cols_routes);
	view_load(&v);
	lv.lines = v.x.route;
	ord = line_rows(&v, &lv, &n);
	if (view_json(&v))
		xfrm_json(&v, &lv, ord, n);
	else if (!n && view_words(&v))
		printf("no route exceptions%s\n", v.s.format < 2 ?
		       " (the module's format 1 has no route lines)" : "");
	else
		line_table(&v, &lv, ord, n);
	free(ord);
	view_free(&v);
	return finish_output(0);
}

/* ---------------- icmp ---------------- */

/* Does icmp row a come after row b? */
static bool icmp_after(const struct view *v, const struct dl_rank *rank,
		       const struct dl_icmp *a, const struct dl_icmp *b)
{
	size_t ra = dl_rank_of(rank, &v->s.ns[a->ns].id);
	size_t rb = dl_rank_of(rank, &v->s.ns[b->ns].id);

	return ra != rb ? ra > rb : a->ns > b->ns;
}

int cmd_icmp(int argc, char **argv)
{
	struct dl_rank *rank;
	struct view v;
	struct tbl t;
	struct jw w;
	size_t i, j, *ord, n = 0;

	view_options(&v, argc, argv, help_icmp, DL_FILTER_ALL & ~DL_FILTER_REASON, false,
		     &cols_icmp);
	view_load(&v);
	rank = dl_rank_new(&v.f, &v.s, v.names);
	/* Rows: selected, by the rank of their namespace (stable), --top. */
	ord = dl_xrealloc(NULL, v.x.nicmp ? v.x.nicmp : 1, sizeof(*ord));
	for (i = 0; i < v.x.nicmp; i++) {
		const struct dl_icmp *e = &v.x.icmp[i];

		if (!e->count || !dl_filter_family(&v.f, e->family) ||
		    dl_rank_of(rank, &v.s.ns[e->ns].id) == SIZE_MAX)
			continue;
		/*
		 * Insertion by rank, then by the namespace's place in the
		 * summary: the rows of a namespace stay together, in file order.
		 */
		for (j = n; j > 0 && icmp_after(&v, rank, &v.x.icmp[ord[j - 1]], e); j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
		n++;
	}
	if (v.f.has_top && v.f.top < n)
		n = (size_t)v.f.top;
	if (view_json(&v)) {
		json_doc_head(&w, stdout);
		jw_key(&w, "icmp");
		jw_arr(&w);
		for (i = 0; i < n; i++) {
			const struct dl_icmp *e = &v.x.icmp[ord[i]];
			const struct dl_ns *ns = &v.s.ns[e->ns];

			jw_obj(&w);
			json_ns_head(&w, ns, v.names);
			jw_key(&w, "family");
			jw_str(&w, dl_family_names[e->family]);
			jw_kn(&w, "type", &e->type);
			jw_kn(&w, "code", &e->code);
			jw_key(&w, "count");
			jw_u64(&w, e->count);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
		jw_obj_end(&w);
		jw_end(&w);
	} else if (!n && view_words(&v)) {
		printf("no ICMP errors counted\n");
	} else {
		tbl_init_main(&t, &cols_icmp);
		for (i = 0; i < n; i++) {
			const struct dl_icmp *e = &v.x.icmp[ord[i]];
			const struct dl_ns *ns = &v.s.ns[e->ns];
			char inum[24], ty[32], co[32], cnt[24];

			fmt_u64(inum, sizeof(inum), ns->id.inum);
			dl_fmt_num(ty, sizeof(ty), &e->type);
			dl_fmt_num(co, sizeof(co), &e->code);
			fmt_u64(cnt, sizeof(cnt), e->count);
			tbl_row(&t, ns_name(v.names, ns), inum, dl_family_names[e->family],
				ty, co, cnt);
		}
		tbl_print(&t, stdout);
		tbl_free(&t);
	}
	free(ord);
	dl_rank_free(rank);
	view_free(&v);
	return finish_output(0);
}

/* ---------------- status ---------------- */

/* The version file, when the source has one: its module and kernel. */
static bool load_version(const struct source *src, struct dl_summary *ver)
{
	char path[PATH_MAX], *raw;
	struct dl_err err;
	size_t len;
	int e;

	if (!src->dir[0])
		return false;
	join(path, sizeof(path), src->dir, DSTLEAK_FILE_VERSION);
	if (dl_read_file(path, &raw, &len, &e))
		return false;
	if (dl_parse_summary(raw, len, path, ver, &err)) {
		free(raw);
		die(DL_EXIT_BADINPUT, "%s", err.msg);
	}
	free(raw);
	return true;
}

static const char *const unattr_hdr[] = { "FAMILY", "ALLOCS", "FREES", "ORPHANED" };
static const char *const probe_hdr[] = { "PROBE", "HITS", "MISSED", "HOOK" };

static void status_json(const struct view *v, const struct dl_summary *ver, bool have_ver)
{
	const struct dl_summary *s = &v->s;
	struct jw w;

	json_doc_head(&w, stdout);
	jw_key(&w, "version");
	if (have_ver) {
		jw_obj(&w);
		jw_key(&w, "module");
		jw_str(&w, ver->module);
		jw_key(&w, "kernel");
		jw_str(&w, ver->kernel);
		jw_key(&w, "export_format");
		jw_u64(&w, ver->format);
		jw_obj_end(&w);
	} else {
		jw_null(&w);
	}
	json_module(&w, s);
	json_tracking(&w, s);
	jw_key(&w, "stacks");
	if (v->x.stacks_seen) {
		jw_obj(&w);
		jw_key(&w, "enabled");
		jw_u64(&w, v->x.stacks_enabled);
		jw_kn(&w, "sample", &v->x.stacks_sample);
		jw_kn(&w, "failures", &v->x.stacks_failures);
		jw_obj_end(&w);
	} else {
		jw_null(&w);
	}
	json_unattributed(&w, s);
	json_probes(&w, s);
	jw_obj_end(&w);
	jw_end(&w);
}

static void status_text(const struct view *v, const struct dl_summary *ver, bool have_ver)
{
	const struct dl_summary *s = &v->s;
	const struct dl_tracking *t = &s->tracking;
	char a[32], b[32], c[32];
	struct tbl tb;
	size_t i;
	int f;

	printf("module %s, format %u, kernel %s\n", s->module ? s->module : "?",
	       s->format, s->kernel ? s->kernel : "?");
	if (have_ver && ((ver->module && s->module && strcmp(ver->module, s->module)) ||
			 ver->format != s->format))
		printf("version file: module %s, format %u (differs from the summary)\n",
		       ver->module ? ver->module : "?", ver->format);
	if (s->features.seen)
		dl_print_features(&s->features);
	if (t->seen) {
		dl_fmt_num(a, sizeof(a), &t->tracked);
		dl_fmt_num(b, sizeof(b), &t->max);
		dl_fmt_num(c, sizeof(c), &t->overflow);
		printf("tracking: %s of at most %s entries (max_tracked), %s not tracked "
		       "(overflow)\n", a, b, c);
		dl_fmt_num(a, sizeof(a), &t->bytes);
		dl_fmt_num(b, sizeof(b), &t->entry_bytes);
		printf("tracking memory: %s bytes, %s bytes an entry\n", a, b);
	}
	if (v->x.stacks_seen) {
		dl_fmt_num(a, sizeof(a), &v->x.stacks_sample);
		dl_fmt_num(b, sizeof(b), &v->x.stacks_failures);
		printf("stacks: %s, sample %s, failures %s\n",
		       v->x.stacks_enabled ? "enabled" : "disabled", a, b);
	}
	if (s->unattr[DSTLEAK_FAM_IPV4].seen) {
		printf("\nunattributed (entries of no namespace dstleak has state for):\n");
		tbl_init(&tb, 4, unattr_hdr, "lrrr");
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			if (!s->unattr[f].seen)
				continue;
			dl_fmt_num(a, sizeof(a), &s->unattr[f].allocs);
			dl_fmt_num(b, sizeof(b), &s->unattr[f].frees);
			dl_fmt_num(c, sizeof(c), &s->unattr[f].orphaned);
			tbl_row(&tb, dl_family_names[f], a, b, c);
		}
		tbl_print(&tb, stdout);
		tbl_free(&tb);
	}
	if (s->nprobes) {
		putchar('\n');
		tbl_init(&tb, 4, probe_hdr, "lrrl");
		for (i = 0; i < s->nprobes; i++) {
			dl_fmt_num(a, sizeof(a), &s->probes[i].hits);
			dl_fmt_num(b, sizeof(b), &s->probes[i].missed);
			tbl_row(&tb, s->probes[i].symbol, a, b,
				s->probes[i].hook ? s->probes[i].hook : "-");
		}
		tbl_print(&tb, stdout);
		tbl_free(&tb);
	}
}

int cmd_status(int argc, char **argv)
{
	struct dl_summary ver;
	struct view v;
	bool have_ver;

	view_options(&v, argc, argv, help_status, 0, false, NULL);
	v.f.numeric = true; /* no names needed */
	view_load(&v);
	memset(&ver, 0, sizeof(ver));
	have_ver = load_version(&v.src, &ver);
	if (v.json)
		status_json(&v, &ver, have_ver);
	else
		status_text(&v, &ver, have_ver);
	if (have_ver)
		dl_summary_free(&ver);
	view_free(&v);
	return finish_output(0);
}

/* ---------------- show --long ---------------- */

/* Every figure of a family, in the order of cols_long (columns.c). */
static const int long_fields[] = { DL_F_live, DL_F_peak, DL_F_allocs, DL_F_frees,
	DL_F_frees_preexisting, DL_F_failures, DL_F_untracked, DL_F_orphaned,
	DL_F_kernel, DL_F_drift, DL_F_gc_thresh, DL_F_max_size };
#define NLONG (sizeof(long_fields) / sizeof(long_fields[0]))

static bool long_idle(const struct dl_fam *fa)
{
	size_t k;

	for (k = 0; k < NLONG; k++) {
		const struct dl_num *x = &fa->f[long_fields[k]];

		if (long_fields[k] == DL_F_gc_thresh || long_fields[k] == DL_F_max_size)
			continue;
		if (!x->null && (x->is_signed ? x->s != 0 : x->u != 0))
			return false;
	}
	return true;
}

void show_long(const struct dl_summary *s, const struct dl_names *names,
	       const struct dl_filter *f, const size_t *order, size_t n, bool all)
{
	char v[NLONG][32], hr[32], inum[24];
	bool marked = false;
	struct tbl t;
	size_t i, k;
	int fam;

	tbl_init_main(&t, &cols_long);
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &s->ns[order[i]];
		const char *head[3];

		fmt_u64(inum, sizeof(inum), ns->id.inum);
		head[0] = ns_name(names, ns);
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
			const struct dl_fam *fa = &ns->fam[fam];

			if (!dl_filter_family(f, fam) || (!all && long_idle(fa)))
				continue;
			for (k = 0; k < NLONG; k++)
				dl_fmt_num(v[k], sizeof(v[k]), &fa->f[long_fields[k]]);
			marked |= fmt_headroom(hr, sizeof(hr), fa);
			tbl_row(&t, head[0], head[1], head[2], dl_family_names[fam],
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8],
				v[9], v[10], v[11], hr);
			head[0] = head[1] = head[2] = "";
		}
		if (head[1][0])
			tbl_row(&t, head[0], inum, head[2], "(idle)", "", "", "", "", "",
				"", "", "", "", "", "", "", "");
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
	if (!tbl_only() && !tbl_rows_json())
		headroom_legend(marked);
}
