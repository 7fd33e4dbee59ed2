// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation stacks of tracked entries, stored once each in the kernel's
 * stack depot, sampled 1 in stack_sample allocations while `stacks` is on.
 *
 * Handlers do not let the depot allocate (where the kernel can say so, see
 * dstleak_stack_save_noalloc()). When it runs out of room a save fails (the
 * entry keeps no stack, counted in stack_failures) and a work item saves a
 * stack from process context, which lets the depot grow.
 *
 * Without a usable stack depot (compat.h: DSTLEAK_HAVE_STACKS) stacks are
 * off: the functions at the end say so once at load and record nothing.
 */
#include <linux/stacktrace.h>
#include "dstleak.h"

#ifdef DSTLEAK_HAVE_STACKS

#define DSTLEAK_STACK_DEPTH 16

static DEFINE_PER_CPU(unsigned int, dstleak_sample_tick);
static atomic_long_t dstleak_stack_failures;
static bool dstleak_depot_ready;
static unsigned long dstleak_probed_addr;

static void depot_grow(struct work_struct *work)
{
	unsigned long entries[DSTLEAK_STACK_DEPTH];
	unsigned int nr;

	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	stack_depot_save(entries, nr, GFP_KERNEL);
}
static DECLARE_WORK(dstleak_depot_work, depot_grow);

static bool sample_this_one(void)
{
	unsigned int every = READ_ONCE(dstleak_stack_sample);

	return this_cpu_inc_return(dstleak_sample_tick) % every == 0;
}

/*
 * Drop the frames of the probe machinery: keep from the probed function
 * (the frame inside its first bytes, where the probe sits) outwards.
 */
static unsigned int skip_probe_frames(unsigned long *entries, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (entries[i] - dstleak_probed_addr < 32)
			return i;
	return 0;
}

/*
 * Called by the dst_alloc() entry handler, in atomic context. Interrupts
 * stay off while the stack is saved: a softirq allocating a dst inside
 * this kprobe handler would have its allocation skipped by kprobes.
 */
u32 dstleak_stack_capture_sampled(void)
{
	unsigned long entries[DSTLEAK_STACK_DEPTH + 8];
	depot_stack_handle_t handle;
	unsigned long flags;
	unsigned int nr, skip;

	if (!sample_this_one())
		return 0;
	/* Pairs with the release in dstleak_stacks_init(). */
	if (!smp_load_acquire(&dstleak_depot_ready))
		return 0;
	local_irq_save(flags);
	nr = stack_trace_save(entries, ARRAY_SIZE(entries), 0);
	skip = skip_probe_frames(entries, nr);
	handle = dstleak_stack_save_noalloc(entries + skip,
					    min_t(unsigned int, nr - skip,
						  DSTLEAK_STACK_DEPTH));
	local_irq_restore(flags);
	if (!handle) {
		atomic_long_inc(&dstleak_stack_failures);
		schedule_work(&dstleak_depot_work);
	}
	return handle;
}

unsigned long dstleak_stack_failures_count(void)
{
	return atomic_long_read(&dstleak_stack_failures);
}

void dstleak_stack_show(struct seq_file *m, u32 handle)
{
	unsigned long *entries;
	unsigned int i, nr;

	if (!handle)
		return;
	nr = stack_depot_fetch(handle, &entries);
	for (i = 0; i < nr; i++)
		seq_printf(m, "stack %pS\n", (void *)entries[i]);
}

int dstleak_stacks_init(unsigned long probed_addr)
{
	dstleak_probed_addr = probed_addr;
	if (dstleak_stack_depot_init()) {
		pr_warn("stack depot unavailable: allocation stacks are off\n");
		return 0;
	}
	/*
	 * Let the depot make room now, in process context: handlers never
	 * let it allocate, and the first stacks would be lost otherwise.
	 */
	depot_grow(NULL);
	/* The depot is set up before a handler may use it. */
	smp_store_release(&dstleak_depot_ready, true);
	return 0;
}

void dstleak_stacks_exit(void)
{
	cancel_work_sync(&dstleak_depot_work);
}

#else /* !DSTLEAK_HAVE_STACKS */

u32 dstleak_stack_capture_sampled(void)
{
	return 0;
}

unsigned long dstleak_stack_failures_count(void)
{
	return 0;
}

void dstleak_stack_show(struct seq_file *m, u32 handle)
{
}

int dstleak_stacks_init(unsigned long probed_addr)
{
	pr_warn("allocation stacks unavailable: %s\n", DSTLEAK_NO_STACKS_REASON);
	return 0;
}

void dstleak_stacks_exit(void)
{
}

#endif /* DSTLEAK_HAVE_STACKS */
