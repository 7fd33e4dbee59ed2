/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cli.h - what the commands of the reader share, defined in cli.c: how
 * they fail, where they read from, their option parsing. Every command is
 * in a file of its own (cmd_*.c) and uses these, so every command behaves
 * alike; main() in dstleak.c dispatches to them.
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

/* "dstleak CMD", for messages; set by main(). */
extern const char *prog_cmd;
/* --source, before or after the command; NULL: debugfs, /proc. */
extern const char *opt_source;
/* In "check" every error is UNKNOWN: exit 3, one line on stdout. */
extern bool check_mode;
/* Exit code for bad input and bad options: 2, but 3 (UNKNOWN) in check. */
extern int bad_exit;

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
/* load_summary() that returns: 0, or the exit code and why (printable). */
int try_load_summary(struct source *src, struct dl_summary *sum,
		     char *why, size_t n);
/* The suspects file of src: 0, or -1 with why in msg (no debugfs). */
int load_suspects(const struct source *src, struct dl_suspects *out,
		  char *msg, size_t n);
/* The name of a namespace to print, "-" when it has none. */
const char *ns_name(const struct dl_names *names, const struct dl_ns *ns);
/* No counter of the family is anything but 0 or null (hidden without -a). */
bool fam_idle(const struct dl_fam *f);
/* The headroom cell ("12.5%", "-", "3.0%*"); true when marked "*". */
bool fmt_headroom(char *b, size_t n, const struct dl_fam *f);
/* The line under a table that explains a "*". */
void headroom_legend(bool marked);
/* new - old per second ("-" when unknown or gone backwards). */
void fmt_rate(char *b, size_t n, const struct dl_num *old,
	      const struct dl_num *new, double secs);
/* t with "|" (which would start performance data) as U+00A6. */
void put_plugin_text(FILE *o, const char *t);
/* A number in [lo, hi], all of s; false when it is not one. */
bool parse_double(const char *s, double lo, double hi, double *out);
/* A whole number option value; exits on a bad one. */
uint64_t parse_count(const char *opt, const char *s);
/* getopt_long over argv (argv[0] the command); --help and --source handled. */
int next_opt(int argc, char **argv, const char *shorts,
	     const struct option *longs, const char *help);
/* A JSON document on @f: its object opened, "format" the contract's. */
void json_doc_head(struct jw *w, FILE *f);
/* JSON: "key": the figure (null for "-"); "cookie": the namespace's. */
void jw_kn(struct jw *w, const char *key, const struct dl_num *v);
void json_cookie(struct jw *w, const struct dl_nsid *id);
/* A namespace object's first keys: "inum", "cookie", "name", "state". */
void json_ns_head(struct jw *w, const struct dl_ns *ns,
		  const struct dl_names *names);
/* The summary's keys shared by show --json and status --json. */
void json_module(struct jw *w, const struct dl_summary *s);
void json_probes(struct jw *w, const struct dl_summary *s);
void json_tracking(struct jw *w, const struct dl_summary *s);
void json_unattributed(struct jw *w, const struct dl_summary *s);

/* The commands of dstleak.c's table, each in cmd_NAME.c. */
int cmd_show(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_suspects(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);

#define COMMON_LONGS { "help", no_argument, NULL, 'h' }, \
		     { "source", required_argument, NULL, 'S' }

#endif
