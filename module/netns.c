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
 * - an IPv4 blackhole route (no device yet) by its caller's namespace, when
 *   the hint of ipv4_blackhole_route()'s probe reached it (blackhole.c);
 * - entries with neither (a metadata dst, a blackhole route without its
 *   hint) by the initial namespace.
 * What cannot be attributed goes to the unattributed bucket, a record of
 * the same kind that is never listed as a namespace and never has a drift:
 * allocations in a namespace that has no state (being created) or has
 * exited (being torn down), frees of untracked entries that prove nothing
 * (probes.c), and the untracked ipv4/other entries of exited namespaces,
 * whose frees can no longer be matched by device (orphaned).
 *
 * A namespace's state is found by address (the ops map, hotpath.h), by the
 * hot path and by every report alike. An exited namespace is retired (its
 * state freed) once nothing of it is live.
 */
#include <linux/delay.h>
#include <linux/hashtable.h>
#include <linux/proc_ns.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include "dstleak.h"
#include "hotpath.h"

DEFINE_MUTEX(dstleak_ns_mutex);
LIST_HEAD(dstleak_ns_list);
const struct dst_ops *dstleak_ipv4_ops;

/*
 * dst_ops or struct net address -> namespace (hotpath.h); written under the
 * mutex, read under RCU.
 */
DEFINE_HASHTABLE(dstleak_ops_map, DSTLEAK_OPS_MAP_BITS);
/* Frees namespace records after a grace period, in process context. */
static struct workqueue_struct *dstleak_wq;
/* IPv4's kernel counter is global: its calibration and retired namespaces. */
static s64 ipv4_base, ipv4_retired;
/* Cookies for namespaces on kernels that have none (bit 63 set). */
static atomic64_t dstleak_cookie_seq = ATOMIC64_INIT(0);

/* The initial namespace's record: it never exits (hotpath.h). */
struct dstleak_ns *dstleak_init_ns;
/* The unattributed bucket: never listed, never exits. */
struct dstleak_ns *dstleak_unattr;

static void prune_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(dstleak_prune_work, prune_work_fn);
#define DSTLEAK_PRUNE_INTERVAL (10 * HZ)

/*
 * The state of a live namespace, under RCU (or the mutex); NULL if it has
 * none (it is being created, or has exited).
 */
struct dstleak_ns *dstleak_ns_of_net_rcu(const struct net *net)
{
	struct dstleak_ops_key *key = net ? dstleak_addr_lookup(net) : NULL;

	if (!key || key->ns->net_addr != net || READ_ONCE(key->ns->exited))
		return NULL;
	return key->ns;
}

/* What is live of @fam in @ns, given its sums. */
long dstleak_live(struct dstleak_ns *ns, enum dstleak_family fam,
		  const struct dstleak_fam_sum *sum)
{
	return (long)(sum->allocs - sum->frees) -
	       atomic_long_read(&ns->orphaned[fam]);
}

struct net *dstleak_ns_net_locked(struct dstleak_ns *ns)
{
	return rcu_dereference_protected(ns->net,
					 lockdep_is_held(&dstleak_ns_mutex));
}

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

/*
 * What the other CPUs may owe the shared count: each holds back less than a
 * batch either way (hotpath.h). Set at init.
 */
static long fold_slack;

/*
 * A CPU's batch of live changes reaches the shared count (hotpath.h). The
 * folding CPU owes nothing now, each other one at most a batch less one
 * freed: the live count is at least the shared count less fold_slack, and
 * only that may raise the peak.
 */
void dstleak_fold_live(struct dstleak_ns *ns, enum dstleak_family fam,
		       long delta)
{
	long folded = atomic_long_add_return(delta, &ns->folded[fam]);

	dstleak_raise_peak(ns, fam, folded - fold_slack -
			   atomic_long_read(&ns->orphaned[fam]));
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

/* The kernel's own counter of @fam in @net (NULL: exited, none). */
s64 dstleak_net_kernel_count(struct net *net, enum dstleak_family fam,
			     bool *known)
{
	struct dst_ops *ops = net ? dstleak_net_family_ops(net, fam) : NULL;

	*known = ops_usable(ops);
	return *known ? dstleak_ops_entries(ops) : 0;
}

/*
 * The kernel's own counter of @fam in @ns, with the mutex held. IPv4's is
 * global and reported apart; exited namespaces have none.
 */
s64 dstleak_kernel_count(struct dstleak_ns *ns, enum dstleak_family fam,
			 bool *known)
{
	return dstleak_net_kernel_count(dstleak_ns_net_locked(ns), fam, known);
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
	s64 sum = ipv4_retired + dstleak_counted_delta(dstleak_unattr,
						       DSTLEAK_FAM_IPV4);

	list_for_each_entry(ns, &dstleak_ns_list, list)
		sum += dstleak_counted_delta(ns, DSTLEAK_FAM_IPV4);
	return sum;
}

/*
 * The kernel counts a free at the last dst_release(), dstleak when the
 * memory goes, after an RCU grace period (IPv6 fib entries chain one more).
 * Let those callbacks run.
 */
void dstleak_settle_rcu(void)
{
	rcu_barrier();
	rcu_barrier();
}

/*
 * Raise each sampled maximum to the drift now. Every race of the sample
 * with the traffic must make it come out low, never high: dstleak's counts
 * are read before the kernel's (an entry destroyed in between would raise
 * it), and the allocations under way (the kernel counted them, dstleak not
 * yet) are taken out. Mutex held.
 */
static void sample_drift(s64 *ipv4_max, s64 *ipv4_min)
{
	u64 returns = dstleak_alloc_returns_sum();
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	s64 ipv4, under_way;
	bool known;

	ipv4 = -ipv4_counted();
	list_for_each_entry(ns, &dstleak_ns_list, list)
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
			ns->calib_now[fam] = -dstleak_counted_delta(ns, fam);
	ipv4 += dstleak_ops_entries((struct dst_ops *)dstleak_ipv4_ops) - ipv4_base;
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
			s64 kernel = dstleak_kernel_count(ns, fam, &known);

			ns->calib_now[fam] = known ? ns->calib_now[fam] + kernel -
					     ns->base[fam] : S64_MIN;
		}
	}
	under_way = dstleak_allocs_under_way(returns);
	*ipv4_max = max(*ipv4_max, ipv4 - under_way);
	*ipv4_min = min(*ipv4_min, ipv4 - under_way);
	list_for_each_entry(ns, &dstleak_ns_list, list)
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
			if (ns->calib_now[fam] != S64_MIN)
				ns->calib_max[fam] = max(ns->calib_max[fam],
							 ns->calib_now[fam] - under_way);
}

static void calibrate_all(void)
{
	struct dstleak_ns *ns;
	enum dstleak_family fam;

	list_for_each_entry(ns, &dstleak_ns_list, list) {
		if (!ns->exited)
			calibrate_ns(ns);
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
			ns->calib_max[fam] = S64_MIN;
	}
	ipv4_base = dstleak_ops_entries((struct dst_ops *)dstleak_ipv4_ops) -
		    ipv4_counted();
}

static void apply_calibration(s64 ipv4_max)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;

	ipv4_base += ipv4_max;
	list_for_each_entry(ns, &dstleak_ns_list, list)
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
			if (ns->calib_max[fam] != S64_MIN)
				ns->base[fam] += ns->calib_max[fam];
}

/*
 * Make "drift" zero as of load, once the probes are live. Entries in flight
 * at that moment (released: the kernel has counted the free; not yet
 * destroyed: dstleak has not) would stay in the drift for good, and under
 * traffic some always are. Once they have landed (a settle), whatever is in
 * flight when a drift is read only lowers it, so the highest drift of
 * samples spread over a second or two is what the calibration got wrong
 * (at a sample with nothing in flight): take it out. The spread of the
 * global IPv4 samples is kept for the summary: 0 means nothing was ever in
 * flight, and the calibration is exact.
 */
#define DSTLEAK_CALIBRATION_SAMPLES 60
#define DSTLEAK_CALIBRATION_GAP_US 20000
/*
 * A small slack: an idle machine lets each sleep run to the end of its
 * range, and a range of 20 to 40 ms made every load wait 2.4 s, not 1.2.
 */
#define DSTLEAK_CALIBRATION_SLACK_US 1000

static s64 calibration_spread;

s64 dstleak_calibration_spread(void)
{
	return calibration_spread;
}

void dstleak_netns_calibrate(void)
{
	s64 ipv4_max = S64_MIN, ipv4_min = S64_MAX;
	int i;

	mutex_lock(&dstleak_ns_mutex);
	calibrate_all();
	mutex_unlock(&dstleak_ns_mutex);
	dstleak_settle_rcu();
	for (i = 0; i < DSTLEAK_CALIBRATION_SAMPLES; i++) {
		usleep_range(DSTLEAK_CALIBRATION_GAP_US,
			     DSTLEAK_CALIBRATION_GAP_US +
			     DSTLEAK_CALIBRATION_SLACK_US);
		mutex_lock(&dstleak_ns_mutex);
		sample_drift(&ipv4_max, &ipv4_min);
		mutex_unlock(&dstleak_ns_mutex);
	}
	mutex_lock(&dstleak_ns_mutex);
	apply_calibration(ipv4_max);
	calibration_spread = ipv4_max - ipv4_min;
	mutex_unlock(&dstleak_ns_mutex);
}

/* What the global IPv4 counter should read, from dstleak's counts. */
s64 dstleak_ipv4_expected(void)
{
	return ipv4_base + ipv4_counted();
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

/* A record with its counters, for a namespace or the bucket. */
static struct dstleak_ns *ns_alloc_bare(void)
{
	struct dstleak_ns *ns;

	ns = kzalloc(sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return NULL;
	ns->pcpu = alloc_percpu(struct dstleak_ns_pcpu);
	ns->ev = alloc_percpu(struct dstleak_ev_pcpu);
	if (!ns->pcpu || !ns->ev) {
		ns_free(ns);
		return NULL;
	}
	INIT_RCU_WORK(&ns->free_work, ns_free_work);
	return ns;
}

static u64 cookie_of(const struct net *net)
{
	u64 cookie = dstleak_net_cookie(net);

	return cookie ?: BIT_ULL(63) | atomic64_inc_return(&dstleak_cookie_seq);
}

static struct dstleak_ns *ns_alloc(struct net *net)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	int i = 0;

	ns = ns_alloc_bare();
	if (!ns)
		return NULL;
	RCU_INIT_POINTER(ns->net, net);
	ns->net_addr = net;
	ns->inum = net->ns.inum;
	ns->cookie = cookie_of(net);
	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		struct dst_ops *ops = dstleak_net_family_ops(net, fam);

		if (ops)
			ns_add_key(ns, i++, ops, fam);
	}
	/* The namespace itself, for entries attributed by their device. */
	ns_add_key(ns, i, net, DSTLEAK_FAM_OTHER);
	return ns;
}

/* Namespace records listed: a hint for the summary's buffer (debugfs.c). */
static unsigned int ns_listed;

unsigned int dstleak_ns_listed(void)
{
	return READ_ONCE(ns_listed);
}

static void ns_publish(struct dstleak_ns *ns)
{
	int i;

	list_add_tail(&ns->list, &dstleak_ns_list);
	WRITE_ONCE(ns_listed, ns_listed + 1);
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
	WRITE_ONCE(ns_listed, ns_listed - 1);
	queue_rcu_work(dstleak_wq, &ns->free_work);
}

static bool ns_has_live(struct dstleak_ns *ns)
{
	enum dstleak_family fam;
	struct dstleak_fam_sum s;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		dstleak_fam_sum(ns, fam, &s);
		if (dstleak_live(ns, fam, &s) ||
		    atomic_long_read(&ns->untracked[fam]))
			return true;
	}
	return false;
}

/* Families whose untracked frees are matched by device (probes.c). */
static bool matched_by_device(enum dstleak_family fam)
{
	return fam == DSTLEAK_FAM_IPV4 || fam == DSTLEAK_FAM_OTHER;
}

/*
 * An exited namespace's untracked ipv4/other entries can no longer be
 * matched (their devices are gone or elsewhere): hand them to the bucket.
 * No handler credits them here any more: a grace period has passed since
 * the namespace was marked exited.
 */
static void ns_orphan_untracked(struct dstleak_ns *ns)
{
	enum dstleak_family fam;
	long n;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		if (!matched_by_device(fam))
			continue;
		n = atomic_long_xchg(&ns->untracked[fam], 0);
		atomic_long_add(n, &ns->orphaned[fam]);
		atomic_long_add(n, &dstleak_unattr->orphaned[fam]);
	}
}

/* Forget exited namespaces whose last entry is gone. Mutex held. */
void dstleak_prune_exited(void)
{
	struct dstleak_ns *ns, *tmp;

	lockdep_assert_held(&dstleak_ns_mutex);
	list_for_each_entry_safe(ns, tmp, &dstleak_ns_list, list) {
		if (ns->exit_settled && !ns_has_live(ns))
			ns_retire(ns);
		cond_resched();
	}
}

static bool any_exited(void)
{
	struct dstleak_ns *ns;

	list_for_each_entry(ns, &dstleak_ns_list, list)
		if (ns->exited)
			return true;
	return false;
}

/* Runs while exited namespaces are listed, so their state is freed. */
static void prune_work_fn(struct work_struct *work)
{
	bool again;

	mutex_lock(&dstleak_ns_mutex);
	dstleak_prune_exited();
	again = any_exited();
	mutex_unlock(&dstleak_ns_mutex);
	if (again)
		queue_delayed_work(dstleak_wq, &dstleak_prune_work,
				   DSTLEAK_PRUNE_INTERVAL);
}

static int __net_init dstleak_net_init(struct net *net)
{
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
	if (net_eq(net, &init_net))
		WRITE_ONCE(dstleak_init_ns, ns);
	mutex_unlock(&dstleak_ns_mutex);
	return 0;
}

static void __net_exit dstleak_net_exit(struct net *net)
{
	struct dstleak_ns *ns;

	dstleak_procfs_net_exit(net);
	mutex_lock(&dstleak_ns_mutex);
	ns = dstleak_ns_of_net_rcu(net);
	if (ns) {
		WRITE_ONCE(ns->exited, true);
		RCU_INIT_POINTER(ns->net, NULL);
	}
	mutex_unlock(&dstleak_ns_mutex);
}

/*
 * After the exit hooks of a batch of namespaces: wait for every handler
 * that found them alive, and every report that holds one of their struct
 * net (under RCU), before the kernel frees them. Then hand over what can
 * no longer be matched, and let the prune work free their state.
 */
static void __net_exit dstleak_net_exit_batch(struct list_head *net_exit_list)
{
	struct dstleak_ns *ns;

	synchronize_rcu();
	mutex_lock(&dstleak_ns_mutex);
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		if (ns->exited && !ns->exit_settled) {
			ns_orphan_untracked(ns);
			ns->exit_settled = true;
		}
	}
	mutex_unlock(&dstleak_ns_mutex);
	mod_delayed_work(dstleak_wq, &dstleak_prune_work, 0);
}

static struct pernet_operations dstleak_net_ops = {
	.init = dstleak_net_init,
	.exit = dstleak_net_exit,
	.exit_batch = dstleak_net_exit_batch,
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
	fold_slack = (long)(num_possible_cpus() - 1) * (DSTLEAK_FOLD_BATCH - 1);
	dstleak_unattr = ns_alloc_bare();
	if (!dstleak_unattr)
		return -ENOMEM;
	dstleak_wq = alloc_workqueue("dstleak", 0, 0);
	if (!dstleak_wq) {
		ns_free(dstleak_unattr);
		return -ENOMEM;
	}
	err = register_pernet_subsys(&dstleak_net_ops);
	if (err) {
		destroy_workqueue(dstleak_wq);
		ns_free(dstleak_unattr);
	}
	return err;
}

/* After the probes are gone: nothing can reach the namespaces any more. */
void dstleak_netns_exit(void)
{
	struct dstleak_ns *ns, *tmp;

	unregister_pernet_subsys(&dstleak_net_ops);
	cancel_delayed_work_sync(&dstleak_prune_work);
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
	ns_free(dstleak_unattr);
	dstleak_unattr = NULL;
}
