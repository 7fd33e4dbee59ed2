/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cli.h - what the commands of the reader share, defined in dstleak.c: how
 * they fail, where they read from, their option parsing. Commands in files
 * of their own (cmd_*.c) use these, so every command behaves alike.
 */
#ifndef DL_CLI_H
#define DL_CLI_H

#include <getopt.h>
#include <limits.h>

#include "dl.h"

/* Where the files come from: debugfs, a --source, or /proc/net/dstleak. */
struct source {
	char summary[PATH_MAX];
	char dir[PATH_MAX]; /* empty when only a summary file is available */
	bool proc; /* the /proc/net/dstleak fallback */
};

/* One line "dstleak CMD: why" on stderr, and exit (3 in check). */
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* A note on stderr. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A bad option or argument: exit 2 (3 in check) with a pointer to --help. */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Flush stdout; code, or 1 when the output could not be written. */
int finish_output(int code);
/* a/b into out; exits when it does not fit. */
void join(char *out, size_t n, const char *a, const char *b);
/* The summary of --source, debugfs or /proc/net/dstleak; exits on failure. */
void load_summary(struct source *src, struct dl_summary *sum, char **rawp,
		  size_t *rawlen);
/* The suspects file of src: 0, or -1 with why in msg (no debugfs). */
int load_suspects(const struct source *src, struct dl_suspects *out,
		  char *msg, size_t n);
/* The name of a namespace to print, "-" when it has none. */
const char *ns_name(const struct dl_names *names, const struct dl_ns *ns);
/* The headroom cell ("12.5%", "-", "3.0%*"); true when marked "*". */
bool fmt_headroom(char *b, size_t n, const struct dl_fam *f);
/* The line under a table that explains a "*". */
void headroom_legend(bool marked);
/* A whole number option value; exits on a bad one. */
uint64_t parse_count(const char *opt, const char *s);
/* getopt_long over argv (argv[0] the command); --help and --source handled. */
int next_opt(int argc, char **argv, const char *shorts,
	     const struct option *longs, const char *help);
/* JSON: "key": the figure (null for "-"); "cookie": the namespace's. */
void jw_kn(struct jw *w, const char *key, const struct dl_num *v);
void json_cookie(struct jw *w, const struct dl_nsid *id);

#define COMMON_LONGS { "help", no_argument, NULL, 'h' }, \
		     { "source", required_argument, NULL, 'S' }

#endif
