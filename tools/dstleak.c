// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dstleak - the reader for the dstleak module: its options, and which
 * command runs (cmd_*.c; what they share is cli.c). See dstleak(8) and
 * tools/README.md.
 */
#include <string.h>

#include "cli.h"
#include "dl.h"
#include "help.h"
#include "history.h"
#include "views.h"

/*
 * The commands, each in a file of its own: cmd_NAME.c (cmd_views.c: xfrm,
 * routes, icmp, status; cmd_history.c: record, forecast, plot).
 */
static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "show", cmd_show },
	{ "watch", cmd_watch },
	{ "snapshot", cmd_snapshot },
	{ "diff", cmd_diff },
	{ "suspects", cmd_suspects },
	{ "check", cmd_check },
	{ "export", cmd_export },
	{ "record", cmd_record },
	{ "forecast", cmd_forecast },
	{ "plot", cmd_plot },
	{ "objects", cmd_objects },
	{ "xfrm", cmd_xfrm },
	{ "routes", cmd_routes },
	{ "icmp", cmd_icmp },
	{ "status", cmd_status },
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
