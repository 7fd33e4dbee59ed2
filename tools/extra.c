// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * extra.c - the lines of the module's files that dl_parse_summary() does
 * not keep whole ("xfrm", "route", "icmp", "stacks"), and the objects file.
 * Same rules as parse.c: pairs in the order of dstleak_format.h, further
 * pairs at the end skipped, unknown lines skipped, every error one message
 * "FILE:LINE: why".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "extra.h"

#define DL_NAME(n) #n,
const char *const dl_xfrm_names[DL_NR_XFRM] = { DL_XFRM_FIELDS(DL_NAME) };
const char *const dl_route_names[DL_NR_ROUTE] = { DL_ROUTE_FIELDS(DL_NAME) };
#undef DL_NAME

#define XMAXTOK 64

struct xtok {
	const char *p;
	size_t n;
};

struct xctx {
	const char *buf, *path;
	size_t len, pos;
	unsigned int line;
	struct xtok t[XMAXTOK];
	size_t nt;
	struct dl_err *err;
};

static int xfail(struct xctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int xfail(struct xctx *c, const char *fmt, ...)
{
	char m[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(c->err->msg, sizeof(c->err->msg), "%s:%u: %s", c->path, c->line, m);
	return -1;
}

/* A token fit to quote: printable ASCII, at most 40 bytes. */
static const char *xq(const struct xtok *t)
{
	static char b[2][48];
	static unsigned int i;
	char *o = b[i++ & 1];
	size_t n = t->n > 40 ? 40 : t->n, k;

	for (k = 0; k < n; k++)
		o[k] = (t->p[k] > ' ' && t->p[k] < 0x7f) ? t->p[k] : '?';
	o[n] = 0;
	return o;
}

static bool xis(const struct xtok *t, const char *s)
{
	return strlen(s) == t->n && !memcmp(t->p, s, t->n);
}

/* The next line, split: 1, 0 at the end, -1 on error. */
static int xnext(struct xctx *c)
{
	const char *p, *nl, *end, *start;

	if (c->pos >= c->len)
		return 0;
	c->line++;
	start = p = c->buf + c->pos;
	nl = memchr(p, '\n', c->len - c->pos);
	if (!nl)
		return xfail(c, "truncated: last line has no newline");
	c->pos = (size_t)(nl - c->buf) + 1;
	end = nl;
	c->nt = 0;
	while (p < end) {
		const char *s;

		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		s = p;
		while (p < end && *p != ' ') {
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return xfail(c, "garbage: control byte 0x%02x in column %zu",
					     (unsigned char)*p, (size_t)(p - start) + 1);
			p++;
		}
		if (c->nt == XMAXTOK)
			return xfail(c, "too many fields");
		c->t[c->nt].p = s;
		c->t[c->nt++].n = (size_t)(p - s);
	}
	if (!c->nt)
		return xfail(c, "empty line");
	return 1;
}

enum xtype { XT_U64, XT_NUM, XT_S64, XT_STR, XT_FAM };

struct xspec {
	const char *name;
	enum xtype type;
	void *dst;
};

static int xvalue(struct xctx *c, const struct xspec *s, const struct xtok *v)
{
	struct dl_num *d;
	int r = 0;

	switch (s->type) {
	case XT_U64:
		r = dl_parse_u64(v->p, v->n, s->dst);
		break;
	case XT_S64:
		r = dl_parse_s64(v->p, v->n, s->dst);
		break;
	case XT_NUM:
		d = s->dst;
		memset(d, 0, sizeof(*d));
		if (xis(v, "-"))
			d->null = true;
		else
			r = dl_parse_u64(v->p, v->n, &d->u);
		break;
	case XT_STR:
		*(char **)s->dst = xis(v, "-") ? NULL : dl_clean(v->p, v->n);
		return 0;
	case XT_FAM:
		*(int *)s->dst = dl_family_index(v->p, v->n);
		if (*(int *)s->dst < 0)
			return xfail(c, "unknown family '%s'", xq(v));
		return 0;
	}
	if (r == -ERANGE)
		return xfail(c, "value of '%s' overflows: %s", s->name, xq(v));
	if (r)
		return xfail(c, "value of '%s' is not a number: '%s'", s->name, xq(v));
	return 0;
}

/* Pairs from token start on, in the order of spec; more may follow. */
static int xpairs(struct xctx *c, size_t start, const struct xspec *spec, size_t n)
{
	size_t i, k = start;

	for (i = 0; i < n; i++, k += 2) {
		if (k >= c->nt)
			return xfail(c, "missing field '%s'", spec[i].name);
		if (!xis(&c->t[k], spec[i].name))
			return xfail(c, "expected field '%s', found '%s'", spec[i].name,
				     xq(&c->t[k]));
		if (k + 1 >= c->nt)
			return xfail(c, "field '%s' has no value", spec[i].name);
		if (xvalue(c, &spec[i], &c->t[k + 1]))
			return -1;
	}
	if ((c->nt - k) % 2)
		return xfail(c, "field '%s' has no value", xq(&c->t[c->nt - 1]));
	return 0;
}

/* The namespace of "ns INUM cookie COOKIE" in s, by index. */
static int xns(struct xctx *c, const struct dl_summary *s, const struct dl_nsid *id,
	       size_t *idx)
{
	const struct dl_ns *ns = dl_find_ns(s, id);

	if (!ns)
		return xfail(c, "namespace %" PRIu64 " (cookie %" PRIu64
			     ") has no 'ns' lines", id->inum, id->cookie);
	*idx = (size_t)(ns - s->ns);
	return 0;
}

/* "xfrm" and "route": one line per namespace, every pair a figure. */
static int xline(struct xctx *c, const struct dl_summary *s, struct dl_line *lines,
		 const char *const *names, size_t n)
{
	struct xspec spec[2 + DL_NR_XFRM];
	struct dl_nsid id = { .has_cookie = true };
	struct dl_line l = { .seen = true };
	size_t i, idx = 0;

	spec[0] = (struct xspec){ "ns", XT_U64, &id.inum };
	spec[1] = (struct xspec){ "cookie", XT_U64, &id.cookie };
	for (i = 0; i < n; i++)
		spec[2 + i] = (struct xspec){ names[i], XT_NUM, &l.v[i] };
	if (xpairs(c, 1, spec, 2 + n) || xns(c, s, &id, &idx))
		return -1;
	if (lines[idx].seen)
		return xfail(c, "duplicate '%s' line for namespace %" PRIu64,
			     xq(&c->t[0]), id.inum);
	lines[idx] = l;
	return 0;
}

static int xicmp(struct xctx *c, const struct dl_summary *s, struct dl_extra *x,
		 size_t *cap)
{
	struct dl_nsid id = { .has_cookie = true };
	struct dl_icmp e;
	struct xspec spec[] = {
		{ "ns", XT_U64, &id.inum },
		{ "cookie", XT_U64, &id.cookie },
		{ "family", XT_FAM, &e.family },
		{ "type", XT_NUM, &e.type },
		{ "code", XT_NUM, &e.code },
		{ "count", XT_U64, &e.count },
	};

	if (xpairs(c, 1, spec, sizeof(spec) / sizeof(spec[0])) || xns(c, s, &id, &e.ns))
		return -1;
	if (e.family != DSTLEAK_FAM_IPV4 && e.family != DSTLEAK_FAM_IPV6)
		return xfail(c, "icmp family is not ipv4 or ipv6: %s", xq(&c->t[6]));
	x->icmp = dl_grow(x->icmp, x->nicmp, cap, sizeof(*x->icmp));
	x->icmp[x->nicmp++] = e;
	return 0;
}

static int xstacks(struct xctx *c, struct dl_extra *x)
{
	struct xspec spec[] = {
		{ "enabled", XT_U64, &x->stacks_enabled },
		{ "sample", XT_NUM, &x->stacks_sample },
		{ "failures", XT_NUM, &x->stacks_failures },
	};

	if (x->stacks_seen)
		return xfail(c, "duplicate 'stacks' line");
	if (xpairs(c, 1, spec, sizeof(spec) / sizeof(spec[0])))
		return -1;
	if (x->stacks_enabled > 1)
		return xfail(c, "value of 'enabled' is not 0 or 1");
	x->stacks_seen = true;
	return 0;
}

int dl_parse_extra(const char *buf, size_t len, const char *path,
		   const struct dl_summary *s, struct dl_extra *x,
		   struct dl_err *err)
{
	struct xctx c = { .buf = buf, .len = len, .path = path, .err = err };
	size_t cap = 0, n = s->nns ? s->nns : 1;
	int r;

	memset(x, 0, sizeof(*x));
	x->xfrm = dl_xrealloc(NULL, n, sizeof(*x->xfrm));
	x->route = dl_xrealloc(NULL, n, sizeof(*x->route));
	memset(x->xfrm, 0, n * sizeof(*x->xfrm));
	memset(x->route, 0, n * sizeof(*x->route));
	/* Format 1 had none of these lines. */
	if (s->format < 2)
		return 0;
	while ((r = xnext(&c)) > 0) {
		const struct xtok *kw = &c.t[0];

		if (xis(kw, "xfrm"))
			r = xline(&c, s, x->xfrm, dl_xfrm_names, DL_NR_XFRM);
		else if (xis(kw, "route"))
			r = xline(&c, s, x->route, dl_route_names, DL_NR_ROUTE);
		else if (xis(kw, "icmp"))
			r = xicmp(&c, s, x, &cap);
		else if (xis(kw, "stacks"))
			r = xstacks(&c, x);
		else
			r = 0;
		if (r)
			break;
	}
	if (r) {
		dl_extra_free(x);
		return -1;
	}
	return 0;
}

void dl_extra_free(struct dl_extra *x)
{
	free(x->xfrm);
	free(x->route);
	free(x->icmp);
	memset(x, 0, sizeof(*x));
}

/* ---- objects ---- */

static void obj_free(struct dl_obj *o)
{
	free(o->ident);
	free(o->device);
	free(o->devstate);
}

static int xobj(struct xctx *c, struct dl_objects *o, size_t *cap)
{
	struct dl_obj e;
	char *netns = NULL;
	struct xspec spec[] = {
		{ "ns", XT_U64, &e.id.inum },
		{ "cookie", XT_U64, &e.id.cookie },
		{ "family", XT_FAM, &e.family },
		{ "age_ms", XT_U64, &e.age_ms },
		{ "refcnt", XT_S64, &e.refcnt },
		{ "obsolete", XT_S64, &e.obsolete },
		{ "device", XT_STR, &e.device },
		{ "ifindex", XT_S64, &e.ifindex },
		{ "devstate", XT_STR, &e.devstate },
		{ "netns", XT_STR, &netns },
		{ "stack", XT_NUM, &e.stack },
	};

	memset(&e, 0, sizeof(e));
	e.id.has_cookie = true;
	e.line = c->line;
	if (c->nt < 2)
		return xfail(c, "'obj' line has no identity");
	if (xpairs(c, 2, spec, sizeof(spec) / sizeof(spec[0]))) {
		free(netns);
		obj_free(&e);
		return -1;
	}
	if (!netns || (strcmp(netns, "alive") && strcmp(netns, "exited"))) {
		free(netns);
		obj_free(&e);
		return xfail(c, "value of 'netns' is not alive or exited");
	}
	e.exited = !strcmp(netns, "exited");
	free(netns);
	if (!e.devstate)
		e.devstate = dl_xstrndup("-", 1);
	e.ident = dl_clean(c->t[1].p, c->t[1].n);
	o->v = dl_grow(o->v, o->n, cap, sizeof(*o->v));
	o->v[o->n++] = e;
	return 0;
}

int dl_parse_objects(const char *buf, size_t len, const char *path,
		     struct dl_objects *o, struct dl_err *err)
{
	struct xctx c = { .buf = buf, .len = len, .path = path, .err = err };
	unsigned int end_line = 0;
	size_t cap = 0;
	uint64_t v;
	int r;

	memset(o, 0, sizeof(*o));
	r = xnext(&c);
	if (r == 0) {
		c.line = 1;
		return xfail(&c, "empty file (no 'format' line)");
	}
	if (r < 0)
		return -1;
	if (c.nt != 2 || !xis(&c.t[0], "format"))
		return xfail(&c, "missing 'format' line (found '%s')", xq(&c.t[0]));
	if (dl_parse_u64(c.t[1].p, c.t[1].n, &v) || v != DSTLEAK_FORMAT_VERSION)
		return xfail(&c, "unsupported objects format %s (this dstleak reads %d)",
			     xq(&c.t[1]), DSTLEAK_FORMAT_VERSION);
	o->format = (unsigned int)v;
	while ((r = xnext(&c)) > 0) {
		if (end_line) {
			r = xfail(&c, "a line after the 'end' line of line %u", end_line);
			break;
		}
		r = 0;
		if (xis(&c.t[0], "obj")) {
			r = xobj(&c, o, &cap);
		} else if (xis(&c.t[0], "end")) {
			struct xspec spec[] = { { "lines", XT_U64, &v } };

			r = xpairs(&c, 1, spec, 1);
			if (!r && v != c.line - 1)
				r = xfail(&c, "truncated or damaged: 'end lines %" PRIu64
					  "' but %u lines before it", v, c.line - 1);
			end_line = c.line;
		}
		if (r)
			break;
	}
	if (!r && !end_line)
		r = xfail(&c, "truncated: the file ends without its 'end lines N' line");
	if (r) {
		dl_objects_free(o);
		return -1;
	}
	return 0;
}

void dl_objects_free(struct dl_objects *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		obj_free(&o->v[i]);
	free(o->v);
	memset(o, 0, sizeof(*o));
}

/* DST_OBSOLETE_DEAD in the kernel's include/net/dst.h. */
#define DL_OBSOLETE_DEAD 2

int dl_obj_reason(const struct dl_obj *o)
{
	if (o->refcnt <= 0)
		return -1;
	if (o->exited)
		return DL_REASON_NETNS_EXITED;
	if (!strcmp(o->devstate, "unregistering"))
		return DL_REASON_PINS_DEVICE;
	if (!strcmp(o->devstate, "gone"))
		return DL_REASON_DEVICE_GONE;
	if (o->obsolete == DL_OBSOLETE_DEAD)
		return DL_REASON_DEAD;
	return -1;
}
