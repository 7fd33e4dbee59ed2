// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * map.c - a hash table from 64-bit keys (namespace cookies and inodes) to
 * 64-bit values. Open addressing with linear probing, kept at most half
 * full; keys are mixed first, as inodes and cookies come in runs that would
 * otherwise fill neighbouring slots. Hosts run 100,000 namespaces: every
 * lookup the reader makes per namespace must be O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "dl.h"

/* splitmix64's finalizer: every key bit moves every slot bit. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void dl_map_init(struct dl_map *m)
{
	memset(m, 0, sizeof(*m));
}

/* The slot of key, or the empty slot where it would go. */
static size_t slot(const struct dl_map *m, uint64_t key)
{
	size_t i = (size_t)mix(key) & (m->cap - 1);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

uint64_t *dl_map_get(const struct dl_map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = slot(m, key);
	return m->used[i] ? &m->vals[i] : NULL;
}

static void rehash(struct dl_map *m)
{
	struct dl_map old = *m;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 64;
	m->keys = dl_xrealloc(NULL, m->cap, sizeof(*m->keys));
	m->vals = dl_xrealloc(NULL, m->cap, sizeof(*m->vals));
	m->used = dl_xrealloc(NULL, m->cap, 1);
	memset(m->used, 0, m->cap);
	for (i = 0; i < old.cap; i++) {
		size_t k;

		if (!old.used[i])
			continue;
		k = slot(m, old.keys[i]);
		m->used[k] = 1;
		m->keys[k] = old.keys[i];
		m->vals[k] = old.vals[i];
	}
	free(old.keys);
	free(old.vals);
	free(old.used);
}

uint64_t *dl_map_put(struct dl_map *m, uint64_t key, uint64_t val, bool *added)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		rehash(m);
	i = slot(m, key);
	*added = !m->used[i];
	if (*added) {
		m->used[i] = 1;
		m->keys[i] = key;
		m->vals[i] = val;
		m->n++;
	}
	return &m->vals[i];
}

void dl_map_free(struct dl_map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	dl_map_init(m);
}
