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

static void die(int code, const char *fmt, ...)
{
	FILE *o = check_mode ? stdout : stderr;
	va_list ap;

	fflush(stdout);
	fprintf(o, check_mode ? "DSTLEAK UNKNOWN - " : "%s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(o, fmt, ap);
	va_end(ap);
	fputc('\n', o);
	fflush(o);
	exit(check_mode ? 3 : code);
}

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void usage_error(const char *fmt, ...)
{
	FILE *o = check_mode ? stdout : stderr;
	va_list ap;

	fflush(stdout);
	fprintf(o, check_mode ? "DSTLEAK UNKNOWN - " : "%s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(o, fmt, ap);
	va_end(ap);
	fprintf(o, " (see \"%s --help\")\n", prog_cmd);
	fflush(o);
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

/*
 * Read the summary: --source, else debugfs, else /proc/net/dstleak.
 * Returns the raw text (kept for snapshots) and the parsed form; exits on
 * any failure.
 */
static void load_summary(struct source *src, struct dl_summary *sum,
			 char **rawp, size_t *rawlen)
{
	static bool said_fallback;
	struct dl_err err;
	char *raw = NULL;
	size_t len = 0;
	int e = 0;

	memset(src, 0, sizeof(*src));
	if (opt_source) {
		struct stat st;

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
		if (dl_read_file(src->summary, &raw, &len, &e))
			die(bad_exit, "%s: %s", src->summary, strerror(e));
	} else {
		char root[PATH_MAX], proc[PATH_MAX];
		int pe = 0;

		join(root, sizeof(root),
		     dl_env_root("DSTLEAK_DEBUGFS", "/sys/kernel/debug"),
		     DSTLEAK_DEBUGFS_DIR);
		join(src->summary, sizeof(src->summary), root, DSTLEAK_FILE_SUMMARY);
		snprintf(src->dir, sizeof(src->dir), "%s", root);
		if (dl_read_file(src->summary, &raw, &len, &e)) {
			join(proc, sizeof(proc), dl_env_root("DSTLEAK_PROC", "/proc"),
			     "net/" DSTLEAK_PROC_NAME);
			if (dl_read_file(proc, &raw, &len, &pe)) {
				if (pe == ENOENT)
					die(DL_EXIT_NOSOURCE,
					    "the dstleak module is not loaded (no %s, no %s); "
					    "load it with \"modprobe dstleak\" or \"insmod dstleak.ko\"",
					    src->summary, proc);
				die(DL_EXIT_NOSOURCE, "cannot read %s (%s) nor %s (%s)",
				    src->summary, strerror(e), proc, strerror(pe));
			}
			if (!said_fallback)
				fprintf(stderr,
					"%s: %s: %s (debugfs not mounted or locked down); "
					"reading %s: this network namespace only\n",
					prog_cmd, src->summary, strerror(e), proc);
			said_fallback = true;
			snprintf(src->summary, sizeof(src->summary), "%s", proc);
			src->dir[0] = 0;
			src->proc = true;
		}
	}
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
		snprintf(msg, n, "%s: %s", path, strerror(e));
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

static const char *ns_name(const struct dl_names *names, uint64_t inum)
{
	const char *n = dl_names_get(names, inum);

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

static void fmt_headroom(char *b, size_t n, const struct dl_fam *f)
{
	double pct;

	if (dl_headroom(f, &pct, NULL, NULL))
		snprintf(b, n, "%.1f%%", pct);
	else
		snprintf(b, n, "-");
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

static void show_json(const struct dl_summary *s, const struct dl_names *names)
{
	struct jw w;
	size_t i;
	int f, k;

	jw_init(&w, stdout);
	jw_obj(&w);
	jw_key(&w, "format");
	jw_u64(&w, DL_JSON_VERSION);
	jw_key(&w, "module_version");
	jw_str(&w, s->module);
	jw_key(&w, "kernel");
	jw_str(&w, s->kernel);
	jw_key(&w, "global");
	jw_obj(&w);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		jw_key(&w, dl_family_names[f]);
		jw_obj(&w);
		jw_key(&w, "kernel");
		jw_num(&w, &s->global[f].kernel);
		jw_key(&w, "expected");
		jw_num(&w, &s->global[f].expected);
		jw_key(&w, "drift");
		jw_num(&w, &s->global[f].drift);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	jw_key(&w, "probes");
	jw_arr(&w);
	for (i = 0; i < s->nprobes; i++) {
		jw_obj(&w);
		jw_key(&w, "symbol");
		jw_str(&w, s->probes[i].symbol);
		jw_key(&w, "hits");
		jw_num(&w, &s->probes[i].hits);
		jw_key(&w, "missed");
		jw_num(&w, &s->probes[i].missed);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "tracking");
	if (s->tracking.seen) {
		jw_obj(&w);
		jw_key(&w, "tracked");
		jw_num(&w, &s->tracking.tracked);
		jw_key(&w, "overflow");
		jw_num(&w, &s->tracking.overflow);
		jw_key(&w, "bytes");
		jw_num(&w, &s->tracking.bytes);
		jw_obj_end(&w);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "namespaces");
	jw_arr(&w);
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];

		jw_obj(&w);
		jw_key(&w, "inum");
		jw_u64(&w, ns->inum);
		jw_key(&w, "name");
		jw_str(&w, dl_names_get(names, ns->inum));
		jw_key(&w, "state");
		jw_str(&w, ns->exited ? "exited" : "alive");
		jw_key(&w, "families");
		jw_obj(&w);
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			jw_key(&w, dl_family_names[f]);
			jw_obj(&w);
			for (k = 0; k < DL_NR_FIELDS; k++) {
				jw_key(&w, dl_field_names[k]);
				jw_num(&w, &ns->fam[f].f[k]);
			}
			jw_obj_end(&w);
		}
		jw_obj_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
}

static void show_preamble(const struct dl_summary *s, const char *path)
{
	char a[32], b[32], c[32], d[32], e[32];
	size_t i;
	int f;

	printf("module %s, format %u, kernel %s (%s)\n",
	       s->module ? s->module : "?", s->format,
	       s->kernel ? s->kernel : "?", path);
	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		if (!s->global[f].seen)
			continue;
		dl_fmt_num(a, sizeof(a), &s->global[f].kernel);
		dl_fmt_num(b, sizeof(b), &s->global[f].expected);
		dl_fmt_num(c, sizeof(c), &s->global[f].drift);
		printf("global %s: kernel %s expected %s drift %s\n",
		       dl_family_names[f], a, b, c);
	}
	if (s->tracking.seen) {
		dl_fmt_num(a, sizeof(a), &s->tracking.tracked);
		dl_fmt_num(b, sizeof(b), &s->tracking.overflow);
		dl_fmt_num(c, sizeof(c), &s->tracking.bytes);
		dl_fmt_num(d, sizeof(d), &s->tracking.max);
		dl_fmt_num(e, sizeof(e), &s->tracking.entry_bytes);
		printf("tracking: %s entries, %s not tracked (overflow), %s bytes "
		       "(max %s, %s bytes each)\n", a, b, c, d, e);
	}
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

static const char *const show_hdr[] = { "NETNS", "INUM", "STATE", "FAMILY",
	"LIVE", "ALLOCS", "FREES", "FAILURES", "KERNEL", "DRIFT", "HEADROOM" };

static void show_table(const struct dl_summary *s, const struct dl_names *names,
		       bool all)
{
	struct tbl t;
	size_t i;
	int f, k;

	tbl_init(&t, 11, show_hdr, "llllrrrrrrr");
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		char inum[24], v[5][32], hr[32];
		bool first = true;

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->inum);
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			static const int col[5] = { DL_F_live, DL_F_allocs, DL_F_frees,
						    DL_F_failures, DL_F_kernel };

			if (!all && fam_idle(fa))
				continue;
			for (k = 0; k < 5; k++)
				dl_fmt_num(v[k], sizeof(v[k]), &fa->f[col[k]]);
			dl_fmt_num(hr, sizeof(hr), &fa->f[DL_F_drift]);
			{
				char head[32];

				fmt_headroom(head, sizeof(head), fa);
				tbl_row(&t, first ? ns_name(names, ns->inum) : "",
					first ? inum : "",
					first ? (ns->exited ? "exited" : "alive") : "",
					dl_family_names[f], v[0], v[1], v[2], v[3],
					v[4], hr, head);
			}
			first = false;
		}
		if (first)
			tbl_row(&t, ns_name(names, ns->inum), inum,
				ns->exited ? "exited" : "alive", "(idle)", "", "",
				"", "", "", "", "");
	}
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

static void watch_block(const struct dl_summary *s, const struct dl_summary *prev,
			double secs, const struct dl_names *names, bool all)
{
	struct tbl t;
	size_t i;
	int f;

	tbl_init(&t, 11, watch_hdr, "llllrrrrrrr");
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		const struct dl_ns *pns = prev ? dl_find_ns(prev, ns->inum) : NULL;
		char inum[24];
		bool first = true;

		snprintf(inum, sizeof(inum), "%" PRIu64, ns->inum);
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			const struct dl_fam *pf = pns ? &pns->fam[f] : NULL;
			char live[32], ra[32], rf[32], rx[32], k[32], d[32], h[32];
			bool moved = pf && (num_changed(&pf->f[DL_F_allocs], &fa->f[DL_F_allocs]) ||
					    num_changed(&pf->f[DL_F_frees], &fa->f[DL_F_frees]));

			if (!all && fam_idle(fa) && !moved)
				continue;
			dl_fmt_num(live, sizeof(live), &fa->f[DL_F_live]);
			fmt_rate(ra, sizeof(ra), pf ? &pf->f[DL_F_allocs] : NULL,
				 &fa->f[DL_F_allocs], secs);
			fmt_rate(rf, sizeof(rf), pf ? &pf->f[DL_F_frees] : NULL,
				 &fa->f[DL_F_frees], secs);
			fmt_rate(rx, sizeof(rx), pf ? &pf->f[DL_F_failures] : NULL,
				 &fa->f[DL_F_failures], secs);
			dl_fmt_num(k, sizeof(k), &fa->f[DL_F_kernel]);
			dl_fmt_num(d, sizeof(d), &fa->f[DL_F_drift]);
			fmt_headroom(h, sizeof(h), fa);
			tbl_row(&t, first ? ns_name(names, ns->inum) : "",
				first ? inum : "",
				first ? (ns->exited ? "exited" : "alive") : "",
				dl_family_names[f], live, ra, rf, rx, k, d, h);
			first = false;
		}
		if (first)
			tbl_row(&t, ns_name(names, ns->inum), inum,
				ns->exited ? "exited" : "alive", "(idle)", "", "",
				"", "", "", "", "");
	}
	tbl_print(&t, stdout);
	tbl_free(&t);
}

static void sleep_secs(double s)
{
	struct timespec ts, rem;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) && errno == EINTR)
		ts = rem;
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
		struct dl_names *names;
		struct source src;
		char stamp[64];
		time_t wall = time(NULL);
		struct tm tm;
		double t_now;

		load_summary(&src, &cur, NULL, NULL);
		t_now = now_mono();
		names = dl_names_load();
		gmtime_r(&wall, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (round > 1)
			putchar('\n');
		printf("dstleak watch %s, every %gs, %s%s\n", stamp, interval,
		       src.summary, have_prev ? "" : " (rates from the next round)");
		watch_block(&cur, have_prev ? &prev : NULL,
			    have_prev ? t_now - t_prev : 0, names, all);
		dl_names_free(names);
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
	dl_sanitize(r);
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
	dl_sanitize(r);
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

static void write_all(int fd, const char *path, const char *b, size_t n)
{
	while (n) {
		ssize_t r = write(fd, b, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(DL_EXIT_RUNTIME, "%s: cannot write: %s", path,
			    strerror(errno));
		b += r;
		n -= (size_t)r;
	}
}

/*
 * Open a snapshot file for writing the nstat way: no symlink followed, an
 * exclusive lock, a regular file owned by us, then truncated.
 */
static int open_snapshot_w(const char *path)
{
	struct stat st;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		die(DL_EXIT_RUNTIME, "%s: %s%s", path, strerror(errno),
		    errno == ELOOP ? " (a symbolic link: refused)" : "");
	if (flock(fd, LOCK_EX))
		die(DL_EXIT_RUNTIME, "%s: cannot lock: %s", path, strerror(errno));
	if (fstat(fd, &st))
		die(DL_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(DL_EXIT_RUNTIME, "%s: not a regular file: refused", path);
	if (st.st_uid != geteuid())
		die(DL_EXIT_RUNTIME, "%s: owned by uid %ld, not by you: refused",
		    path, (long)st.st_uid);
	if (ftruncate(fd, 0))
		die(DL_EXIT_RUNTIME, "%s: cannot truncate: %s", path, strerror(errno));
	return fd;
}

static int cmd_snapshot(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ NULL, 0, NULL, 0 },
	};
	char hb[PATH_MAX], hdr[PATH_MAX + 512], *raw, *host, *boot;
	const char *path;
	struct dl_summary s;
	struct source src;
	struct timespec ts;
	size_t len;
	int c, fd;

	while ((c = next_opt(argc, argv, ":h", longs, help_snapshot)) != -1)
		;
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	path = optind < argc ? argv[optind] : history_path(hb, sizeof(hb));
	load_summary(&src, &s, &raw, &len);
	dl_summary_free(&s);
	clock_gettime(CLOCK_REALTIME, &ts);
	host = host_name();
	boot = boot_id();
	snprintf(hdr, sizeof(hdr),
		 "dstleak-snapshot %d\nhost %s\nboot_id %s\ntime %lld.%09ld\nsource %s\n",
		 DL_SNAPSHOT_VERSION, host, boot, (long long)ts.tv_sec,
		 (long)ts.tv_nsec, src.summary);
	free(host);
	free(boot);
	if (strcmp(path, "-") == 0) {
		fputs(hdr, stdout);
		fwrite(raw, 1, len, stdout);
		free(raw);
		return finish_output(0);
	}
	fd = open_snapshot_w(path);
	write_all(fd, path, hdr, strlen(hdr));
	write_all(fd, path, raw, len);
	free(raw);
	if (close(fd))
		die(DL_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	fprintf(stderr, "%s: saved %s\n", prog_cmd, path);
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
	if (flock(fd, LOCK_SH))
		die(bad_exit, "%s: cannot lock: %s", path, strerror(errno));
	if (dl_read_fd(fd, &raw, &len, &e))
		die(bad_exit, "%s: %s", path, strerror(e));
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

static int cmd_diff(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct dl_snapshot old, new;
	const struct dl_summary *a, *b;
	bool force = false, all = false, reset = false, full_old, full_new;
	const char *newname;
	struct dl_names *names;
	double secs;
	struct tbl t;
	size_t i, j;
	int c, f;

	while ((c = next_opt(argc, argv, ":ha", longs, help_diff)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			all = true;
	}
	if (optind >= argc)
		usage_error("diff needs a snapshot to compare with");
	if (argc - optind > 2)
		usage_error("unexpected argument '%s'", argv[optind + 2]);
	load_snapshot(argv[optind], &old);
	if (optind + 1 < argc) {
		newname = argv[optind + 1];
		load_snapshot(newname, &new);
		check_same_host(&old, argv[optind], new.host, new.boot_id,
				newname, force);
	} else {
		struct source src;
		struct timespec ts;
		char *host = host_name(), *boot = boot_id();

		newname = "this host";
		memset(&new, 0, sizeof(new));
		check_same_host(&old, argv[optind], host, boot, newname, force);
		load_summary(&src, &new.sum, NULL, NULL);
		clock_gettime(CLOCK_REALTIME, &ts);
		new.sec = ts.tv_sec;
		new.nsec = (uint32_t)ts.tv_nsec;
		new.host = host;
		new.boot_id = boot;
		newname = "now";
	}
	a = &old.sum;
	b = &new.sum;
	secs = (double)(new.sec - old.sec) + ((double)new.nsec - (double)old.nsec) / 1e9;
	printf("from %s to %s: %.1f seconds\n", argv[optind], newname, secs);
	if (secs <= 0)
		fprintf(stderr, "%s: %s is not later than %s: no rates\n",
			prog_cmd, newname, argv[optind]);
	/* The module writes "global" lines only in the all-namespace view. */
	full_old = a->global[DSTLEAK_FAM_IPV4].seen;
	full_new = b->global[DSTLEAK_FAM_IPV4].seen;
	names = dl_names_load();
	tbl_init(&t, 14, diff_hdr, "llllrrrrrrrrrr");
	/* Both lists are sorted by inode: merge them. */
	for (i = 0, j = 0; i < a->nns || j < b->nns;) {
		const struct dl_ns *on = NULL, *nn = NULL;
		const char *state;
		char inum[24];
		bool first = true;

		if (j >= b->nns || (i < a->nns && a->ns[i].inum < b->ns[j].inum)) {
			on = &a->ns[i++];
		} else if (i >= a->nns || b->ns[j].inum < a->ns[i].inum) {
			nn = &b->ns[j++];
		} else {
			on = &a->ns[i++];
			nn = &b->ns[j++];
		}
		snprintf(inum, sizeof(inum), "%" PRIu64, (on ? on : nn)->inum);
		/*
		 * A namespace on one side only is new (counted from zero) or
		 * gone when the other side saw every namespace; when it saw
		 * only its own (/proc/net/dstleak), nothing can be said.
		 */
		if (!nn || (!on && !full_old)) {
			if (all || full_new || full_old)
				tbl_row(&t, ns_name(names, (on ? on : nn)->inum), inum,
					!nn ? (full_new ? "gone" : "not in NEW") : "not in OLD",
					"", "", "", "", "", "", "", "", "", "", "");
			continue;
		}
		state = !on ? "new" : nn->exited ? "exited" : "alive";
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *of = on ? &on->fam[f] : NULL;
			const struct dl_fam *nf = &nn->fam[f];
			static const struct dl_num zero = { .null = false };
			char al[32], ar[32], fr[32], frr[32], fl[32], lv[32], dlv[32],
				k[32], dk[32], dr[32];
			bool changed = false;

			/* A new namespace started from zero. */
#define O(field) (of ? &of->f[field] : &zero)
			changed |= fmt_delta(al, sizeof(al), O(DL_F_allocs),
					     &nf->f[DL_F_allocs], &reset);
			changed |= fmt_delta(fr, sizeof(fr), O(DL_F_frees),
					     &nf->f[DL_F_frees], &reset);
			changed |= fmt_delta(fl, sizeof(fl), O(DL_F_failures),
					     &nf->f[DL_F_failures], &reset);
			fmt_rate(ar, sizeof(ar), O(DL_F_allocs), &nf->f[DL_F_allocs], secs);
			fmt_rate(frr, sizeof(frr), O(DL_F_frees), &nf->f[DL_F_frees], secs);
			dl_fmt_num(lv, sizeof(lv), &nf->f[DL_F_live]);
			changed |= fmt_change(dlv, sizeof(dlv), O(DL_F_live),
					      &nf->f[DL_F_live]);
			dl_fmt_num(k, sizeof(k), &nf->f[DL_F_kernel]);
			changed |= fmt_change(dk, sizeof(dk),
					      of ? &of->f[DL_F_kernel] : NULL,
					      &nf->f[DL_F_kernel]);
#undef O
			dl_fmt_num(dr, sizeof(dr), &nf->f[DL_F_drift]);
			if (!nf->f[DL_F_drift].null && dl_num_abs(&nf->f[DL_F_drift]))
				changed = true;
			if (!all && !changed && strcmp(al, "reset") &&
			    strcmp(fr, "reset") && strcmp(fl, "reset"))
				continue;
			tbl_row(&t, first ? ns_name(names, nn->inum) : "",
				first ? inum : "", first ? state : "",
				dl_family_names[f], al, ar, fr, frr, fl, lv, dlv, k,
				dk, dr);
			first = false;
		}
		if (first && (all || !on))
			tbl_row(&t, ns_name(names, nn->inum), inum, state,
				"(no change)", "", "", "", "", "", "", "", "", "", "");
	}
	if (t.nrows)
		tbl_print(&t, stdout);
	else
		printf("no change\n");
	if (reset)
		fprintf(stderr, "%s: some counters went backwards (module reloaded "
			"since %s?): shown as reset\n", prog_cmd, argv[optind]);
	tbl_free(&t);
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
	size_t i, k;
	int c;

	while ((c = next_opt(argc, argv, ":h", longs, help_suspects)) != -1)
		if (c == 'j')
			json = true;
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	/* The summary tells whether the module is there and which source. */
	load_summary(&src, &s, NULL, NULL);
	dl_summary_free(&s);
	if (load_suspects(&src, &sp, msg, sizeof(msg)))
		die(DL_EXIT_NOSOURCE, "%s", msg);
	names = dl_names_load();
	if (json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj(&w);
		jw_key(&w, "format");
		jw_u64(&w, DL_JSON_VERSION);
		jw_key(&w, "groups");
		jw_arr(&w);
		for (i = 0; i < sp.ngroups; i++) {
			const struct dl_group *g = &sp.groups[i];

			jw_obj(&w);
			jw_key(&w, "inum");
			jw_u64(&w, g->inum);
			jw_key(&w, "name");
			jw_str(&w, dl_names_get(names, g->inum));
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
		jw_obj_end(&w);
		jw_end(&w);
	} else {
		struct tbl t;

		if (!sp.ngroups) {
			printf("no leak suspects\n");
		} else {
			tbl_init(&t, 8, sus_hdr, "lllllrrr");
			for (i = 0; i < sp.ngroups; i++) {
				const struct dl_group *g = &sp.groups[i];
				char inum[24], cnt[24], o[32], m[32], line[1100];

				snprintf(inum, sizeof(inum), "%" PRIu64, g->inum);
				snprintf(cnt, sizeof(cnt), "%" PRIu64, g->count);
				dl_fmt_ms(o, sizeof(o), g->oldest_ms);
				dl_fmt_ms(m, sizeof(m), g->median_ms);
				tbl_row(&t, ns_name(names, g->inum), inum,
					dl_family_names[g->family],
					dl_reason_names[g->reason],
					g->device ? g->device : "-", cnt, o, m);
				for (k = 0; k < g->nstack; k++) {
					snprintf(line, sizeof(line), "    %s", g->stack[k]);
					tbl_raw(&t, line);
				}
			}
			tbl_print(&t, stdout);
			tbl_free(&t);
		}
		if (sp.nold) {
			printf("\nold entries (long-lived, not suspects):\n");
			tbl_init(&t, 5, old_hdr, "lllrr");
			for (i = 0; i < sp.nold; i++) {
				const struct dl_old *o = &sp.old[i];
				char inum[24], cnt[24], age[32];

				snprintf(inum, sizeof(inum), "%" PRIu64, o->inum);
				snprintf(cnt, sizeof(cnt), "%" PRIu64, o->count);
				dl_fmt_ms(age, sizeof(age), o->oldest_ms);
				tbl_row(&t, ns_name(names, o->inum), inum,
					dl_family_names[o->family], cnt, age);
			}
			tbl_print(&t, stdout);
			tbl_free(&t);
		}
	}
	dl_names_free(names);
	dl_suspects_free(&sp);
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

static void ns_label(char *b, size_t n, const struct dl_names *names,
		     uint64_t inum, bool exited)
{
	const char *nm = dl_names_get(names, inum);

	if (nm)
		snprintf(b, n, "netns %s (%" PRIu64 "%s)", nm, inum,
			 exited ? ", exited" : "");
	else
		snprintf(b, n, "netns %" PRIu64 "%s", inum, exited ? " (exited)" : "");
}

static int cmd_check(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "warn-headroom", required_argument, NULL, 'w' },
		{ "crit-headroom", required_argument, NULL, 'c' },
		{ "max-drift", required_argument, NULL, 'd' },
		{ "max-suspects", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	double warn = 20, crit = 10, low = INFINITY;
	uint64_t max_drift = 0, max_suspects = 0, total = 0;
	bool want_suspects = false, have_suspects;
	struct finding worst = { .state = ST_OK, .rank = -INFINITY };
	char low_where[400] = "", msg[PATH_MAX + 128], label[300];
	struct dl_suspects sp;
	struct dl_summary s;
	struct dl_names *names;
	struct source src;
	int c, f, nfind = 0;
	size_t i;

	bad_exit = ST_UNKNOWN;
	while ((c = next_opt(argc, argv, ":h", longs, help_check)) != -1) {
		if (c == 'w' && !parse_double(optarg, 0, 100, &warn))
			usage_error("--warn-headroom: '%s' is not a percentage", optarg);
		if (c == 'c' && !parse_double(optarg, 0, 100, &crit))
			usage_error("--crit-headroom: '%s' is not a percentage", optarg);
		if (c == 'd')
			max_drift = parse_count("--max-drift", optarg);
		if (c == 's') {
			max_suspects = parse_count("--max-suspects", optarg);
			want_suspects = true;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (crit > warn)
		usage_error("--crit-headroom %g is above --warn-headroom %g", crit, warn);

	/* Any failure to read is UNKNOWN (check_mode). */
	load_summary(&src, &s, NULL, NULL);
	have_suspects = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	if (want_suspects && !have_suspects) {
		printf("DSTLEAK UNKNOWN - cannot check suspects: %s\n", msg);
		dl_summary_free(&s);
		return finish_output(ST_UNKNOWN);
	}
	names = dl_names_load();

	for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
		const struct dl_global *g = &s.global[f];
		uint64_t mag;

		if (!g->seen || g->drift.null)
			continue;
		mag = dl_num_abs(&g->drift);
		if (mag > max_drift)
			consider(&worst, &nfind, ST_WARN, RANK_DRIFT(mag),
				 "global %s drift %" PRId64 " (max %" PRIu64 ")",
				 dl_family_names[f], g->drift.s, max_drift);
	}
	for (i = 0; i < s.nprobes; i++)
		if (!s.probes[i].missed.null && s.probes[i].missed.u)
			consider(&worst, &nfind, ST_WARN, 0,
				 "probe %s missed %" PRIu64 " events: counts may be incomplete",
				 s.probes[i].symbol, s.probes[i].missed.u);
	for (i = 0; i < s.nns; i++) {
		const struct dl_ns *ns = &s.ns[i];

		ns_label(label, sizeof(label), names, ns->inum, ns->exited);
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			const struct dl_num *d = &fa->f[DL_F_drift];
			const char *lname;
			uint64_t limit, mag;
			double pct;

			if (dl_headroom(fa, &pct, &limit, &lname)) {
				int st = pct < crit ? ST_CRIT : pct < warn ? ST_WARN : ST_OK;

				if (pct < low) {
					low = pct;
					snprintf(low_where, sizeof(low_where), "%s %s",
						 label, dl_family_names[f]);
				}
				if (st != ST_OK)
					consider(&worst, &nfind, st, RANK_HEADROOM(pct),
						 "%s %s headroom %.1f%% (kernel %.0f"
						 " of %s %" PRIu64 "), below %g%%",
						 label, dl_family_names[f], pct,
						 dl_num_d(&fa->f[DL_F_kernel]), lname, limit,
						 st == ST_CRIT ? crit : warn);
			}
			if (d->null)
				continue;
			mag = dl_num_abs(d);
			if (mag > max_drift)
				consider(&worst, &nfind, ST_WARN, RANK_DRIFT(mag),
					 "%s %s drift %" PRId64 " (max %" PRIu64 ")",
					 label, dl_family_names[f], d->s, max_drift);
		}
	}
	if (have_suspects) {
		uint64_t top = 0, top_inum = 0;

		/* Sum per namespace to name the worst one; saturate, never wrap. */
		for (i = 0; i < sp.ngroups; i++) {
			uint64_t sum = 0;
			size_t k;

			total = total > UINT64_MAX - sp.groups[i].count ?
					UINT64_MAX : total + sp.groups[i].count;
			for (k = 0; k < sp.ngroups; k++)
				if (sp.groups[k].inum == sp.groups[i].inum)
					sum = sum > UINT64_MAX - sp.groups[k].count ?
						      UINT64_MAX : sum + sp.groups[k].count;
			if (sum > top) {
				top = sum;
				top_inum = sp.groups[i].inum;
			}
		}
		if (total > max_suspects) {
			const struct dl_ns *ns = dl_find_ns(&s, top_inum);

			ns_label(label, sizeof(label), names, top_inum,
				 ns && ns->exited);
			consider(&worst, &nfind, ST_WARN, RANK_SUSPECTS(total),
				 "%" PRIu64 " suspect dst entries (max %" PRIu64
				 "), most in %s: %" PRIu64, total, max_suspects,
				 label, top);
		}
		dl_suspects_free(&sp);
	}

	if (worst.state != ST_OK) {
		printf("DSTLEAK %s - %s", st_names[worst.state], worst.text);
		if (nfind > 1)
			printf(" (and %d more problem%s)", nfind - 1, nfind > 2 ? "s" : "");
		putchar('\n');
	} else {
		printf("DSTLEAK OK - %zu namespace%s", s.nns, s.nns == 1 ? "" : "s");
		if (low_where[0])
			printf(", lowest headroom %.1f%% in %s", low, low_where);
		if (max_drift)
			printf(", drift within %" PRIu64, max_drift);
		else
			printf(", no drift");
		printf(", %s\n",
		       have_suspects ? "no leak suspects" :
				       "suspects not checked (no debugfs)");
	}
	dl_names_free(names);
	dl_summary_free(&s);
	return finish_output(worst.state);
}

/* ---------------- export ---------------- */

struct metric {
	const char *name, *type, *help;
};

/* Prometheus names of the ns fields; a field added later gets a gauge. */
static const struct metric ns_metrics[DL_NR_FIELDS] = {
	[DL_F_allocs] = { "dstleak_dst_allocs_total", "counter",
			  "dst entries allocated since the module loaded." },
	[DL_F_frees] = { "dstleak_dst_frees_total", "counter",
			 "dst entries allocated since load and freed." },
	[DL_F_frees_preexisting] = { "dstleak_dst_frees_preexisting_total", "counter",
				     "dst entries allocated before load and freed since." },
	[DL_F_live] = { "dstleak_dst_live", "gauge",
			"dst entries allocated since load and not freed." },
	[DL_F_peak] = { "dstleak_dst_live_peak", "gauge",
			"Highest dstleak_dst_live seen." },
	[DL_F_failures] = { "dstleak_dst_alloc_failures_total", "counter",
			    "dst allocation attempts that returned no entry." },
	[DL_F_kernel] = { "dstleak_dst_kernel_entries", "gauge",
			  "The kernel's own entry counter of the family's dst_ops." },
	[DL_F_drift] = { "dstleak_dst_drift", "gauge",
			 "Kernel counter minus the count dstleak expects; 0 when healthy." },
	[DL_F_gc_thresh] = { "dstleak_dst_gc_thresh", "gauge",
			     "The dst_ops gc_thresh." },
	[DL_F_max_size] = { "dstleak_dst_max_size", "gauge",
			    "The family's max_size sysctl." },
};

static void prom_label(FILE *o, const char *k, const char *v, bool first)
{
	fprintf(o, "%s%s=\"", first ? "{" : ",", k);
	for (; *v; v++) {
		if (*v == '\\')
			fputs("\\\\", o);
		else if (*v == '"')
			fputs("\\\"", o);
		else if (*v == '\n')
			fputs("\\n", o);
		else
			fputc(*v, o);
	}
	fputc('"', o);
}

static void prom_head(FILE *o, const char *name, const char *type,
		      const char *help, bool *done)
{
	if (*done)
		return;
	fprintf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	*done = true;
}

static void prom_ns_labels(FILE *o, const struct dl_names *names, uint64_t inum)
{
	char in[24];
	const char *n = dl_names_get(names, inum);

	snprintf(in, sizeof(in), "%" PRIu64, inum);
	prom_label(o, "netns", n ? n : in, true);
	prom_label(o, "inum", in, false);
}

static void prom_value(FILE *o, const struct dl_num *v)
{
	if (v->is_signed)
		fprintf(o, " %" PRId64 "\n", v->s);
	else
		fprintf(o, " %" PRIu64 "\n", v->u);
}

static void export_prom(FILE *o, const struct dl_summary *s,
			const struct dl_suspects *sp, const struct dl_names *names)
{
	char buf[64];
	bool done;
	size_t i, k;
	int f, m;

	fprintf(o, "# HELP dstleak_info The dstleak module and its export format.\n"
		   "# TYPE dstleak_info gauge\ndstleak_info");
	prom_label(o, "module_version", s->module ? s->module : "", true);
	prom_label(o, "kernel", s->kernel ? s->kernel : "", false);
	snprintf(buf, sizeof(buf), "%u", s->format);
	prom_label(o, "format", buf, false);
	fputs("} 1\n", o);

	{
		static const struct metric gm[3] = {
			{ "dstleak_global_dst_kernel_entries", "gauge",
			  "The kernel's entry counter of a family with one global dst_ops." },
			{ "dstleak_global_dst_expected_entries", "gauge",
			  "What dstleak expects that counter to be." },
			{ "dstleak_global_dst_drift", "gauge",
			  "Global kernel counter minus expected; 0 when healthy." },
		};

		for (m = 0; m < 3; m++) {
			done = false;
			for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
				const struct dl_global *g = &s->global[f];
				const struct dl_num *v = m == 0 ? &g->kernel :
							 m == 1 ? &g->expected : &g->drift;

				if (!g->seen || v->null)
					continue;
				prom_head(o, gm[m].name, gm[m].type, gm[m].help, &done);
				fputs(gm[m].name, o);
				prom_label(o, "family", dl_family_names[f], true);
				fputc('}', o);
				prom_value(o, v);
			}
		}
	}
	for (m = 0; m < 2; m++) {
		const char *name = m ? "dstleak_probe_missed_total" : "dstleak_probe_hits_total";

		done = false;
		for (i = 0; i < s->nprobes; i++) {
			const struct dl_num *v = m ? &s->probes[i].missed : &s->probes[i].hits;

			if (v->null)
				continue;
			prom_head(o, name, "counter",
				  m ? "Probe hits the kernel could not deliver (kprobe nmissed)." :
				      "Probe hits.", &done);
			fputs(name, o);
			prom_label(o, "symbol", s->probes[i].symbol, true);
			fputc('}', o);
			prom_value(o, v);
		}
	}
	if (s->tracking.seen) {
		const struct { const char *name, *type, *help; const struct dl_num *v; } tm[] = {
			{ "dstleak_tracked_entries", "gauge", "Live entries tracked one by one.",
			  &s->tracking.tracked },
			{ "dstleak_tracking_overflow_total", "counter",
			  "Entries counted but not tracked (max_tracked reached).",
			  &s->tracking.overflow },
			{ "dstleak_tracking_bytes", "gauge", "Memory used for tracking.",
			  &s->tracking.bytes },
			{ "dstleak_tracking_max_entries", "gauge", "The max_tracked parameter.",
			  &s->tracking.max },
			{ "dstleak_tracking_entry_bytes", "gauge", "Bytes per tracked entry.",
			  &s->tracking.entry_bytes },
		};

		for (k = 0; k < sizeof(tm) / sizeof(tm[0]); k++) {
			if (tm[k].v->null)
				continue;
			fprintf(o, "# HELP %s %s\n# TYPE %s %s\n%s", tm[k].name,
				tm[k].help, tm[k].name, tm[k].type, tm[k].name);
			prom_value(o, tm[k].v);
		}
	}
	done = false;
	for (i = 0; i < s->nns; i++) {
		prom_head(o, "dstleak_netns_exited", "gauge",
			  "1 when the namespace has exited but its dst entries have not.",
			  &done);
		fputs("dstleak_netns_exited", o);
		prom_ns_labels(o, names, s->ns[i].inum);
		fprintf(o, "} %d\n", s->ns[i].exited ? 1 : 0);
	}
	for (m = 0; m < DL_NR_FIELDS; m++) {
		char gen[96], genhelp[160];
		struct metric mt = ns_metrics[m];

		if (!mt.name) {
			snprintf(gen, sizeof(gen), "dstleak_dst_%s", dl_field_names[m]);
			snprintf(genhelp, sizeof(genhelp), "The %s figure of the module.",
				 dl_field_names[m]);
			mt.name = gen;
			mt.type = "gauge";
			mt.help = genhelp;
		}
		done = false;
		for (i = 0; i < s->nns; i++)
			for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
				const struct dl_num *v = &s->ns[i].fam[f].f[m];

				if (v->null)
					continue;
				prom_head(o, mt.name, mt.type, mt.help, &done);
				fputs(mt.name, o);
				prom_ns_labels(o, names, s->ns[i].inum);
				prom_label(o, "family", dl_family_names[f], false);
				fputc('}', o);
				prom_value(o, v);
			}
	}
	done = false;
	for (i = 0; i < s->nns; i++)
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			double pct;

			if (!dl_headroom(&s->ns[i].fam[f], &pct, NULL, NULL))
				continue;
			prom_head(o, "dstleak_dst_headroom_ratio", "gauge",
				  "(limit - kernel) / limit, against the smaller real "
				  "limit of gc_thresh and max_size.", &done);
			fputs("dstleak_dst_headroom_ratio", o);
			prom_ns_labels(o, names, s->ns[i].inum);
			prom_label(o, "family", dl_family_names[f], false);
			fprintf(o, "} %.6f\n", pct / 100);
		}
	if (!sp)
		return;
	/*
	 * Groups differ by stack too, which is no label: sum the groups of
	 * the same namespace, family, reason and device into one series.
	 */
	for (m = 0; m < 2; m++) {
		const char *name = m ? "dstleak_suspect_oldest_seconds" :
				       "dstleak_suspect_entries";

		done = false;
		for (i = 0; i < sp->ngroups; i++) {
			const struct dl_group *g = &sp->groups[i];
			uint64_t sum = 0, oldest = 0;
			bool seen_before = false;

			for (k = 0; k < sp->ngroups; k++) {
				const struct dl_group *h = &sp->groups[k];
				bool same = h->inum == g->inum && h->family == g->family &&
					    h->reason == g->reason &&
					    ((!h->device && !g->device) ||
					     (h->device && g->device &&
					      !strcmp(h->device, g->device)));

				if (!same)
					continue;
				if (k < i) {
					seen_before = true;
					break;
				}
				sum = sum > UINT64_MAX - h->count ? UINT64_MAX : sum + h->count;
				if (h->oldest_ms > oldest)
					oldest = h->oldest_ms;
			}
			if (seen_before)
				continue;
			prom_head(o, name, "gauge",
				  m ? "Age of the oldest leak-suspect dst entry." :
				      "Leak-suspect dst entries.", &done);
			fputs(name, o);
			prom_ns_labels(o, names, g->inum);
			prom_label(o, "family", dl_family_names[g->family], false);
			prom_label(o, "reason", dl_reason_names[g->reason], false);
			if (g->device)
				prom_label(o, "device", g->device, false);
			if (m)
				fprintf(o, "} %" PRIu64 ".%03" PRIu64 "\n", oldest / 1000,
					oldest % 1000);
			else
				fprintf(o, "} %" PRIu64 "\n", sum);
		}
	}
	done = false;
	for (i = 0; i < sp->nold; i++) {
		prom_head(o, "dstleak_old_entries", "gauge",
			  "Old dst entries that are not suspects.", &done);
		fputs("dstleak_old_entries", o);
		prom_ns_labels(o, names, sp->old[i].inum);
		prom_label(o, "family", dl_family_names[sp->old[i].family], false);
		fprintf(o, "} %" PRIu64 "\n", sp->old[i].count);
	}
}

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
	export_prom(o, &s, have_sp ? &sp : NULL, names);
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
			printf("dstleak %s (reads export format %d, JSON contract %d)\n",
			       DL_TOOL_VERSION, DSTLEAK_FORMAT_VERSION, DL_JSON_VERSION);
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
