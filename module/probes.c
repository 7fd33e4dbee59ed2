// SPDX-License-Identifier: GPL-2.0
/*
 * The probe table: where dstleak watches the kernel allocate and free dst
 * entries, installed and removed in a loop.
 *
 * Why these points (checked against the 6.1 and 6.12 trees):
 * - dst_alloc() is called from other files only (route.c, ip6 route.c,
 *   xfrm_policy.c), so no call is inlined away; its hook sees every
 *   result, NULL included (an allocation failure). dst_init() would miss
 *   nothing more, but Debian's kernels inline it into dst_alloc().
 *   Where the kernel has ftrace direct calls (x86-64), dst_alloc() is
 *   hooked by one (direct_tramp.S: its body called between the two
 *   handlers, as BPF's fexit does), proven at load by an allocation of
 *   dstleak's own (hookcheck.c); elsewhere, or when that proof fails, or
 *   with direct_calls=off, by a kretprobe. Under make bench's -icount on
 *   6.12 the kretprobe costs about 450 instructions an allocation, the
 *   direct call about 40. While dstleak holds a direct call, no BPF
 *   fentry/fexit program can attach to the function (one direct call per
 *   function): direct_calls=off leaves them free.
 * - dst_destroy() is where every entry's memory is freed, from
 *   dst_destroy_rcu() (after the last dst_release()) and from
 *   dst_release_immediate() (checked in the 6.1 binary: both call the one
 *   out-of-line copy). It is static since 6.9 ("net: dst: Make
 *   dst_destroy() static and return void."), but still one function.
 *   The kernel counts the free earlier, at the last put, before the RCU
 *   grace period (6.12, backported to 6.1.117: "net: do not delay
 *   dst_entries_add() in dst_release()"); report.c waits for pending RCU
 *   callbacks before comparing, so "drift" is not the entries in flight.
 *   It is hooked with ftrace, not a kprobe (a direct call, entry only,
 *   where the kernel has them and direct_calls is not off; otherwise an
 *   ftrace_ops): a kprobe is skipped (only counted as missed) while any
 *   kprobe handler runs on the CPU, and RCU
 *   callbacks free entries from softirqs that interrupt such handlers on
 *   their way out of a hardirq. Measured (tests/vm/cases/acct_nested.sh):
 *   8,731 frees lost in 25 s on 6.1, 16,114 on 6.12. ftrace's recursion
 *   guard is per context, so a softirq's free inside a handler is seen.
 * - ipv4_blackhole_route(net, ...) is called through xfrm's afinfo table,
 *   so it is never inlined; its probe only names the namespace of the
 *   dst_alloc() it makes next (blackhole.c). Optional.
 * - metadata_dst_alloc() allocates metadata dsts (tunnels, BPF) without
 *   dst_alloc(); they are freed through dst_destroy(), or directly by
 *   metadata_dst_free() (nft_tunnel), which is hooked too. Optional, and
 *   armed only when that hook is.
 *
 * Every hook that sees a free is armed before any probe that makes a
 * record, and removed after them: a record is made only for an entry whose
 * free dstleak will see. Reports never dereference an entry anyway
 * (inspect.c), so a free missed some other way costs a wrong count, never
 * the host.
 *
 * The kretprobe handlers keep interrupts off while they do real work (the
 * return handlers, and a stack capture), so no softirq runs inside them:
 * what remains is the kprobe code around them, a few dozen instructions,
 * where a nested dst_alloc() is counted as missed. The direct hook misses
 * nothing: a nested allocation runs its handlers nested.
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
	DSTLEAK_DIRECT_KIND,	/* dst_alloc(), dst_destroy(): direct_tramp.S */
};

struct dstleak_probe {
	const char *symbol;
	bool required;
	const char *proto;	/* what the handlers read: btf_proto.h */
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
	const struct net *net;	/* an IPv4 blackhole route's, else NULL */
	u32 stack;
};

/*
 * Where an allocation is counted (hotpath.h). An IPv4 blackhole route's
 * hint (blackhole.c) is only taken where that would be the initial
 * namespace, family other: it names the namespace instead.
 */
static __always_inline struct dstleak_class
classify_alloc(const struct dstleak_alloc_call *call)
{
	if (unlikely(call->net))
		return (struct dstleak_class){
			dstleak_ns_of_key(dstleak_addr_lookup(call->net)),
			DSTLEAK_FAM_OTHER };
	return dstleak_classify(call->ops, call->dev);
}

static DEFINE_PER_CPU(u64[DSTLEAK_NR_PROBES], dstleak_hits);
/* dst_alloc() calls that returned: hits minus these are under way. */
static DEFINE_PER_CPU(u64, dstleak_alloc_returns);

void dstleak_count_hit(int probe)
{
	this_cpu_inc(dstleak_hits[probe]);
}

/*
 * An allocation returned @dst (NULL: it failed). Like every handler here,
 * it runs with preemption off, which RCU counts as a read-side critical
 * section for the namespace lookups (see hotpath.h).
 */
static void count_alloc(const struct dst_entry *dst,
			const struct dstleak_alloc_call *call)
{
	struct dstleak_class c = classify_alloc(call);
	struct dstleak_alloc_info info;

	if (unlikely(!c.ns))
		return;
	if (!dst) {
		dstleak_count_failure(c.ns, c.family);
		return;
	}
	info.ns = c.ns;
	info.family = c.family;
	info.nocount = dst->flags & DST_NOCOUNT;
	info.stack = call->stack;
	/* The entry holds its device from here on. */
	info.ifindex = call->dev ? READ_ONCE(call->dev->ifindex) : 0;
	dstleak_count_alloc(c.ns, c.family, info.nocount);
	if (!dstleak_track || !dstleak_track_add(dst, &info))
		atomic_long_inc(&c.ns->untracked[c.family]);
}

/* From a kretprobe return handler: interrupts off, so no softirq nests. */
static void note_alloc(const struct dst_entry *dst,
		       const struct dstleak_alloc_call *call)
{
	unsigned long flags;

	local_irq_save(flags);
	count_alloc(dst, call);
	local_irq_restore(flags);
}

/* dst_alloc() was called: what its return handler will need. */
static __always_inline void alloc_called(struct dstleak_alloc_call *call,
					 const struct dst_ops *ops,
					 const struct net_device *dev)
{
	dstleak_count_hit(DSTLEAK_PROBE_DST_ALLOC);
	call->ops = ops;
	call->dev = dev;
	call->net = dstleak_blackhole_take(ops, dev);
	call->stack = dstleak_stack_capture();
}

/* dst_alloc() returned @dst; hookcheck.c's own allocation is only noted. */
static __always_inline void alloc_returned(struct dstleak_alloc_call *call,
					   const struct dst_entry *dst)
{
	if (unlikely(call->ops == READ_ONCE(dstleak_alloccheck_ops)))
		WRITE_ONCE(dstleak_alloccheck_seen, dst);
	else
		note_alloc(dst, call);
	this_cpu_inc(dstleak_alloc_returns);
}

static int dst_alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	alloc_called((void *)ri->data, (const void *)dstleak_regs_arg(regs, 0),
		     (const void *)dstleak_regs_arg(regs, 1));
	return 0;
}
NOKPROBE_SYMBOL(dst_alloc_entry);

static int dst_alloc_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	alloc_returned((void *)ri->data, (const void *)regs_return_value(regs));
	return 0;
}
NOKPROBE_SYMBOL(dst_alloc_return);

#ifdef DSTLEAK_DIRECT_CALLS
#include "direct.h"

/*
 * The direct hooks' handlers (direct_tramp.S). They run in the caller's
 * context, preemptible in a task: what kprobes and ftrace give their
 * handlers (no preemption, so an RCU read side) is taken here.
 */
void notrace dstleak_alloc_enter(struct dstleak_alloc_call *call,
				 const struct dst_ops *ops,
				 const struct net_device *dev)
{
	preempt_disable_notrace();
	alloc_called(call, ops, dev);
	preempt_enable_notrace();
}

/* note_alloc() keeps interrupts off for what needs it. */
void notrace dstleak_alloc_exit(struct dstleak_alloc_call *call,
				const struct dst_entry *dst)
{
	alloc_returned(call, dst);
}

static struct dstleak_direct dstleak_direct_alloc = {
	.symbol = "dst_alloc",
	.ip = (unsigned long)dst_alloc,
	.tramp = dstleak_alloc_tramp,
};

/* By address only where dst_destroy() was exported (before 6.9). */
static struct dstleak_direct dstleak_direct_destroy = {
	.symbol = "dst_destroy",
#if defined(DSTLEAK_HAVE_FTRACE_DIRECT_IP) && defined(DSTLEAK_HAVE_EXPORT_DST_DESTROY)
	.ip = (unsigned long)dst_destroy,
#endif
	.tramp = dstleak_destroy_tramp,
};

static bool dstleak_direct_used;

static int direct_register(struct dstleak_direct *d)
{
	int err = dstleak_direct_register(d);

	if (!err)
		dstleak_direct_used = true;
	return err;
}

static void direct_unregister(int probe)
{
	dstleak_direct_unregister(probe == DSTLEAK_PROBE_DST_ALLOC ?
				  &dstleak_direct_alloc :
				  &dstleak_direct_destroy);
}

/* Before the module's text can go: see dstleak_direct_quiesce(). */
static void direct_quiesce(void)
{
	if (dstleak_direct_used)
		dstleak_direct_quiesce();
	dstleak_direct_used = false;
}

/*
 * dst_alloc()'s direct call where the kernel has them and the load-time
 * proof holds (hookcheck.c: an allocation of dstleak's own seen with its
 * result), 0; otherwise why not, and nothing stays registered.
 */
static int direct_alloc_arm(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct dstleak_alloc_call) >
		     DSTLEAK_DIRECT_CALL_ROOM);
	err = direct_register(&dstleak_direct_alloc);
	if (err) {
		pr_info("dst_alloc: no ftrace direct call (%d): hooked by a kretprobe\n",
			err);
		return err;
	}
	err = dstleak_hookcheck_alloc();
	if (err) {
		dstleak_direct_unregister(&dstleak_direct_alloc);
		pr_info("dst_alloc: the ftrace direct call did not see an allocation (%d): hooked by a kretprobe\n",
			err);
		return err;
	}
	pr_info("dst_alloc: hooked by an ftrace direct call (hookcheck: it sees an allocation and its result)\n");
	return 0;
}

/* dst_destroy()'s, proven with the other free hooks (check_free_hooks()). */
static int direct_destroy_arm(void)
{
	int err = direct_register(&dstleak_direct_destroy);

	if (err)
		pr_info("dst_destroy: no ftrace direct call (%d): hooked through an ftrace_ops\n",
			err);
	return err;
}

#else
static int direct_alloc_arm(void)
{
	pr_info("dst_alloc: hooked by a kretprobe (no ftrace direct calls on this kernel, or not on x86-64)\n");
	return -EOPNOTSUPP;
}

static int direct_destroy_arm(void)
{
	return -EOPNOTSUPP;
}

static void direct_unregister(int probe)
{
}

static void direct_quiesce(void)
{
}
#endif

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
	call->ops = md ? md->dst.ops : NULL;
	call->dev = NULL;
	call->net = NULL;
	note_alloc(md ? &md->dst : NULL, call);
	return 0;
}
NOKPROBE_SYMBOL(metadata_alloc_return);

/*
 * The namespace an untracked entry's free is credited to, found from the
 * entry itself (alive here: dst_destroy() is about to use it). IPv6 and
 * xfrm entries by their dst_ops, exact even once the namespace exited;
 * others by their device, which proves nothing once the device was
 * unregistered (the kernel moved the entry to blackhole_netdev) or its
 * namespace exited: those go to the unattributed bucket.
 */
static __always_inline struct dstleak_class
classify_free(const struct dst_entry *dst)
{
	const struct net_device *dev = dst->dev;
	struct dstleak_ops_key *key;
	enum dstleak_family fam = DSTLEAK_FAM_OTHER;

	if (dst->ops == dstleak_ipv4_ops) {
		fam = DSTLEAK_FAM_IPV4;
	} else {
		key = dstleak_addr_lookup(dst->ops);
		if (key)
			return (struct dstleak_class){ key->ns, key->family };
	}
	if (!dev)
		return (struct dstleak_class){ dstleak_init_ns, fam };
	if (dev == blackhole_netdev)
		return (struct dstleak_class){ dstleak_unattr, fam };
	return (struct dstleak_class){
		dstleak_ns_of_key(dstleak_addr_lookup(dev_net(dev))), fam };
}

/*
 * An entry without a record is freed: allocated before load, past
 * max_tracked, or with track=0. Its namespace had it among its untracked
 * entries, or it predates the load (frees_preexisting).
 */
static void note_untracked_free(const struct dst_entry *dst)
{
	struct dstleak_class c = classify_free(dst);
	bool nocount = dst->flags & DST_NOCOUNT;

	if (unlikely(!c.ns))
		return;
	if (c.ns == dstleak_unattr) {
		dstleak_count_free(c.ns, c.family, nocount, false);
		return;
	}
	dstleak_count_free(c.ns, c.family, nocount,
			   !atomic_long_add_unless(&c.ns->untracked[c.family],
						   -1, 0));
}

/* The free of an entry with a record: whether it had one. */
static bool count_tracked_free(const struct dst_entry *dst)
{
	struct dstleak_tracked t;

	if (!dstleak_track)
		return false;
	t = dstleak_track_del(dst);
	if (t.ns)
		dstleak_count_free(t.ns, t.family, t.nocount, false);
	return t.ns;
}

/* An entry is being freed: credit the namespace it was counted in. */
static void count_free(const struct dst_entry *dst)
{
	if (!count_tracked_free(dst))
		note_untracked_free(dst);
}

/*
 * Who counts a metadata entry's free (hookcheck.c proves the path at
 * load). Where dst_destroy() calls the out-of-line metadata_dst_free(),
 * that hook counts every metadata free, through dst_destroy() or direct
 * (nft tunnels), and the dst_destroy() hook leaves metadata entries to it.
 * Where the call is inlined, the metadata hook sees direct calls only, and
 * each hook counts what it sees. Until proven (and if it cannot be), the
 * metadata hook counts only entries with a record, which the dst_destroy()
 * hook would have removed first: nothing is counted twice, and direct
 * frees of entries without a record are not counted.
 */
static int dstleak_md_path = DSTLEAK_MD_UNKNOWN;
/*
 * Where metadata_dst_alloc() is not probed, metadata entries are not
 * counted, nor are their frees ("metadata_frees off").
 */
static bool dstleak_md_off;

static void note_free(const struct dst_entry *dst)
{
	if (unlikely(dst->flags & DST_METADATA) &&
	    (READ_ONCE(dstleak_md_path) == DSTLEAK_MD_OUT_OF_LINE ||
	     READ_ONCE(dstleak_md_off)))
		return;
	count_free(dst);
}

static void note_metadata_free(const struct dst_entry *dst)
{
	if (dstleak_hookcheck_claim(&dstleak_hookcheck_md_dst, dst))
		return;
	if (READ_ONCE(dstleak_md_off))
		return;
	if (READ_ONCE(dstleak_md_path) != DSTLEAK_MD_UNKNOWN)
		count_free(dst);
	else
		count_tracked_free(dst);
}

/*
 * ftrace calls its hooks at the entry of the function, in any context,
 * with interrupts as the caller had them. The recursion guard only refuses
 * a call nested in the same context, which no free path makes.
 */
static __always_inline bool ftrace_enter(struct ftrace_ops *ops,
					 unsigned long ip,
					 unsigned long parent_ip, int *bit)
{
	struct dstleak_probe *p = container_of(ops, struct dstleak_probe, fops);

	*bit = dstleak_ftrace_trylock(ip, parent_ip);
	if (unlikely(*bit < 0)) {
		atomic_long_inc(&p->ftrace_missed);
		return false;
	}
	if (unlikely(!READ_ONCE(p->ftrace_ip)))
		WRITE_ONCE(p->ftrace_ip, ip);
	return true;
}

/* A free hook: the entry, unless it is the load-time hook check's own. */
static __always_inline void free_hook(unsigned long ip, unsigned long parent_ip,
				      struct ftrace_ops *ops,
				      dstleak_fregs_t *fregs, int probe,
				      void (*note)(const struct dst_entry *))
{
	const struct dst_entry *dst;
	int bit;

	if (!ftrace_enter(ops, ip, parent_ip, &bit))
		return;
	dst = (const void *)dstleak_ftrace_arg(fregs, 0);
	if (!dstleak_hookcheck_claim(&dstleak_hookcheck_dst, dst))
		note(dst);
	dstleak_count_hit(probe);
	dstleak_ftrace_unlock(bit);
}

static void notrace dst_destroy_ftrace(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       dstleak_fregs_t *fregs)
{
	free_hook(ip, parent_ip, ops, fregs, DSTLEAK_PROBE_DST_DESTROY,
		  note_free);
}

#ifdef DSTLEAK_DIRECT_CALLS
/*
 * dst_destroy()'s direct hook (direct_tramp.S), entry only. @body is where
 * ftrace's call site returns to, for the probe line. No recursion guard:
 * a free in a softirq that interrupts this runs it nested, as ftrace's
 * per-context guard lets the ftrace hook run.
 */
static unsigned long direct_destroy_ip;	/* 0 until a hit */

void notrace dstleak_destroy_enter(const struct dst_entry *dst,
				   unsigned long body)
{
	preempt_disable_notrace();
	if (unlikely(!READ_ONCE(direct_destroy_ip)))
		WRITE_ONCE(direct_destroy_ip, body - MCOUNT_INSN_SIZE);
	if (!dstleak_hookcheck_claim(&dstleak_hookcheck_dst, dst))
		note_free(dst);
	dstleak_count_hit(DSTLEAK_PROBE_DST_DESTROY);
	preempt_enable_notrace();
}
#endif

static void notrace metadata_free_ftrace(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *ops,
					 dstleak_fregs_t *fregs)
{
	free_hook(ip, parent_ip, ops, fregs, DSTLEAK_PROBE_METADATA_FREE,
		  note_metadata_free);
}

#define DSTLEAK_KPROBE(sym, req, args, pre) {				\
	.symbol = sym, .required = req, .proto = args,			\
	.kind = DSTLEAK_KPROBE_KIND,					\
	.kp = { .symbol_name = sym, .pre_handler = pre },		\
}
#define DSTLEAK_FTRACE(sym, req, args, fn) {				\
	.symbol = sym, .required = req, .proto = args,			\
	.kind = DSTLEAK_FTRACE_KIND,					\
	.fops = { .func = fn, .flags = DSTLEAK_FTRACE_OPS_FLAGS },	\
}
#define DSTLEAK_KRETPROBE(sym, req, args, entry, ret) {			\
	.symbol = sym, .required = req, .proto = args,			\
	.kind = DSTLEAK_KRETPROBE_KIND,					\
	.rp = { .kp.symbol_name = sym, .entry_handler = entry,		\
		.handler = ret,						\
		.data_size = sizeof(struct dstleak_alloc_call) },	\
}

/*
 * In the order of enum dstleak_probe_id: the hooks that see frees first.
 * Each says what its handlers read, "RETURN|INDEX=TYPE;..." with types as
 * pahole prints them (RETURN "-": not read): btfcheck.c checks it against
 * the kernel's BTF before arming, tests/probes.sh against the test
 * kernels'. A handler that reads more must say so here.
 */
static struct dstleak_probe dstleak_probes[DSTLEAK_NR_PROBES] = {
	[DSTLEAK_PROBE_DST_DESTROY] = DSTLEAK_FTRACE("dst_destroy", true,
		"-|0=struct dst_entry *", dst_destroy_ftrace),
	[DSTLEAK_PROBE_METADATA_FREE] = DSTLEAK_FTRACE("metadata_dst_free",
		false, "-|0=struct metadata_dst *", metadata_free_ftrace),
	/* Before dst_alloc(): its hint is there for dst_alloc()'s first hit. */
	[DSTLEAK_PROBE_BLACKHOLE4] = DSTLEAK_KPROBE("ipv4_blackhole_route",
		false, "-|0=struct net *", dstleak_blackhole4_pre),
	[DSTLEAK_PROBE_DST_ALLOC] = DSTLEAK_KRETPROBE("dst_alloc", true,
		"void *|0=struct dst_ops *;1=struct net_device *",
		dst_alloc_entry, dst_alloc_return),
	[DSTLEAK_PROBE_METADATA_ALLOC] = DSTLEAK_KRETPROBE("metadata_dst_alloc",
		false, "struct metadata_dst *|", metadata_alloc_entry,
		metadata_alloc_return),
	/* events.c; static functions, each in kallsyms on 6.1 and 6.12. */
	[DSTLEAK_PROBE_XFRM_LOOKUP] = DSTLEAK_KRETPROBE("xfrm_lookup_with_ifid",
		false, "struct dst_entry *|0=struct net *",
		dstleak_xfrm_lookup_entry, dstleak_xfrm_lookup_return),
	[DSTLEAK_PROBE_XFRM_BUNDLE] = DSTLEAK_KRETPROBE(
		"xfrm_resolve_and_create_bundle", false,
		"struct xfrm_dst *|0=struct xfrm_policy * *",
		dstleak_xfrm_bundle_entry, dstleak_xfrm_bundle_return),
#ifdef DSTLEAK_HAVE_FIB_NH_COMMON
	[DSTLEAK_PROBE_FNHE] = DSTLEAK_KPROBE("update_or_create_fnhe", false,
		"-|0=struct fib_nh_common *;2=__be32", dstleak_fnhe_pre),
#else
	[DSTLEAK_PROBE_FNHE] = DSTLEAK_KPROBE("update_or_create_fnhe", false,
		"-|0=struct fib_nh *;2=__be32", dstleak_fnhe_pre),
#endif
	[DSTLEAK_PROBE_PMTU6] = DSTLEAK_KPROBE("__ip6_rt_update_pmtu", false,
		"-|0=struct dst_entry *", dstleak_pmtu6_pre),
	[DSTLEAK_PROBE_REDIRECT6] = DSTLEAK_KPROBE("rt6_do_redirect", false,
		"-|0=struct dst_entry *", dstleak_redirect6_pre),
	[DSTLEAK_PROBE_EXCEPTION6] = DSTLEAK_KRETPROBE("rt6_insert_exception",
		false, "int|0=struct rt6_info *", dstleak_exception6_entry,
		dstleak_exception6_return),
	[DSTLEAK_PROBE_TCP4_ERR] = DSTLEAK_KPROBE("tcp_v4_err", false,
		"-|0=struct sk_buff *", dstleak_tcp4_err_pre),
	[DSTLEAK_PROBE_TCP6_ERR] = DSTLEAK_KPROBE("tcp_v6_err", false,
		"-|0=struct sk_buff *;2=u8;3=u8", dstleak_tcp6_err_pre),
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
		dstleak_ftrace_free_filter(&p->fops);
	return err;
}

/* Why a probe could not be armed, in words an operator can act on. */
static void explain_failure(struct dstleak_probe *p, int err)
{
	const char *what = p->required ? "cannot" : "optional: cannot";

	if (p->kind == DSTLEAK_FTRACE_KIND && err == -EBUSY)
		pr_err("%s hook %s with ftrace (%d): ftrace is switched off (sysctl kernel.ftrace_enabled=0)\n",
		       what, p->symbol, err);
	else if (p->kind == DSTLEAK_FTRACE_KIND && err == -EINVAL)
		pr_err("%s hook %s with ftrace (%d): not traceable on this kernel (inlined, renamed or notrace)\n",
		       what, p->symbol, err);
	else if (err == -ENOENT || err == -EINVAL)
		pr_err("%s probe %s (%d): no such probe point on this kernel\n",
		       what, p->symbol, err);
	else
		pr_err("%s probe %s (%d)\n", what, p->symbol, err);
}

static int probe_register(struct dstleak_probe *p)
{
	if (p == &dstleak_probes[DSTLEAK_PROBE_DST_ALLOC]) {
		if (!dstleak_direct_off && !direct_alloc_arm()) {
			p->kind = DSTLEAK_DIRECT_KIND;
			return 0;
		}
		if (dstleak_direct_off)
			pr_info("dst_alloc: hooked by a kretprobe (direct_calls=off)\n");
	}
	if (p == &dstleak_probes[DSTLEAK_PROBE_DST_DESTROY] &&
	    !dstleak_direct_off && !direct_destroy_arm()) {
		p->kind = DSTLEAK_DIRECT_KIND;
		return 0;
	}
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
	case DSTLEAK_DIRECT_KIND:
		return 0;	/* nested calls run nested */
	case DSTLEAK_KRETPROBE_KIND:
		return (unsigned long)p->rp.nmissed + p->rp.kp.nmissed;
	default:
		return p->kp.nmissed;
	}
}

unsigned long dstleak_destroy_hook_missed(void)
{
	return probe_missed(&dstleak_probes[DSTLEAK_PROBE_DST_DESTROY]);
}

unsigned long dstleak_metadata_free_hook_missed(void)
{
	return probe_missed(&dstleak_probes[DSTLEAK_PROBE_METADATA_FREE]);
}

#ifdef DSTLEAK_DIRECT_CALLS
static void *direct_site(struct dstleak_probe *p)
{
	if (p == &dstleak_probes[DSTLEAK_PROBE_DST_DESTROY])
		return (void *)READ_ONCE(direct_destroy_ip);
	return (void *)dst_alloc;
}
#else
static void *direct_site(struct dstleak_probe *p)
{
	return NULL;
}
#endif

static void *probe_addr(struct dstleak_probe *p)
{
	switch (p->kind) {
	case DSTLEAK_FTRACE_KIND:
		return (void *)READ_ONCE(p->ftrace_ip);	/* 0 until a hit */
	case DSTLEAK_DIRECT_KIND:
		return direct_site(p);
	case DSTLEAK_KRETPROBE_KIND:
		return p->rp.kp.addr;
	default:
		return p->kp.addr;
	}
}

static void probe_unregister_ftrace(struct dstleak_probe *p)
{
	unregister_ftrace_function(&p->fops);
	dstleak_ftrace_free_filter(&p->fops);
}

/*
 * How metadata frees are counted, for the features line: "exact" once the
 * path is proven, "records" when only entries with a record can be (the
 * path unproven), "off" when metadata entries are not counted at all.
 */
const char *dstleak_metadata_frees_word(void)
{
	if (!dstleak_probes[DSTLEAK_PROBE_METADATA_ALLOC].registered)
		return "off";
	if (READ_ONCE(dstleak_md_path) == DSTLEAK_MD_UNKNOWN)
		return "records";
	return "exact";
}

/* What the metadata hook sees, as check_free_hooks() logs it. */
static const char *const md_path_words[] = {
	[DSTLEAK_MD_UNKNOWN] = " (dst_destroy()'s calls unproven)",
	[DSTLEAK_MD_INLINED] = " (not dst_destroy()'s, inlined there)",
	[DSTLEAK_MD_OUT_OF_LINE] =
		" (and dst_destroy()'s calls: it counts every metadata free)",
};

/*
 * hookcheck.c frees entries of dstleak's own by each path the kernel frees
 * by: a required hook that misses one refuses the load; the optional
 * metadata_dst_free() hook is dropped (and metadata_dst_alloc() with it).
 */
static int check_destroy_hook(void)
{
	struct dstleak_probe *p = &dstleak_probes[DSTLEAK_PROBE_DST_DESTROY];
	int err = dstleak_hookcheck_destroy();

	if (!err && p->kind == DSTLEAK_DIRECT_KIND)
		pr_info("dst_destroy: hooked by an ftrace direct call\n");
	if (!err || p->kind != DSTLEAK_DIRECT_KIND)
		return err;
	pr_info("dst_destroy: the ftrace direct call did not see every free (%d): hooked through an ftrace_ops\n",
		err);
	direct_unregister(DSTLEAK_PROBE_DST_DESTROY);
	p->kind = DSTLEAK_FTRACE_KIND;
	err = ftrace_hook_register(p);
	if (err) {
		p->registered = false;
		explain_failure(p, err);
		return err;
	}
	return dstleak_hookcheck_destroy();
}

static int check_free_hooks(void)
{
	struct dstleak_probe *md = &dstleak_probes[DSTLEAK_PROBE_METADATA_FREE];
	int err;

	err = check_destroy_hook();
	if (err)
		return err;
	if (md->registered && !dstleak_hookcheck_metadata()) {
		pr_info("optional hook metadata_dst_free left out: it does not see metadata_dst_free() calls on this kernel\n");
		probe_unregister_ftrace(md);
		md->registered = false;
	}
	if (md->registered)
		WRITE_ONCE(dstleak_md_path, dstleak_hookcheck_metadata_path());
	pr_info("hookcheck: dst_destroy sees dst_release() and dst_release_immediate()%s%s\n",
		md->registered ? ", metadata_dst_free sees metadata_dst_free()" : "",
		!md->registered ? "" : md_path_words[dstleak_md_path]);
	return 0;
}

/*
 * Whether @p may be armed, by its prototype in the kernel's BTF: 0 to arm
 * it, 1 to leave an optional probe out, or the error that refuses the
 * load. A function the BTF does not have may be a clone or have an
 * optimised signature: nothing proves what an optional probe's handler
 * would read, so it is left out. The required ones are proven otherwise
 * when absent: dst_alloc() is exported, its prototype the headers' the
 * module was built against, and what the dst_destroy() hook reads is
 * checked by hookcheck.c.
 */
static int proto_verdict(struct dstleak_probe *p, unsigned int *agreed)
{
	char why[192];
	int err = dstleak_btf_check(p->symbol, p->proto, why, sizeof(why));

	switch (err) {
	case 0:
		(*agreed)++;
		return 0;
	case -ENOENT:
		if (p->required)
			return 0;
		pr_info("optional probe %s left out: not in the kernel's BTF, so what its handler reads cannot be checked\n",
			p->symbol);
		return 1;
	case -EPROTO:
		if (p->required) {
			pr_err("cannot probe %s: %s (the kernel's BTF); not loading\n",
			       p->symbol, why);
			return err;
		}
		pr_info("optional probe %s left out: %s (the kernel's BTF)\n",
			p->symbol, why);
		return 1;
	default:
		return p->required ? err : 1;
	}
}

static int arm_all(bool have_btf, unsigned int *agreed)
{
	struct dstleak_probe *p;
	int i, err;

	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		p = &dstleak_probes[i];
		/* The free hooks are armed: prove them before any record. */
		if (i == DSTLEAK_PROBE_DST_ALLOC) {
			err = check_free_hooks();
			if (err)
				return err;
		}
		/* Metadata entries only where all their frees are seen. */
		if (i == DSTLEAK_PROBE_METADATA_ALLOC &&
		    !dstleak_probes[DSTLEAK_PROBE_METADATA_FREE].registered) {
			pr_info("optional probe %s left out: metadata_dst_free is not hooked\n",
				p->symbol);
			continue;
		}
		err = have_btf ? proto_verdict(p, agreed) : 0;
		if (err < 0)
			return err;
		if (err)
			continue;
		err = probe_register(p);
		if (!err) {
			p->registered = true;
			continue;
		}
		explain_failure(p, err);
		if (p->required)
			return err;
	}
	WRITE_ONCE(dstleak_md_off,
		   !dstleak_probes[DSTLEAK_PROBE_METADATA_ALLOC].registered);
	return 0;
}

int dstleak_probes_init(void)
{
	unsigned int agreed = 0;
	int btf_err = dstleak_btf_load();
	int err;

	if (btf_err == -ENOENT)
		pr_info("btfcheck: no BTF (/sys/kernel/btf/vmlinux): the probes' prototypes are not checked at load\n");
	else if (btf_err)
		pr_warn("btfcheck: the kernel's BTF could not be read (%d): the probes' prototypes are not checked at load\n",
			btf_err);
	err = arm_all(!btf_err, &agreed);
	if (!btf_err) {
		dstleak_btf_free();
		if (!err)
			pr_info("btfcheck: the prototypes of %u probes agree with the kernel's BTF\n",
				agreed);
	}
	if (err)
		dstleak_probes_exit();
	return err;
}

/* Where the dst_alloc() probe sits, to cut the probe's own stack frames. */
unsigned long dstleak_dst_alloc_addr(void)
{
	return (unsigned long)probe_addr(&dstleak_probes[DSTLEAK_PROBE_DST_ALLOC]);
}

/*
 * Unregistering waits for handlers running on other CPUs: the ftrace hooks
 * one by one (unregister_ftrace_function() waits for tasks on the hook,
 * preempted ones included), the kprobes in two batches, one grace period
 * each, rather than one for every probe, and the direct calls together,
 * one tasks-RCU grace period for both.
 */
void dstleak_probes_exit(void)
{
	struct kretprobe *rps[DSTLEAK_NR_PROBES];
	struct kprobe *kps[DSTLEAK_NR_PROBES];
	int i, nk = 0, nr = 0;

	/* The probes that make records go first, the free hooks last. */
	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (!p->registered)
			continue;
		if (p->kind == DSTLEAK_DIRECT_KIND &&
		    i != DSTLEAK_PROBE_DST_DESTROY)
			direct_unregister(i);
		if (p->kind == DSTLEAK_KRETPROBE_KIND)
			rps[nr++] = &p->rp;
		else if (p->kind == DSTLEAK_KPROBE_KIND)
			kps[nk++] = &p->kp;
	}
	unregister_kprobes(kps, nk);
	unregister_kretprobes(rps, nr);
	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (p->registered && p->kind == DSTLEAK_FTRACE_KIND)
			probe_unregister_ftrace(p);
		else if (p->registered && p->kind == DSTLEAK_DIRECT_KIND &&
			 i == DSTLEAK_PROBE_DST_DESTROY)
			direct_unregister(i);
	}
	direct_quiesce();
	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (p->registered && probe_missed(p))
			pr_info("probe %s missed %lu hits\n", p->symbol,
				probe_missed(p));
		p->registered = false;
	}
}

static u64 probe_hits(int probe);

/*
 * Calibration (netns.c) reads the kernel's counters between these two: an
 * allocation the kernel has counted and dstleak not yet is one under way,
 * and the second call returns at least as many as there were.
 */
u64 dstleak_alloc_returns_sum(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(&dstleak_alloc_returns, cpu));
	return sum;
}

u64 dstleak_allocs_under_way(u64 returns_before)
{
	return probe_hits(DSTLEAK_PROBE_DST_ALLOC) - returns_before;
}

static u64 probe_hits(int probe)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&dstleak_hits, cpu)[0][probe]);
	return sum;
}

/* What "hook" says of each kind (dstleak_format.h). */
static const char *const hook_names[] = {
	[DSTLEAK_KPROBE_KIND] = "kprobe",
	[DSTLEAK_KRETPROBE_KIND] = "kretprobe",
	[DSTLEAK_FTRACE_KIND] = "ftrace",
	[DSTLEAK_DIRECT_KIND] = "direct",
};

/* The probe lines; how many. */
unsigned int dstleak_show_probes(struct seq_file *m)
{
	unsigned int i, lines = 0;

	for (i = 0; i < DSTLEAK_NR_PROBES; i++) {
		struct dstleak_probe *p = &dstleak_probes[i];

		if (!p->registered)
			continue;
		/* %pK: the address only where kptr_restrict allows it. */
		seq_printf(m, "probe %s hits %llu missed %lu addr %pK hook %s\n",
			   p->symbol, probe_hits(i), probe_missed(p),
			   probe_addr(p), hook_names[p->kind]);
		lines++;
	}
	return lines;
}
