// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_NET_COOKIE_U64.
 *
 * Is net->net_cookie a plain u64, set when the namespace is created?
 * 5.12, "net: initialize net->net_cookie at netns setup". From 5.7 to 5.11
 * it is an atomic64_t that net_gen_cookie() (not exported) fills on first
 * use; before 5.7 there is none.
 */
#include <net/net_namespace.h>

_Static_assert(__builtin_types_compatible_p(typeof(((struct net *)0)->net_cookie),
					    u64),
	       "net_cookie is not a plain u64");
