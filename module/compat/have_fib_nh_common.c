// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_FIB_NH_COMMON.
 *
 * 5.2, "net: Add fib_nh_common and update fib_nexthop_info helpers", made
 * the device of an IPv4 nexthop a field of struct fib_nh_common (embedded
 * first in struct fib_nh), which update_or_create_fnhe() came to take in
 * the same release (a5995e7107ff "ipv4: Move exception bucket to
 * nh_common"); before it (RHEL 8's 4.18) the function takes a struct fib_nh.
 */
#include <net/ip_fib.h>

struct net_device *dstleak_probe(struct fib_nh_common *nhc);

struct net_device *dstleak_probe(struct fib_nh_common *nhc)
{
	return nhc->nhc_dev;
}
