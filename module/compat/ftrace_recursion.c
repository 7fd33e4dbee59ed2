// SPDX-License-Identifier: GPL-2.0
/*
 * The state of dstleak's own ftrace recursion guard, built only where the
 * kernel has no ftrace_test_recursion_trylock() (see compat.h).
 */
#include "compat.h"

DEFINE_PER_CPU(unsigned int, dstleak_ftrace_recursion);
