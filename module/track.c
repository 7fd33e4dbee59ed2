// SPDX-License-Identifier: GPL-2.0
/*
 * The live entries allocated since load, one record each, in a hash table
 * keyed by the entry's address.
 *
 * Probe handlers may not allocate (kmalloc can sleep on PREEMPT_RT), so all
 * max_tracked records are allocated at load and handed out from per-CPU
 * magazines refilled from one pool in batches: the hot path takes its own
 * CPU's magazine lock (shared only when another CPU steals from it, once
 * the pool is empty) and the bucket's bit lock. A bucket is a singly linked
 * chain whose head keeps its lock in bit 0 (as list_bl does): a record is
 * only ever removed by searching its key, so a back pointer would be 8
 * bytes a record for nothing. When no record is free
 * anywhere, an entry is counted (netns.c) but not tracked, and "overflow"
 * says so.
 *
 * A record is added when dst_alloc() returns and removed when dst_destroy()
 * starts. A report copies records under their bucket lock and never
 * dereferences the entry through them (inspect.c): a record whose free was
 * missed must cost a wrong line, not the host. Every bucket lock is taken
 * with interrupts off: dst entries are freed from softirq.
 *
 * Interrupts stay off for a bounded time: once the pool is empty (the
 * overflow state of a leak), an allocation looks into at most
 * DSTLEAK_STEAL_CPUS other magazines, and the longest such section is
 * measured (irqoff_max_ns).
 */
#include <linux/mm.h>
#include <linux/hash.h>
#include <linux/bit_spinlock.h>
#include <linux/log2.h>
#include <linux/sched/clock.h>
#include "dstleak.h"

#define DSTLEAK_MAG_BATCH 32
#define DSTLEAK_STEAL_CPUS 8

struct dstleak_mag {
	raw_spinlock_t lock;	/* taken by its CPU, and by others to steal */
	struct dstleak_obj *head;
	unsigned int count;
};

static DEFINE_PER_CPU(struct dstleak_mag, dstleak_mags);
static DEFINE_PER_CPU(u64, dstleak_adds);
static DEFINE_PER_CPU(u64, dstleak_dels);
static DEFINE_PER_CPU(u64, dstleak_overflows);
static DEFINE_PER_CPU(u64, dstleak_steal_misses);
static DEFINE_PER_CPU(u64, dstleak_irqoff_max);
static DEFINE_PER_CPU(unsigned int, dstleak_steal_cursor);
static DEFINE_RAW_SPINLOCK(dstleak_pool_lock);
static struct dstleak_obj *dstleak_pool;	/* under dstleak_pool_lock */
static struct dstleak_obj *dstleak_objs;
static unsigned int dstleak_nr_objs;

/* A chain of records; bit 0 of first is the bucket's lock. */
struct dstleak_bucket {
	unsigned long first;
};

static struct dstleak_bucket *dstleak_buckets;
static unsigned int dstleak_bucket_bits;

static struct dstleak_bucket *bucket_of(const struct dst_entry *dst)
{
	return &dstleak_buckets[hash_ptr(dst, dstleak_bucket_bits)];
}

static void bucket_lock(struct dstleak_bucket *b)
	__acquires(b)
{
	bit_spin_lock(0, &b->first);
}

static void bucket_unlock(struct dstleak_bucket *b)
	__releases(b)
{
	__bit_spin_unlock(0, &b->first);
}

static struct dstleak_obj *bucket_first(const struct dstleak_bucket *b)
{
	return (struct dstleak_obj *)(b->first & ~1UL);
}

/* The bucket's lock is held; the lock bit stays as it is. */
static void bucket_set_first(struct dstleak_bucket *b, struct dstleak_obj *obj)
{
	/* Marked: dstleak_track_view_bucket() looks without the lock. */
	WRITE_ONCE(b->first, (unsigned long)obj | (b->first & 1UL));
}

static void push(struct dstleak_obj **head, struct dstleak_obj *obj)
{
	obj->next = *head;
	*head = obj;
}

static struct dstleak_obj *pop(struct dstleak_obj **head)
{
	struct dstleak_obj *obj = *head;

	if (obj)
		*head = obj->next;
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

/* The next possible CPU after @cpu, wrapping around. */
static unsigned int next_cpu_wrap(unsigned int cpu)
{
	cpu = cpumask_next(cpu, cpu_possible_mask);
	return cpu < nr_cpu_ids ? cpu : cpumask_first(cpu_possible_mask);
}

/*
 * The pool is empty: take a record another CPU keeps in its magazine.
 * Bounded: at most DSTLEAK_STEAL_CPUS magazines, from where this CPU
 * stopped last time, so with many CPUs a record may exist that was not
 * found (counted in steal_misses, and the entry is counted, not tracked).
 */
static struct dstleak_obj *steal(void)
{
	unsigned int cpu = __this_cpu_read(dstleak_steal_cursor);
	struct dstleak_obj *obj = NULL;
	struct dstleak_mag *mag;
	int i;

	for (i = 0; i < DSTLEAK_STEAL_CPUS && !obj; i++) {
		cpu = next_cpu_wrap(cpu);
		mag = per_cpu_ptr(&dstleak_mags, cpu);
		if (!READ_ONCE(mag->head))
			continue;
		raw_spin_lock(&mag->lock);
		obj = pop(&mag->head);
		if (obj)
			mag->count--;
		raw_spin_unlock(&mag->lock);
	}
	__this_cpu_write(dstleak_steal_cursor, cpu);
	if (!obj && READ_ONCE(dstleak_pool))
		__this_cpu_inc(dstleak_steal_misses);
	return obj;
}

/* The slow path's time with interrupts off, for irqoff_max_ns. */
static void note_irqoff(u64 start)
{
	u64 ns = local_clock() - start;

	if (ns > __this_cpu_read(dstleak_irqoff_max))
		__this_cpu_write(dstleak_irqoff_max, ns);
}

/* Interrupts are off; @slow_start: when the pool had to be visited. */
static struct dstleak_obj *obj_get(u64 *slow_start)
{
	struct dstleak_mag *mag = this_cpu_ptr(&dstleak_mags);
	struct dstleak_obj *obj;

	raw_spin_lock(&mag->lock);
	if (!mag->head) {
		*slow_start = local_clock();
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

bool dstleak_track_add(const struct dst_entry *dst,
		       const struct dstleak_alloc_info *info)
{
	struct dstleak_bucket *b = bucket_of(dst);
	struct dstleak_obj *obj;
	unsigned long flags;
	u64 slow_start = 0;

	local_irq_save(flags);
	obj = obj_get(&slow_start);
	if (!obj) {
		__this_cpu_inc(dstleak_overflows);
		note_irqoff(slow_start);
		local_irq_restore(flags);
		return false;
	}
	obj->dst = dst;
	obj->ns = info->ns;
	obj->born = get_jiffies_64();
	obj->family = info->family;
	obj->nocount = info->nocount;
	obj->stack = info->stack;
	obj->ifindex = info->ifindex;
	bucket_lock(b);
	obj->next = bucket_first(b);
	bucket_set_first(b, obj);
	bucket_unlock(b);
	__this_cpu_inc(dstleak_adds);
	if (unlikely(slow_start))
		note_irqoff(slow_start);
	local_irq_restore(flags);
	return true;
}

/* Remove @dst's record; what it said, .ns NULL when @dst is not tracked. */
struct dstleak_tracked dstleak_track_del(const struct dst_entry *dst)
{
	struct dstleak_bucket *b = bucket_of(dst);
	struct dstleak_tracked t = { NULL };
	struct dstleak_obj *obj, *prev = NULL;
	unsigned long flags;

	local_irq_save(flags);
	bucket_lock(b);
	for (obj = bucket_first(b); obj; prev = obj, obj = obj->next) {
		if (obj->dst != dst)
			continue;
		if (prev)
			prev->next = obj->next;
		else
			bucket_set_first(b, obj->next);
		t.ns = obj->ns;
		t.family = obj->family;
		t.nocount = obj->nocount;
		break;
	}
	bucket_unlock(b);
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
 * Copies of up to @max records of a bucket, from its @skip-th on; the
 * caller resolves them (dstleak_view_resolve()) within the same RCU
 * read-side section, which keeps their namespace records alive.
 */
unsigned int dstleak_track_view_bucket(unsigned int bucket, unsigned int skip,
				       struct dstleak_view *views,
				       unsigned int max)
{
	struct dstleak_bucket *b = &dstleak_buckets[bucket];
	struct dstleak_obj *obj;
	unsigned long flags;
	unsigned int n = 0;

	/*
	 * Empty: no lock needed (a table sized for max_tracked has many).
	 * An entry added just after this look was added after the walk
	 * passed, as if it came just after the unlock.
	 */
	if (!(READ_ONCE(b->first) & ~1UL))
		return 0;
	local_irq_save(flags);
	bucket_lock(b);
	for (obj = bucket_first(b); obj; obj = obj->next) {
		if (skip) {
			skip--;
			continue;
		}
		if (n == max)
			break;
		views[n].dst = obj->dst;
		views[n].ns = obj->ns;
		views[n].born = obj->born;
		views[n].family = obj->family;
		views[n].stack = obj->stack;
		views[n].ifindex = obj->ifindex;
		n++;
	}
	bucket_unlock(b);
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

/* Removals first: every one summed had its addition summed after it. */
u64 dstleak_track_count(void)
{
	u64 dels = sum_percpu(&dstleak_dels);

	/* The removals summed are read before the additions. */
	smp_rmb();
	return sum_percpu(&dstleak_adds) - dels;
}

u64 dstleak_track_steal_misses(void)
{
	return sum_percpu(&dstleak_steal_misses);
}

u64 dstleak_track_irqoff_max_ns(void)
{
	u64 max = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		max = max_t(u64, max, READ_ONCE(*per_cpu_ptr(&dstleak_irqoff_max, cpu)));
	return max;
}

u64 dstleak_track_overflow(void)
{
	return sum_percpu(&dstleak_overflows);
}

unsigned int dstleak_track_max(void)
{
	return dstleak_nr_objs;
}

/* About two records a bucket when full: 4 bytes an entry. */
static unsigned int bucket_bits_for(unsigned int max)
{
	return max(ilog2(roundup_pow_of_two(max ?: 1)) - 1, 4);
}

size_t dstleak_track_bytes_for(unsigned int max)
{
	return (size_t)max * sizeof(struct dstleak_obj) +
	       (sizeof(struct dstleak_bucket) << bucket_bits_for(max));
}

size_t dstleak_track_bytes(void)
{
	return dstleak_nr_objs ? dstleak_track_bytes_for(dstleak_nr_objs) : 0;
}

/*
 * Refuse a table the host cannot afford: more than a quarter of the memory
 * available now. A leak finder must not cause the memory pressure it is
 * loaded to explain.
 */
static int check_affordable(unsigned int max)
{
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;
	size_t need = dstleak_track_bytes_for(max);

	if (need <= avail / 4)
		return 0;
	pr_err("max_tracked=%u needs %zu MiB, more than a quarter of the %llu MiB available: refused (choose a smaller max_tracked)\n",
	       max, need >> 20, avail >> 20);
	return -ENOMEM;
}

int dstleak_track_init(unsigned int max)
{
	unsigned int i;
	int err;

	err = check_affordable(max);
	if (err)
		return err;
	dstleak_bucket_bits = bucket_bits_for(max);
	dstleak_buckets = kvcalloc(1U << dstleak_bucket_bits,
				   sizeof(*dstleak_buckets), GFP_KERNEL);
	dstleak_objs = kvcalloc(max, sizeof(*dstleak_objs), GFP_KERNEL);
	if (!dstleak_buckets || !dstleak_objs) {
		pr_err("max_tracked=%u: cannot allocate %zu bytes for tracking\n",
		       max, dstleak_track_bytes_for(max));
		kvfree(dstleak_buckets);
		kvfree(dstleak_objs);
		return -ENOMEM;
	}
	dstleak_nr_objs = max;
	for_each_possible_cpu(i) {
		raw_spin_lock_init(&per_cpu_ptr(&dstleak_mags, i)->lock);
		*per_cpu_ptr(&dstleak_steal_cursor, i) = i;
	}
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
