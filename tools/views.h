/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * views.h - the commands that show what the module knows beyond the
 * per-family figures of "show": IPsec (xfrm), routes, icmp, status
 * (version, features, tracking, stacks, unattributed, probes), objects;
 * and show's long table. Each takes the filters of filter.h.
 */
#ifndef DL_VIEWS_H
#define DL_VIEWS_H

#include "cli.h"
#include "extra.h"
#include "filter.h"

/* A view being shown: its source, summary and extra lines, names. */
struct view {
	struct source src;
	struct dl_summary s;
	struct dl_extra x;
	struct dl_names *names;
	struct dl_filter f;
	bool json, all;
};

/* Read the summary and its extra lines; exits on failure. */
void view_load(struct view *v);
void view_free(struct view *v);

int cmd_xfrm(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_icmp(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_objects(int argc, char **argv);

/*
 * show --long: every figure of every family of the namespaces of order
 * (indices into s->ns), the families f selects; -a: idle ones too.
 */
void show_long(const struct dl_summary *s, const struct dl_names *names,
	       const struct dl_filter *f, const size_t *order, size_t n, bool all);

#endif
