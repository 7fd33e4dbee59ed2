// SPDX-License-Identifier: GPL-2.0 OR MIT
/* util.c - files, memory, number formatting and a small JSON writer. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dl.h"

static void oom(void)
{
	static const char m[] = "dstleak: out of memory\n";

	if (write(2, m, sizeof(m) - 1) < 0)
		_exit(DL_EXIT_RUNTIME);
	_exit(DL_EXIT_RUNTIME);
}

void *dl_xrealloc(void *p, size_t nmemb, size_t size)
{
	void *r;

	if (size && nmemb > SIZE_MAX / size)
		oom();
	r = realloc(p, (nmemb * size) != 0 ? nmemb * size : 1);
	if (!r)
		oom();
	return r;
}

void *dl_grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	return dl_xrealloc(p, *cap, size);
}

char *dl_xstrndup(const char *s, size_t n)
{
	char *r = dl_xrealloc(NULL, n + 1, 1);

	memcpy(r, s, n);
	r[n] = 0;
	return r;
}

/* Length of a valid UTF-8 sequence at s[0..n), or 0. */
static int utf8_len(const unsigned char *s, size_t n)
{
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if ((size_t)len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xf0 && s[1] < 0x90))
		return 0; /* overlong */
	if (s[0] == 0xed && s[1] >= 0xa0)
		return 0; /* surrogate */
	if (s[0] == 0xf4 && s[1] >= 0x90)
		return 0; /* past U+10FFFF */
	return len;
}

char *dl_clean(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char *r = dl_xrealloc(NULL, n + 1, 3), *o = r;
	size_t i = 0;

	while (i < n) {
		int l;

		if (s[i] < 0x20 || s[i] == 0x7f) {
			*o++ = '?';
			i++;
		} else if (s[i] < 0x80) {
			*o++ = (char)s[i++];
		} else if ((l = utf8_len(s + i, n - i)) > 0) {
			memcpy(o, s + i, (size_t)l);
			o += l;
			i += (size_t)l;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			i++;
		}
	}
	*o = 0;
	return r;
}

void dl_sanitize(char **s)
{
	char *c = dl_clean(*s, strlen(*s));

	free(*s);
	*s = c;
}

const char *dl_strerror(int e)
{
	return e == DL_ENOTREG ? "not a regular file" : strerror(e);
}

const char *dl_env_root(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v && *v ? v : dflt;
}

/*
 * The whole file. Files of debugfs and procfs have no size, so read to the
 * end. 0, or -1 with *err_no set (EFBIG past DL_MAX_FILE, DL_ENOTREG).
 * O_NONBLOCK and the type checked before any read: a FIFO or a device put
 * where a file belongs must not hang the reader.
 */
int dl_read_file(const char *path, char **buf, size_t *len, int *err_no)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*err_no = errno;
		return -1;
	}
	if (fstat(fd, &st)) {
		*err_no = errno;
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*err_no = S_ISDIR(st.st_mode) ? EISDIR : DL_ENOTREG;
		close(fd);
		return -1;
	}
	r = dl_read_fd(fd, buf, len, err_no);
	close(fd);
	return r;
}

int dl_read_fd(int fd, char **buf, size_t *len, int *err_no)
{
	size_t cap = 16384, n = 0;
	struct stat st;
	char *b;

	/* A regular file says its size (debugfs and procfs say 0): one read. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < DL_MAX_FILE)
		cap = (size_t)st.st_size + 1;
	b = dl_xrealloc(NULL, cap, 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= DL_MAX_FILE) {
				free(b);
				*err_no = EFBIG;
				return -1;
			}
			cap = cap > DL_MAX_FILE / 2 ? DL_MAX_FILE : cap * 2;
			b = dl_xrealloc(b, cap, 1);
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err_no = errno;
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	return 0;
}

/* All of b[0..n) at offset off: 0, or -1 with errno set. */
int dl_write_at(int fd, const char *b, size_t n, off_t off)
{
	while (n) {
		ssize_t r = pwrite(fd, b, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		b += r;
		n -= (size_t)r;
		off += r;
	}
	return 0;
}

void dl_fmt_num(char *buf, size_t n, const struct dl_num *v)
{
	if (v->null)
		snprintf(buf, n, "-");
	else if (v->is_signed)
		snprintf(buf, n, "%" PRId64, v->s);
	else
		snprintf(buf, n, "%" PRIu64, v->u);
}

/* An age: 850ms, 65.0s, 12m05s, 3h02m, 4d07h. */
void dl_fmt_ms(char *buf, size_t n, uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, n, "%" PRIu64 "ms", ms);
	else if (s < 60)
		snprintf(buf, n, "%" PRIu64 ".%" PRIu64 "s", s, (ms % 1000) / 100);
	else if (s < 3600)
		snprintf(buf, n, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 (s % 3600) / 60);
	else
		snprintf(buf, n, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 (s % 86400) / 3600);
}

/* ---- JSON ---- */

static const char *const md_frees_names[] = {
	[DL_MD_UNSAID] = "-",
	[DL_MD_EXACT] = "exact",
	[DL_MD_RECORDS] = "records",
	[DL_MD_OFF] = "off",
};

const char *dl_md_frees_name(enum dl_md_frees v)
{
	return md_frees_names[v];
}

/* The "features:" line of show and status; metadata_frees when said. */
void dl_print_features(const struct dl_features *f)
{
	printf("features: stacks %" PRIu64 ", ftrace_permanent %" PRIu64
	       ", netns_cookie %s, limits_enforceable %" PRIu64,
	       f->stacks, f->ftrace_permanent,
	       f->cookie_dstleak ? "dstleak" : "kernel", f->limits_enforceable);
	if (f->metadata_frees != DL_MD_UNSAID)
		printf(", metadata_frees %s", dl_md_frees_name(f->metadata_frees));
	putchar('\n');
}

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = true;
}

/* Before a value: a comma unless first in its container or after a key. */
static void pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
}

static void open_(struct jw *w, char ch)
{
	pre(w);
	fputc(ch, w->f);
	if (w->depth < 63)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jw *w, char ch)
{
	fputc(ch, w->f);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj(struct jw *w) { open_(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open_(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void jw_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str);

	while (*s) {
		int n = 1;

		if (*s == '"' || *s == '\\') {
			fputc('\\', f);
			fputc(*s, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			fprintf(f, "\\u%04x", *s);
		} else if (*s < 0x80) {
			fputc(*s, f);
		} else if ((n = utf8_len(s, left)) > 0) {
			fwrite(s, 1, (size_t)n, f);
		} else {
			fputs("\\ufffd", f); /* not UTF-8: replaced */
			n = 1;
		}
		s += n;
		left -= (size_t)n;
	}
}

void jw_key(struct jw *w, const char *k)
{
	pre(w);
	fputc('"', w->f);
	jw_escape(w->f, k);
	fputs("\":", w->f);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	pre(w);
	fputc('"', w->f);
	jw_escape(w->f, s);
	fputc('"', w->f);
}

void jw_u64(struct jw *w, uint64_t v)
{
	pre(w);
	fprintf(w->f, "%" PRIu64, v);
}

void jw_null(struct jw *w)
{
	pre(w);
	fputs("null", w->f);
}

void jw_num(struct jw *w, const struct dl_num *v)
{
	pre(w);
	if (v->null)
		fputs("null", w->f);
	else if (v->is_signed)
		fprintf(w->f, "%" PRId64, v->s);
	else
		fprintf(w->f, "%" PRIu64, v->u);
}

/* Milliseconds as seconds, exactly: 65000 -> 65.000 */
void jw_ms_as_s(struct jw *w, uint64_t ms)
{
	pre(w);
	fprintf(w->f, "%" PRIu64 ".%03" PRIu64, ms / 1000, ms % 1000);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
}
