// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cmd_export.c - dstleak export --prometheus: node_exporter textfile format.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dl.h"
#include "help.h"
#include "views.h"

int cmd_export(int argc, char **argv)
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
