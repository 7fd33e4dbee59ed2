// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Every write is validated: a bad value is refused with
 * -EINVAL, a line in the kernel log names the parameter, and the old value
 * stays. At load time that refusal makes insmod fail.
 */
#include <linux/moduleparam.h>
#include "dstleak.h"

#define DSTLEAK_MAX_TRACKED_LIMIT (16U << 20)
#define DSTLEAK_SUSPECT_AGE_LIMIT (7U * 24 * 3600)

bool dstleak_track = true;
unsigned int dstleak_max_tracked = 65536;
bool dstleak_stacks;
unsigned int dstleak_stack_sample = 1;
unsigned int dstleak_suspect_age_s = 60;
bool dstleak_direct_off;

static int set_bounded_uint(const char *val, const struct kernel_param *kp,
			    unsigned int min, unsigned int max)
{
	unsigned int v;
	int err;

	/* Decimal only: base 0 would read "060" as 48. */
	err = kstrtouint(val, 10, &v);
	if (err || v < min || v > max) {
		pr_err("%s=%.*s: must be a number from %u to %u\n",
		       kp->name, (int)strcspn(val, "\n"), val, min, max);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int set_max_tracked(const char *val, const struct kernel_param *kp)
{
	return set_bounded_uint(val, kp, 1, DSTLEAK_MAX_TRACKED_LIMIT);
}

static int set_stack_sample(const char *val, const struct kernel_param *kp)
{
	return set_bounded_uint(val, kp, 1, 1U << 20);
}

static int set_suspect_age(const char *val, const struct kernel_param *kp)
{
	return set_bounded_uint(val, kp, 0, DSTLEAK_SUSPECT_AGE_LIMIT);
}

/*
 * Which of @words @val is, whole (a trailing newline allowed), or -1:
 * kstrtobool() alone looks at the first characters only ("nonsense" would
 * be false).
 */
static int match_word(const char *val, const char *const *words, int n)
{
	size_t len = strcspn(val, "\n");
	int i;

	if (val[len] && strcmp(val + len, "\n"))
		return -1;
	for (i = 0; i < n; i++)
		if (strlen(words[i]) == len && !strncmp(val, words[i], len))
			return i;
	return -1;
}

/* 0/1, n/y, N/Y, off/on. */
static int parse_bool(const char *val, bool *v)
{
	static const char *const words[] = { "0", "n", "N", "off",
					     "1", "y", "Y", "on" };
	int i = match_word(val, words, ARRAY_SIZE(words));

	if (i < 0)
		return -EINVAL;
	*v = i >= ARRAY_SIZE(words) / 2;
	return 0;
}

static int set_stacks(const char *val, const struct kernel_param *kp)
{
	bool v;

	if (parse_bool(val, &v)) {
		pr_err("%s=%.*s: must be 0 or 1\n", kp->name,
		       (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	WRITE_ONCE(*(bool *)kp->arg, v);
	return 0;
}

/* direct_calls: "auto" or "off" (probes.c says what each does). */
static int set_direct_calls(const char *val, const struct kernel_param *kp)
{
	static const char *const words[] = { "auto", "off" };
	int i = match_word(val, words, ARRAY_SIZE(words));

	if (i < 0) {
		pr_err("%s=%.*s: must be auto or off\n", kp->name,
		       (int)strcspn(val, "\n"), val);
		return -EINVAL;
	}
	dstleak_direct_off = i == 1;
	return 0;
}

static int get_direct_calls(char *buf, const struct kernel_param *kp)
{
	return sprintf(buf, "%s\n", dstleak_direct_off ? "off" : "auto");
}

static const struct kernel_param_ops direct_calls_ops = {
	.set = set_direct_calls,
	.get = get_direct_calls,
};

static const struct kernel_param_ops max_tracked_ops = {
	.set = set_max_tracked,
	.get = param_get_uint,
};

static const struct kernel_param_ops stack_sample_ops = {
	.set = set_stack_sample,
	.get = param_get_uint,
};

static const struct kernel_param_ops suspect_age_ops = {
	.set = set_suspect_age,
	.get = param_get_uint,
};

static const struct kernel_param_ops stacks_ops = {
	.set = set_stacks,
	.get = param_get_bool,
};

/* Whether to track, and the tracking table's size, are decided at load. */
module_param_named(track, dstleak_track, bool, 0444);
MODULE_PARM_DESC(track,
		 "Track live entries one by one (default 1); 0 counts only: frees are then credited to the namespace of the entry's device when freed, and frees_preexisting stays 0");
module_param_cb(max_tracked, &max_tracked_ops, &dstleak_max_tracked, 0444);
MODULE_PARM_DESC(max_tracked,
		 "Live entries tracked one by one, 1..16777216 (default 65536); past it entries are counted, not tracked");
module_param_cb(direct_calls, &direct_calls_ops, NULL, 0444);
MODULE_PARM_DESC(direct_calls,
		 "auto (default): hook dst_alloc() and dst_destroy() with ftrace direct calls where the kernel has them and the load-time checks prove them; off: a kretprobe and an ftrace_ops hook, which leave both functions free for BPF fentry/fexit programs");
module_param_cb(stacks, &stacks_ops, &dstleak_stacks, 0644);
MODULE_PARM_DESC(stacks, "Record allocation stacks of tracked entries (default 0)");
module_param_cb(stack_sample, &stack_sample_ops, &dstleak_stack_sample, 0644);
MODULE_PARM_DESC(stack_sample, "Record the stack of 1 in N allocations, 1..1048576 (default 1)");
module_param_cb(suspect_age_s, &suspect_age_ops, &dstleak_suspect_age_s, 0644);
MODULE_PARM_DESC(suspect_age_s, "Age in seconds before a leaking entry is a suspect, 0..604800 (default 60)");
