/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef DL_TABLE_H
#define DL_TABLE_H

#include "dl.h"

struct tbl_row {
	bool raw; /* one line printed as is (a stack frame) */
	size_t first; /* index of its first cell in cells */
};

/*
 * A table of text cells. The cells live back to back in one buffer, as
 * offsets: a table of 100,000 namespaces holds millions of them.
 */
struct tbl {
	int ncols;
	const char *const *hdr;
	const char *align; /* per column: 'l' or 'r' */
	size_t *width; /* per column, the widest cell so far */
	char *text; /* every cell, each ending in NUL */
	size_t tlen, tcap;
	size_t *cells; /* offsets into text */
	size_t ncells, ccap;
	struct tbl_row *rows;
	size_t nrows, cap;
};

void tbl_init(struct tbl *t, int ncols, const char *const *hdr, const char *align);
/* Exactly ncols strings (NULL prints empty). */
void tbl_row(struct tbl *t, const char *first, ...);
void tbl_raw(struct tbl *t, const char *line);
void tbl_print(struct tbl *t, FILE *f);
void tbl_free(struct tbl *t);

#endif
