// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_snapshot.c - dstleak snapshot: save the summary under a header, safely.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "views.h"

static const char *history_path(char *b, size_t n)
{
	const char *e = getenv("DSTLEAK_HISTORY");

	if (e && *e)
		return e;
	snprintf(b, n, "/tmp/.dstleak.u%ld", (long)geteuid());
	return b;
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
	if (dl_write_at(fd, hdr, strlen(hdr), 0) ||
	    dl_write_at(fd, raw, len, (off_t)strlen(hdr)) ||
	    fsync(fd) || close(fd) || rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		die(DL_EXIT_RUNTIME, "%s: cannot write: %s", path, strerror(e));
	}
}

/* The header of a snapshot; one that does not fit is an error, never cut. */
static void snapshot_header(char *hdr, size_t n, const struct source *src)
{
	char *host = dl_hist_host(), *boot = dl_hist_boot();
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

int cmd_snapshot(int argc, char **argv)
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
