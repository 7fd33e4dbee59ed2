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
 * it are alive: then it is listed as exited.
 */
struct dstleak_ns {
	struct list_head list;		/* dstleak_ns_list, under the mutex */
	struct rcu_work free_work;
	struct net *net;		/* NULL once exited (under the mutex) */
	unsigned int inum;
	bool exited;
	unsigned long exit_gp;		/* RCU state when it exited */
	struct dstleak_ns_pcpu __percpu *pcpu;
	struct dstleak_ev_pcpu __percpu *ev;
	atomic_long_t folded[DSTLEAK_NR_FAMILIES];	/* for the peak: hotpath.h */
	atomic_long_t peak[DSTLEAK_NR_FAMILIES];
	atomic_long_t untracked[DSTLEAK_NR_FAMILIES];
	/* Kernel counter minus what dstleak had counted, at calibration. */
	s64 base[DSTLEAK_NR_FAMILIES];
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
int dstleak_netns_init(void);
void dstleak_netns_exit(void);
void dstleak_netns_calibrate(void);
struct dstleak_ns *dstleak_ns_of_net(const struct net *net);

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
void dstleak_prune_exited(void);
s64 dstleak_ipv4_retired(void);
s64 dstleak_ipv4_base(void);
extern atomic_long_t dstleak_unattributed;

/* track.c: the live entries allocated since load. */
struct dstleak_obj {
	struct hlist_bl_node node;
	union {
		const struct dst_entry *dst;	/* the key, while in the table */
		struct dstleak_obj *free_next;	/* while in a free list */
	};
	struct dstleak_ns *ns;
	unsigned long born;		/* jiffies */
	u32 stack;			/* stack depot handle, 0 if none */
	u8 family;
	u8 nocount;
};

int dstleak_track_init(unsigned int max);
void dstleak_track_exit(void);
bool dstleak_track_add(const struct dst_entry *dst, struct dstleak_ns *ns,
		       enum dstleak_family fam, bool nocount, u32 stack);
/* What a removed record said; returned by value, as dstleak_class. */
struct dstleak_tracked {
	struct dstleak_ns *ns;
	u8 family;
	u8 nocount;
};

struct dstleak_tracked dstleak_track_del(const struct dst_entry *dst);
u64 dstleak_track_count(void);
u64 dstleak_track_overflow(void);
size_t dstleak_track_bytes(void);
unsigned int dstleak_track_max(void);

/* What a report sees of one tracked entry, copied under its bucket lock. */
struct dstleak_view {
	unsigned long id;		/* hashed entry address */
	unsigned int inum;
	bool netns_exited;
	u8 family;
	u32 stack;
	unsigned long born;
	int refcnt;
	int obsolete;
	u8 devstate;			/* enum dstleak_devstate */
	char dev[IFNAMSIZ];
};

enum dstleak_devstate {
	DSTLEAK_DEV_NONE,
	DSTLEAK_DEV_UP,
	DSTLEAK_DEV_DOWN,
	DSTLEAK_DEV_UNREGISTERING,
	DSTLEAK_DEV_GONE,		/* moved to blackhole_netdev */
};

unsigned int dstleak_track_nr_buckets(void);
unsigned int dstleak_track_view_bucket(unsigned int bucket, unsigned int skip,
				       struct dstleak_view *views,
				       unsigned int max);

/* inspect.c: reading tracked entries for objects and suspects. */
void dstleak_view_fill(struct dstleak_view *v, const struct dstleak_obj *obj);
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
	DSTLEAK_PROBE_DST_ALLOC,
	DSTLEAK_PROBE_DST_DESTROY,
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

/* events.c: handlers of the optional probes, and their report. */
struct kretprobe_instance;
struct kprobe;
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
void dstleak_show_events(struct seq_file *m, struct dstleak_ns *ns);

/* probes.c */
int dstleak_probes_init(void);
void dstleak_probes_exit(void);
void dstleak_show_probes(struct seq_file *m);
unsigned long dstleak_dst_alloc_addr(void);
bool dstleak_frees_missed(void);

/* report.c */
void dstleak_show_header(struct seq_file *m);
void dstleak_show_summary(struct seq_file *m, const struct net *only);
const char *dstleak_family_name(enum dstleak_family fam);

/* debugfs.c */
int dstleak_debugfs_init(void);
void dstleak_debugfs_exit(void);

/* procfs.c: per-namespace files, created from the pernet hooks. */
int dstleak_procfs_net_init(struct net *net);
void dstleak_procfs_net_exit(struct net *net);

#endif /* DSTLEAK_H */
