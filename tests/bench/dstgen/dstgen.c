// SPDX-License-Identifier: GPL-2.0
/*
 * dstgen - benchmark-only load generator for `make bench` (never shipped).
 *
 * Allocates and frees IPv4 dst entries in a tight loop through the kernel's
 * own allocator, on several CPUs at once, one kthread bound to each:
 *
 *	rt = rt_dst_alloc(init_net.loopback_dev, 0, RTN_UNICAST, false);
 *	dst_release_immediate(&rt->dst);
 *
 * rt_dst_alloc() goes through dst_alloc() and the release through
 * dst_destroy(), synchronously (no RCU grace period), so every pair is one
 * hit of each probe dstleak installs and the live count stays at one entry
 * per CPU. The loop runs a fixed number of pairs per CPU, in batches of
 * BATCH with cond_resched() between them: bounded and deterministic.
 *
 * Interface: /sys/kernel/debug/dstgen/ctl (0600).
 *   write "MASK OPS"  run OPS (1..50000000) pairs on each CPU of the hex
 *                     MASK (online CPUs only; e.g. 1 = CPU 0, 3 = CPUs 0+1);
 *                     returns when every CPU is done. -EINVAL on a bad
 *                     command, -EBUSY if a run is already going, -ENOMEM if
 *                     an allocation failed (the run stops there).
 *   read              the last run:
 *     cpu C ops N ns T ns_per_op X max_batch_ns M
 *     total cpus K ops N wall_ns W ns_per_op X ops_per_s Y
 *   ns_per_op of a CPU is its own elapsed time / its pairs; the total's is
 *   the mean of the CPUs'; ops_per_s is all pairs / wall time (first start
 *   to last finish). max_batch_ns is the longest batch of BATCH pairs, a
 *   measure of stalls.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <net/dst.h>
#include <net/net_namespace.h>
#include <net/route.h>

#define DSTGEN_BATCH 256
#define DSTGEN_MAX_OPS 50000000UL
#define DSTGEN_OUT 4096

struct dstgen_cpu {
	struct completion done;
	unsigned long ops;	/* pairs done */
	u64 ns;
	u64 max_batch_ns;
	int err;
	int cpu;
};

static DEFINE_MUTEX(dstgen_mutex);
static struct dentry *dstgen_dir;
static DECLARE_COMPLETION(dstgen_go);
static atomic_t dstgen_ready;
static DECLARE_WAIT_QUEUE_HEAD(dstgen_ready_wq);
static unsigned long dstgen_target;
static char *dstgen_out;	/* the last result, under the mutex */
static size_t dstgen_out_len;

/* rt_dst_alloc() of every kernel the bench runs on (Kbuild's greps). */
static struct rtable *dg_rt_dst_alloc(struct net_device *dev)
{
#if defined(DG_RT_DST_ALLOC_WILL_CACHE)
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false, false, false);
#elif defined(DG_RT_DST_ALLOC_NOPOLICY)
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false, false);
#else
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false);
#endif
}

static int dstgen_thread(void *arg)
{
	struct dstgen_cpu *c = arg;
	struct net_device *dev = init_net.loopback_dev;
	unsigned long done = 0, n, i;
	u64 t0, b0, b1;
	struct rtable *rt;

	atomic_inc(&dstgen_ready);
	wake_up(&dstgen_ready_wq);
	wait_for_completion(&dstgen_go);
	t0 = ktime_get_ns();
	while (done < dstgen_target) {
		n = min_t(unsigned long, DSTGEN_BATCH, dstgen_target - done);
		b0 = ktime_get_ns();
		for (i = 0; i < n; i++) {
			rt = dg_rt_dst_alloc(dev);
			if (!rt) {
				c->err = -ENOMEM;
				break;
			}
			dst_release_immediate(&rt->dst);
		}
		b1 = ktime_get_ns();
		done += i;
		if (b1 - b0 > c->max_batch_ns)
			c->max_batch_ns = b1 - b0;
		if (c->err)
			break;
		cond_resched();
	}
	c->ns = ktime_get_ns() - t0;
	c->ops = done;
#ifdef DG_HAVE_KTHREAD_COMPLETE_AND_EXIT
	kthread_complete_and_exit(&c->done, 0);
#else
	complete_and_exit(&c->done, 0);
#endif
}

static int dstgen_run(const struct cpumask *mask, unsigned long ops)
{
	unsigned int nr = cpumask_weight(mask), k = 0, cpu;
	u64 wall, sum_ns = 0, total = 0;
	struct dstgen_cpu *cs;
	struct task_struct *t;
	size_t len = 0;
	u64 t0;
	int err = 0;

	cs = kcalloc(nr, sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	reinit_completion(&dstgen_go);
	atomic_set(&dstgen_ready, 0);
	dstgen_target = ops;
	for_each_cpu(cpu, mask) {
		cs[k].cpu = cpu;
		init_completion(&cs[k].done);
		t = kthread_create(dstgen_thread, &cs[k], "dstgen/%u", cpu);
		if (IS_ERR(t)) {
			err = PTR_ERR(t);
			break;
		}
		kthread_bind(t, cpu);
		wake_up_process(t);
		k++;
	}
	/* Every thread started waits for the go, even if a later one failed. */
	wait_event(dstgen_ready_wq, atomic_read(&dstgen_ready) == k);
	t0 = ktime_get_ns();
	if (err)
		dstgen_target = 0;
	complete_all(&dstgen_go);
	for (cpu = 0; cpu < k; cpu++)
		wait_for_completion(&cs[cpu].done);
	wall = ktime_get_ns() - t0;
	if (err)
		goto out;
	for (cpu = 0; cpu < k; cpu++) {
		struct dstgen_cpu *c = &cs[cpu];

		if (c->err)
			err = c->err;
		total += c->ops;
		sum_ns += c->ops ? div64_u64(c->ns, c->ops) : 0;
		len += scnprintf(dstgen_out + len, DSTGEN_OUT - len,
				 "cpu %d ops %lu ns %llu ns_per_op %llu max_batch_ns %llu\n",
				 c->cpu, c->ops, c->ns,
				 c->ops ? div64_u64(c->ns, c->ops) : 0,
				 c->max_batch_ns);
	}
	len += scnprintf(dstgen_out + len, DSTGEN_OUT - len,
			 "total cpus %u ops %llu wall_ns %llu ns_per_op %llu ops_per_s %llu\n",
			 k, total, wall, div64_u64(sum_ns, k),
			 wall ? div64_u64(total * NSEC_PER_SEC, wall) : 0);
	dstgen_out_len = len;
out:
	kfree(cs);
	return err;
}

static ssize_t dstgen_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned long mask_bits, ops;
	cpumask_var_t mask;
	char buf[64];
	unsigned int cpu;
	int err;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%lx %lu", &mask_bits, &ops) != 2 || !ops ||
	    ops > DSTGEN_MAX_OPS)
		return -EINVAL;
	if (nr_cpu_ids < BITS_PER_LONG && (mask_bits >> nr_cpu_ids))
		return -EINVAL;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	for (cpu = 0; cpu < BITS_PER_LONG && cpu < nr_cpu_ids; cpu++)
		if (mask_bits & (1UL << cpu))
			cpumask_set_cpu(cpu, mask);
	if (!mutex_trylock(&dstgen_mutex)) {
		free_cpumask_var(mask);
		return -EBUSY;
	}
	cpus_read_lock();
	if (cpumask_empty(mask) || !cpumask_subset(mask, cpu_online_mask))
		err = -EINVAL;
	else
		err = dstgen_run(mask, ops);
	cpus_read_unlock();
	mutex_unlock(&dstgen_mutex);
	free_cpumask_var(mask);
	return err ? err : count;
}

static ssize_t dstgen_read(struct file *file, char __user *ubuf, size_t count,
			   loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&dstgen_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, dstgen_out,
				      dstgen_out_len);
	mutex_unlock(&dstgen_mutex);
	return ret;
}

static const struct file_operations dstgen_fops = {
	.owner = THIS_MODULE,
	.write = dstgen_write,
	.read = dstgen_read,
	.llseek = default_llseek,
};

static int __init dstgen_init(void)
{
	dstgen_out = kzalloc(DSTGEN_OUT, GFP_KERNEL);
	if (!dstgen_out)
		return -ENOMEM;
	dstgen_dir = debugfs_create_dir("dstgen", NULL);
	debugfs_create_file("ctl", 0600, dstgen_dir, NULL, &dstgen_fops);
	return 0;
}

static void __exit dstgen_exit(void)
{
	debugfs_remove_recursive(dstgen_dir);
	kfree(dstgen_out);
}

module_init(dstgen_init);
module_exit(dstgen_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dstleak benchmark: dst allocation load generator (test only)");
