// SPDX-License-Identifier: GPL-2.0
/*
 * dstleak: per network namespace accounting of the kernel's destination
 * cache, and the live entries that leak.
 *
 * Init is a ladder: tracking table, namespace state, probes (the moment
 * events start), calibration, then the files. Exit undoes it in reverse:
 * the files go, the probes go (waiting for running handlers), and only then
 * is the state they used freed.
 */
#include <linux/module.h>
#include "dstleak.h"

static int __init dstleak_init(void)
{
	int err;

	err = dstleak_inspect_init();
	if (err)
		return err;
	err = dstleak_track_init(dstleak_track ? dstleak_max_tracked : 0);
	if (err)
		return err;
	err = dstleak_netns_init();
	if (err)
		goto err_track;
	dstleak_blackhole_init();
	err = dstleak_probes_init();
	if (err)
		goto err_netns;
	dstleak_netns_calibrate();
	dstleak_stacks_init(dstleak_dst_alloc_addr());
	err = dstleak_debugfs_init();
	if (err)
		pr_warn("debugfs unavailable (%d): no summary, probes, suspects or objects; /proc/net/dstleak and /proc/net/stat/dstleak remain\n",
			err);
	pr_info("loaded, version %s, format %d, tracking up to %u entries (%zu bytes)\n",
		DSTLEAK_MODULE_VERSION, DSTLEAK_FORMAT_VERSION,
		dstleak_track_max(), dstleak_track_bytes());
	return 0;

err_netns:
	dstleak_netns_exit();
err_track:
	dstleak_track_exit();
	return err;
}

static void __exit dstleak_exit(void)
{
	dstleak_debugfs_exit();
	dstleak_probes_exit();
	dstleak_stacks_exit();
	dstleak_netns_exit();
	dstleak_track_exit();
	pr_info("unloaded\n");
}

module_init(dstleak_init);
module_exit(dstleak_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION(DSTLEAK_MODULE_VERSION);
MODULE_DESCRIPTION("Per network namespace dst cache accounting and leak finder");
