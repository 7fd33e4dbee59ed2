// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dstleak - the reader for the dstleak module: show, watch, snapshot, diff,
 * suspects, check, export. See dstleak(8) and tools/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "columns.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "table.h"
#include "views.h"

static const char *prog_cmd = "dstleak";
static const char *opt_source;
/*
 * In "check" every error is UNKNOWN: exit 3 and one line on stdout, where
 * monitoring reads it.
 */
static bool check_mode;
/* Exit code for bad input and bad options: 2, but 3 (UNKNOWN) in check. */
static int bad_exit = DL_EXIT_BADINPUT;

void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/*
 * One line, "dstleak CMD: why" on stderr, or "DSTLEAK UNKNOWN - why" on
 * stdout in check. Made fit for a terminal: paths and names in it may hold
 * any byte.
 */
static void put_plugin_text(FILE *o, const char *t);

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
static int try_load_summary(struct source *src, struct dl_summary *sum,
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

static bool fam_idle(const struct dl_fam *f)
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

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_double(const char *s, double lo, double hi, double *out)
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

/* ---------------- show ---------------- */

void jw_kn(struct jw *w, const char *key, const struct dl_num *v)
{
	jw_key(w, key);
	jw_num(w, v);
}

static void json_globals(struct jw *w, const struct dl_summary *s)
{
	int f;

	jw_key(w, "global");
	jw_obj(w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		jw_key(w, dl_family_names[f]);
		jw_obj(w);
		jw_kn(w, "kernel", &s->global[f].kernel);
		jw_kn(w, "expected", &s->global[f].expected);
		jw_kn(w, "drift", &s->global[f].drift);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static void json_probes(struct jw *w, const struct dl_summary *s)
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
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_tracking(struct jw *w, const struct dl_summary *s)
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

static void json_unattributed(struct jw *w, const struct dl_summary *s)
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

/* The namespace's key: the cookie, or null when the module gave none. */
void json_cookie(struct jw *w, const struct dl_nsid *id)
{
	jw_key(w, "cookie");
	if (id->has_cookie)
		jw_u64(w, id->cookie);
	else
		jw_null(w);
}

static void json_ns(struct jw *w, const struct dl_ns *ns, const struct dl_names *names,
		    const struct dl_filter *flt)
{
	int f, k;

	jw_obj(w);
	jw_key(w, "inum");
	jw_u64(w, ns->id.inum);
	json_cookie(w, &ns->id);
	jw_key(w, "name");
	jw_str(w, dl_ns_name(names, ns));
	jw_key(w, "state");
	jw_str(w, ns->exited ? "exited" : "alive");
	jw_key(w, "families");
	jw_obj(w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!dl_filter_family(flt, f))
			continue;
		jw_key(w, dl_family_names[f]);
		jw_obj(w);
		for (k = 0; k < DL_NR_FIELDS; k++)
			if (k != DL_F_cookie)
				jw_kn(w, dl_field_names[k], &ns->fam[f].f[k]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_obj_end(w);
}

/* "features": what the kernel lets dstleak do; null from an older module. */
static void json_features(struct jw *w, const struct dl_summary *s)
{
	const struct dl_features *f = &s->features;

	jw_key(w, "features");
	if (!f->seen) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "stacks");
	jw_u64(w, f->stacks);
	jw_key(w, "ftrace_permanent");
	jw_u64(w, f->ftrace_permanent);
	jw_key(w, "netns_cookie");
	jw_str(w, f->cookie_dstleak ? "dstleak" : "kernel");
	jw_key(w, "limits_enforceable");
	jw_u64(w, f->limits_enforceable);
	jw_obj_end(w);
}

static void show_json(const struct dl_summary *s, const struct dl_names *names,
		      const struct dl_filter *flt, const size_t *ord, size_t n)
{
	struct jw w;
	size_t i;

	jw_init(&w, stdout);
	jw_obj(&w);
	jw_key(&w, "format");
	jw_u64(&w, DL_JSON_VERSION);
	jw_key(&w, "module_version");
	jw_str(&w, s->module);
	jw_key(&w, "kernel");
	jw_str(&w, s->kernel);
	jw_key(&w, "export_format");
	jw_u64(&w, s->format);
	jw_key(&w, "settled");
	if (s->settled < 0)
		jw_null(&w);
	else
		jw_u64(&w, (uint64_t)s->settled);
	json_globals(&w, s);
	json_probes(&w, s);
	json_tracking(&w, s);
	json_unattributed(&w, s);
	json_features(&w, s);
	jw_kn(&w, "calibration_spread", &s->calib_spread);
	jw_key(&w, "namespaces");
	jw_arr(&w);
	for (i = 0; i < n; i++)
		json_ns(&w, &s->ns[ord[i]], names, flt);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void show_tracking(const struct dl_tracking *t)
{
	char a[32], b[32], c[32], d[32], e[32];

	dl_fmt_num(a, sizeof(a), &t->tracked);
	dl_fmt_num(b, sizeof(b), &t->overflow);
	dl_fmt_num(c, sizeof(c), &t->bytes);
	dl_fmt_num(d, sizeof(d), &t->max);
	dl_fmt_num(e, sizeof(e), &t->entry_bytes);
	printf("tracking: %s entries, %s not tracked (overflow), %s bytes "
	       "(max %s, %s bytes each)", a, b, c, d, e);
	if (!t->steal_misses.null || !t->irqoff_max_ns.null) {
		dl_fmt_num(a, sizeof(a), &t->steal_misses);
		dl_fmt_num(b, sizeof(b), &t->irqoff_max_ns);
		printf(", %s steal misses, interrupts off at most %s ns", a, b);
	}
	putchar('\n');
}

/* Families with entries of no namespace dstleak has state for. */
static void show_unattributed(const struct dl_summary *s)
{
	char a[32], b[32], c[32];
	bool any = false;
	int f;

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_unattr *u = &s->unattr[f];

		if (!u->seen || (!u->allocs.u && !u->frees.u && !u->orphaned.u))
			continue;
		dl_fmt_num(a, sizeof(a), &u->allocs);
		dl_fmt_num(b, sizeof(b), &u->frees);
		dl_fmt_num(c, sizeof(c), &u->orphaned);
		printf("%s%s allocs %s frees %s orphaned %s",
		       any ? ", " : "unattributed (no namespace): ",
		       dl_family_names[f], a, b, c);
		any = true;
	}
	if (any)
		putchar('\n');
}

static void show_probes(const struct dl_summary *s)
{
	char a[32], b[32];
	size_t i;

	for (i = 0; i < s->nprobes; i++) {
		const struct dl_probe *p = &s->probes[i];

		dl_fmt_num(a, sizeof(a), &p->hits);
		dl_fmt_num(b, sizeof(b), &p->missed);
		printf("%s%s %s hits %s missed%s", i ? ", " : "probes: ",
		       p->symbol, a, b,
		       !p->missed.null && p->missed.u ? " (!)" : "");
	}
	if (s->nprobes)
		putchar('\n');
}

/*
 * "features", and what is missing on this kernel. limits_enforceable 0 is
 * not dstleak's loss: the HEADROOM marks say it.
 */
static void show_features(const struct dl_features *f)
{
	const char *sep = "degraded: ";

	if (!f->seen)
		return;
	printf("features: stacks %" PRIu64 ", ftrace_permanent %" PRIu64
	       ", netns_cookie %s, limits_enforceable %" PRIu64 "\n",
	       f->stacks, f->ftrace_permanent,
	       f->cookie_dstleak ? "dstleak" : "kernel", f->limits_enforceable);
	if (!f->stacks) {
		printf("%sno allocation stacks", sep);
		sep = "; ";
	}
	if (!f->ftrace_permanent) {
		printf("%sftrace hook can be switched off by sysctl", sep);
		sep = "; ";
	}
	if (f->cookie_dstleak) {
		printf("%snetns cookies numbered by dstleak", sep);
		sep = "; ";
	}
	if (sep[0] == ';')
		putchar('\n');
}

/* "calibration spread N": how far off the global drift may be since load. */
static void show_calibration(const struct dl_num *spread)
{
	if (spread->null)
		return;
	if (!spread->u)
		printf("calibration spread 0: exact at load\n");
	else
		printf("calibration spread %" PRIu64 ": the global ipv4 drift may be "
		       "off by up to %" PRIu64 " since load\n", spread->u, spread->u);
}

static void show_preamble(const struct dl_summary *s, const char *path)
{
	char a[32], b[32], c[32], *p = dl_clean(path, strlen(path));
	int f;

	printf("module %s, format %u, kernel %s (%s)\n",
	       s->module ? s->module : "?", s->format,
	       s->kernel ? s->kernel : "?", p);
	free(p);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		dl_fmt_num(a, sizeof(a), &s->global[f].kernel);
		dl_fmt_num(b, sizeof(b), &s->global[f].expected);
		dl_fmt_num(c, sizeof(c), &s->global[f].drift);
		printf("global %s: kernel %s expected %s drift %s\n",
		       dl_family_names[f], a, b, c);
	}
	if (s->tracking.seen)
		show_tracking(&s->tracking);
	show_unattributed(s);
	show_probes(s);
	show_features(&s->features);
	show_calibration(&s->calib_spread);
	if (s->settled == 0)
		printf("not settled: frees of the last RCU grace period may show "
		       "as drift; only a drift that persists is real\n");
}

/* A family's row of show; true when its headroom is marked. */
static bool show_row(struct tbl *t, const char *const head[3], const struct dl_fam *fa,
		     int f)
{
	static const int col[6] = { DL_F_live, DL_F_allocs, DL_F_frees,
				    DL_F_failures, DL_F_kernel, DL_F_drift };
	char v[6][32], hr[32];
	bool mark = fmt_headroom(hr, sizeof(hr), fa);
	int k;

	for (k = 0; k < 6; k++)
		dl_fmt_num(v[k], sizeof(v[k]), &fa->f[col[k]]);
	tbl_row(t, head[0], head[1], head[2], dl_family_names[f], v[0], v[1],
		v[2], v[3], v[4], v[5], hr);
	return mark;
}

static void show_table(const struct dl_summary *s, const struct dl_names *names,
		       bool all, const struct dl_filter *flt, const size_t *ord, size_t n)
{
	bool marked = false;
	struct tbl t;
	size_t i;
	int f;

	tbl_init_main(&t, &cols_show);
	for (i = 0; i < n; i++) {
		const struct dl_ns *ns = &s->ns[ord[i]];
		const char *head[3];
		char inum[24];

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->id.inum);
		head[0] = ns_name(names, ns);
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			if (!dl_filter_family(flt, f) || (!all && fam_idle(&ns->fam[f])))
				continue;
			marked |= show_row(&t, head, &ns->fam[f], f);
			head[0] = head[1] = head[2] = "";
		}
		if (head[1][0])
			tbl_row(&t, head[0], inum, head[2], "(idle)", "", "", "", "",
				"", "", "");
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
	headroom_legend(marked);
}

static const char *const xerr_hdr[] = { "NETNS", "INUM", "WHERE", "ERRNO",
	"COUNT", "KERNEL_OUT_BUNDLE_GEN_ERROR" };

/*
 * The IPsec errors ("xfrm_error" lines) of the namespaces that have any,
 * beside the kernel's XfrmOutBundleGenError of the namespace. Nothing when
 * there are none.
 */
static void show_xfrm_errors(const struct dl_summary *s, const struct dl_names *names,
			     const struct dl_rank *shown)
{
	const struct dl_nsid *last = NULL; /* of the last row printed */
	struct tbl t;
	size_t i;
	bool any = false;

	for (i = 0; i < s->nxerrs; i++)
		any |= s->xerrs[i].count != 0 && dl_rank_of(shown, &s->xerrs[i].id) != SIZE_MAX;
	if (!any)
		return;
	tbl_init(&t, 6, xerr_hdr, "llllrr");
	for (i = 0; i < s->nxerrs; i++) {
		const struct dl_xerr *e = &s->xerrs[i];
		const struct dl_ns *ns = dl_find_ns(s, &e->id);
		char inum[24], count[24], gen[32] = "";
		bool first;

		if (!e->count || dl_rank_of(shown, &e->id) == SIZE_MAX)
			continue;
		first = !last || dl_nsid_cmp(last, &e->id) != 0;
		last = &e->id;
		snprintf(inum, sizeof(inum), "%" PRIu64, e->id.inum);
		snprintf(count, sizeof(count), "%" PRIu64, e->count);
		if (first)
			dl_fmt_num(gen, sizeof(gen), ns ? &ns->xfrm_gen_error :
				   &(const struct dl_num){ .null = true });
		tbl_row(&t, first ? ns_name(names, ns) : "", first ? inum : "",
			e->bundle ? "bundle" : "lookup", e->errname, count, gen);
	}
	printf("\nIPsec errors:\n");
	tbl_print(&t, stdout);
	tbl_free(&t);
}

static int cmd_show(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "long", no_argument, NULL, 'l' },
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, all = false, lng = false;
	struct dl_summary s;
	struct dl_names *names;
	struct dl_filter flt;
	struct dl_rank *shown;
	struct source src;
	size_t *ord, n;
	int c;

	dl_filter_init(&flt, DL_FILTER_ALL & ~DL_FILTER_REASON);
	while ((c = next_opt(argc, argv, ":halJo:nr", longs, help_show)) != -1) {
		if (dl_filter_opt(&flt, c, optarg) || tbl_opt(c, optarg))
			continue;
		if (c == 'j')
			json = true;
		else if (c == 'a')
			all = true;
		else if (c == 'l')
			lng = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&flt);
	tbl_out.json = json;
	tbl_out_done(lng ? &cols_long : &cols_show);
	load_summary(&src, &s, NULL, NULL);
	names = dl_filter_names(&flt);
	ord = dl_filter_order(&flt, &s, names, &n);
	if (json && !tbl_rows_json()) {
		show_json(&s, names, &flt, ord, n);
	} else if (json || tbl_only()) {
		/* -o, -n, -r: the table alone. */
		if (lng)
			show_long(&s, names, &flt, ord, n, all);
		else
			show_table(&s, names, all, &flt, ord, n);
	} else {
		show_preamble(&s, src.summary);
		putchar('\n');
		if (lng)
			show_long(&s, names, &flt, ord, n, all);
		else
			show_table(&s, names, all, &flt, ord, n);
		shown = dl_rank_order(&s, ord, n);
		show_xfrm_errors(&s, names, shown);
		dl_rank_free(shown);
		dl_history_show(stdout);
	}
	free(ord);
	dl_filter_free(&flt);
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(0);
}

/* ---------------- watch ---------------- */

/* new - old as a rate, or "-" when unknown or gone backwards. */
static void fmt_rate(char *b, size_t n, const struct dl_num *old,
		     const struct dl_num *new, double secs)
{
	if (!old || old->null || new->null || new->u < old->u || secs <= 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f", (double)(new->u - old->u) / secs);
}

static bool num_changed(const struct dl_num *a, const struct dl_num *b)
{
	if (a->null || b->null)
		return a->null != b->null;
	return dl_num_cmp(a, b) != 0;
}

/* A family's row of watch, rates against pf; true when headroom is marked. */
static bool watch_row(struct tbl *t, const char *const head[3], const struct dl_fam *fa,
		      const struct dl_fam *pf, double secs, int f)
{
	char live[32], ra[32], rf[32], rx[32], k[32], d[32], h[32];
	bool mark = fmt_headroom(h, sizeof(h), fa);

	dl_fmt_num(live, sizeof(live), &fa->f[DL_F_live]);
	fmt_rate(ra, sizeof(ra), pf ? &pf->f[DL_F_allocs] : NULL, &fa->f[DL_F_allocs], secs);
	fmt_rate(rf, sizeof(rf), pf ? &pf->f[DL_F_frees] : NULL, &fa->f[DL_F_frees], secs);
	fmt_rate(rx, sizeof(rx), pf ? &pf->f[DL_F_failures] : NULL,
		 &fa->f[DL_F_failures], secs);
	dl_fmt_num(k, sizeof(k), &fa->f[DL_F_kernel]);
	dl_fmt_num(d, sizeof(d), &fa->f[DL_F_drift]);
	tbl_row(t, head[0], head[1], head[2], dl_family_names[f], live, ra, rf, rx,
		k, d, h);
	return mark;
}

/*
 * s cut to w columns (UTF-8 characters) in the middle, "…" in the cut, as
 * ss and lsns do: both ends of a container's name tell it apart.
 */
static void ellipsize(char *out, size_t n, const char *s, size_t w)
{
	size_t len = strlen(s), chars = 0, head, tail, i, hb, tb;

	for (i = 0; i < len; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (chars <= w || w < 2) {
		snprintf(out, n, "%s", s);
		return;
	}
	head = (w - 1 + 1) / 2;
	tail = w - 1 - head;
	/* hb: bytes of the first head characters; tb: of the last tail. */
	for (hb = 0, i = 0; hb < len; hb++) {
		if (((unsigned char)s[hb] & 0xc0) != 0x80 && i++ == head)
			break;
	}
	for (tb = len, i = 0; tb > 0 && i < tail;) {
		tb--;
		if (((unsigned char)s[tb] & 0xc0) != 0x80)
			i++;
	}
	snprintf(out, n, "%.*s\xe2\x80\xa6%s", (int)hb, s, s + tb);
}

/* The width to fit in: the terminal's, else $COLUMNS; 0 for none. */
static size_t term_width(bool tty)
{
	const char *c = getenv("COLUMNS");
	struct winsize ws;
	uint64_t v;

	if (tty && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	if (c && !dl_parse_u64(c, strlen(c), &v) && v > 0 && v < 100000)
		return (size_t)v;
	return 0;
}

/* The width of the table's lines: its selected columns, two blanks apart. */
static size_t tbl_line_width(const struct tbl *t, bool *has_name)
{
	int k, n = tbl_out.sel ? tbl_out.nsel : t->ncols;
	size_t w = 0;

	*has_name = false;
	for (k = 0; k < n; k++) {
		int i = tbl_out.sel ? tbl_out.sel[k] : k;

		w += t->width[i] + (k ? 2 : 0);
		*has_name |= i == 0;
	}
	return w;
}

/* Rows of watch into t, names cut to namew columns (0: whole). */
static bool watch_fill(struct tbl *t, const struct dl_summary *s,
		       const struct dl_summary *prev, double secs,
		       const struct dl_names *names, bool all, size_t namew)
{
	bool marked = false;
	size_t i;
	int f;

	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		const struct dl_ns *pns = prev ? dl_find_ns(prev, &ns->id) : NULL;
		const char *head[3];
		char inum[24], name[256];

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->id.inum);
		head[0] = ns_name(names, ns);
		if (namew) {
			ellipsize(name, sizeof(name), head[0], namew);
			head[0] = name;
		}
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			const struct dl_fam *pf = pns ? &pns->fam[f] : NULL;
			bool moved = pf && (num_changed(&pf->f[DL_F_allocs], &fa->f[DL_F_allocs]) ||
					    num_changed(&pf->f[DL_F_frees], &fa->f[DL_F_frees]));

			if (!all && fam_idle(fa) && !moved)
				continue;
			marked |= watch_row(t, head, fa, pf, secs, f);
			head[0] = head[1] = head[2] = "";
		}
		if (head[1][0])
			tbl_row(t, head[0], inum, head[2], "(idle)", "", "", "", "",
				"", "", "");
	}
	return marked;
}

/*
 * The table; wider than cols (0: no limit), the NETNS names are cut to
 * fit (the other columns never are; at least 8 columns of name).
 */
static void watch_block(const struct dl_summary *s, const struct dl_summary *prev,
			double secs, const struct dl_names *names, bool all, size_t cols)
{
	bool marked, has_name;
	struct tbl t;
	size_t w;

	tbl_init_main(&t, &cols_watch);
	marked = watch_fill(&t, s, prev, secs, names, all, 0);
	w = tbl_line_width(&t, &has_name);
	if (cols && w > cols && has_name && !tbl_out.raw && t.width[0] > 8) {
		size_t namew = t.width[0] - (w - cols);

		if (namew > t.width[0] || namew < 8)
			namew = 8;
		tbl_free(&t);
		tbl_init_main(&t, &cols_watch);
		watch_fill(&t, s, prev, secs, names, all, namew);
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
	headroom_legend(marked);
}

static void sleep_secs(double s)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) && errno == EINTR)
		ts = rem;
}

/* The time now as watch's headings show it. */
static void watch_stamp(char *b, size_t n)
{
	time_t wall = time(NULL);
	struct tm tm;

	gmtime_r(&wall, &tm);
	strftime(b, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * One round: a heading with the time and what the rates are (note), then
 * the table; the source's path cut to fit cols.
 */
static void watch_round(const struct dl_summary *cur, const struct dl_summary *prev,
			double secs, double interval, const char *path, bool all,
			const char *note, size_t cols)
{
	struct dl_names *names = dl_names_load();
	char stamp[64], head[160], p[PATH_MAX + 8];
	char *c = dl_clean(path, strlen(path));
	size_t used;

	watch_stamp(stamp, sizeof(stamp));
	used = (size_t)snprintf(head, sizeof(head), "dstleak watch %s, every %gs, ",
				stamp, interval) + strlen(note);
	ellipsize(p, sizeof(p), c, cols > used + 16 ? cols - used : cols ? 16 : SIZE_MAX);
	if (!tbl_only())
		printf("%s%s%s\n", head, p, note);
	watch_block(cur, prev, secs, names, all, cols);
	if (!tbl_only())
		dl_history_show(stdout);
	free(c);
	dl_names_free(names);
}

/*
 * Did the module restart its counters (a reload)? A probe's hits, or a
 * counter of a namespace known by its cookie (never reused), went
 * backwards. Format 1 has no cookie: an inode may be a new namespace's.
 */
static bool counters_reset(const struct dl_summary *old, const struct dl_summary *new)
{
	static const int counters[] = { DL_F_allocs, DL_F_frees, DL_F_failures };
	size_t i, j;
	int f;

	for (i = 0; i < new->nprobes; i++)
		for (j = 0; j < old->nprobes; j++)
			if (!strcmp(new->probes[i].symbol, old->probes[j].symbol) &&
			    !new->probes[i].hits.null && !old->probes[j].hits.null &&
			    new->probes[i].hits.u < old->probes[j].hits.u)
				return true;
	for (i = 0; i < new->nns; i++) {
		const struct dl_ns *ns = &new->ns[i];
		const struct dl_ns *ons = ns->id.has_cookie ? dl_find_ns(old, &ns->id) : NULL;

		if (!ons || !ons->id.has_cookie)
			continue;
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++)
			for (j = 0; j < sizeof(counters) / sizeof(counters[0]); j++) {
				const struct dl_num *a = &ons->fam[f].f[counters[j]];
				const struct dl_num *b = &ns->fam[f].f[counters[j]];

				if (!a->null && !b->null && b->u < a->u)
					return true;
			}
	}
	return false;
}

/* Reads that fail in a row before watch gives up (help_watch says so). */
#define WATCH_MAX_FAILS 10

/*
 * A failed read: the last screen stays, with this line under it (on a
 * terminal, the line of the previous failure is overwritten).
 */
static void watch_failed(const char *why, int fails, bool tty, uint64_t round)
{
	char stamp[64];

	watch_stamp(stamp, sizeof(stamp));
	if (tty)
		fputs(fails > 1 ? "\r\033[K" : "", stdout);
	else if (round > 1)
		putchar('\n');
	printf("dstleak watch %s: read failed (%d of %d before giving up): %s%s",
	       stamp, fails, WATCH_MAX_FAILS, why, tty ? "" : "\n");
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ "wide", no_argument, NULL, 'w' },
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	struct dl_summary prev, cur;
	struct source src;
	bool have_prev = false, all = false, wide = false, gone = false;
	bool tty = isatty(1);
	double interval = 1, t_prev = 0;
	uint64_t count = 0, round;
	char why[PATH_MAX + 1024];
	int c, fails = 0;

	/* -n is COUNT: no headings is --noheadings only; no -J. */
	while ((c = next_opt(argc, argv, ":hi:n:awo:r", longs, help_watch)) != -1) {
		if (c == 'i') {
			if (!parse_double(optarg, 0.01, 86400, &interval))
				usage_error("-i: '%s' is not a number of seconds "
					    "from 0.01 to 86400", optarg);
		} else if (c == 'n') {
			count = parse_count("-n", optarg);
			if (!count)
				usage_error("-n: COUNT must be at least 1");
		} else if (c == 'a') {
			all = true;
		} else if (c == 'w') {
			wide = true;
		} else {
			tbl_opt(c, optarg);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	tbl_out_done(&cols_watch);
	memset(&prev, 0, sizeof(prev));
	for (round = 1;; round++) {
		const char *note = have_prev ? "" : " (rates from the next round)";
		char gap[96];
		bool reset;
		double t_now;
		int code = 0;

		/* The first read must work; later ones may fail for a while. */
		if (round == 1)
			load_summary(&src, &cur, NULL, NULL);
		else
			code = try_load_summary(&src, &cur, why, sizeof(why));
		if (code) {
			fails++;
			/* The module is gone: whatever comes back was reloaded. */
			gone |= code == DL_EXIT_NOSOURCE;
			watch_failed(why, fails, tty, round);
			if (fails >= WATCH_MAX_FAILS) {
				if (tty)
					putchar('\n');
				die(code, "giving up after %d failed reads in a row: %s",
				    fails, why);
			}
			if (finish_output(0))
				exit(DL_EXIT_RUNTIME);
			goto next;
		}
		t_now = now_mono();
		reset = have_prev && (gone || counters_reset(&prev, &cur));
		if (reset) {
			note = " (module reloaded: counters reset, rates from the next round)";
		} else if (have_prev && fails) {
			snprintf(gap, sizeof(gap), " (rates over %.1fs: %d read%s failed)",
				 t_now - t_prev, fails, fails == 1 ? "" : "s");
			note = gap;
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (round > 1)
			putchar('\n');
		watch_round(&cur, have_prev && !reset ? &prev : NULL,
			    have_prev ? t_now - t_prev : 0, interval, src.summary, all,
			    note, wide ? 0 : term_width(tty));
		if (finish_output(0))
			exit(DL_EXIT_RUNTIME);
		if (have_prev)
			dl_summary_free(&prev);
		prev = cur;
		have_prev = true;
		t_prev = t_now;
		fails = 0;
		gone = false;
next:
		if (count && round >= count)
			break;
		sleep_secs(interval);
	}
	dl_summary_free(&prev);
	return finish_output(0);
}

/* ---------------- host identity, snapshots ---------------- */

static char *host_name(void)
{
	const char *e = getenv("DSTLEAK_HOSTNAME");
	char b[HOST_NAME_MAX + 1];
	char *r;

	if (e && *e)
		r = dl_xstrndup(e, strlen(e));
	else if (gethostname(b, sizeof(b)) == 0 && (b[sizeof(b) - 1] = 0, b[0]))
		r = dl_xstrndup(b, strlen(b));
	else
		r = dl_xstrndup("unknown", 7);
	r[strcspn(r, " \t\n")] = 0;
	dl_sanitize(&r);
	return r;
}

/* The boot id; "unknown" matches nothing, so diff refuses it unless forced. */
static char *boot_id(void)
{
	char path[PATH_MAX], *raw, *r;
	size_t len, n;
	int e;

	join(path, sizeof(path), dl_env_root("DSTLEAK_PROC", "/proc"),
	     "sys/kernel/random/boot_id");
	if (dl_read_file(path, &raw, &len, &e) || len == 0 || len > 64)
		return dl_xstrndup("unknown", 7);
	n = strcspn(raw, " \t\n");
	r = dl_xstrndup(raw, n < len ? n : len);
	free(raw);
	dl_sanitize(&r);
	if (!*r) {
		free(r);
		return dl_xstrndup("unknown", 7);
	}
	return r;
}

static const char *history_path(char *b, size_t n)
{
	const char *e = getenv("DSTLEAK_HISTORY");

	if (e && *e)
		return e;
	snprintf(b, n, "/tmp/.dstleak.u%ld", (long)geteuid());
	return b;
}

/* 0, or -1 with errno set. */
static int write_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t r = write(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * May the snapshot at path be replaced? Not through a symbolic link, not
 * anything but a regular file (a FIFO planted at the predictable
 * /tmp/.dstleak.uUID would hang a writer), not a file with other hard
 * links, not another user's file. Opened without blocking or following a
 * link, and checked on the descriptor. Absent is fine.
 */
static void check_target(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return;
	if (fd < 0)
		die(DL_EXIT_RUNTIME, "%s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symbolic link: refused)" : "");
	if (fstat(fd, &st))
		die(DL_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	close(fd);
	if (!S_ISREG(st.st_mode))
		die(DL_EXIT_RUNTIME, "%s: not a regular file: refused", path);
	if (st.st_nlink > 1)
		die(DL_EXIT_RUNTIME, "%s: has %lu hard links: refused", path,
		    (unsigned long)st.st_nlink);
	if (st.st_uid != geteuid())
		die(DL_EXIT_RUNTIME, "%s: owned by uid %ld, not by you: refused",
		    path, (long)st.st_uid);
}

/*
 * Write the snapshot next to path under a fresh name (O_EXCL, mode 0600),
 * then rename it over path: a reader never sees half a file, and nothing
 * that was at path is ever opened for writing.
 */
static void write_snapshot(const char *path, const char *hdr, const char *raw,
			   size_t len)
{
	char tmp[PATH_MAX];
	int fd, e;

	check_target(path);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		die(DL_EXIT_RUNTIME, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		die(DL_EXIT_RUNTIME, "%s: cannot create: %s", tmp, strerror(errno));
	if (write_all(fd, hdr, strlen(hdr)) || write_all(fd, raw, len) ||
	    fsync(fd) || close(fd) || rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		die(DL_EXIT_RUNTIME, "%s: cannot write: %s", path, strerror(e));
	}
}

/* The header of a snapshot; one that does not fit is an error, never cut. */
static void snapshot_header(char *hdr, size_t n, const struct source *src)
{
	char *host = host_name(), *boot = boot_id();
	char *from = dl_clean(src->summary, strlen(src->summary));
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	r = snprintf(hdr, n,
		     "dstleak-snapshot %d\nhost %s\nboot_id %s\ntime %lld.%09ld\nsource %s\n",
		     DL_SNAPSHOT_VERSION, host, boot, (long long)ts.tv_sec,
		     (long)ts.tv_nsec, from);
	free(host);
	free(boot);
	free(from);
	if (r < 0 || (size_t)r >= n)
		die(DL_EXIT_RUNTIME, "snapshot header too long (%d bytes, at most %zu): "
		    "host name or source path", r, n - 1);
}

static int cmd_snapshot(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	char hb[PATH_MAX], hdr[PATH_MAX + 512], *raw;
	const char *path;
	struct dl_summary s;
	struct source src;
	size_t len;
	int c;

	while ((c = next_opt(argc, argv, ":h", longs, help_snapshot)) != -1)
		;
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	path = optind < argc ? argv[optind] : history_path(hb, sizeof(hb));
	load_summary(&src, &s, &raw, &len);
	dl_summary_free(&s);
	snapshot_header(hdr, sizeof(hdr), &src);
	if (strcmp(path, "-") == 0) {
		fputs(hdr, stdout);
		fwrite(raw, 1, len, stdout);
		free(raw);
		return finish_output(0);
	}
	write_snapshot(path, hdr, raw, len);
	free(raw);
	note("saved %s", path);
	return 0;
}

static void load_snapshot(const char *path, struct dl_snapshot *snap)
{
	struct dl_err err;
	struct stat st;
	char *raw;
	size_t len;
	int fd, e;

	/* O_NONBLOCK: a FIFO named by mistake must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		die(bad_exit, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		die(bad_exit, "%s: not a regular file", path);
	/* dstleak 0.1.0 wrote snapshots in place, under LOCK_EX. */
	if (flock(fd, LOCK_SH))
		die(bad_exit, "%s: cannot lock: %s", path, strerror(errno));
	if (dl_read_fd(fd, &raw, &len, &e))
		die(bad_exit, "%s: %s", path, dl_strerror(e));
	close(fd);
	if (dl_parse_snapshot(raw, len, path, snap, &err)) {
		free(raw);
		die(bad_exit, "%s", err.msg);
	}
	free(raw);
}

/* ---------------- diff ---------------- */

/* A delta of a counter: "+N", "reset" if it went backwards, "-" if unknown. */
static bool fmt_delta(char *b, size_t n, const struct dl_num *o,
		      const struct dl_num *v, bool *reset)
{
	if (!o || o->null || v->null) {
		snprintf(b, n, "-");
		return false;
	}
	if (v->u < o->u) {
		snprintf(b, n, "reset");
		*reset = true;
		return false;
	}
	snprintf(b, n, "%" PRIu64, v->u - o->u);
	return v->u != o->u;
}

/* A signed change of a gauge: "+N", "-N", "0", or "-" if unknown. */
static bool fmt_change(char *b, size_t n, const struct dl_num *o,
		       const struct dl_num *v)
{
	if (!o || o->null || v->null || !dl_num_diff(b, n, o, v)) {
		snprintf(b, n, "-");
		return false;
	}
	return dl_num_cmp(o, v) != 0;
}

static void check_same_host(const struct dl_snapshot *old, const char *oldpath,
			    const char *newhost, const char *newboot,
			    const char *newname, bool force)
{
	bool host_ok = strcmp(old->host, newhost) == 0;
	bool boot_ok = strcmp(old->boot_id, newboot) == 0 &&
		       strcmp(newboot, "unknown") != 0;

	if (force || (host_ok && boot_ok))
		return;
	if (!host_ok)
		die(bad_exit, "%s:%u: snapshot is from host '%s', %s is from '%s'; "
		    "refusing to compare (--force to do it anyway)",
		    oldpath, old->host_line, old->host, newname, newhost);
	die(bad_exit, "%s:%u: snapshot is from boot %s, %s is from boot %s "
	    "(rebooted since?); refusing to compare (--force to do it anyway)",
	    oldpath, old->boot_line, old->boot_id, newname, newboot);
}

/* What "diff" prints, while it merges the two sides. */
struct diffctx {
	struct tbl t;
	const struct dl_names *names;
	double secs;
	bool all, reset, full_old, full_new;
};

/* A family's row; false when nothing changed and not --all. */
static bool diff_fam(struct diffctx *d, const struct dl_fam *of,
		     const struct dl_fam *nf, const char *const head[3], int f)
{
	static const struct dl_num zero = { .null = false };
	char al[32], ar[32], fr[32], frr[32], fl[32], lv[32], dlv[32], k[32],
		dk[32], dr[32];
	bool changed = false, reset = false;

	/* A new namespace started from zero. */
#define O(field) (of ? &of->f[field] : &zero)
	changed |= fmt_delta(al, sizeof(al), O(DL_F_allocs), &nf->f[DL_F_allocs], &reset);
	changed |= fmt_delta(fr, sizeof(fr), O(DL_F_frees), &nf->f[DL_F_frees], &reset);
	changed |= fmt_delta(fl, sizeof(fl), O(DL_F_failures), &nf->f[DL_F_failures], &reset);
	fmt_rate(ar, sizeof(ar), O(DL_F_allocs), &nf->f[DL_F_allocs], d->secs);
	fmt_rate(frr, sizeof(frr), O(DL_F_frees), &nf->f[DL_F_frees], d->secs);
	dl_fmt_num(lv, sizeof(lv), &nf->f[DL_F_live]);
	changed |= fmt_change(dlv, sizeof(dlv), O(DL_F_live), &nf->f[DL_F_live]);
#undef O
	dl_fmt_num(k, sizeof(k), &nf->f[DL_F_kernel]);
	changed |= fmt_change(dk, sizeof(dk), of ? &of->f[DL_F_kernel] : NULL,
			      &nf->f[DL_F_kernel]);
	dl_fmt_num(dr, sizeof(dr), &nf->f[DL_F_drift]);
	if (!nf->f[DL_F_drift].null && dl_num_abs(&nf->f[DL_F_drift]))
		changed = true;
	d->reset |= reset;
	if (!d->all && !changed && !reset)
		return false;
	tbl_row(&d->t, head[0], head[1], head[2], dl_family_names[f], al, ar, fr,
		frr, fl, lv, dlv, k, dk, dr);
	return true;
}

/* The rows of a namespace: on in OLD, nn in NEW, either may be NULL. */
static void diff_ns(struct diffctx *d, const struct dl_ns *on, const struct dl_ns *nn)
{
	const char *head[3];
	char inum[24];
	bool first = true;
	int f;

	snprintf(inum, sizeof(inum), "%" PRIu64, (on ? on : nn)->id.inum);
	/*
	 * A namespace on one side only is new (counted from zero) or gone
	 * when the other side saw every namespace; when it saw only its own
	 * (/proc/net/dstleak), nothing can be said. Gone, it has no name: its
	 * inode may be another namespace's by now.
	 */
	if (!nn || (!on && !d->full_old)) {
		if (d->all || d->full_new || d->full_old)
			tbl_row(&d->t, ns_name(d->names, nn), inum,
				!nn ? (d->full_new ? "gone" : "not in NEW") : "not in OLD",
				"", "", "", "", "", "", "", "", "", "", "");
		return;
	}
	head[0] = ns_name(d->names, nn);
	head[1] = inum;
	head[2] = !on ? "new" : nn->exited ? "exited" : "alive";
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!diff_fam(d, on ? &on->fam[f] : NULL, &nn->fam[f], head, f))
			continue;
		head[0] = head[1] = head[2] = "";
		first = false;
	}
	if (first && (d->all || !on))
		tbl_row(&d->t, head[0], inum, head[2], "(no change)", "", "", "",
			"", "", "", "", "", "", "");
}

/* Both lists are sorted by namespace: merge them. */
static void diff_merge(struct diffctx *d, const struct dl_summary *a,
		       const struct dl_summary *b)
{
	size_t i = 0, j = 0;

	while (i < a->nns || j < b->nns) {
		int c = i >= a->nns ? 1 : j >= b->nns ? -1 :
			dl_nsid_cmp(&a->ns[i].id, &b->ns[j].id);

		if (c < 0)
			diff_ns(d, &a->ns[i++], NULL);
		else if (c > 0)
			diff_ns(d, NULL, &b->ns[j++]);
		else
			diff_ns(d, &a->ns[i++], &b->ns[j++]);
	}
}

/* NEW when none is named: the summary now, as if a snapshot. */
static void snapshot_now(struct dl_snapshot *new, const struct dl_snapshot *old,
			 const char *oldpath, bool force)
{
	struct source src;
	struct timespec ts;
	char *host = host_name(), *boot = boot_id();

	memset(new, 0, sizeof(*new));
	check_same_host(old, oldpath, host, boot, "this host", force);
	load_summary(&src, &new->sum, NULL, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	new->sec = ts.tv_sec;
	new->nsec = (uint32_t)ts.tv_nsec;
	new->host = host;
	new->boot_id = boot;
}

static int cmd_diff(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	struct dl_snapshot old, new;
	struct diffctx d = { .all = false };
	bool force = false;
	char *oldname, *newname;
	struct dl_names *names;
	int c;

	while ((c = next_opt(argc, argv, ":haJo:nr", longs, help_diff)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			d.all = true;
		else if (c == 'j')
			tbl_out.json = true;
		else
			tbl_opt(c, optarg);
	}
	/* diff has no JSON document of its own: -J is its rows. */
	tbl_out.json_rows = true;
	tbl_out_done(&cols_diff);
	if (optind >= argc)
		usage_error("diff needs a snapshot to compare with");
	if (argc - optind > 2)
		usage_error("unexpected argument '%s'", argv[optind + 2]);
	load_snapshot(argv[optind], &old);
	if (optind + 1 < argc) {
		load_snapshot(argv[optind + 1], &new);
		check_same_host(&old, argv[optind], new.host, new.boot_id,
				argv[optind + 1], force);
	} else {
		snapshot_now(&new, &old, argv[optind], force);
	}
	oldname = dl_clean(argv[optind], strlen(argv[optind]));
	newname = optind + 1 < argc ? dl_clean(argv[optind + 1], strlen(argv[optind + 1])) :
				      dl_xstrndup("now", 3);
	d.secs = (double)(new.sec - old.sec) +
		 ((double)new.nsec - (double)old.nsec) / 1e9;
	if (!tbl_only() && !tbl_out.json)
		printf("from %s to %s: %.1f seconds\n", oldname, newname, d.secs);
	if (d.secs <= 0)
		note("%s is not later than %s: no rates", newname, oldname);
	/* The module writes "global" lines only in the all-namespace view. */
	d.full_old = old.sum.global[DSTLEAK_FAM_IPV4].seen;
	d.full_new = new.sum.global[DSTLEAK_FAM_IPV4].seen;
	names = dl_names_load();
	d.names = names;
	tbl_init_main(&d.t, &cols_diff);
	diff_merge(&d, &old.sum, &new.sum);
	if (d.t.nrows || tbl_only() || tbl_out.json)
		tbl_print(&d.t, stdout);
	else
		printf("no change\n");
	if (d.reset)
		note("some counters went backwards (module reloaded since %s?): "
		     "shown as reset", oldname);
	tbl_free(&d.t);
	free(oldname);
	free(newname);
	dl_names_free(names);
	dl_snapshot_free(&old);
	dl_snapshot_free(&new);
	return finish_output(0);
}

/* ---------------- suspects ---------------- */

static const char *const old_hdr[] = { "NETNS", "INUM", "FAMILY", "COUNT",
	"OLDEST" };

/* The name of the namespace of a suspect line, NULL when it has none. */
static const char *sus_name(const struct dl_names *names,
			    const struct dl_summary *s, const struct dl_nsid *id)
{
	const struct dl_ns *ns = dl_find_ns(s, id);

	return ns ? dl_ns_name(names, ns) : NULL;
}

static void suspects_json(const struct dl_suspects *sp, const struct dl_summary *s,
			  const struct dl_names *names)
{
	struct jw w;
	size_t i, k;

	jw_init(&w, stdout);
	jw_obj(&w);
	jw_key(&w, "format");
	jw_u64(&w, DL_JSON_VERSION);
	jw_key(&w, "groups");
	jw_arr(&w);
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];

		jw_obj(&w);
		jw_key(&w, "inum");
		jw_u64(&w, g->id.inum);
		json_cookie(&w, &g->id);
		jw_key(&w, "name");
		jw_str(&w, sus_name(names, s, &g->id));
		jw_key(&w, "family");
		jw_str(&w, dl_family_names[g->family]);
		jw_key(&w, "reason");
		jw_str(&w, dl_reason_names[g->reason]);
		jw_key(&w, "device");
		jw_str(&w, g->device);
		jw_key(&w, "count");
		jw_u64(&w, g->count);
		jw_key(&w, "oldest_s");
		jw_ms_as_s(&w, g->oldest_ms);
		jw_key(&w, "median_s");
		jw_ms_as_s(&w, g->median_ms);
		jw_key(&w, "stack");
		jw_arr(&w);
		for (k = 0; k < g->nstack; k++)
			jw_str(&w, g->stack[k]);
		jw_arr_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "dropped");
	jw_u64(&w, sp->dropped);
	/* Long-lived entries that are no suspects. */
	jw_key(&w, "old");
	jw_arr(&w);
	for (i = 0; i < sp->nold; i++) {
		const struct dl_old *o = &sp->old[i];

		jw_obj(&w);
		jw_key(&w, "inum");
		jw_u64(&w, o->id.inum);
		json_cookie(&w, &o->id);
		jw_key(&w, "name");
		jw_str(&w, sus_name(names, s, &o->id));
		jw_key(&w, "family");
		jw_str(&w, dl_family_names[o->family]);
		jw_key(&w, "count");
		jw_u64(&w, o->count);
		jw_key(&w, "oldest_s");
		jw_ms_as_s(&w, o->oldest_ms);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void suspects_groups(const struct dl_suspects *sp, const struct dl_summary *s,
			    const struct dl_names *names)
{
	struct tbl t;
	size_t i, k;

	tbl_init_main(&t, &cols_suspects);
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		const char *nm = sus_name(names, s, &g->id);
		char inum[24], cnt[24], o[32], m[32];

		snprintf(inum, sizeof(inum), "%" PRIu64, g->id.inum);
		snprintf(cnt, sizeof(cnt), "%" PRIu64, g->count);
		dl_fmt_ms(o, sizeof(o), g->oldest_ms);
		dl_fmt_ms(m, sizeof(m), g->median_ms);
		tbl_row(&t, nm ? nm : "-", inum, dl_family_names[g->family],
			dl_reason_names[g->reason], g->device ? g->device : "-",
			cnt, o, m);
		for (k = 0; k < g->nstack; k++) {
			size_t n = strlen(g->stack[k]) + 5;
			char *line = dl_xrealloc(NULL, n, 1);

			snprintf(line, n, "    %s", g->stack[k]);
			tbl_raw(&t, line);
			free(line);
		}
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

static void suspects_old(const struct dl_suspects *sp, const struct dl_summary *s,
			 const struct dl_names *names)
{
	struct tbl t;
	size_t i;

	printf("\nold entries (long-lived, not suspects):\n");
	tbl_init(&t, 5, old_hdr, "lllrr");
	for (i = 0; i < sp->nold; i++) {
		const struct dl_old *o = &sp->old[i];
		const char *nm = sus_name(names, s, &o->id);
		char inum[24], cnt[24], age[32];

		snprintf(inum, sizeof(inum), "%" PRIu64, o->id.inum);
		snprintf(cnt, sizeof(cnt), "%" PRIu64, o->count);
		dl_fmt_ms(age, sizeof(age), o->oldest_ms);
		tbl_row(&t, nm ? nm : "-", inum, dl_family_names[o->family], cnt, age);
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

static int cmd_suspects(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "json", no_argument, NULL, 'j' },
		DL_FILTER_LONGS,
		TBL_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct dl_filter flt;
	struct source src;
	bool json = false;
	char msg[PATH_MAX + 128];
	int c;

	dl_filter_init(&flt, DL_FILTER_ALL & ~DL_FILTER_SORT);
	while ((c = next_opt(argc, argv, ":hJo:nr", longs, help_suspects)) != -1)
		if (!dl_filter_opt(&flt, c, optarg) && !tbl_opt(c, optarg) && c == 'j')
			json = true;
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	dl_filter_done(&flt);
	tbl_out.json = json;
	tbl_out_done(&cols_suspects);
	/* The summary: is the module there, which source, which namespaces. */
	load_summary(&src, &s, NULL, NULL);
	if (load_suspects(&src, &sp, msg, sizeof(msg)))
		die(DL_EXIT_NOSOURCE, "%s", msg);
	names = dl_filter_names(&flt);
	dl_filter_suspects(&flt, &s, names, &sp);
	dl_filter_free(&flt);
	if (json && !tbl_rows_json()) {
		suspects_json(&sp, &s, names);
	} else if (json || tbl_only()) {
		suspects_groups(&sp, &s, names); /* the groups alone */
	} else {
		if (sp.ngroups)
			suspects_groups(&sp, &s, names);
		if (sp.dropped)
			printf("%" PRIu64 " more suspect entries past the module's group "
			       "limit (not grouped)\n", sp.dropped);
		if (!sp.ngroups && !sp.dropped)
			printf("no leak suspects\n");
		if (sp.nold)
			suspects_old(&sp, &s, names);
	}
	dl_names_free(names);
	dl_suspects_free(&sp);
	dl_summary_free(&s);
	return finish_output(0);
}

/* ---------------- check ---------------- */

enum { ST_OK, ST_WARN, ST_CRIT, ST_UNKNOWN };
static const char *const st_names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

struct finding {
	int state;
	double rank; /* within a state, higher is worse */
	char text[512];
};

static void consider(struct finding *worst, int *nfind, int state, double rank,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* a is worse than b (equals keep the order they were found in). */
static bool worse(int sa, double ra, int sb, double rb)
{
	return sa > sb || (sa == sb && ra > rb);
}

/* Within a state: headroom first, then suspects, drift, missed probes. */
#define RANK_HEADROOM(pct) (4e15 - (pct))
#define RANK_SUSPECTS(n) (2e15 + ((n) > (uint64_t)1e15 ? 1e15 : (double)(n)))
#define RANK_DRIFT(n) (1e15 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))
/* A drift within the load-time calibration uncertainty: below a real one. */
#define RANK_CALIB(n) (5e14 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))
/* A limit forecast to be reached: after headroom, sooner is worse. */
#define RANK_FORECAST(secs) (3e15 - (secs))

/* A check under way: its thresholds, and what it found so far. */
struct check {
	double warn, crit, low;
	double forecast_h; /* check --forecast HOURS; < 0: not asked */
	uint64_t max_drift, max_suspects;
	struct finding worst;
	int nfind;
	char low_where[400];
	const struct dl_summary *s;
	const struct dl_names *names;
	int top; /* --top: problem lines, and namespace/family pairs in perfdata */
	struct finding *list; /* the worst top findings, worst first */
	int nlist;
	struct pair *pairs; /* the worst top namespace/family pairs, worst first */
	int npairs;
	uint64_t *sus; /* suspect entries per namespace (index in s) and family */
	double timeout; /* -t SECONDS; 0: none */
};

/* Every finding is of a check: consider() gets the check from its worst. */
#define CHECK_OF(w) ((struct check *)(void *)((char *)(w) - offsetof(struct check, worst)))

/* A namespace's family, ranked for the performance data. */
struct pair {
	int state;
	double rank; /* within a state, higher is worse; OK: live + suspects */
	const struct dl_ns *ns;
	int fam;
};

/* Insert f into list (n of at most top, worst first) if it is worse than its last. */
static void keep_finding(struct finding *list, int *n, int top, const struct finding *f)
{
	int i;

	if (top <= 0 || (*n == top && !worse(f->state, f->rank, list[*n - 1].state,
					     list[*n - 1].rank)))
		return;
	i = *n < top ? (*n)++ : *n - 1;
	for (; i > 0 && worse(f->state, f->rank, list[i - 1].state, list[i - 1].rank); i--)
		list[i] = list[i - 1];
	list[i] = *f;
}

static void keep_pair(struct check *k, const struct pair *p)
{
	struct pair *l = k->pairs;
	int i;

	if (k->top <= 0 || (k->npairs == k->top &&
			    !worse(p->state, p->rank, l[k->npairs - 1].state, l[k->npairs - 1].rank)))
		return;
	i = k->npairs < k->top ? k->npairs++ : k->npairs - 1;
	for (; i > 0 && worse(p->state, p->rank, l[i - 1].state, l[i - 1].rank); i--)
		l[i] = l[i - 1];
	l[i] = *p;
}

static void consider(struct finding *worst, int *nfind, int state, double rank,
		     const char *fmt, ...)
{
	struct check *k = CHECK_OF(worst);
	struct finding f = { .state = state, .rank = rank };
	va_list ap;

	(*nfind)++;
	va_start(ap, fmt);
	vsnprintf(f.text, sizeof(f.text), fmt, ap);
	va_end(ap);
	/* The worst first, for the lines after the status line. */
	keep_finding(k->list, &k->nlist, k->top, &f);
	if (worse(state, rank, worst->state, worst->rank))
		*worst = f;
}

/* How findings name a namespace; exited ones by inode alone. */
static void ns_label(char *b, size_t n, const struct dl_names *names,
		     const struct dl_nsid *id, const struct dl_ns *ns)
{
	const char *nm = ns ? dl_ns_name(names, ns) : NULL;
	bool exited = ns && ns->exited;

	if (nm)
		snprintf(b, n, "netns %s (%" PRIu64 ")", nm, id->inum);
	else
		snprintf(b, n, "netns %" PRIu64 "%s", id->inum, exited ? " (exited)" : "");
}

static void check_globals(struct check *k)
{
	size_t i;
	int f;

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_global *g = &k->s->global[f];
		uint64_t mag;

		if (!g->seen || g->drift.null)
			continue;
		mag = dl_num_abs(&g->drift);
		/*
		 * The spread of the calibration samples is of the global ipv4
		 * drift: within it, the drift may be the calibration's.
		 */
		if (mag > k->max_drift && f == DSTLEAK_FAM_IPV4 &&
		    !k->s->calib_spread.null && mag <= k->s->calib_spread.u)
			consider(&k->worst, &k->nfind, ST_WARN, RANK_CALIB(mag),
				 "global %s drift %" PRId64 " within the load-time "
				 "calibration uncertainty (spread %" PRIu64 ")",
				 dl_family_names[f], g->drift.s, k->s->calib_spread.u);
		else if (mag > k->max_drift)
			consider(&k->worst, &k->nfind, ST_WARN, RANK_DRIFT(mag),
				 "global %s drift %" PRId64 " (max %" PRIu64 ")",
				 dl_family_names[f], g->drift.s, k->max_drift);
	}
	for (i = 0; i < k->s->nprobes; i++)
		if (!k->s->probes[i].missed.null && k->s->probes[i].missed.u)
			consider(&k->worst, &k->nfind, ST_WARN, 0,
				 "probe %s missed %" PRIu64 " events: counts may be incomplete",
				 k->s->probes[i].symbol, k->s->probes[i].missed.u);
}

static void check_headroom(struct check *k, const char *label,
			   const struct dl_fam *fa, int f, struct pair *p)
{
	const char *lname;
	uint64_t limit;
	double pct;
	int st;

	/* A limit the kernel does not enforce fails no allocation. */
	if (!dl_limit_enforced(fa) || !dl_headroom(fa, &pct, &limit, &lname))
		return;
	st = pct < k->crit ? ST_CRIT : pct < k->warn ? ST_WARN : ST_OK;
	if (pct < k->low) {
		k->low = pct;
		snprintf(k->low_where, sizeof(k->low_where), "%s %s", label,
			 dl_family_names[f]);
	}
	if (st != ST_OK && worse(st, RANK_HEADROOM(pct), p->state, p->rank)) {
		p->state = st;
		p->rank = RANK_HEADROOM(pct);
	}
	if (st != ST_OK)
		consider(&k->worst, &k->nfind, st, RANK_HEADROOM(pct),
			 "%s %s headroom %.1f%% (kernel %.0f of %s %" PRIu64
			 "), below %g%%", label, dl_family_names[f], pct,
			 dl_num_d(&fa->f[DL_F_kernel]), lname, limit,
			 st == ST_CRIT ? k->crit : k->warn);
}

static void check_ns(struct check *k, const struct dl_ns *ns)
{
	char label[300];
	int f;

	ns_label(label, sizeof(label), k->names, &ns->id, ns);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_num *d = &ns->fam[f].f[DL_F_drift];
		struct pair p = { .state = ST_OK, .rank = -INFINITY, .ns = ns, .fam = f };
		uint64_t mag;

		check_headroom(k, label, &ns->fam[f], f, &p);
		mag = d->null ? 0 : dl_num_abs(d);
		if (mag > k->max_drift) {
			consider(&k->worst, &k->nfind, ST_WARN, RANK_DRIFT(mag),
				 "%s %s drift %" PRId64 " (max %" PRIu64 ")%s",
				 label, dl_family_names[f], d->s, k->max_drift,
				 k->s->settled == 0 ? ", not settled" : "");
			if (worse(ST_WARN, RANK_DRIFT(mag), p.state, p.rank)) {
				p.state = ST_WARN;
				p.rank = RANK_DRIFT(mag);
			}
		}
		/* Among the healthy: the most entries live and suspect. */
		if (p.state == ST_OK) {
			if (fam_idle(&ns->fam[f]))
				continue;
			p.rank = dl_num_d(&ns->fam[f].f[DL_F_live]) +
				 (k->sus ? (double)k->sus[(size_t)(ns - k->s->ns) *
							  DSTLEAK_NR_FAMILIES + (size_t)f] : 0);
		}
		keep_pair(k, &p);
	}
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Suspect entries in all, and the namespace with most (the first such in
 * the file), summed per namespace in a hash table.
 */
static uint64_t suspect_sums(const struct dl_suspects *sp, uint64_t *top,
			     const struct dl_nsid **top_id)
{
	struct dl_map sums;
	uint64_t total = 0;
	size_t i;

	dl_map_init(&sums);
	*top = 0;
	*top_id = NULL;
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		bool added;
		uint64_t *sum = dl_map_put(&sums, dl_nsid_key(&g->id), 0, &added);

		total = sat_add(total, g->count);
		*sum = sat_add(*sum, g->count);
	}
	for (i = 0; i < sp->ngroups; i++) {
		uint64_t sum = *dl_map_get(&sums, dl_nsid_key(&sp->groups[i].id));

		if (sum > *top) {
			*top = sum;
			*top_id = &sp->groups[i].id;
		}
	}
	dl_map_free(&sums);
	return total;
}

/*
 * Suspects: the grouped ones, and those past the module's group limit
 * ("dropped"), which are suspects all the same. The total, saturated.
 */
static uint64_t check_suspects(struct check *k, const struct dl_suspects *sp)
{
	const struct dl_nsid *top_id;
	char label[300], past[96] = "";
	uint64_t top, total = sat_add(suspect_sums(sp, &top, &top_id), sp->dropped);

	if (total <= k->max_suspects)
		return total;
	if (sp->dropped)
		snprintf(past, sizeof(past), ", %" PRIu64 " past the module's group limit",
			 sp->dropped);
	if (!top_id) {
		consider(&k->worst, &k->nfind, ST_WARN, RANK_SUSPECTS(total),
			 "%" PRIu64 " suspect dst entries (max %" PRIu64 ")%s",
			 total, k->max_suspects, past);
		return total;
	}
	ns_label(label, sizeof(label), k->names, top_id, dl_find_ns(k->s, top_id));
	consider(&k->worst, &k->nfind, ST_WARN, RANK_SUSPECTS(total),
		 "%" PRIu64 " suspect dst entries (max %" PRIu64 ")%s%s in %s: %" PRIu64,
		 total, k->max_suspects, past,
		 sp->dropped ? "; most grouped" : ", most", label, top);
	return total;
}

/* "|" in check's text would start performance data: shown as U+00A6. */
static void put_plugin_text(FILE *o, const char *t)
{
	for (; *t; t++) {
		if (*t == '|')
			fputs("\xc2\xa6", o);
		else
			fputc(*t, o);
	}
}

/* A warning range of |drift| <= max (alert outside it). */
static void drift_range(char *b, size_t n, uint64_t max)
{
	if (max)
		snprintf(b, n, "-%" PRIu64 ":%" PRIu64, max, max);
	else
		snprintf(b, n, "0:0");
}

static int64_t sat_add_s(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t num_s(const struct dl_num *v)
{
	if (v->null)
		return 0;
	if (v->is_signed)
		return v->s;
	return v->u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v->u;
}

/*
 * The first line's performance data: totals over every namespace, the
 * same labels on every host and every run.
 */
static void perf_totals(FILE *o, const struct check *k, bool have_suspects, uint64_t total)
{
	char dr[64], v[32];
	size_t i;
	int f;

	fprintf(o, "namespaces=%zu;;;0", k->s->nns);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		int64_t sum = 0;

		for (i = 0; i < k->s->nns; i++)
			sum = sat_add_s(sum, num_s(&k->s->ns[i].fam[f].f[DL_F_live]));
		fprintf(o, " live_%s=%" PRId64 ";;;0", dl_family_names[f], sum);
	}
	drift_range(dr, sizeof(dr), k->max_drift);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_global *g = &k->s->global[f];

		if (!g->seen || g->drift.null)
			continue;
		dl_fmt_num(v, sizeof(v), &g->drift);
		fprintf(o, " drift_%s=%s;%s;;", dl_family_names[f], v, dr);
	}
	if (isfinite(k->low))
		fprintf(o, " headroom=%.1f%%;%g:;%g:;0;100", k->low, k->warn, k->crit);
	if (have_suspects)
		fprintf(o, " suspects=%" PRIu64 ";%" PRIu64 ";;0", total, k->max_suspects);
}

/*
 * The name of pair i in labels: the ip netns name, else the inode (never
 * comm[pid], which changes when the process restarts); "#COOKIE" added
 * when a pair of another namespace before it has the same.
 */
static void pair_base(char *b, size_t n, const struct check *k, const struct dl_ns *ns)
{
	const char *nm = ns->exited ? NULL : dl_names_netns(k->names, ns->id.inum);

	if (nm)
		snprintf(b, n, "%s", nm);
	else
		snprintf(b, n, "%" PRIu64, ns->id.inum);
}

static void pair_name(char *b, size_t n, const struct check *k, int i)
{
	const struct dl_ns *ns = k->pairs[i].ns;
	char other[300];
	int j;

	pair_base(b, n, k, ns);
	for (j = 0; j < i; j++) {
		if (k->pairs[j].ns == ns)
			continue;
		pair_base(other, sizeof(other), k, k->pairs[j].ns);
		if (!strcmp(other, b)) {
			size_t l = strlen(b);

			snprintf(b + l, n - l, "#%" PRIu64,
				 ns->id.has_cookie ? ns->id.cookie : (uint64_t)(ns - k->s->ns));
			return;
		}
	}
}

/*
 * A label, METRIC_FAMILY[NAME]: quoted when it has a blank or a quote
 * ('' for '), "=" (which no label may hold) as "_", "|" as U+00A6.
 */
static void perf_label(FILE *o, const char *metric, int f, const char *name)
{
	char raw[400];
	const char *p;
	bool q;

	snprintf(raw, sizeof(raw), "%s_%s[%s]", metric, dl_family_names[f], name);
	q = strpbrk(raw, " '") != NULL;
	if (q)
		fputc('\'', o);
	for (p = raw; *p; p++) {
		if (*p == '\'')
			fputs("''", o);
		else if (*p == '=')
			fputc('_', o);
		else if (*p == '|')
			fputs("\xc2\xa6", o);
		else
			fputc(*p, o);
	}
	if (q)
		fputc('\'', o);
}

/* The worst namespace/family pairs: live, drift, headroom, suspects. */
static void perf_pairs(FILE *o, const struct check *k)
{
	char dr[64], v[32], name[300];
	int i;

	drift_range(dr, sizeof(dr), k->max_drift);
	for (i = 0; i < k->npairs; i++) {
		const struct pair *p = &k->pairs[i];
		const struct dl_fam *fa = &p->ns->fam[p->fam];
		double pct;

		pair_name(name, sizeof(name), k, i);
		if (!fa->f[DL_F_live].null) {
			dl_fmt_num(v, sizeof(v), &fa->f[DL_F_live]);
			fputs(i ? " " : "", o);
			perf_label(o, "live", p->fam, name);
			fprintf(o, "=%s;;;0", v);
		}
		if (!fa->f[DL_F_drift].null) {
			dl_fmt_num(v, sizeof(v), &fa->f[DL_F_drift]);
			fputc(' ', o);
			perf_label(o, "drift", p->fam, name);
			fprintf(o, "=%s;%s;;", v, dr);
		}
		if (dl_limit_enforced(fa) && dl_headroom(fa, &pct, NULL, NULL)) {
			fputc(' ', o);
			perf_label(o, "headroom", p->fam, name);
			fprintf(o, "=%.1f%%;%g:;%g:;0;100", pct, k->warn, k->crit);
		}
		if (k->sus) {
			fputc(' ', o);
			perf_label(o, "suspects", p->fam, name);
			fprintf(o, "=%" PRIu64 ";;;0",
				k->sus[(size_t)(p->ns - k->s->ns) * DSTLEAK_NR_FAMILIES +
				       (size_t)p->fam]);
		}
	}
}

/* The status line's text, as before performance data was added. */
static void check_status(FILE *o, const struct check *k, bool have_suspects, uint64_t total)
{
	if (k->worst.state != ST_OK) {
		fprintf(o, "DSTLEAK %s - %s", st_names[k->worst.state], k->worst.text);
		if (k->nfind > 1)
			fprintf(o, " (and %d more problem%s)", k->nfind - 1,
				k->nfind > 2 ? "s" : "");
		return;
	}
	fprintf(o, "DSTLEAK OK - %zu namespace%s", k->s->nns, k->s->nns == 1 ? "" : "s");
	if (k->low_where[0])
		fprintf(o, ", lowest headroom %.1f%% in %s", k->low, k->low_where);
	if (k->max_drift)
		fprintf(o, ", drift within %" PRIu64, k->max_drift);
	else
		fprintf(o, ", no drift");
	if (!have_suspects)
		fprintf(o, ", suspects not checked (no debugfs)");
	else if (!total)
		fprintf(o, ", no leak suspects");
	else
		fprintf(o, ", %" PRIu64 " suspect dst entries (max %" PRIu64 ")", total,
			k->max_suspects);
}

/*
 * As the monitoring-plugin guidelines say: the status line, "|" and the
 * totals; then one line per problem, worst first (at most --top, then how
 * many more); then "| " and the worst namespace/family pairs' data.
 */
static void check_report(const struct check *k, bool have_suspects, uint64_t total)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	int i;

	if (!m)
		die(ST_UNKNOWN, "out of memory");
	check_status(m, k, have_suspects, total);
	if (fclose(m))
		die(ST_UNKNOWN, "out of memory");
	put_plugin_text(stdout, text);
	free(text);
	fputs(" | ", stdout);
	perf_totals(stdout, k, have_suspects, total);
	putchar('\n');
	for (i = 0; i < k->nlist; i++) {
		printf("[%s] ", st_names[k->list[i].state]);
		put_plugin_text(stdout, k->list[i].text);
		putchar('\n');
	}
	if (k->top > 0 && k->nfind > k->nlist)
		printf("... and %d more problem%s (dstleak show)\n", k->nfind - k->nlist,
		       k->nfind - k->nlist == 1 ? "" : "s");
	if (k->npairs) {
		fputs("| ", stdout);
		perf_pairs(stdout, k);
		putchar('\n');
	}
}

static void check_options(struct check *k, bool *want_suspects, int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "warn-headroom", required_argument, NULL, 'w' },
		{ "crit-headroom", required_argument, NULL, 'c' },
		{ "max-drift", required_argument, NULL, 'd' },
		{ "max-suspects", required_argument, NULL, 's' },
		{ "forecast", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "top", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t top;
	int c;

	while ((c = next_opt(argc, argv, ":hw:c:t:", longs, help_check)) != -1) {
		if (c == 't' && !parse_double(optarg, 0.001, 86400, &k->timeout))
			usage_error("-t: '%s' is not a number of seconds from 0.001 to 86400",
				    optarg);
		if (c == 'T') {
			top = parse_count("--top", optarg);
			if (top > 1000)
				usage_error("--top: %" PRIu64 " is above 1000", top);
			k->top = (int)top;
		}
		if (c == 'f' && !parse_double(optarg, 0.001, 1e6, &k->forecast_h))
			usage_error("--forecast: '%s' is not a number of hours", optarg);
		if (c == 'w' && !parse_double(optarg, 0, 100, &k->warn))
			usage_error("--warn-headroom: '%s' is not a percentage", optarg);
		if (c == 'c' && !parse_double(optarg, 0, 100, &k->crit))
			usage_error("--crit-headroom: '%s' is not a percentage", optarg);
		if (c == 'd')
			k->max_drift = parse_count("--max-drift", optarg);
		if (c == 's') {
			k->max_suspects = parse_count("--max-suspects", optarg);
			*want_suspects = true;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (k->crit > k->warn)
		usage_error("--crit-headroom %g is above --warn-headroom %g",
			    k->crit, k->warn);
}

/* --forecast HOURS: enforced limits the history says are reached within HOURS. */
static void check_forecast(struct check *k)
{
	char text[512];
	double secs = 0;
	int n;

	if (k->forecast_h < 0)
		return;
	n = dl_check_forecast(k->forecast_h, text, sizeof(text), &secs);
	if (n < 0)
		die(ST_UNKNOWN, "%s", text);
	if (n == 0)
		return;
	consider(&k->worst, &k->nfind, ST_WARN, RANK_FORECAST(secs), "%s", text);
	k->nfind += n - 1;
}

/*
 * Suspect entries per namespace (index in s) and family, the groups of a
 * namespace the summary does not have left out.
 */
static uint64_t *suspects_by_pair(const struct dl_summary *s, const struct dl_suspects *sp)
{
	uint64_t *v = dl_xrealloc(NULL, s->nns * DSTLEAK_NR_FAMILIES + 1, sizeof(*v));
	size_t i;

	memset(v, 0, (s->nns * DSTLEAK_NR_FAMILIES + 1) * sizeof(*v));
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];
		const struct dl_ns *ns = dl_find_ns(s, &g->id);
		size_t at;

		if (!ns || g->family < 0 || g->family >= DSTLEAK_NR_FAMILIES)
			continue;
		at = (size_t)(ns - s->ns) * DSTLEAK_NR_FAMILIES + (size_t)g->family;
		v[at] = sat_add(v[at], g->count);
	}
	return v;
}

/* -t: the line to print when time is up, and the handler that does. */
static char timeout_line[128];
static size_t timeout_len;

static void on_timeout(int sig)
{
	ssize_t r;

	(void)sig;
	r = write(STDOUT_FILENO, timeout_line, timeout_len);
	(void)r;
	_exit(ST_UNKNOWN);
}

/* Arm (secs > 0) or disarm (0) the -t timer. */
static void check_timer(double secs)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa;

	if (secs > 0) {
		timeout_len = (size_t)snprintf(timeout_line, sizeof(timeout_line),
					       "DSTLEAK UNKNOWN - timed out after %gs\n", secs);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_timeout;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		it.it_value.tv_sec = (time_t)secs;
		it.it_value.tv_usec = (suseconds_t)((secs - (double)(time_t)secs) * 1e6);
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			it.it_value.tv_usec = 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
}

static int cmd_check(int argc, char **argv)
{
	struct check k = { .warn = 20, .crit = 10, .low = INFINITY, .forecast_h = -1,
			   .worst = { .state = ST_OK, .rank = -INFINITY }, .top = 10 };
	bool want_suspects = false, have_suspects;
	char msg[PATH_MAX + 128];
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	uint64_t total = 0;
	size_t i;

	bad_exit = ST_UNKNOWN;
	check_options(&k, &want_suspects, argc, argv);
	/* -t: reading (a hung debugfs or /proc read) past it is UNKNOWN. */
	check_timer(k.timeout);
	/* Any failure to read is UNKNOWN (check_mode). */
	load_summary(&src, &s, NULL, NULL);
	have_suspects = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	if (want_suspects && !have_suspects) {
		check_timer(0);
		fputs("DSTLEAK UNKNOWN - cannot check suspects: ", stdout);
		put_plugin_text(stdout, msg);
		putchar('\n');
		dl_summary_free(&s);
		return finish_output(ST_UNKNOWN);
	}
	names = dl_names_load();
	k.s = &s;
	k.names = names;
	k.list = dl_xrealloc(NULL, (size_t)k.top + 1, sizeof(*k.list));
	k.pairs = dl_xrealloc(NULL, (size_t)k.top + 1, sizeof(*k.pairs));
	if (have_suspects)
		k.sus = suspects_by_pair(&s, &sp);
	check_globals(&k);
	for (i = 0; i < s.nns; i++)
		check_ns(&k, &s.ns[i]);
	check_forecast(&k);
	if (have_suspects) {
		total = check_suspects(&k, &sp);
		dl_suspects_free(&sp);
	}
	/* All read: no timeout in the middle of the report. */
	check_timer(0);
	check_report(&k, have_suspects, total);
	free(k.list);
	free(k.pairs);
	free(k.sus);
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(k.worst.state);
}

/* ---------------- export ---------------- */

static int cmd_export(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "prometheus", no_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	bool prom = false, have_sp;
	char tmp[PATH_MAX], msg[PATH_MAX + 128];
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	FILE *o = stdout;
	int c, fd = -1;

	while ((c = next_opt(argc, argv, ":ho:", longs, help_export)) != -1) {
		if (c == 'p')
			prom = true;
		else if (c == 'o')
			out = optarg;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!prom)
		usage_error("export needs a format: --prometheus");
	load_summary(&src, &s, NULL, NULL);
	have_sp = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	names = dl_names_load();
	if (out) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", out,
				     (long)getpid()) >= sizeof(tmp))
			die(DL_EXIT_RUNTIME, "%s: path too long", out);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 || !(o = fdopen(fd, "w")))
			die(DL_EXIT_RUNTIME, "%s: %s", tmp, strerror(errno));
	}
	/* Hundreds of MB on a big host: write them in large blocks. */
	setvbuf(o, NULL, _IOFBF, 1 << 20);
	dl_export_prom(o, &s, have_sp ? &sp : NULL, names);
	if (out) {
		if (fflush(o) || ferror(o) || fsync(fd) || fclose(o)) {
			unlink(tmp);
			die(DL_EXIT_RUNTIME, "%s: cannot write: %s", tmp, strerror(errno));
		}
		if (rename(tmp, out)) {
			int e = errno;

			unlink(tmp);
			die(DL_EXIT_RUNTIME, "%s: %s", out, strerror(e));
		}
	}
	if (have_sp)
		dl_suspects_free(&sp);
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(0);
}

/* ---------------- main ---------------- */

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cmds[] = {
	{ "show", cmd_show, help_show },
	{ "watch", cmd_watch, help_watch },
	{ "snapshot", cmd_snapshot, help_snapshot },
	{ "diff", cmd_diff, help_diff },
	{ "suspects", cmd_suspects, help_suspects },
	{ "check", cmd_check, help_check },
	{ "export", cmd_export, help_export },
	{ "record", cmd_record, help_record },
	{ "forecast", cmd_forecast, help_forecast },
	{ "plot", cmd_plot, help_plot },
	{ "objects", cmd_objects, NULL },
	{ "xfrm", cmd_xfrm, NULL },
	{ "routes", cmd_routes, NULL },
	{ "icmp", cmd_icmp, NULL },
	{ "status", cmd_status, NULL },
};

int main(int argc, char **argv)
{
	static char cmdname[64];
	int i = 1;
	size_t k;

	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(help_main, stdout);
			return finish_output(0);
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("dstleak %s (reads export formats %d to %d, JSON contract %d)\n",
			       DL_TOOL_VERSION, DL_FORMAT_OLDEST, DSTLEAK_FORMAT_VERSION,
			       DL_JSON_VERSION);
			return finish_output(0);
		} else if (!strcmp(a, "--source")) {
			if (i + 1 >= argc)
				usage_error("option '--source' needs a value");
			opt_source = argv[i + 1];
			i += 2;
		} else if (!strncmp(a, "--source=", 9)) {
			opt_source = a + 9;
			i++;
		} else {
			usage_error("unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		/* Plain "dstleak" is "dstleak show". */
		static char show[] = "show", *dflt[] = { show, NULL };

		prog_cmd = "dstleak show";
		return cmd_show(1, dflt);
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].name))
			continue;
		snprintf(cmdname, sizeof(cmdname), "dstleak %s", cmds[k].name);
		prog_cmd = cmdname;
		if (!strcmp(cmds[k].name, "check")) {
			bad_exit = 3;
			check_mode = true;
		}
		return cmds[k].fn(argc - i, argv + i);
	}
	usage_error("unknown command '%s'", argv[i]);
}
