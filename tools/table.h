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
	const struct tbl_desc *desc; /* a main table's; NULL otherwise */
	const char **own_hdr; /* a main table's header, from desc */
	char *own_align;
};

/*
 * A column of a command's main table: the name -o and --list-columns take
 * (case-insensitive) and the JSON key (lower case, '/' as '_'), the header
 * when it is not the name, alignment, JSON type, one line for
 * --list-columns.
 */
struct tbl_col {
	const char *name;
	const char *hdr; /* NULL: the name */
	char align; /* 'l' or 'r' */
	char type; /* JSON: 's' string, 'n' number when it is one; "-", "": null */
	const char *desc;
};

/*
 * The rows of a command's main table, which drives its table, -o, -n,
 * -r, --list-columns and the rows JSON ({"format":1,"rows":[{...}]}). The first "repeat" columns name
 * the row's group (NETNS INUM STATE): the table leaves them blank under
 * the first row of a group, raw and JSON output repeat them.
 */
struct tbl_desc {
	const char *cmd; /* "show", for messages */
	const struct tbl_col *cols;
	int ncols;
	int repeat;
};

/*
 * The util-linux options (lsblk's) of the command, set while its options
 * are parsed (tbl_opt) and applied to the table marked main.
 */
struct tbl_out {
	const char *columns; /* -o LIST, NULL: every column */
	bool noheadings; /* -n */
	bool raw; /* -r */
	bool json; /* -J/--json with -o: the rows as JSON */
	bool json_rows; /* the command has no JSON document: -J is the rows */
	bool list; /* --list-columns */
	int *sel; /* the selected columns, after tbl_out_done */
	int nsel;
};

extern struct tbl_out tbl_out;

/* Option codes of the long-only options. */
enum { TBL_OPT_LIST = 0x1100, TBL_OPT_NOHEAD, TBL_OPT_RAW };

/* -o, -n, -r and --list-columns; -J is --json (next_opt maps it). */
#define TBL_LONGS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "noheadings", no_argument, NULL, TBL_OPT_NOHEAD }, \
	{ "raw", no_argument, NULL, TBL_OPT_RAW }, \
	{ "list-columns", no_argument, NULL, TBL_OPT_LIST }

/* Their help lines (watch: -n is its COUNT, --noheadings only). */
#define TBL_HELP \
"  -o, --output COLS  only columns COLS, a comma-separated list of names\n" \
"                 (case-insensitive); +COLS adds them to the default ones\n" \
"  -n, --noheadings   no header line\n" \
"  -r, --raw      unaligned: one space between cells, blanks, backslashes\n" \
"                 and control bytes of a cell as \\x20 hex escapes, the\n" \
"                 blank NETNS/INUM/STATE of a group's rows repeated\n" \
"  --list-columns the columns: name and what each shows\n" \
"  -o, -n and -r print the table only (no heading, notes or second tables);\n" \
"  -J with -o prints its rows: {\"format\":1,\"rows\":[{...}]}, a key per\n" \
"  column (its name in lower case, / as _), numbers as numbers, - as null\n"

/*
 * An option of getopt_long: true when it is one of these (c is 'o', 'n',
 * 'r' or a TBL_OPT_*). A command whose -n or -r means something else
 * handles those before.
 */
bool tbl_opt(int c, const char *arg);
/*
 * After the options, with the main table's description: --list-columns
 * prints them and exits 0; -o is checked (an unknown column exits 2:
 * "unknown column 'X' (dstleak CMD --list-columns)").
 */
void tbl_out_done(const struct tbl_desc *d);
/* -o, -n or -r: the main table only, nothing else around it. */
bool tbl_only(void);
/* -J with -o (or json_rows): the rows as JSON, not the command's document. */
bool tbl_rows_json(void);

void tbl_init(struct tbl *t, int ncols, const char *const *hdr, const char *align);
/* A command's main table: tbl_out applies to it. */
void tbl_init_main(struct tbl *t, const struct tbl_desc *d);
/* Exactly ncols strings (NULL prints empty). */
void tbl_row(struct tbl *t, const char *first, ...);
void tbl_raw(struct tbl *t, const char *line);
void tbl_print(struct tbl *t, FILE *f);
void tbl_free(struct tbl *t);

#endif
