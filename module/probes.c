// SPDX-License-Identifier: GPL-2.0
/*
 * The probe table: where dstleak watches the kernel allocate and free dst
 * entries, installed and removed in a loop.
 *
 * Why these points (checked against the 6.1 and 6.12 trees):
 * - dst_alloc() is called from other files only (route.c, ip6 route.c,
 *   xfrm_policy.c), so no call is inlined away; a kretprobe sees every
 *   result, NULL included (an allocation failure). dst_init() would miss
 *   nothing more, but its call from dst_alloc() in the same file may be
 *   inlined.
 * - dst_destroy() is where every entry's memory is freed, from
 *   dst_destroy_rcu() (after the last dst_release()) and from
 *   dst_release_immediate() (checked in the 6.1 binary: both call the one
 *   out-of-line copy). It is static since 6.9 ("net: dst: Make
 *   dst_destroy() static and return void."), but still one function.
 *   The kernel counts the free earlier, at the last put, before the RCU
 *   grace period (6.12, backported to 6.1.117: "net: do not delay
 *   dst_entries_add() in dst_release()"); report.c waits for pending RCU
 *   callbacks before comparing, so "drift" is not the entries in flight.
 *   It is hooked with ftrace, not a kprobe: a kprobe is skipped (only
 *   counted as missed) while any kprobe handler runs on the CPU, and RCU
 *   callbacks free entries from softirqs that interrupt such handlers on
 *   their way out of a hardirq. Measured (tests/vm/cases/acct_nested.sh):
 *   8,731 frees lost in 25 s on 6.1, 16,114 on 6.12. ftrace's recursion
 *   guard is per context, so a softirq's free inside a handler is seen.
 * - metadata_dst_alloc() allocates metadata dsts (tunnels, BPF) without
 *   dst_alloc(); they are freed through dst_destroy() too. Optional.
 *
 * The kretprobe handlers keep interrupts off while they do real work (the
 * return handlers, and a stack capture), so no softirq runs inside them:
 * what remains is the kprobe code around them, a few dozen instructions,
 * where a nested dst_alloc() is counted as missed.
 *
 * Handlers run in atomic context: no sleeping, no spinlock_t, no
 * allocation; per-CPU counters change by single interrupt-safe
 * instructions, and locks are taken with interrupts off (track.c).
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/ptrace.h>
#include <net/dst_metadata.h>
#include "dstleak.h"
#include "hotpath.h"

enum dstleak_probe_kind {
	DSTLEAK_KPROBE_KIND,
	DSTLEAK_KRETPROBE_KIND,
	DSTLEAK_FTRACE_KIND,
};

struct dstleak_probe {
	const char *symbol;
	bool required;
	enum dstleak_probe_kind kind;
	bool registered;
	struct kprobe kp;
	struct kretprobe rp;
	struct ftrace_ops fops;
	unsigned long ftrace_ip;	/* where ftrace called it from */
	atomic_long_t ftrace_missed;
};

/* What the dst_alloc() entry handler hands its return handler. */
struct dstleak_alloc_call {
	const struct dst_ops *ops;
	const struct net_device *dev;
	u32 stack;
};

static DEFINE_PER_CPU(u64[DSTLEAK_NR_PROBES], dstleak_hits);

void dstleak_count_hit(int probe)
{
	this_cpu_inc(dstleak_hits[probe]);
}

/*
 * An allocation returned @dst (NULL: it failed). Like every handler here,
 * it runs with preemption off, which RCU counts as a read-side critical
 * section for the namespace lookups (see hotpath.h).
 */
static void count_alloc(const struct dst_entry *dst, const struct dst_ops *ops,
			const struct net_device *dev, u32 stack)
{
	struct dstleak_class c = dstleak_classify(ops, dev);
	bool nocount;

	if (unlikely(!c.ns))
		return;
	if (!dst) {
		dstleak_count_failure(c.ns, c.family);
		return;
	}
	nocount = dst->flags & DST_NOCOUNT;
	dstleak_count_alloc(c.ns, c.family, nocount);
	if (dstleak_track &&
	    !dstleak_track_add(dst, c.ns, c.family, nocount, stack))
		atomic_long_inc(&c.ns->untracked[c.family]);
}

/* From a kretprobe return handler: interrupts off, so no softirq nests. */
static void note_alloc(const struct dst_entry *dst, const struct dst_ops *ops,
		       const struct net_device *dev, u32 stack)
{
	unsigned long flags;

	local_irq_save(flags);
	count_alloc(dst, ops, dev, stack);
	local_irq_restore(flags);
}

static int dst_alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct dstleak_alloc_call *call = (void *)ri->data;

	dstleak_count_hit(DSTLEAK_PROBE_DST_ALLOC);
	call->ops = (const void *)regs_get_kernel_argument(regs, 0);
	call->dev = (const void *)regs_get_kernel_argument(regs, 1);
	call->stack = dstleak_stack_capture();
	return 0;
}
NOKPROBE_SYMBOL(dst_alloc_entry);

static int dst_alloc_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct dstleak_alloc_call *call = (void *)ri->data;

	note_alloc((const void *)regs_return_value(regs), call->ops, call->dev,
		   call->stack);
	return 0;
}
NOKPROBE_SYMBOL(dst_alloc_return);

static int metadata_alloc_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct dstleak_alloc_call *call = (void *)ri->data;

	dstleak_count_hit(DSTLEAK_PROBE_METADATA_ALLOC);
	call->stack = dstleak_stack_capture();
	return 0;
}
NOKPROBE_SYMBOL(metadata_alloc_entry);

static int metadata_alloc_return(struct kretprobe_instance *ri,
				 struct pt_regs *regs)
{
	struct metadata_dst *md = (void *)regs_return_value(regs);
	struct dstleak_alloc_call *call = (void *)ri->data;

	/* No device: attributed to the initial namespace, family "other". */
	note_alloc(md ? &md->dst : NULL, md ? md->dst.ops : NULL, NULL,
		   call->stack);
	return 0;
}
NOKPROBE_SYMBOL(metadata_alloc_return);

/* An entry is being freed: credit the namespace it was counted in. */
static void note_free(const struct dst_entry *dst)
{
	struct dstleak_tracked t;
	struct dstleak_class c;

	dstleak_count_hit(DSTLEAK_PROBE_DST_DESTROY);
	if (dstleak_track) {
		t = dstleak_track_del(dst);
		if (t.ns) {
			dstleak_count_free(t.ns, t.family, t.nocount, false);
			return;
		}
	}
	/*
	 * Allocated before load, or past max_tracked. The entry still holds
	 * its device here, so dst->dev is safe; dst->ops is compared, never
	 * dereferenced.
	 */
	c = dstleak_classify(dst->ops, dst->dev);
	if (unlikely(!c.ns))
		return;
	dstleak_count_free(c.ns, c.family, dst->flags & DST_NOCOUNT,
			   dstleak_track &&
			   !atomic_long_add_unless(&c.ns->untracked[c.family],
						   -1, 0));
}

/*
 * ftrace calls this at the entry of dst_destroy(), in any context, with
 * interrupts as the caller had them. The recursion guard only refuses a
 * call nested in the same context, which no dst_destroy() path makes.
 */
static void notrace dst_destroy_ftrace(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct dstleak_probe *p = container_of(ops, struct dstleak_probe, fops);
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (unlikely(bit < 0)) {
		atomic_long_inc(&p->ftrace_missed);
		return;
	}
	if (unlikely(!READ_ONCE(p->ftrace_ip)))
		WRITE_ONCE(p->ftrace_ip, ip);
	note_free((const void *)dstleak_ftrace_arg(fregs, 0));
	ftrace_test_recursion_unlock(bit);
}

#define DSTLEAK_KPROBE(sym, req, pre) {					\
	.symbol = sym, .required = req, .kind = DSTLEAK_KPROBE_KIND,	\
	.kp = { .symbol_name = sym, .pre_handler = pre },		\
}
/* PERMANENT: ftrace cannot be switched off (sysctl) under the hook. */
#define DSTLEAK_FTRACE(sym, req, fn) {					\
	.symbol = sym, .required = req, .kind = DSTLEAK_FTRACE_KIND,	\
	.fops = { .func = fn, .flags = FTRACE_OPS_FL_PERMANENT },	\
}
#define DSTLEAK_KRETPROBE(sym, req, entry, ret) {			\
	.symbol = sym, .required = req, .kind = DSTLEAK_KRETPROBE_KIND,	\
	.rp = { .kp.symbol_name = sym, .entry_handler = entry,		\
		.handler = ret,						\
		.data_size = sizeof(struct dstleak_alloc_call) },	\
}

static struct dstleak_probe dstleak_probes[DSTLEAK_NR_PROBES] = {
	[DSTLEAK_PROBE_DST_ALLOC] = DSTLEAK_KRETPROBE("dst_alloc", true,
		dst_alloc_entry, dst_alloc_return),
	[DSTLEAK_PROBE_DST_DESTROY] = DSTLEAK_FTRACE("dst_destroy", true,
		dst_destroy_ftrace),
	[DSTLEAK_PROBE_METADATA_ALLOC] = DSTLEAK_KRETPROBE("metadata_dst_alloc",
		false, metadata_alloc_entry, metadata_alloc_return),
	/* events.c; static functions, each in kallsyms on 6.1 and 6.12. */
	[DSTLEAK_PROBE_XFRM_LOOKUP] = DSTLEAK_KRETPROBE("xfrm_lookup_with_ifid",
		false, dstleak_xfrm_lookup_entry, dstleak_xfrm_lookup_return),
	[DSTLEAK_PROBE_XFRM_BUNDLE] = DSTLEAK_KRETPROBE(
		"xfrm_resolve_and_create_bundle", false,
		dstleak_xfrm_bundle_entry, dstleak_xfrm_bundle_return),
	[DSTLEAK_PROBE_FNHE] = DSTLEAK_KPROBE("update_or_create_fnhe", false,
		dstleak_fnhe_pre),
	[DSTLEAK_PROBE_PMTU6] = DSTLEAK_KPROBE("__ip6_rt_update_pmtu", false,
		dstleak_pmtu6_pre),
	[DSTLEAK_PROBE_REDIRECT6] = DSTLEAK_KPROBE("rt6_do_redirect", false,
		dstleak_redirect6_pre),
	[DSTLEAK_PROBE_EXCEPTION6] = DSTLEAK_KRETPROBE("rt6_insert_exception",
		false, dstleak_exception6_entry, dstleak_exception6_return),
	[DSTLEAK_PROBE_TCP4_ERR] = DSTLEAK_KPROBE("tcp_v4_err", false,
		dstleak_tcp4_err_pre),
	[DSTLEAK_PROBE_TCP6_ERR] = DSTLEAK_KPROBE("tcp_v6_err", false,
		dstleak_tcp6_err_pre),
};

static int ftrace_hook_register(struct dstleak_probe *p)
{
	int err;

	err = ftrace_set_filter(&p->fops, (unsigned char *)p->symbol,
				strlen(p->symbol), 1);
	if (err)
		return err;
	err = register_ftrace_function(&p->fops);
	if (err)
		ftrace_free_filter(&p->fops);
	return err;
}

static int probe_register(struct dstleak_probe *p)
{
	switch (p->kind) {
	case DSTLEAK_FTRACE_KIND:
		return ftrace_hook_register(p);
	case DSTLEAK_KRETPROBE_KIND:
		/* Enough instances for every CPU, preempted callers included. */
		p->rp.maxactive = max_t(int, 64, 4 * num_possible_cpus());
		return register_kretprobe(&p->rp);
	default:
		return register_kprobe(&p->kp);
	}
}

static unsigned long probe_missed(struct dstleak_probe *p)
{
	if (!p->registered)
		return 0;
	switch (p->kind) {
	case DSTLEAK_FTRACE_KIND:
		return atomic_long_read(&p->ftrace_missed);
	case DSTLEAK_KRETPROBE_KIND:
		return (unsigned long)p->rp.nmissed + p->rp.kp.nmissed;
	default:
		return p->kp.nmissed;
	}
}

static void *probe_addr(struct dstleak_probe *p)
{
	switch (p->kind) {
	case DSTLEAK_FTRACE_KIND:
		return (void *)READ_ONCE(p->ftrace_ip);	/* 0 until a hit */
	case DSTLEAK_KRETPROBE_KIND:
		return p->rp.kp.addr;
	default:
		return p->kp.addr;
	}
}

int dstleak_probes_init(void)
{
	struct dstleak_probe *p;
	int i, err;

	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		p = &dstleak_probes[i];
		err = probe_register(p);
		if (!err) {
			p->registered = true;
			continue;
		}
		if (p->required) {
			pr_err("cannot probe %s (%d): this kernel is not supported\n",
			       p->symbol, err);
			dstleak_probes_exit();
			return err;
		}
		pr_info("optional probe %s unavailable (%d)\n", p->symbol, err);
	}
	return 0;
}

/* Whether a free may have escaped dstleak (tracked records gone stale). */
bool dstleak_frees_missed(void)
{
	return probe_missed(&dstleak_probes[DSTLEAK_PROBE_DST_DESTROY]) != 0;
}

/* Where the dst_alloc() probe sits, to cut the probe's own stack frames. */
unsigned long dstleak_dst_alloc_addr(void)
{
	return (unsigned long)dstleak_probes[DSTLEAK_PROBE_DST_ALLOC].rp.kp.addr;
}

/*
 * Unregistering waits for handlers running on other CPUs: the ftrace hooks
 * one by one (unregister_ftrace_function() waits for tasks on the hook,
 * preempted ones included), the kprobes in two batches, one grace period
 * each, rather than one for every probe.
 */
void dstleak_probes_exit(void)
{
	struct kretprobe *rps[DSTLEAK_NR_PROBES];
	struct kprobe *kps[DSTLEAK_NR_PROBES];
	int i, nk = 0, nr = 0;

	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (!p->registered)
			continue;
		if (p->kind == DSTLEAK_FTRACE_KIND) {
			unregister_ftrace_function(&p->fops);
			ftrace_free_filter(&p->fops);
		} else if (p->kind == DSTLEAK_KRETPROBE_KIND) {
			rps[nr++] = &p->rp;
		} else {
			kps[nk++] = &p->kp;
		}
	}
	unregister_kprobes(kps, nk);
	unregister_kretprobes(rps, nr);
	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (p->registered && probe_missed(p))
			pr_info("probe %s missed %lu hits\n", p->symbol,
				probe_missed(p));
		p->registered = false;
	}
}

static u64 probe_hits(int probe)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&dstleak_hits, cpu)[0][probe]);
	return sum;
}

void dstleak_show_probes(struct seq_file *m)
{
	int i;

	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (!p->registered)
			continue;
		/* %pK: the address only where kptr_restrict allows it. */
		seq_printf(m, "probe %s hits %llu missed %lu addr %pK\n",
			   p->symbol, probe_hits(i), probe_missed(p),
			   probe_addr(p));
	}
}
