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
	uint64_t inum;
	int prio; /* 1 netns name, 2 process */
	unsigned long pid;
	char *name;
};

struct dl_names {
	struct dl_name *v;
	size_t n;
};

static struct dl_name *lookup(struct dl_names *n, uint64_t inum)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (n->v[i].inum == inum)
			return &n->v[i];
	return NULL;
}

/* Keep the better name: an ip netns name, then the lower pid, then a-z. */
static void offer(struct dl_names *n, uint64_t inum, int prio,
		  unsigned long pid, const char *name)
{
	struct dl_name *e = lookup(n, inum);

	if (e) {
		if (e->prio < prio)
			return;
		if (e->prio == prio && prio == 2 && e->pid <= pid)
			return;
		if (e->prio == prio && prio == 1 && strcmp(e->name, name) <= 0)
			return;
		free(e->name);
	} else {
		n->v = dl_xrealloc(n->v, n->n + 1, sizeof(*n->v));
		e = &n->v[n->n++];
	}
	e->inum = inum;
	e->prio = prio;
	e->pid = pid;
	e->name = dl_xstrndup(name, strlen(name));
	dl_sanitize(e->name);
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
			offer(n, (uint64_t)st.st_ino, 1, 0, de->d_name);
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
		offer(n, inum, 2, pid, name);
	}
	closedir(d);
}

struct dl_names *dl_names_load(void)
{
	struct dl_names *n = dl_xrealloc(NULL, 1, sizeof(*n));

	memset(n, 0, sizeof(*n));
	scan_netns(n);
	scan_procs(n);
	return n;
}

const char *dl_names_get(const struct dl_names *n, uint64_t inum)
{
	size_t i;

	if (!n)
		return NULL;
	for (i = 0; i < n->n; i++)
		if (n->v[i].inum == inum)
			return n->v[i].name;
	return NULL;
}

void dl_names_free(struct dl_names *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++)
		free(n->v[i].name);
	free(n->v);
	free(n);
}
