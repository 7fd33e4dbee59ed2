// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_watch.c - dstleak watch: show again every interval, with rates.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "columns.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "table.h"
#include "views.h"

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

int cmd_watch(int argc, char **argv)
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
