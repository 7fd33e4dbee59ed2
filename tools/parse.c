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
 * live, peak, kernel and the limits as s64 (a gc_thresh of -1 is a sysctl
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

static bool tok_is(const struct tok *t, const char *s)
{
	size_t n = strlen(s);

	return t->n == n && memcmp(t->p, s, n) == 0;
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
 * Next line: 1 with c->lp/c->ln/c->t set, 0 at the end, -1 on error. A line
 * with more than MAXTOK tokens keeps its first MAXTOK-1 and a last one that
 * runs to the end of the line.
 */
static int next_line(struct ctx *c)
{
	const char *p, *end, *nl;
	size_t i;

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
	for (i = 0; i < c->ln; i++) {
		unsigned char ch = (unsigned char)p[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(c, "garbage: control byte 0x%02x in column %zu",
				    ch, i + 1);
	}
	c->nt = 0;
	end = p + c->ln;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		c->t[c->nt].p = p;
		if (c->nt == MAXTOK - 1) {
			c->t[c->nt++].n = (size_t)(end - p);
			break;
		}
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		c->t[c->nt].n = (size_t)(p - c->t[c->nt].p);
		c->nt++;
	}
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
	return dl_xstrndup(s, (size_t)(e - s));
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
	PT_FAM, /* int, a family name */
	PT_REASON, /* int, a reason name */
	PT_STR, /* char *, NULL for "-" */
};

struct pspec {
	const char *name;
	enum ptype type;
	void *dst;
};

static int num_err(struct ctx *c, int r, const char *name, const struct tok *v)
{
	if (r == -ERANGE)
		return fail(c, "value of '%s' overflows: %s", name, q(v));
	return fail(c, "value of '%s' is not a number: '%s'", name, q(v));
}

static int parse_value(struct ctx *c, const struct pspec *s, const struct tok *v)
{
	struct dl_num *d = s->dst;
	int r = 0;

	switch (s->type) {
	case PT_NUM:
	case PT_SNUM:
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
	case PT_U64:
		r = dl_parse_u64(v->p, v->n, s->dst);
		return r ? num_err(c, r, s->name, v) : 0;
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
		*(char **)s->dst = tok_is(v, "-") ? NULL : dl_xstrndup(v->p, v->n);
		return 0;
	}
	return fail(c, "internal error");
}

/*
 * Tokens from index start on are "name value" pairs: first the ones of spec,
 * in order, then any number of further pairs, which are skipped.
 */
static int parse_pairs(struct ctx *c, size_t start, const struct pspec *spec,
		       size_t nspec)
{
	size_t i, k = start;

	if (c->nt == MAXTOK)
		return fail(c, "too many fields");
	for (i = 0; i < nspec; i++, k += 2) {
		if (k >= c->nt)
			return fail(c, "missing field '%s'", spec[i].name);
		if (!tok_is(&c->t[k], spec[i].name))
			return fail(c, "expected field '%s', found '%s'",
				    spec[i].name, q(&c->t[k]));
		if (k + 1 >= c->nt)
			return fail(c, "field '%s' has no value", spec[i].name);
		if (parse_value(c, &spec[i], &c->t[k + 1]))
			return -1;
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
	if (v != DSTLEAK_FORMAT_VERSION)
		return fail(c, "unsupported format %" PRIu64
			    " (this dstleak reads format %d; upgrade the reader)",
			    v, DSTLEAK_FORMAT_VERSION);
	*format = (unsigned int)v;
	return 0;
}

static int cmp_ns(const void *a, const void *b)
{
	const struct dl_ns *x = a, *y = b;

	return x->inum < y->inum ? -1 : x->inum > y->inum;
}

static int parse_ns(struct ctx *c, struct dl_summary *s, size_t *last)
{
	struct dl_num f[DL_NR_FIELDS];
	struct pspec spec[DL_NR_FIELDS];
	struct dl_ns *ns = NULL;
	uint64_t inum;
	bool exited;
	int fam, r, i;
	size_t k;

	if (c->nt < 4)
		return fail(c, "malformed 'ns' line: expected INUM STATE FAMILY");
	r = dl_parse_u64(c->t[1].p, c->t[1].n, &inum);
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
	for (i = 0; i < DL_NR_FIELDS; i++) {
		spec[i].name = dl_field_names[i];
		spec[i].type = dl_field_signed(i) ? PT_SNUM : PT_NUM;
		spec[i].dst = &f[i];
	}
	if (parse_pairs(c, 4, spec, DL_NR_FIELDS))
		return -1;

	/* A namespace's lines are normally together: try the last one first. */
	if (*last < s->nns && s->ns[*last].inum == inum)
		ns = &s->ns[*last];
	for (k = 0; !ns && k < s->nns; k++)
		if (s->ns[k].inum == inum) {
			ns = &s->ns[k];
			*last = k;
		}
	if (!ns) {
		s->ns = dl_xrealloc(s->ns, s->nns + 1, sizeof(*s->ns));
		ns = &s->ns[s->nns];
		memset(ns, 0, sizeof(*ns));
		ns->inum = inum;
		ns->line = c->line + c->line_base;
		*last = s->nns++;
	}
	if (ns->fam[fam].seen)
		return fail(c, "duplicate line for namespace %" PRIu64 " family %s",
			    inum, dl_family_names[fam]);
	/* The namespace may exit while the file is read: exited wins. */
	ns->exited |= exited;
	ns->fam[fam].seen = true;
	memcpy(ns->fam[fam].f, f, sizeof(f));
	return 0;
}

static int parse_summary_lines(struct ctx *c, struct dl_summary *s)
{
	size_t last = 0, k;
	int r, i;

	if (parse_format(c, &s->format))
		return -1;
	while ((r = next_line(c)) > 0) {
		const struct tok *kw = &c->t[0];

		if (tok_is(kw, "format")) {
			return fail(c, "second 'format' line");
		} else if (tok_is(kw, "module") || tok_is(kw, "kernel")) {
			char **dst = tok_is(kw, "module") ? &s->module : &s->kernel;

			if (c->nt < 2)
				return fail(c, "'%s' line has no value", q(kw));
			if (*dst)
				return fail(c, "duplicate '%s' line", q(kw));
			*dst = rest(c, 1);
			dl_sanitize(*dst);
		} else if (tok_is(kw, "global")) {
			struct dl_global g;
			struct pspec spec[] = {
				{ "kernel", PT_NUM, &g.kernel },
				{ "expected", PT_NUM, &g.expected },
				{ "drift", PT_SNUM, &g.drift },
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
				return fail(c, "duplicate 'global %s' line",
					    dl_family_names[fam]);
			g.seen = true;
			s->global[fam] = g;
		} else if (tok_is(kw, "tracking")) {
			struct dl_tracking *t = &s->tracking;
			struct pspec spec[] = {
				{ "tracked", PT_NUM, &t->tracked },
				{ "overflow", PT_NUM, &t->overflow },
				{ "bytes", PT_NUM, &t->bytes },
				{ "max", PT_NUM, &t->max },
				{ "entry_bytes", PT_NUM, &t->entry_bytes },
			};

			if (t->seen)
				return fail(c, "duplicate 'tracking' line");
			if (parse_pairs(c, 1, spec, 5))
				return -1;
			t->seen = true;
		} else if (tok_is(kw, "probe")) {
			struct dl_probe p;
			struct pspec spec[] = {
				{ "hits", PT_NUM, &p.hits },
				{ "missed", PT_NUM, &p.missed },
			};

			if (c->nt < 2)
				return fail(c, "'probe' line has no symbol");
			if (parse_pairs(c, 2, spec, 2))
				return -1;
			p.symbol = dl_xstrndup(c->t[1].p, c->t[1].n);
			s->probes = dl_xrealloc(s->probes, s->nprobes + 1,
						sizeof(*s->probes));
			s->probes[s->nprobes++] = p;
		} else if (tok_is(kw, "ns")) {
			if (parse_ns(c, s, &last))
				return -1;
		}
		/* else: a keyword of a later module; skip it. */
	}
	if (r < 0)
		return -1;

	/* Every namespace has a line for every family. */
	for (k = 0; k < s->nns; k++)
		for (i = 0; i < DSTLEAK_NR_FAMILIES; i++)
			if (!s->ns[k].fam[i].seen) {
				c->line = s->ns[k].line - c->line_base;
				return fail(c, "namespace %" PRIu64
					    " has no '%s' line (truncated file?)",
					    s->ns[k].inum, dl_family_names[i]);
			}
	if (s->nns)
		qsort(s->ns, s->nns, sizeof(*s->ns), cmp_ns);
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

static int parse_suspects_lines(struct ctx *c, struct dl_suspects *s)
{
	int r;

	if (parse_format(c, &s->format))
		return -1;
	while ((r = next_line(c)) > 0) {
		const struct tok *kw = &c->t[0];

		if (tok_is(kw, "format")) {
			return fail(c, "second 'format' line");
		} else if (tok_is(kw, "group")) {
			struct dl_group g;
			struct pspec spec[] = {
				{ "ns", PT_U64, &g.inum },
				{ "family", PT_FAM, &g.family },
				{ "reason", PT_REASON, &g.reason },
				{ "device", PT_STR, &g.device },
				{ "count", PT_U64, &g.count },
				{ "oldest_ms", PT_U64, &g.oldest_ms },
				{ "median_ms", PT_U64, &g.median_ms },
			};

			memset(&g, 0, sizeof(g));
			if (parse_pairs(c, 1, spec, 7)) {
				free(g.device);
				return -1;
			}
			/*
			 * median_ms may exceed oldest_ms: the module measures
			 * them in two walks, the median's later. Not an error.
			 */
			s->groups = dl_xrealloc(s->groups, s->ngroups + 1,
						sizeof(*s->groups));
			s->groups[s->ngroups++] = g;
		} else if (tok_is(kw, "stack")) {
			struct dl_group *g;

			if (!s->ngroups)
				return fail(c, "'stack' line before any 'group' line");
			if (c->nt < 2)
				return fail(c, "'stack' line has no frame");
			g = &s->groups[s->ngroups - 1];
			g->stack = dl_xrealloc(g->stack, g->nstack + 1,
					       sizeof(*g->stack));
			g->stack[g->nstack++] = rest(c, 1);
		} else if (tok_is(kw, "old")) {
			struct dl_old o;
			struct pspec spec[] = {
				{ "ns", PT_U64, &o.inum },
				{ "family", PT_FAM, &o.family },
				{ "count", PT_U64, &o.count },
				{ "oldest_ms", PT_U64, &o.oldest_ms },
			};

			if (parse_pairs(c, 1, spec, 4))
				return -1;
			s->old = dl_xrealloc(s->old, s->nold + 1, sizeof(*s->old));
			s->old[s->nold++] = o;
		}
	}
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
 *   format 1
 *   ...
 */
static int parse_snapshot_lines(struct ctx *c, struct dl_snapshot *s)
{
	struct ctx body;
	uint64_t v;
	int r;

	r = next_line(c);
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
	for (;;) {
		size_t save = c->pos;
		unsigned int save_line = c->line;

		r = next_line(c);
		if (r < 0)
			return -1;
		if (r == 0)
			return fail(c, "snapshot has no summary (truncated?)");
		if (tok_is(&c->t[0], "format")) {
			c->pos = save;
			c->line = save_line;
			break;
		}
		if (tok_is(&c->t[0], "host") || tok_is(&c->t[0], "boot_id") ||
		    tok_is(&c->t[0], "source")) {
			char **dst = tok_is(&c->t[0], "host") ? &s->host :
				     tok_is(&c->t[0], "source") ? &s->source :
								  &s->boot_id;

			if (c->nt < 2)
				return fail(c, "'%s' line has no value", q(&c->t[0]));
			if (*dst)
				return fail(c, "duplicate '%s' line", q(&c->t[0]));
			*dst = rest(c, 1);
			dl_sanitize(*dst);
			if (dst == &s->host)
				s->host_line = c->line;
			else if (dst == &s->boot_id)
				s->boot_line = c->line;
		} else if (tok_is(&c->t[0], "time")) {
			const char *dot;
			uint64_t ns = 0;

			if (c->nt != 2)
				return fail(c, "malformed 'time' line");
			dot = memchr(c->t[1].p, '.', c->t[1].n);
			r = dl_parse_u64(c->t[1].p,
					 dot ? (size_t)(dot - c->t[1].p) : c->t[1].n,
					 &v);
			if (!r && v > (uint64_t)INT64_MAX)
				r = -ERANGE;
			if (!r && dot) {
				size_t n = c->t[1].n - (size_t)(dot - c->t[1].p) - 1;

				r = n == 9 ? dl_parse_u64(dot + 1, n, &ns) : -EINVAL;
			}
			if (r)
				return num_err(c, r, "time", &c->t[1]);
			s->sec = (int64_t)v;
			s->nsec = (uint32_t)ns;
			s->time_line = c->line;
		}
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
	for (i = 0; i < s->nprobes; i++)
		free(s->probes[i].symbol);
	free(s->probes);
	free(s->ns);
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

const struct dl_ns *dl_find_ns(const struct dl_summary *s, uint64_t inum)
{
	struct dl_ns key;

	if (!s->nns)
		return NULL;
	key.inum = inum;
	return bsearch(&key, s->ns, s->nns, sizeof(*s->ns), cmp_ns);
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
