// SPDX-License-Identifier: GPL-2.0
/*
 * dstfloor - benchmark-only (never shipped): dstleak's probe set with empty
 * handlers, the floor of the mechanism for `make bench`.
 *
 * The same probes as module/probes.c, registered the same way: a kretprobe
 * on dst_alloc() with an entry handler and the same per-instance data size
 * and maxactive, an ftrace hook on dst_destroy() (with the recursion guard
 * every ftrace callback needs), and a kretprobe on metadata_dst_alloc()
 * (optional, as in dstleak). The handlers do nothing else.
 */
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/module.h>

/* As big as dstleak's struct dstleak_alloc_call (two pointers and a u32). */
struct dstfloor_call {
	const void *ops;
	const void *dev;
	u32 stack;
};

static int empty_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}
NOKPROBE_SYMBOL(empty_entry);

static int empty_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return 0;
}
NOKPROBE_SYMBOL(empty_return);

static unsigned long destroy_missed;

static void notrace empty_ftrace(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *ops,
				 struct ftrace_regs *fregs)
{
	int bit = ftrace_test_recursion_trylock(ip, parent_ip);

	if (bit < 0) {
		destroy_missed++;
		return;
	}
	ftrace_test_recursion_unlock(bit);
}

static struct kretprobe alloc_rp = {
	.kp.symbol_name = "dst_alloc",
	.entry_handler = empty_entry,
	.handler = empty_return,
	.data_size = sizeof(struct dstfloor_call),
};

static struct ftrace_ops destroy_ops = {
	.func = empty_ftrace,
	.flags = FTRACE_OPS_FL_PERMANENT,
};

static struct kretprobe metadata_rp = {
	.kp.symbol_name = "metadata_dst_alloc",
	.entry_handler = empty_entry,
	.handler = empty_return,
	.data_size = sizeof(struct dstfloor_call),
};

static bool metadata_registered;

/* As module/compat.h: before 6.2, an empty filter set with reset frees it. */
static void dg_ftrace_free_filter(struct ftrace_ops *ops)
{
#ifdef DG_HAVE_EXPORT_FTRACE_FREE_FILTER
	ftrace_free_filter(ops);
#else
	ftrace_set_filter(ops, NULL, 0, 1);
#endif
}

static int __init dstfloor_init(void)
{
	int err;

	alloc_rp.maxactive = max_t(int, 64, 4 * num_possible_cpus());
	metadata_rp.maxactive = alloc_rp.maxactive;
	err = register_kretprobe(&alloc_rp);
	if (err)
		return err;
	err = ftrace_set_filter(&destroy_ops, (unsigned char *)"dst_destroy",
				strlen("dst_destroy"), 1);
	if (!err)
		err = register_ftrace_function(&destroy_ops);
	if (err) {
		dg_ftrace_free_filter(&destroy_ops);
		unregister_kretprobe(&alloc_rp);
		return err;
	}
	metadata_registered = !register_kretprobe(&metadata_rp);
	return 0;
}

static void __exit dstfloor_exit(void)
{
	if (metadata_registered)
		unregister_kretprobe(&metadata_rp);
	unregister_ftrace_function(&destroy_ops);
	dg_ftrace_free_filter(&destroy_ops);
	unregister_kretprobe(&alloc_rp);
	pr_info("missed: dst_alloc %lu dst_destroy %lu\n",
		(unsigned long)alloc_rp.nmissed + alloc_rp.kp.nmissed,
		destroy_missed);
}

module_init(dstfloor_init);
module_exit(dstfloor_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dstleak benchmark: empty probes on dstleak's probe points (test only)");
