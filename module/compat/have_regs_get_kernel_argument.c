// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_REGS_GET_KERNEL_ARGUMENT.
 *
 * 5.1, "x86: ptrace: Add function argument access API", added
 * regs_get_kernel_argument(); RHEL 8's 4.18 does not have it.
 */
#include <linux/ptrace.h>

unsigned long dstleak_probe(struct pt_regs *regs);

unsigned long dstleak_probe(struct pt_regs *regs)
{
	return regs_get_kernel_argument(regs, 0);
}
