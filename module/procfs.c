// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/dstleak: the rows of the reader's own namespace, readable inside
 * a container and under lockdown, where debugfs is closed.
 */
#include <linux/proc_fs.h>
#include <net/net_namespace.h>
#include "dstleak.h"

static int dstleak_proc_show(struct seq_file *m, void *v)
{
	dstleak_show_header(m);
	return 0;
}

int dstleak_procfs_init(void)
{
	if (!proc_create_net_single(DSTLEAK_PROC_NAME, 0444, init_net.proc_net,
				    dstleak_proc_show, NULL))
		return -ENOMEM;
	return 0;
}

void dstleak_procfs_exit(void)
{
	remove_proc_entry(DSTLEAK_PROC_NAME, init_net.proc_net);
}
