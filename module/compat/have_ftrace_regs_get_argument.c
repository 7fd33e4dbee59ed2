// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_FTRACE_REGS_GET_ARGUMENT.
 *
 * Is there an accessor for an argument in ftrace_regs? 6.2, "ftrace:
 * abstract DYNAMIC_FTRACE_WITH_ARGS accesses"; since 6.13, "ftrace: Make
 * ftrace_regs abstract from direct use" (Debian's 6.12 has it through
 * stable), it is the only way in: struct ftrace_regs became opaque.
 */
#include <linux/ftrace.h>

unsigned long dstleak_probe(struct ftrace_regs *fregs);

unsigned long dstleak_probe(struct ftrace_regs *fregs)
{
	return ftrace_regs_get_argument(fregs, 0);
}
