// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_history.c - "dstleak record", "forecast" and "plot", and the hooks
 * that show the forecast in show and watch and alert on it in check.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"

const char help_record[] =
"Usage: dstleak record [-i SECONDS] [-n COUNT] [--max-size BYTES] [FILE]\n"
"                      [--source DIR]\n"
"\n"
"Append one sample of every namespace and family with activity (live,\n"
"kernel counter, allocs, frees, failures, the limit and whether the\n"
"kernel enforces it, suspect entries) to the history FILE, for\n"
"\"dstleak forecast\", \"dstleak plot\", \"check --forecast\" and the\n"
"forecast that show and watch print when a history exists.\n"
"\n"
"Without -i, one sample (for a systemd timer or cron); with -i, one\n"
"every SECONDS until killed or COUNT samples (a foreground run during an\n"
"incident). A round that finds the module unloaded is skipped with a\n"
"note, and recording goes on: a reload shows as a break in the history,\n"
"as does a reboot (the boot id), never as a negative rate.\n"
"\n"
"FILE (default $DSTLEAK_RECORD, else /var/lib/dstleak/history for root,\n"
"/tmp/.dstleak-history.uUID for others) is created with mode 0600, and\n"
"refused (exit 1) when it is a symbolic link, not a regular file, has\n"
"other hard links or belongs to another user; a file of another host or\n"
"that does not parse is refused with exit 2. Writers take an exclusive\n"
"lock (flock) on it. When a sample would make it larger than BYTES,\n"
"older samples are thinned (every second one of the older half, again\n"
"as needed) and the file is rewritten to a temporary file renamed over\n"
"it; it never grows past BYTES.\n"
"\n"
"Options:\n"
"  -i, --interval SECONDS  record every SECONDS, 0.01 to 86400\n"
"  -n, --count COUNT       stop after COUNT samples (with -i)\n"
"  --max-size BYTES        bound of the file (default 16777216)\n"
"  --source DIR            read DIR/summary and DIR/suspects instead of\n"
"                          /sys/kernel/debug/dstleak\n";

const char help_forecast[] =
"Usage: dstleak forecast [--json] [FILE]\n"
"\n"
"From the history FILE (default as for \"dstleak record\"): per namespace\n"
"and family of the last sample, the growth of live entries and of the\n"
"kernel counter per hour, and the time until the kernel counter reaches\n"
"the limit.\n"
"  LIVE/h, KERNEL/h  the Theil-Sen slope: the median of the slopes between\n"
"            every pair of samples (never across a break: reboot or module\n"
"            reload); \"~\" marks a slope with no significant trend\n"
"            (Mann-Kendall, one-sided 5 %), which forecasts nothing\n"
"  LIMIT     the limit headroom is computed against (dstleak show --help)\n"
"  LIMIT_IN  time from now until the fitted kernel counter reaches it;\n"
"            \"reached\"; \"-\" when not growing or no limit; \"*\": the\n"
"            kernel does not enforce that limit\n"
"Exit 3 when there is no history, 2 when it does not parse.\n"
"\n"
"Options:\n"
"  --json   one JSON document (seconds_to_limit, *_per_hour, ...)\n";

const char help_plot[] =
"Usage: dstleak plot [-o FILE] [--width PX] [--title TEXT] [HISTORY]\n"
"\n"
"Draw the history (default as for \"dstleak record\") as one SVG chart:\n"
"a panel per namespace with live entries (solid) and the kernel counter\n"
"(dashed) of each family over time, the limit as a red line, suspect\n"
"entries as marks, and breaks (reboot, module reload) as grey lines.\n"
"The SVG is text, self-contained (no scripts, fonts or links), for a\n"
"browser or a bug report. Exit 3 when there is no history.\n"
"\n"
"Options:\n"
"  -o, --output FILE  write FILE (default standard output)\n"
"  --width PX         width, 400 to 4000 (default 900)\n"
"  --title TEXT       heading (default: host and time span)\n";

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double opt_double(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= lo && v <= hi))
		usage_error("%s: '%s' is not a number from %g to %g", opt, s, lo, hi);
	return v;
}

/* The history at path; exits 3 when there is none, 2 when it is bad. */
static void load_history(const char *path, struct history *h)
{
	struct dl_err err;
	int r = dl_hist_load(path, h, &err);

	if (r > 0)
		die(DL_EXIT_NOSOURCE, "no history at %s (record one with \"dstleak "
		    "record\")", path);
	if (r < 0)
		die(DL_EXIT_BADINPUT, "%s", err.msg);
}

/* ---------------- record ---------------- */

static void make_default_dir(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		die(DL_EXIT_RUNTIME, "%s: %s", dir, strerror(errno));
}

/* One sample: read, append. Exits on failure. */
static void record_once(const char *path, size_t max)
{
	char *boot = dl_hist_boot(), *text, msg[PATH_MAX + 128];
	struct dl_suspects sp;
	struct dl_summary s;
	struct source src;
	struct dl_err err;
	bool have_sp;
	size_t len;
	double t;
	int code;

	load_summary(&src, &s, NULL, NULL);
	have_sp = load_suspects(&src, &sp, msg, sizeof(msg)) == 0;
	t = now_real();
	text = dl_hist_sample_text(&s, have_sp ? &sp : NULL, t, boot, &len);
	if (have_sp)
		dl_suspects_free(&sp);
	dl_summary_free(&s);
	free(boot);
	if (dl_hist_append(path, text, len, max, &err, &code)) {
		free(text);
		die(code, "%s", err.msg);
	}
	free(text);
}

static void sleep_until(double t)
{
	for (;;) {
		double left = t - now_real();
		struct timespec ts;

		if (left <= 0)
			return;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

int cmd_record(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ "max-size", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	double interval = 0, next;
	uint64_t count = 0, round, max = DL_HISTORY_MAX_SIZE;
	char hb[PATH_MAX];
	const char *path;
	int c;

	while ((c = next_opt(argc, argv, ":hi:n:", longs, help_record)) != -1) {
		if (c == 'i')
			interval = opt_double("-i", optarg, 0.01, 86400);
		else if (c == 'n' && !(count = parse_count("-n", optarg)))
			usage_error("-n: COUNT must be at least 1");
		else if (c == 'm' && (max = parse_count("--max-size", optarg)) < 512)
			usage_error("--max-size: at least 512 bytes");
	}
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	if (count && !interval)
		usage_error("-n needs -i");
	if (optind < argc) {
		path = argv[optind];
	} else {
		path = dl_hist_default(hb, sizeof(hb));
		if (!getenv("DSTLEAK_RECORD") && geteuid() == 0)
			make_default_dir(path);
	}
	if (!interval) {
		record_once(path, (size_t)max);
		return 0;
	}
	next = now_real();
	for (round = 1;; round++) {
		pid_t pid;
		int st;

		/*
		 * Each round in a child: a module unloaded for a moment
		 * (exit 3) skips a round instead of ending the recording.
		 */
		fflush(NULL);
		pid = fork();
		if (pid < 0)
			die(DL_EXIT_RUNTIME, "fork: %s", strerror(errno));
		if (pid == 0) {
			record_once(path, (size_t)max);
			_exit(0);
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				die(DL_EXIT_RUNTIME, "waitpid: %s", strerror(errno));
		if (WIFEXITED(st) && WEXITSTATUS(st) == DL_EXIT_NOSOURCE)
			note("round %" PRIu64 " skipped: no module to read", round);
		else if (!WIFEXITED(st) || WEXITSTATUS(st))
			return WIFEXITED(st) ? WEXITSTATUS(st) : DL_EXIT_RUNTIME;
		if (count && round >= count)
			break;
		next += interval;
		if (next < now_real())
			next = now_real();
		sleep_until(next);
	}
	return 0;
}

/* ---------------- forecast ---------------- */

int cmd_forecast(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char hb[PATH_MAX];
	struct forecast fc;
	struct history h;
	const char *path;
	bool json = false;
	int c;

	while ((c = next_opt(argc, argv, ":h", longs, help_forecast)) != -1)
		if (c == 'j')
			json = true;
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	path = optind < argc ? argv[optind] : dl_hist_default(hb, sizeof(hb));
	load_history(path, &h);
	dl_forecast(&h, &fc);
	if (json)
		dl_forecast_json(stdout, &fc, path, now_real());
	else if (!h.ns)
		printf("no samples in %s yet\n", path);
	else
		dl_forecast_print(stdout, &fc, path, now_real());
	dl_forecast_free(&fc);
	dl_hist_free(&h);
	return finish_output(0);
}

void dl_history_show(FILE *o)
{
	char hb[PATH_MAX];
	const char *path = dl_hist_default(hb, sizeof(hb));
	struct forecast fc;
	struct history h;
	struct dl_err err;
	int r = dl_hist_load(path, &h, &err);

	if (r > 0)
		return;
	if (r < 0) {
		note("no forecast: %s", err.msg);
		return;
	}
	if (h.ns) {
		dl_forecast(&h, &fc);
		fputc('\n', o);
		dl_forecast_print(o, &fc, path, now_real());
		dl_forecast_free(&fc);
	}
	dl_hist_free(&h);
}

int dl_check_forecast(double hours, char *text, size_t n, double *secs)
{
	char hb[PATH_MAX], in[32], rate[32], span[32];
	const char *path = dl_hist_default(hb, sizeof(hb));
	const struct fc_series *s;
	struct forecast fc;
	struct history h;
	struct dl_err err;
	size_t count;
	double now = now_real();
	long best;
	int r = dl_hist_load(path, &h, &err);

	if (r) {
		if (r > 0)
			snprintf(text, n, "no history at %s for --forecast (record one "
				 "with \"dstleak record\")", path);
		else
			snprintf(text, n, "%s", err.msg);
		return -1;
	}
	dl_forecast(&h, &fc);
	best = dl_forecast_soonest(&fc, now, hours * 3600, &count);
	if (best < 0) {
		dl_forecast_free(&fc);
		dl_hist_free(&h);
		return 0;
	}
	s = &fc.s[best];
	*secs = s->eta - (now - s->t_last);
	if (*secs < 0)
		*secs = 0;
	dl_fmt_dur(in, sizeof(in), *secs);
	dl_fmt_dur(span, sizeof(span), fc.t_last - fc.t_first);
	snprintf(rate, sizeof(rate), "%+.1f/h", s->kernel.slope * 3600);
	if (s->name)
		snprintf(text, n, "netns %s (%" PRIu64 ") ", s->name, s->id.inum);
	else
		snprintf(text, n, "netns %" PRIu64 "%s ", s->id.inum,
			 s->exited ? " (exited)" : "");
	snprintf(text + strlen(text), n - strlen(text),
		 "%s reaches %s %" PRIu64 " %s%s (kernel %.0f, %s over %s of history)",
		 dl_family_names[s->family], dl_field_names[s->limit_name], s->limit,
		 *secs > 0 ? "in " : "", *secs > 0 ? in : "now", s->last_kernel, rate,
		 span);
	dl_forecast_free(&fc);
	dl_hist_free(&h);
	return (int)count;
}

/* ---------------- plot ---------------- */

int cmd_plot(int argc, char **argv)
{
	static const struct option longs[] = {
		COMMON_LONGS,
		{ "output", required_argument, NULL, 'o' },
		{ "width", required_argument, NULL, 'w' },
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct plot_opts po = { .width = 900, .panel_height = 240, .title = NULL };
	char hb[PATH_MAX], tmp[PATH_MAX];
	const char *path, *out = NULL;
	struct history h;
	FILE *o = stdout;
	int c, height, fd;

	while ((c = next_opt(argc, argv, ":ho:", longs, help_plot)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'w')
			po.width = (int)opt_double("--width", optarg, 400, 4000);
		else if (c == 't')
			po.title = optarg;
	}
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	path = optind < argc ? argv[optind] : dl_hist_default(hb, sizeof(hb));
	load_history(path, &h);
	if (out) {
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= sizeof(tmp))
			die(DL_EXIT_RUNTIME, "%s: path too long", out);
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0 || !(o = fdopen(fd, "w")))
			die(DL_EXIT_RUNTIME, "%s: %s", tmp, strerror(errno));
		fchmod(fd, 0644);
	}
	dl_plot_svg(o, &h, &po, &height);
	dl_hist_free(&h);
	if (out) {
		if (fflush(o) || ferror(o) || fclose(o)) {
			unlink(tmp);
			die(DL_EXIT_RUNTIME, "%s: cannot write: %s", out, strerror(errno));
		}
		if (rename(tmp, out)) {
			int e = errno;

			unlink(tmp);
			die(DL_EXIT_RUNTIME, "%s: %s", out, strerror(e));
		}
	}
	return finish_output(0);
}
