/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Function prototypes from the kernel's BTF (/sys/kernel/btf/vmlinux),
 * rendered as text: "RET|ARG0;ARG1;..." with each type as pahole's pfunct
 * prints it ("struct dst_entry *", "u8", "void *", "struct xfrm_policy * *").
 *
 * The module checks what each probe handler reads against it before arming
 * the probe (probes.c); tests/probes/btfproto.c runs the same code on the
 * test kernels' BTF and compares it with pfunct's, so the module's reading
 * of BTF is checked against pahole's on every kernel that has one.
 *
 * Shared by kernel and userspace: no allocation, no library call but
 * memcmp/strlen/memcpy; every read is bounds-checked, so a malformed blob
 * gives an error, never an out-of-bounds read. The BTF format is an ABI:
 * the kind numbers are written here so that old headers need not know the
 * newer kinds.
 */
#ifndef DSTLEAK_BTF_PROTO_H
#define DSTLEAK_BTF_PROTO_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdint.h>
#include <stdio.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
#endif

#define DSTLEAK_BTF_MAGIC	0xeb9f
#define DSTLEAK_BTF_PROTO_MAX	512	/* a rendered prototype, NUL included */

enum {
	BP_INT = 1, BP_PTR, BP_ARRAY, BP_STRUCT, BP_UNION, BP_ENUM, BP_FWD,
	BP_TYPEDEF, BP_VOLATILE, BP_CONST, BP_RESTRICT, BP_FUNC,
	BP_FUNC_PROTO, BP_VAR, BP_DATASEC, BP_FLOAT, BP_DECL_TAG,
	BP_TYPE_TAG, BP_ENUM64,
};

/* Errors: the blob is not BTF as this code knows it, or a buffer is short. */
#define BP_EBADF	1
#define BP_ENOENT	2	/* no function of that name */
#define BP_E2BIG	3

struct bp_btf {
	const u8 *types;
	u32 types_len;
	const char *strs;
	u32 strs_len;
	u32 *offs;		/* offs[id - 1]: type id's offset in types */
	u32 nr;			/* type ids 1..nr */
};

static inline u32 bp_u32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));	/* BTF is in the machine's byte order */
	return v;
}

/* The size of the type record at @off (its 12-byte head and what follows). */
static inline int bp_record_size(const struct bp_btf *b, u32 off, u32 *size)
{
	u32 info, vlen, extra;

	if (off > b->types_len || b->types_len - off < 12)
		return -BP_EBADF;
	info = bp_u32(b->types + off + 4);
	vlen = info & 0xffff;
	switch ((info >> 24) & 0x1f) {
	case BP_PTR: case BP_FWD: case BP_TYPEDEF: case BP_VOLATILE:
	case BP_CONST: case BP_RESTRICT: case BP_FUNC: case BP_FLOAT:
	case BP_TYPE_TAG:
		extra = 0;
		break;
	case BP_INT: case BP_VAR: case BP_DECL_TAG:
		extra = 4;
		break;
	case BP_ARRAY:
		extra = 12;
		break;
	case BP_ENUM: case BP_FUNC_PROTO:
		extra = 8 * vlen;
		break;
	case BP_STRUCT: case BP_UNION: case BP_DATASEC: case BP_ENUM64:
		extra = 12 * vlen;
		break;
	default:
		return -BP_EBADF;
	}
	if (b->types_len - off - 12 < extra)
		return -BP_EBADF;
	*size = 12 + extra;
	return 0;
}

/*
 * Open a BTF blob: find its sections and count its types. Then the caller
 * gives b->offs room for b->nr entries and calls bp_index().
 */
static inline int bp_open(struct bp_btf *b, const u8 *blob, u32 len)
{
	u32 hdr_len, type_off, type_len, str_off, str_len, off, size;

	memset(b, 0, sizeof(*b));
	if (len < 24 || (blob[0] | blob[1] << 8) != DSTLEAK_BTF_MAGIC)
		return -BP_EBADF;
	hdr_len = bp_u32(blob + 4);
	type_off = bp_u32(blob + 8);
	type_len = bp_u32(blob + 12);
	str_off = bp_u32(blob + 16);
	str_len = bp_u32(blob + 20);
	if (hdr_len < 24 || hdr_len > len ||
	    type_off > len - hdr_len || type_len > len - hdr_len - type_off ||
	    str_off > len - hdr_len || str_len > len - hdr_len - str_off ||
	    !str_len || blob[hdr_len + str_off + str_len - 1])
		return -BP_EBADF;
	b->types = blob + hdr_len + type_off;
	b->types_len = type_len;
	b->strs = (const char *)blob + hdr_len + str_off;
	b->strs_len = str_len;
	for (off = 0; off < type_len; off += size) {
		if (bp_record_size(b, off, &size))
			return -BP_EBADF;
		b->nr++;
	}
	return 0;
}

static inline void bp_index(struct bp_btf *b)
{
	u32 off = 0, size = 0, id;

	for (id = 0; id < b->nr; id++, off += size) {
		b->offs[id] = off;
		bp_record_size(b, off, &size);	/* checked by bp_open() */
	}
}

static inline const u8 *bp_type(const struct bp_btf *b, u32 id)
{
	return id && id <= b->nr ? b->types + b->offs[id - 1] : NULL;
}

static inline u32 bp_kind(const u8 *t)
{
	return (bp_u32(t + 4) >> 24) & 0x1f;
}

/* A name of the string section ("" when out of bounds: ends in a NUL). */
static inline const char *bp_name(const struct bp_btf *b, u32 name_off)
{
	return name_off < b->strs_len ? b->strs + name_off : "";
}

/* Append @s to @out (@len bytes, @*pos used); false when it does not fit. */
static inline int bp_put(char *out, u32 len, u32 *pos, const char *s)
{
	size_t n = strlen(s);

	if (n >= len - *pos)
		return -BP_E2BIG;
	memcpy(out + *pos, s, n + 1);
	*pos += n;
	return 0;
}

/* Type @id as pfunct prints it, appended to @out. */
static inline int bp_render_type(const struct bp_btf *b, u32 id, char *out,
				 u32 len, u32 *pos, int depth)
{
	static const char *const prefix[] = {
		[BP_STRUCT] = "struct ", [BP_UNION] = "union ",
		[BP_ENUM] = "enum ", [BP_ENUM64] = "enum ",
		[BP_CONST] = "const ", [BP_VOLATILE] = "volatile ",
	};
	const u8 *t;
	u32 kind;
	int err;

	if (!id)
		return bp_put(out, len, pos, "void");
	t = bp_type(b, id);
	if (!t || depth > 16)
		return -BP_EBADF;
	kind = bp_kind(t);
	switch (kind) {
	case BP_PTR:
		err = bp_render_type(b, bp_u32(t + 8), out, len, pos, depth + 1);
		return err ? err : bp_put(out, len, pos, " *");
	case BP_CONST: case BP_VOLATILE:
		err = bp_put(out, len, pos, prefix[kind]);
		return err ? err : bp_render_type(b, bp_u32(t + 8), out, len,
						  pos, depth + 1);
	case BP_RESTRICT: case BP_TYPE_TAG:
		return bp_render_type(b, bp_u32(t + 8), out, len, pos,
				      depth + 1);
	case BP_FWD:
		err = bp_put(out, len, pos,
			     bp_u32(t + 4) >> 31 ? "union " : "struct ");
		break;
	case BP_STRUCT: case BP_UNION: case BP_ENUM: case BP_ENUM64:
		err = bp_put(out, len, pos, prefix[kind]);
		break;
	case BP_INT: case BP_FLOAT: case BP_TYPEDEF:
		err = 0;
		break;
	default:		/* a function pointer, an array: not read */
		return bp_put(out, len, pos, "?");
	}
	return err ? err : bp_put(out, len, pos, bp_name(b, bp_u32(t)));
}

/*
 * The prototype of function type @func (a BP_FUNC record) as
 * "RET|ARG0;ARG1;...", in @out of @len bytes.
 */
static inline int bp_render_func(const struct bp_btf *b, const u8 *func,
				 char *out, u32 len)
{
	const u8 *proto = bp_type(b, bp_u32(func + 8));
	u32 pos = 0, i, vlen;
	int err;

	if (!len)
		return -BP_E2BIG;
	out[0] = '\0';
	if (!proto || bp_kind(proto) != BP_FUNC_PROTO)
		return -BP_EBADF;
	err = bp_render_type(b, bp_u32(proto + 8), out, len, &pos, 0);
	if (!err)
		err = bp_put(out, len, &pos, "|");
	vlen = bp_u32(proto + 4) & 0xffff;
	for (i = 0; i < vlen && !err; i++) {
		if (i)
			err = bp_put(out, len, &pos, ";");
		if (!err)
			err = bp_render_type(b, bp_u32(proto + 12 + 8 * i + 4),
					     out, len, &pos, 0);
	}
	return err;
}

/*
 * The next function named @name after type id @*id (start at 0); 0 and
 * the record in @*func, or -BP_ENOENT when there is none.
 */
static inline int bp_next_func(const struct bp_btf *b, const char *name,
			       u32 *id, const u8 **func)
{
	const u8 *t;

	while (++*id <= b->nr) {
		t = bp_type(b, *id);
		if (bp_kind(t) == BP_FUNC && !strcmp(bp_name(b, bp_u32(t)), name)) {
			*func = t;
			return 0;
		}
	}
	return -BP_ENOENT;
}

/* Field @i (0-based) of @s separated by @sep, copied to @out; its length or -1. */
static inline int bp_field(const char *s, char sep, int i, char *out, u32 len)
{
	const char *end;
	u32 n;

	for (; i > 0; i--) {
		s = strchr(s, sep);
		if (!s)
			return -1;
		s++;
	}
	end = strchr(s, sep);
	n = end ? (u32)(end - s) : (u32)strlen(s);
	if (n >= len)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/*
 * Whether a rendered prototype @have ("RET|T0;T1") agrees with what a
 * handler reads, @want ("RET|0=T0;2=T2", RET "-" when the return value is
 * not read). On disagreement, @why (of @why_len bytes) says which.
 */
static inline int bp_agrees(const char *have, const char *want, char *why,
			    u32 why_len)
{
	char w[128], h[128], item[128];
	const char *args = strchr(want, '|'), *have_args = strchr(have, '|');
	int i, idx;

	snprintf(why, why_len, "the handler's description '%.64s' is malformed",
		 want);
	if (!args || !have_args || bp_field(want, '|', 0, w, sizeof(w)) < 0 ||
	    bp_field(have, '|', 0, h, sizeof(h)) < 0)
		return 0;
	if (strcmp(w, "-") && strcmp(w, h)) {
		snprintf(why, why_len, "returns '%.64s', the handler reads '%.64s'", h, w);
		return 0;
	}
	for (i = 0; bp_field(args + 1, ';', i, item, sizeof(item)) > 0; i++) {
		if (item[0] < '0' || item[0] > '9' || item[1] != '=')
			return 0;
		idx = item[0] - '0';
		if (bp_field(have_args + 1, ';', idx, h, sizeof(h)) < 0 ||
		    !*h)
			memcpy(h, "none", sizeof("none"));
		if (strcmp(h, item + 2)) {
			snprintf(why, why_len, "argument %d is '%.64s', the handler reads '%.64s'",
				 idx, h, item + 2);
			return 0;
		}
	}
	why[0] = '\0';
	return 1;
}

#endif
