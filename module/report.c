// SPDX-License-Identifier: GPL-2.0
/* The text rows of the export format (dstleak_format.h), for every file. */
#include <linux/utsname.h>
#include <net/net_namespace.h>
#include "dstleak.h"

/* In enum order: the same list made the enum. */
#define DSTLEAK_FAMILY_NAME(id, name) name,
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
 * The kernel counts a free at the last dst_release(), dstleak when the
 * memory goes, after an RCU grace period (IPv6 fib entries chain one more).
 * Let those callbacks run, so that entries in flight are not reported as
 * drift.
 */
static void settle_rcu(void)
{
	rcu_barrier();
	rcu_barrier();
}

static void show_value(struct seq_file *m, const char *name, bool known, s64 v)
{
	if (known)
		seq_printf(m, " %s %lld", name, v);
	else
		seq_printf(m, " %s -", name);
}

static bool max_size_of(struct dstleak_ns *ns, enum dstleak_family fam, s64 *v)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (ns->net && fam == DSTLEAK_FAM_IPV6) {
		*v = READ_ONCE(ns->net->ipv6.sysctl.ip6_rt_max_size);
		return true;
	}
#endif
	return false;
}

static void show_ns_family(struct seq_file *m, struct dstleak_ns *ns,
			   enum dstleak_family fam)
{
	struct dstleak_fam_sum s;
	struct dst_ops *ops = ns->net ? dstleak_net_family_ops(ns->net, fam) : NULL;
	bool known, has_max;
	s64 kernel, live, max_size = 0;

	dstleak_fam_sum(ns, fam, &s);
	live = (s64)(s.allocs - s.frees);
	kernel = dstleak_kernel_count(ns, fam, &known);
	has_max = max_size_of(ns, fam, &max_size);
	seq_printf(m, "ns %u %s %s allocs %llu frees %llu frees_preexisting %llu live %lld peak %lld failures %llu",
		   ns->inum, ns->exited ? "exited" : "alive",
		   dstleak_family_name(fam), s.allocs, s.frees, s.frees_pre,
		   live, (s64)dstleak_raise_peak(ns, fam, live), s.failures);
	show_value(m, "kernel", known, kernel);
	show_value(m, "drift", known,
		   kernel - ns->base[fam] - dstleak_counted_delta(ns, fam));
	show_value(m, "gc_thresh", known && ops, ops ? ops->gc_thresh : 0);
	show_value(m, "max_size", has_max, max_size);
	seq_putc(m, '\n');
}

static s64 ipv4_expected(void)
{
	s64 expected = dstleak_ipv4_base() + dstleak_ipv4_retired();
	struct dstleak_ns *ns;

	list_for_each_entry(ns, &dstleak_ns_list, list)
		expected += dstleak_counted_delta(ns, DSTLEAK_FAM_IPV4);
	return expected;
}

static s64 ipv4_kernel(void)
{
	return dstleak_ops_entries((struct dst_ops *)dstleak_ipv4_ops);
}

static void show_global_ipv4(struct seq_file *m)
{
	s64 kernel = ipv4_kernel(), expected = ipv4_expected();

	seq_printf(m, "global ipv4 kernel %lld expected %lld drift %lld\n",
		   kernel, expected, kernel - expected);
}

/* Whether every drift shown would be 0. Mutex held. */
static bool drift_zero(const struct net *only)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;
	bool known;
	s64 kernel;

	if (!only && ipv4_kernel() != ipv4_expected())
		return false;
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		if (only && ns->net != only)
			continue;
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++) {
			kernel = dstleak_kernel_count(ns, fam, &known);
			if (known && kernel != ns->base[fam] +
					      dstleak_counted_delta(ns, fam))
				return false;
		}
	}
	return true;
}

/*
 * Wait for frees in flight: released (the kernel has counted them) but not
 * yet destroyed (dstleak has not). A drift still there after a few rounds
 * is the kernel's.
 */
#define DSTLEAK_SETTLE_ROUNDS 3

static void settle(const struct net *only)
{
	bool zero;
	int i;

	for (i = 0; i < DSTLEAK_SETTLE_ROUNDS; i++) {
		settle_rcu();
		mutex_lock(&dstleak_ns_mutex);
		zero = drift_zero(only);
		mutex_unlock(&dstleak_ns_mutex);
		if (zero)
			return;
	}
}

static void show_tracking(struct seq_file *m)
{
	unsigned int max = dstleak_track_max();

	seq_printf(m, "tracking tracked %llu overflow %llu bytes %zu max %u entry_bytes %zu\n",
		   dstleak_track_count(), dstleak_track_overflow(),
		   dstleak_track_bytes(), max,
		   max ? dstleak_track_bytes() / max : 0);
	seq_printf(m, "stacks enabled %d sample %u failures %lu\n",
		   READ_ONCE(dstleak_stacks), READ_ONCE(dstleak_stack_sample),
		   dstleak_stack_failures_count());
	seq_printf(m, "unattributed %ld\n", atomic_long_read(&dstleak_unattributed));
}

/* Everything, or (@only) the rows of one namespace. */
void dstleak_show_summary(struct seq_file *m, const struct net *only)
{
	enum dstleak_family fam;
	struct dstleak_ns *ns;

	settle(only);
	dstleak_show_header(m);
	mutex_lock(&dstleak_ns_mutex);
	dstleak_prune_exited();
	if (!only)
		show_global_ipv4(m);
	show_tracking(m);
	if (!only)
		dstleak_show_probes(m);
	list_for_each_entry(ns, &dstleak_ns_list, list) {
		if (only && ns->net != only)
			continue;
		for (fam = 0; fam < DSTLEAK_NR_FAMILIES; fam++)
			show_ns_family(m, ns, fam);
		dstleak_show_events(m, ns);
	}
	mutex_unlock(&dstleak_ns_mutex);
}
