// SPDX-License-Identifier: GPL-2.0
/*
 * Prototypes checked before probes are armed. A handler reads its
 * function's arguments by position and type (probes.c's table says which:
 * "RET|INDEX=TYPE;..."); a kernel whose function takes them otherwise (a
 * vendor backport, a static function whose signature changed) would have
 * the handler dereference the wrong thing in softirq. Where the kernel
 * carries BTF (/sys/kernel/btf/vmlinux), each probe's prototype is read
 * from it (btf_proto.h) and compared first: a disagreement leaves an
 * optional probe out and refuses the load for a required one, each with a
 * line saying which argument differs. Without BTF nothing is checked here,
 * and the load says so; tests/probes.sh checks the test kernels' BTF and
 * System.map against the same table.
 *
 * The BTF is read into memory for the check only (a few MB) and freed
 * before the module finishes loading.
 */
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "dstleak.h"
#include "btf_proto.h"

#define DSTLEAK_BTF_PATH "/sys/kernel/btf/vmlinux"
#define DSTLEAK_BTF_MAX (64U << 20)

/* Held from dstleak_btf_load() to dstleak_btf_free(), during init only. */
static struct {
	struct bp_btf bp;
	void *blob;
} btf;

static void *read_whole(struct file *f, size_t size)
{
	loff_t pos = 0;
	ssize_t n;
	void *buf = kvmalloc(size, GFP_KERNEL);

	if (!buf)
		return NULL;
	while (pos < size) {
		n = kernel_read(f, buf + pos, size - pos, &pos);
		if (n <= 0) {
			kvfree(buf);
			return NULL;
		}
	}
	return buf;
}

/* 0 and the kernel's BTF indexed, or -ENOENT where it has none. */
int dstleak_btf_load(void)
{
	typeof(btf) *b = &btf;
	struct file *f;
	loff_t size;
	int err = -ENOMEM;

	memset(b, 0, sizeof(*b));
	f = filp_open(DSTLEAK_BTF_PATH, O_RDONLY, 0);
	if (IS_ERR(f))
		return -ENOENT;
	size = i_size_read(file_inode(f));
	if (size <= 0 || size > DSTLEAK_BTF_MAX) {
		filp_close(f, NULL);
		return -EFBIG;
	}
	b->blob = read_whole(f, size);
	filp_close(f, NULL);
	if (!b->blob)
		return -ENOMEM;
	if (bp_open(&b->bp, b->blob, size)) {
		err = -EINVAL;
		goto fail;
	}
	b->bp.offs = kvmalloc_array(max(b->bp.nr, 1U), sizeof(u32), GFP_KERNEL);
	if (!b->bp.offs)
		goto fail;
	bp_index(&b->bp);
	return 0;
fail:
	dstleak_btf_free();
	return err;
}

void dstleak_btf_free(void)
{
	kvfree(btf.bp.offs);
	kvfree(btf.blob);
	memset(&btf, 0, sizeof(btf));
}

/*
 * Whether every function named @func in the BTF agrees with @want: 0;
 * -ENOENT when none is there; -EPROTO with @why filled when one differs.
 */
int dstleak_btf_check(const char *func, const char *want, char *why,
		      size_t why_len)
{
	char *have = kmalloc(DSTLEAK_BTF_PROTO_MAX, GFP_KERNEL);
	const u8 *t;
	u32 id = 0;
	int err = -ENOENT;

	if (!have)
		return -ENOMEM;
	while (!bp_next_func(&btf.bp, func, &id, &t)) {
		if (bp_render_func(&btf.bp, t, have, DSTLEAK_BTF_PROTO_MAX)) {
			snprintf(why, why_len, "its BTF prototype is unreadable");
			err = -EPROTO;
			break;
		}
		err = 0;
		if (!bp_agrees(have, want, why, why_len)) {
			err = -EPROTO;
			break;
		}
	}
	kfree(have);
	return err;
}
