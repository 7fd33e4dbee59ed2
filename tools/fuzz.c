// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz.c - libFuzzer target for every parser of the reader. The first byte
 * picks the parser (modulo 5: summary, suspects, snapshot, objects, the
 * summary's extra lines); the rest is the file. Whatever a parser accepts
 * must also hold the invariants the commands rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "dl.h"
#include "extra.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strings the parsers keep are fit to print: dl_clean() leaves them be. */
static void check_clean(const char *str)
{
	char *c;

	if (!str)
		return;
	c = dl_clean(str, strlen(str));
	if (strcmp(c, str))
		abort();
	free(c);
}

static void check_summary(const struct dl_summary *s)
{
	size_t i;
	int f;

	if (s->format < DL_FORMAT_OLDEST || s->format > DSTLEAK_FORMAT_VERSION)
		abort();
	check_clean(s->module);
	check_clean(s->kernel);
	for (i = 0; i < s->nprobes; i++)
		check_clean(s->probes[i].symbol);
		if (s->probes[i].hook)
			check_clean(s->probes[i].hook);
	for (i = 0; i < s->nns; i++) {
		if (i && dl_nsid_cmp(&s->ns[i - 1].id, &s->ns[i].id) >= 0)
			abort(); /* sorted, no duplicates */
		if (s->ns[i].id.has_cookie != (s->format >= 2))
			abort();
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			double pct;

			if (!s->ns[i].fam[f].seen)
				abort();
			if (dl_headroom(&s->ns[i].fam[f], &pct, NULL, NULL) &&
			    (pct > 100.0 || pct != pct))
				abort();
		}
		if (dl_find_ns(s, &s->ns[i].id) != &s->ns[i])
			abort();
	}
}

/* The objects file: what cmd_objects.c prints and indexes by. */
static void check_objects(const struct dl_objects *o)
{
	size_t i;
	int r;

	for (i = 0; i < o->n; i++) {
		const struct dl_obj *e = &o->v[i];

		if (!e->ident || !e->devstate || e->family < 0 ||
		    e->family >= DSTLEAK_NR_FAMILIES)
			abort();
		check_clean(e->ident);
		check_clean(e->device);
		check_clean(e->devstate);
		r = dl_obj_reason(e);
		if (r < -1 || r >= DL_NR_REASONS)
			abort();
	}
}

/*
 * The extra lines (xfrm, route, icmp, stacks) of a summary that parses:
 * per namespace of the summary, icmp rows pointing into it.
 */
static void check_extra(const char *buf, size_t len)
{
	struct dl_summary s;
	struct dl_extra x;
	struct dl_err err;
	size_t i, seen = 0;

	if (dl_parse_summary(buf, len, "fuzz", &s, &err))
		return;
	if (dl_parse_extra(buf, len, "fuzz", &s, &x, &err) == 0) {
		for (i = 0; i < x.nicmp; i++)
			if (x.icmp[i].ns >= s.nns || x.icmp[i].family < 0 ||
			    x.icmp[i].family >= DSTLEAK_NR_FAMILIES)
				abort();
		/* Every namespace has its lines, seen or not (ASan: sized so). */
		for (i = 0; i < s.nns; i++)
			seen += (size_t)x.xfrm[i].seen + (size_t)x.route[i].seen;
		if (seen > 2 * s.nns)
			abort();
		dl_extra_free(&x);
	} else if (!strchr(err.msg, ':')) {
		abort(); /* errors name the file */
	}
	dl_summary_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dl_objects o;
	struct dl_summary s;
	struct dl_suspects sp;
	struct dl_snapshot snap;
	struct dl_err err;
	const char *buf;
	char *copy;
	size_t i;

	if (size < 1)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	buf = copy;
	switch (data[0] % 5) {
	case 0:
		if (dl_parse_summary(buf, size - 1, "fuzz", &s, &err) == 0) {
			check_summary(&s);
			dl_summary_free(&s);
		} else if (!strchr(err.msg, ':')) {
			abort(); /* errors name the file */
		}
		break;
	case 1:
		if (dl_parse_suspects(buf, size - 1, "fuzz", &sp, &err) == 0) {
			for (i = 0; i < sp.ngroups; i++) {
				if (sp.groups[i].family < 0 || sp.groups[i].reason < 0 ||
				    sp.groups[i].family >= DSTLEAK_NR_FAMILIES ||
				    sp.groups[i].reason >= DL_NR_REASONS)
					abort();
				check_clean(sp.groups[i].device);
			}
			dl_suspects_free(&sp);
		}
		break;
	case 2:
		if (dl_parse_snapshot(buf, size - 1, "fuzz", &snap, &err) == 0) {
			if (!snap.host || !snap.boot_id)
				abort();
			check_summary(&snap.sum);
			dl_snapshot_free(&snap);
		}
		break;
	case 3:
		if (dl_parse_objects(buf, size - 1, "fuzz", &o, &err) == 0) {
			check_objects(&o);
			dl_objects_free(&o);
		} else if (!strchr(err.msg, ':')) {
			abort();
		}
		break;
	case 4:
		check_extra(buf, size - 1);
		break;
	}
	free(copy);
	return 0;
}
