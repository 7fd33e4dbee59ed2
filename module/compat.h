/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel version difference dstleak cares about, decided by
 * feature (Kbuild greps the kernel's headers and sets DSTLEAK_HAVE_*), never
 * by LINUX_VERSION_CODE: distribution kernels backport. Each shim names the
 * kernel version and upstream commit subject that changed the interface.
 */
#ifndef DSTLEAK_COMPAT_H
#define DSTLEAK_COMPAT_H

#include <net/dst.h>

/*
 * 6.4, "net: dst: Switch to rcuref_t reference counting": dst->__refcnt
 * (atomic_t) became dst->__rcuref (rcuref_t). Both are read without a
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
 * The kernel's own entry counter of a dst_ops, exact and signed.
 * dst_entries_get_slow() clamps at zero (percpu_counter_sum_positive), which
 * would hide a counter driven negative by an accounting bug.
 */
static inline s64 dstleak_ops_entries(struct dst_ops *ops)
{
	return percpu_counter_sum(&ops->pcpuc_entries);
}

/*
 * An argument of the function an ftrace callback was called for. 6.13,
 * "ftrace: Make ftrace_regs abstract from direct use" (in Debian's 6.12
 * through stable): struct ftrace_regs became opaque, read through
 * ftrace_regs_get_argument(). Before, on x86 it was a struct pt_regs whose
 * argument registers ftrace_caller saves (5.11, "ftrace/x86: Allow for
 * arguments to be passed in to ftrace_regs by default").
 */
#include <linux/ftrace.h>
#ifdef ftrace_regs_get_argument
#define dstleak_ftrace_arg(fregs, n) ftrace_regs_get_argument(fregs, n)
#elif defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS)
#define dstleak_ftrace_arg(fregs, n) regs_get_kernel_argument(&(fregs)->regs, n)
#else
#error "dstleak needs ftrace with arguments (HAVE_DYNAMIC_FTRACE_WITH_ARGS)"
#endif

/* The register argument of an ftrace callback. */
typedef struct ftrace_regs dstleak_fregs_t;

/* PERMANENT: ftrace cannot be switched off (sysctl) under the hook. */
#define DSTLEAK_FTRACE_OPS_FLAGS FTRACE_OPS_FL_PERMANENT

/* ftrace's per-context recursion guard: < 0 when refused. */
static __always_inline int dstleak_ftrace_trylock(unsigned long ip,
						  unsigned long parent_ip)
{
	return ftrace_test_recursion_trylock(ip, parent_ip);
}

static __always_inline void dstleak_ftrace_unlock(int bit)
{
	ftrace_test_recursion_unlock(bit);
}

/*
 * Reading memory that may have been freed (a report's look at an entry
 * whose free dstleak may have missed): never faults.
 */
#include <linux/uaccess.h>
static inline long dstleak_read_nofault(void *dst, const void *src,
					size_t size)
{
	return copy_from_kernel_nofault(dst, src, size);
}

/*
 * The kernel's 64-bit network namespace cookie, never reused; 0 where the
 * kernel has none a module can read (netns.c then numbers namespaces
 * itself). 5.12, "net: initialize net->net_cookie at netns setup": a u64
 * set when the namespace is created.
 */
#include <net/net_namespace.h>
static inline u64 dstleak_net_cookie(const struct net *net)
{
	return net->net_cookie;
}

/*
 * Saving a stack without allocating (probe handlers run in atomic context;
 * on PREEMPT_RT the page allocator may sleep there).
 * In the 6.8 stack depot rework, __stack_depot_save(entries, nr,
 * extra_bits, gfp, can_alloc)
 * became stack_depot_save_flags(..., STACK_DEPOT_FLAG_CAN_ALLOC).
 */
#include <linux/stackdepot.h>
#ifdef DSTLEAK_HAVE_STACK_DEPOT_SAVE_FLAGS
static inline depot_stack_handle_t
dstleak_stack_save_noalloc(unsigned long *entries, unsigned int nr)
{
	return stack_depot_save_flags(entries, nr, GFP_NOWAIT, 0);
}
#else
static inline depot_stack_handle_t
dstleak_stack_save_noalloc(unsigned long *entries, unsigned int nr)
{
	return __stack_depot_save(entries, nr, 0, GFP_NOWAIT, false);
}
#endif

#endif /* DSTLEAK_COMPAT_H */
