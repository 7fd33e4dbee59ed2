// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * unit.c - tests of the reader's parsers, number handling, headroom and
 * JSON writer, on the fixture files and on inline input. Built with ASan
 * and UBSan by "make -C tools test". One line per test: "PASS name" or
 * "FAIL name: why".
 *
 * Usage: unit FIXTURES_DIR
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dl.h"

static const char *fixtures;
static int failed_now;

#define EXPECT(cond)                                                         \
	do {                                                                 \
		if (!(cond) && !failed_now) {                                \
			printf("FAIL %s: line %d: %s\n", name, __LINE__, #cond); \
			failed_now = 1;                                      \
		}                                                            \
	} while (0)

static void begin(void)
{
	failed_now = 0;
}

static void end(const char *name)
{
	if (!failed_now)
		printf("PASS %s\n", name);
}

static char *slurp(const char *rel, size_t *len)
{
	char path[4096];
	char *buf;
	int e;

	snprintf(path, sizeof(path), "%s/%s", fixtures, rel);
	if (dl_read_file(path, &buf, len, &e)) {
		printf("FAIL cannot read fixture %s: %s\n", path, strerror(e));
		exit(1);
	}
	return buf;
}

/* A namespace by inode alone (an id without cookie matches any). */
static const struct dl_ns *by_inum(const struct dl_summary *s, uint64_t inum)
{
	struct dl_nsid id = { .inum = inum };

	return dl_find_ns(s, &id);
}

static const struct dl_fam *fam(const struct dl_summary *s, uint64_t inum, int f)
{
	const struct dl_ns *ns = by_inum(s, inum);

	return ns ? &ns->fam[f] : NULL;
}

static void test_good_summary(void)
{
	const char *name = "parse good summary: every figure as written";
	struct dl_summary s;
	struct dl_err err;
	const struct dl_fam *f;
	size_t len;
	char *b = slurp("good/summary", &len);

	begin();
	EXPECT(dl_parse_summary(b, len, "good/summary", &s, &err) == 0);
	if (failed_now) {
		printf("  %s\n", err.msg);
		free(b);
		return;
	}
	EXPECT(s.format == 2);
	EXPECT(s.module && !strcmp(s.module, "0.2.0"));
	EXPECT(s.settled == 1);
	EXPECT(s.tracking.steal_misses.u == 0 && s.tracking.irqoff_max_ns.u == 5120);
	EXPECT(s.unattr[DSTLEAK_FAM_OTHER].seen && !s.unattr[DSTLEAK_FAM_OTHER].allocs.null);
	EXPECT(by_inum(&s, 4026532400u) && by_inum(&s, 4026532400u)->id.has_cookie &&
	       by_inum(&s, 4026532400u)->id.cookie == 12);
	EXPECT(s.kernel && !strcmp(s.kernel, "6.12.117+deb12-cloud-amd64"));
	EXPECT(s.nns == 5);
	EXPECT(s.global[DSTLEAK_FAM_IPV4].seen && s.global[DSTLEAK_FAM_IPV4].kernel.s == 1042);
	EXPECT(!s.global[DSTLEAK_FAM_IPV6].seen);
	EXPECT(s.tracking.seen && s.tracking.tracked.u == 40 && s.tracking.max.u == 262144 &&
	       s.tracking.entry_bytes.u == 64);
	EXPECT(s.nprobes == 2 && !strcmp(s.probes[1].symbol, "dst_destroy") &&
	       s.probes[1].hits.u == 3986);
	f = fam(&s, 4026531840u, DSTLEAK_FAM_IPV4);
	EXPECT(f && f->f[DL_F_allocs].u == 30 && f->f[DL_F_frees_preexisting].u == 3);
	EXPECT(f && f->f[DL_F_kernel].null && f->f[DL_F_drift].null &&
	       f->f[DL_F_gc_thresh].null && f->f[DL_F_max_size].null);
	f = fam(&s, 4026531840u, DSTLEAK_FAM_IPV6);
	EXPECT(f && f->f[DL_F_kernel].s == 29 && f->f[DL_F_max_size].s == 2147483647);
	f = fam(&s, 4026532500u, DSTLEAK_FAM_IPV4);
	EXPECT(f && f->f[DL_F_allocs].u == UINT64_MAX);
	f = fam(&s, 4026532600u, DSTLEAK_FAM_IPV6);
	EXPECT(f && f->f[DL_F_drift].is_signed && f->f[DL_F_drift].s == -2 &&
	       f->f[DL_F_failures].u == 7);
	EXPECT(f && f->f[DL_F_limit_enforced].u == 1 && !f->f[DL_F_untracked].null &&
	       f->f[DL_F_cookie].null);
	EXPECT(by_inum(&s, 4026532281u) && by_inum(&s, 4026532281u)->exited);
	EXPECT(!by_inum(&s, 4026532400u)->exited);
	EXPECT(!by_inum(&s, 12345));
	dl_summary_free(&s);
	free(b);
	end(name);
}

static void test_v1_summary(void)
{
	const char *name = "parse format 1 summary: still read, format 2 figures null";
	struct dl_summary s;
	struct dl_err err;
	const struct dl_fam *f;
	size_t len;
	char *b = slurp("v1/summary", &len);

	begin();
	EXPECT(dl_parse_summary(b, len, "v1/summary", &s, &err) == 0);
	if (failed_now) {
		printf("  %s\n", err.msg);
		free(b);
		return;
	}
	EXPECT(s.format == 1 && s.nns == 5 && s.settled == -1);
	EXPECT(!s.ns[0].id.has_cookie);
	EXPECT(s.tracking.seen && s.tracking.steal_misses.null && s.tracking.irqoff_max_ns.null);
	f = fam(&s, 4026532600u, DSTLEAK_FAM_IPV6);
	EXPECT(f && f->f[DL_F_untracked].null && f->f[DL_F_orphaned].null &&
	       f->f[DL_F_limit_enforced].null && f->f[DL_F_kernel].s == 950);
	dl_summary_free(&s);
	free(b);
	end(name);
}

static void test_negative_global(void)
{
	const char *name = "a negative global kernel counter is read, signed";
	struct dl_summary s;
	struct dl_err err;
	size_t len;
	char *b = slurp("negative-global/summary", &len);

	begin();
	EXPECT(dl_parse_summary(b, len, "negative-global/summary", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.global[DSTLEAK_FAM_IPV4].kernel.is_signed &&
		       s.global[DSTLEAK_FAM_IPV4].kernel.s == -3);
		EXPECT(s.global[DSTLEAK_FAM_IPV4].expected.is_signed &&
		       s.global[DSTLEAK_FAM_IPV4].expected.s == 1042);
		dl_summary_free(&s);
	} else {
		printf("  %s\n", err.msg);
	}
	free(b);
	end(name);
}

static void test_good_suspects(void)
{
	const char *name = "parse good suspects: groups, stacks, old";
	struct dl_suspects sp;
	struct dl_err err;
	size_t len;
	char *b = slurp("good/suspects", &len);

	begin();
	EXPECT(dl_parse_suspects(b, len, "good/suspects", &sp, &err) == 0);
	if (!failed_now) {
		EXPECT(sp.ngroups == 4);
		EXPECT(sp.format == 2 && sp.groups[0].id.cookie == 7 && sp.groups[0].id.has_cookie);
		EXPECT(sp.groups[0].id.inum == 4026532281u && sp.groups[0].count == 10 &&
		       sp.groups[0].oldest_ms == 65000 && sp.groups[0].median_ms == 64000);
		EXPECT(sp.groups[0].reason == DL_REASON_DEAD &&
		       !strcmp(sp.groups[0].device, "veth1"));
		EXPECT(sp.groups[0].nstack == 2 &&
		       !strcmp(sp.groups[0].stack[0], "dsthelper_hold_v4+0x3a/0x90 [dsthelper]"));
		EXPECT(sp.groups[1].device == NULL && sp.groups[1].nstack == 0 &&
		       sp.groups[1].reason == DL_REASON_NETNS_EXITED);
		EXPECT(sp.nold == 1 && sp.old[0].count == 2 && sp.old[0].oldest_ms == 120000);
		dl_suspects_free(&sp);
	}
	free(b);
	end(name);
}

static void test_snapshot(void)
{
	const char *name = "parse snapshot: header and body";
	struct dl_snapshot s;
	struct dl_err err;
	size_t len;
	char *b = slurp("snap/new", &len);

	begin();
	EXPECT(dl_parse_snapshot(b, len, "snap/new", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(!strcmp(s.host, "testhost"));
		EXPECT(!strcmp(s.boot_id, "11111111-2222-3333-4444-555555555555"));
		EXPECT(s.sec == 1764086460 && s.nsec == 500000000);
		EXPECT(s.host_line == 2 && s.boot_line == 3);
		EXPECT(s.sum.nns == 5);
		dl_snapshot_free(&s);
	}
	free(b);
	end(name);
}

/* Every bad fixture fails, naming the file and the right line. */
static void test_bad(void)
{
	static const struct {
		const char *file;
		int parser; /* 0 summary, 1 suspects, 2 snapshot */
		const char *want;
	} cases[] = {
		{ "bad/empty", 0, ":1: empty file" },
		{ "bad/truncated-midline", 0, ":18: truncated" },
		{ "bad/truncated-lines", 0, ":29: namespace 4026532600 has no 'xfrm6' line" },
		{ "bad/garbage-binary", 0, ":3: garbage: control byte 0x00" },
		{ "bad/garbage-text", 0, ":1: missing 'format' line" },
		{ "bad/garbage-line", 0, ":9: garbage: '@@@' is not a keyword" },
		{ "bad/format3", 0, ":1: unsupported format 3" },
		{ "bad/format-missing", 0, ":1: missing 'format' line" },
		{ "bad/format-twice", 0, ":2: second 'format' line" },
		{ "bad/overflow-u64", 0, ":9: value of 'allocs' overflows" },
		{ "bad/overflow-s64", 0, ":10: value of 'drift' overflows" },
		{ "bad/overflow-s64-neg", 0, ":10: value of 'drift' overflows" },
		{ "bad/overflow-global", 0, ":4: value of 'kernel' overflows" },
		{ "bad/missing-column", 0, ":10: expected field 'peak', found 'failures'" },
		{ "bad/missing-value", 0, ":10: field 'max_size' has no value" },
		{ "bad/missing-tracking-field", 0, ":5: missing field 'entry_bytes'" },
		{ "bad/not-number", 0, ":10: value of 'allocs' is not a number" },
		{ "bad/negative-counter", 0, ":10: value of 'allocs' is not a number" },
		{ "bad/duplicate-line", 0, ":11: duplicate line for namespace 4026531840 family ipv6" },
		{ "bad/unknown-family", 0, ":10: unknown family 'ipv7'" },
		{ "bad/unknown-state", 0, ":10: unknown namespace state 'zombie'" },
		{ "bad/crlf", 0, ":1: garbage: control byte 0x0d" },
		{ "bad/v2-header-only", 0, ":3: truncated: the file ends without its 'end lines N' line" },
		{ "bad/v2-cut-at-line", 0, ":30: truncated: the file ends without its 'end lines N' line" },
		{ "bad/v2-wrong-count", 0, ":49: truncated or damaged: 'end lines 49' but 48 lines before it" },
		{ "bad/v2-after-end", 0, ":51: a line after the 'end' line of line 50" },
		{ "bad/v2-cookie-two-inodes", 0, ":31: namespace cookie 1 has inode 4026532400 here but 4026531840 on line 15" },
		{ "bad/v2-missing-cookie", 0, ":31: expected field 'cookie', found 'allocs'" },
		{ "bad/v2-limit-enforced", 0, ":30: value of 'limit_enforced' is not 0 or 1: 2" },
		{ "bad/v2-settled", 0, ":14: value of 'settled' is not a number: 'yes'" },
		{ "bad/suspects-v2-no-end", 1, ":10: truncated: the file ends without its 'end lines N' line" },
		{ "bad/snap-v2-truncated", 2, ":40: truncated: the file ends without its 'end lines N' line" },
		{ "bad/suspects-orphan-stack", 1, ":2: 'stack' line before any 'group' line" },
		{ "bad/suspects-unknown-reason", 1, ":2: unknown suspect reason 'haunted'" },
		{ "bad/suspects-overflow", 1, ":2: value of 'count' overflows" },
		{ "bad/suspects-missing-column", 1, ":2: expected field 'oldest_ms'" },
		{ "bad/suspects-truncated", 1, ":2: truncated" },
		{ "bad/suspects-format7", 1, ":1: unsupported format 7" },
		{ "bad/snap-no-header", 2, ":1: not a dstleak snapshot" },
		{ "bad/snap-version2", 2, ":1: unsupported snapshot version 2" },
		{ "bad/snap-missing-boot", 2, "lacks 'boot_id'" },
		{ "bad/snap-bad-time", 2, ":4: value of 'time' is not a number" },
		{ "bad/snap-truncated", 2, ":5: snapshot has no summary" },
		{ "bad/snap-truncated-body", 2, ":14: namespace 4026531840 has no 'other' line" },
		{ "good/summary", 2, ":1: not a dstleak snapshot" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[256], want[512];
		struct dl_summary s;
		struct dl_suspects sp;
		struct dl_snapshot sn;
		struct dl_err err;
		size_t len;
		char *b = slurp(cases[i].file, &len);
		int r;

		snprintf(name, sizeof(name), "bad input %s is refused: %s",
			 cases[i].file, cases[i].want);
		begin();
		memset(&err, 0, sizeof(err));
		r = cases[i].parser == 0 ? dl_parse_summary(b, len, cases[i].file, &s, &err) :
		    cases[i].parser == 1 ? dl_parse_suspects(b, len, cases[i].file, &sp, &err) :
					   dl_parse_snapshot(b, len, cases[i].file, &sn, &err);
		EXPECT(r == -1);
		snprintf(want, sizeof(want), "%s%s", cases[i].file,
			 cases[i].want[0] == ':' ? cases[i].want : ":");
		EXPECT(strncmp(err.msg, want, strlen(want)) == 0);
		EXPECT(strstr(err.msg, cases[i].want) != NULL);
		EXPECT(strchr(err.msg, '\n') == NULL);
		if (failed_now)
			printf("  got: %s\n", err.msg);
		free(b);
		end(name);
	}
}

/* Inline summaries: each is a header plus one namespace. */
#define HDR "format 1\n"
#define FAMS(pre, ipv6)                                                                    \
	pre " ipv4 allocs 1 frees 0 frees_preexisting 0 live 1 peak 1 failures 0 kernel - drift - gc_thresh - max_size -\n" \
	pre " ipv6 " ipv6 "\n"                                                             \
	pre " xfrm4 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel 0 drift 0 gc_thresh 32768 max_size -\n" \
	pre " xfrm6 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel 0 drift 0 gc_thresh 32768 max_size -\n" \
	pre " other allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n"

static int parse_inline(const char *text, struct dl_summary *s, struct dl_err *err)
{
	/* An exact-size heap copy, so ASan catches a read past the end. */
	size_t n = strlen(text);
	char *b = malloc(n ? n : 1);
	int r;

	memcpy(b, text, n);
	r = dl_parse_summary(b, n, "inline", s, err);
	free(b);
	return r;
}

static void test_forward_compat(void)
{
	const char *name = "forward compatibility: unknown keywords and extra pairs skipped";
	struct dl_summary s;
	struct dl_err err;

	begin();
	EXPECT(parse_inline(HDR "whatever 1 2 3\nunattributed 5\n"
			    FAMS("ns 7 alive", "allocs 5 frees 1 frees_preexisting 0 live 4 peak 4 "
					       "failures 0 kernel 4 drift 0 gc_thresh 1024 max_size 4096 "
					       "new_field 9 another -"),
			    &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.nns == 1 && s.ns[0].fam[DSTLEAK_FAM_IPV6].f[DL_F_max_size].s == 4096);
		dl_summary_free(&s);
	} else {
		printf("  %s\n", err.msg);
	}
	end(name);

	name = "an odd trailing token is refused";
	begin();
	EXPECT(parse_inline(HDR FAMS("ns 7 alive", "allocs 5 frees 1 frees_preexisting 0 live 4 "
				     "peak 4 failures 0 kernel 4 drift 0 gc_thresh 1024 max_size 4096 odd"),
			    &s, &err) == -1);
	EXPECT(strstr(err.msg, "inline:3: field 'odd' has no value"));
	end(name);

	name = "exited wins when a namespace exits while the file is read";
	begin();
	EXPECT(parse_inline(HDR
		"ns 9 alive ipv4 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n"
		"ns 9 exited ipv6 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n"
		"ns 9 exited xfrm4 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n"
		"ns 9 exited xfrm6 allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n"
		"ns 9 exited other allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel - drift - gc_thresh - max_size -\n",
		&s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.nns == 1 && s.ns[0].exited);
		dl_summary_free(&s);
	}
	end(name);

	name = "interleaved namespaces are gathered and sorted";
	begin();
	EXPECT(parse_inline(HDR FAMS("ns 30 alive", "allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel 0 drift 0 gc_thresh 1 max_size 1")
			    FAMS("ns 20 alive", "allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 kernel 0 drift 0 gc_thresh 1 max_size 1"),
			    &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.nns == 2 && s.ns[0].id.inum == 20 && s.ns[1].id.inum == 30);
		dl_summary_free(&s);
	}
	end(name);

	name = "a summary with no namespaces is valid (nothing loaded yet)";
	begin();
	EXPECT(parse_inline("format 1\nmodule 0.1.0\n", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.nns == 0);
		dl_summary_free(&s);
	}
	end(name);

	name = "an empty line is refused";
	begin();
	EXPECT(parse_inline("format 1\n\nmodule x\n", &s, &err) == -1 &&
	       strstr(err.msg, "inline:2: empty line"));
	end(name);

	name = "a huge token is quoted shortened in the message";
	begin();
	{
		char big[3000];

		memset(big, 0, sizeof(big));
		strcpy(big, "format 1\nns 1 alive ipv4 allocs ");
		memset(big + strlen(big), '9', 2000);
		strcat(big, "\n");
		EXPECT(parse_inline(big, &s, &err) == -1);
		EXPECT(strstr(err.msg, "inline:2: value of 'allocs' overflows"));
		EXPECT(strlen(err.msg) < 200);
	}
	end(name);

	name = "more fields than the tokenizer holds are refused, not cut";
	begin();
	{
		char big[4000] = "format 1\ntracking";
		int i;

		for (i = 0; i < 200; i++)
			strcat(big, " x 1");
		strcat(big, "\n");
		EXPECT(parse_inline(big, &s, &err) == -1 && strstr(err.msg, "inline:2:"));
		strcpy(big + strlen(big) - 1, " \x01\n");
		EXPECT(parse_inline(big, &s, &err) == -1 &&
		       strstr(err.msg, "inline:2: garbage: control byte 0x01"));
	}
	end(name);
}

/* Format 2: one namespace's five lines, with its cookie. */
#define NS2(inum, state, cookie)                                                          \
	"ns " inum " " state " ipv4 cookie " cookie " allocs 1 frees 0 frees_preexisting 0 live 1 peak 1 failures 0 untracked 0 orphaned 0 kernel - drift - gc_thresh - max_size - limit_enforced 0\n" \
	"ns " inum " " state " ipv6 cookie " cookie " allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 untracked 0 orphaned 0 kernel 0 drift 0 gc_thresh 1024 max_size 4096 limit_enforced 1\n" \
	"ns " inum " " state " xfrm4 cookie " cookie " allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 untracked 0 orphaned 0 kernel 0 drift 0 gc_thresh 32768 max_size - limit_enforced 1\n" \
	"ns " inum " " state " xfrm6 cookie " cookie " allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 untracked 0 orphaned 0 kernel 0 drift 0 gc_thresh 32768 max_size - limit_enforced 1\n" \
	"ns " inum " " state " other cookie " cookie " allocs 0 frees 0 frees_preexisting 0 live 0 peak 0 failures 0 untracked 0 orphaned 0 kernel - drift - gc_thresh - max_size - limit_enforced 0\n"

static void test_format2(void)
{
	const char *name = "format 2: a reused inode is two namespaces, told apart by cookie";
	struct dl_nsid id = { .inum = 9, .cookie = 40, .has_cookie = true };
	struct dl_summary s;
	struct dl_err err;

	begin();
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40") NS2("9", "exited", "3")
			    "end lines 11\n", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.nns == 2 && s.ns[0].id.cookie == 3 && s.ns[0].exited &&
		       s.ns[1].id.cookie == 40 && !s.ns[1].exited);
		EXPECT(dl_find_ns(&s, &id) == &s.ns[1]);
		dl_summary_free(&s);
	} else {
		printf("  %s\n", err.msg);
	}
	end(name);

	name = "format 2: an empty summary is header and end line";
	begin();
	EXPECT(parse_inline("format 2\nmodule 0.2.0\nend lines 2\n", &s, &err) == 0);
	if (!failed_now)
		dl_summary_free(&s);
	end(name);

	name = "format 2: 'end' with no count is refused";
	begin();
	EXPECT(parse_inline("format 2\nend\n", &s, &err) == -1 &&
	       strstr(err.msg, "inline:2: missing field 'lines'"));
	end(name);

	name = "format 1: an 'end' line is an unknown keyword there, skipped";
	begin();
	EXPECT(parse_inline("format 1\nend lines 7\n", &s, &err) == 0);
	if (!failed_now)
		dl_summary_free(&s);
	end(name);
}

/* Format 2 lines of newer modules: features, calibration, xfrm, xfrm_error. */
static void test_features(void)
{
	const char *name = "features, calibration spread and IPsec errors are read";
	struct dl_nsid blue = { .inum = 4026532400, .cookie = 12, .has_cookie = true };
	const struct dl_ns *ns;
	struct dl_summary s;
	struct dl_err err;
	size_t len;
	char *buf = slurp("current/summary", &len);

	begin();
	EXPECT(dl_parse_summary(buf, len, "current/summary", &s, &err) == 0);
	free(buf);
	if (!failed_now) {
		EXPECT(s.features.seen && s.features.stacks == 0 &&
		       s.features.ftrace_permanent == 0 && s.features.cookie_dstleak &&
		       s.features.limits_enforceable == 1);
		EXPECT(!s.calib_spread.null && s.calib_spread.u == 5);
		ns = dl_find_ns(&s, &blue);
		EXPECT(ns && ns->xfrm_seen && !ns->xfrm_gen_error.null &&
		       ns->xfrm_gen_error.u == 4);
		EXPECT(s.nxerrs == 2);
		if (s.nxerrs == 2) {
			EXPECT(!s.xerrs[0].bundle && !strcmp(s.xerrs[0].errname, "ENOENT") &&
			       s.xerrs[0].count == 2 && s.xerrs[0].id.cookie == 12);
			EXPECT(s.xerrs[1].bundle && !strcmp(s.xerrs[1].errname, "EINVAL") &&
			       s.xerrs[1].count == 4);
		}
		dl_summary_free(&s);
	} else {
		printf("  %s\n", err.msg);
	}
	end(name);

	name = "an older module: no features, no spread, no xfrm figures (not an error)";
	buf = slurp("good/summary", &len);
	begin();
	EXPECT(dl_parse_summary(buf, len, "good/summary", &s, &err) == 0);
	free(buf);
	if (!failed_now) {
		EXPECT(!s.features.seen && s.calib_spread.null && s.nxerrs == 0);
		dl_summary_free(&s);
	}
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40") "end lines 6\n", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(!s.ns[0].xfrm_seen && s.ns[0].xfrm_gen_error.null);
		dl_summary_free(&s);
	}
	end(name);

	name = "features and calibration: bad values and duplicates refused";
	begin();
	EXPECT(parse_inline("format 2\nfeatures stacks 1 ftrace_permanent 1 netns_cookie other limits_enforceable 1\nend lines 2\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:2: value of 'netns_cookie' is not kernel or dstleak: other"));
	EXPECT(parse_inline("format 2\nfeatures stacks 2 ftrace_permanent 1 netns_cookie kernel limits_enforceable 1\nend lines 2\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:2: value of 'stacks' is not 0 or 1"));
	EXPECT(parse_inline("format 2\nfeatures stacks 1 ftrace_permanent 1 netns_cookie kernel limits_enforceable 1\n"
			    "features stacks 1 ftrace_permanent 1 netns_cookie kernel limits_enforceable 1\nend lines 3\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:3: duplicate 'features' line"));
	EXPECT(parse_inline("format 2\ncalibration spread -1\nend lines 2\n", &s, &err) == -1 &&
	       strstr(err.msg, "inline:2: value of 'spread' is not a number"));
	EXPECT(parse_inline("format 2\ncalibration spread 1\ncalibration spread 1\nend lines 3\n", &s, &err) == -1 &&
	       strstr(err.msg, "inline:3: duplicate 'calibration' line"));
	EXPECT(parse_inline("format 2\nfeatures stacks 1 ftrace_permanent 0 netns_cookie kernel limits_enforceable 0 later 1\n"
			    "calibration spread 7 later 2\nend lines 3\n", &s, &err) == 0);
	if (!failed_now) {
		EXPECT(s.features.seen && s.features.stacks == 1 && !s.features.cookie_dstleak &&
		       s.calib_spread.u == 7);
		dl_summary_free(&s);
	}
	end(name);

	name = "xfrm_error: bad place, errno '-', cookie of another inode refused";
	begin();
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40")
			    "xfrm_error ns 9 cookie 40 where elsewhere errno EINVAL count 1\nend lines 7\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:7: value of 'where' is not lookup or bundle: elsewhere"));
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40")
			    "xfrm_error ns 9 cookie 40 where bundle errno - count 1\nend lines 7\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:7: value of 'errno' is not a name"));
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40")
			    "xfrm_error ns 8 cookie 40 where bundle errno EINVAL count 1\nend lines 7\n",
			    &s, &err) == -1 &&
	       strstr(err.msg, "inline:7: namespace cookie 40 has inode 8"));
	EXPECT(parse_inline("format 2\n" NS2("9", "alive", "40")
			    "xfrm ns 9 cookie 40 lookups 0 lookup_errors 0 bundles 0 bundle_errors 0 kernel_out_bundle_gen_error - kernel_out_bundle_check_error - kernel_out_no_states - kernel_out_pol_error -\n"
			    "xfrm ns 9 cookie 40 lookups 0 lookup_errors 0 bundles 0 bundle_errors 0 kernel_out_bundle_gen_error - kernel_out_bundle_check_error - kernel_out_no_states - kernel_out_pol_error -\n"
			    "end lines 8\n", &s, &err) == -1 &&
	       strstr(err.msg, "inline:8: duplicate 'xfrm' line"));
	end(name);
}

static void test_numbers(void)
{
	static const struct {
		const char *in;
		int r;
		uint64_t v;
	} u[] = {
		{ "0", 0, 0 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "000000000000000000001", -ERANGE, 0 }, /* 21 digits: refused */
		{ "", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "0x10", -EINVAL, 0 },
		{ "12a", -EINVAL, 0 },
	};
	static const struct {
		const char *in;
		int r;
		int64_t v;
	} s[] = {
		{ "9223372036854775807", 0, INT64_MAX },
		{ "9223372036854775808", -ERANGE, 0 },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "-9223372036854775809", -ERANGE, 0 },
		{ "-0", 0, 0 },
		{ "-", -EINVAL, 0 },
		{ "--1", -EINVAL, 0 },
	};
	const char *name = "u64 and s64 parsing: bounds and overflow";
	size_t i;

	begin();
	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		uint64_t v = 12345;
		int r = dl_parse_u64(u[i].in, strlen(u[i].in), &v);

		EXPECT(r == u[i].r);
		EXPECT(r || v == u[i].v);
		if (failed_now) {
			printf("  u64 '%s'\n", u[i].in);
			break;
		}
	}
	for (i = 0; !failed_now && i < sizeof(s) / sizeof(s[0]); i++) {
		int64_t v = 12345;
		int r = dl_parse_s64(s[i].in, strlen(s[i].in), &v);

		EXPECT(r == s[i].r);
		EXPECT(r || v == s[i].v);
		if (failed_now)
			printf("  s64 '%s'\n", s[i].in);
	}
	end(name);

	name = "exact differences of signed and unsigned values";
	begin();
	{
		struct dl_num a = { .is_signed = true, .s = INT64_MIN };
		struct dl_num b = { .is_signed = true, .s = INT64_MAX };
		struct dl_num c = { .is_signed = false, .u = UINT64_MAX };
		struct dl_num z = { .is_signed = false, .u = 0 };
		char buf[32];

		EXPECT(dl_num_diff(buf, sizeof(buf), &a, &b) && !strcmp(buf, "+18446744073709551615"));
		EXPECT(dl_num_diff(buf, sizeof(buf), &b, &a) && !strcmp(buf, "-18446744073709551615"));
		EXPECT(dl_num_diff(buf, sizeof(buf), &z, &c) && !strcmp(buf, "+18446744073709551615"));
		EXPECT(dl_num_diff(buf, sizeof(buf), &c, &c) && !strcmp(buf, "+0"));
		EXPECT(dl_num_cmp(&a, &b) < 0 && dl_num_cmp(&b, &a) > 0 && dl_num_cmp(&a, &a) == 0);
		EXPECT(dl_num_abs(&a) == (uint64_t)INT64_MAX + 1);
	}
	end(name);
}

static struct dl_fam mkfam(const char *kernel, const char *gc, const char *max)
{
	struct dl_fam f;
	const char *v[3] = { kernel, gc, max };
	int idx[3] = { DL_F_kernel, DL_F_gc_thresh, DL_F_max_size };
	int i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < 3; i++) {
		f.f[idx[i]].is_signed = true;
		if (!strcmp(v[i], "-"))
			f.f[idx[i]].null = true;
		else
			dl_parse_s64(v[i], strlen(v[i]), &f.f[idx[i]].s);
	}
	return f;
}

static void test_headroom(void)
{
	static const struct {
		const char *k, *gc, *max;
		bool has;
		double pct;
		const char *limit;
	} c[] = {
		{ "29", "1024", "2147483647", true, 97.16796875, "gc_thresh" },
		{ "100", "1024", "4096", true, 90.234375, "gc_thresh" },
		{ "100", "8192", "4096", true, 97.55859375, "max_size" },
		{ "2048", "1024", "2147483647", true, -100.0, "gc_thresh" },
		{ "5", "-", "-", false, 0, NULL },
		{ "-", "1024", "4096", false, 0, NULL },
		{ "5", "-1", "2147483647", false, 0, NULL },
		{ "5", "0", "-", false, 0, NULL },
		{ "5", "4294967295", "-", false, 0, NULL },
		{ "0", "32768", "-", true, 100.0, "gc_thresh" },
		{ "5", "-1", "4096", true, 99.8779296875, "max_size" },
		{ "-3", "1024", "4096", false, 0, NULL }, /* found by the fuzzer */
	};
	const char *name = "headroom: the smaller real limit; INT_MAX, -1, 0 are none";
	size_t i;

	begin();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct dl_fam f = mkfam(c[i].k, c[i].gc, c[i].max);
		const char *ln = NULL;
		double pct = -1;
		bool has = dl_headroom(&f, &pct, NULL, &ln);

		EXPECT(has == c[i].has);
		if (has && c[i].has) {
			EXPECT(pct > c[i].pct - 1e-9 && pct < c[i].pct + 1e-9);
			EXPECT(!strcmp(ln, c[i].limit));
		}
		if (failed_now) {
			printf("  case %zu: kernel %s gc %s max %s -> %d %f\n", i, c[i].k,
			       c[i].gc, c[i].max, has, pct);
			break;
		}
	}
	end(name);
}

static void test_json(void)
{
	const char *name = "JSON: escapes, UTF-8 repair, null, commas";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct dl_num n = { .null = true };
	struct dl_num s = { .is_signed = true, .s = -5 };
	struct jw w;

	begin();
	jw_init(&w, f);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_str(&w, "q\"b\\c\n\x01 \xc3\xa9 \xff \xe2\x82");
	jw_key(&w, "n");
	jw_num(&w, &n);
	jw_key(&w, "s");
	jw_num(&w, &s);
	jw_key(&w, "l");
	jw_arr(&w);
	jw_u64(&w, UINT64_MAX);
	jw_str(&w, NULL);
	jw_ms_as_s(&w, 65001);
	jw_arr(&w);
	jw_arr_end(&w);
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_obj_end(&w);
	jw_end(&w);
	fclose(f);
	EXPECT(!strcmp(out, "{\"a\":\"q\\\"b\\\\c\\u000a\\u0001 \xc3\xa9 \\ufffd \\ufffd\\ufffd\","
			    "\"n\":null,\"s\":-5,\"l\":[18446744073709551615,null,65.001,[],{}]}\n"));
	if (failed_now)
		printf("  got: %s", out);
	free(out);
	end(name);
}

static void test_clean(void)
{
	static const struct {
		const char *in, *out;
	} c[] = {
		{ "plain", "plain" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "bad\xffname", "bad\xef\xbf\xbdname" },
		{ "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd" },
		{ "over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd" },
		{ "sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "tab\there\n\x7f", "tab?here??" },
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "", "" },
	};
	const char *name = "dl_clean: invalid UTF-8 is U+FFFD, control bytes '?'";
	size_t i;

	begin();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *r = dl_clean(c[i].in, strlen(c[i].in));

		EXPECT(!strcmp(r, c[i].out));
		if (failed_now)
			printf("  case %zu: got '%s'\n", i, r);
		free(r);
		if (failed_now)
			break;
	}
	end(name);
}

static void test_map(void)
{
	const char *name = "hash map: 200,000 keys put, found, updated";
	struct dl_map m;
	uint64_t k;
	bool added;

	begin();
	dl_map_init(&m);
	EXPECT(dl_map_get(&m, 1) == NULL);
	for (k = 0; k < 200000; k++)
		*dl_map_put(&m, k * 4096 + 4026531840u, k, &added) += 0;
	EXPECT(m.n == 200000);
	for (k = 0; k < 200000 && !failed_now; k++) {
		uint64_t *v = dl_map_get(&m, k * 4096 + 4026531840u);

		EXPECT(v && *v == k);
	}
	EXPECT(*dl_map_put(&m, 4026531840u, 99, &added) == 0 && !added);
	EXPECT(dl_map_get(&m, 7) == NULL);
	dl_map_free(&m);
	end(name);
}

static void test_fmt(void)
{
	const char *name = "ages are printed readably";
	static const struct {
		uint64_t ms;
		const char *s;
	} c[] = {
		{ 0, "0ms" }, { 999, "999ms" }, { 1000, "1.0s" }, { 65000, "1m05s" },
		{ 3723000, "1h02m" }, { 90061000, "1d01h" },
		{ UINT64_MAX, "213503982334d14h" },
	};
	size_t i;
	char b[64];

	begin();
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dl_fmt_ms(b, sizeof(b), c[i].ms);
		EXPECT(!strcmp(b, c[i].s));
		if (failed_now) {
			printf("  %s\n", b);
			break;
		}
	}
	end(name);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: unit FIXTURES_DIR\n");
		return 2;
	}
	fixtures = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_good_summary();
	test_v1_summary();
	test_negative_global();
	test_good_suspects();
	test_snapshot();
	test_bad();
	test_forward_compat();
	test_format2();
	test_features();
	test_numbers();
	test_headroom();
	test_json();
	test_clean();
	test_map();
	test_fmt();
	return 0;
}
