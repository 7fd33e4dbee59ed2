// SPDX-License-Identifier: GPL-2.0
/* The text rows of the export format (dstleak_format.h), for every file. */
#include <linux/utsname.h>
#include <net/net_namespace.h>
#include "dstleak.h"

/* In enum order: the same list made the enum. */
#define DSTLEAK_FAMILY_NAME(id, name) \
	[DSTLEAK_FAM_##id] = name,
static const char *const dstleak_family_names[] = {
	DSTLEAK_FAMILIES(DSTLEAK_FAMILY_NAME)
};

const char *dstleak_family_name(enum dstleak_family fam)
{
	return dstleak_family_names[fam];
}

void dstleak_show_header(struct seq_file *m)
{
	seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
	seq_printf(m, "module %s\n", DSTLEAK_MODULE_VERSION);
	seq_printf(m, "kernel %s\n", init_utsname()->release);
}

/*
 * What this kernel lets dstleak do, so that a degraded build says so: stack
 * capture, an ftrace hook the ftrace_enabled sysctl cannot switch off, the
 * kernel's own netns cookie, limits that can fail allocations, and how
 * much of the metadata entries' frees it can count.
 */
void dstleak_show_features(struct seq_file *m)
{
	seq_printf(m, "features stacks %d ftrace_permanent %d netns_cookie %s limits_enforceable %d metadata_frees %s\n",
		   DSTLEAK_FEATURE_STACKS, DSTLEAK_FTRACE_OPS_PERMANENT != 0,
		   dstleak_net_cookie(&init_net) ? "kernel" : "dstleak",
		   DSTLEAK_FEATURE_GC_INT, dstleak_metadata_frees_word());
}

/* The end line of a file shown in one go: the lines in the buffer so far. */
void dstleak_show_end_counted(struct seq_file *m)
{
	unsigned long lines = 0;
	size_t i;

	/* An overflowed buffer is shown again, larger: its count is moot. */
	if (seq_has_overflowed(m))
		return;
	for (i = 0; i < m->count; i++)
		lines += m->buf[i] == '\n';
	dstleak_show_end(m, lines);
}

void dstleak_show_end(struct seq_file *m, unsigned long lines_before)
{
	seq_printf(m, "end lines %lu\n", lines_before);
}

static void show_value(struct seq_file *m, const char *name, bool known, s64 v)
{
	if (known)
		seq_printf(m, " %s %lld", name, v);
	else
		seq_printf(m, " %s -", name);
}

/*
 * The live count of @fam in @ns, with its sums in @s and the peak after
 * the read in @peak. The per-CPU counters are summed twice: when the two
 * sums agree, no counter moved between them (they only grow), so the
 * count was exact at that moment and may raise the stored peak. Under
 * traffic it is shown, but not kept: a count summed while entries move
 * between CPUs can exceed every live count there was.
 */
static long read_live(struct dstleak_ns *ns, enum dstleak_family fam,
		      struct dstleak_fam_sum *s, long *peak)
{
	long orphaned = atomic_long_read(&ns->orphaned[fam]);
	struct dstleak_fam_sum again;
	long live;

	dstleak_fam_sum(ns, fam, s);
	live = dstleak_live(ns, fam, s);
	dstleak_fam_sum(ns, fam, &again);
	if (again.allocs == s->allocs && again.frees == s->frees &&
	    atomic_long_read(&ns->orphaned[fam]) == orphaned)
		*peak = dstleak_raise_peak(ns, fam, live);
	else
		*peak = atomic_long_read(&ns->peak[fam]);
	return live;
}

static bool max_size_of(struct net *net, enum dstleak_family fam, s64 *v)
{
#if IS_ENABLED(CONFIG_IPV6)
	/* Set up with the routes' state, none where IPv6 is not. */
	if (net && fam == DSTLEAK_FAM_IPV6 && READ_ONCE(net->ipv6.rt6_stats)) {
		*v = READ_ONCE(net->ipv6.sysctl.ip6_rt_max_size);
		return true;
	}
#endif
	return false;
}

/*
 * Whether reaching the limit fails allocations: where dst_ops.gc returns
 * int, dst_alloc() fails when it says so (before "ipv6: remove max_size
 * check inline with ipv4", which stable and vendor trees backported).
 */
static bool limit_enforced(const struct dst_ops *ops)
{
#ifdef DSTLEAK_HAVE_DST_OPS_GC_INT
	return ops && ops->gc;
#else
	return false;
#endif
}

/* One "ns" line; @net is NULL for an exited namespace. */
static void show_ns_family(struct seq_file *m, struct dstleak_ns *ns,
			   struct net *net, enum dstleak_family fam)
{
	struct dst_ops *ops = net ? dstleak_net_family_ops(net, fam) : NULL;
	struct dstleak_fam_sum s;
	bool known, has_max;
	s64 kernel, max_size = 0;
	long live, peak;

	live = read_live(ns, fam, &s, &peak);
	kernel = dstleak_net_kernel_count(net, fam, &known);
	has_max = max_size_of(net, fam, &max_size);
	seq_printf(m, "ns %u %s %s cookie %llu allocs %llu frees %llu frees_preexisting %llu live %lld peak %lld failures %llu untracked %ld orphaned %ld",
		   ns->inum, net ? "alive" : "exited",
		   dstleak_family_name(fam), ns->cookie, s.allocs, s.frees,
		   s.frees_pre, (s64)live, (s64)max(peak, live),
		   s.failures, atomic_long_read(&ns->untracked[fam]),
		   atomic_long_read(&ns->orphaned[fam]));
	show_value(m, "kernel", known, kernel);
	show_value(m, "drift", known,
		   kernel - ns->base[fam] - dstleak_counted_delta(ns, fam));
	show_value(m, "gc_thresh", known && ops, ops ? ops->gc_thresh : 0);
	show_value(m, "max_size", has_max, max_size);
	seq_printf(m, " limit_enforced %d\n", limit_enforced(ops));
}

static void show_ns(struct seq_file *m, struct dstleak_ns *ns, struct net *net)
{
	enum dstleak_family fam;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
		show_ns_family(m, ns, net, fam);
	dstleak_show_events(m, ns, net);
}

static s64 ipv4_kernel(void)
{
	return dstleak_ops_entries((struct dst_ops *)dstleak_ipv4_ops);
}

static void show_global_ipv4(struct seq_file *m)
{
	s64 kernel = ipv4_kernel(), expected = dstleak_ipv4_expected();

	seq_printf(m, "global ipv4 kernel %lld expected %lld drift %lld\n",
		   kernel, expected, kernel - expected);
}

/* Whether every drift shown would be 0. Mutex held. */
static bool drift_zero(void)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	bool known;
	s64 kernel;

	if (ipv4_kernel() != dstleak_ipv4_expected())
		return false;
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
			kernel = dstleak_kernel_count(ns, fam, &known);
			if (known && kernel != ns->base[fam] +
					      dstleak_counted_delta(ns, fam))
				return false;
		}
		cond_resched();
	}
	return true;
}

/*
 * Wait for frees in flight: released (the kernel has counted them) but not
 * yet destroyed (dstleak has not). A drift still there after a few rounds
 * is the kernel's.
 */
#define DSTLEAK_SETTLE_ROUNDS 3

static void settle(void)
{
	bool zero;
	int i;

	for (i = 0; i < DSTLEAK_SETTLE_ROUNDS; i++) {
		dstleak_settle_rcu();
		mutex_lock(&dstleak_ns_mutex);
		zero = drift_zero();
		mutex_unlock(&dstleak_ns_mutex);
		if (zero)
			return;
	}
}

static void show_tracking(struct seq_file *m)
{
	unsigned int max = dstleak_track_max();

	seq_printf(m, "tracking tracked %llu overflow %llu bytes %zu max %u entry_bytes %zu steal_misses %llu irqoff_max_ns %llu\n",
		   dstleak_track_count(), dstleak_track_overflow(),
		   dstleak_track_bytes(), max,
		   max ? dstleak_track_bytes() / max : 0,
		   dstleak_track_steal_misses(), dstleak_track_irqoff_max_ns());
	seq_printf(m, "stacks enabled %d sample %u failures %lu\n",
		   READ_ONCE(dstleak_stacks), READ_ONCE(dstleak_stack_sample),
		   dstleak_stack_failures_count());
}

static void show_unattributed(struct seq_file *m)
{
	struct dstleak_ns *b = dstleak_unattr;
	enum dstleak_family fam;
	struct dstleak_fam_sum s;

	for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
		dstleak_fam_sum(b, fam, &s);
		seq_printf(m, "unattributed %s allocs %llu frees %llu orphaned %ld\n",
			   dstleak_family_name(fam), s.allocs, s.frees + s.frees_pre,
			   atomic_long_read(&b->orphaned[fam]));
	}
}

/* debugfs summary: everything, after the frees in flight. */
void dstleak_show_summary(struct seq_file *m)
{
	struct dstleak_ns *ns;

	settle();
	dstleak_show_header(m);
	dstleak_show_features(m);
	mutex_lock(&dstleak_ns_mutex);
	dstleak_prune_exited();
	show_global_ipv4(m);
	show_tracking(m);
	show_unattributed(m);
	dstleak_show_probes(m);
	seq_puts(m, "settled 1\n");
	seq_printf(m, "calibration spread %lld\n", dstleak_calibration_spread());
	/*
	 * Namespace creation waits for the mutex meanwhile; a reschedule
	 * point a namespace, as 30,000 of them take a while.
	 */
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		show_ns(m, ns, dstleak_ns_net_locked(ns));
		cond_resched();
	}
	mutex_unlock(&dstleak_ns_mutex);
	dstleak_show_end_counted(m);
}

/*
 * /proc/net/dstleak, readable by anyone in the namespace: its own rows,
 * no wait for RCU, no lock that namespace creation takes. @net is held by
 * the open file.
 */
void dstleak_show_own_ns(struct seq_file *m, struct net *net)
{
	struct dstleak_ns *ns;

	dstleak_show_header(m);
	seq_puts(m, "settled 0\n");
	rcu_read_lock();
	ns = dstleak_ns_of_net_rcu(net);
	if (ns)
		show_ns(m, ns, net);
	rcu_read_unlock();
	dstleak_show_end_counted(m);
}
