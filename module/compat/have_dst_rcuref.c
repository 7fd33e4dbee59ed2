// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_DST_RCUREF.
 *
 * 6.4, "net: dst: Switch to rcuref_t reference counting": dst->__refcnt
 * (atomic_t) became dst->__rcuref (rcuref_t).
 */
#include <net/dst.h>

rcuref_t *dstleak_probe(struct dst_entry *dst);

rcuref_t *dstleak_probe(struct dst_entry *dst)
{
	return &dst->__rcuref;
}
