/* SPDX-License-Identifier: GPL-2.0 */
/*
 * direct.h - what direct_tramp.S and probes.c agree on: where dst_alloc()'s
 * body starts, past its ftrace call site, and the room the trampoline
 * keeps on its stack for the handlers (struct dstleak_alloc_call).
 *
 * With IBT every function starts with a 4-byte ENDBR (or the NOP objtool
 * seals it with), then the 5-byte call to __fentry__. The trampoline
 * checks the return address ftrace gave it against this before it calls
 * the body, and otherwise hands the call straight back (nothing counted):
 * a layout this header does not know costs the load-time proof, never a
 * jump to the wrong place.
 */
#ifndef DSTLEAK_DIRECT_H
#define DSTLEAK_DIRECT_H

#ifdef CONFIG_X86_KERNEL_IBT
#define DSTLEAK_DIRECT_BODY_OFFSET 9
#else
#define DSTLEAK_DIRECT_BODY_OFFSET 5
#endif

#define DSTLEAK_DIRECT_CALL_ROOM 40

#ifndef __ASSEMBLY__
#include <linux/ftrace.h>

/* A function hooked by a direct call (direct.c). */
struct dstleak_direct {
	const char *symbol;
	unsigned long ip;	/* its address, where registered by address */
	void (*tramp)(void);
	struct ftrace_ops ops;	/* where registered by ftrace_ops */
};

int dstleak_direct_register(struct dstleak_direct *d);
void dstleak_direct_guard_target(void);
void dstleak_direct_unregister(struct dstleak_direct *d);
void dstleak_direct_quiesce(void);

struct dstleak_alloc_call;
struct dst_ops;
struct dst_entry;
struct net_device;

/* direct_tramp.S, and the handlers it calls (probes.c). */
void dstleak_alloc_tramp(void);
void dstleak_alloc_enter(struct dstleak_alloc_call *call,
			 const struct dst_ops *ops,
			 const struct net_device *dev);
void dstleak_alloc_exit(struct dstleak_alloc_call *call,
			const struct dst_entry *dst);
void dstleak_destroy_tramp(void);
void dstleak_destroy_enter(const struct dst_entry *dst, unsigned long body);
#endif

#endif /* DSTLEAK_DIRECT_H */
