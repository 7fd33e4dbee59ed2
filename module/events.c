// SPDX-License-Identifier: GPL-2.0
/*
 * Route and IPsec events around the dst cache, counted per namespace:
 * - IPsec: policy lookups (xfrm_lookup_with_ifid()) and bundle creation
 *   (xfrm_resolve_and_create_bundle()), errors by error code, so that "dst
 *   allocation failed" is counted where it happens, beside the kernel's own
 *   XfrmOut* statistics of that namespace;
 * - route exceptions, the successor of the IPv4 route cache: PMTU updates
 *   and redirects that create or update a cached route
 *   (update_or_create_fnhe() for IPv4; __ip6_rt_update_pmtu() and
 *   rt6_do_redirect() for IPv6, with rt6_insert_exception() counting the
 *   cached routes IPv6 creates), and the kernel's count of IPv6 ones alive;
 * - ICMP errors delivered to TCP (tcp_v4_err(), tcp_v6_err()), by type and
 *   code.
 * The handlers read their arguments only: the namespace is that of the
 * device or policy the kernel is working on, found as the hot path finds it
 * (the ops map, under the RCU read-side section that a handler's disabled
 * preemption is); events of a namespace without state, or exited, are not
 * counted.
 */
#include <linux/kprobes.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/ip6_fib.h>
#include <net/snmp.h>
#include <net/xfrm.h>
#include "dstleak.h"

static const int dstleak_errnos[DSTLEAK_NR_ERRNOS - 1] = {
	ENOENT, EAGAIN, ENOBUFS, ENOMEM, EINVAL, EPERM, EHOSTUNREACH,
	ENETUNREACH, EREMOTE,
};

static const char *const dstleak_errno_names[DSTLEAK_NR_ERRNOS] = {
	"ENOENT", "EAGAIN", "ENOBUFS", "ENOMEM", "EINVAL", "EPERM",
	"EHOSTUNREACH", "ENETUNREACH", "EREMOTE", "other",
};

static unsigned int errno_slot(long err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dstleak_errnos); i++)
		if (-err == dstleak_errnos[i])
			return i;
	return DSTLEAK_NR_ERRNOS - 1;
}

/* ICMP (type, code) to a counter slot; the last slot is "any other". */
static unsigned int icmp4_slot(u8 type, u8 code)
{
	if (type == ICMP_DEST_UNREACH && code < 16)
		return code;
	if (type == ICMP_TIME_EXCEEDED && code < 2)
		return 16 + code;
	if (type == ICMP_PARAMETERPROB)
		return 18;
	return DSTLEAK_NR_ICMP4 - 1;
}

static unsigned int icmp6_slot(u8 type, u8 code)
{
	if (type == ICMPV6_DEST_UNREACH && code < 8)
		return code;
	if (type == ICMPV6_PKT_TOOBIG)
		return 8;
	if (type == ICMPV6_TIME_EXCEED && code < 2)
		return 9 + code;
	if (type == ICMPV6_PARAMPROB && code < 4)
		return 11 + code;
	return DSTLEAK_NR_ICMP6 - 1;
}

/* Inverse of the slot maps, for the report: false for "any other". */
static bool icmp_of_slot(bool v6, unsigned int slot, u8 *type, u8 *code)
{
	static const u8 t4[] = { [0 ... 15] = ICMP_DEST_UNREACH,
		[16 ... 17] = ICMP_TIME_EXCEEDED, [18] = ICMP_PARAMETERPROB };
	static const u8 c4[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 0, 1, 0 };
	static const u8 t6[] = { [0 ... 7] = ICMPV6_DEST_UNREACH,
		[8] = ICMPV6_PKT_TOOBIG, [9 ... 10] = ICMPV6_TIME_EXCEED,
		[11 ... 14] = ICMPV6_PARAMPROB };
	static const u8 c6[] = { 0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 1, 0, 1, 2, 3 };

	if (slot >= (v6 ? ARRAY_SIZE(t6) : ARRAY_SIZE(t4)))
		return false;
	*type = v6 ? t6[slot] : t4[slot];
	*code = v6 ? c6[slot] : c4[slot];
	return true;
}

/* Run @body with the event counters of @net's namespace, if it has any. */
#define WITH_EV(net, ev, body) do {					\
	struct dstleak_ns *ns__ = dstleak_ns_of_net_rcu(net);		\
									\
	if (ns__) {							\
		struct dstleak_ev_pcpu __percpu *ev = ns__->ev;		\
		body;							\
	}								\
} while (0)

static const struct net *dev_net_of(const struct net_device *dev)
{
	return dev ? dev_net(dev) : NULL;
}

/* xfrm_lookup_with_ifid(net, dst_orig, fl, sk, flags, if_id) */
int dstleak_xfrm_lookup_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct dstleak_net_call *call = (void *)ri->data;

	dstleak_count_hit(DSTLEAK_PROBE_XFRM_LOOKUP);
	call->net = (const void *)dstleak_regs_arg(regs, 0);
	return 0;
}
NOKPROBE_SYMBOL(dstleak_xfrm_lookup_entry);

int dstleak_xfrm_lookup_return(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct dstleak_net_call *call = (void *)ri->data;
	const void *ret = (const void *)regs_return_value(regs);

	WITH_EV(call->net, ev, {
		this_cpu_inc(ev->xfrm_lookups);
		if (IS_ERR(ret))
			this_cpu_inc(ev->xfrm_lookup_errors[errno_slot(PTR_ERR(ret))]);
	});
	return 0;
}
NOKPROBE_SYMBOL(dstleak_xfrm_lookup_return);

/* xfrm_resolve_and_create_bundle(pols, num_pols, fl, family, dst_orig) */
int dstleak_xfrm_bundle_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct xfrm_policy **pols = (void *)dstleak_regs_arg(regs, 0);
	struct dstleak_net_call *call = (void *)ri->data;

	dstleak_count_hit(DSTLEAK_PROBE_XFRM_BUNDLE);
	call->net = pols && pols[0] ? xp_net(pols[0]) : NULL;
	return 0;
}
NOKPROBE_SYMBOL(dstleak_xfrm_bundle_entry);

int dstleak_xfrm_bundle_return(struct kretprobe_instance *ri,
			       struct pt_regs *regs)
{
	struct dstleak_net_call *call = (void *)ri->data;
	const void *ret = (const void *)regs_return_value(regs);

	if (!call->net)
		return 0;
	/* NULL: no transformation needed, nothing was built. */
	WITH_EV(call->net, ev, {
		if (IS_ERR(ret))
			this_cpu_inc(ev->xfrm_bundle_errors[errno_slot(PTR_ERR(ret))]);
		else if (ret)
			this_cpu_inc(ev->xfrm_bundles);
	});
	return 0;
}
NOKPROBE_SYMBOL(dstleak_xfrm_bundle_return);

/* update_or_create_fnhe(nh, daddr, gw, pmtu, lock, expires) */
int dstleak_fnhe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct dstleak_fnhe_nh *nh = (void *)dstleak_regs_arg(regs, 0);
	bool redirect = dstleak_regs_arg(regs, 2) != 0;

	dstleak_count_hit(DSTLEAK_PROBE_FNHE);
	WITH_EV(dev_net_of(dstleak_fnhe_dev(nh)), ev, {
		if (redirect)
			this_cpu_inc(ev->redirect4);
		else
			this_cpu_inc(ev->pmtu4);
	});
	return 0;
}
NOKPROBE_SYMBOL(dstleak_fnhe_pre);

/* __ip6_rt_update_pmtu(dst, sk, iph, mtu, confirm_neigh) */
int dstleak_pmtu6_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct dst_entry *dst = (void *)dstleak_regs_arg(regs, 0);

	dstleak_count_hit(DSTLEAK_PROBE_PMTU6);
	WITH_EV(dev_net_of(dst->dev), ev, this_cpu_inc(ev->pmtu6));
	return 0;
}
NOKPROBE_SYMBOL(dstleak_pmtu6_pre);

/* rt6_do_redirect(dst, sk, skb) */
int dstleak_redirect6_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct dst_entry *dst = (void *)dstleak_regs_arg(regs, 0);

	dstleak_count_hit(DSTLEAK_PROBE_REDIRECT6);
	WITH_EV(dev_net_of(dst->dev), ev, this_cpu_inc(ev->redirect6));
	return 0;
}
NOKPROBE_SYMBOL(dstleak_redirect6_pre);

/* rt6_insert_exception(nrt, res): 0 when the cached route was inserted. */
int dstleak_exception6_entry(struct kretprobe_instance *ri,
			     struct pt_regs *regs)
{
	const struct rt6_info *nrt = (void *)dstleak_regs_arg(regs, 0);
	struct dstleak_net_call *call = (void *)ri->data;

	dstleak_count_hit(DSTLEAK_PROBE_EXCEPTION6);
	call->net = dev_net_of(nrt->dst.dev);
	return 0;
}
NOKPROBE_SYMBOL(dstleak_exception6_entry);

int dstleak_exception6_return(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct dstleak_net_call *call = (void *)ri->data;

	if (call->net && regs_return_value(regs) == 0)
		WITH_EV(call->net, ev, this_cpu_inc(ev->exceptions6));
	return 0;
}
NOKPROBE_SYMBOL(dstleak_exception6_return);

/* tcp_v4_err(skb, info): the ICMP header is the skb's transport header. */
int dstleak_tcp4_err_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)dstleak_regs_arg(regs, 0);
	const struct icmphdr *ih = icmp_hdr(skb);
	unsigned int slot = icmp4_slot(ih->type, ih->code);

	dstleak_count_hit(DSTLEAK_PROBE_TCP4_ERR);
	WITH_EV(dev_net_of(skb->dev), ev, this_cpu_inc(ev->icmp4[slot]));
	return 0;
}
NOKPROBE_SYMBOL(dstleak_tcp4_err_pre);

/* tcp_v6_err(skb, opt, type, code, offset, info) */
int dstleak_tcp6_err_pre(struct kprobe *kp, struct pt_regs *regs)
{
	const struct sk_buff *skb = (void *)dstleak_regs_arg(regs, 0);
	unsigned int slot = icmp6_slot(dstleak_regs_arg(regs, 2),
				       dstleak_regs_arg(regs, 3));

	dstleak_count_hit(DSTLEAK_PROBE_TCP6_ERR);
	WITH_EV(dev_net_of(skb->dev), ev, this_cpu_inc(ev->icmp6[slot]));
	return 0;
}
NOKPROBE_SYMBOL(dstleak_tcp6_err_pre);

/* Reports: sums of the per-CPU counters. */
#define EV_SUM(ns, field) ({						\
	u64 sum__ = 0;							\
	int cpu__;							\
									\
	for_each_possible_cpu(cpu__)					\
		sum__ += READ_ONCE(per_cpu_ptr((ns)->ev, cpu__)->field);	\
	sum__;								\
})

static void show_errors(struct seq_file *m, struct dstleak_ns *ns,
			const char *where, bool bundle)
{
	unsigned int i;
	u64 n;

	for (i = 0; i < DSTLEAK_NR_ERRNOS; i++) {
		n = bundle ? EV_SUM(ns, xfrm_bundle_errors[i]) :
			     EV_SUM(ns, xfrm_lookup_errors[i]);
		if (n)
			seq_printf(m, "xfrm_error ns %u cookie %llu where %s errno %s count %llu\n",
				   ns->inum, ns->cookie, where,
				   dstleak_errno_names[i], n);
	}
}

static u64 errors_total(struct dstleak_ns *ns, bool bundle)
{
	unsigned int i;
	u64 n = 0;

	for (i = 0; i < DSTLEAK_NR_ERRNOS; i++)
		n += bundle ? EV_SUM(ns, xfrm_bundle_errors[i]) :
			      EV_SUM(ns, xfrm_lookup_errors[i]);
	return n;
}

/* The kernel's own XfrmOut* figures of a live namespace (/proc/net/xfrm_stat). */
static void show_kernel_xfrm_stats(struct seq_file *m, struct net *net)
{
#ifdef CONFIG_XFRM_STATISTICS
	void __percpu *mib = net ? net->mib.xfrm_statistics : NULL;

	if (mib) {
		seq_printf(m, " kernel_out_bundle_gen_error %lu kernel_out_bundle_check_error %lu kernel_out_no_states %lu kernel_out_pol_error %lu\n",
			   snmp_fold_field(mib, LINUX_MIB_XFRMOUTBUNDLEGENERROR),
			   snmp_fold_field(mib, LINUX_MIB_XFRMOUTBUNDLECHECKERROR),
			   snmp_fold_field(mib, LINUX_MIB_XFRMOUTNOSTATES),
			   snmp_fold_field(mib, LINUX_MIB_XFRMOUTPOLERROR));
		return;
	}
#endif
	seq_puts(m, " kernel_out_bundle_gen_error - kernel_out_bundle_check_error - kernel_out_no_states - kernel_out_pol_error -\n");
}

static void show_icmp(struct seq_file *m, struct dstleak_ns *ns, bool v6)
{
	unsigned int slot, nr = v6 ? DSTLEAK_NR_ICMP6 : DSTLEAK_NR_ICMP4;
	u8 type, code;
	u64 n;

	for (slot = 0; slot < nr; slot++) {
		n = v6 ? EV_SUM(ns, icmp6[slot]) : EV_SUM(ns, icmp4[slot]);
		if (!n)
			continue;
		if (icmp_of_slot(v6, slot, &type, &code))
			seq_printf(m, "icmp ns %u cookie %llu family %s type %u code %u count %llu\n",
				   ns->inum, ns->cookie, v6 ? "ipv6" : "ipv4",
				   type, code, n);
		else
			seq_printf(m, "icmp ns %u cookie %llu family %s type - code - count %llu\n",
				   ns->inum, ns->cookie, v6 ? "ipv6" : "ipv4", n);
	}
}

/* The IPv6 cached routes (exceptions) alive, as in /proc/net/rt6_stats. */
static void show_cached6(struct seq_file *m, struct net *net)
{
#if IS_ENABLED(CONFIG_IPV6)
	/* None where IPv6 is not set up (ipv6.disable=1, module not loaded). */
	const struct rt6_statistics *st = net ? READ_ONCE(net->ipv6.rt6_stats) :
						NULL;

	if (st) {
		seq_printf(m, " cached6 %u\n", READ_ONCE(st->fib_rt_cache));
		return;
	}
#endif
	seq_puts(m, " cached6 -\n");
}

/* The event lines of @ns; @net is its live namespace, or NULL once exited. */
void dstleak_show_events(struct seq_file *m, struct dstleak_ns *ns,
			 struct net *net)
{
	seq_printf(m, "xfrm ns %u cookie %llu lookups %llu lookup_errors %llu bundles %llu bundle_errors %llu",
		   ns->inum, ns->cookie, EV_SUM(ns, xfrm_lookups),
		   errors_total(ns, false), EV_SUM(ns, xfrm_bundles),
		   errors_total(ns, true));
	show_kernel_xfrm_stats(m, net);
	show_errors(m, ns, "lookup", false);
	show_errors(m, ns, "bundle", true);
	seq_printf(m, "route ns %u cookie %llu pmtu4 %llu redirect4 %llu pmtu6 %llu redirect6 %llu exceptions6 %llu",
		   ns->inum, ns->cookie, EV_SUM(ns, pmtu4),
		   EV_SUM(ns, redirect4), EV_SUM(ns, pmtu6),
		   EV_SUM(ns, redirect6), EV_SUM(ns, exceptions6));
	show_cached6(m, net);
	show_icmp(m, ns, false);
	show_icmp(m, ns, true);
}
