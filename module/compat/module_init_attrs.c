// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled with -Werror=missing-attributes (Kbuild): does module_init()
 * give init_module its target's attributes? 5.1, "include/linux/module.h:
 * copy __init/__exit attrs to init/cleanup_module", made it; before it,
 * gcc 9 and later warn on every module's module_init() in a kernel header
 * (RHEL 8's 4.18), which Kbuild then quiets for main.c alone.
 */
#include <linux/init.h>
#include <linux/module.h>

static int __init dstleak_probe_init(void)
{
	return 0;
}
module_init(dstleak_probe_init);

static void __exit dstleak_probe_exit(void)
{
}
module_exit(dstleak_probe_exit);
