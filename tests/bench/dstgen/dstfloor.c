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
#include <net/dst.h>

/*
 * mech=direct: the floor of dstleak's direct calls on dst_alloc() and
 * dst_destroy() (module/direct_tramp.S, the same instructions with empty
 * handlers), and the same metadata_dst_alloc() kretprobe. Built where direct calls take an ftrace_ops
 * (6.5, "ftrace: Store direct called addresses in their ops") on x86-64;
 * elsewhere insmod mech=direct fails with ENODEV and the bench has no
 * floor_direct row (dstleak itself also hooks 5.5-6.4 kernels that way).
 */
static char *mech = "kretprobe";
module_param(mech, charp, 0444);
MODULE_PARM_DESC(mech, "kretprobe (dstleak's mechanism) or direct");

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

#if defined(CONFIG_X86_64) && defined(CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS) && defined(DG_HAVE_DIRECT_OPS)
#define DG_DIRECT 1
#include <linux/objtool.h>
#include <asm/ibt.h>
#include <asm/orc_types.h>

#ifdef CONFIG_X86_KERNEL_IBT
#define DG_BODY "9"
#else
#define DG_BODY "5"
#endif

/* As big as module/direct.h's DSTLEAK_DIRECT_CALL_ROOM. */
void dstfloor_alloc_enter(struct dstfloor_call *call, const void *ops,
			  const void *dev);
void notrace dstfloor_alloc_enter(struct dstfloor_call *call, const void *ops,
				  const void *dev)
{
	barrier();
}

void dstfloor_alloc_exit(struct dstfloor_call *call, void *dst);
void notrace dstfloor_alloc_exit(struct dstfloor_call *call, void *dst)
{
	barrier();
}

/*
 * module/direct_tramp.S, instruction for instruction, empty handlers.
 * Aligned as SYM_FUNC_START aligns those: where ftrace has jump-mode
 * direct calls (CONFIG_DYNAMIC_FTRACE_WITH_JMP), bit 0 of the address asks
 * for a jump, and dst_destroy()'s body would be skipped (7.1's floor row
 * was below the kernel alone, every entry leaked).
 */
asm(
"	.pushsection	.text, \"ax\", @progbits\n"
"	.balign		16\n"
"	.type		dstfloor_alloc_tramp, @function\n"
"	.globl		dstfloor_alloc_tramp\n"
"dstfloor_alloc_tramp:\n"
	ASM_ENDBR
"	leaq	dst_alloc + " DG_BODY "(%rip), %rax\n"
"	cmpq	%rax, (%rsp)\n"
"	jne	1f\n"
"	pushq	%rbp\n"
"	movq	%rsp, %rbp\n"
"	pushq	%rdi\n"
"	pushq	%rsi\n"
"	pushq	%rdx\n"
"	pushq	%rcx\n"
"	pushq	%r8\n"
"	pushq	%r9\n"
"	subq	$40, %rsp\n"
"	movq	%rsp, %rdi\n"
"	movq	-8(%rbp), %rsi\n"
"	movq	-16(%rbp), %rdx\n"
"	call	dstfloor_alloc_enter\n"
"	movq	-8(%rbp), %rdi\n"
"	movq	-16(%rbp), %rsi\n"
"	movq	-24(%rbp), %rdx\n"
"	movq	-32(%rbp), %rcx\n"
"	movq	-40(%rbp), %r8\n"
"	movq	-48(%rbp), %r9\n"
"	call	dst_alloc + " DG_BODY "\n"
"	movq	%rax, -8(%rbp)\n"
"	movq	%rsp, %rdi\n"
"	movq	%rax, %rsi\n"
"	call	dstfloor_alloc_exit\n"
"	movq	-8(%rbp), %rax\n"
"	leave\n"
"	addq	$8, %rsp\n"
	UNWIND_HINT(UNWIND_HINT_TYPE_FUNC, ORC_REG_SP, 8, 0)
"1:\n"
	ASM_RET
"	.size		dstfloor_alloc_tramp, .-dstfloor_alloc_tramp\n"
"	.popsection\n"
);
void dstfloor_alloc_tramp(void);

void dstfloor_destroy_enter(const void *dst, unsigned long body);
void notrace dstfloor_destroy_enter(const void *dst, unsigned long body)
{
	barrier();
}

/* module/direct_tramp.S's dstleak_destroy_tramp, empty handler. */
asm(
"	.pushsection	.text, \"ax\", @progbits\n"
"	.balign		16\n"
"	.type		dstfloor_destroy_tramp, @function\n"
"	.globl		dstfloor_destroy_tramp\n"
"dstfloor_destroy_tramp:\n"
	ASM_ENDBR
"	pushq	%rbp\n"
"	movq	%rsp, %rbp\n"
"	pushq	%rdi\n"
"	movq	8(%rbp), %rsi\n"
"	call	dstfloor_destroy_enter\n"
"	popq	%rdi\n"
"	leave\n"
	ASM_RET
"	.size		dstfloor_destroy_tramp, .-dstfloor_destroy_tramp\n"
"	.popsection\n"
);
void dstfloor_destroy_tramp(void);

static struct ftrace_ops direct_ops, direct_destroy_ops;

static int direct_register(void)
{
	int err = ftrace_set_filter_ip(&direct_ops, (unsigned long)dst_alloc,
				       0, 0);

	if (!err)
		err = register_ftrace_direct(&direct_ops,
					     (unsigned long)dstfloor_alloc_tramp);
	if (err)
		return err;
	err = ftrace_set_filter(&direct_destroy_ops,
				(unsigned char *)"dst_destroy",
				strlen("dst_destroy"), 1);
	if (!err)
		err = register_ftrace_direct(&direct_destroy_ops,
					     (unsigned long)dstfloor_destroy_tramp);
	if (err) {
		unregister_ftrace_direct(&direct_ops,
					 (unsigned long)dstfloor_alloc_tramp, true);
		synchronize_rcu_tasks();
	}
	return err;
}

static void direct_unregister(void)
{
	unregister_ftrace_direct(&direct_destroy_ops,
				 (unsigned long)dstfloor_destroy_tramp, true);
	unregister_ftrace_direct(&direct_ops,
				 (unsigned long)dstfloor_alloc_tramp, true);
	synchronize_rcu_tasks();
}
#else
#define DG_DIRECT 0
static int direct_register(void) { return -ENODEV; }
static void direct_unregister(void) { }
#endif

static bool use_direct;

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
	use_direct = !strcmp(mech, "direct");
	if (!use_direct && strcmp(mech, "kretprobe"))
		return -EINVAL;
	if (use_direct) {
		err = direct_register();
		if (!err)
			metadata_registered = !register_kretprobe(&metadata_rp);
		return err;
	}
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
	if (use_direct) {
		direct_unregister();
		return;
	}
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
