// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_FTRACE_OPS_FL_PERMANENT.
 *
 * Can an ftrace_ops keep the ftrace_enabled sysctl from turning it off?
 * 5.5, "ftrace: Introduce PERMANENT ftrace_ops flag".
 */
#include <linux/ftrace.h>

unsigned long dstleak_probe = FTRACE_OPS_FL_PERMANENT;
