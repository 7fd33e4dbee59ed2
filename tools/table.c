// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * table.c - columns sized to their widest cell, numbers right-aligned.
 * Cells are stored made fit for a terminal (dl_clean): valid UTF-8, no
 * control bytes, so widths count characters. A host may have 100,000
 * namespaces: cells go into one buffer (no allocation each), widths are
 * kept as rows come, and lines are built without stdio formatting.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "table.h"

struct tbl_out tbl_out;

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void tbl_init(struct tbl *t, int ncols, const char *const *hdr, const char *align)
{
	int i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->hdr = hdr;
	t->align = align;
	t->width = dl_xrealloc(NULL, (size_t)ncols, sizeof(*t->width));
	for (i = 0; i < ncols; i++)
		t->width[i] = width(hdr[i]);
}

void tbl_init_main(struct tbl *t, const struct tbl_desc *d)
{
	const char **hdr = dl_xrealloc(NULL, (size_t)d->ncols, sizeof(*hdr));
	char *align = dl_xrealloc(NULL, (size_t)d->ncols + 1, 1);
	int i;

	for (i = 0; i < d->ncols; i++) {
		hdr[i] = d->cols[i].hdr ? d->cols[i].hdr : d->cols[i].name;
		align[i] = d->cols[i].align;
	}
	align[d->ncols] = 0;
	tbl_init(t, d->ncols, hdr, align);
	t->own_hdr = hdr;
	t->own_align = align;
	t->desc = d;
	/* -n: widths of the cells only. */
	if (tbl_out.noheadings)
		for (i = 0; i < d->ncols; i++)
			t->width[i] = 0;
}

bool tbl_opt(int c, const char *arg)
{
	switch (c) {
	case 'o':
		tbl_out.columns = arg;
		return true;
	case 'n':
	case TBL_OPT_NOHEAD:
		tbl_out.noheadings = true;
		return true;
	case 'r':
	case TBL_OPT_RAW:
		tbl_out.raw = true;
		return true;
	case TBL_OPT_LIST:
		tbl_out.list = true;
		return true;
	}
	return false;
}

bool tbl_only(void)
{
	return tbl_out.columns || tbl_out.noheadings || tbl_out.raw;
}

bool tbl_rows_json(void)
{
	return tbl_out.json && (tbl_out.columns || tbl_out.json_rows);
}

static int find_col(const struct tbl_desc *d, const char *p, size_t len)
{
	int i;

	for (i = 0; i < d->ncols; i++)
		if (strlen(d->cols[i].name) == len && !strncasecmp(d->cols[i].name, p, len))
			return i;
	return -1;
}

static void add_sel(int i)
{
	tbl_out.sel = dl_xrealloc(tbl_out.sel, (size_t)tbl_out.nsel + 1, sizeof(int));
	tbl_out.sel[tbl_out.nsel++] = i;
}

void tbl_out_done(const struct tbl_desc *d)
{
	const char *p = tbl_out.columns;
	int i;

	if (tbl_out.list) {
		size_t w = 0;

		for (i = 0; i < d->ncols; i++)
			if (strlen(d->cols[i].name) > w)
				w = strlen(d->cols[i].name);
		for (i = 0; i < d->ncols; i++)
			printf("%-*s  %s\n", (int)w, d->cols[i].name, d->cols[i].desc);
		exit(finish_output(0));
	}
	free(tbl_out.sel);
	tbl_out.sel = NULL;
	tbl_out.nsel = 0;
	if (!p)
		return;
	/* +COLS: the default columns (all of them), then COLS. */
	if (*p == '+') {
		for (i = 0; i < d->ncols; i++)
			add_sel(i);
		p++;
	}
	for (;;) {
		size_t len = strcspn(p, ",");

		i = find_col(d, p, len);
		if (i < 0)
			die(DL_EXIT_BADINPUT, "unknown column '%.*s' (dstleak %s --list-columns)",
			    (int)len, p, d->cmd);
		add_sel(i);
		if (!p[len])
			break;
		p += len + 1;
	}
}

/* Printable ASCII only: the common case, stored as it is. */
static bool plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Store a cell; its width. */
static size_t add_cell(struct tbl *t, const char *s)
{
	size_t n = strlen(s);
	char *c = plain(s, n) ? NULL : dl_clean(s, n);
	const char *src = c ? c : s;

	n = strlen(src);
	while (t->tlen + n + 1 > t->tcap) {
		t->tcap = t->tcap ? t->tcap * 2 : 4096;
		t->text = dl_xrealloc(t->text, t->tcap, 1);
	}
	memcpy(t->text + t->tlen, src, n + 1);
	t->cells = dl_grow(t->cells, t->ncells, &t->ccap, sizeof(*t->cells));
	t->cells[t->ncells++] = t->tlen;
	t->tlen += n + 1;
	free(c);
	return width(t->text + t->cells[t->ncells - 1]);
}

static void add_row(struct tbl *t, bool raw)
{
	t->rows = dl_grow(t->rows, t->nrows, &t->cap, sizeof(*t->rows));
	t->rows[t->nrows].raw = raw;
	t->rows[t->nrows].first = t->ncells;
	t->nrows++;
}

void tbl_row(struct tbl *t, const char *first, ...)
{
	const char *s = first;
	va_list ap;
	int i;

	add_row(t, false);
	va_start(ap, first);
	for (i = 0; i < t->ncols; i++) {
		size_t w;

		if (i)
			s = va_arg(ap, const char *);
		w = add_cell(t, s ? s : "");
		if (w > t->width[i])
			t->width[i] = w;
	}
	va_end(ap);
}

void tbl_raw(struct tbl *t, const char *line)
{
	add_row(t, true);
	add_cell(t, line);
}

/* Append n bytes of s, or n blanks when s is NULL, to the line buffer. */
static void put(char **b, size_t *len, size_t *cap, const char *s, size_t n)
{
	while (*len + n + 1 > *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*b = dl_xrealloc(*b, *cap, 1);
	}
	if (s)
		memcpy(*b + *len, s, n);
	else
		memset(*b + *len, ' ', n);
	*len += n;
}

/* A cell of raw output: blanks, backslashes, control bytes as \xHH. */
static void put_raw(char **b, size_t *len, size_t *cap, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isspace(c) || c == '\\' || c < 0x20 || c == 0x7f) {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			put(b, len, cap, e, 4);
		} else {
			put(b, len, cap, s, 1);
		}
	}
}

/* A JSON number as it stands: -?digits(.digits)? */
static bool json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s) || (*s == '0' && isdigit((unsigned char)s[1])))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return !*s;
}

/* The JSON key of a column: its name in lower case, '/' and the like '_'. */
static void json_key(FILE *f, const char *name)
{
	fputc('"', f);
	for (; *name; name++)
		fputc(isalnum((unsigned char)*name) ? tolower((unsigned char)*name) : '_', f);
	fputs("\":", f);
}

/* The columns to print: -o's of a main table, else every one. */
static const int *columns(const struct tbl *t, int *n, int **own)
{
	int i;

	if (t->desc && tbl_out.sel) {
		*n = tbl_out.nsel;
		*own = NULL;
		return tbl_out.sel;
	}
	*own = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(int));
	for (i = 0; i < t->ncols; i++)
		(*own)[i] = i;
	*n = t->ncols;
	return *own;
}

/* One line, without trailing blanks (aligned) or as is (raw). */
static void line(FILE *f, const struct tbl *t, const char *const *cells,
		 const int *sel, int nsel, bool raw, char **b, size_t *cap)
{
	size_t len = 0;
	int k;

	for (k = 0; k < nsel; k++) {
		int i = sel[k];
		size_t n = strlen(cells[i]), pad = t->width[i] - width(cells[i]);

		if (raw) {
			if (k)
				put(b, &len, cap, NULL, 1);
			put_raw(b, &len, cap, cells[i]);
			continue;
		}
		if (k)
			put(b, &len, cap, NULL, 2);
		if (t->align[i] == 'r')
			put(b, &len, cap, NULL, pad);
		put(b, &len, cap, cells[i], n);
		if (t->align[i] != 'r')
			put(b, &len, cap, NULL, pad);
	}
	while (!raw && len && (*b)[len - 1] == ' ')
		len--;
	put(b, &len, cap, "\n", 1);
	fwrite(*b, 1, len, f);
}

static void json_row(FILE *f, const struct tbl *t, const char *const *cells,
		     const int *sel, int nsel, bool first)
{
	int k;

	fputs(first ? "{" : ",{", f);
	for (k = 0; k < nsel; k++) {
		const struct tbl_col *c = &t->desc->cols[sel[k]];
		const char *v = cells[sel[k]];

		if (k)
			fputc(',', f);
		json_key(f, c->name);
		if (!*v || !strcmp(v, "-"))
			fputs("null", f);
		else if (c->type == 'n' && json_number(v + (*v == '+')))
			fputs(v + (*v == '+'), f);
		else {
			fputc('"', f);
			jw_escape(f, v);
			fputc('"', f);
		}
	}
	fputc('}', f);
}

void tbl_print(struct tbl *t, FILE *f)
{
	const char **cells = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(char *));
	const char **last = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(char *));
	bool raw = t->desc && tbl_out.raw, json = t->desc && tbl_rows_json();
	int repeat = t->desc && (raw || json) ? t->desc->repeat : 0;
	size_t r, cap = 0, nout = 0;
	int i, nsel, *own;
	const int *sel = columns(t, &nsel, &own);
	char *b = NULL;

	for (i = 0; i < t->ncols; i++)
		last[i] = "";
	if (json)
		fprintf(f, "{\"format\":%d,\"rows\":[", DL_JSON_VERSION);
	else if (!(t->desc && tbl_out.noheadings))
		line(f, t, t->hdr, sel, nsel, raw, &b, &cap);
	for (r = 0; r < t->nrows; r++) {
		const char *first = t->text + t->cells[t->rows[r].first];

		if (t->rows[r].raw) {
			/* A stack frame: the aligned table's only. */
			if (raw || json)
				continue;
			fputs(first, f);
			fputc('\n', f);
			continue;
		}
		for (i = 0; i < t->ncols; i++) {
			cells[i] = t->text + t->cells[t->rows[r].first + (size_t)i];
			/* A group's blank head cells, repeated. */
			if (i < repeat) {
				if (!cells[i][0])
					cells[i] = last[i];
				last[i] = cells[i];
			}
		}
		if (json)
			json_row(f, t, cells, sel, nsel, nout++ == 0);
		else
			line(f, t, cells, sel, nsel, raw, &b, &cap);
	}
	if (json)
		fputs("]}\n", f);
	free(own);
	free(b);
	free(last);
	free(cells);
}

void tbl_free(struct tbl *t)
{
	free(t->own_hdr);
	free(t->own_align);
	free(t->width);
	free(t->text);
	free(t->cells);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
