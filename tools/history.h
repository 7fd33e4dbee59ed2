/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * history.h - the history file of "dstleak record", the forecast fitted to
 * it and the SVG chart drawn from it (history.c, forecast.c, plot.c,
 * cmd_history.c).
 *
 * The file is text, one sample after another, appended by "record":
 *
 *   dstleak-history 1
 *   host HOST
 *   s SEC.NSEC BOOT_ID HITS|-
 *   n INUM COOKIE|- NAME|- STATE FAMILY LIVE KERNEL ALLOCS FREES FAILURES
 *     LIMIT_NAME|- LIMIT|- ENFORCED SUSPECTS|-           (one line)
 *   e N
 *
 * "s" opens a sample: its CLOCK_REALTIME time, the boot id, and the sum of
 * the module's probe hits ("-" without debugfs), a counter that only grows
 * while the module stays loaded. One "n" line per namespace and family
 * with activity: NAME is the "ip netns" name ("-" for none), STATE alive
 * or exited, LIVE and KERNEL signed ("-": no such figure), ALLOCS, FREES
 * and FAILURES counted since the module loaded, LIMIT the limit headroom
 * is computed against (LIMIT_NAME gc_thresh or max_size), ENFORCED 1 when
 * reaching it fails allocations, SUSPECTS the entries of the namespace and
 * family in suspect groups ("-" without debugfs). "e N" closes the sample:
 * N is its number of "n" lines. A sample without its "e" line at the end
 * of the file was cut short by a crash and is ignored (and dropped by the
 * next record).
 *
 * Breaks: a sample starts a new segment when its boot id differs from the
 * previous sample's (a reboot) or when a counter that only grows within a
 * module load went backwards (probe hits, or allocs, frees or failures of
 * a namespace in both: the module was reloaded). Rates are never taken
 * across a break.
 */
#ifndef DL_HISTORY_H
#define DL_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dl.h"

#define DL_HISTORY_VERSION 1
/* Default bound of a history file (record --max-size). */
#define DL_HISTORY_MAX_SIZE (16u << 20)

enum hist_field {
	HF_LIVE,
	HF_KERNEL,
	HF_ALLOCS,
	HF_FREES,
	HF_FAILURES,
	HF_LIMIT,
	HF_SUSPECTS,
	HF_NR
};

struct hist_row {
	struct dl_nsid id;
	char *name; /* NULL for "-" */
	bool exited;
	int family;
	struct dl_num v[HF_NR];
	int limit_name; /* DL_F_gc_thresh, DL_F_max_size, or -1 */
	bool enforced;
};

struct hist_sample {
	double t; /* seconds since the epoch */
	char *boot;
	struct dl_num hits;
	size_t first, n; /* its rows: rows[first .. first + n) */
	unsigned int seg; /* segment: bumped at every break */
	size_t off, end; /* its bytes in the file */
};

struct history {
	char *host; /* NULL for a file still empty */
	struct hist_sample *s;
	size_t ns, scap;
	struct hist_row *rows;
	size_t nr, rcap;
	size_t hdr_end; /* end of the header lines */
	size_t valid_end; /* end of the last complete sample */
	unsigned int breaks;
};

/* history.c */
int dl_hist_parse(const char *buf, size_t len, const char *path,
		  struct history *h, struct dl_err *err);
void dl_hist_free(struct history *h);
/* The default history file: $DSTLEAK_RECORD, else by the caller's uid. */
const char *dl_hist_default(char *b, size_t n);
/*
 * Read the history at path for a forecast or a plot: refused unless a
 * regular file owned by the caller or by root (never through a symbolic
 * link). 0; 1 when there is none (ENOENT); -1 with err set.
 */
int dl_hist_load(const char *path, struct history *h, struct dl_err *err);
/* The text of one sample of s and sp (may be NULL), at time t. */
char *dl_hist_sample_text(const struct dl_summary *s, const struct dl_suspects *sp,
			  double t, const char *boot, size_t *len);
/* This host's name and boot id as snapshots record them (DSTLEAK_HOSTNAME). */
char *dl_hist_host(void);
char *dl_hist_boot(void);
/*
 * Append a sample to the history at path under an exclusive lock, within
 * max bytes (older samples thinned). 0, or -1 with err set and *code the
 * exit code (1: cannot write or unsafe file, 2: the file does not parse or
 * is from another host).
 */
int dl_hist_append(const char *path, const char *sample, size_t len, size_t max,
		   struct dl_err *err, int *code);

/* forecast.c */
struct fc_fit {
	bool ok; /* enough points for a fit */
	bool growing; /* slope > 0 and the trend is significant */
	double slope; /* per second, Theil-Sen */
	double level; /* fitted value at the last sample */
	double z; /* Mann-Kendall statistic */
	size_t points;
};

struct fc_series {
	struct dl_nsid id;
	const char *name; /* of the last sample; may be NULL */
	bool exited;
	int family;
	struct fc_fit live, kernel;
	double t_last; /* time of its last sample */
	double last_kernel, last_live;
	bool has_kernel;
	uint64_t limit; /* 0: none */
	int limit_name;
	bool enforced;
	double eta; /* seconds from t_last to the limit; <0: not reached */
	uint64_t suspects;
};

struct forecast {
	struct fc_series *s;
	size_t n, cap;
	double t_first, t_last;
	size_t samples;
	unsigned int breaks;
};

/* Fit every namespace and family of h. */
void dl_forecast(const struct history *h, struct forecast *fc);
void dl_forecast_free(struct forecast *fc);
/* Theil-Sen slope of y over t, pairs only within one segment. */
void dl_fit(const double *t, const double *y, const unsigned int *seg, size_t n,
	    struct fc_fit *out);
/* "45s", "12m", "3.2h", "4.1d". */
void dl_fmt_dur(char *b, size_t n, double secs);
/* The forecast table, under a heading naming path. */
void dl_forecast_print(FILE *o, const struct forecast *fc, const char *path, double now);
void dl_forecast_json(FILE *o, const struct forecast *fc, const char *path, double now);
/*
 * The series whose enforced limit is reached soonest within secs from now:
 * its index, or -1. *count: how many are.
 */
long dl_forecast_soonest(const struct forecast *fc, double now, double secs,
			 size_t *count);
/*
 * Hooks for show and watch: the forecast from the default history when one
 * exists (nothing otherwise); a line on stderr when it cannot be read.
 */
void dl_history_show(FILE *o);
/*
 * For check --forecast HOURS: how many enforced limits of the default
 * history are reached within HOURS (0: none), the soonest described in
 * text and its seconds in *secs; -1 with why in text when there is no
 * history to read.
 */
int dl_check_forecast(double hours, char *text, size_t n, double *secs);

/* plot.c */
struct plot_opts {
	int width; /* of the whole chart */
	int panel_height; /* of each namespace */
	const char *title;
};
/* The SVG; its height is returned in *height. */
void dl_plot_svg(FILE *o, const struct history *h, const struct plot_opts *po,
		 int *height);

/* cmd_history.c */
int cmd_record(int argc, char **argv);
int cmd_forecast(int argc, char **argv);
int cmd_plot(int argc, char **argv);
extern const char help_record[], help_forecast[], help_plot[];

#endif /* DL_HISTORY_H */
