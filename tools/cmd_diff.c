// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_diff.c - dstleak diff: what changed between two snapshots, or since one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "columns.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "table.h"
#include "views.h"

/* A snapshot file, parsed; exits on failure. */
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
	char *host = dl_hist_host(), *boot = dl_hist_boot();

	memset(new, 0, sizeof(*new));
	check_same_host(old, oldpath, host, boot, "this host", force);
	load_summary(&src, &new->sum, NULL, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	new->sec = ts.tv_sec;
	new->nsec = (uint32_t)ts.tv_nsec;
	new->host = host;
	new->boot_id = boot;
}

int cmd_diff(int argc, char **argv)
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
