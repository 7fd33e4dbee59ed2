/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the files of the dstleak module. */
#ifndef DSTLEAK_H
#define DSTLEAK_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/percpu_counter.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include <net/dst.h>
#include "dstleak_format.h"
#include "compat.h"

/* params.c: module parameters, validated on every write. */
extern bool dstleak_track;
extern unsigned int dstleak_max_tracked;
extern bool dstleak_stacks;
extern unsigned int dstleak_stack_sample;
extern unsigned int dstleak_suspect_age_s;
extern bool dstleak_direct_off;

/* Per-CPU event counters of one family in one namespace. */
struct dstleak_fam_pcpu {
	u64 allocs;
	u64 frees;		/* of entries allocated since load */
	u64 frees_pre;		/* of entries allocated before load */
	u64 failures;
	u64 nocount_allocs;	/* DST_NOCOUNT: not in the kernel's counter */
	u64 nocount_frees;	/* likewise, both kinds of frees */
	long unfolded;		/* live change not yet in dstleak_ns.folded */
};

struct dstleak_ns_pcpu {
	struct dstleak_fam_pcpu fam[DSTLEAK_NR_FAMILIES];
};

/* Per-CPU route and IPsec event counters of one namespace (events.c). */
#define DSTLEAK_NR_ERRNOS 10
#define DSTLEAK_NR_ICMP4 20
#define DSTLEAK_NR_ICMP6 16

struct dstleak_ev_pcpu {
	u64 xfrm_lookups;
	u64 xfrm_lookup_errors[DSTLEAK_NR_ERRNOS];
	u64 xfrm_bundles;
	u64 xfrm_bundle_errors[DSTLEAK_NR_ERRNOS];
	u64 pmtu4, redirect4, pmtu6, redirect6, exceptions6;
	u64 icmp4[DSTLEAK_NR_ICMP4];
	u64 icmp6[DSTLEAK_NR_ICMP6];
};

/* What an entry handler hands its return handler: the namespace. */
struct dstleak_net_call {
	const struct net *net;
};

struct dstleak_ns;

/*
 * Maps an address to its namespace: a per-namespace dst_ops (inside struct
 * net) to the namespace and family of its entries, or a struct net itself.
 */
struct dstleak_ops_key {
	struct hlist_node node;
	const void *addr;
	struct dstleak_ns *ns;
	enum dstleak_family family;
};

#define DSTLEAK_NR_OPS_KEYS 4	/* ipv6, xfrm4, xfrm6 dst_ops; the net */
#define DSTLEAK_OPS_MAP_BITS 7

/*
 * One network namespace. Outlives the namespace while entries allocated in
 * it are alive: then it is listed as exited. One more, never listed, is the
 * "unattributed" bucket (netns.c).
 *
 * @net is set to NULL when the namespace exits, under the mutex, and the
 * exit waits for a grace period before the kernel may free the namespace
 * (dstleak_net_exit_batch()): under rcu_read_lock() a non-NULL @net is a
 * live struct net.
 */
struct dstleak_ns {
	struct list_head list;		/* dstleak_ns_list, under the mutex */
	struct rcu_work free_work;
	struct net __rcu *net;
	const void *net_addr;		/* compared, never dereferenced */
	u64 cookie;			/* the kernel's netns cookie */
	unsigned int inum;
	bool exited;
	bool exit_settled;		/* a grace period passed since the exit */
	struct dstleak_ns_pcpu __percpu *pcpu;
	struct dstleak_ev_pcpu __percpu *ev;
	atomic_long_t folded[DSTLEAK_NR_FAMILIES];	/* for the peak: hotpath.h */
	atomic_long_t peak[DSTLEAK_NR_FAMILIES];
	/* Live entries without a record, their frees matched by namespace. */
	atomic_long_t untracked[DSTLEAK_NR_FAMILIES];
	/* Untracked entries handed to the unattributed bucket at exit. */
	atomic_long_t orphaned[DSTLEAK_NR_FAMILIES];
	/* Kernel counter minus what dstleak had counted, at calibration. */
	s64 base[DSTLEAK_NR_FAMILIES];
	s64 calib_max[DSTLEAK_NR_FAMILIES];	/* netns.c, at load */
	s64 calib_now[DSTLEAK_NR_FAMILIES];
	struct dstleak_ops_key keys[DSTLEAK_NR_OPS_KEYS];
};

/* The sums of one family's per-CPU counters. */
struct dstleak_fam_sum {
	u64 allocs, frees, frees_pre, failures, nocount_allocs, nocount_frees;
};

/* netns.c */
extern struct mutex dstleak_ns_mutex;
extern struct list_head dstleak_ns_list;
extern const struct dst_ops *dstleak_ipv4_ops;
extern struct dstleak_ns *dstleak_unattr;
int dstleak_netns_init(void);
void dstleak_netns_exit(void);
void dstleak_netns_calibrate(void);
void dstleak_settle_rcu(void);
s64 dstleak_calibration_spread(void);
struct dstleak_ns *dstleak_ns_of_net_rcu(const struct net *net);

/* Where an entry is counted (hotpath.h); returned by value. */
struct dstleak_class {
	struct dstleak_ns *ns;
	enum dstleak_family family;
};

long dstleak_raise_peak(struct dstleak_ns *ns, enum dstleak_family fam,
			long live);
void dstleak_fam_sum(struct dstleak_ns *ns, enum dstleak_family fam,
		     struct dstleak_fam_sum *sum);
struct dst_ops *dstleak_net_family_ops(struct net *net,
				       enum dstleak_family fam);
s64 dstleak_counted_delta(struct dstleak_ns *ns, enum dstleak_family fam);
s64 dstleak_kernel_count(struct dstleak_ns *ns, enum dstleak_family fam,
			 bool *known);
s64 dstleak_net_kernel_count(struct net *net, enum dstleak_family fam,
			     bool *known);
struct net *dstleak_ns_net_locked(struct dstleak_ns *ns);
void dstleak_prune_exited(void);
unsigned int dstleak_ns_listed(void);
s64 dstleak_ipv4_expected(void);
long dstleak_live(struct dstleak_ns *ns, enum dstleak_family fam,
		  const struct dstleak_fam_sum *sum);

/*
 * track.c: the live entries allocated since load. A record holds what a
 * report needs, taken at allocation (as lib/ref_tracker.c does): a report
 * never dereferences the entry, whose free dstleak might have missed.
 */
struct dstleak_obj {
	struct dstleak_obj *next;	/* in its bucket's chain, or a free list */
	const struct dst_entry *dst;	/* the key, while in the table */
	struct dstleak_ns *ns;
	u64 born:56;			/* jiffies, 64-bit */
	u64 family:4;
	u64 nocount:1;
	u32 stack;			/* stack depot handle, 0 if none */
	int ifindex;			/* the device at allocation, 0 if none */
};

/* What an allocation is recorded with. */
struct dstleak_alloc_info {
	struct dstleak_ns *ns;
	enum dstleak_family family;
	bool nocount;
	u32 stack;
	int ifindex;
};

int dstleak_track_init(unsigned int max);
void dstleak_track_exit(void);
bool dstleak_track_add(const struct dst_entry *dst,
		       const struct dstleak_alloc_info *info);
/* What a removed record said; returned by value, as dstleak_class. */
struct dstleak_tracked {
	struct dstleak_ns *ns;
	u8 family;
	u8 nocount;
};

struct dstleak_tracked dstleak_track_del(const struct dst_entry *dst);
u64 dstleak_track_count(void);
u64 dstleak_track_overflow(void);
u64 dstleak_track_steal_misses(void);
u64 dstleak_track_irqoff_max_ns(void);
size_t dstleak_track_bytes(void);
size_t dstleak_track_bytes_for(unsigned int max);
unsigned int dstleak_track_max(void);

enum dstleak_devstate {
	DSTLEAK_DEV_NONE,
	DSTLEAK_DEV_UP,
	DSTLEAK_DEV_DOWN,
	DSTLEAK_DEV_UNREGISTERING,	/* left its namespace, still held */
	DSTLEAK_DEV_GONE,		/* the entry moved to blackhole_netdev */
	DSTLEAK_DEV_MOVED,		/* now in another namespace */
};

/*
 * What a report sees of one tracked entry: the record, copied under its
 * bucket lock (track.c), then resolved under RCU (inspect.c).
 */
struct dstleak_view {
	const struct dst_entry *dst;	/* never dereferenced */
	struct dstleak_ns *ns;		/* valid under the reader's RCU */
	u64 born;
	int ifindex;
	u32 stack;
	u8 family;
	/* Resolved: */
	unsigned int inum;
	u64 cookie;
	bool netns_exited;
	int refcnt;
	int obsolete;
	u8 devstate;			/* enum dstleak_devstate */
	char dev[IFNAMSIZ];
};

unsigned int dstleak_track_nr_buckets(void);
unsigned int dstleak_track_view_bucket(unsigned int bucket, unsigned int skip,
				       struct dstleak_view *views,
				       unsigned int max);

/* inspect.c: reading tracked entries for objects and suspects. */
void dstleak_view_resolve(struct dstleak_view *v);
u64 dstleak_age_ms(u64 born, u64 now);
int dstleak_inspect_init(void);
int dstleak_objects_open(struct inode *inode, struct file *file);
int dstleak_suspects_show(struct seq_file *m, void *unused);
extern const struct seq_operations dstleak_objects_seq_ops;

/* stacks.c */
u32 dstleak_stack_capture_sampled(void);

/* The allocating stack's handle, 0 if stacks are off or not sampled. */
static inline u32 dstleak_stack_capture(void)
{
	return READ_ONCE(dstleak_stacks) ? dstleak_stack_capture_sampled() : 0;
}
void dstleak_stack_show(struct seq_file *m, u32 handle);
unsigned long dstleak_stack_failures_count(void);
int dstleak_stacks_init(unsigned long probed_addr);
void dstleak_stacks_exit(void);

/* The probe table's entries (probes.c). */
enum dstleak_probe_id {
	DSTLEAK_PROBE_DST_DESTROY,	/* frees first: see probes.c */
	DSTLEAK_PROBE_METADATA_FREE,
	DSTLEAK_PROBE_BLACKHOLE4,
	DSTLEAK_PROBE_DST_ALLOC,
	DSTLEAK_PROBE_METADATA_ALLOC,
	DSTLEAK_PROBE_XFRM_LOOKUP,
	DSTLEAK_PROBE_XFRM_BUNDLE,
	DSTLEAK_PROBE_FNHE,
	DSTLEAK_PROBE_PMTU6,
	DSTLEAK_PROBE_REDIRECT6,
	DSTLEAK_PROBE_EXCEPTION6,
	DSTLEAK_PROBE_TCP4_ERR,
	DSTLEAK_PROBE_TCP6_ERR,
	DSTLEAK_NR_PROBES
};

void dstleak_count_hit(int probe);

/* blackhole.c: the namespace of an IPv4 blackhole route, by its caller. */
struct kprobe;
struct pt_regs;
int dstleak_blackhole4_pre(struct kprobe *kp, struct pt_regs *regs);
const struct net *dstleak_blackhole_take(const struct dst_ops *ops,
					 const struct net_device *dev);
void dstleak_blackhole_init(void);

/* events.c: handlers of the optional probes, and their report. */
struct kretprobe_instance;
int dstleak_xfrm_lookup_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_xfrm_lookup_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_xfrm_bundle_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_xfrm_bundle_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_exception6_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_exception6_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int dstleak_fnhe_pre(struct kprobe *kp, struct pt_regs *regs);
int dstleak_pmtu6_pre(struct kprobe *kp, struct pt_regs *regs);
int dstleak_redirect6_pre(struct kprobe *kp, struct pt_regs *regs);
int dstleak_tcp4_err_pre(struct kprobe *kp, struct pt_regs *regs);
int dstleak_tcp6_err_pre(struct kprobe *kp, struct pt_regs *regs);
void dstleak_show_events(struct seq_file *m, struct dstleak_ns *ns,
			 struct net *net);

/* hookcheck.c: the free hooks proven at load. */
extern const struct dst_entry *dstleak_hookcheck_dst;
/* The metadata entry whose free by dst_destroy() the metadata hook awaits. */
extern const struct dst_entry *dstleak_hookcheck_md_dst;
bool dstleak_hookcheck_claim_slow(const struct dst_entry **marker,
				  const struct dst_entry *dst);
int dstleak_hookcheck_destroy(void);
int dstleak_hookcheck_alloc(void);
/* The dst_ops of hookcheck's own allocation, and what the hook saw. */
extern const struct dst_ops *dstleak_alloccheck_ops;
extern const struct dst_entry *dstleak_alloccheck_seen;
bool dstleak_hookcheck_metadata(void);
/* How dst_destroy() frees a metadata entry, as hookcheck proved it. */
enum dstleak_md_path {
	DSTLEAK_MD_UNKNOWN,	/* not proven: each hook counts what only it sees */
	DSTLEAK_MD_INLINED,	/* the metadata hook sees direct calls only */
	DSTLEAK_MD_OUT_OF_LINE,	/* it sees every metadata free */
};

enum dstleak_md_path dstleak_hookcheck_metadata_path(void);
const char *dstleak_metadata_frees_word(void);

/*
 * Whether the free of @dst is the one hookcheck awaits in @marker (then it
 * counts nothing); only the first free at that address is.
 */
static inline bool dstleak_hookcheck_claim(const struct dst_entry **marker,
					   const struct dst_entry *dst)
{
	return unlikely(dst == READ_ONCE(*marker)) &&
	       dstleak_hookcheck_claim_slow(marker, dst);
}

/* btfcheck.c: probe prototypes against the kernel's BTF, at load. */
int dstleak_btf_load(void);
void dstleak_btf_free(void);
int dstleak_btf_check(const char *func, const char *want, char *why,
		      size_t why_len);

/* probes.c */
unsigned long dstleak_destroy_hook_missed(void);
unsigned long dstleak_metadata_free_hook_missed(void);
int dstleak_probes_init(void);
void dstleak_probes_exit(void);
unsigned int dstleak_show_probes(struct seq_file *m);
unsigned long dstleak_dst_alloc_addr(void);
u64 dstleak_alloc_returns_sum(void);
u64 dstleak_allocs_under_way(u64 returns_before);

/* report.c */
void dstleak_show_header(struct seq_file *m);
void dstleak_show_features(struct seq_file *m);
void dstleak_show_end(struct seq_file *m, unsigned long lines_before);
void dstleak_show_end_counted(struct seq_file *m);
void dstleak_show_summary(struct seq_file *m);
void dstleak_show_own_ns(struct seq_file *m, struct net *net);
const char *dstleak_family_name(enum dstleak_family fam);

/* debugfs.c: optional (debugfs=off, lockdown); 0 or why not. */
int dstleak_debugfs_init(void);
void dstleak_debugfs_exit(void);

/* procfs.c: per-namespace files, created from the pernet hooks. */
int dstleak_procfs_net_init(struct net *net);
void dstleak_procfs_net_exit(struct net *net);

#endif /* DSTLEAK_H */
