// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe: -DDSTLEAK_HAVE_FTRACE_DIRECT_OPS if it compiles.
 *
 * Are ftrace direct calls registered with an ftrace_ops that holds the
 * functions' filter? 6.5, "ftrace: Store direct called addresses in their
 * ops" (and "ftrace: Rename _ftrace_direct_multi APIs to _ftrace_direct
 * APIs"). Before, by the function's address (have_ftrace_direct_ip.c).
 * Kbuild also asks that the kernel exports register_ftrace_direct(): the
 * header declares stubs where CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS is off.
 */
#include <linux/ftrace.h>

int (*dstleak_probe_reg)(struct ftrace_ops *, unsigned long) =
	register_ftrace_direct;
int (*dstleak_probe_unreg)(struct ftrace_ops *, unsigned long, bool) =
	unregister_ftrace_direct;
