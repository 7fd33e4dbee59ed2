// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probe (Kbuild compiles it against the target kernel's headers,
 * writes nothing, links nothing): -DDSTLEAK_HAVE_FTRACE_TEST_RECURSION.
 *
 * Does ftrace offer its per-context recursion guard to callbacks, taking
 * the traced and calling address? 5.11, "ftrace: Add
 * ftrace_test_recursion_trylock() helper function" and "ftrace: Add
 * recording of functions that caused recursion" (the two arguments).
 */
#include <linux/ftrace.h>

void dstleak_probe(unsigned long ip, unsigned long parent_ip);

void dstleak_probe(unsigned long ip, unsigned long parent_ip)
{
	int bit = ftrace_test_recursion_trylock(ip, parent_ip);

	if (bit >= 0)
		ftrace_test_recursion_unlock(bit);
}
