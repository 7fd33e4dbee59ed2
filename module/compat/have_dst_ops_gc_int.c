// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_DST_OPS_GC_INT.
 *
 * Does dst_ops.gc return int, so that dst_alloc() fails when it reports
 * the family over its limit? Until 6.3, "ipv6: remove max_size check
 * inline with ipv4" (backported to stable and vendor trees).
 */
#include <net/dst_ops.h>

_Static_assert(__builtin_types_compatible_p(typeof(((struct dst_ops *)0)->gc),
					    int (*)(struct dst_ops *)),
	       "dst_ops.gc does not return int");
