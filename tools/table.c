// SPDX-License-Identifier: GPL-2.0 OR MIT
/* table.c - columns sized to their widest cell, numbers right-aligned. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

void tbl_init(struct tbl *t, int ncols, const char *const *hdr, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->hdr = hdr;
	t->align = align;
}

static void add(struct tbl *t, bool raw, char **cells)
{
	t->rows = dl_xrealloc(t->rows, t->nrows + 1, sizeof(*t->rows));
	t->rows[t->nrows].raw = raw;
	t->rows[t->nrows].cells = cells;
	t->nrows++;
}

void tbl_row(struct tbl *t, const char *first, ...)
{
	char **cells = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(char *));
	const char *s = first;
	va_list ap;
	int i;

	va_start(ap, first);
	for (i = 0; i < t->ncols; i++) {
		if (i)
			s = va_arg(ap, const char *);
		cells[i] = dl_xstrndup(s ? s : "", strlen(s ? s : ""));
		dl_sanitize(cells[i]);
	}
	va_end(ap);
	add(t, false, cells);
}

void tbl_raw(struct tbl *t, const char *line)
{
	char **cells = dl_xrealloc(NULL, 1, sizeof(char *));

	cells[0] = dl_xstrndup(line, strlen(line));
	dl_sanitize(cells[0]);
	add(t, true, cells);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void cell(FILE *f, const char *s, size_t w, bool right, bool last)
{
	size_t n = width(s);

	if (right)
		fprintf(f, "%*s%s", (int)(w - n), "", s);
	else if (last)
		fputs(s, f);
	else
		fprintf(f, "%s%*s", s, (int)(w - n), "");
}

/* One line, without trailing blanks. */
static void line(FILE *f, struct tbl *t, char *const *cells, const size_t *w)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int i;

	if (!m)
		return;
	for (i = 0; i < t->ncols; i++) {
		if (i)
			fputs("  ", m);
		cell(m, cells[i], w[i], t->align[i] == 'r', i == t->ncols - 1);
	}
	fclose(m);
	while (len && buf[len - 1] == ' ')
		len--;
	fwrite(buf, 1, len, f);
	fputc('\n', f);
	free(buf);
}

void tbl_print(struct tbl *t, FILE *f)
{
	size_t *w = dl_xrealloc(NULL, (size_t)t->ncols, sizeof(size_t));
	size_t r;
	int i;

	for (i = 0; i < t->ncols; i++)
		w[i] = width(t->hdr[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; !t->rows[r].raw && i < t->ncols; i++)
			if (width(t->rows[r].cells[i]) > w[i])
				w[i] = width(t->rows[r].cells[i]);
	line(f, t, (char *const *)t->hdr, w);
	for (r = 0; r < t->nrows; r++) {
		if (t->rows[r].raw)
			fprintf(f, "%s\n", t->rows[r].cells[0]);
		else
			line(f, t, t->rows[r].cells, w);
	}
	free(w);
}

void tbl_free(struct tbl *t)
{
	size_t r;
	int i;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < (t->rows[r].raw ? 1 : t->ncols); i++)
			free(t->rows[r].cells[i]);
		free(t->rows[r].cells);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
