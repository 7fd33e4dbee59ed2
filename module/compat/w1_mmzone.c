// SPDX-License-Identifier: GPL-2.0
/*
 * Header check (Kbuild compiles it against the target kernel's headers
 * with -Werror=unused-but-set-variable, writes nothing, links nothing).
 *
 * Some 5.10.y kernels' <linux/mmzone.h> has movable_only_nodes(), whose
 * nid is set but unused where NODE_DATA() is still the !NUMA macro that
 * ignores its argument (5.15 has an inline function there). W=1 then warns
 * in every file of the module. Where this fails, Kbuild force-includes
 * quiet_mmzone.h, which quiets that warning for this one header only.
 */
#include <linux/mmzone.h>
