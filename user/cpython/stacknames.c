// SPDX-License-Identifier: BSD-2-Clause
/*
 * stacknames.c - deep Python stacks by id, resolved to names once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/bpf_backend.h"
#include "cpython/stacknames.h"

int pmt_stacknames_init(struct pmt_stacknames *sn, pid_t pid, const struct pmt_pylayout *l)
{
	memset(sn, 0, sizeof(*sn));
	pmt_strtab_init(&sn->strs);
	sn->nslots = 1024;
	sn->slot_id = calloc(sn->nslots, sizeof(*sn->slot_id));
	sn->slot_ix = calloc(sn->nslots, sizeof(*sn->slot_ix));
	if (!sn->slot_id || !sn->slot_ix || pmt_pystack_cache_init(&sn->pyc, pid, l, 4096)) {
		pmt_stacknames_free(sn);
		return -ENOMEM;
	}
	sn->ready = true;
	return 0;
}

void pmt_stacknames_free(struct pmt_stacknames *sn)
{
	if (!sn)
		return;
	pmt_strtab_free(&sn->strs);
	pmt_pystack_cache_free(&sn->pyc);
	free(sn->v);
	free(sn->slot_id);
	free(sn->slot_ix);
	memset(sn, 0, sizeof(*sn));
}

static size_t slot_of(const struct pmt_stacknames *sn, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL >> 20) & (sn->nslots - 1);

	while (sn->slot_ix[i] && sn->slot_id[i] != id)
		i = (i + 1) & (sn->nslots - 1);
	return i;
}

static int grow_slots(struct pmt_stacknames *sn)
{
	size_t old = sn->nslots, i;
	uint64_t *oid = sn->slot_id;
	uint32_t *oix = sn->slot_ix;

	sn->nslots = old * 2;
	sn->slot_id = calloc(sn->nslots, sizeof(*sn->slot_id));
	sn->slot_ix = calloc(sn->nslots, sizeof(*sn->slot_ix));
	if (!sn->slot_id || !sn->slot_ix) {
		free(sn->slot_id);
		free(sn->slot_ix);
		sn->slot_id = oid;
		sn->slot_ix = oix;
		sn->nslots = old;
		return -ENOMEM;
	}
	for (i = 0; i < old; i++) {
		size_t j;

		if (!oix[i])
			continue;
		j = slot_of(sn, oid[i]);
		sn->slot_id[j] = oid[i];
		sn->slot_ix[j] = oix[i];
	}
	free(oid);
	free(oix);
	return 0;
}

static uint32_t frame_name(struct pmt_stacknames *sn, uint64_t code, uint64_t pos)
{
	struct pmt_pyframe pf;
	char buf[PMT_PYFUNC_MAX + PMT_PYFILE_MAX + 32];
	int n;

	if (pmt_pystack_cache_resolve(&sn->pyc, code, pos, &pf))
		n = snprintf(buf, sizeof(buf), "<unreadable code object 0x%llx>",
			     (unsigned long long)code);
	else
		n = snprintf(buf, sizeof(buf), "%s (%s:%d)", pf.func, pf.file, pf.line);
	if (n < 0)
		return 0;
	return pmt_strtab_intern(&sn->strs, buf, (size_t)n < sizeof(buf) ? (size_t)n :
					     sizeof(buf) - 1);
}

const struct pmt_stackname *pmt_stacknames_get(struct pmt_stacknames *sn, struct pmt_bpf *b,
					       uint64_t id)
{
	struct pmt_pystack raw;
	struct pmt_stackname *s;
	char *joined;
	size_t i, j, len = 0;

	if (!sn->ready || !id)
		return NULL;
	i = slot_of(sn, id);
	if (sn->slot_ix[i])
		return &sn->v[sn->slot_ix[i] - 1];
	if (pmt_bpf_stack_take(b, id, &raw)) {
		sn->unresolved++;
		return NULL;
	}
	if ((sn->n + 1) * 2 > sn->nslots) {
		if (grow_slots(sn))
			return NULL;
		i = slot_of(sn, id);
	}
	if (sn->n == sn->cap) {
		size_t nc = sn->cap ? sn->cap * 2 : 256;
		struct pmt_stackname *nv = realloc(sn->v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		sn->v = nv;
		sn->cap = nc;
	}
	s = &sn->v[sn->n];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->flags = raw.flags;
	s->depth = raw.depth < PMT_STACK_DEPTH ? raw.depth : PMT_STACK_DEPTH;
	for (j = 0; j < s->depth; j++) {
		s->frames[j] = frame_name(sn, raw.code[j], raw.pos[j]);
		len += strlen(pmt_stacknames_str(sn, s->frames[j])) + 1;
	}
	joined = malloc(len + 16);
	if (joined) {
		char *p = joined;

		for (j = 0; j < s->depth; j++) {
			const char *f = pmt_stacknames_str(sn, s->frames[j]);
			size_t fl = strlen(f);

			memcpy(p, f, fl);
			p += fl;
			*p++ = '\n';
		}
		p += sprintf(p, "%u", s->flags & PMT_PYF_FAULT ? 1u : 0u);
		s->key = pmt_strtab_intern(&sn->strs, joined, (size_t)(p - joined));
		free(joined);
	}
	sn->slot_id[i] = id;
	sn->slot_ix[i] = (uint32_t)(++sn->n);
	return s;
}

const struct pmt_stackname *pmt_stacknames_find(const struct pmt_stacknames *sn, uint64_t id)
{
	size_t i;

	if (!sn->ready || !id)
		return NULL;
	i = slot_of(sn, id);
	return sn->slot_ix[i] ? &sn->v[sn->slot_ix[i] - 1] : NULL;
}

const char *pmt_stacknames_str(const struct pmt_stacknames *sn, uint32_t sid)
{
	const char *s = pmt_strtab_get(&sn->strs, sid);

	return s ? s : "";
}
