// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * plot.c - "dstleak plot": the history as one self-contained SVG. A panel
 * per namespace: live entries (solid) and the kernel counter (dashed) of
 * every family over time, each family's limit as a red dashed line,
 * suspect entries as orange marks, breaks (reboot, module reload) as grey
 * vertical lines. No scripts, fonts, images or links: plain SVG 1.1.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history.h"

/* Namespaces drawn at most: the largest; the others are counted. */
#define PLOT_MAX_PANELS 16
#define HEAD 56
#define LEFT 74
#define RIGHT 24
#define PTOP 30
#define PBOTTOM 34

static const char *const fam_color[DSTLEAK_NR_FAMILIES] = {
	"#1f62b4", "#1a9641", "#7b3294", "#8c510a", "#555555",
};

/* The kernel counter: darker, dashed, drawn over live (often the same). */
static const char *const kern_color[DSTLEAK_NR_FAMILIES] = {
	"#0b2f5c", "#0b4d1f", "#3d1849", "#4a2a05", "#111111",
};

#define LIMIT_COLOR "#d62728"
#define SUSPECT_COLOR "#ff7f0e"
#define BREAK_COLOR "#999999"

struct pt {
	size_t sample;
	const struct hist_row *r;
};

struct panel {
	const struct hist_row *id; /* its first row */
	const char *name; /* the latest name */
	bool exited;
	struct pt *p[DSTLEAK_NR_FAMILIES];
	size_t n[DSTLEAK_NR_FAMILIES], cap[DSTLEAK_NR_FAMILIES];
	double ymax;
};

static void xml_text(FILE *o, const char *s)
{
	char *c = dl_clean(s, strlen(s)), *p;

	for (p = c; *p; p++) {
		if (*p == '&')
			fputs("&amp;", o);
		else if (*p == '<')
			fputs("&lt;", o);
		else if (*p == '>')
			fputs("&gt;", o);
		else if (*p == '"')
			fputs("&quot;", o);
		else
			fputc(*p, o);
	}
	free(c);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks up to max. */
static double nice_step(double max, int n)
{
	double raw = max / n, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static void fmt_count(char *b, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(b, n, "%gM", v / 1e6);
	else if (v >= 1e4)
		snprintf(b, n, "%gk", v / 1e3);
	else
		snprintf(b, n, "%.0f", v);
}

static bool same_ns(const struct hist_row *a, const struct hist_row *b)
{
	return a->id.inum == b->id.inum && a->id.has_cookie == b->id.has_cookie &&
	       a->id.cookie == b->id.cookie;
}

static int cmp_panel(const void *a, const void *b)
{
	const struct panel *x = a, *y = b;

	return x->ymax < y->ymax ? 1 : x->ymax > y->ymax ? -1 : 0;
}

static double val(const struct dl_num *v)
{
	return v->null ? NAN : dl_num_d(v);
}

struct frame {
	double t0, t1, x0, x1, y0, y1, ymax;
};

static double fx(const struct frame *f, double t)
{
	return f->x0 + (t - f->t0) / (f->t1 - f->t0) * (f->x1 - f->x0);
}

static double fy(const struct frame *f, double v)
{
	if (v < 0)
		v = 0;
	return f->y1 - v / f->ymax * (f->y1 - f->y0);
}

/* One polyline per run of points within a segment; field k of the rows. */
static void draw_series(FILE *o, const struct history *h, const struct frame *fr,
			const struct panel *p, int f, int k, const char *color,
			const char *style)
{
	size_t i;
	bool open = false;
	unsigned int seg = 0;

	for (i = 0; i < p->n[f]; i++) {
		const struct hist_sample *s = &h->s[p->p[f][i].sample];
		double v = val(&p->p[f][i].r->v[k]);
		bool cont = open && s->seg == seg &&
			    p->p[f][i].sample == p->p[f][i - 1].sample + 1;

		if (isnan(v)) {
			if (open)
				fputs("\"/>\n", o);
			open = false;
			continue;
		}
		if (open && !cont) {
			fputs("\"/>\n", o);
			open = false;
		}
		if (!open) {
			fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" %s points=\"",
				color, style);
			open = true;
			seg = s->seg;
		} else {
			fputc(' ', o);
		}
		fprintf(o, "%.1f,%.1f", fx(fr, s->t), fy(fr, v));
	}
	if (open)
		fputs("\"/>\n", o);
}

static void time_label(char *b, size_t n, double t, double span)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (span > 2 * 86400)
		strftime(b, n, "%m-%d %H:%M", &tm);
	else if (span > 600)
		strftime(b, n, "%H:%M", &tm);
	else
		strftime(b, n, "%H:%M:%S", &tm);
}

static void draw_panel(FILE *o, const struct history *h, const struct panel *p,
		       double t0, double t1, double top, int width, int ph)
{
	struct frame fr = { t0, t1, LEFT, width - RIGHT, top + PTOP, top + ph - PBOTTOM, 1 };
	double step, v, lim_max = 0;
	char lab[64];
	size_t i;
	int f;

	/* The scale: the data, and limits not far above it. */
	fr.ymax = p->ymax > 0 ? p->ymax : 1;
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct hist_row *r = p->n[f] ? p->p[f][p->n[f] - 1].r : NULL;
		double l = r ? val(&r->v[HF_LIMIT]) : NAN;

		if (!isnan(l) && l <= 4 * fr.ymax && l > lim_max)
			lim_max = l;
	}
	if (lim_max > fr.ymax)
		fr.ymax = lim_max;
	step = nice_step(fr.ymax * 1.05, 5);
	fr.ymax = ceil(fr.ymax * 1.05 / step) * step;
	/* Frame, title, grid. */
	fprintf(o, "<g>\n<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
		"fill=\"#fbfbfb\" stroke=\"#cccccc\"/>\n", fr.x0, fr.y0, fr.x1 - fr.x0,
		fr.y1 - fr.y0);
	fprintf(o, "<text x=\"%d\" y=\"%.0f\" font-size=\"14\" font-weight=\"bold\">netns ",
		LEFT, top + 20);
	if (p->name) {
		xml_text(o, p->name);
		fprintf(o, " (%" PRIu64 ")", p->id->id.inum);
	} else {
		fprintf(o, "%" PRIu64, p->id->id.inum);
	}
	if (p->id->id.has_cookie)
		fprintf(o, ", cookie %" PRIu64, p->id->id.cookie);
	fprintf(o, "%s</text>\n", p->exited ? " (exited)" : "");
	for (v = 0; v <= fr.ymax + step / 2; v += step) {
		fmt_count(lab, sizeof(lab), v);
		fprintf(o, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#e4e4e4\"/>\n<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" "
			"text-anchor=\"end\">%s</text>\n", fr.x0, fr.x1, fy(&fr, v),
			fy(&fr, v), fr.x0 - 6, fy(&fr, v) + 4, lab);
	}
	for (i = 0; i <= 5; i++) {
		double t = t0 + (t1 - t0) * (double)i / 5;

		time_label(lab, sizeof(lab), t, t1 - t0);
		fprintf(o, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" "
			"text-anchor=\"middle\">%s</text>\n", fx(&fr, t), fr.y1 + 16, lab);
	}
	/* Breaks. */
	for (i = 1; i < h->ns; i++) {
		if (h->s[i].seg == h->s[i - 1].seg)
			continue;
		fprintf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" "
			"stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"2,3\"/>\n"
			"<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#777777\">%s</text>\n",
			fx(&fr, h->s[i].t), fx(&fr, h->s[i].t), fr.y0, fr.y1, BREAK_COLOR,
			fx(&fr, h->s[i].t) + 3, fr.y0 + 12,
			strcmp(h->s[i].boot, h->s[i - 1].boot) ? "reboot" : "reload");
	}
	/* Limits, lines, suspects. */
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct hist_row *r = p->n[f] ? p->p[f][p->n[f] - 1].r : NULL;
		double l = r ? val(&r->v[HF_LIMIT]) : NAN;

		if (!r)
			continue;
		if (!isnan(l) && l <= fr.ymax) {
			fprintf(o, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"8,4\"/>\n"
				"<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" fill=\"%s\" "
				"text-anchor=\"end\">%s %s %.0f%s</text>\n", fr.x0, fr.x1,
				fy(&fr, l), fy(&fr, l), LIMIT_COLOR, fr.x1 - 4, fy(&fr, l) - 4,
				LIMIT_COLOR, dl_family_names[f], dl_field_names[r->limit_name],
				l, r->enforced ? "" : " (not enforced)");
		} else if (!isnan(l)) {
			fprintf(o, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"%s\" "
				"text-anchor=\"end\">%s %s %.0f (off scale)</text>\n", fr.x1 - 4,
				fr.y0 + 14 + 13 * f, LIMIT_COLOR, dl_family_names[f],
				dl_field_names[r->limit_name], l);
		}
		draw_series(o, h, &fr, p, f, HF_LIVE, fam_color[f], "stroke-width=\"2.5\"");
		draw_series(o, h, &fr, p, f, HF_KERNEL, kern_color[f],
			    "stroke-width=\"1.5\" stroke-dasharray=\"6,3\"");
		for (i = 0; i < p->n[f]; i++) {
			double s = val(&p->p[f][i].r->v[HF_SUSPECTS]);
			double x = fx(&fr, h->s[p->p[f][i].sample].t), y;

			if (isnan(s) || s <= 0)
				continue;
			y = fy(&fr, s);
			fprintf(o, "<path d=\"M%.1f,%.1f l4,7 h-8 z\" fill=\"%s\"/>\n", x,
				y - 4, SUSPECT_COLOR);
		}
	}
	fputs("</g>\n", o);
}

static void legend(FILE *o, const bool *used, int width)
{
	double x = LEFT;
	int f;

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!used[f])
			continue;
		fprintf(o, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"44\" y2=\"44\" stroke=\"%s\" "
			"stroke-width=\"2.5\"/><text x=\"%.0f\" y=\"48\" font-size=\"11\">%s "
			"live</text>\n", x, x + 18, fam_color[f], x + 22, dl_family_names[f]);
		x += 86;
		fprintf(o, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"44\" y2=\"44\" stroke=\"%s\" "
			"stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/><text x=\"%.0f\" "
			"y=\"48\" font-size=\"11\">%s kernel</text>\n", x, x + 18,
			kern_color[f], x + 22, dl_family_names[f]);
		x += 96;
	}
	if (x + 200 < width) {
		fprintf(o, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"44\" y2=\"44\" stroke=\"%s\" "
			"stroke-width=\"2\" stroke-dasharray=\"8,4\"/><text x=\"%.0f\" y=\"48\" "
			"font-size=\"11\">limit</text>\n", x, x + 18, LIMIT_COLOR, x + 22);
		fprintf(o, "<path d=\"M%.0f,40 l4,7 h-8 z\" fill=\"%s\"/><text x=\"%.0f\" "
			"y=\"48\" font-size=\"11\">suspects</text>\n", x + 76, SUSPECT_COLOR,
			x + 84);
	}
}

void dl_plot_svg(FILE *o, const struct history *h, const struct plot_opts *po,
		 int *height)
{
	struct panel *pan = NULL;
	size_t np = 0, cap = 0, i, j, shown;
	bool used[DSTLEAK_NR_FAMILIES] = { false };
	double t0 = h->ns ? h->s[0].t : 0, t1 = h->ns ? h->s[h->ns - 1].t : 1;
	char a[32], b[32];
	struct dl_map map;
	int f;

	if (t1 - t0 < 1) {
		t0 -= 0.5;
		t1 = t0 + 1;
	}
	dl_map_init(&map);
	for (i = 0; i < h->ns; i++) {
		const struct hist_sample *s = &h->s[i];

		for (j = s->first; j < s->first + s->n; j++) {
			const struct hist_row *r = &h->rows[j];
			bool added;
			uint64_t *v = dl_map_put(&map, dl_nsid_key(&r->id), np, &added);
			size_t k = added ? np : (size_t)*v;
			struct panel *p;
			double m;

			if (!added && !same_ns(pan[k].id, r))
				for (k = 0; k < np && !same_ns(pan[k].id, r); k++)
					;
			if (k == np) {
				pan = dl_grow(pan, np, &cap, sizeof(*pan));
				memset(&pan[np], 0, sizeof(*pan));
				pan[np].id = r;
				np++;
			}
			p = &pan[k];
			p->name = r->name ? r->name : p->name;
			p->exited = r->exited;
			f = r->family;
			used[f] = true;
			p->p[f] = dl_grow(p->p[f], p->n[f], &p->cap[f], sizeof(struct pt));
			p->p[f][p->n[f]].sample = i;
			p->p[f][p->n[f]++].r = r;
			m = fmax(val(&r->v[HF_LIVE]), val(&r->v[HF_KERNEL]));
			if (!isnan(m) && m > p->ymax)
				p->ymax = m;
		}
	}
	dl_map_free(&map);
	if (np)
		qsort(pan, np, sizeof(*pan), cmp_panel);
	shown = np > PLOT_MAX_PANELS ? PLOT_MAX_PANELS : np;
	*height = HEAD + (int)(shown ? shown : 1) * po->panel_height + (np > shown ? 20 : 0);
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		po->width, *height, po->width, *height);
	time_label(a, sizeof(a), t0, 3 * 86400);
	time_label(b, sizeof(b), t1, 3 * 86400);
	fprintf(o, "<text x=\"%d\" y=\"22\" font-size=\"16\" font-weight=\"bold\">", LEFT);
	if (po->title) {
		xml_text(o, po->title);
	} else {
		fputs("dst entries on ", o);
		xml_text(o, h->host ? h->host : "?");
		fprintf(o, ", %s to %s UTC, %zu samples", a, b, h->ns);
	}
	fputs("</text>\n", o);
	legend(o, used, po->width);
	if (!np)
		fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"14\">no samples</text>\n",
			LEFT, HEAD + po->panel_height / 2);
	for (i = 0; i < shown; i++)
		draw_panel(o, h, &pan[i], t0, t1, HEAD + (double)i * po->panel_height,
			   po->width, po->panel_height);
	if (np > shown)
		fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%zu more namespaces "
			"with fewer entries not drawn</text>\n", LEFT, *height - 6, np - shown);
	fputs("</svg>\n", o);
	for (i = 0; i < np; i++)
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++)
			free(pan[i].p[f]);
	free(pan);
}
