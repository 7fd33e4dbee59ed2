// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * parse.c - parsers for the files the dstleak module writes (summary,
 * /proc/net/dstleak, probes, suspects) and for the snapshots the reader
 * writes. Every parser takes a whole file in memory, never trusts it, and on
 * any doubt fails with one message naming the file and the line: a reader
 * that prints a wrong number as if it were right is worse than none.
 *
 * Grammar: module/dstleak_format.h. Tokens are separated by spaces (runs of
 * blanks are tolerated); control bytes, NUL and a missing final newline are
 * errors. Lines with an unknown leading keyword are skipped (forward
 * compatibility); known lines must carry their "name value" pairs in the
 * documented order, and may carry further pairs after them, which are
 * skipped.
 *
 * Formats 1 and 2 are read. Format 2 added pairs (each pspec says since
 * which format it is there; an older file reads them as null), lines
 * (unattributed per family, settled), the cookie, and the "end lines N"
 * line, without which a format 2 file was cut short and is refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

#define DL_FIELD_NAME(name) #name,
const char *const dl_field_names[DL_NR_FIELDS] = { DSTLEAK_NS_FIELDS(DL_FIELD_NAME) };
#undef DL_FIELD_NAME
#define DL_FAMILY_NAME(id, name) name,
const char *const dl_family_names[DSTLEAK_NR_FAMILIES] = { DSTLEAK_FAMILIES(DL_FAMILY_NAME) };
#undef DL_FAMILY_NAME
#define DL_REASON_NAME(id, name) name,
const char *const dl_reason_names[DL_NR_REASONS] = { DSTLEAK_REASONS(DL_REASON_NAME) };
#undef DL_REASON_NAME

/*
 * Counters are u64. Gauges may be signed: drift is, and the module prints
 * live, peak, kernel, expected and the limits as s64 (a gc_thresh of -1 is a sysctl
 * someone set to "never"), so they are read as s64: overflow is still
 * caught, a negative value is reported as what it is.
 */
bool dl_field_signed(int field)
{
	switch (field) {
	case DL_F_live:
	case DL_F_peak:
	case DL_F_kernel:
	case DL_F_drift:
	case DL_F_gc_thresh:
	case DL_F_max_size:
		return true;
	default:
		return false;
	}
}

/* The value as sign and magnitude. */
static void sign_mag(const struct dl_num *v, bool *neg, uint64_t *mag)
{
	if (v->is_signed && v->s < 0) {
		*neg = true;
		*mag = (uint64_t)0 - (uint64_t)v->s;
	} else {
		*neg = false;
		*mag = v->is_signed ? (uint64_t)v->s : v->u;
	}
}

double dl_num_d(const struct dl_num *v)
{
	return v->is_signed ? (double)v->s : (double)v->u;
}

int dl_num_cmp(const struct dl_num *a, const struct dl_num *b)
{
	bool na, nb;
	uint64_t ma, mb;

	sign_mag(a, &na, &ma);
	sign_mag(b, &nb, &mb);
	if (na != nb)
		return na ? -1 : 1;
	if (ma == mb)
		return 0;
	return (ma < mb) != na ? -1 : 1;
}

/* b - a exactly, as "+N", "-N" or "+0"; false if it does not fit. */
bool dl_num_diff(char *buf, size_t n, const struct dl_num *a,
		 const struct dl_num *b)
{
	bool na, nb, neg;
	uint64_t ma, mb, m;

	sign_mag(a, &na, &ma);
	sign_mag(b, &nb, &mb);
	/* b - a = b + (-a) */
	na = !na;
	if (na == nb) {
		if (ma > UINT64_MAX - mb)
			return false;
		m = ma + mb;
		neg = nb;
	} else if (mb >= ma) {
		m = mb - ma;
		neg = nb;
	} else {
		m = ma - mb;
		neg = na;
	}
	if (m == 0)
		neg = false;
	snprintf(buf, n, "%c%" PRIu64, neg ? '-' : '+', m);
	return true;
}

/* |v| */
uint64_t dl_num_abs(const struct dl_num *v)
{
	bool neg;
	uint64_t m;

	sign_mag(v, &neg, &m);
	return m;
}

#define MAXTOK 96

struct tok {
	const char *p;
	size_t n;
};

struct ctx {
	const char *buf;
	size_t len, pos;
	const char *path;
	unsigned int format; /* of the file, once its first line is read */
	unsigned int end_line; /* of "end lines N", 0 until seen */
	unsigned int line; /* number of the current line */
	unsigned int line_base; /* added to line in messages */
	struct dl_err *err;
	/* the current line */
	const char *lp;
	size_t ln;
	struct tok t[MAXTOK];
	size_t nt;
};

static int fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct ctx *c, const char *fmt, ...)
{
	char m[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	if (c->line)
		snprintf(c->err->msg, sizeof(c->err->msg), "%s:%u: %s", c->path,
			 c->line + c->line_base, m);
	else
		snprintf(c->err->msg, sizeof(c->err->msg), "%s: %s", c->path, m);
	return -1;
}

/* A token fit to quote in a message: printable, at most 40 bytes. */
static const char *q(const struct tok *t)
{
	static char b[4][48];
	static unsigned int i;
	char *o = b[i++ & 3];
	size_t n = t->n > 40 ? 40 : t->n, k;

	for (k = 0; k < n; k++) {
		unsigned char ch = (unsigned char)t->p[k];

		o[k] = (ch >= 0x21 && ch < 0x7f) ? (char)ch : '?';
	}
	if (t->n > n) {
		memcpy(o + n, "...", 3);
		n += 3;
	}
	o[n] = 0;
	return o;
}

/*
 * Is the token s? Byte by byte, with no strlen: called 14 times a line.
 * A token holds no NUL, so the end of a shorter s stops the loop.
 */
static bool tok_is(const struct tok *t, const char *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->p[i] != s[i])
			return false;
	return s[i] == 0;
}

static bool is_keyword(const struct tok *t)
{
	size_t i;

	if (t->n == 0 || t->n > 64 || !(t->p[0] >= 'a' && t->p[0] <= 'z'))
		return false;
	for (i = 1; i < t->n; i++) {
		char ch = t->p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/*
 * Split the current line into tokens, refusing control bytes, in one pass
 * (a summary of 100,000 namespaces is 120 MB). A line with more than
 * MAXTOK tokens keeps its first MAXTOK-1 and a last one that runs to the
 * end of the line.
 */
static int split(struct ctx *c)
{
	const char *p = c->lp, *end = c->lp + c->ln; /* *end is '\n' */

	c->nt = 0;
	while (p < end) {
		const char *tok;

		while (*p == ' ' || *p == '\t')
			p++;
		if (p == end)
			break;
		tok = p;
		if (c->nt == MAXTOK - 1) {
			/* The last token runs to the end; checked below. */
			c->t[c->nt].p = tok;
			c->t[c->nt++].n = (size_t)(end - tok);
			break;
		}
		/* Bytes above ' ' but DEL are text (UTF-8 too); '\n' stops. */
		while ((unsigned char)*p > ' ' && *p != 0x7f)
			p++;
		c->t[c->nt].p = tok;
		c->t[c->nt++].n = (size_t)(p - tok);
		if (p < end && *p != ' ' && *p != '\t')
			break; /* a control byte: found below */
	}
	for (; p < end; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(c, "garbage: control byte 0x%02x in column %zu",
				    ch, (size_t)(p - c->lp) + 1);
	}
	return 0;
}

/* Next line: 1 with c->lp/c->ln/c->t set, 0 at the end, -1 on error. */
static int next_line(struct ctx *c)
{
	const char *p, *nl;

	if (c->pos >= c->len)
		return 0;
	c->line++;
	p = c->buf + c->pos;
	nl = memchr(p, '\n', c->len - c->pos);
	if (!nl)
		return fail(c, "truncated: last line has no newline");
	c->lp = p;
	c->ln = (size_t)(nl - p);
	c->pos += c->ln + 1;
	if (split(c))
		return -1;
	if (c->nt == 0)
		return fail(c, "empty line");
	if (!is_keyword(&c->t[0]))
		return fail(c, "garbage: '%s' is not a keyword", q(&c->t[0]));
	return 1;
}

/* The rest of the line after token i, for values that may hold blanks. */
static char *rest(struct ctx *c, size_t i)
{
	const char *s = c->t[i].p, *e = c->lp + c->ln;

	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return dl_clean(s, (size_t)(e - s));
}

int dl_parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 20)
		return n ? -ERANGE : -EINVAL;
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int dl_parse_s64(const char *s, size_t n, int64_t *out)
{
	uint64_t m;
	int r;

	if (n && s[0] == '-') {
		r = dl_parse_u64(s + 1, n - 1, &m);
		if (r)
			return r;
		if (m > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*out = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
		return 0;
	}
	r = dl_parse_u64(s, n, &m);
	if (r)
		return r;
	if (m > (uint64_t)INT64_MAX)
		return -ERANGE;
	*out = (int64_t)m;
	return 0;
}

int dl_family_index(const char *s, size_t n)
{
	int i;

	for (i = 0; i < DSTLEAK_NR_FAMILIES; i++)
		if (strlen(dl_family_names[i]) == n &&
		    memcmp(dl_family_names[i], s, n) == 0)
			return i;
	return -1;
}

static int reason_index(const struct tok *t)
{
	int i;

	for (i = 0; i < DL_NR_REASONS; i++)
		if (tok_is(t, dl_reason_names[i]))
			return i;
	return -1;
}

enum ptype {
	PT_NUM, /* struct dl_num, u64 or "-" */
	PT_SNUM, /* struct dl_num, s64 or "-" */
	PT_U64, /* uint64_t, a number is required */
	PT_BIT, /* uint64_t, 0 or 1 */
	PT_FAM, /* int, a family name */
	PT_REASON, /* int, a reason name */
	PT_STR, /* char *, NULL for "-"; made fit to print */
};

struct pspec {
	const char *name;
	enum ptype type;
	void *dst;
	unsigned int since; /* the format that added it; 0 for all */
};

static int num_err(struct ctx *c, int r, const char *name, const struct tok *v)
{
	if (r == -ERANGE)
		return fail(c, "value of '%s' overflows: %s", name, q(v));
	return fail(c, "value of '%s' is not a number: '%s'", name, q(v));
}

static int parse_num(struct ctx *c, const struct pspec *s, const struct tok *v)
{
	struct dl_num *d = s->dst;
	int r;

	memset(d, 0, sizeof(*d));
	d->is_signed = s->type == PT_SNUM;
	if (tok_is(v, "-")) {
		d->null = true;
		return 0;
	}
	if (d->is_signed)
		r = dl_parse_s64(v->p, v->n, &d->s);
	else
		r = dl_parse_u64(v->p, v->n, &d->u);
	return r ? num_err(c, r, s->name, v) : 0;
}

static int parse_value(struct ctx *c, const struct pspec *s, const struct tok *v)
{
	int r = 0;

	switch (s->type) {
	case PT_NUM:
	case PT_SNUM:
		return parse_num(c, s, v);
	case PT_U64:
	case PT_BIT:
		r = dl_parse_u64(v->p, v->n, s->dst);
		if (r)
			return num_err(c, r, s->name, v);
		if (s->type == PT_BIT && *(uint64_t *)s->dst > 1)
			return fail(c, "value of '%s' is not 0 or 1: %s", s->name, q(v));
		return 0;
	case PT_FAM:
		*(int *)s->dst = dl_family_index(v->p, v->n);
		if (*(int *)s->dst < 0)
			return fail(c, "unknown family '%s'", q(v));
		return 0;
	case PT_REASON:
		*(int *)s->dst = reason_index(v);
		if (*(int *)s->dst < 0)
			return fail(c, "unknown suspect reason '%s'", q(v));
		return 0;
	case PT_STR:
		*(char **)s->dst = tok_is(v, "-") ? NULL : dl_clean(v->p, v->n);
		return 0;
	}
	return fail(c, "internal error");
}

/* A pair the file's format does not have: null if a figure. */
static void absent(const struct pspec *s)
{
	if (s->type == PT_NUM || s->type == PT_SNUM) {
		struct dl_num *d = s->dst;

		memset(d, 0, sizeof(*d));
		d->null = true;
		d->is_signed = s->type == PT_SNUM;
	}
}

/*
 * Tokens from index start on are "name value" pairs: first the ones of spec
 * that the file's format has, in order, then any number of further pairs,
 * which are skipped.
 */
static int parse_pairs(struct ctx *c, size_t start, const struct pspec *spec,
		       size_t nspec)
{
	size_t i, k = start;

	if (c->nt == MAXTOK)
		return fail(c, "too many fields");
	for (i = 0; i < nspec; i++) {
		if (spec[i].since > c->format) {
			absent(&spec[i]);
			continue;
		}
		if (k >= c->nt)
			return fail(c, "missing field '%s'", spec[i].name);
		if (!tok_is(&c->t[k], spec[i].name))
			return fail(c, "expected field '%s', found '%s'",
				    spec[i].name, q(&c->t[k]));
		if (k + 1 >= c->nt)
			return fail(c, "field '%s' has no value", spec[i].name);
		if (parse_value(c, &spec[i], &c->t[k + 1]))
			return -1;
		k += 2;
	}
	for (; k < c->nt; k += 2) {
		if (!is_keyword(&c->t[k]))
			return fail(c, "garbage: '%s' is not a field name",
				    q(&c->t[k]));
		if (k + 1 >= c->nt)
			return fail(c, "field '%s' has no value", q(&c->t[k]));
	}
	return 0;
}

static int parse_format(struct ctx *c, unsigned int *format)
{
	uint64_t v;
	int r;

	r = next_line(c);
	if (r < 0)
		return -1;
	if (r == 0) {
		c->line = 1;
		return fail(c, "empty file (no 'format' line)");
	}
	if (!tok_is(&c->t[0], "format"))
		return fail(c, "missing 'format' line (found '%s')", q(&c->t[0]));
	if (c->nt != 2)
		return fail(c, "malformed 'format' line");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &v);
	if (r)
		return num_err(c, r, "format", &c->t[1]);
	if (v < DL_FORMAT_OLDEST || v > DSTLEAK_FORMAT_VERSION)
		return fail(c, "unsupported format %" PRIu64
			    " (this dstleak reads formats %d to %d; upgrade the reader)",
			    v, DL_FORMAT_OLDEST, DSTLEAK_FORMAT_VERSION);
	*format = c->format = (unsigned int)v;
	return 0;
}

/*
 * The next line: like next_line(), but nothing may follow "end lines N",
 * and format 2 files must end with it: a file without was cut short.
 */
static int next_body_line(struct ctx *c)
{
	int r = next_line(c);

	if (r > 0 && c->end_line)
		return fail(c, "a line after the 'end' line of line %u", c->end_line);
	if (r == 0 && c->format >= 2 && !c->end_line)
		return fail(c, "truncated: the file ends without its 'end lines N' line");
	return r;
}

/* "end lines N": N counts the lines before it. */
static int parse_end(struct ctx *c)
{
	uint64_t n;
	struct pspec spec[] = { { "lines", PT_U64, &n, 0 } };

	if (parse_pairs(c, 1, spec, 1))
		return -1;
	if (n != c->line - 1)
		return fail(c, "truncated or damaged: 'end lines %" PRIu64
			    "' but %u lines before it", n, c->line - 1);
	c->end_line = c->line;
	return 0;
}

uint64_t dl_nsid_key(const struct dl_nsid *id)
{
	return id->has_cookie ? id->cookie : id->inum;
}

int dl_nsid_cmp(const struct dl_nsid *a, const struct dl_nsid *b)
{
	if (a->inum != b->inum)
		return a->inum < b->inum ? -1 : 1;
	if (!a->has_cookie || !b->has_cookie || a->cookie == b->cookie)
		return 0;
	return a->cookie < b->cookie ? -1 : 1;
}

static int cmp_ns(const void *a, const void *b)
{
	return dl_nsid_cmp(&((const struct dl_ns *)a)->id,
			   &((const struct dl_ns *)b)->id);
}

/* The namespaces of a summary being read, by dl_nsid_key. */
struct nsindex {
	struct dl_map map; /* key -> index in s->ns */
	size_t cap;
	size_t xerr_cap; /* of s->xerrs */
};

/* Pairs the module added in format 2; format 1 files read them as null. */
static unsigned int field_since(int field)
{
	switch (field) {
	case DL_F_cookie:
	case DL_F_untracked:
	case DL_F_orphaned:
	case DL_F_limit_enforced:
		return 2;
	default:
		return 0;
	}
}

/* The pairs of an "ns" line: the figures into f, the cookie into id. */
static int ns_pairs(struct ctx *c, struct dl_num *f, struct dl_nsid *id)
{
	struct pspec spec[DL_NR_FIELDS];
	int i;

	for (i = 0; i < DL_NR_FIELDS; i++) {
		spec[i].name = dl_field_names[i];
		spec[i].type = dl_field_signed(i) ? PT_SNUM : PT_NUM;
		spec[i].dst = &f[i];
		spec[i].since = field_since(i);
	}
	spec[DL_F_cookie].type = PT_U64;
	spec[DL_F_cookie].dst = &id->cookie;
	spec[DL_F_limit_enforced].type = PT_BIT;
	spec[DL_F_limit_enforced].dst = &f[DL_F_limit_enforced].u;
	memset(&f[DL_F_limit_enforced], 0, sizeof(f[0]));
	if (parse_pairs(c, 4, spec, DL_NR_FIELDS))
		return -1;
	f[DL_F_cookie].null = true; /* a namespace's, not a family's */
	f[DL_F_limit_enforced].null = c->format < 2;
	id->has_cookie = c->format >= 2;
	return 0;
}

/* The namespace of id: found by its key, or added. */
static struct dl_ns *ns_get(struct ctx *c, struct dl_summary *s,
			    struct nsindex *x, const struct dl_nsid *id)
{
	struct dl_ns *ns;
	bool added;
	uint64_t *at = dl_map_put(&x->map, dl_nsid_key(id), s->nns, &added);

	if (!added) {
		ns = &s->ns[*at];
		if (ns->id.inum != id->inum) {
			fail(c, "namespace cookie %" PRIu64 " has inode %" PRIu64
			     " here but %" PRIu64 " on line %u", id->cookie,
			     id->inum, ns->id.inum, ns->line);
			return NULL;
		}
		return ns;
	}
	s->ns = dl_grow(s->ns, s->nns, &x->cap, sizeof(*s->ns));
	ns = &s->ns[s->nns++];
	memset(ns, 0, sizeof(*ns));
	ns->id = *id;
	ns->line = c->line + c->line_base;
	ns->xfrm_gen_error.null = true;
	return ns;
}

static int parse_ns(struct ctx *c, struct dl_summary *s, struct nsindex *x)
{
	struct dl_num f[DL_NR_FIELDS];
	struct dl_nsid id = { 0 };
	struct dl_ns *ns;
	bool exited;
	int fam, r;

	if (c->nt < 4)
		return fail(c, "malformed 'ns' line: expected INUM STATE FAMILY");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &id.inum);
	if (r)
		return num_err(c, r, "ns", &c->t[1]);
	if (tok_is(&c->t[2], "alive"))
		exited = false;
	else if (tok_is(&c->t[2], "exited"))
		exited = true;
	else
		return fail(c, "unknown namespace state '%s'", q(&c->t[2]));
	fam = dl_family_index(c->t[3].p, c->t[3].n);
	if (fam < 0)
		return fail(c, "unknown family '%s'", q(&c->t[3]));
	if (ns_pairs(c, f, &id))
		return -1;
	ns = ns_get(c, s, x, &id);
	if (!ns)
		return -1;
	if (ns->fam[fam].seen)
		return fail(c, "duplicate line for namespace %" PRIu64 " family %s",
			    id.inum, dl_family_names[fam]);
	/* The namespace may exit while the file is read: exited wins. */
	ns->exited |= exited;
	ns->fam[fam].seen = true;
	memcpy(ns->fam[fam].f, f, sizeof(f));
	return 0;
}

/* "module V" and "kernel V": the rest of the line. */
static int parse_text(struct ctx *c, struct dl_summary *s)
{
	const struct tok *kw = &c->t[0];
	char **dst = tok_is(kw, "module") ? &s->module : &s->kernel;

	if (c->nt < 2)
		return fail(c, "'%s' line has no value", q(kw));
	if (*dst)
		return fail(c, "duplicate '%s' line", q(kw));
	*dst = rest(c, 1);
	return 0;
}

/* The figures are signed: a kernel counter driven below zero must show. */
static int parse_global(struct ctx *c, struct dl_summary *s)
{
	struct dl_global g;
	struct pspec spec[] = {
		{ "kernel", PT_SNUM, &g.kernel, 0 },
		{ "expected", PT_SNUM, &g.expected, 0 },
		{ "drift", PT_SNUM, &g.drift, 0 },
	};
	int fam;

	if (c->nt < 2)
		return fail(c, "'global' line has no family");
	fam = dl_family_index(c->t[1].p, c->t[1].n);
	if (fam < 0)
		return fail(c, "unknown family '%s'", q(&c->t[1]));
	if (parse_pairs(c, 2, spec, 3))
		return -1;
	if (s->global[fam].seen)
		return fail(c, "duplicate 'global %s' line", dl_family_names[fam]);
	g.seen = true;
	s->global[fam] = g;
	return 0;
}

static int parse_tracking(struct ctx *c, struct dl_summary *s)
{
	struct dl_tracking *t = &s->tracking;
	struct pspec spec[] = {
		{ "tracked", PT_NUM, &t->tracked, 0 },
		{ "overflow", PT_NUM, &t->overflow, 0 },
		{ "bytes", PT_NUM, &t->bytes, 0 },
		{ "max", PT_NUM, &t->max, 0 },
		{ "entry_bytes", PT_NUM, &t->entry_bytes, 0 },
		{ "steal_misses", PT_NUM, &t->steal_misses, 2 },
		{ "irqoff_max_ns", PT_NUM, &t->irqoff_max_ns, 2 },
	};

	if (t->seen)
		return fail(c, "duplicate 'tracking' line");
	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0])))
		return -1;
	t->seen = true;
	return 0;
}

static int parse_probe(struct ctx *c, struct dl_summary *s, size_t *cap)
{
	struct dl_probe p;
	struct pspec spec[] = {
		{ "hits", PT_NUM, &p.hits, 0 },
		{ "missed", PT_NUM, &p.missed, 0 },
	};
	size_t k;

	if (c->nt < 2)
		return fail(c, "'probe' line has no symbol");
	if (parse_pairs(c, 2, spec, 2))
		return -1;
	/* "hook KIND" is among the later pairs where the module says it. */
	p.hook = NULL;
	for (k = 6; k + 1 < c->nt; k += 2)
		if (tok_is(&c->t[k], "hook") && !p.hook)
			p.hook = dl_clean(c->t[k + 1].p, c->t[k + 1].n);
	p.symbol = dl_clean(c->t[1].p, c->t[1].n);
	s->probes = dl_grow(s->probes, s->nprobes, cap, sizeof(*s->probes));
	s->probes[s->nprobes++] = p;
	return 0;
}

/* Format 2: "unattributed FAMILY allocs N frees N orphaned N". */
static int parse_unattr(struct ctx *c, struct dl_summary *s)
{
	struct dl_unattr u;
	struct pspec spec[] = {
		{ "allocs", PT_NUM, &u.allocs, 0 },
		{ "frees", PT_NUM, &u.frees, 0 },
		{ "orphaned", PT_NUM, &u.orphaned, 0 },
	};
	int fam;

	if (c->nt < 2)
		return fail(c, "'unattributed' line has no family");
	fam = dl_family_index(c->t[1].p, c->t[1].n);
	if (fam < 0)
		return fail(c, "unknown family '%s'", q(&c->t[1]));
	if (parse_pairs(c, 2, spec, 3))
		return -1;
	if (s->unattr[fam].seen)
		return fail(c, "duplicate 'unattributed %s' line", dl_family_names[fam]);
	u.seen = true;
	s->unattr[fam] = u;
	return 0;
}

/* Format 2: "settled 0|1". */
static int parse_settled(struct ctx *c, struct dl_summary *s)
{
	uint64_t v;
	int r;

	if (c->nt < 2)
		return fail(c, "'settled' line has no value");
	if (s->settled >= 0)
		return fail(c, "duplicate 'settled' line");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &v);
	if (r)
		return num_err(c, r, "settled", &c->t[1]);
	if (v > 1)
		return fail(c, "value of 'settled' is not 0 or 1: %s", q(&c->t[1]));
	s->settled = (int)v;
	return 0;
}

/*
 * The value of pair @name among the further pairs from token @from on (a
 * pair added within a format, which an older module leaves out), or NULL.
 */
static const struct tok *further_pair(const struct ctx *c, size_t from,
				      const char *name)
{
	size_t k;

	for (k = from; k + 1 < c->nt; k += 2)
		if (tok_is(&c->t[k], name))
			return &c->t[k + 1];
	return NULL;
}

/* "metadata_frees exact|records|off", if said. */
static int parse_md_frees(struct ctx *c, size_t from, enum dl_md_frees *v)
{
	const struct tok *t = further_pair(c, from, "metadata_frees");

	if (!t)
		*v = DL_MD_UNSAID;
	else if (tok_is(t, "exact"))
		*v = DL_MD_EXACT;
	else if (tok_is(t, "records"))
		*v = DL_MD_RECORDS;
	else if (tok_is(t, "off"))
		*v = DL_MD_OFF;
	else
		return fail(c, "value of 'metadata_frees' is not exact, records or off: %s",
			    q(t));
	return 0;
}

/*
 * Format 2: "features stacks 0|1 ftrace_permanent 0|1 netns_cookie
 * kernel|dstleak limits_enforceable 0|1", then (since 0.2.0's first
 * release, so optional) "metadata_frees exact|records|off".
 */
static int parse_features(struct ctx *c, struct dl_summary *s)
{
	struct dl_features *f = &s->features;
	char *cookie = NULL;
	struct pspec spec[] = {
		{ "stacks", PT_BIT, &f->stacks, 0 },
		{ "ftrace_permanent", PT_BIT, &f->ftrace_permanent, 0 },
		{ "netns_cookie", PT_STR, &cookie, 0 },
		{ "limits_enforceable", PT_BIT, &f->limits_enforceable, 0 },
	};
	int r = 0;

	if (f->seen)
		return fail(c, "duplicate 'features' line");
	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0]))) {
		free(cookie);
		return -1;
	}
	if (cookie && !strcmp(cookie, "dstleak"))
		f->cookie_dstleak = true;
	else if (!cookie || strcmp(cookie, "kernel"))
		r = fail(c, "value of 'netns_cookie' is not kernel or dstleak: %s",
			 q(&c->t[6]));
	free(cookie);
	if (!r)
		r = parse_md_frees(c, 1 + 2 * (sizeof(spec) / sizeof(spec[0])),
				   &f->metadata_frees);
	f->seen = r == 0;
	return r;
}

/* Format 2: "calibration spread N". */
static int parse_calibration(struct ctx *c, struct dl_summary *s)
{
	struct dl_num v;
	struct pspec spec[] = { { "spread", PT_NUM, &v, 0 } };

	if (!s->calib_spread.null)
		return fail(c, "duplicate 'calibration' line");
	if (parse_pairs(c, 1, spec, 1))
		return -1;
	if (v.null)
		return fail(c, "value of 'spread' is not a number: -");
	s->calib_spread = v;
	return 0;
}

/* Format 2: a namespace's "xfrm" line; kept: kernel_out_bundle_gen_error. */
static int parse_xfrm(struct ctx *c, struct dl_summary *s, struct nsindex *x)
{
	struct dl_nsid id = { .has_cookie = true };
	struct dl_num n[8];
	struct pspec spec[] = {
		{ "ns", PT_U64, &id.inum, 0 },
		{ "cookie", PT_U64, &id.cookie, 0 },
		{ "lookups", PT_NUM, &n[0], 0 },
		{ "lookup_errors", PT_NUM, &n[1], 0 },
		{ "bundles", PT_NUM, &n[2], 0 },
		{ "bundle_errors", PT_NUM, &n[3], 0 },
		{ "kernel_out_bundle_gen_error", PT_NUM, &n[4], 0 },
		{ "kernel_out_bundle_check_error", PT_NUM, &n[5], 0 },
		{ "kernel_out_no_states", PT_NUM, &n[6], 0 },
		{ "kernel_out_pol_error", PT_NUM, &n[7], 0 },
	};
	struct dl_ns *ns;

	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0])))
		return -1;
	ns = ns_get(c, s, x, &id);
	if (!ns)
		return -1;
	if (ns->xfrm_seen)
		return fail(c, "duplicate 'xfrm' line for namespace %" PRIu64, id.inum);
	ns->xfrm_seen = true;
	ns->xfrm_gen_error = n[4];
	return 0;
}

/*
 * Format 2: "xfrm_error ns INUM cookie COOKIE where lookup|bundle errno
 * NAME count N".
 */
static int parse_xfrm_error(struct ctx *c, struct dl_summary *s, struct nsindex *x)
{
	struct dl_xerr e = { .id = { .has_cookie = true } };
	char *where = NULL;
	struct pspec spec[] = {
		{ "ns", PT_U64, &e.id.inum, 0 },
		{ "cookie", PT_U64, &e.id.cookie, 0 },
		{ "where", PT_STR, &where, 0 },
		{ "errno", PT_STR, &e.errname, 0 },
		{ "count", PT_U64, &e.count, 0 },
	};
	int r = 0;

	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0]))) {
		free(where);
		free(e.errname);
		return -1;
	}
	if (where && !strcmp(where, "bundle"))
		e.bundle = true;
	else if (!where || strcmp(where, "lookup"))
		r = fail(c, "value of 'where' is not lookup or bundle: %s", q(&c->t[6]));
	if (!r && !e.errname)
		r = fail(c, "value of 'errno' is not a name: -");
	/* The namespace's cookie and inode must agree with its other lines. */
	if (!r && !ns_get(c, s, x, &e.id))
		r = -1;
	free(where);
	if (r) {
		free(e.errname);
		return -1;
	}
	e.line = c->line + c->line_base;
	s->xerrs = dl_grow(s->xerrs, s->nxerrs, &x->xerr_cap, sizeof(*s->xerrs));
	s->xerrs[s->nxerrs++] = e;
	return 0;
}

static int cmp_xerr(const void *a, const void *b)
{
	const struct dl_xerr *x = a, *y = b;
	int r = dl_nsid_cmp(&x->id, &y->id);

	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Every namespace has a line for every family. */
static int check_families(struct ctx *c, const struct dl_summary *s)
{
	size_t k;
	int i;

	for (k = 0; k < s->nns; k++)
		for (i = 0; i < DSTLEAK_NR_FAMILIES; i++)
			if (!s->ns[k].fam[i].seen) {
				c->line = s->ns[k].line - c->line_base;
				return fail(c, "namespace %" PRIu64
					    " has no '%s' line (truncated file?)",
					    s->ns[k].id.inum, dl_family_names[i]);
			}
	return 0;
}

/* One line of a summary, by its keyword; lines of later modules skipped. */
static int summary_line(struct ctx *c, struct dl_summary *s, struct nsindex *x,
			size_t *probe_cap)
{
	const struct tok *kw = &c->t[0];
	bool v2 = c->format >= 2;

	if (tok_is(kw, "format"))
		return fail(c, "second 'format' line");
	if (tok_is(kw, "module") || tok_is(kw, "kernel"))
		return parse_text(c, s);
	if (tok_is(kw, "global"))
		return parse_global(c, s);
	if (tok_is(kw, "tracking"))
		return parse_tracking(c, s);
	if (tok_is(kw, "probe"))
		return parse_probe(c, s, probe_cap);
	if (tok_is(kw, "ns"))
		return parse_ns(c, s, x);
	if (v2 && tok_is(kw, "unattributed"))
		return parse_unattr(c, s);
	if (v2 && tok_is(kw, "settled"))
		return parse_settled(c, s);
	if (v2 && tok_is(kw, "features"))
		return parse_features(c, s);
	if (v2 && tok_is(kw, "calibration"))
		return parse_calibration(c, s);
	if (v2 && tok_is(kw, "xfrm"))
		return parse_xfrm(c, s, x);
	if (v2 && tok_is(kw, "xfrm_error"))
		return parse_xfrm_error(c, s, x);
	if (v2 && tok_is(kw, "end"))
		return parse_end(c);
	return 0;
}

static int parse_summary_lines(struct ctx *c, struct dl_summary *s)
{
	struct nsindex x = { .cap = 0 };
	size_t probe_cap = 0;
	int r;

	s->settled = -1;
	s->calib_spread.null = true;
	if (parse_format(c, &s->format))
		return -1;
	dl_map_init(&x.map);
	while ((r = next_body_line(c)) > 0)
		if (summary_line(c, s, &x, &probe_cap))
			break;
	dl_map_free(&x.map);
	if (r != 0 || check_families(c, s))
		return -1;
	if (s->nns) {
		/* Give back the growth slack: 100,000 namespaces are 110 MB. */
		s->ns = dl_xrealloc(s->ns, s->nns, sizeof(*s->ns));
		qsort(s->ns, s->nns, sizeof(*s->ns), cmp_ns);
	}
	if (s->nxerrs)
		qsort(s->xerrs, s->nxerrs, sizeof(*s->xerrs), cmp_xerr);
	return 0;
}

static void ctx_init(struct ctx *c, const char *buf, size_t len,
		     const char *path, struct dl_err *err)
{
	memset(c, 0, sizeof(*c));
	c->buf = buf;
	c->len = len;
	c->path = path;
	c->err = err;
}

int dl_parse_summary(const char *buf, size_t len, const char *path,
		     struct dl_summary *out, struct dl_err *err)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	ctx_init(&c, buf, len, path, err);
	if (parse_summary_lines(&c, out)) {
		dl_summary_free(out);
		return -1;
	}
	return 0;
}

/* Suspects being read: growth of the arrays. */
struct sus_caps {
	size_t groups, old;
	bool dropped_seen;
};

static int parse_group(struct ctx *c, struct dl_suspects *s, struct sus_caps *cap)
{
	struct dl_group g;
	struct pspec spec[] = {
		{ "ns", PT_U64, &g.id.inum, 0 },
		{ "cookie", PT_U64, &g.id.cookie, 2 },
		{ "family", PT_FAM, &g.family, 0 },
		{ "reason", PT_REASON, &g.reason, 0 },
		{ "device", PT_STR, &g.device, 0 },
		{ "count", PT_U64, &g.count, 0 },
		{ "oldest_ms", PT_U64, &g.oldest_ms, 0 },
		{ "median_ms", PT_U64, &g.median_ms, 0 },
	};

	memset(&g, 0, sizeof(g));
	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0]))) {
		free(g.device);
		return -1;
	}
	g.id.has_cookie = c->format >= 2;
	/*
	 * median_ms may exceed oldest_ms: the module measures them in two
	 * walks, the median's later. Not an error.
	 */
	s->groups = dl_grow(s->groups, s->ngroups, &cap->groups, sizeof(*s->groups));
	s->groups[s->ngroups++] = g;
	return 0;
}

static int parse_stack(struct ctx *c, struct dl_suspects *s)
{
	struct dl_group *g;

	if (!s->ngroups)
		return fail(c, "'stack' line before any 'group' line");
	if (c->nt < 2)
		return fail(c, "'stack' line has no frame");
	g = &s->groups[s->ngroups - 1];
	g->stack = dl_xrealloc(g->stack, g->nstack + 1, sizeof(*g->stack));
	g->stack[g->nstack++] = rest(c, 1);
	return 0;
}

static int parse_old(struct ctx *c, struct dl_suspects *s, struct sus_caps *cap)
{
	struct dl_old o;
	struct pspec spec[] = {
		{ "ns", PT_U64, &o.id.inum, 0 },
		{ "cookie", PT_U64, &o.id.cookie, 2 },
		{ "family", PT_FAM, &o.family, 0 },
		{ "count", PT_U64, &o.count, 0 },
		{ "oldest_ms", PT_U64, &o.oldest_ms, 0 },
	};

	memset(&o, 0, sizeof(o));
	if (parse_pairs(c, 1, spec, sizeof(spec) / sizeof(spec[0])))
		return -1;
	o.id.has_cookie = c->format >= 2;
	s->old = dl_grow(s->old, s->nold, &cap->old, sizeof(*s->old));
	s->old[s->nold++] = o;
	return 0;
}

/* "dropped N": suspects past the module's group limit, counted only. */
static int parse_dropped(struct ctx *c, struct dl_suspects *s, struct sus_caps *cap)
{
	int r;

	if (c->nt != 2)
		return fail(c, "malformed 'dropped' line");
	if (cap->dropped_seen)
		return fail(c, "duplicate 'dropped' line");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &s->dropped);
	if (r)
		return num_err(c, r, "dropped", &c->t[1]);
	cap->dropped_seen = true;
	return 0;
}

static int suspects_line(struct ctx *c, struct dl_suspects *s, struct sus_caps *cap)
{
	const struct tok *kw = &c->t[0];

	if (tok_is(kw, "format"))
		return fail(c, "second 'format' line");
	if (tok_is(kw, "group"))
		return parse_group(c, s, cap);
	if (tok_is(kw, "stack"))
		return parse_stack(c, s);
	if (tok_is(kw, "old"))
		return parse_old(c, s, cap);
	if (tok_is(kw, "dropped"))
		return parse_dropped(c, s, cap);
	if (c->format >= 2 && tok_is(kw, "end"))
		return parse_end(c);
	return 0;
}

static int parse_suspects_lines(struct ctx *c, struct dl_suspects *s)
{
	struct sus_caps cap = { 0, 0, false };
	int r;

	if (parse_format(c, &s->format))
		return -1;
	while ((r = next_body_line(c)) > 0)
		if (suspects_line(c, s, &cap))
			return -1;
	return r < 0 ? -1 : 0;
}

int dl_parse_suspects(const char *buf, size_t len, const char *path,
		      struct dl_suspects *out, struct dl_err *err)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	ctx_init(&c, buf, len, path, err);
	if (parse_suspects_lines(&c, out)) {
		dl_suspects_free(out);
		return -1;
	}
	return 0;
}

/*
 * A snapshot: a header of its own, then the summary as the module wrote it.
 *   dstleak-snapshot 1
 *   host NAME
 *   boot_id ID
 *   time SECONDS.NANOSECONDS
 *   source PATH
 *   format N
 *   ...                (the summary, its end line included in format 2)
 */

/* "dstleak-snapshot 1", the first line. */
static int snap_magic(struct ctx *c)
{
	uint64_t v;
	int r = next_line(c);

	if (r < 0)
		return -1;
	if (r == 0) {
		c->line = 1;
		return fail(c, "empty file (not a dstleak snapshot)");
	}
	if (!tok_is(&c->t[0], "dstleak-snapshot") || c->nt != 2)
		return fail(c, "not a dstleak snapshot (no 'dstleak-snapshot' line)");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &v);
	if (r)
		return num_err(c, r, "dstleak-snapshot", &c->t[1]);
	if (v != DL_SNAPSHOT_VERSION)
		return fail(c, "unsupported snapshot version %" PRIu64
			    " (this dstleak reads version %d)",
			    v, DL_SNAPSHOT_VERSION);
	return 0;
}

/* "host V", "boot_id V", "source V": the rest of the line. */
static int snap_text(struct ctx *c, struct dl_snapshot *s)
{
	const struct tok *kw = &c->t[0];
	char **dst = tok_is(kw, "host") ? &s->host :
		     tok_is(kw, "source") ? &s->source : &s->boot_id;

	if (c->nt < 2)
		return fail(c, "'%s' line has no value", q(kw));
	if (*dst)
		return fail(c, "duplicate '%s' line", q(kw));
	*dst = rest(c, 1);
	if (dst == &s->host)
		s->host_line = c->line;
	else if (dst == &s->boot_id)
		s->boot_line = c->line;
	return 0;
}

/* "time SECONDS.NANOSECONDS", nine digits after the dot. */
static int snap_time(struct ctx *c, struct dl_snapshot *s)
{
	const struct tok *t = &c->t[1];
	const char *dot;
	uint64_t v, ns = 0;
	int r;

	if (c->nt != 2)
		return fail(c, "malformed 'time' line");
	dot = memchr(t->p, '.', t->n);
	r = dl_parse_u64(t->p, dot ? (size_t)(dot - t->p) : t->n, &v);
	if (!r && v > (uint64_t)INT64_MAX)
		r = -ERANGE;
	if (!r && dot) {
		size_t n = t->n - (size_t)(dot - t->p) - 1;

		r = n == 9 ? dl_parse_u64(dot + 1, n, &ns) : -EINVAL;
	}
	if (r)
		return num_err(c, r, "time", t);
	s->sec = (int64_t)v;
	s->nsec = (uint32_t)ns;
	s->time_line = c->line;
	return 0;
}

static int parse_snapshot_lines(struct ctx *c, struct dl_snapshot *s)
{
	struct ctx body;
	int r;

	if (snap_magic(c))
		return -1;
	for (;;) {
		size_t save = c->pos;
		unsigned int save_line = c->line;
		const struct tok *kw;

		r = next_line(c);
		if (r < 0)
			return -1;
		if (r == 0)
			return fail(c, "snapshot has no summary (truncated?)");
		kw = &c->t[0];
		if (tok_is(kw, "format")) {
			c->pos = save;
			c->line = save_line;
			break;
		}
		if (tok_is(kw, "host") || tok_is(kw, "boot_id") || tok_is(kw, "source"))
			r = snap_text(c, s);
		else if (tok_is(kw, "time"))
			r = snap_time(c, s);
		if (r < 0)
			return -1;
	}
	if (!s->host || !s->boot_id || !s->time_line)
		return fail(c, "snapshot header lacks '%s'",
			    !s->host ? "host" : !s->boot_id ? "boot_id" : "time");
	/* The summary: line numbers continue those of the header. */
	ctx_init(&body, c->buf + c->pos, c->len - c->pos, c->path, c->err);
	body.line_base = c->line;
	return parse_summary_lines(&body, &s->sum);
}

int dl_parse_snapshot(const char *buf, size_t len, const char *path,
		      struct dl_snapshot *out, struct dl_err *err)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	ctx_init(&c, buf, len, path, err);
	if (parse_snapshot_lines(&c, out)) {
		dl_snapshot_free(out);
		return -1;
	}
	return 0;
}

void dl_summary_free(struct dl_summary *s)
{
	size_t i;

	free(s->module);
	free(s->kernel);
	for (i = 0; i < s->nprobes; i++) {
		free(s->probes[i].symbol);
		free(s->probes[i].hook);
	}
	free(s->probes);
	free(s->ns);
	for (i = 0; i < s->nxerrs; i++)
		free(s->xerrs[i].errname);
	free(s->xerrs);
	memset(s, 0, sizeof(*s));
}

void dl_suspects_free(struct dl_suspects *s)
{
	size_t i, k;

	for (i = 0; i < s->ngroups; i++) {
		free(s->groups[i].device);
		for (k = 0; k < s->groups[i].nstack; k++)
			free(s->groups[i].stack[k]);
		free(s->groups[i].stack);
	}
	free(s->groups);
	free(s->old);
	memset(s, 0, sizeof(*s));
}

void dl_snapshot_free(struct dl_snapshot *s)
{
	free(s->host);
	free(s->boot_id);
	free(s->source);
	dl_summary_free(&s->sum);
	memset(s, 0, sizeof(*s));
}

const struct dl_ns *dl_find_ns(const struct dl_summary *s, const struct dl_nsid *id)
{
	struct dl_ns key;

	if (!s->nns)
		return NULL;
	key.id = *id;
	return bsearch(&key, s->ns, s->nns, sizeof(*s->ns), cmp_ns);
}

bool dl_limit_enforced(const struct dl_fam *f)
{
	const struct dl_num *e = &f->f[DL_F_limit_enforced];

	return e->null || e->u == 1;
}

/*
 * Headroom against the smaller real limit. gc_thresh is where the kernel
 * starts collecting (and, on older kernels, where allocation starts to
 * fail); max_size is where IPv6 allocation fails. "-", 0 or less (-1, a
 * sysctl set to "never"), and DL_UNLIMITED (INT_MAX, IPv6 max_size since
 * 6.3) or more (IPv4's ~0 gc_thresh) are no limit. A negative kernel
 * counter has no headroom.
 */
bool dl_headroom(const struct dl_fam *f, double *pct, uint64_t *limit,
		 const char **limit_name)
{
	const struct dl_num *k = &f->f[DL_F_kernel];
	int idx[2] = { DL_F_gc_thresh, DL_F_max_size };
	uint64_t best = 0;
	const char *name = NULL;
	int i;

	/* A negative count is no count: no headroom from it. */
	if (k->null || (k->is_signed && k->s < 0))
		return false;
	for (i = 0; i < 2; i++) {
		const struct dl_num *l = &f->f[idx[i]];
		uint64_t v;

		if (l->null || (l->is_signed && l->s <= 0))
			continue;
		v = l->is_signed ? (uint64_t)l->s : l->u;
		if (v == 0 || v >= DL_UNLIMITED)
			continue;
		if (!name || v < best) {
			best = v;
			name = dl_field_names[idx[i]];
		}
	}
	if (!name)
		return false;
	*pct = ((double)best - dl_num_d(k)) / (double)best * 100.0;
	if (limit)
		*limit = best;
	if (limit_name)
		*limit_name = name;
	return true;
}
