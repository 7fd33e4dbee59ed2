/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * dl.h - the reader's model of what the dstleak module exports, and the
 * parsers that build it. The grammar itself lives in
 * module/dstleak_format.h, which is included here so the module and the
 * reader can never disagree about names, order or version.
 */
#ifndef DL_H
#define DL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dstleak_format.h"

#define DL_TOOL_VERSION DSTLEAK_MODULE_VERSION
/* Version of the JSON documents the reader prints (tools/README.md). */
#define DL_JSON_VERSION 1
/* Version of the snapshot files "dstleak snapshot" writes. */
#define DL_SNAPSHOT_VERSION 1
/* Largest file the reader accepts (the summary of ~100k namespaces). */
#define DL_MAX_FILE (256u << 20)

/* Exit codes (see dstleak(8)). */
enum {
	DL_EXIT_OK = 0,
	DL_EXIT_RUNTIME = 1, /* cannot write output or a snapshot */
	DL_EXIT_BADINPUT = 2, /* bad file contents, bad flags */
	DL_EXIT_NOSOURCE = 3, /* module not loaded, nothing to read */
};

/* Fields of an "ns" line, from the shared header. */
#define DL_FIELD_ENUM(name) DL_F_##name,
enum dl_field { DSTLEAK_NS_FIELDS(DL_FIELD_ENUM) DL_NR_FIELDS };
#undef DL_FIELD_ENUM

extern const char *const dl_field_names[DL_NR_FIELDS];
extern const char *const dl_family_names[DSTLEAK_NR_FAMILIES];

#define DL_REASON_ENUM(id, name) DL_REASON_##id,
enum dl_reason { DSTLEAK_REASONS(DL_REASON_ENUM) DL_NR_REASONS };
#undef DL_REASON_ENUM
extern const char *const dl_reason_names[DL_NR_REASONS];

/* A value of the format: a u64, an s64 (drift), or "-" (null). */
struct dl_num {
	bool null;
	bool is_signed;
	union {
		uint64_t u;
		int64_t s;
	};
};

struct dl_err {
	char msg[512];
};

struct dl_fam {
	bool seen;
	struct dl_num f[DL_NR_FIELDS];
};

struct dl_ns {
	uint64_t inum;
	bool exited;
	unsigned int line; /* first line that named it */
	struct dl_fam fam[DSTLEAK_NR_FAMILIES];
};

struct dl_global {
	bool seen;
	struct dl_num kernel, expected, drift;
};

struct dl_probe {
	char *symbol;
	struct dl_num hits, missed;
};

struct dl_tracking {
	bool seen;
	struct dl_num tracked, overflow, bytes, max, entry_bytes;
};

struct dl_summary {
	unsigned int format;
	char *module;
	char *kernel;
	struct dl_global global[DSTLEAK_NR_FAMILIES];
	struct dl_tracking tracking;
	struct dl_probe *probes;
	size_t nprobes;
	struct dl_ns *ns; /* sorted by inum */
	size_t nns;
};

struct dl_group {
	uint64_t inum;
	int family;
	int reason;
	char *device; /* NULL for "-" */
	uint64_t count, oldest_ms, median_ms;
	char **stack;
	size_t nstack;
};

struct dl_old {
	uint64_t inum;
	int family;
	uint64_t count, oldest_ms;
};

struct dl_suspects {
	unsigned int format;
	struct dl_group *groups;
	size_t ngroups;
	struct dl_old *old;
	size_t nold;
};

struct dl_snapshot {
	char *host;
	char *boot_id;
	char *source;
	int64_t sec; /* CLOCK_REALTIME when taken */
	uint32_t nsec;
	unsigned int host_line, boot_line, time_line;
	struct dl_summary sum;
};

/* parse.c: every parser takes the whole file; path names it in errors. */
int dl_parse_summary(const char *buf, size_t len, const char *path,
		     struct dl_summary *out, struct dl_err *err);
int dl_parse_suspects(const char *buf, size_t len, const char *path,
		      struct dl_suspects *out, struct dl_err *err);
int dl_parse_snapshot(const char *buf, size_t len, const char *path,
		      struct dl_snapshot *out, struct dl_err *err);
void dl_summary_free(struct dl_summary *s);
void dl_suspects_free(struct dl_suspects *s);
void dl_snapshot_free(struct dl_snapshot *s);
const struct dl_ns *dl_find_ns(const struct dl_summary *s, uint64_t inum);
int dl_parse_u64(const char *s, size_t n, uint64_t *out);
int dl_parse_s64(const char *s, size_t n, int64_t *out);
int dl_family_index(const char *s, size_t n);

bool dl_field_signed(int field);
double dl_num_d(const struct dl_num *v);
int dl_num_cmp(const struct dl_num *a, const struct dl_num *b);
bool dl_num_diff(char *buf, size_t n, const struct dl_num *a,
		 const struct dl_num *b);
uint64_t dl_num_abs(const struct dl_num *v);

/* Headroom of one family of one namespace, in percent; false if no limit. */
bool dl_headroom(const struct dl_fam *f, double *pct, uint64_t *limit,
		 const char **limit_name);
/* A gc_thresh or max_size at or above this means "no limit". */
#define DL_UNLIMITED ((uint64_t)INT32_MAX)

/* util.c */
int dl_read_file(const char *path, char **buf, size_t *len, int *err_no);
int dl_read_fd(int fd, char **buf, size_t *len, int *err_no);
void dl_fmt_num(char *buf, size_t n, const struct dl_num *v);
void dl_fmt_ms(char *buf, size_t n, uint64_t ms);
void *dl_xrealloc(void *p, size_t nmemb, size_t size);
char *dl_xstrndup(const char *s, size_t n);
/* Copy of s fit to print: control bytes replaced by '?'. */
void dl_sanitize(char *s);

/* json.c: a minimal streaming JSON writer. */
struct jw {
	FILE *f;
	int depth;
	bool first[64];
	bool after_key;
};
void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s); /* NULL prints null */
void jw_u64(struct jw *w, uint64_t v);
void jw_num(struct jw *w, const struct dl_num *v);
void jw_ms_as_s(struct jw *w, uint64_t ms);
void jw_null(struct jw *w);
void jw_end(struct jw *w); /* newline at top level */
/* Write s as a JSON string body (escaped, UTF-8 repaired). */
void jw_escape(FILE *f, const char *s);

/* names.c: inode -> the name people know a namespace by. */
struct dl_names;
struct dl_names *dl_names_load(void);
/* NULL when only the inode is known. */
const char *dl_names_get(const struct dl_names *n, uint64_t inum);
void dl_names_free(struct dl_names *n);

/* Roots, overridable for tests (see dstleak(8), ENVIRONMENT). */
const char *dl_env_root(const char *var, const char *dflt);

#endif /* DL_H */
