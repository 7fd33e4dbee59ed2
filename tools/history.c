// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * history.c - the history file of "dstleak record" (format in history.h):
 * parsing, one sample's text, and the locked, bounded append.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history.h"

static void herr(struct dl_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void herr(struct dl_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* ---------------- parsing ---------------- */

struct tok {
	const char *p;
	size_t n;
};

/* Split a line into at most max space-separated tokens; the count. */
static size_t split(const char *l, size_t len, struct tok *t, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && l[j] != ' ')
			j++;
		if (n == max)
			return max + 1;
		t[n].p = l + i;
		t[n].n = j - i;
		n++;
		i = j + 1;
	}
	return n;
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

/* A value: "-", a signed number (signed) or an unsigned one. */
static bool tok_num(const struct tok *t, bool is_signed, struct dl_num *v)
{
	memset(v, 0, sizeof(*v));
	if (tok_is(t, "-")) {
		v->null = true;
		return true;
	}
	v->is_signed = is_signed;
	if (is_signed)
		return dl_parse_s64(t->p, t->n, &v->s) == 0;
	return dl_parse_u64(t->p, t->n, &v->u) == 0;
}

/* "SEC.NSEC" */
static bool tok_time(const struct tok *t, double *out)
{
	const char *dot = memchr(t->p, '.', t->n);
	uint64_t sec, nsec = 0;
	size_t sn = dot ? (size_t)(dot - t->p) : t->n;

	if (dl_parse_u64(t->p, sn, &sec) || sec > (1ull << 40))
		return false;
	if (dot) {
		size_t fn = t->n - sn - 1;

		if (fn == 0 || fn > 9 || dl_parse_u64(dot + 1, fn, &nsec))
			return false;
		while (fn++ < 9)
			nsec *= 10;
	}
	*out = (double)sec + (double)nsec / 1e9;
	return true;
}

/* Any byte but controls and space; "-" is none. */
static bool tok_word(const struct tok *t)
{
	size_t i;

	if (!t->n)
		return false;
	for (i = 0; i < t->n; i++)
		if ((unsigned char)t->p[i] <= ' ' || t->p[i] == 0x7f)
			return false;
	return true;
}

static const bool hf_signed[HF_NR] = {
	[HF_LIVE] = true, [HF_KERNEL] = true,
};

static int parse_row(struct history *h, const struct tok *t, size_t nt)
{
	struct hist_row *r;
	struct dl_num nv;
	int i;

	if (nt != 15)
		return -1;
	h->rows = dl_grow(h->rows, h->nr, &h->rcap, sizeof(*h->rows));
	r = &h->rows[h->nr];
	memset(r, 0, sizeof(*r));
	if (dl_parse_u64(t[1].p, t[1].n, &r->id.inum))
		return -1;
	if (!tok_num(&t[2], false, &nv))
		return -1;
	r->id.has_cookie = !nv.null;
	r->id.cookie = nv.null ? 0 : nv.u;
	if (!tok_word(&t[3]))
		return -1;
	if (tok_is(&t[4], "exited"))
		r->exited = true;
	else if (!tok_is(&t[4], "alive"))
		return -1;
	r->family = dl_family_index(t[5].p, t[5].n);
	if (r->family < 0)
		return -1;
	for (i = 0; i < 5; i++)
		if (!tok_num(&t[6 + i], hf_signed[i], &r->v[i]))
			return -1;
	if (tok_is(&t[11], "gc_thresh"))
		r->limit_name = DL_F_gc_thresh;
	else if (tok_is(&t[11], "max_size"))
		r->limit_name = DL_F_max_size;
	else if (tok_is(&t[11], "-"))
		r->limit_name = -1;
	else
		return -1;
	if (!tok_num(&t[12], false, &r->v[HF_LIMIT]) ||
	    (r->limit_name < 0) != r->v[HF_LIMIT].null)
		return -1;
	if (tok_is(&t[13], "1"))
		r->enforced = true;
	else if (!tok_is(&t[13], "0"))
		return -1;
	if (!tok_num(&t[14], false, &r->v[HF_SUSPECTS]))
		return -1;
	if (!tok_is(&t[3], "-"))
		r->name = dl_xstrndup(t[3].p, t[3].n);
	h->nr++;
	return 0;
}

static const struct hist_row *find_row(const struct history *h,
				       const struct hist_sample *s,
				       const struct hist_row *r)
{
	size_t i;

	/* Rows keep the summary's order: look near the same position first. */
	for (i = 0; i < s->n; i++) {
		const struct hist_row *o = &h->rows[s->first + i];

		if (o->family == r->family && o->id.inum == r->id.inum &&
		    o->id.has_cookie == r->id.has_cookie && o->id.cookie == r->id.cookie)
			return o;
	}
	return NULL;
}

static bool went_back(const struct dl_num *a, const struct dl_num *b)
{
	return !a->null && !b->null && b->u < a->u;
}

/* Does sample cur start a new segment after prev? */
static bool is_break(const struct history *h, const struct hist_sample *prev,
		     const struct hist_sample *cur)
{
	size_t i;
	int k;

	if (strcmp(prev->boot, cur->boot) || cur->t < prev->t)
		return true;
	if (went_back(&prev->hits, &cur->hits))
		return true;
	for (i = 0; i < cur->n; i++) {
		const struct hist_row *r = &h->rows[cur->first + i];
		const struct hist_row *o = find_row(h, prev, r);

		if (!o)
			continue;
		for (k = HF_ALLOCS; k <= HF_FAILURES; k++)
			if (went_back(&o->v[k], &r->v[k]))
				return true;
	}
	return false;
}

void dl_hist_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->ns; i++)
		free(h->s[i].boot);
	for (i = 0; i < h->nr; i++)
		free(h->rows[i].name);
	free(h->s);
	free(h->rows);
	free(h->host);
	memset(h, 0, sizeof(*h));
}

/*
 * The whole file; an empty one is an empty history. A last sample without
 * its "e" line is left out (valid_end is where it starts).
 */
int dl_hist_parse(const char *buf, size_t len, const char *path,
		  struct history *h, struct dl_err *err)
{
	struct hist_sample *cur = NULL;
	size_t pos = 0, lineno = 0;
	struct tok t[17];

	memset(h, 0, sizeof(*h));
	while (pos < len) {
		const char *l = buf + pos, *nl = memchr(l, '\n', len - pos);
		size_t ll, nt;

		lineno++;
		if (!nl) {
			/* A line cut short: only a sample's may be, at the end. */
			if (lineno > 2 && cur)
				break;
			herr(err, "%s:%zu: line not ended", path, lineno);
			goto bad;
		}
		ll = (size_t)(nl - l);
		nt = split(l, ll, t, 16);
		if (nt == 0 || nt > 16) {
			herr(err, "%s:%zu: malformed line", path, lineno);
			goto bad;
		}
		if (lineno == 1) {
			if (!tok_is(&t[0], "dstleak-history") || nt != 2) {
				herr(err, "%s:1: not a dstleak history file", path);
				goto bad;
			}
			if (!tok_is(&t[1], "1")) {
				herr(err, "%s:1: history format %.*s, this reader writes "
				     "and reads format %d", path, (int)t[1].n, t[1].p,
				     DL_HISTORY_VERSION);
				goto bad;
			}
		} else if (lineno == 2) {
			if (!tok_is(&t[0], "host") || nt != 2 || !tok_word(&t[1])) {
				herr(err, "%s:2: expected \"host NAME\"", path);
				goto bad;
			}
			h->host = dl_xstrndup(t[1].p, t[1].n);
			h->hdr_end = h->valid_end = pos + ll + 1;
		} else if (tok_is(&t[0], "s")) {
			if (cur) {
				herr(err, "%s:%zu: sample without its end line", path, lineno);
				goto bad;
			}
			h->s = dl_grow(h->s, h->ns, &h->scap, sizeof(*h->s));
			cur = &h->s[h->ns];
			memset(cur, 0, sizeof(*cur));
			cur->off = pos;
			cur->first = h->nr;
			if (nt != 4 || !tok_time(&t[1], &cur->t) || !tok_word(&t[2]) ||
			    !tok_num(&t[3], false, &cur->hits)) {
				herr(err, "%s:%zu: malformed sample line", path, lineno);
				cur = NULL;
				goto bad;
			}
			cur->boot = dl_xstrndup(t[2].p, t[2].n);
			h->ns++;
		} else if (tok_is(&t[0], "n") && cur) {
			if (parse_row(h, t, nt)) {
				herr(err, "%s:%zu: malformed namespace line", path, lineno);
				goto bad;
			}
			cur->n++;
		} else if (tok_is(&t[0], "e") && cur) {
			uint64_t n;

			if (nt != 2 || dl_parse_u64(t[1].p, t[1].n, &n) || n != cur->n) {
				herr(err, "%s:%zu: end line does not match its %zu namespace "
				     "lines", path, lineno, cur->n);
				goto bad;
			}
			cur->end = h->valid_end = pos + ll + 1;
			if (h->ns > 1 && is_break(h, &h->s[h->ns - 2], cur)) {
				cur->seg = h->s[h->ns - 2].seg + 1;
				h->breaks++;
			} else if (h->ns > 1) {
				cur->seg = h->s[h->ns - 2].seg;
			}
			cur = NULL;
		} else {
			herr(err, "%s:%zu: unexpected line '%.*s'", path, lineno,
			     (int)(t[0].n > 20 ? 20 : t[0].n), t[0].p);
			goto bad;
		}
		pos += ll + 1;
	}
	if (lineno == 1) {
		herr(err, "%s:2: no host line", path);
		goto bad;
	}
	if (cur) {
		/* Cut short by a crash: forget it. */
		h->nr = cur->first;
		h->ns--;
		free(cur->boot);
	}
	return 0;
bad:
	if (cur) {
		h->ns--;
		free(cur->boot);
	}
	dl_hist_free(h);
	return -1;
}

/* ---------------- identity, paths ---------------- */

char *dl_hist_host(void)
{
	const char *e = getenv("DSTLEAK_HOSTNAME");
	char b[HOST_NAME_MAX + 1];
	char *r;

	if (e && *e)
		r = dl_xstrndup(e, strlen(e));
	else if (gethostname(b, sizeof(b)) == 0 && (b[sizeof(b) - 1] = 0, b[0]))
		r = dl_xstrndup(b, strlen(b));
	else
		r = dl_xstrndup("unknown", 7);
	r[strcspn(r, " \t\n")] = 0;
	dl_sanitize(&r);
	if (!*r) {
		free(r);
		r = dl_xstrndup("unknown", 7);
	}
	return r;
}

char *dl_hist_boot(void)
{
	const char *root = dl_env_root("DSTLEAK_PROC", "/proc");
	char path[PATH_MAX], *raw, *r;
	size_t len, n;
	int e;

	snprintf(path, sizeof(path), "%s/sys/kernel/random/boot_id", root);
	if (dl_read_file(path, &raw, &len, &e) || len == 0 || len > 64)
		return dl_xstrndup("unknown", 7);
	n = strcspn(raw, " \t\n");
	r = dl_xstrndup(raw, n < len ? n : len);
	free(raw);
	dl_sanitize(&r);
	if (!*r || strchr(r, ' ')) {
		free(r);
		return dl_xstrndup("unknown", 7);
	}
	return r;
}

const char *dl_hist_default(char *b, size_t n)
{
	const char *e = getenv("DSTLEAK_RECORD");

	if (e && *e)
		return e;
	if (geteuid() == 0)
		return "/var/lib/dstleak/history";
	snprintf(b, n, "/tmp/.dstleak-history.u%ld", (long)geteuid());
	return b;
}

int dl_hist_load(const char *path, struct history *h, struct dl_err *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	size_t len;
	char *buf;
	int e = 0;

	memset(h, 0, sizeof(*h));
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0) {
		herr(err, "%s: %s%s", path, strerror(errno),
		     errno == ELOOP ? " (a symbolic link: refused)" : "");
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (st.st_uid != geteuid() && st.st_uid != 0)) {
		herr(err, "%s: %s", path, !S_ISREG(st.st_mode) ?
		     "not a regular file: refused" : "owned by another user: refused");
		close(fd);
		return -1;
	}
	if (dl_read_fd(fd, &buf, &len, &e)) {
		herr(err, "%s: %s", path, dl_strerror(e));
		close(fd);
		return -1;
	}
	close(fd);
	if (dl_hist_parse(buf, len, path, h, err)) {
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* ---------------- one sample ---------------- */

struct sbuf {
	char *p;
	size_t n, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	for (;;) {
		va_start(ap, fmt);
		r = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (r >= 0 && (size_t)r < b->cap - b->n) {
			b->n += (size_t)r;
			return;
		}
		b->cap = b->cap * 2 + (size_t)r + 64;
		b->p = dl_xrealloc(b->p, b->cap, 1);
	}
}

static bool row_idle(const struct dl_fam *f)
{
	static const int k[] = { DL_F_allocs, DL_F_frees, DL_F_live, DL_F_failures,
				 DL_F_kernel };
	size_t i;

	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		const struct dl_num *v = &f->f[k[i]];

		if (!v->null && (v->is_signed ? v->s != 0 : v->u != 0))
			return false;
	}
	return true;
}

/* Suspect entries of (namespace, family), "-" without a suspects file. */
static void suspects_of(char *b, size_t n, const struct dl_suspects *sp,
			const struct dl_nsid *id, int f)
{
	uint64_t sum = 0;
	size_t i;

	if (!sp) {
		snprintf(b, n, "-");
		return;
	}
	for (i = 0; i < sp->ngroups; i++) {
		const struct dl_group *g = &sp->groups[i];

		if (g->family == f && dl_nsid_cmp(&g->id, id) == 0)
			sum = sum > UINT64_MAX - g->count ? UINT64_MAX : sum + g->count;
	}
	snprintf(b, n, "%" PRIu64, sum);
}

char *dl_hist_sample_text(const struct dl_summary *s, const struct dl_suspects *sp,
			  double t, const char *boot, size_t *len)
{
	struct dl_names *names = dl_names_load();
	struct sbuf b = { NULL, 0, 0 };
	uint64_t hits = 0;
	size_t i, rows = 0;
	int f;

	b.cap = 4096;
	b.p = dl_xrealloc(NULL, b.cap, 1);
	for (i = 0; i < s->nprobes; i++)
		if (!s->probes[i].hits.null)
			hits += s->probes[i].hits.u;
	if (s->nprobes)
		sb_printf(&b, "s %.3f %s %" PRIu64 "\n", t, boot, hits);
	else
		sb_printf(&b, "s %.3f %s -\n", t, boot);
	for (i = 0; i < s->nns; i++) {
		const struct dl_ns *ns = &s->ns[i];
		const char *nm = ns->exited ? NULL : dl_names_netns(names, ns->id.inum);
		char *name = nm ? dl_clean(nm, strlen(nm)) : NULL;
		char *c;

		/* Names with spaces or controls: their bytes would split the line. */
		for (c = name; c && *c; c++)
			if ((unsigned char)*c <= ' ' || *c == 0x7f)
				*c = '?';
		for (f = 0; f < DSTLEAK_NR_FAMILIES; f++) {
			const struct dl_fam *fa = &ns->fam[f];
			char v[5][32], cookie[32], lim[32], sus[32];
			const char *lname = "-";
			uint64_t limit;
			double pct;
			int k;
			static const int fields[5] = { DL_F_live, DL_F_kernel, DL_F_allocs,
						       DL_F_frees, DL_F_failures };

			if (!fa->seen || row_idle(fa))
				continue;
			for (k = 0; k < 5; k++)
				dl_fmt_num(v[k], sizeof(v[k]), &fa->f[fields[k]]);
			if (ns->id.has_cookie)
				snprintf(cookie, sizeof(cookie), "%" PRIu64, ns->id.cookie);
			else
				snprintf(cookie, sizeof(cookie), "-");
			if (dl_headroom(fa, &pct, &limit, &lname))
				snprintf(lim, sizeof(lim), "%" PRIu64, limit);
			else
				snprintf(lim, sizeof(lim), "-"), lname = "-";
			suspects_of(sus, sizeof(sus), sp, &ns->id, f);
			sb_printf(&b, "n %" PRIu64 " %s %s %s %s %s %s %s %s %s %s %s %d %s\n",
				  ns->id.inum, cookie, name && *name ? name : "-",
				  ns->exited ? "exited" : "alive", dl_family_names[f],
				  v[0], v[1], v[2], v[3], v[4], lname, lim,
				  dl_limit_enforced(fa) ? 1 : 0, sus);
			rows++;
		}
		free(name);
	}
	sb_printf(&b, "e %zu\n", rows);
	dl_names_free(names);
	*len = b.n;
	return b.p;
}

/* ---------------- append ---------------- */

/*
 * Open path for appending: created 0600 when absent; refused through a
 * symbolic link, when not a regular file, with other hard links, or owned
 * by another user. Locked; reopened if a rewrite replaced it meanwhile.
 */
static int open_locked(const char *path, struct dl_err *err)
{
	int tries;

	for (tries = 0; tries < 10; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_NONBLOCK | O_NOFOLLOW |
			      O_NOCTTY | O_CLOEXEC, 0600);
		struct stat st, now;

		if (fd < 0) {
			herr(err, "%s: %s%s", path, strerror(errno),
			     errno == ELOOP ? " (a symbolic link: refused)" : "");
			return -1;
		}
		if (fstat(fd, &st)) {
			herr(err, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (!S_ISREG(st.st_mode) || st.st_nlink > 1 || st.st_uid != geteuid()) {
			if (!S_ISREG(st.st_mode))
				herr(err, "%s: not a regular file: refused", path);
			else if (st.st_nlink > 1)
				herr(err, "%s: has %lu hard links: refused", path,
				     (unsigned long)st.st_nlink);
			else
				herr(err, "%s: owned by uid %ld, not by you: refused", path,
				     (long)st.st_uid);
			close(fd);
			return -1;
		}
		while (flock(fd, LOCK_EX) && errno == EINTR)
			;
		/* Still the file at path (not renamed over while we waited)? */
		if (lstat(path, &now) == 0 && now.st_ino == st.st_ino &&
		    now.st_dev == st.st_dev)
			return fd;
		close(fd);
	}
	herr(err, "%s: replaced again and again while waiting for its lock", path);
	return -1;
}

/*
 * Thin h until its samples and the new one fit in max bytes: every second
 * sample of the older half goes, then (few samples left) the oldest.
 */
static bool *thin(const struct history *h, size_t extra, size_t max)
{
	bool *keep = dl_xrealloc(NULL, h->ns ? h->ns : 1, sizeof(bool));
	size_t i, total = h->hdr_end + extra, alive = h->ns;

	for (i = 0; i < h->ns; i++) {
		keep[i] = true;
		total += h->s[i].end - h->s[i].off;
	}
	while (total > max && alive > 0) {
		size_t seen = 0, half = alive / 2;

		if (alive < 4) {
			for (i = 0; i < h->ns && !keep[i]; i++)
				;
			keep[i] = false;
			total -= h->s[i].end - h->s[i].off;
			alive--;
			continue;
		}
		/* The odd ones of the oldest half still kept. */
		for (i = 0; i < h->ns && seen < half; i++) {
			if (!keep[i])
				continue;
			if (seen++ % 2 == 1) {
				keep[i] = false;
				total -= h->s[i].end - h->s[i].off;
				alive--;
			}
		}
	}
	return keep;
}

static int rewrite(const char *path, const char *buf, const struct history *h,
		   const bool *keep, const char *sample, size_t len,
		   struct dl_err *err)
{
	char tmp[PATH_MAX];
	int fd, e;
	size_t i;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
		herr(err, "%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		herr(err, "%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	if (dl_write_at(fd, buf, h->hdr_end, 0))
		goto fail;
	{
		off_t off = (off_t)h->hdr_end;

		for (i = 0; i < h->ns; i++) {
			size_t n = h->s[i].end - h->s[i].off;

			if (!keep[i])
				continue;
			if (dl_write_at(fd, buf + h->s[i].off, n, off))
				goto fail;
			off += (off_t)n;
		}
		if (dl_write_at(fd, sample, len, off))
			goto fail;
	}
	if (fsync(fd) || close(fd) || rename(tmp, path)) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	herr(err, "%s: cannot write: %s", path, strerror(e));
	return -1;
}

int dl_hist_append(const char *path, const char *sample, size_t len, size_t max,
		   struct dl_err *err, int *code)
{
	char *host = dl_hist_host(), *buf = NULL, hdr[512];
	struct history h;
	size_t blen = 0;
	int fd, e = 0, r = -1;

	*code = DL_EXIT_RUNTIME;
	fd = open_locked(path, err);
	if (fd < 0)
		goto out;
	if (dl_read_fd(fd, &buf, &blen, &e)) {
		herr(err, "%s: %s", path, dl_strerror(e));
		goto out;
	}
	if (blen == 0) {
		/* New: the header, then the sample. */
		snprintf(hdr, sizeof(hdr), "dstleak-history %d\nhost %s\n",
			 DL_HISTORY_VERSION, host);
		if (strlen(hdr) + len > max) {
			herr(err, "%s: one sample is %zu bytes, more than --max-size %zu",
			     path, len, max);
			goto out;
		}
		if (dl_write_at(fd, hdr, strlen(hdr), 0) ||
		    dl_write_at(fd, sample, len, (off_t)strlen(hdr)) || fsync(fd)) {
			herr(err, "%s: cannot write: %s", path, strerror(errno));
			goto out;
		}
		r = 0;
		goto out;
	}
	if (dl_hist_parse(buf, blen, path, &h, err)) {
		*code = DL_EXIT_BADINPUT;
		goto out;
	}
	if (strcmp(h.host, host)) {
		herr(err, "%s:2: history is from host '%s', this is '%s': refused",
		     path, h.host, host);
		*code = DL_EXIT_BADINPUT;
		dl_hist_free(&h);
		goto out;
	}
	if (h.hdr_end + len > max) {
		herr(err, "%s: one sample is %zu bytes, more than --max-size %zu",
		     path, len, max);
		dl_hist_free(&h);
		goto out;
	}
	if (h.valid_end + len <= max) {
		/* Drop a sample a crash cut short, then append. */
		if ((h.valid_end < blen && ftruncate(fd, (off_t)h.valid_end)) ||
		    dl_write_at(fd, sample, len, (off_t)h.valid_end) || fsync(fd)) {
			herr(err, "%s: cannot write: %s", path, strerror(errno));
			dl_hist_free(&h);
			goto out;
		}
		r = 0;
	} else {
		bool *keep = thin(&h, len, max);

		r = rewrite(path, buf, &h, keep, sample, len, err);
		free(keep);
	}
	dl_hist_free(&h);
out:
	if (fd >= 0)
		close(fd); /* and the lock with it */
	free(buf);
	free(host);
	return r;
}
