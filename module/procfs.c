// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace files, readable inside a container and under lockdown,
 * where debugfs is closed:
 * - /proc/net/dstleak: the summary rows of the reader's own namespace,
 *   cheap to read (report.c: no wait for RCU, no global lock);
 * - /proc/net/stat/dstleak: its counters in the format of the kernel's
 *   other /proc/net/stat files, so iproute2's `lnstat -f dstleak` reads it.
 */
#include <linux/proc_fs.h>
#include <net/net_namespace.h>
#include "dstleak.h"

static int dstleak_proc_show(struct seq_file *m, void *v)
{
	dstleak_show_own_ns(m, seq_file_single_net(m));
	return 0;
}

static int dstleak_stat_show(struct seq_file *m, void *v)
{
	struct net *net = seq_file_single_net(m);
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	int cpu;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
		seq_printf(m, "%s%s_allocs %s_frees %s_failures", fam ? " " : "",
			   dstleak_family_name(fam), dstleak_family_name(fam),
			   dstleak_family_name(fam));
	seq_putc(m, '\n');
	rcu_read_lock();
	ns = dstleak_ns_of_net_rcu(net);
	for_each_possible_cpu(cpu) {
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
			const struct dstleak_fam_pcpu *c =
				ns ? &per_cpu_ptr(ns->pcpu, cpu)->fam[fam] : NULL;

			seq_printf(m, "%s%08x %08x %08x", fam ? " " : "",
				   c ? (u32)READ_ONCE(c->allocs) : 0,
				   c ? (u32)READ_ONCE(c->frees) : 0,
				   c ? (u32)READ_ONCE(c->failures) : 0);
		}
		seq_putc(m, '\n');
	}
	rcu_read_unlock();
	return 0;
}

int dstleak_procfs_net_init(struct net *net)
{
	if (!proc_create_net_single(DSTLEAK_PROC_NAME, 0444, net->proc_net,
				    dstleak_proc_show, NULL))
		return -ENOMEM;
	if (!proc_create_net_single(DSTLEAK_PROC_NAME, 0444, net->proc_net_stat,
				    dstleak_stat_show, NULL)) {
		remove_proc_entry(DSTLEAK_PROC_NAME, net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void dstleak_procfs_net_exit(struct net *net)
{
	remove_proc_entry(DSTLEAK_PROC_NAME, net->proc_net_stat);
	remove_proc_entry(DSTLEAK_PROC_NAME, net->proc_net);
}
