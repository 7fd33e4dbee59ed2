/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel difference dstleak cares about, decided by feature,
 * never by LINUX_VERSION_CODE: distribution kernels backport. Kbuild compiles
 * one probe per question against the target kernel's headers
 * (module/compat/have_*.c, each naming the upstream commit that changed the
 * interface) and reads its exports from Module.symvers; the answers arrive
 * here as DSTLEAK_HAVE_* and become the names the rest of the module uses.
 * Kconfig symbols (CONFIG_*) are facts about the kernel and are used as such.
 */
#ifndef DSTLEAK_COMPAT_H
#define DSTLEAK_COMPAT_H

#include <asm/processor.h>
#include <linux/ftrace.h>
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/stackdepot.h>
#include <linux/uaccess.h>
#include <net/dst.h>
#include <net/net_namespace.h>

/*
 * dst->__refcnt (atomic_t) became dst->__rcuref (rcuref_t) in 6.4, "net:
 * dst: Switch to rcuref_t reference counting". Both are read without a
 * reference held, for reports only.
 */
#ifdef DSTLEAK_HAVE_DST_RCUREF
static inline int dstleak_dst_refcnt(const struct dst_entry *dst)
{
	return rcuref_read((rcuref_t *)&dst->__rcuref);
}
#else
static inline int dstleak_dst_refcnt(const struct dst_entry *dst)
{
	return atomic_read(&dst->__refcnt);
}
#endif

/*
 * An entry of dstleak's own (hookcheck.c): no device, uncounted, one
 * reference. 6.7, "net: dst: remove unnecessary input parameter in
 * dst_alloc and dst_init", dropped the initial_ref argument.
 */
static inline struct dst_entry *dstleak_dst_alloc_own(struct dst_ops *ops)
{
#ifdef DSTLEAK_HAVE_DST_ALLOC_INITIAL_REF
	return dst_alloc(ops, NULL, 1, DST_OBSOLETE_NONE, DST_NOCOUNT);
#else
	return dst_alloc(ops, NULL, DST_OBSOLETE_NONE, DST_NOCOUNT);
#endif
}

/*
 * The kernel's own entry counter of a dst_ops, exact and signed.
 * dst_entries_get_slow() clamps at zero (percpu_counter_sum_positive), which
 * would hide a counter driven negative by an accounting bug.
 */
static inline s64 dstleak_ops_entries(struct dst_ops *ops)
{
	return percpu_counter_sum(&ops->pcpuc_entries);
}

/*
 * DSTLEAK_HAVE_DST_OPS_GC_INT (a probe result, used as is): dst_ops.gc
 * returns int, and dst_alloc() fails when it reports the family over its
 * limit. Until 6.3, "ipv6: remove max_size check inline with ipv4", which
 * stable and vendor trees backported.
 */
#ifdef DSTLEAK_HAVE_DST_OPS_GC_INT
#define DSTLEAK_FEATURE_GC_INT 1
#else
#define DSTLEAK_FEATURE_GC_INT 0
#endif

/* 64-bit jiffies, for ages that outlive a 32-bit wrap. */
static inline u64 dstleak_jiffies64(void)
{
	return get_jiffies_64();
}

/*
 * The ftrace hook. Kbuild refuses a kernel without CONFIG_DYNAMIC_FTRACE or
 * with neither ftrace_regs arguments nor saved registers, so one of these
 * holds:
 * - the callback's last argument is a struct ftrace_regs (5.11, "ftrace:
 *   Have the callbacks receive a struct ftrace_regs instead of pt_regs");
 *   with CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS it carries the argument
 *   registers always (5.11, "ftrace/x86: Allow for arguments to be passed
 *   in to ftrace_regs by default"), otherwise only with
 *   FTRACE_OPS_FL_SAVE_REGS, as a full pt_regs (ftrace_get_regs());
 * - before 5.11 it is a struct pt_regs, filled only with
 *   FTRACE_OPS_FL_SAVE_REGS: how livepatch used ftrace on those kernels.
 * Where ftrace_regs_get_argument() exists (6.2, "ftrace: abstract
 * DYNAMIC_FTRACE_WITH_ARGS accesses"), it is the way in: 6.13, "ftrace: Make
 * ftrace_regs abstract from direct use" (in Debian's 6.12 through stable),
 * made struct ftrace_regs opaque. Without WITH_ARGS it reads the saved
 * pt_regs, so the flags below ask for them. dstleak_fregs_t, the type of
 * that last argument, is a macro: kernel style adds no typedefs.
 */
#ifdef DSTLEAK_HAVE_FTRACE_REGS
#define dstleak_fregs_t struct ftrace_regs
#else
#define dstleak_fregs_t struct pt_regs
#endif

/*
 * Argument @n of a probed function, from the registers at its entry. 5.1,
 * "x86: ptrace: Add function argument access API", added the kernel's
 * accessor; before it (RHEL 8), the x86-64 calling convention's registers.
 */
#ifdef DSTLEAK_HAVE_REGS_GET_KERNEL_ARGUMENT
#define dstleak_regs_arg(regs, n) regs_get_kernel_argument(regs, n)
#elif defined(CONFIG_X86_64)
static __always_inline unsigned long dstleak_regs_arg(struct pt_regs *regs,
						       unsigned int n)
{
	switch (n) {
	case 0: return regs->di;
	case 1: return regs->si;
	case 2: return regs->dx;
	case 3: return regs->cx;
	case 4: return regs->r8;
	case 5: return regs->r9;
	}
	return 0;
}
#else
#error "dstleak: this kernel has no regs_get_kernel_argument() for this architecture"
#endif

/*
 * update_or_create_fnhe()'s first argument: a struct fib_nh_common since
 * 5.2 ("net: Add fib_nh_common and update fib_nexthop_info helpers", then
 * a5995e7107ff "ipv4: Move exception bucket to nh_common"), a struct
 * fib_nh before (RHEL 8). Its device is the first field of either. The
 * probe table (probes.c) names the same type for the BTF check at load.
 */
#ifdef DSTLEAK_HAVE_FIB_NH_COMMON
#define dstleak_fnhe_nh fib_nh_common
#define dstleak_fnhe_dev(nh) ((nh)->nhc_dev)
#else
#define dstleak_fnhe_nh fib_nh
#define dstleak_fnhe_dev(nh) ((nh)->nh_dev)
#endif

#if defined(DSTLEAK_HAVE_FTRACE_REGS_GET_ARGUMENT)
#define dstleak_ftrace_arg(fregs, n) ftrace_regs_get_argument(fregs, n)
#elif defined(DSTLEAK_HAVE_FTRACE_REGS) && \
	defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define dstleak_ftrace_arg(fregs, n) dstleak_regs_arg(&(fregs)->regs, n)
#elif defined(DSTLEAK_HAVE_FTRACE_REGS)
#define dstleak_ftrace_arg(fregs, n) \
	dstleak_regs_arg(ftrace_get_regs(fregs), n)
#else
#define dstleak_ftrace_arg(regs, n) dstleak_regs_arg(regs, n)
#endif

/*
 * PERMANENT (5.5, "ftrace: Introduce PERMANENT ftrace_ops flag"): the
 * ftrace_enabled sysctl cannot switch the hook off under dstleak. Before
 * 5.5 nothing prevents it, and frees go uncounted while it is off.
 */
#ifdef DSTLEAK_HAVE_FTRACE_OPS_FL_PERMANENT
#define DSTLEAK_FTRACE_OPS_PERMANENT FTRACE_OPS_FL_PERMANENT
#else
#define DSTLEAK_FTRACE_OPS_PERMANENT 0
#endif
#ifdef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
#define DSTLEAK_FTRACE_OPS_FLAGS DSTLEAK_FTRACE_OPS_PERMANENT
#else
#define DSTLEAK_FTRACE_OPS_FLAGS \
	(DSTLEAK_FTRACE_OPS_PERMANENT | FTRACE_OPS_FL_SAVE_REGS)
#endif

/*
 * A per-context recursion guard for the hook: < 0 when refused, else the
 * bit to hand to dstleak_ftrace_unlock(). It refuses only a call nested in
 * the same context on the same CPU. ftrace's own guard came in 5.11,
 * "ftrace: Add ftrace_test_recursion_trylock() helper function" (ip and
 * parent_ip: "ftrace: Add recording of functions that caused recursion").
 */
#ifdef DSTLEAK_HAVE_FTRACE_TEST_RECURSION
static __always_inline int dstleak_ftrace_trylock(unsigned long ip,
						  unsigned long parent_ip)
{
	return ftrace_test_recursion_trylock(ip, parent_ip);
}

static __always_inline void dstleak_ftrace_unlock(int bit)
{
	ftrace_test_recursion_unlock(bit);
}
#else
/*
 * Before 5.11: one bit per context (task, softirq, hardirq, NMI) per CPU,
 * in module/compat/ftrace_recursion.c, with preemption off in between as
 * ftrace's guard keeps it. A context that interrupts another one returns
 * before it resumes, restoring the word, so plain per-CPU operations do.
 */
DECLARE_PER_CPU(unsigned int, dstleak_ftrace_recursion);

static __always_inline int dstleak_ftrace_context(void)
{
	unsigned long pc = preempt_count();

	if (pc & NMI_MASK)
		return 3;
	if (pc & HARDIRQ_MASK)
		return 2;
	if (pc & SOFTIRQ_OFFSET)
		return 1;
	return 0;
}

static __always_inline int dstleak_ftrace_trylock(unsigned long ip,
						  unsigned long parent_ip)
{
	int bit;

	preempt_disable_notrace();
	bit = dstleak_ftrace_context();
	if (unlikely(__this_cpu_read(dstleak_ftrace_recursion) & BIT(bit))) {
		preempt_enable_notrace();
		return -1;
	}
	__this_cpu_or(dstleak_ftrace_recursion, BIT(bit));
	return bit;
}

static __always_inline void dstleak_ftrace_unlock(int bit)
{
	__this_cpu_and(dstleak_ftrace_recursion, ~BIT(bit));
	preempt_enable_notrace();
}
#endif

/*
 * Freeing the filter of an unregistered hook. Before 6.2, "ftrace: Export
 * ftrace_free_filter() to modules", a module empties it instead: an empty
 * filter set with reset frees the old hash.
 */
#ifdef DSTLEAK_HAVE_EXPORT_FTRACE_FREE_FILTER
static inline void dstleak_ftrace_free_filter(struct ftrace_ops *ops)
{
	ftrace_free_filter(ops);
}
#else
static inline void dstleak_ftrace_free_filter(struct ftrace_ops *ops)
{
	ftrace_set_filter(ops, NULL, 0, 1);
}
#endif

/*
 * Reading memory that may have been freed (a report's look at an entry
 * whose free dstleak may have missed): never faults. 5.8, "maccess: rename
 * probe_kernel_{read,write} to copy_{from,to}_kernel_nofault".
 */
/*
 * Whether [@src, @src + @size) can be read without faulting in a way the
 * fixup cannot quietly handle. On x86-64 a non-canonical address raises
 * #GP, not #PF; newer kernels' copy_from_kernel_nofault_allowed() refuses
 * it, but 5.4's probe_kernel_read() takes the fault and warns ("General
 * protection fault in user access"): refuse those here, on every kernel.
 */
static inline bool dstleak_nofault_addr_ok(const void *src, size_t size)
{
#ifdef CONFIG_X86_64
	unsigned int shift = 64 - boot_cpu_data.x86_virt_bits;
	unsigned long first = (unsigned long)src, last = first + size - 1;

	return (long)first < 0 && last >= first &&
	       (unsigned long)((long)(first << shift) >> shift) == first &&
	       (unsigned long)((long)(last << shift) >> shift) == last;
#else
	return true;
#endif
}

static inline long dstleak_read_nofault(void *dst, const void *src,
					size_t size)
{
	if (!dstleak_nofault_addr_ok(src, size))
		return -EFAULT;
#ifdef DSTLEAK_HAVE_COPY_FROM_KERNEL_NOFAULT
	return copy_from_kernel_nofault(dst, src, size);
#else
	return probe_kernel_read(dst, src, size);
#endif
}

/*
 * The kernel's 64-bit network namespace cookie, never reused; 0 where the
 * kernel has none a module can read (netns.c then numbers namespaces
 * itself). 5.12, "net: initialize net->net_cookie at netns setup": a u64
 * set when the namespace is created. From 5.7 it was an atomic64_t filled
 * on first use by net_gen_cookie(), which modules cannot call.
 */
static inline u64 dstleak_net_cookie(const struct net *net)
{
#ifdef DSTLEAK_HAVE_NET_COOKIE_U64
	return net->net_cookie;
#else
	return 0;
#endif
}

/*
 * Allocation stacks, in the kernel's stack depot. DSTLEAK_HAVE_STACKS when
 * the kernel has one (CONFIG_STACKDEPOT), exports it, and can save a stack
 * from a probe handler; else DSTLEAK_NO_STACKS_REASON says why not.
 *
 * Handlers save without letting the depot allocate where the kernel can
 * say so: 5.16, "lib/stackdepot: introduce __stack_depot_save()" (can_alloc);
 * 6.1 added, and 6.3 removed again, an extra_bits argument; 6.8,
 * "lib/stackdepot, kasan: add flags to __stack_depot_save and rename",
 * made it stack_depot_save_flags() (no STACK_DEPOT_FLAG_CAN_ALLOC). Before
 * 5.16 stack_depot_save(GFP_NOWAIT) may take pages for the depot in atomic
 * context, which the page allocator allows, except on PREEMPT_RT, where its
 * locks sleep: no stacks there.
 */
#if defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_FLAGS) || \
	defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_EXTRA_BITS) || \
	defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_CAN_ALLOC)
#define DSTLEAK_STACK_SAVE_NOALLOC
#endif

#if !defined(CONFIG_STACKDEPOT)
#define DSTLEAK_NO_STACKS_REASON "kernel built without CONFIG_STACKDEPOT"
#elif !defined(DSTLEAK_HAVE_EXPORT_STACK_DEPOT_SAVE) || \
	!defined(DSTLEAK_HAVE_EXPORT_STACK_DEPOT_FETCH) || \
	!defined(DSTLEAK_HAVE_EXPORT_STACK_TRACE_SAVE)
#define DSTLEAK_NO_STACKS_REASON "kernel does not export its stack depot"
#elif !defined(DSTLEAK_STACK_SAVE_NOALLOC) && defined(CONFIG_PREEMPT_RT)
#define DSTLEAK_NO_STACKS_REASON \
	"kernel's stack depot cannot save without allocating (PREEMPT_RT)"
#else
#define DSTLEAK_HAVE_STACKS
#endif

/* For the features line (report.c). */
#ifdef DSTLEAK_HAVE_STACKS
#define DSTLEAK_FEATURE_STACKS 1
#else
#define DSTLEAK_FEATURE_STACKS 0
#endif

static inline depot_stack_handle_t
dstleak_stack_save_noalloc(unsigned long *entries, unsigned int nr)
{
#if !defined(DSTLEAK_HAVE_STACKS)
	return 0;
#elif defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_FLAGS)
	return stack_depot_save_flags(entries, nr, GFP_NOWAIT, 0);
#elif defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_EXTRA_BITS)
	return __stack_depot_save(entries, nr, 0, GFP_NOWAIT, false);
#elif defined(DSTLEAK_HAVE_STACK_DEPOT_SAVE_CAN_ALLOC)
	return __stack_depot_save(entries, nr, GFP_NOWAIT, false);
#else
	return stack_depot_save(entries, nr, GFP_NOWAIT);
#endif
}

/*
 * Setting the depot up from a module: 5.16, "lib/stackdepot: allow optional
 * init and stack_table allocation by kvmalloc()", exported
 * stack_depot_init(). Before, the kernel set it up at boot (or it was
 * static), and stack_depot_init(), where declared, was __init.
 */
static inline int dstleak_stack_depot_init(void)
{
#ifdef DSTLEAK_HAVE_EXPORT_STACK_DEPOT_INIT
	return stack_depot_init();
#else
	return 0;
#endif
}

#endif /* DSTLEAK_COMPAT_H */
