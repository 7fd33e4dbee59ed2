// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/dstleak/: the global view, all namespaces. Every file is
 * read-only: under lockdown debugfs refuses writes anyway, so runtime knobs
 * are module parameters. debugfs is optional (see dstleak_debugfs_init()).
 */
#include <linux/debugfs.h>
#include "dstleak.h"

static struct dentry *dstleak_dir;

static int version_show(struct seq_file *m, void *v)
{
	dstleak_show_header(m);
	dstleak_show_features(m);
	dstleak_show_end(m, 4);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(version);

static int summary_show(struct seq_file *m, void *v)
{
	dstleak_show_summary(m);
	return 0;
}

/*
 * A summary that outgrows its buffer is made again in one twice the size,
 * each time after waiting for RCU (report.c): start with room for the
 * namespaces listed, about 1.2 KB each (1,001: 1.2 MB), up to 64 MB.
 */
#define DSTLEAK_SUMMARY_NS_BYTES 1536
#define DSTLEAK_SUMMARY_MAX_HINT (64UL << 20)

static int summary_open(struct inode *inode, struct file *file)
{
	size_t hint = ((size_t)dstleak_ns_listed() + 16) *
		      DSTLEAK_SUMMARY_NS_BYTES;

	if (hint <= DSTLEAK_SUMMARY_MAX_HINT &&
	    !single_open_size(file, summary_show, NULL, hint))
		return 0;
	return single_open(file, summary_show, NULL);
}

static const struct file_operations summary_fops = {
	.owner = THIS_MODULE,
	.open = summary_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static int probes_show(struct seq_file *m, void *v)
{
	dstleak_show_end(m, dstleak_show_probes(m));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(probes);

static int suspects_open(struct inode *inode, struct file *file)
{
	return single_open(file, dstleak_suspects_show, NULL);
}

static const struct file_operations suspects_fops = {
	.owner = THIS_MODULE,
	.open = suspects_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
};

static const struct file_operations objects_fops = {
	.owner = THIS_MODULE,
	.open = dstleak_objects_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = seq_release_private,
};

/*
 * Optional: without debugfs (debugfs=off, lockdown), /proc/net/dstleak and
 * /proc/net/stat/dstleak remain; main.c says so once.
 */
int dstleak_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir(DSTLEAK_DEBUGFS_DIR, NULL);

	if (IS_ERR_OR_NULL(dir))
		return dir ? PTR_ERR(dir) : -ENODEV;
	dstleak_dir = dir;
	debugfs_create_file(DSTLEAK_FILE_VERSION, 0444, dstleak_dir, NULL,
			    &version_fops);
	debugfs_create_file(DSTLEAK_FILE_SUMMARY, 0400, dstleak_dir, NULL,
			    &summary_fops);
	debugfs_create_file(DSTLEAK_FILE_PROBES, 0400, dstleak_dir, NULL,
			    &probes_fops);
	debugfs_create_file(DSTLEAK_FILE_SUSPECTS, 0400, dstleak_dir, NULL,
			    &suspects_fops);
	debugfs_create_file(DSTLEAK_FILE_OBJECTS, 0400, dstleak_dir, NULL,
			    &objects_fops);
	return 0;
}

void dstleak_debugfs_exit(void)
{
	debugfs_remove_recursive(dstleak_dir);
	dstleak_dir = NULL;
}
