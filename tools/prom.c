// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * prom.c - "dstleak export --prometheus": the text exposition format for
 * node_exporter's textfile collector.
 *
 * Series of a namespace carry netns (its ip netns name, else its inode:
 * never a process name, which would start a new series each time the
 * process restarts), inum, and cookie when the module gives one (two
 * namespaces may share an inode: the kernel reuses them). Label values are
 * valid UTF-8 with \ and " escaped: one bad byte in a device name must not
 * make the scraper drop the whole file. A host may run 100,000 namespaces:
 * each namespace's labels are formatted once, nothing is searched.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

struct metric {
	const char *name, *type, *help;
};

#ifdef __GNUC__
#define prefetch(p) __builtin_prefetch(p)
#else
#define prefetch(p) ((void)(p))
#endif

struct prom {
	FILE *o;
	const struct dl_summary *s;
	const struct dl_names *names;
	/* per namespace of s: netns="..",inum=".."[,cookie=".."], back to back */
	char *labels;
	size_t *lab_off, *lab_len;
};

static const char *nslabel(const struct prom *p, size_t i)
{
	return p->labels + p->lab_off[i];
}

/* A label value: made valid UTF-8, then escaped as the format says. */
static void put_value(FILE *o, const char *v)
{
	char *c = dl_clean(v, strlen(v)), *p;

	for (p = c; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', o);
		fputc(*p, o);
	}
	free(c);
}

static void label(FILE *o, const char *k, const char *v, bool first)
{
	fprintf(o, "%s%s=\"", first ? "{" : ",", k);
	put_value(o, v);
	fputc('"', o);
}

static void head(FILE *o, const struct metric *m, bool *done)
{
	if (*done)
		return;
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
		m->type);
	*done = true;
}

/* v in decimal, written backwards from end; the first digit. */
static char *decimal(char *end, const struct dl_num *v)
{
	bool neg = v->is_signed && v->s < 0;
	uint64_t m = !v->is_signed ? v->u : neg ? (uint64_t)0 - (uint64_t)v->s :
						    (uint64_t)v->s;

	do {
		*--end = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (neg)
		*--end = '-';
	return end;
}

static void value(FILE *o, const struct dl_num *v)
{
	char b[24], *p = decimal(b + sizeof(b), v);

	fputc(' ', o);
	fwrite(p, 1, (size_t)(b + sizeof(b) - p), o);
	fputc('\n', o);
}

/* Append n bytes to a line being built. */
static char *append(char *b, const char *s, size_t n)
{
	memcpy(b, s, n);
	return b + n;
}

/*
 * One sample of namespace i and family f, built whole and written at once:
 * export writes millions of them on a host of 100,000 namespaces.
 */
static void ns_sample(struct prom *p, const char *name, size_t nl, size_t i,
		      int f, const struct dl_num *v)
{
	const char *fam = dl_family_names[f];
	char b[1024], num[24], *n = decimal(num + sizeof(num), v), *e = b;
	size_t ll = p->lab_len[i], fl = strlen(fam);
	size_t vl = (size_t)(num + sizeof(num) - n);

	if (nl + ll + fl + vl + 16 > sizeof(b)) {
		fprintf(p->o, "%s{%s,family=\"%s\"}", name, nslabel(p, i), fam);
		value(p->o, v);
		return;
	}
	e = append(e, name, nl);
	e = append(e, "{", 1);
	e = append(e, nslabel(p, i), ll);
	e = append(e, ",family=\"", 9);
	e = append(e, fam, fl);
	e = append(e, "\"} ", 3);
	e = append(e, n, vl);
	e = append(e, "\n", 1);
	fwrite(b, 1, (size_t)(e - b), p->o);
}

/* The labels of a namespace, without braces. */
static char *ns_labels(const struct dl_names *names, const struct dl_nsid *id,
		       bool exited)
{
	const char *nm = exited ? NULL : dl_names_netns(names, id->inum);
	char in[24], *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return dl_xstrndup("", 0);
	snprintf(in, sizeof(in), "%" PRIu64, id->inum);
	fputs("netns=\"", m);
	put_value(m, nm ? nm : in);
	fprintf(m, "\",inum=\"%s\"", in);
	if (id->has_cookie)
		fprintf(m, ",cookie=\"%" PRIu64 "\"", id->cookie);
	fclose(m);
	return buf;
}

/* The labels of every namespace, in one buffer for locality. */
static void all_labels(struct prom *p)
{
	size_t i, len = 0, cap = 0;

	p->lab_off = dl_xrealloc(NULL, p->s->nns, sizeof(size_t));
	p->lab_len = dl_xrealloc(NULL, p->s->nns, sizeof(size_t));
	for (i = 0; i < p->s->nns; i++) {
		char *l = ns_labels(p->names, &p->s->ns[i].id, p->s->ns[i].exited);
		size_t n = strlen(l);

		while (len + n + 1 > cap) {
			cap = cap ? cap * 2 : 4096;
			p->labels = dl_xrealloc(p->labels, cap, 1);
		}
		memcpy(p->labels + len, l, n + 1);
		p->lab_off[i] = len;
		p->lab_len[i] = n;
		len += n + 1;
		free(l);
	}
	if (!p->labels)
		p->labels = dl_xstrndup("", 0);
}

static void info(struct prom *p)
{
	char buf[16];

	fprintf(p->o, "# HELP dstleak_info The dstleak module and its export format.\n"
		      "# TYPE dstleak_info gauge\ndstleak_info");
	label(p->o, "module_version", p->s->module ? p->s->module : "", true);
	label(p->o, "kernel", p->s->kernel ? p->s->kernel : "", false);
	snprintf(buf, sizeof(buf), "%u", p->s->format);
	label(p->o, "format", buf, false);
	fputs("} 1\n", p->o);
}

static void globals(struct prom *p)
{
	static const struct metric gm[3] = {
		{ "dstleak_global_dst_kernel_entries", "gauge",
		  "The kernel's entry counter of a family with one global dst_ops." },
		{ "dstleak_global_dst_expected_entries", "gauge",
		  "What dstleak expects that counter to be." },
		{ "dstleak_global_dst_drift_entries", "gauge",
		  "Global kernel counter minus expected; 0 when healthy." },
	};
	int m, f;

	for (m = 0; m < 3; m++) {
		bool done = false;

		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_global *g = &p->s->global[f];
			const struct dl_num *v = m == 0 ? &g->kernel :
						 m == 1 ? &g->expected : &g->drift;

			if (!g->seen || v->null)
				continue;
			head(p->o, &gm[m], &done);
			fputs(gm[m].name, p->o);
			label(p->o, "family", dl_family_names[f], true);
			fputc('}', p->o);
			value(p->o, v);
		}
	}
}

static void unattributed(struct prom *p)
{
	static const struct metric um[3] = {
		{ "dstleak_unattributed_allocs_total", "counter",
		  "dst entries allocated in a namespace dstleak has no state for." },
		{ "dstleak_unattributed_frees_total", "counter",
		  "Frees of untracked entries whose namespace cannot be proven." },
		{ "dstleak_unattributed_orphaned_total", "counter",
		  "Untracked entries of exited namespaces, no longer matched to them." },
	};
	int m, f;

	for (m = 0; m < 3; m++) {
		bool done = false;

		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_unattr *u = &p->s->unattr[f];
			const struct dl_num *v = m == 0 ? &u->allocs :
						 m == 1 ? &u->frees : &u->orphaned;

			if (!u->seen || v->null)
				continue;
			head(p->o, &um[m], &done);
			fputs(um[m].name, p->o);
			label(p->o, "family", dl_family_names[f], true);
			fputc('}', p->o);
			value(p->o, v);
		}
	}
}

static void probes(struct prom *p)
{
	static const struct metric pm[2] = {
		{ "dstleak_probe_hits_total", "counter", "Probe hits." },
		{ "dstleak_probe_missed_total", "counter",
		  "Probe hits the kernel could not deliver (kprobe nmissed)." },
	};
	size_t i;
	int m;

	for (m = 0; m < 2; m++) {
		bool done = false;

		for (i = 0; i < p->s->nprobes; i++) {
			const struct dl_probe *pr = &p->s->probes[i];
			const struct dl_num *v = m ? &pr->missed : &pr->hits;

			if (v->null)
				continue;
			head(p->o, &pm[m], &done);
			fputs(pm[m].name, p->o);
			label(p->o, "symbol", pr->symbol, true);
			fputc('}', p->o);
			value(p->o, v);
		}
	}
}

/* One unlabelled sample, if the figure is known. */
static void single(FILE *o, const struct metric *m, const struct dl_num *v)
{
	bool done = false;

	if (v->null)
		return;
	head(o, m, &done);
	fputs(m->name, o);
	value(o, v);
}

static void tracking(struct prom *p)
{
	static const struct metric tm[] = {
		{ "dstleak_tracked_entries", "gauge", "Live entries tracked one by one." },
		{ "dstleak_tracking_overflow_total", "counter",
		  "Entries counted but not tracked (max_tracked reached)." },
		{ "dstleak_tracking_bytes", "gauge", "Memory used for tracking." },
		{ "dstleak_tracking_max_entries", "gauge", "The max_tracked parameter." },
		{ "dstleak_tracking_entry_bytes", "gauge", "Bytes per tracked entry." },
		{ "dstleak_tracking_steal_misses_total", "counter",
		  "Tracking records the module could not take over." },
	};
	static const struct metric irq = { "dstleak_tracking_irqoff_max_seconds", "gauge",
		"Longest time the module kept interrupts off." };
	const struct dl_tracking *t = &p->s->tracking;
	const struct dl_num *v[] = { &t->tracked, &t->overflow, &t->bytes, &t->max,
				     &t->entry_bytes, &t->steal_misses };
	size_t k;

	if (!t->seen)
		return;
	for (k = 0; k < sizeof(tm) / sizeof(tm[0]); k++)
		single(p->o, &tm[k], v[k]);
	if (!t->irqoff_max_ns.null)
		fprintf(p->o, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 ".%09" PRIu64 "\n",
			irq.name, irq.help, irq.name, irq.type, irq.name,
			t->irqoff_max_ns.u / 1000000000u, t->irqoff_max_ns.u % 1000000000u);
}

static void settled(struct prom *p)
{
	if (p->s->settled < 0)
		return;
	fprintf(p->o, "# HELP dstleak_settled 1 when frees in flight were waited for "
		      "before drift was taken.\n# TYPE dstleak_settled gauge\n"
		      "dstleak_settled %d\n", p->s->settled);
}

static void exited(struct prom *p)
{
	static const struct metric m = { "dstleak_netns_exited", "gauge",
		"1 when the namespace has exited but its dst entries have not." };
	bool done = false;
	size_t i;

	for (i = 0; i < p->s->nns; i++) {
		head(p->o, &m, &done);
		fprintf(p->o, "dstleak_netns_exited{%s} %d\n", nslabel(p, i),
			p->s->ns[i].exited ? 1 : 0);
	}
}

/*
 * Prometheus names of the ns fields (https://prometheus.io/docs/practices/naming/):
 * counters end in _total, gauges in their unit (_entries) unless they are a
 * 0/1 flag whose help begins "1 when"; tests/unit/run.sh checks it. A field
 * added later gets a gauge of entries, which every figure of the line is.
 */
static const struct metric ns_metrics[DL_NR_FIELDS] = {
	[DL_F_allocs] = { "dstleak_dst_allocs_total", "counter",
			  "dst entries allocated since the module loaded." },
	[DL_F_frees] = { "dstleak_dst_frees_total", "counter",
			 "dst entries allocated since load and freed." },
	[DL_F_frees_preexisting] = { "dstleak_dst_frees_preexisting_total", "counter",
				     "dst entries allocated before load and freed since." },
	[DL_F_live] = { "dstleak_dst_live_entries", "gauge",
			"dst entries allocated since load and not freed." },
	[DL_F_peak] = { "dstleak_dst_live_peak_entries", "gauge",
			"Highest dstleak_dst_live_entries seen." },
	[DL_F_failures] = { "dstleak_dst_alloc_failures_total", "counter",
			    "dst allocation attempts that returned no entry." },
	[DL_F_untracked] = { "dstleak_dst_untracked_entries", "gauge",
			     "Live entries without a tracking record (max_tracked, track=0)." },
	[DL_F_orphaned] = { "dstleak_dst_orphaned_total", "counter",
			    "Untracked entries live when the namespace exited, handed to unattributed." },
	[DL_F_kernel] = { "dstleak_dst_kernel_entries", "gauge",
			  "The kernel's own entry counter of the family's dst_ops." },
	[DL_F_drift] = { "dstleak_dst_drift_entries", "gauge",
			 "Kernel counter minus the count dstleak expects; 0 when healthy." },
	[DL_F_gc_thresh] = { "dstleak_dst_gc_thresh_entries", "gauge",
			     "The dst_ops gc_thresh." },
	[DL_F_max_size] = { "dstleak_dst_max_size_entries", "gauge",
			    "The family's max_size sysctl." },
	[DL_F_limit_enforced] = { "dstleak_dst_limit_enforced", "gauge",
				  "1 when reaching gc_thresh or max_size makes allocations fail." },
};

static void ns_field(struct prom *p, int k)
{
	char gen[96], genhelp[160];
	struct metric mt = ns_metrics[k];
	bool done = false;
	size_t i, nl;
	int f;

	if (!mt.name) {
		snprintf(gen, sizeof(gen), "dstleak_dst_%s_entries", dl_field_names[k]);
		snprintf(genhelp, sizeof(genhelp), "The %s figure of the module.",
			 dl_field_names[k]);
		mt.name = gen;
		mt.type = "gauge";
		mt.help = genhelp;
	}
	nl = strlen(mt.name);
	for (i = 0; i < p->s->nns; i++) {
		/* Thirteen walks over 100 MB of namespaces: fetch ahead. */
		if (i + 4 < p->s->nns)
			for (f = 0; f < DSTLEAK_NR_FAMILIES; f++)
				prefetch(&p->s->ns[i + 4].fam[f].f[k]);
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_num *v = &p->s->ns[i].fam[f].f[k];

			if (v->null)
				continue;
			head(p->o, &mt, &done);
			ns_sample(p, mt.name, nl, i, f, v);
		}
	}
}

static void headroom(struct prom *p)
{
	static const struct metric m = { "dstleak_dst_headroom_ratio", "gauge",
		"(limit - kernel) / limit, against the smaller real limit of "
		"gc_thresh and max_size." };
	bool done = false;
	size_t i;
	int f;

	for (i = 0; i < p->s->nns; i++)
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			double pct;

			if (!dl_headroom(&p->s->ns[i].fam[f], &pct, NULL, NULL))
				continue;
			head(p->o, &m, &done);
			fprintf(p->o, "%s{%s,family=\"%s\"} %.6f\n", m.name,
				nslabel(p, i), dl_family_names[f], pct / 100);
		}
}

/* ---- suspects: groups that differ by stack only are one series ---- */

struct agg {
	bool first; /* the first group of its series: prints the series */
	uint64_t count, oldest_ms;
};

static const struct dl_group *sort_groups;

static int str_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !a - !b;
	return strcmp(a, b);
}

/* Same series: namespace, family, reason, device; then file order. */
static int cmp_group(const void *x, const void *y)
{
	size_t i = *(const size_t *)x, k = *(const size_t *)y;
	const struct dl_group *a = &sort_groups[i], *b = &sort_groups[k];
	int r = dl_nsid_cmp(&a->id, &b->id);

	if (!r)
		r = a->family - b->family;
	if (!r)
		r = a->reason - b->reason;
	if (!r)
		r = str_cmp(a->device, b->device);
	return r ? r : (i > k) - (i < k);
}

static bool same_series(const struct dl_group *a, const struct dl_group *b)
{
	return !dl_nsid_cmp(&a->id, &b->id) && a->family == b->family &&
	       a->reason == b->reason && !str_cmp(a->device, b->device);
}

/* Sums per series, stored at the series' first group, in O(n log n). */
static struct agg *aggregate(const struct dl_suspects *sp)
{
	size_t *idx = dl_xrealloc(NULL, sp->ngroups, sizeof(*idx));
	struct agg *a = dl_xrealloc(NULL, sp->ngroups, sizeof(*a));
	size_t i, head_i = 0;

	for (i = 0; i < sp->ngroups; i++)
		idx[i] = i;
	sort_groups = sp->groups;
	qsort(idx, sp->ngroups, sizeof(*idx), cmp_group);
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[idx[i]];
		struct agg *h;

		if (i == 0 || !same_series(&sp->groups[head_i], g)) {
			head_i = idx[i];
			memset(&a[head_i], 0, sizeof(a[0]));
			a[head_i].first = true;
		} else {
			a[idx[i]].first = false;
		}
		h = &a[head_i];
		h->count = h->count > UINT64_MAX - g->count ? UINT64_MAX : h->count + g->count;
		if (g->oldest_ms > h->oldest_ms)
			h->oldest_ms = g->oldest_ms;
	}
	free(idx);
	return a;
}

/* The labels of the namespace of a suspect line. */
static const char *sus_labels(struct prom *p, const struct dl_nsid *id, char **tmp)
{
	const struct dl_ns *ns = dl_find_ns(p->s, id);

	if (ns)
		return nslabel(p, (size_t)(ns - p->s->ns));
	*tmp = ns_labels(p->names, id, true);
	return *tmp;
}

static void group_series(struct prom *p, const struct metric *m, bool oldest,
			 const struct dl_group *g, const struct agg *a)
{
	char *tmp = NULL;

	fprintf(p->o, "%s{%s", m->name, sus_labels(p, &g->id, &tmp));
	free(tmp);
	label(p->o, "family", dl_family_names[g->family], false);
	label(p->o, "reason", dl_reason_names[g->reason], false);
	/* Every series of a metric has the same label names: "" for none. */
	label(p->o, "device", g->device ? g->device : "", false);
	if (oldest)
		fprintf(p->o, "} %" PRIu64 ".%03" PRIu64 "\n", a->oldest_ms / 1000,
			a->oldest_ms % 1000);
	else
		fprintf(p->o, "} %" PRIu64 "\n", a->count);
}

static void suspects(struct prom *p, const struct dl_suspects *sp)
{
	static const struct metric sm[2] = {
		{ "dstleak_suspect_entries", "gauge", "Leak-suspect dst entries." },
		{ "dstleak_suspect_oldest_seconds", "gauge",
		  "Age of the oldest leak-suspect dst entry." },
	};
	struct agg *a = aggregate(sp);
	size_t i;
	int m;

	for (m = 0; m < 2; m++) {
		bool done = false;

		for (i = 0; i < sp->ngroups; i++) {
			if (!a[i].first)
				continue;
			head(p->o, &sm[m], &done);
			group_series(p, &sm[m], m == 1, &sp->groups[i], &a[i]);
		}
	}
	free(a);
}

/* Suspects past the module's group limit: counted, not grouped. */
static void dropped(struct prom *p, const struct dl_suspects *sp)
{
	fprintf(p->o, "# HELP dstleak_suspect_dropped_entries Leak-suspect dst entries "
		      "past the module's group limit, not grouped.\n"
		      "# TYPE dstleak_suspect_dropped_entries gauge\n"
		      "dstleak_suspect_dropped_entries %" PRIu64 "\n", sp->dropped);
}

static void old_entries(struct prom *p, const struct dl_suspects *sp)
{
	static const struct metric m = { "dstleak_old_entries", "gauge",
		"Old dst entries that are not suspects." };
	bool done = false;
	size_t i;

	for (i = 0; i < sp->nold; i++) {
		char *tmp = NULL;

		head(p->o, &m, &done);
		fprintf(p->o, "%s{%s", m.name, sus_labels(p, &sp->old[i].id, &tmp));
		free(tmp);
		label(p->o, "family", dl_family_names[sp->old[i].family], false);
		fprintf(p->o, "} %" PRIu64 "\n", sp->old[i].count);
	}
}

void dl_export_prom(FILE *o, const struct dl_summary *s,
		    const struct dl_suspects *sp, const struct dl_names *names)
{
	struct prom p = { o, s, names, NULL, NULL, NULL };
	int k;

	all_labels(&p);
	info(&p);
	globals(&p);
	probes(&p);
	tracking(&p);
	unattributed(&p);
	settled(&p);
	exited(&p);
	for (k = 0; k < DL_NR_FIELDS; k++)
		if (k != DL_F_cookie)
			ns_field(&p, k);
	headroom(&p);
	if (sp) {
		suspects(&p, sp);
		dropped(&p, sp);
		old_entries(&p, sp);
	}
	free(p.labels);
	free(p.lab_off);
	free(p.lab_len);
}
