// SPDX-License-Identifier: GPL-2.0
/*
 * Registering and removing ftrace direct calls (direct_tramp.S), where the
 * kernel has them: by the function's address from 5.5 ("ftrace: Add
 * register_ftrace_direct()"), by an ftrace_ops that holds the filter from
 * 6.5 ("ftrace: Store direct called addresses in their ops"). One direct
 * call per function: another one already there (a BPF fentry program)
 * makes registration fail with -EBUSY, and the caller keeps its other hook.
 */
#include <linux/ftrace.h>
#include <linux/rcupdate.h>
#include "dstleak.h"
#include "direct.h"

#ifdef DSTLEAK_HAVE_FTRACE_DIRECT_OPS
static int direct_register_call(struct dstleak_direct *d)
{
	int err = ftrace_set_filter(&d->ops, (unsigned char *)d->symbol,
				    strlen(d->symbol), 1);

	if (err)
		return err;
	err = register_ftrace_direct(&d->ops, (unsigned long)d->tramp);
	if (err)
		dstleak_ftrace_free_filter(&d->ops);
	return err;
}

static void direct_unregister_call(struct dstleak_direct *d)
{
	unregister_ftrace_direct(&d->ops, (unsigned long)d->tramp, true);
}
#else
static int direct_register_call(struct dstleak_direct *d)
{
	if (!d->ip)
		return -EOPNOTSUPP;
	return register_ftrace_direct(d->ip, (unsigned long)d->tramp);
}

static void direct_unregister_call(struct dstleak_direct *d)
{
	unregister_ftrace_direct(d->ip, (unsigned long)d->tramp);
}
#endif

/*
 * sysctl kernel.ftrace_enabled=0 turns every ftrace call site back into a
 * NOP, direct calls included, and says nothing to their owners. It is
 * refused while an ftrace_ops with FTRACE_OPS_FL_PERMANENT is registered,
 * which a direct call's is not: the guard is one, with no work, on a
 * function of dstleak's own that nothing calls. Registering it fails while
 * ftrace is switched off; then no direct call is armed either.
 */
noinline void dstleak_direct_guard_target(void)
{
	barrier();
}

static void notrace guard_func(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op, dstleak_fregs_t *fregs)
{
}

static struct ftrace_ops dstleak_guard_ops = {
	.func = guard_func,
	.flags = DSTLEAK_FTRACE_OPS_FLAGS,
};
static unsigned int dstleak_guard_users;

static int guard_get(void)
{
	static const char target[] = "dstleak_direct_guard_target";
	int err;

	if (!DSTLEAK_FTRACE_OPS_PERMANENT || dstleak_guard_users++)
		return 0;
	err = ftrace_set_filter(&dstleak_guard_ops, (unsigned char *)target,
				strlen(target), 1);
	if (!err)
		err = register_ftrace_function(&dstleak_guard_ops);
	if (err) {
		dstleak_ftrace_free_filter(&dstleak_guard_ops);
		dstleak_guard_users = 0;
	}
	return err;
}

static void guard_put(void)
{
	if (!DSTLEAK_FTRACE_OPS_PERMANENT || --dstleak_guard_users)
		return;
	unregister_ftrace_function(&dstleak_guard_ops);
	dstleak_ftrace_free_filter(&dstleak_guard_ops);
}

int dstleak_direct_register(struct dstleak_direct *d)
{
	int err;

	/*
	 * Where ftrace has jump-mode direct calls (CONFIG_DYNAMIC_FTRACE_WITH_JMP,
	 * as 7.1 does), bit 0 of the address makes ftrace jump to it, not call
	 * it: the trampoline's return would leave its function unrun.
	 * SYM_FUNC_START aligns them; never register one that is not.
	 */
	if ((unsigned long)d->tramp & 1) {
		pr_err("%s: direct call trampoline at an odd address\n",
		       d->symbol);
		return -EINVAL;
	}
	err = guard_get();
	if (err)
		return err;
	err = direct_register_call(d);
	if (err)
		guard_put();
	return err;
}

/* ftrace calls it no more; dstleak_direct_quiesce() before the text goes. */
void dstleak_direct_unregister(struct dstleak_direct *d)
{
	direct_unregister_call(d);
	guard_put();
}

/*
 * Once ftrace calls them no more, a task may still be in a trampoline, or
 * in the body one called, preempted: the module's text must outlive it. A
 * tasks-RCU grace period waits for every task to leave voluntarily; one
 * serves every direct call removed before it.
 */
void dstleak_direct_quiesce(void)
{
	synchronize_rcu_tasks();
}
