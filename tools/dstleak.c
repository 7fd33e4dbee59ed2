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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dl.h"
#include "help.h"
#include "table.h"

static const char *prog_cmd = "dstleak";
static const char *opt_source;
/*
 * In "check" every error is UNKNOWN: exit 3 and one line on stdout, where
 * monitoring reads it.
 */
static bool check_mode;
/* Exit code for bad input and bad options: 2, but 3 (UNKNOWN) in check. */
static int bad_exit = DL_EXIT_BADINPUT;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/*
 * One line, "dstleak CMD: why" on stderr, or "DSTLEAK UNKNOWN - why" on
 * stdout in check. Made fit for a terminal: paths and names in it may hold
 * any byte.
 */
static void say(bool fatal, const char *fmt, va_list ap, const char *tail)
{
	FILE *o = check_mode && fatal ? stdout : stderr;
	char m[PATH_MAX + 1024], *c;

	vsnprintf(m, sizeof(m), fmt, ap);
	c = dl_clean(m, strlen(m));
	fflush(stdout);
	if (check_mode && fatal)
		fprintf(o, "DSTLEAK UNKNOWN - %s%s\n", c, tail);
	else
		fprintf(o, "%s: %s%s\n", prog_cmd, c, tail);
	fflush(o);
	free(c);
}

/* A note on stderr, made fit for a terminal. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(false, fmt, ap, "");
	va_end(ap);
}

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(true, fmt, ap, "");
	va_end(ap);
	exit(check_mode ? 3 : code);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
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
static int finish_output(int code)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: cannot write output: %s\n", prog_cmd,
			strerror(errno));
		return code ? code : DL_EXIT_RUNTIME;
	}
	return code;
}

/* ---------------- sources ---------------- */

struct source {
	char summary[PATH_MAX];
	char dir[PATH_MAX]; /* empty when only a summary file is available */
	bool proc; /* the /proc/net/dstleak fallback */
};

static void join(char *out, size_t n, const char *a, const char *b)
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
static void load_summary(struct source *src, struct dl_summary *sum,
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
 * The suspects file of src. 0 and *out filled, or -1 with why in msg when
 * there is none (no debugfs); exits on a file that does not parse.
 */
static int load_suspects(const struct source *src, struct dl_suspects *out,
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
static const char *ns_name(const struct dl_names *names, const struct dl_ns *ns)
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
static bool fmt_headroom(char *b, size_t n, const struct dl_fam *f)
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

static void headroom_legend(bool marked)
{
	if (marked)
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

static uint64_t parse_count(const char *opt, const char *s)
{
	uint64_t v;

	if (dl_parse_u64(s, strlen(s), &v))
		usage_error("%s: '%s' is not a whole number of at most 20 digits",
			    opt, s);
	return v;
}

/* getopt_long over argv[0..], argv[0] being the command; exits on errors. */
static int next_opt(int argc, char **argv, const char *shorts,
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
	if (c == ':')
		usage_error("option '%s' needs a value", argv[optind - 1]);
	if (c == '?') {
		if (optopt > 0 && optopt < 256 && argv[optind - 1][1] != '-')
			usage_error("unknown option '-%c'", optopt);
		usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return c;
}

#define COMMON_LONGS { "help", no_argument, NULL, 'h' }, \
		     { "source", required_argument, NULL, 'S' }

/* ---------------- show ---------------- */

static void jw_kn(struct jw *w, const char *key, const struct dl_num *v)
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
static void json_cookie(struct jw *w, const struct dl_nsid *id)
{
	jw_key(w, "cookie");
	if (id->has_cookie)
		jw_u64(w, id->cookie);
	else
		jw_null(w);
}

static void json_ns(struct jw *w, const struct dl_ns *ns, const struct dl_names *names)
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

static void show_json(const struct dl_summary *s, const struct dl_names *names)
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
	for (i = 0; i < s->nns; i++)
		json_ns(&w, &s->ns[i], names);
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

static const char *const show_hdr[] = { "NETNS", "INUM", "STATE", "FAMILY",
	"LIVE", "ALLOCS", "FREES", "FAILURES", "KERNEL", "DRIFT", "HEADROOM" };

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
		       bool all)
{
	bool marked = false;
	struct tbl t;
	size_t i;
	int f;

	tbl_init(&t, 11, show_hdr, "llllrrrrrrr");
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		const char *head[3];
		char inum[24];

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->id.inum);
		head[0] = ns_name(names, ns);
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			if (!all && fam_idle(&ns->fam[f]))
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
static void show_xfrm_errors(const struct dl_summary *s, const struct dl_names *names)
{
	const struct dl_nsid *last = NULL; /* of the last row printed */
	struct tbl t;
	size_t i;
	bool any = false;

	for (i = 0; i < s->nxerrs; i++)
		any |= s->xerrs[i].count != 0;
	if (!any)
		return;
	tbl_init(&t, 6, xerr_hdr, "llllrr");
	for (i = 0; i < s->nxerrs; i++) {
		const struct dl_xerr *e = &s->xerrs[i];
		const struct dl_ns *ns = dl_find_ns(s, &e->id);
		char inum[24], count[24], gen[32] = "";
		bool first;

		if (!e->count)
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
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, all = false;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	int c;

	while ((c = next_opt(argc, argv, ":ha", longs, help_show)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'a')
			all = true;
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	load_summary(&src, &s, NULL, NULL);
	names = dl_names_load();
	if (json) {
		show_json(&s, names);
	} else {
		show_preamble(&s, src.summary);
		putchar('\n');
		show_table(&s, names, all);
		show_xfrm_errors(&s, names);
	}
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

static const char *const watch_hdr[] = { "NETNS", "INUM", "STATE", "FAMILY",
	"LIVE", "ALLOCS/s", "FREES/s", "FAILURES/s", "KERNEL", "DRIFT", "HEADROOM" };

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

static void watch_block(const struct dl_summary *s, const struct dl_summary *prev,
			double secs, const struct dl_names *names, bool all)
{
	bool marked = false;
	struct tbl t;
	size_t i;
	int f;

	tbl_init(&t, 11, watch_hdr, "llllrrrrrrr");
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		const struct dl_ns *pns = prev ? dl_find_ns(prev, &ns->id) : NULL;
		const char *head[3];
		char inum[24];

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->id.inum);
		head[0] = ns_name(names, ns);
		head[1] = inum;
		head[2] = ns->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			const struct dl_fam *pf = pns ? &pns->fam[f] : NULL;
			bool moved = pf && (num_changed(&pf->f[DL_F_allocs], &fa->f[DL_F_allocs]) ||
					    num_changed(&pf->f[DL_F_frees], &fa->f[DL_F_frees]));

			if (!all && fam_idle(fa) && !moved)
				continue;
			marked |= watch_row(&t, head, fa, pf, secs, f);
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

static void sleep_secs(double s)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) && errno == EINTR)
		ts = rem;
}

/* One round: a heading with the time, then the table. */
static void watch_round(const struct dl_summary *cur, const struct dl_summary *prev,
			double secs, double interval, const char *path, bool all)
{
	struct dl_names *names = dl_names_load();
	char stamp[64], *p = dl_clean(path, strlen(path));
	time_t wall = time(NULL);
	struct tm tm;

	gmtime_r(&wall, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("dstleak watch %s, every %gs, %s%s\n", stamp, interval, p,
	       prev ? "" : " (rates from the next round)");
	watch_block(cur, prev, secs, names, all);
	free(p);
	dl_names_free(names);
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct dl_summary prev, cur;
	struct source src;
	bool have_prev = false, all = false, tty = isatty(1);
	double interval = 1, t_prev = 0;
	uint64_t count = 0, round;
	int c;

	while ((c = next_opt(argc, argv, ":hi:n:a", longs, help_watch)) != -1) {
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
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	memset(&prev, 0, sizeof(prev));
	for (round = 1;; round++) {
		double t_now;

		load_summary(&src, &cur, NULL, NULL);
		t_now = now_mono();
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (round > 1)
			putchar('\n');
		watch_round(&cur, have_prev ? &prev : NULL,
			    have_prev ? t_now - t_prev : 0, interval, src.summary, all);
		if (finish_output(0))
			exit(DL_EXIT_RUNTIME);
		if (have_prev)
			dl_summary_free(&prev);
		prev = cur;
		have_prev = true;
		t_prev = t_now;
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

static const char *const diff_hdr[] = { "NETNS", "INUM", "STATE", "FAMILY",
	"ALLOCS", "ALLOCS/s", "FREES", "FREES/s", "FAILURES", "LIVE", "+/-",
	"KERNEL", "+/-", "DRIFT" };

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
		{ NULL, 0, NULL, 0 },
	};
	struct dl_snapshot old, new;
	struct diffctx d = { .all = false };
	bool force = false;
	char *oldname, *newname;
	struct dl_names *names;
	int c;

	while ((c = next_opt(argc, argv, ":ha", longs, help_diff)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			d.all = true;
	}
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
	printf("from %s to %s: %.1f seconds\n", oldname, newname, d.secs);
	if (d.secs <= 0)
		note("%s is not later than %s: no rates", newname, oldname);
	/* The module writes "global" lines only in the all-namespace view. */
	d.full_old = old.sum.global[DSTLEAK_FAM_IPV4].seen;
	d.full_new = new.sum.global[DSTLEAK_FAM_IPV4].seen;
	names = dl_names_load();
	d.names = names;
	tbl_init(&d.t, 14, diff_hdr, "llllrrrrrrrrrr");
	diff_merge(&d, &old.sum, &new.sum);
	if (d.t.nrows)
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

static const char *const sus_hdr[] = { "NETNS", "INUM", "FAMILY", "REASON",
	"DEVICE", "COUNT", "OLDEST", "MEDIAN" };
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
	jw_obj_end(&w);
	jw_end(&w);
}

static void suspects_groups(const struct dl_suspects *sp, const struct dl_summary *s,
			    const struct dl_names *names)
{
	struct tbl t;
	size_t i, k;

	tbl_init(&t, 8, sus_hdr, "lllllrrr");
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
		{ NULL, 0, NULL, 0 },
	};
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	bool json = false;
	char msg[PATH_MAX + 128];
	int c;

	while ((c = next_opt(argc, argv, ":h", longs, help_suspects)) != -1)
		if (c == 'j')
			json = true;
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	/* The summary: is the module there, which source, which namespaces. */
	load_summary(&src, &s, NULL, NULL);
	if (load_suspects(&src, &sp, msg, sizeof(msg)))
		die(DL_EXIT_NOSOURCE, "%s", msg);
	names = dl_names_load();
	if (json) {
		suspects_json(&sp, &s, names);
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

static void consider(struct finding *worst, int *nfind, int state, double rank,
		     const char *fmt, ...)
{
	va_list ap;

	(*nfind)++;
	if (state < worst->state || (state == worst->state && rank <= worst->rank))
		return;
	worst->state = state;
	worst->rank = rank;
	va_start(ap, fmt);
	vsnprintf(worst->text, sizeof(worst->text), fmt, ap);
	va_end(ap);
}

/* Within a state: headroom first, then suspects, drift, missed probes. */
#define RANK_HEADROOM(pct) (4e15 - (pct))
#define RANK_SUSPECTS(n) (2e15 + ((n) > (uint64_t)1e15 ? 1e15 : (double)(n)))
#define RANK_DRIFT(n) (1e15 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))
/* A drift within the load-time calibration uncertainty: below a real one. */
#define RANK_CALIB(n) (5e14 + ((n) > (uint64_t)1e14 ? 1e14 : (double)(n)))

/* A check under way: its thresholds, and what it found so far. */
struct check {
	double warn, crit, low;
	uint64_t max_drift, max_suspects;
	struct finding worst;
	int nfind;
	char low_where[400];
	const struct dl_summary *s;
	const struct dl_names *names;
};

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
			   const struct dl_fam *fa, int f)
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
		uint64_t mag;

		check_headroom(k, label, &ns->fam[f], f);
		if (d->null)
			continue;
		mag = dl_num_abs(d);
		if (mag > k->max_drift)
			consider(&k->worst, &k->nfind, ST_WARN, RANK_DRIFT(mag),
				 "%s %s drift %" PRId64 " (max %" PRIu64 ")%s",
				 label, dl_family_names[f], d->s, k->max_drift,
				 k->s->settled == 0 ? ", not settled" : "");
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

static void check_report(const struct check *k, bool have_suspects, uint64_t total)
{
	if (k->worst.state != ST_OK) {
		printf("DSTLEAK %s - %s", st_names[k->worst.state], k->worst.text);
		if (k->nfind > 1)
			printf(" (and %d more problem%s)", k->nfind - 1,
			       k->nfind > 2 ? "s" : "");
		putchar('\n');
		return;
	}
	printf("DSTLEAK OK - %zu namespace%s", k->s->nns, k->s->nns == 1 ? "" : "s");
	if (k->low_where[0])
		printf(", lowest headroom %.1f%% in %s", k->low, k->low_where);
	if (k->max_drift)
		printf(", drift within %" PRIu64, k->max_drift);
	else
		printf(", no drift");
	if (!have_suspects)
		printf(", suspects not checked (no debugfs)\n");
	else if (!total)
		printf(", no leak suspects\n");
	else
		printf(", %" PRIu64 " suspect dst entries (max %" PRIu64 ")\n", total,
		       k->max_suspects);
}

static void check_options(struct check *k, bool *want_suspects, int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "warn-headroom", required_argument, NULL, 'w' },
		{ "crit-headroom", required_argument, NULL, 'c' },
		{ "max-drift", required_argument, NULL, 'd' },
		{ "max-suspects", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = next_opt(argc, argv, ":h", longs, help_check)) != -1) {
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

static int cmd_check(int argc, char **argv)
{
	struct check k = { .warn = 20, .crit = 10, .low = INFINITY,
			   .worst = { .state = ST_OK, .rank = -INFINITY } };
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
	/* Any failure to read is UNKNOWN (check_mode). */
	load_summary(&src, &s, NULL, NULL);
	have_suspects = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	if (want_suspects && !have_suspects) {
		printf("DSTLEAK UNKNOWN - cannot check suspects: %s\n", msg);
		dl_summary_free(&s);
		return finish_output(ST_UNKNOWN);
	}
	names = dl_names_load();
	k.s = &s;
	k.names = names;
	check_globals(&k);
	for (i = 0; i < s.nns; i++)
		check_ns(&k, &s.ns[i]);
	if (have_suspects) {
		total = check_suspects(&k, &sp);
		dl_suspects_free(&sp);
	}
	check_report(&k, have_suspects, total);
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
	if (i >= argc)
		usage_error("no command given");
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
