// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: one struct dstleak_ns a namespace, created by
 * the pernet init hook and kept after the namespace exits for as long as
 * entries allocated in it are alive.
 *
 * Attribution of an entry to a namespace, decided once, at allocation:
 * - IPv6 and xfrm entries by their dst_ops, which live inside struct net
 *   (net->ipv6.ip6_dst_ops, net->xfrm.xfrm{4,6}_dst_ops): exact, even with
 *   no device;
 * - IPv4 entries (one global ipv4_dst_ops) and every other kind by the
 *   namespace of their device;
 * - entries with neither (a blackhole route, a metadata dst) by the initial
 *   namespace, and counted in "unattributed" when a device's namespace has
 *   no state (it is being torn down).
 */
#include <linux/hashtable.h>
#include <linux/proc_ns.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/route.h>
#include "dstleak.h"
#include "hotpath.h"

DEFINE_MUTEX(dstleak_ns_mutex);
LIST_HEAD(dstleak_ns_list);
const struct dst_ops *dstleak_ipv4_ops;
atomic_long_t dstleak_unattributed;

/*
 * dst_ops or struct net address -> namespace (hotpath.h); written under the
 * mutex, read under RCU.
 */
DEFINE_HASHTABLE(dstleak_ops_map, DSTLEAK_OPS_MAP_BITS);
static unsigned int dstleak_net_id;
/* Frees namespace records after a grace period, in process context. */
static struct workqueue_struct *dstleak_wq;
/* IPv4's kernel counter is global: its calibration and retired namespaces. */
static s64 ipv4_base, ipv4_retired;

struct dstleak_net {
	struct dstleak_ns __rcu *ns;
};

struct dstleak_ns *dstleak_ns_of_net(const struct net *net)
{
	struct dstleak_net *dn = net_generic(net, dstleak_net_id);

	return dn ? rcu_dereference(dn->ns) : NULL;
}

/* The initial namespace's record: it never exits (hotpath.h). */
struct dstleak_ns *dstleak_init_ns;

/* The peak after raising it to @live, if that is higher (hotpath.h). */
long dstleak_raise_peak(struct dstleak_ns *ns, enum dstleak_family fam,
			long live)
{
	long peak = atomic_long_read(&ns->peak[fam]);

	while (live > peak)
		if (atomic_long_try_cmpxchg(&ns->peak[fam], &peak, live))
			return live;
	return peak;
}

/* A CPU's batch of live changes reaches the shared count (hotpath.h). */
void dstleak_fold_live(struct dstleak_ns *ns, enum dstleak_family fam,
		       long delta)
{
	dstleak_raise_peak(ns, fam,
			   atomic_long_add_return(delta, &ns->folded[fam]));
}

/* A namespace without state, or exiting: counted in "unattributed". */
struct dstleak_ns *dstleak_unattributed_ns(void)
{
	atomic_long_inc(&dstleak_unattributed);
	return dstleak_init_ns;
}

void dstleak_fam_sum(struct dstleak_ns *ns, enum dstleak_family fam,
		     struct dstleak_fam_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct dstleak_fam_pcpu *c = &per_cpu_ptr(ns->pcpu, cpu)->fam[fam];

		sum->allocs += READ_ONCE(c->allocs);
		sum->frees += READ_ONCE(c->frees);
		sum->frees_pre += READ_ONCE(c->frees_pre);
		sum->failures += READ_ONCE(c->failures);
		sum->nocount_allocs += READ_ONCE(c->nocount_allocs);
		sum->nocount_frees += READ_ONCE(c->nocount_frees);
	}
}

/* What dstleak's events changed the kernel's counter by. */
s64 dstleak_counted_delta(struct dstleak_ns *ns, enum dstleak_family fam)
{
	struct dstleak_fam_sum s;

	dstleak_fam_sum(ns, fam, &s);
	return (s64)(s.allocs - s.nocount_allocs) -
	       (s64)(s.frees + s.frees_pre - s.nocount_frees);
}

/* The dst_ops a family uses in @net, when it is per namespace. */
struct dst_ops *dstleak_net_family_ops(struct net *net, enum dstleak_family fam)
{
	switch (fam) {
#if IS_ENABLED(CONFIG_IPV6)
	case DSTLEAK_FAM_IPV6:
		return &net->ipv6.ip6_dst_ops;
#endif
#ifdef CONFIG_XFRM
	case DSTLEAK_FAM_XFRM4:
		return &net->xfrm.xfrm4_dst_ops;
#if IS_ENABLED(CONFIG_IPV6)
	case DSTLEAK_FAM_XFRM6:
		return &net->xfrm.xfrm6_dst_ops;
#endif
#endif
	default:
		return NULL;
	}
}

/* An ops whose counter was never initialised (its family not set up). */
static bool ops_usable(struct dst_ops *ops)
{
	return ops && ops->pcpuc_entries.counters;
}

/*
 * The kernel's own counter of @fam in @ns, with the mutex held. IPv4's is
 * global and reported apart; exited namespaces have none.
 */
s64 dstleak_kernel_count(struct dstleak_ns *ns, enum dstleak_family fam,
			 bool *known)
{
	struct dst_ops *ops = ns->net ? dstleak_net_family_ops(ns->net, fam) : NULL;

	*known = ops_usable(ops);
	return *known ? dstleak_ops_entries(ops) : 0;
}

static void calibrate_ns(struct dstleak_ns *ns)
{
	enum dstleak_family fam;
	bool known;
	s64 kernel;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		kernel = dstleak_kernel_count(ns, fam, &known);
		if (known)
			ns->base[fam] = kernel - dstleak_counted_delta(ns, fam);
	}
}

static s64 ipv4_counted(void)
{
	struct dstleak_ns *ns;
	s64 sum = ipv4_retired;

	list_for_each_entry(ns, &dstleak_ns_list, list)
		sum += dstleak_counted_delta(ns, DSTLEAK_FAM_IPV4);
	return sum;
}

/*
 * Make "drift" zero as of now: run once the probes are live, so that what
 * happened between reading a counter and arming the probes is not drift.
 */
void dstleak_netns_calibrate(void)
{
	struct dstleak_ns *ns;

	mutex_lock(&dstleak_ns_mutex);
	list_for_each_entry(ns, &dstleak_ns_list, list)
		if (!ns->exited)
			calibrate_ns(ns);
	ipv4_base = dstleak_ops_entries((struct dst_ops *)dstleak_ipv4_ops) -
		    ipv4_counted();
	mutex_unlock(&dstleak_ns_mutex);
}

s64 dstleak_ipv4_base(void)
{
	return ipv4_base;
}

s64 dstleak_ipv4_retired(void)
{
	return ipv4_retired;
}

static void ns_free(struct dstleak_ns *ns)
{
	free_percpu(ns->ev);
	free_percpu(ns->pcpu);
	kfree(ns);
}

static void ns_free_work(struct work_struct *work)
{
	ns_free(container_of(to_rcu_work(work), struct dstleak_ns, free_work));
}

static void ns_add_key(struct dstleak_ns *ns, int i, const void *addr,
		       enum dstleak_family fam)
{
	ns->keys[i].addr = addr;
	ns->keys[i].ns = ns;
	ns->keys[i].family = fam;
}

static struct dstleak_ns *ns_alloc(struct net *net)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	int i = 0;

	ns = kzalloc(sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return NULL;
	ns->pcpu = alloc_percpu(struct dstleak_ns_pcpu);
	ns->ev = alloc_percpu(struct dstleak_ev_pcpu);
	if (!ns->pcpu || !ns->ev)
		goto err;
	ns->net = net;
	ns->inum = net->ns.inum;
	INIT_RCU_WORK(&ns->free_work, ns_free_work);
	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		struct dst_ops *ops = dstleak_net_family_ops(net, fam);

		if (ops)
			ns_add_key(ns, i++, ops, fam);
	}
	/* The namespace itself, for entries attributed by their device. */
	ns_add_key(ns, i, net, DSTLEAK_FAM_OTHER);
	return ns;

err:
	free_percpu(ns->ev);
	free_percpu(ns->pcpu);
	kfree(ns);
	return NULL;
}

static void ns_publish(struct dstleak_ns *ns)
{
	int i;

	list_add_tail(&ns->list, &dstleak_ns_list);
	for (i = 0; i < DSTLEAK_NR_OPS_KEYS; i++)
		if (ns->keys[i].addr)
			hash_add_rcu(dstleak_ops_map, &ns->keys[i].node,
				     (unsigned long)ns->keys[i].addr);
}

/* Unlink @ns (mutex held) and free it once no handler can see it. */
static void ns_retire(struct dstleak_ns *ns)
{
	int i;

	ipv4_retired += dstleak_counted_delta(ns, DSTLEAK_FAM_IPV4);
	for (i = 0; i < DSTLEAK_NR_OPS_KEYS; i++)
		if (ns->keys[i].addr)
			hash_del_rcu(&ns->keys[i].node);
	list_del(&ns->list);
	queue_rcu_work(dstleak_wq, &ns->free_work);
}

static bool ns_has_live(struct dstleak_ns *ns)
{
	enum dstleak_family fam;
	struct dstleak_fam_sum s;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		dstleak_fam_sum(ns, fam, &s);
		if (s.allocs != s.frees || atomic_long_read(&ns->untracked[fam]))
			return true;
	}
	return false;
}

/*
 * Forget exited namespaces whose last entry is gone. Mutex held. Only once
 * a grace period has passed since the exit: a handler that found the record
 * before it was marked exited may still be counting into it.
 */
void dstleak_prune_exited(void)
{
	struct dstleak_ns *ns, *tmp;

	lockdep_assert_held(&dstleak_ns_mutex);
	list_for_each_entry_safe(ns, tmp, &dstleak_ns_list, list)
		if (ns->exited && poll_state_synchronize_rcu(ns->exit_gp) &&
		    !ns_has_live(ns))
			ns_retire(ns);
}

static void prune_work_fn(struct work_struct *work)
{
	mutex_lock(&dstleak_ns_mutex);
	dstleak_prune_exited();
	mutex_unlock(&dstleak_ns_mutex);
}
static struct rcu_work dstleak_prune_work;

static int __net_init dstleak_net_init(struct net *net)
{
	struct dstleak_net *dn = net_generic(net, dstleak_net_id);
	struct dstleak_ns *ns;
	int err;

	ns = ns_alloc(net);
	if (!ns)
		return -ENOMEM;
	err = dstleak_procfs_net_init(net);
	if (err) {
		ns_free(ns);
		return err;
	}
	mutex_lock(&dstleak_ns_mutex);
	calibrate_ns(ns);
	ns_publish(ns);
	rcu_assign_pointer(dn->ns, ns);
	if (net_eq(net, &init_net))
		WRITE_ONCE(dstleak_init_ns, ns);
	mutex_unlock(&dstleak_ns_mutex);
	return 0;
}

static void __net_exit dstleak_net_exit(struct net *net)
{
	struct dstleak_net *dn = net_generic(net, dstleak_net_id);
	struct dstleak_ns *ns = rcu_dereference_protected(dn->ns, true);

	dstleak_procfs_net_exit(net);
	mutex_lock(&dstleak_ns_mutex);
	RCU_INIT_POINTER(dn->ns, NULL);
	WRITE_ONCE(ns->exited, true);
	ns->exit_gp = get_state_synchronize_rcu();
	ns->net = NULL;
	mutex_unlock(&dstleak_ns_mutex);
	/* Forgotten after a grace period if nothing of it is left by then. */
	queue_rcu_work(dstleak_wq, &dstleak_prune_work);
}

static struct pernet_operations dstleak_net_ops = {
	.init = dstleak_net_init,
	.exit = dstleak_net_exit,
	.id = &dstleak_net_id,
	.size = sizeof(struct dstleak_net),
};

/*
 * ipv4_dst_ops is static in net/ipv4/route.c. Every IPv4 route entry points
 * at it, so take its address from a route to the loopback address.
 */
static int find_ipv4_ops(void)
{
	struct flowi4 fl4 = { .daddr = htonl(INADDR_LOOPBACK) };
	struct rtable *rt;

	rt = ip_route_output_key(&init_net, &fl4);
	if (IS_ERR(rt)) {
		pr_err("cannot find the IPv4 dst_ops: no route to 127.0.0.1 (%ld)\n",
		       PTR_ERR(rt));
		return PTR_ERR(rt);
	}
	dstleak_ipv4_ops = rt->dst.ops;
	ip_rt_put(rt);
	return 0;
}

int dstleak_netns_init(void)
{
	int err;

	err = find_ipv4_ops();
	if (err)
		return err;
	dstleak_wq = alloc_workqueue("dstleak", 0, 0);
	if (!dstleak_wq)
		return -ENOMEM;
	INIT_RCU_WORK(&dstleak_prune_work, prune_work_fn);
	err = register_pernet_subsys(&dstleak_net_ops);
	if (err)
		destroy_workqueue(dstleak_wq);
	return err;
}

/* After the probes are gone: nothing can reach the namespaces any more. */
void dstleak_netns_exit(void)
{
	struct dstleak_ns *ns, *tmp;

	unregister_pernet_subsys(&dstleak_net_ops);
	/* Let a queued prune run before the records go from under it. */
	rcu_barrier();
	flush_workqueue(dstleak_wq);
	synchronize_rcu();
	mutex_lock(&dstleak_ns_mutex);
	list_for_each_entry_safe(ns, tmp, &dstleak_ns_list, list) {
		list_del(&ns->list);
		ns_free(ns);
	}
	hash_init(dstleak_ops_map);
	mutex_unlock(&dstleak_ns_mutex);
	/* Records retired earlier may still wait in queue_rcu_work(). */
	rcu_barrier();
	destroy_workqueue(dstleak_wq);
}
