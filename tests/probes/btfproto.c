// SPDX-License-Identifier: GPL-2.0
/*
 * The module's BTF reading (module/btf_proto.h), run on the host:
 *
 *   btfproto FILE SYMBOL...     for each SYMBOL, "SYMBOL RET|T0;T1;..." as
 *                               the module renders it from the raw BTF in
 *                               FILE (the .BTF section of a vmlinux), or
 *                               "SYMBOL -" when FILE has no such function
 *   btfproto --agree HAVE WANT  whether a rendered prototype agrees with a
 *                               handler's description: "yes", or "no: WHY"
 *
 * tests/probes.sh compares the first with pahole's pfunct on every test
 * kernel with BTF, and checks the second's verdicts.
 */
#include <stdio.h>
#include <stdlib.h>
#include "btf_proto.h"

static int agree(const char *have, const char *want)
{
	char why[192];

	if (bp_agrees(have, want, why, sizeof(why)))
		printf("yes\n");
	else
		printf("no: %s\n", why);
	return 0;
}

static unsigned char *slurp(const char *path, long *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc(*len);
		if (buf && fread(buf, 1, *len, f) != (size_t)*len) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	char out[DSTLEAK_BTF_PROTO_MAX];
	struct bp_btf b;
	unsigned char *blob;
	const u8 *t;
	long len = 0;
	u32 id;
	int i;

	if (argc == 4 && !strcmp(argv[1], "--agree"))
		return agree(argv[2], argv[3]);
	if (argc < 3) {
		fprintf(stderr, "usage: btfproto FILE SYMBOL... | btfproto --agree HAVE WANT\n");
		return 2;
	}
	blob = slurp(argv[1], &len);
	if (!blob || len > 0xffffffffL || bp_open(&b, blob, (u32)len)) {
		fprintf(stderr, "btfproto: %s: not BTF\n", argv[1]);
		return 1;
	}
	b.offs = malloc((b.nr ? b.nr : 1) * sizeof(u32));
	if (!b.offs)
		return 1;
	bp_index(&b);
	for (i = 2; i < argc; i++) {
		id = 0;
		if (bp_next_func(&b, argv[i], &id, &t)) {
			printf("%s -\n", argv[i]);
			continue;
		}
		if (bp_render_func(&b, t, out, sizeof(out))) {
			printf("%s ?\n", argv[i]);
			continue;
		}
		printf("%s %s\n", argv[i], out);
	}
	return 0;
}
