/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Force-included by Kbuild, first, only where the kernel's own
 * <linux/mmzone.h> warns under W=1 (see w1_mmzone.c): the warning is off
 * for that header's code and stays on for dstleak's.
 */
#ifndef DSTLEAK_QUIET_MMZONE_H
#define DSTLEAK_QUIET_MMZONE_H

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#include <linux/mmzone.h>
#pragma GCC diagnostic pop

#endif /* DSTLEAK_QUIET_MMZONE_H */
