// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * forecast.c - growth of live entries and of the kernel counter per
 * namespace and family from a history, and the time to the limit.
 *
 * The rate is the Theil-Sen estimate: the median of the slopes between
 * every pair of samples, pairs taken only within one segment (never across
 * a reboot or a module reload). One sawtooth of garbage collection or a
 * burst moves it little, where a line through two endpoints would swing
 * with them. A rate counts as growth only when the Mann-Kendall trend
 * statistic is significant (one-sided, 5 %): a flat line with noise has
 * some slope, never a trend. The level "now" is the median of every point
 * of the last segment carried to the last sample along that slope, so the
 * time to the limit starts from the typical level, not from one peak.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

/* Points a fit uses at most: pairs grow as the square. */
#define FIT_MAX_POINTS 300
/* Mann-Kendall Z for a one-sided 5 % test. */
#define FIT_Z_MIN 1.645

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void dl_fit(const double *t, const double *y, const unsigned int *seg, size_t n,
	    struct fc_fit *out)
{
	size_t idx[FIT_MAX_POINTS], m, i, j, np = 0, run;
	double *sl, s = 0, var = 0;

	memset(out, 0, sizeof(*out));
	if (n < 3)
		return;
	/* Evenly spread points when there are too many. */
	m = n > FIT_MAX_POINTS ? FIT_MAX_POINTS : n;
	for (i = 0; i < m; i++)
		idx[i] = m == n ? i : (size_t)((double)i * (double)(n - 1) / (double)(m - 1) + 0.5);
	sl = dl_xrealloc(NULL, m * (m - 1) / 2 + 1, sizeof(*sl));
	for (i = 0; i < m; i++) {
		for (j = i + 1; j < m; j++) {
			size_t a = idx[i], b = idx[j];
			double dy = y[b] - y[a];

			if (seg[a] != seg[b] || t[b] <= t[a])
				continue;
			sl[np++] = dy / (t[b] - t[a]);
			s += dy > 0 ? 1 : dy < 0 ? -1 : 0;
		}
	}
	/* Variance of S: the sum over segments of n(n-1)(2n+5)/18. */
	for (i = 0, run = 1; i < m; i++, run++) {
		if (i + 1 < m && seg[idx[i + 1]] == seg[idx[i]])
			continue;
		var += (double)run * (double)(run - 1) * (double)(2 * run + 5) / 18.0;
		run = 0;
	}
	out->points = m;
	if (np < 3) {
		free(sl);
		return;
	}
	out->ok = true;
	out->slope = median(sl, np);
	if (var > 0)
		out->z = (s > 0 ? s - 1 : s < 0 ? s + 1 : 0) / sqrt(var);
	out->growing = out->slope > 0 && out->z > FIT_Z_MIN;
	/* The level at the last point: the last segment carried along. */
	np = 0;
	for (i = n; i-- > 0 && seg[i] == seg[n - 1];)
		if (np < m * (m - 1) / 2 + 1)
			sl[np++] = y[i] + out->slope * (t[n - 1] - t[i]);
	out->level = median(sl, np);
	free(sl);
}

void dl_fmt_dur(char *b, size_t n, double secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 90)
		snprintf(b, n, "%.0fs", secs);
	else if (secs < 90 * 60)
		snprintf(b, n, "%.0fm", secs / 60);
	else if (secs < 48 * 3600)
		snprintf(b, n, "%.1fh", secs / 3600);
	else
		snprintf(b, n, "%.1fd", secs / 86400);
}

/* ---------------- series ---------------- */

static bool same_series(const struct hist_row *a, const struct hist_row *b)
{
	return a->family == b->family && a->id.inum == b->id.inum &&
	       a->id.has_cookie == b->id.has_cookie && a->id.cookie == b->id.cookie;
}

static uint64_t series_key(const struct hist_row *r)
{
	return dl_nsid_key(&r->id) * 8 + (uint64_t)r->family;
}

static double num_d(const struct dl_num *v)
{
	return dl_num_d(v);
}

struct ser {
	const struct hist_row *first, *last;
	size_t count;
};

void dl_forecast(const struct history *h, struct forecast *fc)
{
	size_t *sidx = dl_xrealloc(NULL, h->nr ? h->nr : 1, sizeof(size_t));
	size_t nser = 0, cap = 0, i, k, si;
	struct ser *ser = NULL;
	struct dl_map map;

	memset(fc, 0, sizeof(*fc));
	fc->samples = h->ns;
	fc->breaks = h->breaks;
	if (!h->ns) {
		free(sidx);
		return;
	}
	fc->t_first = h->s[0].t;
	fc->t_last = h->s[h->ns - 1].t;
	/* Which series each row belongs to. */
	dl_map_init(&map);
	for (i = 0; i < h->nr; i++) {
		const struct hist_row *r = &h->rows[i];
		bool added;
		uint64_t *v = dl_map_put(&map, series_key(r), nser, &added);

		k = added ? nser : (size_t)*v;
		if (!added && !same_series(ser[k].first, r)) {
			/* A key collision: find it the slow way. */
			for (k = 0; k < nser && !same_series(ser[k].first, r); k++)
				;
		}
		if (k == nser) {
			ser = dl_grow(ser, nser, &cap, sizeof(*ser));
			ser[nser].first = r;
			ser[nser].count = 0;
			nser++;
		}
		sidx[i] = k;
		ser[k].last = r;
		ser[k].count++;
	}
	dl_map_free(&map);
	/* Every series' points back to back, in time order. */
	{
		const struct hist_sample *ls = &h->s[h->ns - 1];
		size_t nr = h->nr ? h->nr : 1, *off = dl_xrealloc(NULL, nser + 1, sizeof(size_t));
		size_t *nl = dl_xrealloc(NULL, nser + 1, sizeof(size_t));
		size_t *nk = dl_xrealloc(NULL, nser + 1, sizeof(size_t));
		double *tl = dl_xrealloc(NULL, nr, sizeof(double));
		double *yl = dl_xrealloc(NULL, nr, sizeof(double));
		double *tk = dl_xrealloc(NULL, nr, sizeof(double));
		double *yk = dl_xrealloc(NULL, nr, sizeof(double));
		unsigned int *gl = dl_xrealloc(NULL, nr, sizeof(unsigned int));
		unsigned int *gk = dl_xrealloc(NULL, nr, sizeof(unsigned int));

		for (k = 0, i = 0; k < nser; k++) {
			off[k] = i;
			nl[k] = nk[k] = 0;
			i += ser[k].count;
		}
		for (si = 0; si < h->ns; si++) {
			const struct hist_sample *sm = &h->s[si];

			for (i = sm->first; i < sm->first + sm->n; i++) {
				const struct hist_row *r = &h->rows[i];
				size_t s = sidx[i];

				if (!r->v[HF_LIVE].null) {
					tl[off[s] + nl[s]] = sm->t;
					yl[off[s] + nl[s]] = num_d(&r->v[HF_LIVE]);
					gl[off[s] + nl[s]++] = sm->seg;
				}
				if (!r->v[HF_KERNEL].null) {
					tk[off[s] + nk[s]] = sm->t;
					yk[off[s] + nk[s]] = num_d(&r->v[HF_KERNEL]);
					gk[off[s] + nk[s]++] = sm->seg;
				}
			}
		}
		/* Fit those in the last sample, in its order. */
		for (k = 0; k < ls->n; k++) {
			size_t s = sidx[ls->first + k], o0 = off[s];
			const struct hist_row *lr = ser[s].last;
			struct fc_series *o;

			fc->s = dl_grow(fc->s, fc->n, &fc->cap, sizeof(*fc->s));
			o = &fc->s[fc->n++];
			memset(o, 0, sizeof(*o));
			o->id = lr->id;
			o->name = lr->name;
			o->exited = lr->exited;
			o->family = lr->family;
			o->t_last = ls->t;
			o->last_live = num_d(&lr->v[HF_LIVE]);
			o->has_kernel = !lr->v[HF_KERNEL].null;
			o->last_kernel = num_d(&lr->v[HF_KERNEL]);
			o->limit = lr->v[HF_LIMIT].null ? 0 : lr->v[HF_LIMIT].u;
			o->limit_name = lr->limit_name;
			o->enforced = lr->enforced;
			o->suspects = lr->v[HF_SUSPECTS].null ? 0 : lr->v[HF_SUSPECTS].u;
			dl_fit(tl + o0, yl + o0, gl + o0, nl[s], &o->live);
			dl_fit(tk + o0, yk + o0, gk + o0, nk[s], &o->kernel);
			o->eta = -1;
			/* The limit is on the kernel counter; the fit must reach now. */
			if (o->limit && o->has_kernel && o->kernel.growing && nk[s] &&
			    gk[o0 + nk[s] - 1] == ls->seg) {
				double left = (double)o->limit - o->kernel.level;

				o->eta = left <= 0 ? 0 : left / o->kernel.slope;
			}
		}
		free(off);
		free(nl);
		free(nk);
		free(tl);
		free(yl);
		free(tk);
		free(yk);
		free(gl);
		free(gk);
	}
	free(sidx);
	free(ser);
}

void dl_forecast_free(struct forecast *fc)
{
	free(fc->s);
	memset(fc, 0, sizeof(*fc));
}

/* Seconds from now to the limit; -1 when it is not approached. */
static double remaining(const struct fc_series *s, double now)
{
	double r;

	if (s->eta < 0)
		return -1;
	r = s->eta - (now - s->t_last);
	return r < 0 ? 0 : r;
}

long dl_forecast_soonest(const struct forecast *fc, double now, double secs,
			 size_t *count)
{
	long best = -1;
	double bt = INFINITY;
	size_t i;

	*count = 0;
	for (i = 0; i < fc->n; i++) {
		double r = remaining(&fc->s[i], now);

		if (!fc->s[i].enforced || r < 0 || r > secs)
			continue;
		(*count)++;
		if (r < bt) {
			bt = r;
			best = (long)i;
		}
	}
	return best;
}

/* ---------------- output ---------------- */

static void fmt_rate(char *b, size_t n, const struct fc_fit *f)
{
	if (!f->ok)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%+.1f%s", f->slope * 3600, f->growing ? "" : "~");
}

static const char *const fc_hdr[] = { "NETNS", "INUM", "FAMILY", "LIVE", "LIVE/h",
	"KERNEL", "KERNEL/h", "LIMIT", "LIMIT_IN" };

void dl_forecast_print(FILE *o, const struct forecast *fc, const char *path, double now)
{
	char span[32], age[32], *p = dl_clean(path, strlen(path));
	bool marked = false;
	size_t i, w[9];
	int c;
	char (*cells)[9][48] = dl_xrealloc(NULL, fc->n + 1, sizeof(*cells));

	dl_fmt_dur(span, sizeof(span), fc->t_last - fc->t_first);
	dl_fmt_dur(age, sizeof(age), now - fc->t_last);
	fprintf(o, "forecast from %s: %zu sample%s over %s, the last %s ago", p,
		fc->samples, fc->samples == 1 ? "" : "s", span, age);
	if (fc->breaks)
		fprintf(o, ", %u break%s (reboot or module reload)", fc->breaks,
			fc->breaks == 1 ? "" : "s");
	fputc('\n', o);
	free(p);
	for (c = 0; c < 9; c++)
		snprintf(cells[0][c], sizeof(cells[0][c]), "%s", fc_hdr[c]);
	for (i = 0; i < fc->n; i++) {
		const struct fc_series *s = &fc->s[i];
		char (*r)[48] = cells[i + 1];
		double left = remaining(s, now);

		if (s->name)
			snprintf(r[0], 48, "%.47s", s->name);
		else
			snprintf(r[0], 48, "-");
		snprintf(r[1], 48, "%" PRIu64, s->id.inum);
		snprintf(r[2], 48, "%s", dl_family_names[s->family]);
		snprintf(r[3], 48, "%.0f", s->last_live);
		fmt_rate(r[4], 48, &s->live);
		if (s->has_kernel)
			snprintf(r[5], 48, "%.0f", s->last_kernel);
		else
			snprintf(r[5], 48, "-");
		fmt_rate(r[6], 48, &s->kernel);
		if (s->limit)
			snprintf(r[7], 48, "%s %" PRIu64, dl_field_names[s->limit_name],
				 s->limit);
		else
			snprintf(r[7], 48, "-");
		if (left < 0)
			snprintf(r[8], 48, "-");
		else if (left == 0)
			snprintf(r[8], 48, "reached");
		else
			dl_fmt_dur(r[8], 48, left);
		if (left >= 0 && !s->enforced) {
			strcat(r[8], "*");
			marked = true;
		}
	}
	for (c = 0; c < 9; c++) {
		w[c] = 0;
		for (i = 0; i <= fc->n; i++)
			if (strlen(cells[i][c]) > w[c])
				w[c] = strlen(cells[i][c]);
	}
	for (i = 0; i <= fc->n; i++) {
		for (c = 0; c < 9; c++) {
			int left_al = c < 3;

			if (c == 8)
				fprintf(o, "%s\n", cells[i][c]);
			else
				fprintf(o, left_al ? "%-*s  " : "%*s  ", (int)w[c], cells[i][c]);
		}
	}
	fprintf(o, "(rates per hour, Theil-Sen over the history; \"~\": no "
		"significant trend)\n");
	if (marked)
		fprintf(o, "* limit not enforced by this kernel: reaching it fails no "
			"allocation\n");
	free(cells);
}

static void json_fit(FILE *o, const char *key, const struct fc_fit *f)
{
	if (!f->ok) {
		fprintf(o, "\"%s_per_hour\":null,\"%s_growing\":false", key, key);
		return;
	}
	fprintf(o, "\"%s_per_hour\":%.3f,\"%s_growing\":%s", key, f->slope * 3600,
		key, f->growing ? "true" : "false");
}

void dl_forecast_json(FILE *o, const struct forecast *fc, const char *path, double now)
{
	size_t i;

	fprintf(o, "{\"version\":1,\"history\":\"");
	jw_escape(o, path);
	fprintf(o, "\",\"samples\":%zu,\"breaks\":%u,\"first\":%.3f,\"last\":%.3f,"
		"\"series\":[", fc->samples, fc->breaks, fc->t_first, fc->t_last);
	for (i = 0; i < fc->n; i++) {
		const struct fc_series *s = &fc->s[i];
		double left = remaining(s, now);

		fprintf(o, "%s{\"inum\":%" PRIu64 ",\"cookie\":", i ? "," : "", s->id.inum);
		if (s->id.has_cookie)
			fprintf(o, "%" PRIu64, s->id.cookie);
		else
			fprintf(o, "null");
		fprintf(o, ",\"name\":");
		if (s->name) {
			fputc('"', o);
			jw_escape(o, s->name);
			fputc('"', o);
		} else {
			fprintf(o, "null");
		}
		fprintf(o, ",\"state\":\"%s\",\"family\":\"%s\",\"live\":%.0f,",
			s->exited ? "exited" : "alive", dl_family_names[s->family],
			s->last_live);
		json_fit(o, "live", &s->live);
		if (s->has_kernel)
			fprintf(o, ",\"kernel\":%.0f,", s->last_kernel);
		else
			fprintf(o, ",\"kernel\":null,");
		json_fit(o, "kernel", &s->kernel);
		if (s->limit)
			fprintf(o, ",\"limit\":%" PRIu64 ",\"limit_name\":\"%s\"", s->limit,
				dl_field_names[s->limit_name]);
		else
			fprintf(o, ",\"limit\":null,\"limit_name\":null");
		fprintf(o, ",\"limit_enforced\":%s,\"seconds_to_limit\":",
			s->enforced ? "true" : "false");
		if (left < 0)
			fprintf(o, "null");
		else
			fprintf(o, "%.1f", left);
		fprintf(o, ",\"suspects\":%" PRIu64 "}", s->suspects);
	}
	fprintf(o, "]}\n");
}
