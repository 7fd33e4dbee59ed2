// SPDX-License-Identifier: GPL-2.0
/*
 * dsthelper - test-only helper for the dstleak VM tests.
 *
 * The tests use this module as an independent source of truth: it allocates
 * a known number of dst entries through the kernel's own allocators
 * (rt_dst_alloc(), ip6_dst_alloc()), holds them, and releases them on request.
 * It also skews the per-namespace dst_ops entry counters to simulate a kernel
 * counter bug.  It is never built into or shipped with dstleak.
 *
 * Interface: /sys/kernel/debug/dsthelper/ctl (0600).  One command per write();
 * a trailing newline is allowed.  Commands act in the network namespace of the
 * writing task.  A malformed command fails with -EINVAL and changes nothing.
 *
 *   alloc4 DEV N      hold N (1..1000000) IPv4 dsts from
 *                     rt_dst_alloc(DEV, 0, RTN_UNICAST, false).
 *                     All or nothing: -ENOMEM (nothing kept) if one fails.
 *                     -ENODEV if DEV does not exist in the writer's netns.
 *   alloc6 DEV N      the same with ip6_dst_alloc(net, DEV, 0).
 *   try4 DEV N        attempt N (1..1000000) allocations as alloc4 does, hold
 *                     the entries that were allocated and add the number of
 *                     NULL returns to the namespace's failed4 count (an
 *                     independent count of allocation failures, for fault
 *                     injection). Not all or nothing: an attempt that fails
 *                     is counted and the next one is made. -ENOMEM if
 *                     bookkeeping memory runs out: the failures seen so far
 *                     stay counted, the entries of this command are released.
 *   try6 DEV N        the same with ip6_dst_alloc(); failed6.
 *   release           dst_release() every entry held for the writer's netns.
 *   release_all       dst_release() every held entry of every netns, also of
 *                     namespaces that have exited (write it from init_net).
 *   release_inum INUM dst_release() the entries recorded with netns inode INUM
 *                     (live or exited).  The kernel reuses netns inode numbers
 *                     as soon as a namespace has exited, so release an exited
 *                     namespace's entries before creating new namespaces.
 *   dead              set obsolete = DST_OBSOLETE_DEAD on every entry held for
 *                     the writer's netns (unlinked but still referenced).
 *   rehome4 DEV ADDR N  hold N IPv4 entries that the kernel itself puts on
 *                     its uncached list: output route lookups to ADDR, an
 *                     on-link address through DEV, with FLOWI_FLAG_KNOWN_NH
 *                     (see dsthelper_hold_rehomable_v4()).  Unregistering DEV
 *                     re-homes them to blackhole_netdev (dst_dev_put()), so
 *                     they outlive DEV and their namespace without pinning.
 *   rehome6 DEV ADDR N  the same for IPv6 (ip6_pol_route()'s KNOWN_NH clone).
 *                     On 6.1 and 6.12 such a clone also keeps its fib6_info
 *                     (rt->from), which holds DEV: deleting DEV then waits
 *                     for release like any pinned device.
 *   skew FAMILY K     dst_entries_add(ops, K) for FAMILY ipv6
 *                     (net->ipv6.ip6_dst_ops), xfrm4 or xfrm6
 *                     (net->xfrm.xfrm{4,6}_dst_ops); K is a signed int; the
 *                     total skew per (netns, FAMILY) must stay within
 *                     [-INT_MAX, INT_MAX].  -EOPNOTSUPP for xfrm4/xfrm6
 *                     without CONFIG_XFRM.
 *   unskew            undo every skew of the writer's netns exactly.
 *   vanish N          make dstleak's records of N (1..1000000) entries
 *                     stale, as a free that escapes dst_destroy() would:
 *                     dst_alloc() N entries (DST_NOCOUNT, no device, a
 *                     dst_ops and slab cache of the helper's own), free
 *                     their memory with kmem_cache_free() directly, then
 *                     destroy the cache so its pages go back to the page
 *                     allocator. Nothing of the kernel's state is touched.
 *   baddev            hold one entry (DST_NOCOUNT, a dst_ops and slab cache of
 *                     the helper's own, allocated with no device) whose
 *                     device pointer then leads to zeroed memory the helper
 *                     owns, named with bytes no real device name has (space,
 *                     tab, newline, '/', ':'): what a tracer reads when a
 *                     stale entry's memory now holds a pointer to arbitrary
 *                     bytes. -EBUSY if one is held. unbaddev (or unloading
 *                     the helper) frees it through dst_release_immediate().
 *   mdalloc N         hold N (1..1000000) metadata dsts from
 *                     metadata_dst_alloc(0, METADATA_IP_TUNNEL): no device,
 *                     no namespace (dstleak counts them in the initial
 *                     namespace, family other). All or nothing.
 *   mdfree            metadata_dst_free() every held metadata dst directly,
 *                     as nft_tunnel does: never through dst_destroy().
 *   mdrelease         dst_release() every held metadata dst: dst_destroy()
 *                     frees it (then metadata_dst_free()) after a grace
 *                     period. Unloading the helper does this too.
 *
 * Other errors: -EINTR if a fatal signal arrives while waiting for another
 * command to finish, -ENOMEM if bookkeeping memory runs out (nothing changes).
 * Commands with nothing to act on (release with nothing held, ...) succeed.
 *
 * Reading ctl prints one line per namespace that has held entries, a
 * non-zero skew or counted failures, in no particular order:
 *
 *   inum N held4 N held6 N skew_ipv6 N skew_xfrm4 N skew_xfrm6 N failed4 N
 *        failed6 N                                      (one line)
 *
 * failed4/failed6 (try4/try6) count for the namespace's lifetime: release
 * does not reset them; they go when the namespace exits.
 *
 * Test contract beyond the commands: the dst allocations of alloc4/alloc6
 * are made by the noinline functions dsthelper_hold_v4() and
 * dsthelper_hold_v6(), so a stack trace taken inside dst_alloc() shows those
 * names (directly below rt_dst_alloc() or ip6_dst_alloc()).  Tests match on
 * them; do not rename them.  The frames above them are not part of the
 * contract.
 *
 * Lifetime rules.  No reference is taken on a namespace: the tests delete
 * namespaces while entries are held (the dsts hold their devices, so the
 * namespace's cleanup waits until they are released, and the kernel logs
 * "unregister_netdevice: waiting for DEV to become free" every 10 s meanwhile;
 * that line is expected in such tests).  Entries are recorded with the net
 * pointer value and the netns inode number; a namespace is never
 * dereferenced after it may have exited.  A pernet exit hook marks the
 * namespace's record as exited (so a new namespace at the same address is
 * not confused with it) and forgets its skews without touching the counters,
 * which the kernel is about to destroy.  Held IPv4 entries of an exited
 * namespace stay held until release_all, release_inum or module unload.
 * Held IPv6 entries cannot outlive their namespace (dst->ops points into
 * struct net), so if the namespace exits anyway - possible only if their
 * device was moved to another namespace - the exit hook releases them.
 * Module unload undoes the skews of namespaces that are still alive and
 * releases everything.
 *
 * Locking: one mutex for all state; every path runs in process context and
 * never holds a spinlock, so this is fine on PREEMPT_RT.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/dst.h>
#include <net/dst_metadata.h>
#include <net/ip6_route.h>
#include <net/net_namespace.h>
#include <net/route.h>

/*
 * Kernel API differences, all in one place.
 *
 * rt_dst_alloc(dev, flags, type, noxfrm): the nopolicy argument was removed
 * in v6.0 by upstream commit "xfrm: no need to set DST_NOPOLICY in IPv4".
 * Both supported trees (6.1 and 6.12) have the four-argument form, and
 * ip6_dst_alloc(net, dev, flags), dst_release() and the dst_ops counters are
 * the same in both, so there is no compat code and no LINUX_VERSION_CODE
 * test; an older kernel fails to compile at the rt_dst_alloc() call in
 * dsthelper_hold_v4().  (dst_alloc() itself lost its initial_ref argument
 * and dst refcounts became rcuref_t between 6.1 and 6.12; the two wrappers
 * used here hide that.)
 *
 * rt_add_uncached_list() and rt6_uncached_list_add() are exported by
 * neither 6.1 nor 6.12, so rehome4/rehome6 let the kernel's own route
 * lookups put entries on those lists (FLOWI_FLAG_KNOWN_NH to an on-link
 * destination is never cached; the same code in both trees).
 */
#if !IS_ENABLED(CONFIG_IPV6)
#error "dsthelper needs CONFIG_IPV6"
#endif

#define DH_MAX_COUNT	1000000U	/* per alloc command */
#define DH_RESCHED	1024		/* allocations between cond_resched() */
#define DH_CMD_MAX	64		/* longest accepted command */
#define DH_MAX_ARGS	4

enum dh_family {
	DH_V4,
	DH_V6,
	DH_NR_FAMILIES,
};

enum dh_skew {
	DH_SKEW_IPV6,
	DH_SKEW_XFRM4,
	DH_SKEW_XFRM6,
	DH_NR_SKEWS,
};

static const char *const dh_skew_names[DH_NR_SKEWS] = {
	[DH_SKEW_IPV6]	= "ipv6",
	[DH_SKEW_XFRM4]	= "xfrm4",
	[DH_SKEW_XFRM6]	= "xfrm6",
};

/* One page of held dst pointers. */
struct dh_chunk {
	struct list_head node;
	unsigned int nr;
	struct dst_entry *dst[];
};

#define DH_CHUNK_SLOTS \
	((PAGE_SIZE - offsetof(struct dh_chunk, dst)) / sizeof(struct dst_entry *))

struct dh_set {
	struct list_head chunks;
	unsigned long nr;
};

/* Everything held or skewed for one network namespace. */
struct dh_ns {
	struct list_head node;
	struct net *net;	/* identity; dereferenced only while alive */
	unsigned int inum;
	bool exited;		/* the pernet exit hook ran for it */
	struct dh_set held[DH_NR_FAMILIES];
	int skew[DH_NR_SKEWS];
	unsigned long failed[DH_NR_FAMILIES];	/* NULL returns seen by try */
};

static DEFINE_MUTEX(dh_lock);	/* protects dh_nss and every dh_ns */
static LIST_HEAD(dh_nss);
static struct dentry *dh_dir;

static void dh_set_init(struct dh_set *set)
{
	INIT_LIST_HEAD(&set->chunks);
	set->nr = 0;
}

static int dh_set_add(struct dh_set *set, struct dst_entry *dst)
{
	struct dh_chunk *chunk = NULL;

	if (!list_empty(&set->chunks))
		chunk = list_last_entry(&set->chunks, struct dh_chunk, node);
	if (!chunk || chunk->nr == DH_CHUNK_SLOTS) {
		chunk = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!chunk)
			return -ENOMEM;
		chunk->nr = 0;
		list_add_tail(&chunk->node, &set->chunks);
	}
	chunk->dst[chunk->nr++] = dst;
	set->nr++;
	return 0;
}

/* Move every entry of @from to @to; @from is left empty. */
static void dh_set_splice(struct dh_set *from, struct dh_set *to)
{
	list_splice_tail_init(&from->chunks, &to->chunks);
	to->nr += from->nr;
	from->nr = 0;
}

/* dst_release() every entry of @set, freeing its chunks. */
static void dh_set_release(struct dh_set *set)
{
	struct dh_chunk *chunk, *tmp;
	unsigned int i;

	list_for_each_entry_safe(chunk, tmp, &set->chunks, node) {
		for (i = 0; i < chunk->nr; i++)
			dst_release(chunk->dst[i]);
		list_del(&chunk->node);
		kfree(chunk);
		cond_resched();
	}
	set->nr = 0;
}

static bool dh_ns_empty(const struct dh_ns *ns)
{
	int i;

	for (i = 0; i < DH_NR_FAMILIES; i++)
		if (ns->held[i].nr || ns->failed[i])
			return false;
	for (i = 0; i < DH_NR_SKEWS; i++)
		if (ns->skew[i])
			return false;
	return true;
}

static void dh_ns_put(struct dh_ns *ns)
{
	if (!dh_ns_empty(ns))
		return;
	list_del(&ns->node);
	kfree(ns);
}

static void dh_ns_release(struct dh_ns *ns)
{
	int i;

	for (i = 0; i < DH_NR_FAMILIES; i++)
		dh_set_release(&ns->held[i]);
	dh_ns_put(ns);
}

/* The live record of @net, or NULL. */
static struct dh_ns *dh_ns_find(const struct net *net)
{
	struct dh_ns *ns;

	lockdep_assert_held(&dh_lock);
	list_for_each_entry(ns, &dh_nss, node)
		if (!ns->exited && ns->net == net && ns->inum == net->ns.inum)
			return ns;
	return NULL;
}

static struct dh_ns *dh_ns_get(struct net *net)
{
	struct dh_ns *ns = dh_ns_find(net);
	int i;

	if (ns)
		return ns;
	ns = kzalloc(sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return NULL;
	ns->net = net;
	ns->inum = net->ns.inum;
	for (i = 0; i < DH_NR_FAMILIES; i++)
		dh_set_init(&ns->held[i]);
	list_add_tail(&ns->node, &dh_nss);
	return ns;
}

/* rt_dst_alloc() of every kernel the tests run on (Kbuild's greps). */
static struct rtable *dh_rt_dst_alloc(struct net_device *dev)
{
#if defined(DH_RT_DST_ALLOC_WILL_CACHE)
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false, false, false);
#elif defined(DH_RT_DST_ALLOC_NOPOLICY)
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false, false);
#else
	return rt_dst_alloc(dev, 0, RTN_UNICAST, false);
#endif
}

/*
 * The two allocating functions are part of the test contract: a stack trace
 * taken inside dst_alloc() must show dsthelper_hold_v4 or dsthelper_hold_v6.
 * noinline keeps their frames; __noclone keeps their symbol names exact.
 */
static noinline __noclone int dsthelper_hold_v4(struct net_device *dev,
						unsigned int n,
						struct dh_set *out)
{
	struct rtable *rt;
	unsigned int i;

	for (i = 0; i < n; i++) {
		rt = dh_rt_dst_alloc(dev);
		if (!rt)
			return -ENOMEM;
		if (dh_set_add(out, &rt->dst)) {
			dst_release(&rt->dst);
			return -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	return 0;
}

static noinline __noclone int dsthelper_hold_v6(struct net *net,
						struct net_device *dev,
						unsigned int n,
						struct dh_set *out)
{
	struct rt6_info *rt;
	unsigned int i;

	for (i = 0; i < n; i++) {
		rt = ip6_dst_alloc(net, dev, 0);
		if (!rt)
			return -ENOMEM;
		if (dh_set_add(out, &rt->dst)) {
			dst_release(&rt->dst);
			return -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	return 0;
}

static int dh_cmd_release(struct net *net)
{
	struct dh_ns *ns = dh_ns_find(net);

	if (ns)
		dh_ns_release(ns);
	return 0;
}

static int dh_cmd_release_all(void)
{
	struct dh_ns *ns, *tmp;

	list_for_each_entry_safe(ns, tmp, &dh_nss, node)
		dh_ns_release(ns);
	return 0;
}

static int dh_cmd_release_inum(unsigned int inum)
{
	struct dh_ns *ns, *tmp;

	list_for_each_entry_safe(ns, tmp, &dh_nss, node)
		if (ns->inum == inum)
			dh_ns_release(ns);
	return 0;
}

static int dh_cmd_dead(struct net *net)
{
	struct dh_ns *ns = dh_ns_find(net);
	struct dh_chunk *chunk;
	unsigned int i;
	int f;

	if (!ns)
		return 0;
	for (f = 0; f < DH_NR_FAMILIES; f++) {
		list_for_each_entry(chunk, &ns->held[f].chunks, node) {
			for (i = 0; i < chunk->nr; i++)
				WRITE_ONCE(chunk->dst[i]->obsolete,
					   DST_OBSOLETE_DEAD);
			cond_resched();
		}
	}
	return 0;
}

/*
 * Entries the kernel re-homes when their device goes: an output route lookup
 * with FLOWI_FLAG_KNOWN_NH to an on-link destination is never cached in the
 * FIB; the kernel puts the new entry on its uncached list instead (IPv4:
 * __mkroute_output(), IPv6: ip6_pol_route()), and rt_flush_dev() /
 * rt6_uncached_list_flush_dev() move it to blackhole_netdev on unregister.
 * Part of the test contract, like dsthelper_hold_v4().
 */
static noinline __noclone int dsthelper_hold_rehomable_v4(struct net *net,
							  struct net_device *dev,
							  __be32 daddr,
							  unsigned int n,
							  struct dh_set *out)
{
	struct rtable *rt;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct flowi4 fl4 = {
			.daddr = daddr,
			.flowi4_oif = dev->ifindex,
			.flowi4_flags = FLOWI_FLAG_KNOWN_NH,
		};

		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		if (dh_set_add(out, &rt->dst)) {
			ip_rt_put(rt);
			return -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	return 0;
}

static noinline __noclone int
dsthelper_hold_rehomable_v6(struct net *net, struct net_device *dev,
			    const struct in6_addr *daddr, unsigned int n,
			    struct dh_set *out)
{
	struct dst_entry *dst;
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		struct flowi6 fl6 = {
			.daddr = *daddr,
			.flowi6_oif = dev->ifindex,
			.flowi6_flags = FLOWI_FLAG_KNOWN_NH,
		};

		dst = ip6_route_output(net, NULL, &fl6);
		err = dst->error;
		if (err || dh_set_add(out, dst)) {
			dst_release(dst);
			return err ? err : -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	return 0;
}

/* What a hold command holds: plain entries, or ones the kernel re-homes. */
struct dh_what {
	enum dh_family family;
	bool rehomable;
	__be32 a4;
	struct in6_addr a6;
};

static int dh_hold(struct net *net, struct net_device *dev,
		   const struct dh_what *w, unsigned int n, struct dh_set *out)
{
	if (!w->rehomable)
		return w->family == DH_V4 ? dsthelper_hold_v4(dev, n, out) :
					    dsthelper_hold_v6(net, dev, n, out);
	return w->family == DH_V4 ?
	       dsthelper_hold_rehomable_v4(net, dev, w->a4, n, out) :
	       dsthelper_hold_rehomable_v6(net, dev, &w->a6, n, out);
}

/*
 * @net's record and its device @name (a reference): 0, or -ENOMEM or
 * -ENODEV with nothing held.
 */
static int dh_ns_dev_get(struct net *net, const char *name, struct dh_ns **ns,
			 struct net_device **dev)
{
	*ns = dh_ns_get(net);
	if (!*ns)
		return -ENOMEM;
	*dev = dev_get_by_name(net, name);
	if (!*dev) {
		dh_ns_put(*ns);
		return -ENODEV;
	}
	return 0;
}

/* All or nothing: the entries are kept only if every one was allocated. */
static int dh_cmd_hold(struct net *net, const struct dh_what *w,
		       const char *name, unsigned int n)
{
	struct net_device *dev;
	struct dh_set new;
	struct dh_ns *ns;
	int err;

	err = dh_ns_dev_get(net, name, &ns, &dev);
	if (err)
		return err;
	dh_set_init(&new);
	err = dh_hold(net, dev, w, n, &new);
	dev_put(dev);
	if (err) {
		dh_set_release(&new);
		dh_ns_put(ns);
		return err;
	}
	dh_set_splice(&new, &ns->held[w->family]);
	return 0;
}

static int dh_cmd_alloc(struct net *net, enum dh_family family,
			const char *name, unsigned int n)
{
	struct dh_what w = { .family = family };

	return dh_cmd_hold(net, &w, name, n);
}

/*
 * try4/try6: every attempt is made; the entries allocated are held, the NULL
 * returns counted in *@failed. -ENOMEM only if bookkeeping fails.
 */
static noinline __noclone int dsthelper_try(struct net *net,
					    struct net_device *dev,
					    enum dh_family family,
					    unsigned int n, struct dh_set *out,
					    unsigned long *failed)
{
	struct dst_entry *dst;
	struct rtable *rt4;
	struct rt6_info *rt6;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (family == DH_V4) {
			rt4 = dh_rt_dst_alloc(dev);
			dst = rt4 ? &rt4->dst : NULL;
		} else {
			rt6 = ip6_dst_alloc(net, dev, 0);
			dst = rt6 ? &rt6->dst : NULL;
		}
		if (!dst) {
			(*failed)++;
		} else if (dh_set_add(out, dst)) {
			dst_release(dst);
			return -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	return 0;
}

static int dh_cmd_try(struct net *net, enum dh_family family,
		      const char *name, unsigned int n)
{
	struct net_device *dev;
	struct dh_set new;
	struct dh_ns *ns;
	int err;

	err = dh_ns_dev_get(net, name, &ns, &dev);
	if (err)
		return err;
	dh_set_init(&new);
	err = dsthelper_try(net, dev, family, n, &new, &ns->failed[family]);
	dev_put(dev);
	if (err)
		dh_set_release(&new);
	else
		dh_set_splice(&new, &ns->held[family]);
	dh_ns_put(ns);
	return err;
}

static int dh_cmd_rehome(struct net *net, enum dh_family family,
			 const char *name, const char *addr, unsigned int n)
{
	struct dh_what w = { .family = family, .rehomable = true };

	if (family == DH_V4 ? !in4_pton(addr, -1, (u8 *)&w.a4, -1, NULL) :
			      !in6_pton(addr, -1, w.a6.s6_addr, -1, NULL))
		return -EINVAL;
	return dh_cmd_hold(net, &w, name, n);
}

/* The dst_ops of @net counted by @skew, or NULL if not built in. */
static struct dst_ops *dh_skew_ops(struct net *net, enum dh_skew skew)
{
	switch (skew) {
	case DH_SKEW_IPV6:
		return &net->ipv6.ip6_dst_ops;
#ifdef CONFIG_XFRM
	case DH_SKEW_XFRM4:
		return &net->xfrm.xfrm4_dst_ops;
	case DH_SKEW_XFRM6:
		return &net->xfrm.xfrm6_dst_ops;
#endif
	default:
		return NULL;
	}
}

static int dh_cmd_skew(struct net *net, enum dh_skew skew, int k)
{
	struct dst_ops *ops = dh_skew_ops(net, skew);
	struct dh_ns *ns;
	int total;

	if (!ops)
		return -EOPNOTSUPP;
	ns = dh_ns_get(net);
	if (!ns)
		return -ENOMEM;
	if (check_add_overflow(ns->skew[skew], k, &total) || total == INT_MIN) {
		dh_ns_put(ns);
		return -EINVAL;
	}
	dst_entries_add(ops, k);
	ns->skew[skew] = total;
	dh_ns_put(ns);
	return 0;
}

/* Undo the skews of @ns, whose namespace must still be alive. */
static void dh_ns_unskew(struct dh_ns *ns)
{
	int i;

	for (i = 0; i < DH_NR_SKEWS; i++) {
		if (!ns->skew[i])
			continue;
		dst_entries_add(dh_skew_ops(ns->net, i), -ns->skew[i]);
		ns->skew[i] = 0;
	}
}

static int dh_cmd_unskew(struct net *net)
{
	struct dh_ns *ns = dh_ns_find(net);

	if (ns) {
		dh_ns_unskew(ns);
		dh_ns_put(ns);
	}
	return 0;
}

/* An uncounted entry of @ops with no device: it holds no reference. */
static struct dst_entry *dh_alloc_nodev(struct dst_ops *ops)
{
#ifdef DH_DST_ALLOC_INITIAL_REF
	return dst_alloc(ops, NULL, 1, DST_OBSOLETE_NONE, DST_NOCOUNT);
#else
	return dst_alloc(ops, NULL, DST_OBSOLETE_NONE, DST_NOCOUNT);
#endif
}

/*
 * vanish: entries whose memory goes without dst_destroy(). dst_alloc()
 * with DST_NOCOUNT and no device touches no counter and takes no
 * reference, so freeing the memory directly leaves nothing behind but the
 * records a tracer made.
 */
static noinline __noclone int dsthelper_vanish(unsigned int n)
{
	struct dst_ops ops = { .family = AF_UNSPEC };
	struct dst_entry *dst;
	unsigned int i;
	int err = 0;

	ops.kmem_cachep = kmem_cache_create("dsthelper_vanish",
					    sizeof(struct dst_entry), 0, 0, NULL);
	if (!ops.kmem_cachep)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		dst = dh_alloc_nodev(&ops);
		if (!dst) {
			err = -ENOMEM;
			break;
		}
		kmem_cache_free(ops.kmem_cachep, dst);
		if (!(i % DH_RESCHED))
			cond_resched();
	}
	kmem_cache_destroy(ops.kmem_cachep);
	return err;
}

/* baddev: one entry whose device pointer leads to a hostile name. */
static struct dst_ops dh_bad_ops = { .family = AF_UNSPEC };
static struct dst_entry *dh_bad_dst;
static struct net_device *dh_bad_dev;

static int dh_cmd_baddev(void)
{
	static const char name[] = "b d\nx\ty/z:";

	BUILD_BUG_ON(sizeof(name) > IFNAMSIZ);
	if (dh_bad_dst)
		return -EBUSY;
	dh_bad_ops.kmem_cachep = kmem_cache_create("dsthelper_baddev",
						   sizeof(struct dst_entry),
						   0, 0, NULL);
	dh_bad_dev = kzalloc(sizeof(*dh_bad_dev), GFP_KERNEL);
	if (dh_bad_ops.kmem_cachep && dh_bad_dev)
		dh_bad_dst = dh_alloc_nodev(&dh_bad_ops);
	if (!dh_bad_dst) {
		kfree(dh_bad_dev);
		kmem_cache_destroy(dh_bad_ops.kmem_cachep);
		return -ENOMEM;
	}
	memcpy(dh_bad_dev->name, name, sizeof(name));
	WRITE_ONCE(dh_bad_dst->dev, dh_bad_dev);
	return 0;
}

/* The entry holds no reference on the fake device: free it device-less. */
static int dh_cmd_unbaddev(void)
{
	if (!dh_bad_dst)
		return 0;
	WRITE_ONCE(dh_bad_dst->dev, NULL);
	dst_release_immediate(dh_bad_dst);
	dh_bad_dst = NULL;
	kfree(dh_bad_dev);
	dh_bad_dev = NULL;
	kmem_cache_destroy(dh_bad_ops.kmem_cachep);
	return 0;
}

/* mdalloc/mdfree/mdrelease: metadata dsts, held apart from any namespace. */
static struct dh_set dh_md;

static int dh_cmd_mdalloc(unsigned int n)
{
	struct metadata_dst *md;
	struct dh_set new;
	unsigned int i;

	dh_set_init(&new);
	for (i = 0; i < n; i++) {
		md = metadata_dst_alloc(0, METADATA_IP_TUNNEL, GFP_KERNEL);
		if (!md || dh_set_add(&new, &md->dst)) {
			if (md)
				metadata_dst_free(md);
			dh_set_release(&new);
			return -ENOMEM;
		}
		if (i % DH_RESCHED == DH_RESCHED - 1)
			cond_resched();
	}
	dh_set_splice(&new, &dh_md);
	return 0;
}

static int dh_cmd_mdfree(void)
{
	struct dh_chunk *chunk, *tmp;
	unsigned int i;

	list_for_each_entry_safe(chunk, tmp, &dh_md.chunks, node) {
		for (i = 0; i < chunk->nr; i++)
			metadata_dst_free(container_of(chunk->dst[i],
						       struct metadata_dst,
						       dst));
		list_del(&chunk->node);
		kfree(chunk);
		cond_resched();
	}
	dh_md.nr = 0;
	return 0;
}

static int dh_parse_count(const char *s, unsigned int *n)
{
	if (kstrtouint(s, 10, n) || *n == 0 || *n > DH_MAX_COUNT)
		return -EINVAL;
	return 0;
}

static int dh_parse_dev(const char *s)
{
	size_t len = strlen(s);

	return len && len < IFNAMSIZ ? 0 : -EINVAL;
}

/* Parse and run one command; called with dh_lock held. */
static int dh_run(struct net *net, int argc, char **argv)
{
	const char *cmd = argv[0];
	unsigned int n;
	int i, k;

	if (argc == 3 && (!strcmp(cmd, "alloc4") || !strcmp(cmd, "alloc6"))) {
		if (dh_parse_dev(argv[1]) || dh_parse_count(argv[2], &n))
			return -EINVAL;
		return dh_cmd_alloc(net, cmd[5] == '4' ? DH_V4 : DH_V6,
				    argv[1], n);
	}
	if (argc == 3 && (!strcmp(cmd, "try4") || !strcmp(cmd, "try6"))) {
		if (dh_parse_dev(argv[1]) || dh_parse_count(argv[2], &n))
			return -EINVAL;
		return dh_cmd_try(net, cmd[3] == '4' ? DH_V4 : DH_V6,
				  argv[1], n);
	}
	if (argc == 4 && (!strcmp(cmd, "rehome4") || !strcmp(cmd, "rehome6"))) {
		if (dh_parse_dev(argv[1]) || dh_parse_count(argv[3], &n))
			return -EINVAL;
		return dh_cmd_rehome(net, cmd[6] == '4' ? DH_V4 : DH_V6,
				     argv[1], argv[2], n);
	}
	if (argc == 3 && !strcmp(cmd, "skew")) {
		i = match_string(dh_skew_names, DH_NR_SKEWS, argv[1]);
		if (i < 0 || kstrtoint(argv[2], 10, &k))
			return -EINVAL;
		return dh_cmd_skew(net, i, k);
	}
	if (argc == 2 && !strcmp(cmd, "vanish")) {
		if (dh_parse_count(argv[1], &n))
			return -EINVAL;
		return dsthelper_vanish(n);
	}
	if (argc == 2 && !strcmp(cmd, "mdalloc")) {
		if (dh_parse_count(argv[1], &n))
			return -EINVAL;
		return dh_cmd_mdalloc(n);
	}
	if (argc == 2 && !strcmp(cmd, "release_inum")) {
		if (kstrtouint(argv[1], 10, &n))
			return -EINVAL;
		return dh_cmd_release_inum(n);
	}
	if (argc != 1)
		return -EINVAL;
	if (!strcmp(cmd, "release"))
		return dh_cmd_release(net);
	if (!strcmp(cmd, "release_all"))
		return dh_cmd_release_all();
	if (!strcmp(cmd, "dead"))
		return dh_cmd_dead(net);
	if (!strcmp(cmd, "unskew"))
		return dh_cmd_unskew(net);
	if (!strcmp(cmd, "baddev"))
		return dh_cmd_baddev();
	if (!strcmp(cmd, "unbaddev"))
		return dh_cmd_unbaddev();
	if (!strcmp(cmd, "mdfree"))
		return dh_cmd_mdfree();
	if (!strcmp(cmd, "mdrelease")) {
		dh_set_release(&dh_md);
		return 0;
	}
	return -EINVAL;
}

static ssize_t dh_write(struct file *file, const char __user *ubuf,
			size_t len, loff_t *ppos)
{
	char buf[DH_CMD_MAX], *argv[DH_MAX_ARGS], *p, *word;
	struct net *net = current->nsproxy->net_ns;
	int argc = 0;
	int err;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';

	p = buf;
	while ((word = strsep(&p, " \t\n"))) {
		if (!*word)
			continue;
		if (argc == DH_MAX_ARGS)
			return -EINVAL;
		argv[argc++] = word;
	}
	if (!argc)
		return -EINVAL;

	err = mutex_lock_killable(&dh_lock);
	if (err)
		return err;
	err = dh_run(net, argc, argv);
	mutex_unlock(&dh_lock);
	return err ? err : len;
}

static int dh_show(struct seq_file *m, void *v)
{
	struct dh_ns *ns;
	int err;

	err = mutex_lock_killable(&dh_lock);
	if (err)
		return err;
	list_for_each_entry(ns, &dh_nss, node) {
		if (dh_ns_empty(ns))
			continue;
		seq_printf(m,
			   "inum %u held4 %lu held6 %lu skew_ipv6 %d skew_xfrm4 %d skew_xfrm6 %d failed4 %lu failed6 %lu\n",
			   ns->inum, ns->held[DH_V4].nr, ns->held[DH_V6].nr,
			   ns->skew[DH_SKEW_IPV6], ns->skew[DH_SKEW_XFRM4],
			   ns->skew[DH_SKEW_XFRM6], ns->failed[DH_V4],
			   ns->failed[DH_V6]);
	}
	mutex_unlock(&dh_lock);
	return 0;
}

static int dh_open(struct inode *inode, struct file *file)
{
	return single_open(file, dh_show, NULL);
}

static const struct file_operations dh_fops = {
	.owner		= THIS_MODULE,
	.open		= dh_open,
	.read		= seq_read,
	.write		= dh_write,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/*
 * Runs before the kernel's own IPv6 and xfrm pernet exits (those were
 * registered earlier, and exits run in reverse order), so the namespace's
 * dst_ops are still intact here.
 */
static void __net_exit dh_net_exit(struct net *net)
{
	struct dh_ns *ns;

	mutex_lock(&dh_lock);
	ns = dh_ns_find(net);
	if (ns) {
		ns->exited = true;
		memset(ns->skew, 0, sizeof(ns->skew));
		memset(ns->failed, 0, sizeof(ns->failed));
		if (ns->held[DH_V6].nr) {
			pr_warn("netns %u exits with %lu IPv6 dsts held (device moved away?); releasing them\n",
				ns->inum, ns->held[DH_V6].nr);
			dh_set_release(&ns->held[DH_V6]);
		}
		dh_ns_put(ns);
	}
	mutex_unlock(&dh_lock);
}

static struct pernet_operations dh_net_ops = {
	.exit = dh_net_exit,
};

static int __init dh_init(void)
{
	int err;

	dh_set_init(&dh_md);
	err = register_pernet_subsys(&dh_net_ops);
	if (err)
		return err;

	dh_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	if (IS_ERR(dh_dir)) {
		unregister_pernet_subsys(&dh_net_ops);
		return PTR_ERR(dh_dir);
	}
	debugfs_create_file("ctl", 0600, dh_dir, NULL, &dh_fops);
	return 0;
}

static void __exit dh_exit(void)
{
	struct dh_ns *ns, *tmp;

	/* Waits for readers and writers in progress; no new ones after this. */
	debugfs_remove_recursive(dh_dir);

	/*
	 * A record not marked exited belongs to a namespace whose kernel
	 * dst_ops are intact: before they go away, its exit would have to take
	 * dh_lock in dh_net_exit().  Records marked exited hold no skews and
	 * no IPv6 entries, only IPv4 entries, whose dst_ops are global.
	 */
	mutex_lock(&dh_lock);
	list_for_each_entry_safe(ns, tmp, &dh_nss, node) {
		if (!ns->exited)
			dh_ns_unskew(ns);
		memset(ns->failed, 0, sizeof(ns->failed));
		dh_ns_release(ns);
	}
	dh_cmd_unbaddev();
	dh_set_release(&dh_md);
	mutex_unlock(&dh_lock);

	unregister_pernet_subsys(&dh_net_ops);
}

module_init(dh_init);
module_exit(dh_exit);

MODULE_DESCRIPTION("dstleak test helper: allocates, holds and releases dst entries");
MODULE_LICENSE("GPL");
