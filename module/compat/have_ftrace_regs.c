// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_FTRACE_REGS if it compiles.
 *
 * Do ftrace callbacks get a struct ftrace_regs? 5.11, "ftrace: Have the
 * callbacks receive a struct ftrace_regs instead of pt_regs". Before, a
 * struct pt_regs, filled only for FTRACE_OPS_FL_SAVE_REGS.
 */
#include <linux/ftrace.h>

static void probe_func(unsigned long ip, unsigned long parent_ip,
		       struct ftrace_ops *op, struct ftrace_regs *fregs)
{
}

ftrace_func_t dstleak_probe = probe_func;
