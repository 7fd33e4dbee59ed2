// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fuzz.c - libFuzzer target for every parser of the reader. The first byte
 * picks the parser; the rest is the file. Whatever a parser accepts must
 * also hold the invariants the commands rely on.
 */
#include <stdlib.h>
#include <string.h>

#include "dl.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
	switch (data[0] % 3) {
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
	}
	free(copy);
	return 0;
}
