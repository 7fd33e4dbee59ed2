/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hotpath.h - the work done on every dst allocation and free, inline in the
 * probe handlers (probes.c): finding an entry's namespace and counting the
 * event. Out of line, the calls and register saves cost as much as the
 * work (make bench, instructions per pair). The slow paths stay in netns.c.
 *
 * Everything here runs in probe handlers, where preemption is off: since
 * the RCU flavour consolidation of 4.20 a grace period waits for such
 * regions too, so the lookups take no rcu_read_lock() of their own (two
 * calls with PREEMPT_RCU), and namespace records are freed after a normal
 * grace period (queue_rcu_work()).
 */
#ifndef DSTLEAK_HOTPATH_H
#define DSTLEAK_HOTPATH_H

#include <linux/hashtable.h>
#include "dstleak.h"

/* netns.c */
extern struct hlist_head dstleak_ops_map[1 << DSTLEAK_OPS_MAP_BITS];
extern struct dstleak_ns *dstleak_init_ns;
void dstleak_fold_live(struct dstleak_ns *ns, enum dstleak_family fam,
		       long delta);

static __always_inline struct dstleak_ops_key *
dstleak_addr_lookup(const void *addr)
{
	struct dstleak_ops_key *key;

	/* Newest first: a new namespace may reuse a freed one's address. */
	hash_for_each_possible_rcu(dstleak_ops_map, key, node, (unsigned long)addr)
		if (key->addr == addr)
			return key;
	return NULL;
}

/*
 * Where an allocation in a namespace goes: its own record, or the
 * unattributed bucket when there is none yet, or it has exited (a dying
 * namespace's teardown after our exit hook).
 */
static __always_inline struct dstleak_ns *
dstleak_ns_of_key(const struct dstleak_ops_key *key)
{
	if (unlikely(!key || READ_ONCE(key->ns->exited)))
		return dstleak_unattr;
	return key->ns;
}

/* The namespace of @dev; the initial one for no device. */
static __always_inline struct dstleak_ns *
dstleak_ns_of_dev(const struct net_device *dev)
{
	if (!dev)
		return dstleak_init_ns;
	return dstleak_ns_of_key(dstleak_addr_lookup(dev_net(dev)));
}

/*
 * Where an entry of @ops on @dev is counted: IPv6 and xfrm entries by
 * their per-namespace dst_ops, IPv4 and the rest by their device.
 */
static __always_inline struct dstleak_class
dstleak_classify(const struct dst_ops *ops, const struct net_device *dev)
{
	struct dstleak_ops_key *key;

	/* IPv4 first: the most common, and not in the ops map. */
	if (ops == dstleak_ipv4_ops)
		return (struct dstleak_class){ dstleak_ns_of_dev(dev),
					       DSTLEAK_FAM_IPV4 };
	key = dstleak_addr_lookup(ops);
	if (key)
		return (struct dstleak_class){ dstleak_ns_of_key(key),
					       key->family };
	return (struct dstleak_class){ dstleak_ns_of_dev(dev),
				       DSTLEAK_FAM_OTHER };
}

/*
 * The peak, never above the highest live count. Each CPU folds its own
 * change of the live count into ns->folded once it reaches
 * DSTLEAK_FOLD_BATCH either way; the other CPUs may then owe up to a batch
 * less one each (entries allocated on one CPU and freed on another), so a
 * fold raises the peak to what the live count is at least: ns->folded
 * less (CPUs - 1) * (DSTLEAK_FOLD_BATCH - 1) (netns.c). A read raises it
 * to the live count when that was exact (report.c). So the hot path makes
 * one atomic operation in DSTLEAK_FOLD_BATCH, and a peak no read saw is
 * short by at most 2 * (CPUs - 1) * (DSTLEAK_FOLD_BATCH - 1) entries.
 */
#define DSTLEAK_FOLD_BATCH 64

static __always_inline void
dstleak_count_alloc(struct dstleak_ns *ns, enum dstleak_family fam,
		    bool nocount)
{
	struct dstleak_fam_pcpu __percpu *c = &ns->pcpu->fam[fam];

	this_cpu_inc(c->allocs);
	if (nocount)
		this_cpu_inc(c->nocount_allocs);
	if (unlikely(this_cpu_inc_return(c->unfolded) >= DSTLEAK_FOLD_BATCH)) {
		this_cpu_sub(c->unfolded, DSTLEAK_FOLD_BATCH);
		dstleak_fold_live(ns, fam, DSTLEAK_FOLD_BATCH);
	}
}

static __always_inline void
dstleak_count_free(struct dstleak_ns *ns, enum dstleak_family fam,
		   bool nocount, bool preexisting)
{
	struct dstleak_fam_pcpu __percpu *c = &ns->pcpu->fam[fam];

	if (nocount)
		this_cpu_inc(c->nocount_frees);
	if (preexisting) {
		this_cpu_inc(c->frees_pre);
		return;
	}
	this_cpu_inc(c->frees);
	if (unlikely(this_cpu_dec_return(c->unfolded) <= -DSTLEAK_FOLD_BATCH)) {
		this_cpu_add(c->unfolded, DSTLEAK_FOLD_BATCH);
		dstleak_fold_live(ns, fam, -DSTLEAK_FOLD_BATCH);
	}
}

static __always_inline void
dstleak_count_failure(struct dstleak_ns *ns, enum dstleak_family fam)
{
	this_cpu_inc(ns->pcpu->fam[fam].failures);
}

#endif /* DSTLEAK_HOTPATH_H */
