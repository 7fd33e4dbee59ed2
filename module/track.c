// SPDX-License-Identifier: GPL-2.0
/*
 * The live entries allocated since load, one record each, in a hash table
 * keyed by the entry's address.
 *
 * Probe handlers may not allocate (kmalloc can sleep on PREEMPT_RT), so all
 * max_tracked records are allocated at load and handed out from per-CPU
 * magazines refilled from one pool in batches: the hot path takes its own
 * CPU's magazine lock (shared only when another CPU steals from it, once
 * the pool is empty) and the bucket's bit lock. When no record is free
 * anywhere, an entry is counted (netns.c) but not tracked, and "overflow"
 * says so.
 *
 * A record is added when dst_alloc() returns and removed when dst_destroy()
 * starts; the entry's memory is valid in between, and a reader holding a
 * bucket lock keeps the remover (and so the free) waiting. Every bucket lock
 * is taken with interrupts off: dst entries are freed from softirq.
 */
#include <linux/mm.h>
#include <linux/hash.h>
#include <linux/list_bl.h>
#include <linux/log2.h>
#include "dstleak.h"

#define DSTLEAK_MAG_BATCH 32

struct dstleak_mag {
	raw_spinlock_t lock;	/* taken by its CPU, and by others to steal */
	struct dstleak_obj *head;
	unsigned int count;
};

static DEFINE_PER_CPU(struct dstleak_mag, dstleak_mags);
static DEFINE_PER_CPU(u64, dstleak_adds);
static DEFINE_PER_CPU(u64, dstleak_dels);
static DEFINE_PER_CPU(u64, dstleak_overflows);
static DEFINE_RAW_SPINLOCK(dstleak_pool_lock);
static struct dstleak_obj *dstleak_pool;	/* under dstleak_pool_lock */
static struct dstleak_obj *dstleak_objs;
static unsigned int dstleak_nr_objs;
static struct hlist_bl_head *dstleak_buckets;
static unsigned int dstleak_bucket_bits;

static struct hlist_bl_head *bucket_of(const struct dst_entry *dst)
{
	return &dstleak_buckets[hash_ptr(dst, dstleak_bucket_bits)];
}

static void push(struct dstleak_obj **head, struct dstleak_obj *obj)
{
	obj->free_next = *head;
	*head = obj;
}

static struct dstleak_obj *pop(struct dstleak_obj **head)
{
	struct dstleak_obj *obj = *head;

	if (obj)
		*head = obj->free_next;
	return obj;
}

/* Move up to @n records from @from to @to. */
static unsigned int move(struct dstleak_obj **to, struct dstleak_obj **from,
			 unsigned int n)
{
	struct dstleak_obj *obj;
	unsigned int moved = 0;

	while (moved < n && (obj = pop(from))) {
		push(to, obj);
		moved++;
	}
	return moved;
}

/*
 * The pool is empty: take a record another CPU keeps in its magazine, so
 * that "overflow" means every one of max_tracked records is in use.
 */
static struct dstleak_obj *steal(void)
{
	struct dstleak_obj *obj = NULL;
	struct dstleak_mag *mag;
	int cpu;

	for_each_possible_cpu(cpu) {
		mag = per_cpu_ptr(&dstleak_mags, cpu);
		if (!READ_ONCE(mag->head))
			continue;
		raw_spin_lock(&mag->lock);
		obj = pop(&mag->head);
		if (obj)
			mag->count--;
		raw_spin_unlock(&mag->lock);
		if (obj)
			break;
	}
	return obj;
}

/* Interrupts are off. */
static struct dstleak_obj *obj_get(void)
{
	struct dstleak_mag *mag = this_cpu_ptr(&dstleak_mags);
	struct dstleak_obj *obj;

	raw_spin_lock(&mag->lock);
	if (!mag->head) {
		raw_spin_lock(&dstleak_pool_lock);
		mag->count += move(&mag->head, &dstleak_pool, DSTLEAK_MAG_BATCH);
		raw_spin_unlock(&dstleak_pool_lock);
	}
	obj = pop(&mag->head);
	if (obj)
		mag->count--;
	raw_spin_unlock(&mag->lock);
	return obj ? obj : steal();
}

/* Interrupts are off. */
static void obj_put(struct dstleak_obj *obj)
{
	struct dstleak_mag *mag = this_cpu_ptr(&dstleak_mags);

	raw_spin_lock(&mag->lock);
	push(&mag->head, obj);
	if (++mag->count > 2 * DSTLEAK_MAG_BATCH) {
		raw_spin_lock(&dstleak_pool_lock);
		mag->count -= move(&dstleak_pool, &mag->head, DSTLEAK_MAG_BATCH);
		raw_spin_unlock(&dstleak_pool_lock);
	}
	raw_spin_unlock(&mag->lock);
}

bool dstleak_track_add(const struct dst_entry *dst, struct dstleak_ns *ns,
		       enum dstleak_family fam, bool nocount, u32 stack)
{
	struct hlist_bl_head *head = bucket_of(dst);
	struct dstleak_obj *obj;
	unsigned long flags;

	local_irq_save(flags);
	obj = obj_get();
	if (!obj) {
		__this_cpu_inc(dstleak_overflows);
		local_irq_restore(flags);
		return false;
	}
	obj->dst = dst;
	obj->ns = ns;
	obj->born = jiffies;
	obj->stack = stack;
	obj->family = fam;
	obj->nocount = nocount;
	hlist_bl_lock(head);
	hlist_bl_add_head(&obj->node, head);
	hlist_bl_unlock(head);
	__this_cpu_inc(dstleak_adds);
	local_irq_restore(flags);
	return true;
}

/* Remove @dst's record; what it said, .ns NULL when @dst is not tracked. */
struct dstleak_tracked dstleak_track_del(const struct dst_entry *dst)
{
	struct hlist_bl_head *head = bucket_of(dst);
	struct dstleak_tracked t = { NULL };
	struct hlist_bl_node *pos;
	struct dstleak_obj *obj;
	unsigned long flags;

	local_irq_save(flags);
	hlist_bl_lock(head);
	hlist_bl_for_each_entry(obj, pos, head, node) {
		if (obj->dst == dst) {
			hlist_bl_del(&obj->node);
			t.ns = obj->ns;
			t.family = obj->family;
			t.nocount = obj->nocount;
			break;
		}
	}
	hlist_bl_unlock(head);
	if (t.ns) {
		obj_put(obj);
		__this_cpu_inc(dstleak_dels);
	}
	local_irq_restore(flags);
	return t;
}

unsigned int dstleak_track_nr_buckets(void)
{
	return 1U << dstleak_bucket_bits;
}

/*
 * Views of up to @max records of a bucket, from its @skip-th on. The entries
 * cannot be freed while the bucket is locked (see the top of this file).
 */
unsigned int dstleak_track_view_bucket(unsigned int bucket, unsigned int skip,
				       struct dstleak_view *views,
				       unsigned int max)
{
	struct hlist_bl_head *head = &dstleak_buckets[bucket];
	struct hlist_bl_node *pos;
	struct dstleak_obj *obj;
	unsigned long flags;
	unsigned int n = 0;

	local_irq_save(flags);
	hlist_bl_lock(head);
	hlist_bl_for_each_entry(obj, pos, head, node) {
		if (skip) {
			skip--;
			continue;
		}
		if (n == max)
			break;
		dstleak_view_fill(&views[n++], obj);
	}
	hlist_bl_unlock(head);
	local_irq_restore(flags);
	return n;
}

static u64 sum_percpu(u64 __percpu *counter)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(counter, cpu));
	return sum;
}

u64 dstleak_track_count(void)
{
	return sum_percpu(&dstleak_adds) - sum_percpu(&dstleak_dels);
}

u64 dstleak_track_overflow(void)
{
	return sum_percpu(&dstleak_overflows);
}

unsigned int dstleak_track_max(void)
{
	return dstleak_nr_objs;
}

size_t dstleak_track_bytes(void)
{
	return (size_t)dstleak_nr_objs * sizeof(struct dstleak_obj) +
	       (sizeof(struct hlist_bl_head) << dstleak_bucket_bits);
}

int dstleak_track_init(unsigned int max)
{
	unsigned int i;

	/* About two records a bucket when full: 4 bytes an entry. */
	dstleak_bucket_bits = max(ilog2(roundup_pow_of_two(max ?: 1)) - 1, 4);
	dstleak_buckets = kvcalloc(1U << dstleak_bucket_bits,
				   sizeof(*dstleak_buckets), GFP_KERNEL);
	dstleak_objs = kvcalloc(max, sizeof(*dstleak_objs), GFP_KERNEL);
	if (!dstleak_buckets || !dstleak_objs) {
		pr_err("max_tracked=%u: cannot allocate %zu bytes for tracking\n",
		       max, (size_t)max * sizeof(*dstleak_objs));
		kvfree(dstleak_buckets);
		kvfree(dstleak_objs);
		return -ENOMEM;
	}
	dstleak_nr_objs = max;
	for_each_possible_cpu(i)
		raw_spin_lock_init(&per_cpu_ptr(&dstleak_mags, i)->lock);
	for (i = 0; i < (1U << dstleak_bucket_bits); i++)
		INIT_HLIST_BL_HEAD(&dstleak_buckets[i]);
	dstleak_pool = NULL;
	for (i = 0; i < max; i++)
		push(&dstleak_pool, &dstleak_objs[i]);
	return 0;
}

/* After the probes are gone. */
void dstleak_track_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu_ptr(&dstleak_mags, cpu)->head = NULL;
		per_cpu_ptr(&dstleak_mags, cpu)->count = 0;
	}
	kvfree(dstleak_buckets);
	kvfree(dstleak_objs);
	dstleak_buckets = NULL;
	dstleak_objs = NULL;
	dstleak_nr_objs = 0;
}
