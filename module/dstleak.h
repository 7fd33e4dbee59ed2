/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the dstleak module. */
#ifndef DSTLEAK_H
#define DSTLEAK_H

#include <linux/seq_file.h>
#include "dstleak_format.h"

/* debugfs.c */
int dstleak_debugfs_init(void);
void dstleak_debugfs_exit(void);

/* procfs.c */
int dstleak_procfs_init(void);
void dstleak_procfs_exit(void);

/* report.c */
void dstleak_show_header(struct seq_file *m);

#endif /* DSTLEAK_H */
