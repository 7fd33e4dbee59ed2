// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace of an IPv4 blackhole route. ipv4_blackhole_route(net, ...)
 * (xfrm's larval drop, while an IPsec SA is being negotiated) calls
 * dst_alloc() with no device and with dst_ops every namespace shares, and
 * gives the entry net's loopback device only afterwards: at allocation
 * nothing says whose it is.
 *
 * So the probe on its entry leaves @net as a hint for the next device-less
 * allocation of unknown dst_ops that the same task makes in the same
 * context (task or softirq): its own dst_alloc() call. Hints are kept by
 * task and context, not by CPU, so a call preempted and migrated in
 * between still finds its own, and a softirq run on the task's stack has
 * a slot of its own. A hint is lost when another task's takes its slot in
 * between (the slot's last writer wins), or when the probe is missed: the
 * entry then counts in the initial namespace, as before this file; if it
 * has no record either (track=0, past max_tracked), its free is still
 * credited by its device, to the caller's namespace (probes.c). A hint
 * the dst_alloc() return probe never took (its instances exhausted) is
 * taken by that task's next such allocation in the same context within a
 * second, if any.
 */
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include "dstleak.h"
#include "hotpath.h"

#define DSTLEAK_HINT_BITS 6	/* 32 slots for tasks, 32 for softirqs */

struct dstleak_blackhole_hint {
	raw_spinlock_t lock;
	const struct task_struct *task;	/* compared only */
	const struct net *net;		/* looked up, never dereferenced */
	unsigned long stamp;		/* jiffies */
	bool softirq;
};

static struct dstleak_blackhole_hint dstleak_hints[1 << DSTLEAK_HINT_BITS];

static struct dstleak_blackhole_hint *hint_of_current(bool softirq)
{
	return &dstleak_hints[hash_ptr(current, DSTLEAK_HINT_BITS - 1) << 1 |
			      softirq];
}

int dstleak_blackhole4_pre(struct kprobe *kp, struct pt_regs *regs)
{
	bool softirq = in_serving_softirq();
	struct dstleak_blackhole_hint *h = hint_of_current(softirq);
	unsigned long flags;

	dstleak_count_hit(DSTLEAK_PROBE_BLACKHOLE4);
	raw_spin_lock_irqsave(&h->lock, flags);
	h->task = current;
	h->net = (const void *)dstleak_regs_arg(regs, 0);
	h->stamp = jiffies;
	h->softirq = softirq;
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return 0;
}
NOKPROBE_SYMBOL(dstleak_blackhole4_pre);

/*
 * From dst_alloc()'s entry handler: the namespace of a blackhole route
 * being allocated by the current task, or NULL. Only an allocation the hot
 * path would count in the initial namespace, family other, asks.
 */
const struct net *dstleak_blackhole_take(const struct dst_ops *ops,
					 const struct net_device *dev)
{
	bool softirq = in_serving_softirq();
	struct dstleak_blackhole_hint *h;
	const struct net *net = NULL;
	unsigned long flags;

	if (dev || ops == dstleak_ipv4_ops || dstleak_addr_lookup(ops))
		return NULL;
	h = hint_of_current(softirq);
	raw_spin_lock_irqsave(&h->lock, flags);
	if (h->task == current && h->softirq == softirq) {
		if (time_before_eq(jiffies, h->stamp + HZ))
			net = h->net;
		h->task = NULL;
	}
	raw_spin_unlock_irqrestore(&h->lock, flags);
	return net;
}
NOKPROBE_SYMBOL(dstleak_blackhole_take);

void dstleak_blackhole_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(dstleak_hints); i++)
		raw_spin_lock_init(&dstleak_hints[i].lock);
}
