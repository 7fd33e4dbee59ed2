// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe: -DDSTLEAK_HAVE_FTRACE_DIRECT_IP if it compiles.
 *
 * Are ftrace direct calls registered by the traced function's address?
 * 5.5, "ftrace: Add register_ftrace_direct()", until 6.5 moved them into
 * an ftrace_ops (have_ftrace_direct_ops.c).
 */
#include <linux/ftrace.h>

int (*dstleak_probe_reg)(unsigned long, unsigned long) =
	register_ftrace_direct;
int (*dstleak_probe_unreg)(unsigned long, unsigned long) =
	unregister_ftrace_direct;
