/* SPDX-License-Identifier: GPL-2.0 OR MIT */
#ifndef DL_TABLE_H
#define DL_TABLE_H

#include "dl.h"

struct tbl_row {
	bool raw; /* one line printed as is (a stack frame) */
	char **cells;
};

struct tbl {
	int ncols;
	const char *const *hdr;
	const char *align; /* per column: 'l' or 'r' */
	struct tbl_row *rows;
	size_t nrows;
};

void tbl_init(struct tbl *t, int ncols, const char *const *hdr, const char *align);
/* Exactly ncols strings (NULL prints empty). */
void tbl_row(struct tbl *t, const char *first, ...);
void tbl_raw(struct tbl *t, const char *line);
void tbl_print(struct tbl *t, FILE *f);
void tbl_free(struct tbl *t);

#endif
