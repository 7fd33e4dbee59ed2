// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_STACK_DEPOT_SAVE_FLAGS.
 *
 * 6.8, "lib/stackdepot, kasan: add flags to __stack_depot_save and
 * rename": __stack_depot_save(..., gfp, can_alloc) became
 * stack_depot_save_flags(..., gfp, depot_flags); without
 * STACK_DEPOT_FLAG_CAN_ALLOC it never allocates.
 */
#include <linux/gfp.h>
#include <linux/stackdepot.h>

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr);

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr)
{
	return stack_depot_save_flags(entries, nr, GFP_NOWAIT, 0);
}
