// SPDX-License-Identifier: GPL-2.0
/*
 * dstleak: per network namespace accounting of the kernel's destination
 * cache, and the live entries that leak.
 */
#include <linux/module.h>
#include "dstleak.h"

static int __init dstleak_init(void)
{
	int err;

	err = dstleak_debugfs_init();
	if (err)
		return err;
	err = dstleak_procfs_init();
	if (err)
		goto err_debugfs;
	pr_info("loaded, version %s, format %d\n", DSTLEAK_MODULE_VERSION,
		DSTLEAK_FORMAT_VERSION);
	return 0;

err_debugfs:
	dstleak_debugfs_exit();
	return err;
}

static void __exit dstleak_exit(void)
{
	dstleak_procfs_exit();
	dstleak_debugfs_exit();
	pr_info("unloaded\n");
}

module_init(dstleak_init);
module_exit(dstleak_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(DSTLEAK_MODULE_VERSION);
MODULE_DESCRIPTION("Per network namespace dst cache accounting and leak finder");
