// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_check.c - dstleak check: a monitoring plugin (exit 0/1/2/3) with
 * performance data.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "views.h"

enum { ST_OK, ST_WARN, ST_CRIT, ST_UNKNOWN };
static const char *const st_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

struct finding {
	int state;
	double rank; /* within a state, higher is worse */
	char text[512];
};

static void consider(struct finding *worst, int *nfind, int state, double rank,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* a is worse than b (equals keep the order they were found in). */
static bool worse(int sa, double ra, int sb, double rb)
{
	return sa > sb || (sa == sb && ra > rb);
}

/* Within a state: headroom first, then suspects, drift, missed probes. */
#define RANK_HEADROOM(pct) (4e15 - (pct))
#define RANK_SUSPECTS(n) (2e15 + ((n) > (uint64_t)1e15 ? 1e15 : (double)(n)))
#define RANK_DRIFT(n) (1e15 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))
/* A drift within the load-time calibration uncertainty: below a real one. */
#define RANK_CALIB(n) (5e14 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))
/* A limit forecast to be reached: after headroom, sooner is worse. */
#define RANK_FORECAST(secs) (3e15 - (secs))

/* A check under way: its thresholds, and what it found so far. */
struct check {
	double warn, crit, low;
	double forecast_h; /* check --forecast HOURS; < 0: not asked */
	uint64_t max_drift, max_suspects;
	struct finding worst;
	int nfind;
	char low_where[400];
	const struct dl_summary *s;
	const struct dl_names *names;
	int top; /* --top: problem lines, and namespace/family pairs in perfdata */
	struct finding *list; /* the worst top findings, worst first */
	int nlist;
	struct pair *pairs; /* the worst top namespace/family pairs, worst first */
	int npairs;
	uint64_t *sus; /* suspect entries per namespace (index in s) and family */
	double timeout; /* -t SECONDS; 0: none */
};

/* Every finding is of a check: consider() gets the check from its worst. */
#define CHECK_OF(w) ((struct check *)(void *)((char *)(w) - offsetof(struct check, worst)))

/* A namespace's family, ranked for the performance data. */
struct pair {
	int state;
	double rank; /* within a state, higher is worse; OK: live + suspects */
	const struct dl_ns *ns;
	int fam;
};

/* Insert f into list (n of at most top, worst first) if it is worse than its last. */
static void keep_finding(struct finding *list, int *n, int top, const struct finding *f)
{
	int i;

	if (top <= 0 || (*n == top && !worse(f->state, f->rank, list[*n - 1].state,
					     list[*n - 1].rank)))
		return;
	i = *n < top ? (*n)++ : *n - 1;
	for (; i > 0 && worse(f->state, f->rank, list[i - 1].state, list[i - 1].rank); i--)
		list[i] = list[i - 1];
	list[i] = *f;
}

static void keep_pair(struct check *k, const struct pair *p)
{
	struct pair *l = k->pairs;
	int i;

	if (k->top <= 0 || (k->npairs == k->top &&
			    !worse(p->state, p->rank, l[k->npairs - 1].state, l[k->npairs - 1].rank)))
		return;
	i = k->npairs < k->top ? k->npairs++ : k->npairs - 1;
	for (; i > 0 && worse(p->state, p->rank, l[i - 1].state, l[i - 1].rank); i--)
		l[i] = l[i - 1];
	l[i] = *p;
}

static void consider(struct finding *worst, int *nfind, int state, double rank,
		     const char *fmt, ...)
{
	struct check *k = CHECK_OF(worst);
	struct finding f = { .state = state, .rank = rank };
	va_list ap;

	(*nfind)++;
	va_start(ap, fmt);
	vsnprintf(f.text, sizeof(f.text), fmt, ap);
	va_end(ap);
	/* The worst first, for the lines after the status line. */
	keep_finding(k->list, &k->nlist, k->top, &f);
	if (worse(state, rank, worst->state, worst->rank))
		*worst = f;
}

/* How findings name a namespace; exited ones by inode alone. */
static void ns_label(char *b, size_t n, const struct dl_names *names,
		     const struct dl_nsid *id, const struct dl_ns *ns)
{
	const char *nm = ns ? dl_ns_name(names, ns) : NULL;
	bool exited = ns && ns->exited;

	if (nm)
		snprintf(b, n, "netns %s (%" PRIu64 ")", nm, id->inum);
	else
		snprintf(b, n, "netns %" PRIu64 "%s", id->inum, exited ? " (exited)" : "");
}

static void check_globals(struct check *k)
{
	size_t i;
	int f;

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_global *g = &k->s->global[f];
		uint64_t mag;

		if (!g->seen || g->drift.null)
			continue;
		mag = dl_num_abs(&g->drift);
		/*
		 * The spread of the calibration samples is of the global ipv4
		 * drift: within it, the drift may be the calibration's.
		 */
		if (mag > k->max_drift && f == DSTLEAK_FAM_IPV4 &&
		    !k->s->calib_spread.null && mag <= k->s->calib_spread.u)
			consider(&k->worst, &k->nfind, ST_WARN, RANK_CALIB(mag),
				 "global %s drift %" PRId64 " within the load-time "
				 "calibration uncertainty (spread %" PRIu64 ")",
				 dl_family_names[f], g->drift.s, k->s->calib_spread.u);
		else if (mag > k->max_drift)
			consider(&k->worst, &k->nfind, ST_WARN, RANK_DRIFT(mag),
				 "global %s drift %" PRId64 " (max %" PRIu64 ")",
				 dl_family_names[f], g->drift.s, k->max_drift);
	}
	for (i = 0; i < k->s->nprobes; i++)
		if (!k->s->probes[i].missed.null && k->s->probes[i].missed.u)
			consider(&k->worst, &k->nfind, ST_WARN, 0,
				 "probe %s missed %" PRIu64 " events: counts may be incomplete",
				 k->s->probes[i].symbol, k->s->probes[i].missed.u);
}

static void check_headroom(struct check *k, const char *label,
			   const struct dl_fam *fa, int f, struct pair *p)
{
	const char *lname;
	uint64_t limit;
	double pct;
	int st;

	/* A limit the kernel does not enforce fails no allocation. */
	if (!dl_limit_enforced(fa) || !dl_headroom(fa, &pct, &limit, &lname))
		return;
	st = pct < k->crit ? ST_CRIT : pct < k->warn ? ST_WARN : ST_OK;
	if (pct < k->low) {
		k->low = pct;
		snprintf(k->low_where, sizeof(k->low_where), "%s %s", label,
			 dl_family_names[f]);
	}
	if (st != ST_OK && worse(st, RANK_HEADROOM(pct), p->state, p->rank)) {
		p->state = st;
		p->rank = RANK_HEADROOM(pct);
	}
	if (st != ST_OK)
		consider(&k->worst, &k->nfind, st, RANK_HEADROOM(pct),
			 "%s %s headroom %.1f%% (kernel %.0f of %s %" PRIu64
			 "), below %g%%", label, dl_family_names[f], pct,
			 dl_num_d(&fa->f[DL_F_kernel]), lname, limit,
			 st == ST_CRIT ? k->crit : k->warn);
}

static void check_ns(struct check *k, const struct dl_ns *ns)
{
	char label[300];
	int f;

	ns_label(label, sizeof(label), k->names, &ns->id, ns);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_num *d = &ns->fam[f].f[DL_F_drift];
		struct pair p = { .state = ST_OK, .rank = -INFINITY, .ns = ns, .fam = f };
		uint64_t mag;

		check_headroom(k, label, &ns->fam[f], f, &p);
		mag = d->null ? 0 : dl_num_abs(d);
		if (mag > k->max_drift) {
			consider(&k->worst, &k->nfind, ST_WARN, RANK_DRIFT(mag),
				 "%s %s drift %" PRId64 " (max %" PRIu64 ")%s",
				 label, dl_family_names[f], d->s, k->max_drift,
				 k->s->settled == 0 ? ", not settled" : "");
			if (worse(ST_WARN, RANK_DRIFT(mag), p.state, p.rank)) {
				p.state = ST_WARN;
				p.rank = RANK_DRIFT(mag);
			}
		}
		/* Among the healthy: the most entries live and suspect. */
		if (p.state == ST_OK) {
			if (fam_idle(&ns->fam[f]))
				continue;
			p.rank = dl_num_d(&ns->fam[f].f[DL_F_live]) +
				 (k->sus ? (double)k->sus[(size_t)(ns - k->s->ns) *
							  DSTLEAK_NR_FAMILIES + (size_t)f] : 0);
		}
		keep_pair(k, &p);
	}
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Suspect entries in all, and the namespace with most (the first such in
 * the file), summed per namespace in a hash table.
 */
static uint64_t suspect_sums(const struct dl_suspects *sp, uint64_t *top,
			     const struct dl_nsid **top_id)
{
	struct dl_map sums;
	uint64_t total = 0;
	size_t i;

	dl_map_init(&sums);
	*top = 0;
	*top_id = NULL;
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		bool added;
		uint64_t *sum = dl_map_put(&sums, dl_nsid_key(&g->id), 0, &added);

		total = sat_add(total, g->count);
		*sum = sat_add(*sum, g->count);
	}
	for (i = 0; i < sp->ngroups; i++) {
		uint64_t sum = *dl_map_get(&sums, dl_nsid_key(&sp->groups[i].id));

		if (sum > *top) {
			*top = sum;
			*top_id = &sp->groups[i].id;
		}
	}
	dl_map_free(&sums);
	return total;
}

/*
 * Suspects: the grouped ones, and those past the module's group limit
 * ("dropped"), which are suspects all the same. The total, saturated.
 */
static uint64_t check_suspects(struct check *k, const struct dl_suspects *sp)
{
	const struct dl_nsid *top_id;
	char label[300], past[96] = "";
	uint64_t top, total = sat_add(suspect_sums(sp, &top, &top_id), sp->dropped);

	if (total <= k->max_suspects)
		return total;
	if (sp->dropped)
		snprintf(past, sizeof(past), ", %" PRIu64 " past the module's group limit",
			 sp->dropped);
	if (!top_id) {
		consider(&k->worst, &k->nfind, ST_WARN, RANK_SUSPECTS(total),
			 "%" PRIu64 " suspect dst entries (max %" PRIu64 ")%s",
			 total, k->max_suspects, past);
		return total;
	}
	ns_label(label, sizeof(label), k->names, top_id, dl_find_ns(k->s, top_id));
	consider(&k->worst, &k->nfind, ST_WARN, RANK_SUSPECTS(total),
		 "%" PRIu64 " suspect dst entries (max %" PRIu64 ")%s%s in %s: %" PRIu64,
		 total, k->max_suspects, past,
		 sp->dropped ? "; most grouped" : ", most", label, top);
	return total;
}

/* A warning range of |drift| <= max (alert outside it). */
static void drift_range(char *b, size_t n, uint64_t max)
{
	if (max)
		snprintf(b, n, "-%" PRIu64 ":%" PRIu64, max, max);
	else
		snprintf(b, n, "0:0");
}

static int64_t sat_add_s(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t num_s(const struct dl_num *v)
{
	if (v->null)
		return 0;
	if (v->is_signed)
		return v->s;
	return v->u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v->u;
}

/*
 * The first line's performance data: totals over every namespace, the
 * same labels on every host and every run.
 */
static void perf_totals(FILE *o, const struct check *k, bool have_suspects, uint64_t total)
{
	char dr[64], v[32];
	size_t i;
	int f;

	fprintf(o, "namespaces=%zu;;;0", k->s->nns);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		int64_t sum = 0;

		for (i = 0; i < k->s->nns; i++)
			sum = sat_add_s(sum, num_s(&k->s->ns[i].fam[f].f[DL_F_live]));
		fprintf(o, " live_%s=%" PRId64 ";;;0", dl_family_names[f], sum);
	}
	drift_range(dr, sizeof(dr), k->max_drift);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_global *g = &k->s->global[f];

		if (!g->seen || g->drift.null)
			continue;
		dl_fmt_num(v, sizeof(v), &g->drift);
		fprintf(o, " drift_%s=%s;%s;;", dl_family_names[f], v, dr);
	}
	if (isfinite(k->low))
		fprintf(o, " headroom=%.1f%%;%g:;%g:;0;100", k->low, k->warn, k->crit);
	if (have_suspects)
		fprintf(o, " suspects=%" PRIu64 ";%" PRIu64 ";;0", total, k->max_suspects);
}

/*
 * The name of pair i in labels: the ip netns name, else the inode (never
 * comm[pid], which changes when the process restarts); "#COOKIE" added
 * when a pair of another namespace before it has the same.
 */
static void pair_base(char *b, size_t n, const struct check *k, const struct dl_ns *ns)
{
	const char *nm = ns->exited ? NULL : dl_names_netns(k->names, ns->id.inum);

	if (nm)
		snprintf(b, n, "%s", nm);
	else
		snprintf(b, n, "%" PRIu64, ns->id.inum);
}

static void pair_name(char *b, size_t n, const struct check *k, int i)
{
	const struct dl_ns *ns = k->pairs[i].ns;
	char other[300];
	int j;

	pair_base(b, n, k, ns);
	for (j = 0; j < i; j++) {
		if (k->pairs[j].ns == ns)
			continue;
		pair_base(other, sizeof(other), k, k->pairs[j].ns);
		if (!strcmp(other, b)) {
			size_t l = strlen(b);

			snprintf(b + l, n - l, "#%" PRIu64,
				 ns->id.has_cookie ? ns->id.cookie : (uint64_t)(ns - k->s->ns));
			return;
		}
	}
}

/*
 * A label, METRIC_FAMILY[NAME]: quoted when it has a blank or a quote
 * ('' for '), "=" (which no label may hold) as "_", "|" as U+00A6.
 */
static void perf_label(FILE *o, const char *metric, int f, const char *name)
{
	char raw[400];
	const char *p;
	bool q;

	snprintf(raw, sizeof(raw), "%s_%s[%s]", metric, dl_family_names[f], name);
	q = strpbrk(raw, " '") != NULL;
	if (q)
		fputc('\'', o);
	for (p = raw; *p; p++) {
		if (*p == '\'')
			fputs("''", o);
		else if (*p == '=')
			fputc('_', o);
		else if (*p == '|')
			fputs("\xc2\xa6", o);
		else
			fputc(*p, o);
	}
	if (q)
		fputc('\'', o);
}

/* The worst namespace/family pairs: live, drift, headroom, suspects. */
static void perf_pairs(FILE *o, const struct check *k)
{
	char dr[64], v[32], name[300];
	int i;

	drift_range(dr, sizeof(dr), k->max_drift);
	for (i = 0; i < k->npairs; i++) {
		const struct pair *p = &k->pairs[i];
		const struct dl_fam *fa = &p->ns->fam[p->fam];
		double pct;

		pair_name(name, sizeof(name), k, i);
		if (!fa->f[DL_F_live].null) {
			dl_fmt_num(v, sizeof(v), &fa->f[DL_F_live]);
			fputs(i ? " " : "", o);
			perf_label(o, "live", p->fam, name);
			fprintf(o, "=%s;;;0", v);
		}
		if (!fa->f[DL_F_drift].null) {
			dl_fmt_num(v, sizeof(v), &fa->f[DL_F_drift]);
			fputc(' ', o);
			perf_label(o, "drift", p->fam, name);
			fprintf(o, "=%s;%s;;", v, dr);
		}
		if (dl_limit_enforced(fa) && dl_headroom(fa, &pct, NULL, NULL)) {
			fputc(' ', o);
			perf_label(o, "headroom", p->fam, name);
			fprintf(o, "=%.1f%%;%g:;%g:;0;100", pct, k->warn, k->crit);
		}
		if (k->sus) {
			fputc(' ', o);
			perf_label(o, "suspects", p->fam, name);
			fprintf(o, "=%" PRIu64 ";;;0",
				k->sus[(size_t)(p->ns - k->s->ns) * DSTLEAK_NR_FAMILIES +
				       (size_t)p->fam]);
		}
	}
}

/* The status line's text, as before performance data was added. */
static void check_status(FILE *o, const struct check *k, bool have_suspects, uint64_t total)
{
	if (k->worst.state != ST_OK) {
		fprintf(o, "DSTLEAK %s - %s", st_names[k->worst.state], k->worst.text);
		if (k->nfind > 1)
			fprintf(o, " (and %d more problem%s)", k->nfind - 1,
				k->nfind > 2 ? "s" : "");
		return;
	}
	fprintf(o, "DSTLEAK OK - %zu namespace%s", k->s->nns, k->s->nns == 1 ? "" : "s");
	if (k->low_where[0])
		fprintf(o, ", lowest headroom %.1f%% in %s", k->low, k->low_where);
	if (k->max_drift)
		fprintf(o, ", drift within %" PRIu64, k->max_drift);
	else
		fprintf(o, ", no drift");
	if (!have_suspects)
		fprintf(o, ", suspects not checked (no debugfs)");
	else if (!total)
		fprintf(o, ", no leak suspects");
	else
		fprintf(o, ", %" PRIu64 " suspect dst entries (max %" PRIu64 ")", total,
			k->max_suspects);
}

/*
 * As the monitoring-plugin guidelines say: the status line, "|" and the
 * totals; then one line per problem, worst first (at most --top, then how
 * many more); then "| " and the worst namespace/family pairs' data.
 */
static void check_report(const struct check *k, bool have_suspects, uint64_t total)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int i;

	if (!m)
		die(ST_UNKNOWN, "out of memory");
	check_status(m, k, have_suspects, total);
	if (fclose(m))
		die(ST_UNKNOWN, "out of memory");
	put_plugin_text(stdout, text);
	free(text);
	fputs(" | ", stdout);
	perf_totals(stdout, k, have_suspects, total);
	putchar('\n');
	for (i = 0; i < k->nlist; i++) {
		printf("[%s] ", st_names[k->list[i].state]);
		put_plugin_text(stdout, k->list[i].text);
		putchar('\n');
	}
	if (k->top > 0 && k->nfind > k->nlist)
		printf("... and %d more problem%s (dstleak show)\n", k->nfind - k->nlist,
		       k->nfind - k->nlist == 1 ? "" : "s");
	if (k->npairs) {
		fputs("| ", stdout);
		perf_pairs(stdout, k);
		putchar('\n');
	}
}

static void check_options(struct check *k, bool *want_suspects, int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "warn-headroom", required_argument, NULL, 'w' },
		{ "crit-headroom", required_argument, NULL, 'c' },
		{ "max-drift", required_argument, NULL, 'd' },
		{ "max-suspects", required_argument, NULL, 's' },
		{ "forecast", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "top", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t top;
	int c;

	while ((c = next_opt(argc, argv, ":hw:c:t:", longs, help_check)) != -1) {
		if (c == 't' && !parse_double(optarg, 0.001, 86400, &k->timeout))
			usage_error("-t: '%s' is not a number of seconds from 0.001 to 86400",
				    optarg);
		if (c == 'T') {
			top = parse_count("--top", optarg);
			if (top > 1000)
				usage_error("--top: %" PRIu64 " is above 1000", top);
			k->top = (int)top;
		}
		if (c == 'f' && !parse_double(optarg, 0.001, 1e6, &k->forecast_h))
			usage_error("--forecast: '%s' is not a number of hours", optarg);
		if (c == 'w' && !parse_double(optarg, 0, 100, &k->warn))
			usage_error("--warn-headroom: '%s' is not a percentage", optarg);
		if (c == 'c' && !parse_double(optarg, 0, 100, &k->crit))
			usage_error("--crit-headroom: '%s' is not a percentage", optarg);
		if (c == 'd')
			k->max_drift = parse_count("--max-drift", optarg);
		if (c == 's') {
			k->max_suspects = parse_count("--max-suspects", optarg);
			*want_suspects = true;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (k->crit > k->warn)
		usage_error("--crit-headroom %g is above --warn-headroom %g",
			    k->crit, k->warn);
}

/* --forecast HOURS: enforced limits the history says are reached within HOURS. */
static void check_forecast(struct check *k)
{
	char text[512];
	double secs = 0;
	int n;

	if (k->forecast_h < 0)
		return;
	n = dl_check_forecast(k->forecast_h, text, sizeof(text), &secs);
	if (n < 0)
		die(ST_UNKNOWN, "%s", text);
	if (n == 0)
		return;
	consider(&k->worst, &k->nfind, ST_WARN, RANK_FORECAST(secs), "%s", text);
	k->nfind += n - 1;
}

/*
 * Suspect entries per namespace (index in s) and family, the groups of a
 * namespace the summary does not have left out.
 */
static uint64_t *suspects_by_pair(const struct dl_summary *s, const struct dl_suspects *sp)
{
	uint64_t *v = dl_xrealloc(NULL, s->nns * DSTLEAK_NR_FAMILIES + 1, sizeof(*v));
	size_t i;

	memset(v, 0, (s->nns * DSTLEAK_NR_FAMILIES + 1) * sizeof(*v));
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		const struct dl_ns *ns = dl_find_ns(s, &g->id);
		size_t at;

		if (!ns || g->family < 0 || g->family >= DSTLEAK_NR_FAMILIES)
			continue;
		at = (size_t)(ns - s->ns) * DSTLEAK_NR_FAMILIES + (size_t)g->family;
		v[at] = sat_add(v[at], g->count);
	}
	return v;
}

/* -t: the line to print when time is up, and the handler that does. */
static char timeout_line[128];
static size_t timeout_len;

static void on_timeout(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, timeout_line, timeout_len);
	(void)r;
	_exit(ST_UNKNOWN);
}

/* Arm (secs > 0) or disarm (0) the -t timer. */
static void check_timer(double secs)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;

	if (secs > 0) {
		timeout_len = (size_t)snprintf(timeout_line, sizeof(timeout_line),
					       "DSTLEAK UNKNOWN - timed out after %gs\n", secs);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_timeout;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		it.it_value.tv_sec = (time_t)secs;
		it.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

int cmd_check(int argc, char **argv)
{
	struct check k = { .warn = 20, .crit = 10, .low = INFINITY, .forecast_h = -1,
			   .worst = { .state = ST_OK, .rank = -INFINITY }, .top = 10 };
	bool want_suspects = false, have_suspects;
	char msg[PATH_MAX + 128];
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	uint64_t total = 0;
	size_t i;

	bad_exit = ST_UNKNOWN;
	check_options(&k, &want_suspects, argc, argv);
	/* -t: reading (a hung debugfs or /proc read) past it is UNKNOWN. */
	check_timer(k.timeout);
	/* Any failure to read is UNKNOWN (check_mode). */
	load_summary(&src, &s, NULL, NULL);
	have_suspects = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	if (want_suspects && !have_suspects) {
		check_timer(0);
		fputs("DSTLEAK UNKNOWN - cannot check suspects: ", stdout);
		put_plugin_text(stdout, msg);
		putchar('\n');
		dl_summary_free(&s);
		return finish_output(ST_UNKNOWN);
	}
	names = dl_names_load();
	k.s = &s;
	k.names = names;
	k.list = dl_xrealloc(NULL, (size_t)k.top + 1, sizeof(*k.list));
	k.pairs = dl_xrealloc(NULL, (size_t)k.top + 1, sizeof(*k.pairs));
	if (have_suspects)
		k.sus = suspects_by_pair(&s, &sp);
	check_globals(&k);
	for (i = 0; i < s.nns; i++)
		check_ns(&k, &s.ns[i]);
	check_forecast(&k);
	if (have_suspects) {
		total = check_suspects(&k, &sp);
		dl_suspects_free(&sp);
	}
	/* All read: no timeout in the middle of the report. */
	check_timer(0);
	check_report(&k, have_suspects, total);
	free(k.list);
	free(k.pairs);
	free(k.sus);
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(k.worst.state);
}
