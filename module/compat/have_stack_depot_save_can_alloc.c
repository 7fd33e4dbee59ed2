// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_STACK_DEPOT_SAVE_CAN_ALLOC.
 *
 * Is there __stack_depot_save(entries, nr, gfp, can_alloc)? 5.16,
 * "lib/stackdepot: introduce __stack_depot_save()"; 6.1 inserted an
 * extra_bits argument (see have_stack_depot_save_extra_bits.c), 6.3,
 * "lib/stacktrace, kasan, kmsan: rework extra_bits interface", took it out
 * again, and 6.8 renamed the function (have_stack_depot_save_flags.c).
 */
#include <linux/gfp.h>
#include <linux/stackdepot.h>

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr);

depot_stack_handle_t dstleak_probe(unsigned long *entries, unsigned int nr)
{
	return __stack_depot_save(entries, nr, GFP_NOWAIT, false);
}
