// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the tracked entries: `objects` (one line each) and `suspects`
 * (grouped). Both walk the table a bucket at a time, copying records under
 * the bucket lock and resolving and formatting outside it, with
 * cond_resched() between buckets: a million entries neither stall the
 * machine nor hold a lock for long.
 *
 * Nothing here dereferences an entry: its free may have escaped dstleak (a
 * path that frees without dst_destroy(), a livepatch), and its memory may
 * be anything by now. What a report needs was recorded at allocation
 * (namespace, family, ifindex, stack); the entry's reference count,
 * obsolete state and device pointer are read with a non-faulting copy, the
 * device pointer only compared; the device itself is looked up by ifindex
 * in its namespace under RCU, and read only when the lookup finds the very
 * device the entry points at.
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
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include "dstleak.h"

#define DSTLEAK_VIEW_BATCH 32
#define DSTLEAK_MAX_GROUPS 1024

/* Besides the reasons (dstleak_format.h): old, and too young to say. */
#define DSTLEAK_OLD DSTLEAK_NR_REASONS
#define DSTLEAK_YOUNG (DSTLEAK_NR_REASONS + 1)

static const char *const dstleak_reason_names[] = {
#define DSTLEAK_REASON_NAME(id, name) \
	[DSTLEAK_REASON_##id] = name,
	DSTLEAK_REASONS(DSTLEAK_REASON_NAME)
#undef DSTLEAK_REASON_NAME
};

static const char *const dstleak_devstate_names[] = {
	[DSTLEAK_DEV_NONE] = "-",
	[DSTLEAK_DEV_UP] = "up",
	[DSTLEAK_DEV_DOWN] = "down",
	[DSTLEAK_DEV_UNREGISTERING] = "unregistering",
	[DSTLEAK_DEV_GONE] = "gone",
	[DSTLEAK_DEV_MOVED] = "moved",
};

/*
 * The entry's device, when its namespace @net (NULL: exited) still lists
 * it under the recorded ifindex: then it is alive for as long as the
 * caller's RCU read-side section lasts. NULL otherwise.
 */
static const struct net_device *listed_dev(struct net *net, int ifindex,
					   const struct net_device *dev)
{
	struct net_device *found;

	if (!net || !ifindex)
		return NULL;
	found = dev_get_by_index_rcu(net, ifindex);
	return found == dev ? found : NULL;
}

/*
 * The entry points at a device its namespace no longer lists: moved to
 * another namespace, or unregistering and waiting for this reference. Its
 * struct net pointer is copied without faulting and only compared.
 */
static u8 unlisted_devstate(const struct dstleak_view *v,
			    const struct net_device *dev)
{
	possible_net_t where;

	if (dstleak_read_nofault(&where, &dev->nd_net, sizeof(where)))
		return DSTLEAK_DEV_UNREGISTERING;
	return read_pnet(&where) == v->ns->net_addr ? DSTLEAK_DEV_UNREGISTERING :
						      DSTLEAK_DEV_MOVED;
}

/*
 * A device name as one field of a line: bytes that would end the field or
 * the line, or that the reader refuses (control bytes, which
 * dev_valid_name() allows), and those no real name has ('/', ':'), are
 * shown as '?'; so is an empty name.
 */
static void make_field(char name[IFNAMSIZ])
{
	int i;

	name[IFNAMSIZ - 1] = '\0';
	for (i = 0; name[i]; i++)
		if ((u8)name[i] <= ' ' || name[i] == 0x7f || name[i] == '/' ||
		    name[i] == ':')
			name[i] = '?';
	if (!name[0])
		strscpy(name, "?", IFNAMSIZ);
}

/* The name of a device not proven alive: its memory may be anything. */
static void read_unproven_name(char name[IFNAMSIZ], const char *from)
{
	if (dstleak_read_nofault(name, from, IFNAMSIZ))
		strscpy(name, "?", IFNAMSIZ);
	make_field(name);
}

/*
 * The ifindex to look the entry's device up by: the one recorded at
 * allocation, or, for an entry allocated without a device and given one
 * later (xfrm bundles, IPv4 blackhole routes), the device's own, read
 * without faulting: listed_dev() then proves it is that very device.
 */
static int dev_ifindex(const struct dstleak_view *v,
		       const struct net_device *dev)
{
	int ifindex;

	if (v->ifindex)
		return v->ifindex;
	if (dstleak_read_nofault(&ifindex, &dev->ifindex, sizeof(ifindex)))
		return 0;
	return ifindex;
}

static void resolve_dev(struct dstleak_view *v, struct net *net,
			const struct net_device *dev)
{
	const struct net_device *alive;

	strscpy(v->dev, "-", sizeof(v->dev));
	if (!dev) {
		v->devstate = DSTLEAK_DEV_NONE;
		return;
	}
	if (dev == blackhole_netdev) {
		v->devstate = DSTLEAK_DEV_GONE;
		return;
	}
	alive = listed_dev(net, dev_ifindex(v, dev), dev);
	if (alive) {
		v->devstate = READ_ONCE(alive->flags) & IFF_UP ?
			      DSTLEAK_DEV_UP : DSTLEAK_DEV_DOWN;
		strscpy(v->dev, alive->name, sizeof(v->dev));
		make_field(v->dev);
		return;
	}
	v->devstate = unlisted_devstate(v, dev);
	read_unproven_name(v->dev, dev->name);
}

/*
 * Complete a view copied from a record (track.c), under the RCU read-side
 * section that covered the copy: the namespace record is alive, and so is
 * its struct net while ns->net is not NULL (netns.c).
 */
void dstleak_view_resolve(struct dstleak_view *v)
{
	struct dst_entry copy;
	struct net *net = rcu_dereference(v->ns->net);

	v->inum = v->ns->inum;
	v->cookie = v->ns->cookie;
	v->netns_exited = READ_ONCE(v->ns->exited);
	if (dstleak_read_nofault(&copy, v->dst, sizeof(copy))) {
		v->refcnt = 0;
		v->obsolete = 0;
		v->devstate = DSTLEAK_DEV_NONE;
		strscpy(v->dev, "?", sizeof(v->dev));
		return;
	}
	v->refcnt = dstleak_dst_refcnt(&copy);
	v->obsolete = copy.obsolete;
	resolve_dev(v, net, copy.dev);
}

/* Milliseconds from @born to @now (jiffies, 64-bit); 0 if born after. */
u64 dstleak_age_ms(u64 born, u64 now)
{
	if (time_after64(born, now))
		return 0;
	return div_u64((now - born) * MSEC_PER_SEC, HZ);
}

/*
 * The @k-th smallest of @a[0..@n) (from 0), reordering @a: Hoare's
 * selection with a median-of-three pivot, linear on average, where sort()
 * would make an indirect call a comparison and about 20 comparisons an age
 * for a million ages.
 */
static u64 select_kth(u64 *a, long n, long k)
{
	long lo = 0, hi = n - 1;

	while (lo < hi) {
		u64 x = a[lo], y = a[lo + (hi - lo) / 2], z = a[hi];
		u64 pivot = max(min(x, y), min(max(x, y), z));
		long i = lo, j = hi;

		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				swap(a[i], a[j]);
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

static bool select_kth_works(void)
{
	u64 a[] = { 7, 3, 3, 9, 1, 3, 8, 3, 2 };	/* sorted: 1 2 3 3 3 3 7 8 9 */
	u64 b[] = { 5, 5, 5, 5 };
	u64 c[] = { 4, 3, 2, 1, 0 };

	return select_kth(a, ARRAY_SIZE(a), 4) == 3 &&
	       select_kth(a, ARRAY_SIZE(a), 8) == 9 &&
	       select_kth(a, ARRAY_SIZE(a), 0) == 1 &&
	       select_kth(a, ARRAY_SIZE(a), 6) == 7 &&
	       select_kth(b, ARRAY_SIZE(b), 2) == 5 &&
	       select_kth(c, ARRAY_SIZE(c), 2) == 2 &&
	       select_kth(c, 1, 0) == c[0];
}

/*
 * Ages past 2^32 ms (49.7 days) must not wrap: the long-lived leaks are the
 * ones this module is for; nor may the medians of suspects be wrong. Both
 * checked at every load, in microseconds.
 */
static int inspect_selftest(void)
{
	const u64 days50 = 50ULL * 24 * 3600;
	const u64 now = 1ULL << 40;	/* jiffies after years of uptime */
	const u64 born = now - days50 * HZ;

	if (dstleak_age_ms(born, now) != days50 * MSEC_PER_SEC ||
	    dstleak_age_ms(now + 1, now) != 0 ||
	    dstleak_age_ms(now - 3 * HZ, now) != 3 * MSEC_PER_SEC) {
		pr_err("selftest: entry ages are wrong past 2^32 ms (%llu): not loading\n",
		       dstleak_age_ms(born, now));
		return -EINVAL;
	}
	pr_info("selftest: ages past 2^32 ms: ok\n");
	if (!select_kth_works()) {
		pr_err("selftest: the median of ages is wrong: not loading\n");
		return -EINVAL;
	}
	pr_info("selftest: medians of ages: ok\n");
	return 0;
}

static unsigned int classify(const struct dstleak_view *v,
				    u64 min_age_ms, u64 now)
{
	/* Refcount 0: released, its memory waits for an RCU grace period. */
	if (v->refcnt <= 0 || dstleak_age_ms(v->born, now) < min_age_ms)
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

/* Views of a bucket's records, from the @skip-th on, resolved. */
static unsigned int view_bucket(unsigned int bucket, unsigned int skip,
				struct dstleak_view *views)
{
	unsigned int i, n;

	rcu_read_lock();
	n = dstleak_track_view_bucket(bucket, skip, views, DSTLEAK_VIEW_BATCH);
	for (i = 0; i < n; i++)
		dstleak_view_resolve(&views[i]);
	rcu_read_unlock();
	return n;
}

/*
 * objects: a seq_file position a bucket; position 0 the header, the one
 * after the last bucket the end line. The lines shown before a position
 * are counted for the end line: seq_file shows a position again when its
 * output did not fit, so the count of the position being shown is replaced,
 * not added to.
 */
struct objects_iter {
	loff_t pos;			/* the position being counted */
	unsigned long lines_before;	/* lines of the positions before it */
	unsigned long lines;		/* and with it */
	struct dstleak_view views[DSTLEAK_VIEW_BATCH];
};

static void *objects_start(struct seq_file *m, loff_t *pos)
{
	return *pos <= dstleak_track_nr_buckets() + 1 ? pos : NULL;
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

/*
 * One line of objects, built by hand: a million lines through vsnprintf()
 * spend most of the read parsing one format string, and through a dozen
 * seq_put*() calls each, checking for room a dozen times. The line is
 * built in seq_file's buffer when it has room for the longest line (one
 * copy of 140 MB less for a million entries); otherwise aside and handed
 * to seq_write(), which copies it if it fits and otherwise marks the
 * overflow, so that seq_file shows the bucket again in a fresh buffer.
 */
#define LINE_MAX_LEN 320
#define LONGEST_LINE "obj 0123456789abcdef ns 4294967295 " \
	"cookie 18446744073709551615 family xfrm6 " \
	"age_ms 18446744073709551615 refcnt -2147483648 " \
	"obsolete -2147483648 device 0123456789abcde " \
	"ifindex -2147483648 devstate unregistering netns exited " \
	"stack 4294967295\n"

struct line {
	char *buf;
	unsigned int len;
	unsigned int size;
	bool in_place;		/* buf is in seq_file's buffer */
};

/*
 * The appenders never write past the buffer: a piece without room is cut
 * (none is: the longest line fits). Inlined, a literal's copy is a few
 * moves rather than a call to memcpy().
 */
static __always_inline void line_bytes(struct line *l, const char *s,
				       size_t n)
{
	if (n <= l->size - l->len) {
		memcpy(l->buf + l->len, s, n);
		l->len += n;
	}
}

/* A string literal: its length known at compile time. */
#define line_lit(l, lit) line_bytes(l, lit, sizeof(lit) - 1)

/* A short string (a device, family or state name): byte by byte. */
static void line_str(struct line *l, const char *s)
{
	while (*s && l->len < l->size)
		l->buf[l->len++] = *s++;
}

static unsigned int decimal_digits(u64 v)
{
	unsigned int n = 1;

	for (; v >= 10000; v = div_u64(v, 10000))
		n += 4;
	for (; v >= 10; v = div_u64(v, 10))
		n++;
	return n;
}

/* Written in place from the right, two digits a step. */
static void line_u64(struct line *l, u64 v)
{
	unsigned int n = decimal_digits(v);
	char *at;

	if (n > l->size - l->len)
		return;
	l->len += n;
	at = l->buf + l->len;
	while (v >= 100) {
		unsigned int pair = do_div(v, 100);

		*--at = '0' + pair % 10;
		*--at = '0' + pair / 10;
	}
	if (v >= 10)
		*--at = '0' + do_div(v, 10);
	*--at = '0' + v;
}

static __always_inline void line_s64(struct line *l, s64 v)
{
	if (v < 0) {
		line_lit(l, "-");
		v = -(u64)v;
	}
	line_u64(l, v);
}

/*
 * An entry's identity in objects: its address hashed with a key drawn at
 * the first open of objects after load, once the kernel's random numbers
 * are seeded (a key drawn before could be guessed). Like %p it gives no
 * address away; unlike %p, whose hash is cut to 32 bits (a million entries
 * would share about a hundred identities), it keeps 64, and it costs no
 * format parsing per line.
 */
static siphash_key_t ident_key;
static bool ident_key_drawn;
static DEFINE_MUTEX(ident_key_lock);

static int draw_ident_key(void)
{
	int err = 0;

	mutex_lock(&ident_key_lock);
	if (!ident_key_drawn) {
		err = get_random_bytes_wait(&ident_key, sizeof(ident_key));
		ident_key_drawn = !err;
	}
	mutex_unlock(&ident_key_lock);
	return err;
}

static void line_ident(struct line *l, const struct dst_entry *dst)
{
	u64 hash = siphash_1u64((unsigned long)dst, &ident_key);
	char *at;
	int i;

	if (l->size - l->len < 16)
		return;
	at = l->buf + l->len;
	for (i = 15; i >= 0; i--, hash >>= 4)
		at[i] = "0123456789abcdef"[hash & 0xf];
	l->len += 16;
}

/*
 * Where the line goes: seq_file's buffer past what it holds, if the
 * longest line fits with a byte to spare (a full buffer means overflow to
 * seq_file), else @aside.
 */
static void line_start(struct line *l, struct seq_file *m, char *aside)
{
	char *room;

	BUILD_BUG_ON(sizeof(LONGEST_LINE) > LINE_MAX_LEN);
	l->len = 0;
	l->size = LINE_MAX_LEN;
	l->in_place = seq_get_buf(m, &room) > LINE_MAX_LEN;
	l->buf = l->in_place ? room : aside;
}

static void line_end(struct line *l, struct seq_file *m)
{
	if (l->in_place)
		seq_commit(m, l->len);
	else
		seq_write(m, l->buf, l->len);
}

static void show_object(struct seq_file *m, const struct dstleak_view *v,
			u64 now)
{
	char aside[LINE_MAX_LEN];
	struct line l;

	line_start(&l, m, aside);
	line_lit(&l, "obj ");
	line_ident(&l, v->dst);
	line_lit(&l, " ns ");
	line_u64(&l, v->inum);
	line_lit(&l, " cookie ");
	line_u64(&l, v->cookie);
	line_lit(&l, " family ");
	line_str(&l, dstleak_family_name(v->family));
	line_lit(&l, " age_ms ");
	line_u64(&l, dstleak_age_ms(v->born, now));
	line_lit(&l, " refcnt ");
	line_s64(&l, v->refcnt);
	line_lit(&l, " obsolete ");
	line_s64(&l, v->obsolete);
	line_lit(&l, " device ");
	line_str(&l, v->dev);
	line_lit(&l, " ifindex ");
	line_s64(&l, v->ifindex);
	line_lit(&l, " devstate ");
	line_str(&l, dstleak_devstate_names[v->devstate]);
	if (v->netns_exited)
		line_lit(&l, " netns exited stack ");
	else
		line_lit(&l, " netns alive stack ");
	if (v->stack)
		line_u64(&l, v->stack);
	else
		line_lit(&l, "-");
	line_lit(&l, "\n");
	line_end(&l, m);
}

/* The numbers of objects lines, checked at every load. */
static const struct {
	u64 value;
	const char *text;
} line_u64_cases[] = {
	{ 0, "0" }, { 9, "9" }, { 10, "10" }, { 99, "99" }, { 100, "100" },
	{ 999, "999" }, { 1000, "1000" }, { 9999, "9999" },
	{ 10000, "10000" }, { 12345, "12345" }, { 99999999, "99999999" },
	{ 100000000, "100000000" }, { 4294967295U, "4294967295" },
	{ 9999999999999999999ULL, "9999999999999999999" },
	{ 10000000000000000000ULL, "10000000000000000000" },
	{ U64_MAX, "18446744073709551615" },
};

static const struct {
	s64 value;
	const char *text;
} line_s64_cases[] = {
	{ 0, "0" }, { 7, "7" }, { -1, "-1" }, { -10, "-10" },
	{ S64_MAX, "9223372036854775807" },
	{ S64_MIN, "-9223372036854775808" },
};

static bool line_is(const struct line *l, const char *text)
{
	return l->len == strlen(text) && !memcmp(l->buf, text, l->len);
}

static bool line_numbers_work(void)
{
	char buf[32];
	struct line l = { .buf = buf, .size = sizeof(buf) };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(line_u64_cases); i++) {
		l.len = 0;
		line_u64(&l, line_u64_cases[i].value);
		if (!line_is(&l, line_u64_cases[i].text))
			return false;
	}
	for (i = 0; i < ARRAY_SIZE(line_s64_cases); i++) {
		l.len = 0;
		line_s64(&l, line_s64_cases[i].value);
		if (!line_is(&l, line_s64_cases[i].text))
			return false;
	}
	return true;
}

int dstleak_inspect_init(void)
{
	if (!line_numbers_work()) {
		pr_err("selftest: numbers in objects lines are wrong: not loading\n");
		return -EINVAL;
	}
	pr_info("selftest: numbers in objects lines: ok\n");
	return inspect_selftest();
}

static unsigned long show_bucket(struct seq_file *m, struct objects_iter *it,
				 unsigned int bucket)
{
	unsigned int i, n, skip = 0;
	u64 now = get_jiffies_64();

	do {
		n = view_bucket(bucket, skip, it->views);
		for (i = 0; i < n; i++)
			show_object(m, &it->views[i], now);
		skip += n;
	} while (n == DSTLEAK_VIEW_BATCH);
	return skip;
}

static int objects_show(struct seq_file *m, void *v)
{
	struct objects_iter *it = m->private;
	loff_t pos = *(loff_t *)v;

	if (pos == 0) {
		it->pos = 0;
		it->lines_before = 0;
		it->lines = 1;
		seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
		return 0;
	}
	if (pos != it->pos) {
		it->pos = pos;
		it->lines_before = it->lines;
	}
	if (pos > dstleak_track_nr_buckets()) {
		dstleak_show_end(m, it->lines_before);
		return 0;
	}
	it->lines = it->lines_before + show_bucket(m, it, pos - 1);
	return 0;
}

const struct seq_operations dstleak_objects_seq_ops = {
	.start = objects_start,
	.next = objects_next,
	.stop = objects_stop,
	.show = objects_show,
};

/*
 * seq_file's own buffer is a page, and a read returns at most one buffer:
 * 140 bytes a line, a million entries would take 34,000 reads, and the
 * bucket that overflows each page is looked up and formatted twice. The
 * buffer is set as single_open_size() sets its own (seq_release() frees
 * it); without it, seq_file allocates its page as usual.
 */
#define DSTLEAK_OBJECTS_BUF_SIZE (64 * 1024)

int dstleak_objects_open(struct inode *inode, struct file *file)
{
	struct seq_file *m;
	int err;

	err = draw_ident_key();
	if (err)
		return err;
	err = seq_open_private(file, &dstleak_objects_seq_ops,
			       sizeof(struct objects_iter));
	if (err)
		return err;
	m = file->private_data;
	m->buf = kvmalloc(DSTLEAK_OBJECTS_BUF_SIZE, GFP_KERNEL_ACCOUNT);
	if (m->buf)
		m->size = DSTLEAK_OBJECTS_BUF_SIZE;
	return 0;
}

/*
 * suspects: groups and the ages of their entries, collected in one walk
 * (each entry is resolved once), their medians selected at the end.
 */
struct group {
	u64 cookie;
	unsigned int inum;
	u8 family;
	u8 reason;			/* enum dstleak_reason, or DSTLEAK_OLD */
	u32 stack;
	char dev[IFNAMSIZ];
	unsigned int count;
	u64 oldest_ms;
	unsigned int ages_cap;		/* ages[0..count) (not for "old") */
	u64 *ages;
};

struct suspects_report {
	struct group groups[DSTLEAK_MAX_GROUPS];
	unsigned int nr_groups;
	unsigned long dropped;		/* entries past DSTLEAK_MAX_GROUPS */
	u64 min_age_ms;
	u64 now;			/* every age is measured at it */
	bool stacks;
	bool no_memory;			/* an ages array could not grow */
	struct dstleak_view views[DSTLEAK_VIEW_BATCH];
};

static bool group_matches(const struct group *g, const struct dstleak_view *v,
			  unsigned int reason, bool stacks)
{
	return g->cookie == v->cookie && g->family == v->family &&
	       g->reason == reason &&
	       (!stacks || reason == DSTLEAK_OLD || g->stack == v->stack) &&
	       (reason != DSTLEAK_REASON_PINS_DEVICE || !strcmp(g->dev, v->dev));
}

static struct group *group_find(struct suspects_report *r,
				const struct dstleak_view *v,
				unsigned int reason)
{
	struct group *g;
	unsigned int i;

	for (i = 0; i < r->nr_groups; i++)
		if (group_matches(&r->groups[i], v, reason, r->stacks))
			return &r->groups[i];
	if (r->nr_groups == DSTLEAK_MAX_GROUPS)
		return NULL;
	g = &r->groups[r->nr_groups++];
	g->cookie = v->cookie;
	g->inum = v->inum;
	g->family = v->family;
	g->reason = reason;
	g->stack = r->stacks && reason != DSTLEAK_OLD ? v->stack : 0;
	strscpy(g->dev, reason == DSTLEAK_REASON_PINS_DEVICE ? v->dev : "-",
		sizeof(g->dev));
	return g;
}

/*
 * Room for one more age: the array doubles, so a group of n entries costs
 * 8n bytes, and up to 16n while it grows. Called outside any lock.
 */
static bool ages_make_room(struct group *g)
{
	unsigned int cap = g->ages_cap ? 2 * g->ages_cap : 64;
	u64 *ages;

	if (g->count < g->ages_cap)
		return true;
	if (g->ages_cap > UINT_MAX / 2)
		return false;
	ages = kvmalloc_array(cap, sizeof(*ages),
			      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ages)
		return false;
	if (g->count)
		memcpy(ages, g->ages, g->count * sizeof(*ages));
	kvfree(g->ages);
	g->ages = ages;
	g->ages_cap = cap;
	return true;
}

static void note_entry(struct suspects_report *r, const struct dstleak_view *v)
{
	unsigned int reason = classify(v, r->min_age_ms, r->now);
	u64 age = dstleak_age_ms(v->born, r->now);
	struct group *g;

	if (reason == DSTLEAK_YOUNG)
		return;
	g = group_find(r, v, reason);
	if (!g) {
		r->dropped++;
		return;
	}
	if (reason != DSTLEAK_OLD) {
		if (!ages_make_room(g)) {
			r->no_memory = true;
			return;
		}
		g->ages[g->count] = age;
	}
	g->count++;
	g->oldest_ms = max(g->oldest_ms, age);
}

/* False if memory for the ages ran out: the report would be wrong. */
static bool walk(struct suspects_report *r)
{
	unsigned int b, i, n, skip;

	for (b = 0; b < dstleak_track_nr_buckets(); b++) {
		skip = 0;
		do {
			n = view_bucket(b, skip, r->views);
			for (i = 0; i < n && !r->no_memory; i++)
				note_entry(r, &r->views[i]);
			skip += n;
		} while (n == DSTLEAK_VIEW_BATCH && !r->no_memory);
		if (r->no_memory)
			return false;
		if (!(b % 256))
			cond_resched();
	}
	return true;
}

static u64 group_median(struct group *g)
{
	return select_kth(g->ages, g->count, g->count / 2);
}

static void show_group(struct seq_file *m, struct group *g)
{
	if (g->reason == DSTLEAK_OLD) {
		seq_printf(m, "old ns %u cookie %llu family %s count %u oldest_ms %llu\n",
			   g->inum, g->cookie, dstleak_family_name(g->family),
			   g->count, g->oldest_ms);
		return;
	}
	seq_printf(m, "group ns %u cookie %llu family %s reason %s device %s count %u oldest_ms %llu median_ms %llu\n",
		   g->inum, g->cookie, dstleak_family_name(g->family),
		   dstleak_reason_names[g->reason], g->dev, g->count,
		   g->oldest_ms, group_median(g));
	dstleak_stack_show(m, g->stack);
}

static void free_ages(struct suspects_report *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_groups; i++)
		kvfree(r->groups[i].ages);
}

int dstleak_suspects_show(struct seq_file *m, void *unused)
{
	struct suspects_report *r;
	unsigned int i;

	r = kvzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->min_age_ms = (u64)READ_ONCE(dstleak_suspect_age_s) * MSEC_PER_SEC;
	r->now = get_jiffies_64();
	r->stacks = READ_ONCE(dstleak_stacks);
	if (!walk(r)) {
		free_ages(r);
		kvfree(r);
		return -ENOMEM;
	}
	seq_printf(m, "format %d\n", DSTLEAK_FORMAT_VERSION);
	for (i = 0; i < r->nr_groups; i++) {
		show_group(m, &r->groups[i]);
		cond_resched();
	}
	if (r->dropped)
		seq_printf(m, "dropped %lu\n", r->dropped);
	free_ages(r);
	kvfree(r);
	dstleak_show_end_counted(m);
	return 0;
}
