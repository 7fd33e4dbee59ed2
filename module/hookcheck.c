// SPDX-License-Identifier: GPL-2.0
/*
 * Proof, at load, that the free hooks see the frees the kernel really
 * makes. dst_destroy() is static since 6.9 ("net: dst: Make dst_destroy()
 * static and return void."): a compiler may inline all or part of it into
 * dst_destroy_rcu() or dst_release_immediate(), or clone it (LTO, AutoFDO),
 * and a hook on the out-of-line copy would then miss frees without a word.
 * So before any record is made, an entry of dstleak's own is freed through
 * each path the kernel frees by (dst_release_immediate(); dst_release() and
 * its RCU callback), and the hook must see each; likewise a metadata dst
 * through metadata_dst_free().
 *
 * The entry is DST_NOCOUNT, has no device and its own dst_ops and slab
 * cache: it changes no counter of the kernel's and holds no reference. The
 * hooks recognise it by its address (dstleak_hookcheck_claim()) and count
 * nothing for it. Only the first free at that address is claimed: once
 * freed, the address can come back (a metadata dst is kmalloc()ed) as a
 * kernel entry whose free must be counted, not taken for ours.
 */
#include <linux/slab.h>
#include <net/dst_metadata.h>
#include "dstleak.h"

const struct dst_entry *dstleak_hookcheck_dst;
const struct dst_entry *dstleak_hookcheck_md_dst;

bool dstleak_hookcheck_claim_slow(const struct dst_entry **marker,
				  const struct dst_entry *dst)
{
	return cmpxchg(marker, dst, NULL) == dst;
}

/* Free @dst by @how while the hooks watch for it: whether one saw it. */
static bool seen_freed(const struct dst_entry *dst, void (*how)(struct dst_entry *))
{
	bool seen;

	WRITE_ONCE(dstleak_hookcheck_dst, dst);
	how((struct dst_entry *)dst);
	rcu_barrier();		/* dst_release() frees from an RCU callback */
	seen = !READ_ONCE(dstleak_hookcheck_dst);
	WRITE_ONCE(dstleak_hookcheck_dst, NULL);
	return seen;
}

/* One way the kernel frees an entry, and the hook that must see it. */
struct hookcheck_path {
	const char *hook;
	const char *path;
	struct dst_entry *(*alloc)(struct dst_ops *ops);
	void (*free)(struct dst_entry *dst);
	unsigned long (*missed)(void);
};

/*
 * A hook that cannot see a path (inlined, cloned, ftrace off) misses every
 * attempt. One miss among several attempts has been seen under heavy dst
 * churn (one load in about 400): it is said in the log, with how many calls
 * the hook's recursion guard refused meanwhile (counted as missed), rather
 * than refusing a load whose hooks work.
 */
#define HOOKCHECK_ATTEMPTS 3

/* 0 when the hook saw a free by the path; -EOPNOTSUPP when it never did. */
static int check_path(const struct hookcheck_path *p, struct dst_ops *ops)
{
	unsigned long missed = p->missed();
	struct dst_entry *dst;
	int attempt;

	for (attempt = 1; attempt <= HOOKCHECK_ATTEMPTS; attempt++) {
		dst = p->alloc(ops);
		if (!dst)
			return -ENOMEM;
		if (!seen_freed(dst, p->free))
			continue;
		if (attempt > 1)
			pr_warn("hookcheck: the %s hook saw a free by %s at attempt %d of %d (calls refused by its recursion guard meanwhile: %lu)\n",
				p->hook, p->path, attempt, HOOKCHECK_ATTEMPTS,
				p->missed() - missed);
		return 0;
	}
	return -EOPNOTSUPP;
}

static const struct hookcheck_path destroy_paths[] = {
	{ "dst_destroy()", "dst_release_immediate()", dstleak_dst_alloc_own,
	  dst_release_immediate, dstleak_destroy_hook_missed },
	{ "dst_destroy()", "dst_release()", dstleak_dst_alloc_own,
	  dst_release, dstleak_destroy_hook_missed },
};

/* dst_ops of dstleak's own, with a slab cache of its own: 0 or -ENOMEM. */
static int own_ops_init(struct dst_ops *ops)
{
	*ops = (struct dst_ops){ .family = AF_UNSPEC };
	ops->kmem_cachep = kmem_cache_create("dstleak_hookcheck",
					     sizeof(struct dst_entry), 0, 0,
					     NULL);
	return ops->kmem_cachep ? 0 : -ENOMEM;
}

/* Both paths of dst_destroy(); 0, or why dstleak cannot count frees. */
int dstleak_hookcheck_destroy(void)
{
	struct dst_ops ops;
	int i, err = own_ops_init(&ops);

	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(destroy_paths) && !err; i++) {
		err = check_path(&destroy_paths[i], &ops);
		if (err == -EOPNOTSUPP)
			pr_err("the dst_destroy() hook does not see frees by %s (%d attempts): dst_destroy() inlined or cloned by the compiler, or ftrace switched off (sysctl kernel.ftrace_enabled=0); frees would be missed; not loading\n",
			       destroy_paths[i].path, HOOKCHECK_ATTEMPTS);
	}
	kmem_cache_destroy(ops.kmem_cachep);
	return err;
}

const struct dst_ops *dstleak_alloccheck_ops;
const struct dst_entry *dstleak_alloccheck_seen;

/*
 * Whether the dst_alloc() hook sees an allocation with its result: one of
 * dstleak's own (its dst_ops marks it; the hook counts nothing for it),
 * freed while the free hook claims it. 0, -EOPNOTSUPP when the hook never
 * saw one, or -ENOMEM.
 */
int dstleak_hookcheck_alloc(void)
{
	struct dst_ops ops;
	struct dst_entry *dst = NULL;
	int attempt, err = own_ops_init(&ops);

	if (err)
		return err;
	err = -EOPNOTSUPP;
	WRITE_ONCE(dstleak_alloccheck_ops, &ops);
	for (attempt = 1; attempt <= HOOKCHECK_ATTEMPTS && err; attempt++) {
		WRITE_ONCE(dstleak_alloccheck_seen, NULL);
		dst = dstleak_dst_alloc_own(&ops);
		if (!dst) {
			err = -ENOMEM;
			break;
		}
		if (READ_ONCE(dstleak_alloccheck_seen) == dst)
			err = 0;
		seen_freed(dst, dst_release_immediate);
	}
	WRITE_ONCE(dstleak_alloccheck_ops, NULL);
	WRITE_ONCE(dstleak_alloccheck_seen, NULL);
	kmem_cache_destroy(ops.kmem_cachep);
	return err;
}

static struct dst_entry *alloc_metadata(struct dst_ops *unused)
{
	struct metadata_dst *md = metadata_dst_alloc(0, METADATA_IP_TUNNEL,
						     GFP_KERNEL);

	return md ? &md->dst : NULL;
}

static void free_metadata(struct dst_entry *dst)
{
	metadata_dst_free(container_of(dst, struct metadata_dst, dst));
}

static const struct hookcheck_path metadata_path = {
	"metadata_dst_free()", "metadata_dst_free()", alloc_metadata,
	free_metadata, dstleak_metadata_free_hook_missed,
};

/* Whether the metadata_dst_free() hook sees a direct call. */
bool dstleak_hookcheck_metadata(void)
{
	return !check_path(&metadata_path, NULL);
}

/*
 * Free a metadata entry by dst_release() while both hooks watch: 1 if the
 * metadata hook saw dst_destroy()'s call, 0 if it surely did not (the free
 * was seen, and neither hook refused a call meanwhile), -1 if this attempt
 * proves nothing.
 */
static unsigned long free_hooks_missed(void)
{
	return dstleak_metadata_free_hook_missed() +
	       dstleak_destroy_hook_missed();
}

static int md_seen_in_destroy(void)
{
	unsigned long missed = free_hooks_missed();
	struct dst_entry *dst = alloc_metadata(NULL);
	bool destroyed, seen;

	if (!dst)
		return -1;
	WRITE_ONCE(dstleak_hookcheck_md_dst, dst);
	/* The dst_destroy() hook claims it first, and counts nothing. */
	destroyed = seen_freed(dst, dst_release);
	seen = !READ_ONCE(dstleak_hookcheck_md_dst);
	WRITE_ONCE(dstleak_hookcheck_md_dst, NULL);
	if (destroyed && seen)
		return 1;
	/* A refused dst_destroy() hook leaves the claim to the other one. */
	if (destroyed && free_hooks_missed() == missed)
		return 0;
	return -1;
}

/*
 * Whether dst_destroy() frees metadata entries through the out-of-line
 * metadata_dst_free() the metadata hook sees, or through a copy inlined
 * into it: each of HOOKCHECK_ATTEMPTS attempts must say the same, or
 * dstleak cannot tell (probes.c then keeps each hook to what it surely
 * sees alone).
 */
enum dstleak_md_path dstleak_hookcheck_metadata_path(void)
{
	int attempt, seen = 0, unseen = 0;

	for (attempt = 1; attempt <= HOOKCHECK_ATTEMPTS; attempt++) {
		switch (md_seen_in_destroy()) {
		case 1:
			seen++;
			break;
		case 0:
			unseen++;
			break;
		}
	}
	if (seen == HOOKCHECK_ATTEMPTS)
		return DSTLEAK_MD_OUT_OF_LINE;
	if (unseen == HOOKCHECK_ATTEMPTS)
		return DSTLEAK_MD_INLINED;
	pr_warn("hookcheck: cannot tell whether dst_destroy() calls metadata_dst_free() out of line (seen %d, not seen %d of %d attempts): metadata entries without a record freed directly by metadata_dst_free() are not counted\n",
		seen, unseen, HOOKCHECK_ATTEMPTS);
	return DSTLEAK_MD_UNKNOWN;
}
