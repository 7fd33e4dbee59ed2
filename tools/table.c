// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * table.c - columns sized to their widest cell, numbers right-aligned.
 * Cells are stored made fit for a terminal (dl_clean): valid UTF-8, no
 * control bytes, so widths count characters. A host may have 100,000
 * namespaces: cells go into one buffer (no allocation each), widths are
 * kept as rows come, and lines are built without stdio formatting.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

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

/* One line, without trailing blanks. */
static void line(FILE *f, const struct tbl *t, const char *const *cells,
		 char **b, size_t *cap)
{
	size_t len = 0;
	int i;

	for (i = 0; i < t->ncols; i++) {
		size_t n = strlen(cells[i]), pad = t->width[i] - width(cells[i]);

		if (i)
			put(b, &len, cap, NULL, 2);
		if (t->align[i] == 'r')
			put(b, &len, cap, NULL, pad);
		put(b, &len, cap, cells[i], n);
		if (t->align[i] != 'r')
			put(b, &len, cap, NULL, pad);
	}
	while (len && (*b)[len - 1] == ' ')
		len--;
	(*b)[len++] = '\n';
	fwrite(*b, 1, len, f);
}

void tbl_print(struct tbl *t, FILE *f)
{
	const char **cells = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(char *));
	size_t r, cap = 0;
	char *b = NULL;
	int i;

	line(f, t, t->hdr, &b, &cap);
	for (r = 0; r < t->nrows; r++) {
		const char *first = t->text + t->cells[t->rows[r].first];

		if (t->rows[r].raw) {
			fputs(first, f);
			fputc('\n', f);
			continue;
		}
		for (i = 0; i < t->ncols; i++)
			cells[i] = t->text + t->cells[t->rows[r].first + (size_t)i];
		line(f, t, cells, &b, &cap);
	}
	free(b);
	free(cells);
}

void tbl_free(struct tbl *t)
{
	free(t->width);
	free(t->text);
	free(t->cells);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
