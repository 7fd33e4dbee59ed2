// SPDX-License-Identifier: GPL-2.0
/* The text rows of the export format, shared by debugfs and procfs. */
#include <linux/utsname.h>
#include "dstleak.h"

void dstleak_show_header(struct seq_file *m)
{
	seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
	seq_printf(m, "module %s\n", DSTLEAK_MODULE_VERSION);
	seq_printf(m, "kernel %s\n", init_utsname()->release);
}
