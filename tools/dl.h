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
#include <sys/types.h>

#include "dstleak_format.h"

#define DL_TOOL_VERSION DSTLEAK_MODULE_VERSION
/* Version of the JSON documents the reader prints (tools/README.md). */
#define DL_JSON_VERSION 1
/* Version of the snapshot files "dstleak snapshot" writes. */
#define DL_SNAPSHOT_VERSION 1
/* Largest file the reader accepts (the summary of ~100k namespaces). */
#define DL_MAX_FILE (256u << 20)
/* The oldest export format still read: format 1 had no cookie, no end line. */
#define DL_FORMAT_OLDEST 1

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
	struct dl_num f[DL_NR_FIELDS]; /* f[DL_F_cookie] unused: see dl_nsid */
};

/*
 * Who a namespace is. The inode number is reused once a namespace is gone,
 * the cookie never is, so the cookie is the key when the module gives one
 * (format 2); format 1 gave only the inode.
 */
struct dl_nsid {
	uint64_t inum;
	uint64_t cookie;
	bool has_cookie;
};

/* The key of a namespace in hash tables: its cookie, else its inode. */
uint64_t dl_nsid_key(const struct dl_nsid *id);
/* Order by inode, then by cookie when both have one. */
int dl_nsid_cmp(const struct dl_nsid *a, const struct dl_nsid *b);

struct dl_ns {
	struct dl_nsid id;
	bool exited;
	bool xfrm_seen; /* it has an "xfrm" line (format 2) */
	unsigned int line; /* first line that named it */
	struct dl_fam fam[DSTLEAK_NR_FAMILIES];
	/* kernel_out_bundle_gen_error of its "xfrm" line; null without one */
	struct dl_num xfrm_gen_error;
};

struct dl_global {
	bool seen;
	struct dl_num kernel, expected, drift;
};

struct dl_probe {
	char *symbol;
	struct dl_num hits, missed;
	char *hook; /* kprobe, kretprobe, ftrace, direct; NULL: not said */
};

struct dl_tracking {
	bool seen;
	struct dl_num tracked, overflow, bytes, max, entry_bytes;
	struct dl_num steal_misses, irqoff_max_ns; /* null in format 1 */
};

/* Entries of no namespace dstleak has state for (format 2, per family). */
struct dl_unattr {
	bool seen;
	struct dl_num allocs, frees, orphaned;
};

/*
 * "features" (format 2, summary and version): what this kernel lets
 * dstleak do. seen false when the module (older) did not say.
 */
/*
 * "metadata_frees": which frees of metadata dsts the module counts (all;
 * only those of entries with a record; none). UNSAID: a module before it.
 */
enum dl_md_frees { DL_MD_UNSAID, DL_MD_EXACT, DL_MD_RECORDS, DL_MD_OFF };

struct dl_features {
	bool seen;
	uint64_t stacks; /* 0: no allocation stacks can be captured */
	uint64_t ftrace_permanent; /* 0: sysctl ftrace_enabled can switch the hook off */
	bool cookie_dstleak; /* netns cookies numbered by dstleak, not the kernel */
	uint64_t limits_enforceable; /* 0: no dst_ops limit fails allocations */
	enum dl_md_frees metadata_frees;
};

/* One "xfrm_error" line: IPsec errors of a namespace by place and errno. */
struct dl_xerr {
	struct dl_nsid id;
	bool bundle; /* where: "bundle", else "lookup" */
	char *errname; /* made fit to print */
	uint64_t count;
	unsigned int line; /* keeps the file's order within a namespace */
};

struct dl_summary {
	unsigned int format;
	char *module;
	char *kernel;
	struct dl_global global[DSTLEAK_NR_FAMILIES];
	struct dl_tracking tracking;
	struct dl_unattr unattr[DSTLEAK_NR_FAMILIES];
	int settled; /* 0, 1; -1 when not said (format 1) */
	struct dl_features features;
	struct dl_num calib_spread; /* "calibration spread N"; null when not said */
	struct dl_xerr *xerrs; /* sorted by namespace (dl_nsid_cmp), then line */
	size_t nxerrs;
	struct dl_probe *probes;
	size_t nprobes;
	struct dl_ns *ns; /* sorted by dl_nsid_cmp */
	size_t nns;
};

struct dl_group {
	struct dl_nsid id;
	int family;
	int reason;
	char *device; /* NULL for "-" */
	uint64_t count, oldest_ms, median_ms;
	char **stack;
	size_t nstack;
};

struct dl_old {
	struct dl_nsid id;
	int family;
	uint64_t count, oldest_ms;
};

struct dl_suspects {
	unsigned int format;
	struct dl_group *groups;
	size_t ngroups;
	struct dl_old *old;
	size_t nold;
	uint64_t dropped; /* suspect entries past the module's group limit */
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
/* The namespace id names (by inode alone when either side has no cookie). */
const struct dl_ns *dl_find_ns(const struct dl_summary *s, const struct dl_nsid *id);
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
/*
 * Does reaching the limit make allocations fail on this kernel? Format 1
 * did not say: assumed so, as before.
 */
bool dl_limit_enforced(const struct dl_fam *f);
/* A gc_thresh or max_size at or above this means "no limit". */
#define DL_UNLIMITED ((uint64_t)INT32_MAX)

/* util.c */
int dl_read_file(const char *path, char **buf, size_t *len, int *err_no);
int dl_read_fd(int fd, char **buf, size_t *len, int *err_no);
int dl_write_at(int fd, const char *b, size_t n, off_t off);
void dl_fmt_num(char *buf, size_t n, const struct dl_num *v);
void dl_fmt_ms(char *buf, size_t n, uint64_t ms);
const char *dl_md_frees_name(enum dl_md_frees v);
void dl_print_features(const struct dl_features *f);
void *dl_xrealloc(void *p, size_t nmemb, size_t size);
/* Room for one more element: doubles *cap when n reaches it. */
void *dl_grow(void *p, size_t n, size_t *cap, size_t size);
char *dl_xstrndup(const char *s, size_t n);
/*
 * A copy of s[0..n) fit for a terminal, JSON or a Prometheus label: bytes
 * that are not UTF-8 become U+FFFD, control bytes '?'.
 */
char *dl_clean(const char *s, size_t n);
/* Replace *s by its dl_clean() copy. */
void dl_sanitize(char **s);
/* strerror(), and the reader's own reasons (DL_ENOTREG). */
const char *dl_strerror(int e);
#define DL_ENOTREG 10000 /* dl_read_file: not a regular file */

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

/* map.c: a hash table from 64-bit keys to 64-bit values. */
struct dl_map {
	uint64_t *keys, *vals;
	unsigned char *used;
	size_t cap, n;
};
void dl_map_init(struct dl_map *m);
/* The value of key, or NULL. */
uint64_t *dl_map_get(const struct dl_map *m, uint64_t key);
/* The value of key, added as val when absent (*added says which). */
uint64_t *dl_map_put(struct dl_map *m, uint64_t key, uint64_t val, bool *added);
void dl_map_free(struct dl_map *m);

/* names.c: inode -> the name people know a namespace by. */
struct dl_names;
struct dl_names *dl_names_load(void);
/* The ip netns name, else comm[pid]; NULL when only the inode is known. */
const char *dl_names_get(const struct dl_names *n, uint64_t inum);
/* The ip netns name alone (stable across process restarts), or NULL. */
const char *dl_names_netns(const struct dl_names *n, uint64_t inum);
/*
 * The name of a namespace of a summary: none once it has exited, as its
 * inode may already be another namespace's.
 */
const char *dl_ns_name(const struct dl_names *n, const struct dl_ns *ns);
void dl_names_free(struct dl_names *n);

/* prom.c: the Prometheus text exposition format; sp may be NULL. */
void dl_export_prom(FILE *o, const struct dl_summary *s,
		    const struct dl_suspects *sp, const struct dl_names *names);

/* Roots, overridable for tests (see dstleak(8), ENVIRONMENT). */
const char *dl_env_root(const char *var, const char *dflt);

#endif /* DL_H */
