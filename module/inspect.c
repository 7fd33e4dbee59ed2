// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the tracked entries: `objects` (one line each) and `suspects`
 * (grouped). Both walk the table a bucket at a time, copying what they need
 * under the bucket lock and formatting outside it, with cond_resched()
 * between buckets: a million entries neither stall the machine nor hold a
 * lock for long.
 *
 * An entry older than suspect_age_s is a suspect for the first of these
 * that holds, else it is merely "old" (a long-lived cached route is normal):
 * - netns_exited: its namespace has exited;
 * - pins_device: its device is being unregistered, and the entry's
 *   reference is what "unregister_netdevice: waiting for DEV" waits for;
 * - device_gone: its device was unregistered, the kernel moved the entry to
 *   blackhole_netdev (dst_dev_put()), and it lives on;
 * - dead: obsolete (DST_OBSOLETE_DEAD), yet still referenced.
 */
#include <linux/jiffies.h>
#include <linux/sort.h>
#include "dstleak.h"

#define DSTLEAK_VIEW_BATCH 32
#define DSTLEAK_MAX_GROUPS 1024

enum dstleak_reason {
#define DSTLEAK_REASON_ENUM(id, name) DSTLEAK_REASON_##id,
	DSTLEAK_REASONS(DSTLEAK_REASON_ENUM)
#undef DSTLEAK_REASON_ENUM
	DSTLEAK_OLD,
	DSTLEAK_YOUNG,
};

static const char *const dstleak_reason_names[] = {
#define DSTLEAK_REASON_NAME(id, name) name,
	DSTLEAK_REASONS(DSTLEAK_REASON_NAME)
#undef DSTLEAK_REASON_NAME
};

static const char *const dstleak_devstate_names[] = {
	[DSTLEAK_DEV_NONE] = "-",
	[DSTLEAK_DEV_UP] = "up",
	[DSTLEAK_DEV_DOWN] = "down",
	[DSTLEAK_DEV_UNREGISTERING] = "unregistering",
	[DSTLEAK_DEV_GONE] = "gone",
};

static u8 devstate_of(const struct net_device *dev)
{
	if (!dev)
		return DSTLEAK_DEV_NONE;
	if (dev == blackhole_netdev)
		return DSTLEAK_DEV_GONE;
	switch (READ_ONCE(dev->reg_state)) {
	case NETREG_REGISTERED:
		return READ_ONCE(dev->flags) & IFF_UP ? DSTLEAK_DEV_UP :
							DSTLEAK_DEV_DOWN;
	case NETREG_UNREGISTERING:
	case NETREG_UNREGISTERED:
		return DSTLEAK_DEV_UNREGISTERING;
	default:
		return DSTLEAK_DEV_GONE;
	}
}

/*
 * Under the bucket lock: the entry and the device it holds are valid, as
 * long as no free escaped the dst_destroy() probe. If one did (its missed
 * count is not 0), a record may name freed memory: its device is then not
 * looked at.
 */
void dstleak_view_fill(struct dstleak_view *v, const struct dstleak_obj *obj)
{
	const struct dst_entry *dst = obj->dst;
	const struct net_device *dev = dstleak_frees_missed() ? NULL :
				       READ_ONCE(dst->dev);

	v->id = (unsigned long)dst;
	v->inum = obj->ns->inum;
	v->netns_exited = READ_ONCE(obj->ns->exited);
	v->family = obj->family;
	v->stack = obj->stack;
	v->born = obj->born;
	v->refcnt = dstleak_dst_refcnt(dst);
	v->obsolete = READ_ONCE(dst->obsolete);
	v->devstate = devstate_of(dev);
	if (dev && v->devstate != DSTLEAK_DEV_GONE)
		strscpy(v->dev, dev->name, sizeof(v->dev));
	else
		strscpy(v->dev, "-", sizeof(v->dev));
}

/* The age at @now; 0 for an entry born after it. */
static unsigned int age_ms(const struct dstleak_view *v, unsigned long now)
{
	return time_after(v->born, now) ? 0 : jiffies_to_msecs(now - v->born);
}

static enum dstleak_reason classify(const struct dstleak_view *v,
				    unsigned int min_age_ms, unsigned long now)
{
	/* Refcount 0: released, its memory waits for an RCU grace period. */
	if (v->refcnt <= 0 || age_ms(v, now) < min_age_ms)
		return DSTLEAK_YOUNG;
	if (v->netns_exited)
		return DSTLEAK_REASON_NETNS_EXITED;
	if (v->devstate == DSTLEAK_DEV_UNREGISTERING)
		return DSTLEAK_REASON_PINS_DEVICE;
	if (v->devstate == DSTLEAK_DEV_GONE)
		return DSTLEAK_REASON_DEVICE_GONE;
	if (v->obsolete == DST_OBSOLETE_DEAD)
		return DSTLEAK_REASON_DEAD;
	return DSTLEAK_OLD;
}

/* objects: a seq_file position a bucket, position 0 the header. */
struct objects_iter {
	struct dstleak_view views[DSTLEAK_VIEW_BATCH];
};

static void *objects_start(struct seq_file *m, loff_t *pos)
{
	return *pos <= dstleak_track_nr_buckets() ? pos : NULL;
}

static void *objects_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	if (!(*pos % 256))
		cond_resched();
	return objects_start(m, pos);
}

static void objects_stop(struct seq_file *m, void *v)
{
}

static void show_object(struct seq_file *m, const struct dstleak_view *v)
{
	seq_printf(m, "obj %p ns %u family %s age_ms %u refcnt %d obsolete %d device %s devstate %s netns %s stack ",
		   (void *)v->id, v->inum, dstleak_family_name(v->family),
		   age_ms(v, jiffies), v->refcnt, v->obsolete, v->dev,
		   dstleak_devstate_names[v->devstate],
		   v->netns_exited ? "exited" : "alive");
	if (v->stack)
		seq_printf(m, "%u\n", v->stack);
	else
		seq_puts(m, "-\n");
}

static int objects_show(struct seq_file *m, void *v)
{
	struct objects_iter *it = m->private;
	loff_t pos = *(loff_t *)v;
	unsigned int i, n, skip = 0;

	if (pos == 0) {
		seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
		return 0;
	}
	do {
		n = dstleak_track_view_bucket(pos - 1, skip, it->views,
					      DSTLEAK_VIEW_BATCH);
		for (i = 0; i < n; i++)
			show_object(m, &it->views[i]);
		skip += n;
	} while (n == DSTLEAK_VIEW_BATCH);
	return 0;
}

const struct seq_operations dstleak_objects_seq_ops = {
	.start = objects_start,
	.next = objects_next,
	.stop = objects_stop,
	.show = objects_show,
};

int dstleak_objects_open(struct inode *inode, struct file *file)
{
	return seq_open_private(file, &dstleak_objects_seq_ops,
				sizeof(struct objects_iter));
}

/* suspects: groups, found in one walk, their medians in a second. */
struct group {
	unsigned int inum;
	u8 family;
	u8 reason;			/* enum dstleak_reason, or DSTLEAK_OLD */
	u32 stack;
	char dev[IFNAMSIZ];
	unsigned int count;
	unsigned int oldest_ms;
	unsigned int filled;		/* ages collected in the second walk */
	u32 *ages;
};

struct suspects_report {
	struct group groups[DSTLEAK_MAX_GROUPS];
	unsigned int nr_groups;
	unsigned long dropped;		/* entries past DSTLEAK_MAX_GROUPS */
	unsigned int min_age_ms;
	unsigned long now;		/* both walks measure ages at it */
	bool stacks;
	struct dstleak_view views[DSTLEAK_VIEW_BATCH];
};

static bool group_matches(const struct group *g, const struct dstleak_view *v,
			  enum dstleak_reason reason, bool stacks)
{
	return g->inum == v->inum && g->family == v->family &&
	       g->reason == reason &&
	       (!stacks || reason == DSTLEAK_OLD || g->stack == v->stack) &&
	       (reason != DSTLEAK_REASON_PINS_DEVICE || !strcmp(g->dev, v->dev));
}

static struct group *group_find(struct suspects_report *r,
				const struct dstleak_view *v,
				enum dstleak_reason reason, bool create)
{
	struct group *g;
	unsigned int i;

	for (i = 0; i < r->nr_groups; i++)
		if (group_matches(&r->groups[i], v, reason, r->stacks))
			return &r->groups[i];
	if (!create || r->nr_groups == DSTLEAK_MAX_GROUPS)
		return NULL;
	g = &r->groups[r->nr_groups++];
	g->inum = v->inum;
	g->family = v->family;
	g->reason = reason;
	g->stack = r->stacks && reason != DSTLEAK_OLD ? v->stack : 0;
	strscpy(g->dev, reason == DSTLEAK_REASON_PINS_DEVICE ? v->dev : "-",
		sizeof(g->dev));
	return g;
}

static void note_entry(struct suspects_report *r, const struct dstleak_view *v,
		       bool second_walk)
{
	enum dstleak_reason reason = classify(v, r->min_age_ms, r->now);
	unsigned int age = age_ms(v, r->now);
	struct group *g;

	if (reason == DSTLEAK_YOUNG)
		return;
	g = group_find(r, v, reason, !second_walk);
	if (!g) {
		if (!second_walk)
			r->dropped++;
		return;
	}
	if (!second_walk) {
		g->count++;
		g->oldest_ms = max(g->oldest_ms, age);
	} else if (g->ages && g->filled < g->count) {
		g->ages[g->filled++] = age;
	}
}

static void walk(struct suspects_report *r, bool second_walk)
{
	unsigned int b, i, n, skip;

	for (b = 0; b < dstleak_track_nr_buckets(); b++) {
		skip = 0;
		do {
			n = dstleak_track_view_bucket(b, skip, r->views,
						      DSTLEAK_VIEW_BATCH);
			for (i = 0; i < n; i++)
				note_entry(r, &r->views[i], second_walk);
			skip += n;
		} while (n == DSTLEAK_VIEW_BATCH);
		if (!(b % 256))
			cond_resched();
	}
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The table changes between the walks: an entry freed in between leaves its
 * age out, a newer one (younger) may take its place. Ages at the same "now"
 * keep the median within the oldest.
 */
static unsigned int group_median(struct group *g)
{
	if (!g->filled)
		return g->oldest_ms;
	sort(g->ages, g->filled, sizeof(u32), cmp_u32, NULL);
	return min(g->ages[g->filled / 2], g->oldest_ms);
}

static void show_group(struct seq_file *m, struct group *g)
{
	if (g->reason == DSTLEAK_OLD) {
		seq_printf(m, "old ns %u family %s count %u oldest_ms %u\n",
			   g->inum, dstleak_family_name(g->family), g->count,
			   g->oldest_ms);
		return;
	}
	seq_printf(m, "group ns %u family %s reason %s device %s count %u oldest_ms %u median_ms %u\n",
		   g->inum, dstleak_family_name(g->family),
		   dstleak_reason_names[g->reason], g->dev, g->count,
		   g->oldest_ms, group_median(g));
	dstleak_stack_show(m, g->stack);
}

int dstleak_suspects_show(struct seq_file *m, void *unused)
{
	struct suspects_report *r;
	unsigned int i;

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->min_age_ms = READ_ONCE(dstleak_suspect_age_s) * MSEC_PER_SEC;
	r->now = jiffies;
	r->stacks = READ_ONCE(dstleak_stacks);
	walk(r, false);
	for (i = 0; i < r->nr_groups; i++)
		if (r->groups[i].reason != DSTLEAK_OLD)
			r->groups[i].ages = kvmalloc_array(r->groups[i].count,
							   sizeof(u32),
							   GFP_KERNEL);
	walk(r, true);
	seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
	for (i = 0; i < r->nr_groups; i++) {
		show_group(m, &r->groups[i]);
		kvfree(r->groups[i].ages);
		cond_resched();
	}
	if (r->dropped)
		seq_printf(m, "dropped %lu\n", r->dropped);
	kvfree(r);
	return 0;
}
