/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * strtab.h - interned strings: each distinct string gets a small id
 * (1, 2, ...; 0 is "none"), so records keep ids and reports print names.
 */
#ifndef PMTRACE_STRTAB_H
#define PMTRACE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct pmt_strtab {
	char **strs;      /* strs[id - 1] */
	uint32_t n, cap;
	uint32_t *slots;  /* open addressing: id or 0 */
	uint32_t nslots;  /* power of two */
	/* Optional allocator (NULL: realloc() and free()): @ptr resized to
	 * @size bytes, NULL on failure; @size 0 frees. Set after init. */
	void *(*realloc_fn)(void *ctx, void *ptr, size_t size);
	void *alloc_ctx;
};

/* Empty table; accepts a zeroed struct. */
void pmt_strtab_init(struct pmt_strtab *t);
void pmt_strtab_free(struct pmt_strtab *t);
/* Id of @s (@len bytes), added when new; 0 on allocation failure. */
uint32_t pmt_strtab_intern(struct pmt_strtab *t, const char *s, size_t len);
/* The string of @id, or NULL for 0 or an unknown id. */
const char *pmt_strtab_get(const struct pmt_strtab *t, uint32_t id);

#endif
