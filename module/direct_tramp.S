/* SPDX-License-Identifier: GPL-2.0 */
/*
 * direct_tramp.S - the dst_alloc() and dst_destroy() hooks where the kernel
 * has ftrace direct calls (probes.c, direct.c). dst_alloc(): ftrace's call
 * at its entry comes here, and this calls dst_alloc()'s body as a
 * function, between the entry and the return handler, as BPF's fexit
 * trampolines do. No kprobe dispatch, no return-address hijack, nothing
 * that can be missed: a handler in a nested context (a softirq's
 * allocation) simply runs nested.
 *
 * On entry [rsp] is the address after ftrace's call site in dst_alloc()
 * (the body), [rsp + 8] the return address into dst_alloc()'s caller, and
 * dst_alloc()'s arguments are in their registers. The body is called
 * directly (a relocation to dst_alloc + offset, so no indirect branch for
 * IBT or retpolines); a body elsewhere than direct.h says is not called:
 * the trampoline returns into it untouched, and the load-time proof
 * (hookcheck.c) then sees no allocation and dstleak falls back to its
 * kretprobe. The stack frame is a normal one: the unwinder goes from the
 * body through here to dst_alloc() and its caller.
 */
#include <linux/linkage.h>
#include <asm/unwind_hints.h>
#include "direct.h"

	.text
SYM_FUNC_START(dstleak_alloc_tramp)
	leaq	dst_alloc + DSTLEAK_DIRECT_BODY_OFFSET(%rip), %rax
	cmpq	%rax, (%rsp)
	jne	.Lpass
	pushq	%rbp
	movq	%rsp, %rbp
	/* dst_alloc() has at most five arguments; all six are kept. */
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%r8
	pushq	%r9
	subq	$DSTLEAK_DIRECT_CALL_ROOM, %rsp
	movq	%rsp, %rdi
	movq	-8(%rbp), %rsi
	movq	-16(%rbp), %rdx
	call	dstleak_alloc_enter
	movq	-8(%rbp), %rdi
	movq	-16(%rbp), %rsi
	movq	-24(%rbp), %rdx
	movq	-32(%rbp), %rcx
	movq	-40(%rbp), %r8
	movq	-48(%rbp), %r9
	call	dst_alloc + DSTLEAK_DIRECT_BODY_OFFSET
	movq	%rax, -8(%rbp)
	movq	%rsp, %rdi
	movq	%rax, %rsi
	call	dstleak_alloc_exit
	movq	-8(%rbp), %rax
	leave
	/* Past the body's address: back to dst_alloc()'s caller. */
	addq	$8, %rsp
	UNWIND_HINT_FUNC
.Lpass:
	RET
SYM_FUNC_END(dstleak_alloc_tramp)

/*
 * The dst_destroy() hook, entry only: the handler gets the entry and the
 * address of the body ftrace called from (for the probe line), then the
 * return goes on into dst_destroy()'s body. dst_destroy() takes one
 * argument: %rdi is all that must survive the handler.
 */
SYM_FUNC_START(dstleak_destroy_tramp)
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rdi
	movq	8(%rbp), %rsi
	call	dstleak_destroy_enter
	popq	%rdi
	leave
	RET
SYM_FUNC_END(dstleak_destroy_tramp)
