// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * names.c - the names people know network namespaces by.
 *
 *  1. the "ip netns" name: a file in /run/netns whose inode is the
 *     namespace's (ip netns bind-mounts the nsfs file there);
 *  2. else a process living in it, "comm[pid]", the lowest pid (a
 *     container's init), from readlink /proc/PID/ns/net = "net:[INUM]";
 *  3. else none: the caller shows the inode.
 *
 * An exited namespace gets no name: its inode may already be a new
 * namespace's (the kernel reuses them), whose name would mislead. Names
 * are kept in a hash table: a host may run 100,000 namespaces.
 * Roots are $DSTLEAK_NETNS_DIR (default /run/netns) and $DSTLEAK_PROC
 * (default /proc), so tests run on fixture trees.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dl.h"

struct dl_name {
	char *netns; /* the ip netns name, the first a-z */
	char *proc; /* comm[pid] of the lowest pid */
	unsigned long pid;
};

struct dl_names {
	struct dl_map map; /* inode -> index in v */
	struct dl_name *v;
	size_t n, cap;
};

static struct dl_name *entry(struct dl_names *n, uint64_t inum)
{
	bool added;
	uint64_t *at = dl_map_put(&n->map, inum, n->n, &added);

	if (added) {
		n->v = dl_grow(n->v, n->n, &n->cap, sizeof(*n->v));
		memset(&n->v[n->n], 0, sizeof(n->v[0]));
		n->n++;
	}
	return &n->v[*at];
}

static void offer_netns(struct dl_names *n, uint64_t inum, const char *name)
{
	struct dl_name *e = entry(n, inum);

	if (e->netns && strcmp(e->netns, name) <= 0)
		return;
	free(e->netns);
	e->netns = dl_clean(name, strlen(name));
}

static void offer_proc(struct dl_names *n, uint64_t inum, unsigned long pid,
		       const char *name)
{
	struct dl_name *e = entry(n, inum);

	if (e->proc && e->pid <= pid)
		return;
	free(e->proc);
	e->proc = dl_clean(name, strlen(name));
	e->pid = pid;
}

static void scan_netns(struct dl_names *n)
{
	const char *dir = dl_env_root("DSTLEAK_NETNS_DIR", "/run/netns");
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0)
			offer_netns(n, (uint64_t)st.st_ino, de->d_name);
	}
	closedir(d);
}

static void scan_procs(struct dl_names *n)
{
	const char *root = dl_env_root("DSTLEAK_PROC", "/proc");
	struct dirent *de;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[512], link[64], comm[64], name[96];
		unsigned long pid;
		uint64_t inum;
		char *end;
		ssize_t r;
		size_t cl;
		int fd;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		errno = 0;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || errno)
			continue;
		snprintf(path, sizeof(path), "%s/%lu/ns/net", root, pid);
		r = readlink(path, link, sizeof(link) - 1);
		if (r <= 0)
			continue;
		link[r] = 0;
		if (strncmp(link, "net:[", 5) || link[r - 1] != ']' ||
		    dl_parse_u64(link + 5, (size_t)r - 6, &inum))
			continue;
		snprintf(path, sizeof(path), "%s/%lu/comm", root, pid);
		strcpy(comm, "?");
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			r = read(fd, comm, sizeof(comm) - 1);
			close(fd);
			if (r > 0) {
				comm[r] = 0;
				cl = strcspn(comm, "\n");
				comm[cl] = 0;
			} else {
				strcpy(comm, "?");
			}
		}
		snprintf(name, sizeof(name), "%s[%lu]", comm, pid);
		offer_proc(n, inum, pid, name);
	}
	closedir(d);
}

struct dl_names *dl_names_load(void)
{
	struct dl_names *n = dl_xrealloc(NULL, 1, sizeof(*n));

	memset(n, 0, sizeof(*n));
	dl_map_init(&n->map);
	scan_netns(n);
	scan_procs(n);
	return n;
}

static const struct dl_name *find(const struct dl_names *n, uint64_t inum)
{
	const uint64_t *at = n ? dl_map_get(&n->map, inum) : NULL;

	return at ? &n->v[*at] : NULL;
}

const char *dl_names_get(const struct dl_names *n, uint64_t inum)
{
	const struct dl_name *e = find(n, inum);

	return !e ? NULL : e->netns ? e->netns : e->proc;
}

const char *dl_names_netns(const struct dl_names *n, uint64_t inum)
{
	const struct dl_name *e = find(n, inum);

	return e ? e->netns : NULL;
}

const char *dl_ns_name(const struct dl_names *n, const struct dl_ns *ns)
{
	return ns->exited ? NULL : dl_names_get(n, ns->id.inum);
}

void dl_names_free(struct dl_names *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		free(n->v[i].netns);
		free(n->v[i].proc);
	}
	free(n->v);
	dl_map_free(&n->map);
	free(n);
}
