// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_STACK_DEPOT_SAVE_EXTRA_BITS.
 *
 * Is there __stack_depot_save(entries, nr, extra_bits, gfp, can_alloc)?
 * 6.1, "stackdepot: reserve 5 extra bits in depot_stack_handle_t", until
 * 6.3, "lib/stacktrace, kasan, kmsan: rework extra_bits interface".
 */
#include <linux/gfp.h>
#include <linux/stackdepot.h>

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr);

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr)
{
	return __stack_depot_save(entries, nr, 0, GFP_NOWAIT, false);
}
