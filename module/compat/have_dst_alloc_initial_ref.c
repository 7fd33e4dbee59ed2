// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_DST_ALLOC_INITIAL_REF.
 *
 * 6.7, "net: dst: remove unnecessary input parameter in dst_alloc and
 * dst_init": dst_alloc() lost its initial_ref argument.
 */
#include <net/dst.h>

void *dstleak_probe(struct dst_ops *ops);

void *dstleak_probe(struct dst_ops *ops)
{
	return dst_alloc(ops, NULL, 1, DST_OBSOLETE_NONE, DST_NOCOUNT);
}
