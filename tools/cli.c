// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cli.c - what the commands of the reader share (cli.h): how they fail,
 * where they read from, their option parsing, cells and JSON pieces more
 * than one command prints.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "dl.h"
#include "table.h"
#include "views.h"

const char *prog_cmd = "dstleak";
const char *opt_source;
/*
 * In "check" every error is UNKNOWN: exit 3 and one line on stdout, where
 * monitoring reads it.
 */
bool check_mode;
/* Exit code for bad input and bad options: 2, but 3 (UNKNOWN) in check. */
int bad_exit = DL_EXIT_BADINPUT;

void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/*
 * One line, "dstleak CMD: why" on stderr, or "DSTLEAK UNKNOWN - why" on
 * stdout in check. Made fit for a terminal: paths and names in it may hold
 * any byte.
 */
static void say(bool fatal, const char *fmt, va_list ap, const char *tail)
{
	FILE *o = check_mode && fatal ? stdout : stderr;
	char m[PATH_MAX + 1024], *c;

	if (check_mode && fatal) {
		sigset_t alrm;

		/* check -t: this line, not a second "timed out" one. */
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		sigprocmask(SIG_BLOCK, &alrm, NULL);
	}
	vsnprintf(m, sizeof(m), fmt, ap);
	c = dl_clean(m, strlen(m));
	fflush(stdout);
	if (check_mode && fatal) {
		fputs("DSTLEAK UNKNOWN - ", o);
		put_plugin_text(o, c);
		fprintf(o, "%s\n", tail);
	} else {
		fprintf(o, "%s: %s%s\n", prog_cmd, c, tail);
	}
	fflush(o);
	free(c);
}

/* A note on stderr, made fit for a terminal. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(false, fmt, ap, "");
	va_end(ap);
}

/* Set by try_load_summary(): die() goes back there with why, no exit. */
struct die_trap {
	jmp_buf env;
	char *why;
	size_t n;
	int code;
};
static struct die_trap *die_trap;

void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (die_trap) {
		char *c;

		vsnprintf(die_trap->why, die_trap->n, fmt, ap);
		va_end(ap);
		c = dl_clean(die_trap->why, strlen(die_trap->why));
		snprintf(die_trap->why, die_trap->n, "%s", c);
		free(c);
		die_trap->code = code ? code : DL_EXIT_RUNTIME;
		longjmp(die_trap->env, 1);
	}
	say(true, fmt, ap, "");
	va_end(ap);
	exit(check_mode ? 3 : code);
}

void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void usage_error(const char *fmt, ...)
{
	char tail[96];
	va_list ap;

	snprintf(tail, sizeof(tail), " (see \"%s --help\")", prog_cmd);
	va_start(ap, fmt);
	say(true, fmt, ap, tail);
	va_end(ap);
	exit(bad_exit);
}

/* Flush stdout and fail loudly if it could not be written (EPIPE, ENOSPC). */
int finish_output(int code)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write output: %s\n", prog_cmd,
			strerror(errno));
		return code ? code : DL_EXIT_RUNTIME;
	}
	return code;
}

/* ---------------- sources ---------------- */

void join(char *out, size_t n, const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la && a[la - 1] == '/')
		la--;
	if ((size_t)snprintf(out, n, "%.*s/%s", (int)la, a, b) >= n)
		die(bad_exit, "path too long: %s/%s", a, b);
}

/* --source: a directory like debugfs's, or a summary file. */
static void read_given(struct source *src, char **raw, size_t *len)
{
	struct stat st;
	int e = 0;

	if (stat(opt_source, &st))
		die(bad_exit, "%s: %s", opt_source, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		snprintf(src->dir, sizeof(src->dir), "%s", opt_source);
		join(src->summary, sizeof(src->summary), opt_source,
		     DSTLEAK_FILE_SUMMARY);
	} else if (S_ISREG(st.st_mode)) {
		snprintf(src->summary, sizeof(src->summary), "%s", opt_source);
	} else {
		die(bad_exit, "%s: not a directory or a regular file", opt_source);
	}
	if (dl_read_file(src->summary, raw, len, &e))
		die(bad_exit, "%s: %s", src->summary, dl_strerror(e));
}

/*
 * debugfs, else /proc/net/dstleak (own namespace only, said once). Without
 * /proc/net/dstleak the module is not loaded, whatever debugfs holds.
 */
static void read_default(struct source *src, char **raw, size_t *len)
{
	static bool said_fallback;
	char root[PATH_MAX], proc[PATH_MAX];
	int e = 0, pe = 0;

	join(root, sizeof(root), dl_env_root("DSTLEAK_DEBUGFS", "/sys/kernel/debug"),
	     DSTLEAK_DEBUGFS_DIR);
	join(src->summary, sizeof(src->summary), root, DSTLEAK_FILE_SUMMARY);
	snprintf(src->dir, sizeof(src->dir), "%s", root);
	if (!dl_read_file(src->summary, raw, len, &e))
		return;
	join(proc, sizeof(proc), dl_env_root("DSTLEAK_PROC", "/proc"),
	     "net/" DSTLEAK_PROC_NAME);
	if (dl_read_file(proc, raw, len, &pe)) {
		if (pe == ENOENT && e == ENOENT)
			die(DL_EXIT_NOSOURCE, "the dstleak module is not loaded (no %s, "
			    "no %s); load it with \"modprobe dstleak\" or "
			    "\"insmod dstleak.ko\"", src->summary, proc);
		if (pe == ENOENT)
			die(DL_EXIT_NOSOURCE, "the dstleak module is not loaded (no %s; "
			    "%s: %s); load it with \"modprobe dstleak\" or "
			    "\"insmod dstleak.ko\"", proc, src->summary, dl_strerror(e));
		die(DL_EXIT_NOSOURCE, "cannot read %s (%s) nor %s (%s)",
		    src->summary, dl_strerror(e), proc, dl_strerror(pe));
	}
	if (!said_fallback)
		note("%s: %s (debugfs not mounted or locked down); "
		     "reading %s: this network namespace only",
		     src->summary, dl_strerror(e), proc);
	said_fallback = true;
	snprintf(src->summary, sizeof(src->summary), "%s", proc);
	src->dir[0] = 0;
	src->proc = true;
}

/*
 * Read the summary: --source, else debugfs, else /proc/net/dstleak.
 * Returns the raw text (kept for snapshots) and the parsed form; exits on
 * any failure.
 */
void load_summary(struct source *src, struct dl_summary *sum,
		  char **rawp, size_t *rawlen)
{
	struct dl_err err;
	char *raw = NULL;
	size_t len = 0;

	memset(src, 0, sizeof(*src));
	if (opt_source)
		read_given(src, &raw, &len);
	else
		read_default(src, &raw, &len);
	if (dl_parse_summary(raw, len, src->summary, sum, &err)) {
		free(raw);
		die(bad_exit, "%s", err.msg);
	}
	if (rawp) {
		*rawp = raw;
		*rawlen = len;
	} else {
		free(raw);
	}
}

/*
 * load_summary() that returns instead of exiting: 0, or the exit code it
 * would have exited with and why (made fit to print) in why.
 */
int try_load_summary(struct source *src, struct dl_summary *sum,
		     char *why, size_t n)
{
	struct die_trap trap = { .why = why, .n = n };

	if (setjmp(trap.env)) {
		die_trap = NULL;
		return trap.code;
	}
	die_trap = &trap;
	load_summary(src, sum, NULL, NULL);
	die_trap = NULL;
	return 0;
}

/*
 * The suspects file of src. 0 and *out filled, or -1 with why in msg when
 * there is none (no debugfs); exits on a file that does not parse.
 */
int load_suspects(const struct source *src, struct dl_suspects *out,
		  char *msg, size_t n)
{
	char path[PATH_MAX];
	struct dl_err err;
	char *raw;
	size_t len;
	int e;

	if (!src->dir[0]) {
		snprintf(msg, n, "no suspects in %s (they are in debugfs only)",
			 src->summary);
		return -1;
	}
	join(path, sizeof(path), src->dir, DSTLEAK_FILE_SUSPECTS);
	if (dl_read_file(path, &raw, &len, &e)) {
		snprintf(msg, n, "%s: %s", path, dl_strerror(e));
		return -1;
	}
	if (dl_parse_suspects(raw, len, path, out, &err)) {
		free(raw);
		die(bad_exit, "%s", err.msg);
	}
	free(raw);
	return 0;
}

/* ---------------- helpers ---------------- */

/* The name of a namespace to print, "-" when it has none. */
const char *ns_name(const struct dl_names *names, const struct dl_ns *ns)
{
	const char *n = ns ? dl_ns_name(names, ns) : NULL;

	return n ? n : "-";
}

bool fam_idle(const struct dl_fam *f)
{
	static const int counts[] = { DL_F_allocs, DL_F_frees, DL_F_frees_preexisting,
				      DL_F_live, DL_F_failures, DL_F_kernel, DL_F_drift };
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const struct dl_num *v = &f->f[counts[i]];

		if (!v->null && (v->is_signed ? v->s != 0 : v->u != 0))
			return false;
	}
	return true;
}

/*
 * The headroom, marked "*" when the kernel does not enforce the limit
 * (reaching it fails no allocation); true when marked.
 */
bool fmt_headroom(char *b, size_t n, const struct dl_fam *f)
{
	bool mark = !dl_limit_enforced(f);
	double pct;

	if (!dl_headroom(f, &pct, NULL, NULL)) {
		snprintf(b, n, "-");
		return false;
	}
	snprintf(b, n, "%.1f%%%s", pct, mark ? "*" : "");
	return mark;
}

void headroom_legend(bool marked)
{
	if (marked && !tbl_only() && !tbl_rows_json())
		printf("* limit not enforced by this kernel: reaching it fails no "
		       "allocation\n");
}

bool parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

uint64_t parse_count(const char *opt, const char *s)
{
	uint64_t v;

	if (dl_parse_u64(s, strlen(s), &v))
		usage_error("%s: '%s' is not a whole number of at most 20 digits",
			    opt, s);
	return v;
}

/* getopt_long over argv[0..], argv[0] being the command; exits on errors. */
int next_opt(int argc, char **argv, const char *shorts,
	     const struct option *longs, const char *help)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shorts, longs, NULL);
	if (c == 'h') {
		fputs(help, stdout);
		exit(finish_output(0));
	}
	if (c == 'S') {
		opt_source = optarg;
		return next_opt(argc, argv, shorts, longs, help);
	}
	if (c == 'J')
		return 'j'; /* -J is --json (lsblk's) */
	if (c == ':')
		usage_error("option '%s' needs a value", argv[optind - 1]);
	if (c == '?') {
		if (optopt > 0 && optopt < 256 && argv[optind - 1][1] != '-')
			usage_error("unknown option '-%c'", optopt);
		usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return c;
}

/* new - old as a rate, or "-" when unknown or gone backwards. */
void fmt_rate(char *b, size_t n, const struct dl_num *old,
	      const struct dl_num *new, double secs)
{
	if (!old || old->null || new->null || new->u < old->u || secs <= 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f", (double)(new->u - old->u) / secs);
}

/* "|" in check's text would start performance data: shown as U+00A6. */
void put_plugin_text(FILE *o, const char *t)
{
	for (; *t; t++) {
		if (*t == '|')
			fputs("\xc2\xa6", o);
		else
			fputc(*t, o);
	}
}

/* ---------------- JSON ---------------- */

void jw_kn(struct jw *w, const char *key, const struct dl_num *v)
{
	jw_key(w, key);
	jw_num(w, v);
}

/* The namespace's key: the cookie, or null when the module gave none. */
void json_cookie(struct jw *w, const struct dl_nsid *id)
{
	jw_key(w, "cookie");
	if (id->has_cookie)
		jw_u64(w, id->cookie);
	else
		jw_null(w);
}

/* The head of a namespace's JSON object: inum, cookie, name, state. */
void json_ns_head(struct jw *w, const struct dl_ns *ns,
		  const struct dl_names *names)
{
	jw_key(w, "inum");
	jw_u64(w, ns->id.inum);
	json_cookie(w, &ns->id);
	jw_key(w, "name");
	jw_str(w, dl_ns_name(names, ns));
	jw_key(w, "state");
	jw_str(w, ns->exited ? "exited" : "alive");
}

void json_doc_head(struct jw *w, FILE *f)
{
	jw_init(w, f);
	jw_obj(w);
	jw_key(w, "format");
	jw_u64(w, DL_JSON_VERSION);
}

/* "module_version", "kernel", "export_format" of the summary. */
void json_module(struct jw *w, const struct dl_summary *s)
{
	jw_key(w, "module_version");
	jw_str(w, s->module);
	jw_key(w, "kernel");
	jw_str(w, s->kernel);
	jw_key(w, "export_format");
	jw_u64(w, s->format);
}

void json_probes(struct jw *w, const struct dl_summary *s)
{
	size_t i;

	jw_key(w, "probes");
	jw_arr(w);
	for (i = 0; i < s->nprobes; i++) {
		jw_obj(w);
		jw_key(w, "symbol");
		jw_str(w, s->probes[i].symbol);
		jw_kn(w, "hits", &s->probes[i].hits);
		jw_kn(w, "missed", &s->probes[i].missed);
		jw_key(w, "hook");
		jw_str(w, s->probes[i].hook);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void json_tracking(struct jw *w, const struct dl_summary *s)
{
	const struct dl_tracking *t = &s->tracking;

	jw_key(w, "tracking");
	if (!t->seen) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_kn(w, "tracked", &t->tracked);
	jw_kn(w, "overflow", &t->overflow);
	jw_kn(w, "bytes", &t->bytes);
	jw_kn(w, "max", &t->max);
	jw_kn(w, "entry_bytes", &t->entry_bytes);
	jw_kn(w, "steal_misses", &t->steal_misses);
	jw_kn(w, "irqoff_max_ns", &t->irqoff_max_ns);
	jw_obj_end(w);
}

void json_unattributed(struct jw *w, const struct dl_summary *s)
{
	int f;

	jw_key(w, "unattributed");
	jw_obj(w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->unattr[f].seen)
			continue;
		jw_key(w, dl_family_names[f]);
		jw_obj(w);
		jw_kn(w, "allocs", &s->unattr[f].allocs);
		jw_kn(w, "frees", &s->unattr[f].frees);
		jw_kn(w, "orphaned", &s->unattr[f].orphaned);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}
