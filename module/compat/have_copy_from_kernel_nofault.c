// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_COPY_FROM_KERNEL_NOFAULT.
 *
 * 5.8, "maccess: rename probe_kernel_{read,write} to
 * copy_{from,to}_kernel_nofault".
 */
#include <linux/uaccess.h>

long dstleak_probe(void *dst, const void *src, size_t size);

long dstleak_probe(void *dst, const void *src, size_t size)
{
	return copy_from_kernel_nofault(dst, src, size);
}
