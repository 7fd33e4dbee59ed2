/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * columns.h - the columns of each command's main table (table.h): what
 * -o selects, --list-columns describes, raw and the rows JSON print.
 */
#ifndef DL_COLUMNS_H
#define DL_COLUMNS_H

#include "table.h"

extern const struct tbl_desc cols_show, cols_long, cols_watch, cols_diff,
	cols_suspects, cols_xfrm, cols_routes, cols_icmp, cols_objects;

#endif
