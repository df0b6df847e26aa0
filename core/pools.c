// SPDX-License-Identifier: BSD-2-Clause
/*
 * pools.c - the object pool analyzer's rules (see pools.h): per-frame
 * distributions, lifetime bins, classification, the pool size rule, the
 * young generation's counter replayed with and without a class, savings
 * and ranking.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/pools.h"

#define EXACT_LIMIT 65536ULL /* values below are kept exactly */
#define SIG_BITS 16          /* significant bits kept above */

/* ---- per-frame distributions ---------------------------------------------- */

void pmt_pool_dist_init(struct pmt_pool_dist *d)
{
	memset(d, 0, sizeof(*d));
}

void pmt_pool_dist_free(struct pmt_pool_dist *d)
{
	free(d->b);
	pmt_pool_dist_init(d);
}

static uint64_t dist_key(uint64_t v)
{
	unsigned bits = 0;
	uint64_t x = v;

	if (v < EXACT_LIMIT)
		return v;
	while (x) {
		bits++;
		x >>= 1;
	}
	return (v >> (bits - SIG_BITS)) << (bits - SIG_BITS);
}

/* Index of the first bin with value >= @k. */
static uint32_t dist_find(const struct pmt_pool_dist *d, uint64_t k)
{
	uint32_t lo = 0, hi = d->nb;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (d->b[mid].v < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int pmt_pool_dist_add(struct pmt_pool_dist *d, uint64_t v, uint64_t times)
{
	uint64_t k = dist_key(v);
	uint32_t i;

	if (!times)
		return 0;
	i = dist_find(d, k);
	if (i == d->nb || d->b[i].v != k) {
		if (d->nb == d->cap) {
			uint32_t nc = d->cap ? d->cap * 2 : 8;
			struct pmt_pool_dist_bin *nb = realloc(d->b, nc * sizeof(*nb));

			if (!nb)
				return -ENOMEM;
			d->b = nb;
			d->cap = nc;
		}
		memmove(d->b + i + 1, d->b + i, (d->nb - i) * sizeof(*d->b));
		d->b[i].v = k;
		d->b[i].n = 0;
		d->nb++;
	}
	d->b[i].n += times;
	d->n += times;
	d->sum += (double)v * (double)times;
	if (v > d->max)
		d->max = v;
	return 0;
}

int pmt_pool_dist_merge(struct pmt_pool_dist *into, const struct pmt_pool_dist *from)
{
	uint32_t i;
	double sum = into->sum + from->sum;
	uint64_t max = into->max > from->max ? into->max : from->max;

	for (i = 0; i < from->nb; i++)
		if (pmt_pool_dist_add(into, from->b[i].v, from->b[i].n))
			return -ENOMEM;
	/* The bins' values may be rounded: keep the exact sum and max. */
	into->sum = sum;
	into->max = max;
	return 0;
}

uint64_t pmt_pool_dist_quantile(const struct pmt_pool_dist *d, double q, uint64_t frames)
{
	uint64_t total = frames > d->n ? frames : d->n, zeros = total - d->n, rank, cum = 0;
	uint32_t i;

	if (!total)
		return 0;
	if (q <= 0)
		q = 1e-12;
	if (q > 1)
		q = 1;
	rank = (uint64_t)ceil(q * (double)total - 1e-9);
	if (rank < 1)
		rank = 1;
	if (rank > total)
		rank = total;
	if (rank <= zeros)
		return 0;
	rank -= zeros;
	for (i = 0; i < d->nb; i++) {
		cum += d->b[i].n;
		if (cum >= rank)
			return d->b[i].v;
	}
	return d->max;
}

/* The nearest rank of @q among @total, at least 1. */
static uint64_t rank_of(double q, uint64_t total)
{
	uint64_t rank = (uint64_t)ceil(q * (double)total - 1e-9);

	return rank < 1 ? 1 : rank > total ? total : rank;
}

void pmt_pool_dist_summary(const struct pmt_pool_dist *d, uint64_t frames,
			   struct pmt_pool_quant *out)
{
	uint64_t total = frames > d->n ? frames : d->n, zeros = total - d->n, r50, r99, cum = zeros;
	uint32_t i;

	memset(out, 0, sizeof(*out));
	if (!total)
		return;
	out->mean = d->sum / (double)total;
	out->max = d->max;
	/* Both quantiles in one walk over the bins (reports summarise thousands). */
	r50 = rank_of(0.5, total);
	r99 = rank_of(0.99, total);
	for (i = 0; i < d->nb && cum < r99; i++) {
		uint64_t before = cum;

		cum += d->b[i].n;
		if (before < r50 && cum >= r50)
			out->p50 = d->b[i].v;
		if (cum >= r99)
			out->p99 = d->b[i].v;
	}
	if (r99 > cum)
		out->p99 = d->max;
	/* A rounded bin never reports more than was seen. */
	if (out->p99 > out->max)
		out->p99 = out->max;
	if (out->p50 > out->max)
		out->p50 = out->max;
}

/* ---- lifetimes ------------------------------------------------------------- */

enum pmt_pool_life pmt_pool_life_bin(uint64_t frames)
{
	if (frames == 0)
		return PMT_LIFE_SAME;
	if (frames == 1)
		return PMT_LIFE_1;
	if (frames <= 3)
		return PMT_LIFE_2_3;
	if (frames <= 15)
		return PMT_LIFE_4_15;
	if (frames <= 255)
		return PMT_LIFE_16_255;
	return PMT_LIFE_LONGER;
}

const char *pmt_pool_life_name(enum pmt_pool_life b)
{
	static const char *const names[PMT_LIFE_BINS] = {
		"same_frame", "1", "2-3", "4-15", "16-255", "longer", "alive",
	};

	return (unsigned)b < PMT_LIFE_BINS ? names[b] : "?";
}

/* ---- classification ---------------------------------------------------------- */

enum pmt_pool_kind pmt_pool_classify(const struct pmt_pool_traits *t)
{
	uint64_t all = 0, shortl = 0;
	int i;

	if (t->reuse_seen)
		return PMT_POOL_ALREADY_POOLED;
	for (i = 0; i < PMT_LIFE_BINS; i++)
		all += t->life[i];
	if (all < PMT_POOL_MIN_LIVES)
		return PMT_POOL_UNDETERMINED;
	if (2 * t->life[PMT_LIFE_SAME] >= all)
		return PMT_POOL_TRANSIENT;
	for (i = PMT_LIFE_SAME; i <= PMT_LIFE_4_15; i++)
		shortl += t->life[i];
	if (2 * shortl >= all)
		return PMT_POOL_SHORT_LIVED;
	return PMT_POOL_PERSISTENT;
}

const char *pmt_pool_kind_name(enum pmt_pool_kind k)
{
	switch (k) {
	case PMT_POOL_TRANSIENT:
		return "transient";
	case PMT_POOL_SHORT_LIVED:
		return "short-lived";
	case PMT_POOL_PERSISTENT:
		return "persistent";
	case PMT_POOL_ALREADY_POOLED:
		return "already pooled";
	default:
		return "undetermined";
	}
}

/* ---- a free list seen from outside ---------------------------------------------- */

void pmt_pool_freelist_see(struct pmt_pool_freelist *f, uint64_t frame, uint64_t len)
{
	if (!f->readings) {
		f->first_frame = frame;
		f->len_min = f->len_max = len;
	} else {
		if (len > f->len_last) {
			f->moved += len - f->len_last;
			f->rises++;
		} else if (len < f->len_last) {
			f->moved += f->len_last - len;
			f->falls++;
		}
		if (len < f->len_min)
			f->len_min = len;
		if (len > f->len_max)
			f->len_max = len;
	}
	f->readings++;
	f->last_frame = frame;
	f->len_last = len;
}

bool pmt_pool_reuse_seen(const struct pmt_pool_freelist *f, double events_per_frame)
{
	double frames, explained;

	if (events_per_frame < 0 || !f->rises || !f->falls || f->moved < PMT_POOL_REUSE_MIN_MOVES)
		return false;
	frames = f->last_frame > f->first_frame ? (double)(f->last_frame - f->first_frame) : 1.0;
	explained = events_per_frame * frames;
	return (double)f->moved >= PMT_POOL_REUSE_FACTOR * explained;
}

/* ---- pool size -------------------------------------------------------------- */

uint64_t pmt_pool_size_rule(uint64_t p99_demand)
{
	uint64_t head;

	if (!p99_demand)
		return 0;
	head = (p99_demand + 3) / 4;
	return p99_demand + (head < 2 ? 2 : head);
}

uint64_t pmt_pool_overflow(const struct pmt_pool_dist *demand, uint64_t size)
{
	uint64_t over = 0;
	uint32_t i;

	for (i = 0; i < demand->nb; i++)
		if (demand->b[i].v > size)
			over += (demand->b[i].v - size) * demand->b[i].n;
	return over;
}

/* ---- the young generation's collections --------------------------------------- */

struct counter {
	double s;       /* the count */
	uint64_t trig;  /* collections it triggered */
};

/* One step of @d on the counter: clamped at 0, a collection above threshold. */
static void counter_step(struct counter *c, double d, double t1, bool collect)
{
	c->s += d;
	if (c->s < 0)
		c->s = 0;
	if (!collect)
		return;
	if (c->s >= t1) {
		double k = floor(c->s / t1);

		c->s -= k * t1;
		c->trig += (uint64_t)k;
	}
}

static int prog_add(struct pmt_gen0_prog *g, double real, double alt, uint32_t tag, bool others)
{
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 1024;
		struct pmt_gen0_op *n = realloc(g->op, nc * sizeof(*n));

		if (!n)
			return -ENOMEM;
		g->op = n;
		g->cap = nc;
	}
	g->op[g->n].real = real;
	g->op[g->n].alt = alt;
	g->op[g->n].tag = tag;
	g->op[g->n].others = others;
	g->n++;
	return 0;
}

void pmt_gen0_prog_free(struct pmt_gen0_prog *g)
{
	free(g->op);
	memset(g, 0, sizeof(*g));
}

int pmt_gen0_compile(const struct pmt_gen0_params *p, const struct pmt_gen0_item *v, size_t n,
		     struct pmt_gen0_prog *g)
{
	struct counter before_r;
	size_t i, j, first = n, prev = n;
	uint64_t coll_first = 0, coll_last = 0;
	double last_count = 0;
	int pass;

	g->n = 0;
	g->readings = g->events = g->triggers_seen = 0;
	g->seen = g->first_count = 0;
	g->collect = p->enabled && p->threshold > 0;
	g->t1 = (double)p->threshold + 1;
	if (p->threshold < 0)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct pmt_gen0_item *it = &v[i];
		double known = 0, others;
		uint64_t k;

		if (it->kind == PMT_GEN0_EVENT) {
			if (first < n)
				g->events++;
			continue;
		}
		if (it->kind != PMT_GEN0_READ)
			continue;
		g->readings++;
		if (first == n) {
			first = prev = i;
			g->first_count = last_count = it->count;
			coll_first = coll_last = it->collections;
			continue;
		}
		k = it->collections >= v[prev].collections ? it->collections - v[prev].collections : 0;
		/*
		 * What the interpreter did that no event says, as one step:
		 * from where the events after the earlier reading left the
		 * counter (clamped as the interpreter clamps) to where the
		 * events before this reading must have started.
		 */
		before_r.s = v[prev].count;
		before_r.trig = 0;
		for (j = prev + 1; j < i; j++) {
			if (v[j].kind != PMT_GEN0_EVENT)
				continue;
			if (v[j].after_read)
				counter_step(&before_r, v[j].real, g->t1, g->collect);
			else
				known += v[j].real;
		}
		if (g->collect)
			k = k > before_r.trig ? k - before_r.trig : 0;
		others = (double)it->count + (g->collect ? (double)k * g->t1 : 0) - known - before_r.s;
		/* The gap in order: events after the earlier reading, the rest, events before this. */
		for (pass = 0; pass < 2; pass++) {
			for (j = prev + 1; j < i; j++)
				if (v[j].kind == PMT_GEN0_EVENT && (v[j].after_read ? 0 : 1) == pass &&
				    prog_add(g, v[j].real, v[j].alt, v[j].tag, false))
					return -ENOMEM;
			if (!pass && prog_add(g, others, others, 0, true))
				return -ENOMEM;
		}
		last_count = it->count;
		coll_last = it->collections;
		prev = i;
	}
	if (g->readings < 2)
		return -EINVAL;
	g->triggers_seen = coll_last >= coll_first ? coll_last - coll_first : 0;
	g->seen = g->collect ? (double)g->triggers_seen + (last_count - g->first_count) / g->t1 : 0;
	return 0;
}

double pmt_gen0_run(const struct pmt_gen0_prog *g, const double *alt_by_op)
{
	struct counter c = { g->first_count, 0 };
	size_t i;

	if (!g->collect)
		return 0;
	for (i = 0; i < g->n; i++)
		counter_step(&c, alt_by_op ? alt_by_op[i] : g->op[i].real, g->t1, true);
	return (double)c.trig + (c.s - g->first_count) / g->t1;
}

int pmt_gen0_replay(const struct pmt_gen0_params *p, const struct pmt_gen0_item *v, size_t n,
		    pmt_gen0_alt_fn alt, void *ctx, struct pmt_gen0_result *out)
{
	struct pmt_gen0_prog g = { 0 };
	struct pmt_gen0_item it = { 0 };
	double *a = NULL;
	size_t i;
	int err;

	memset(out, 0, sizeof(*out));
	err = pmt_gen0_compile(p, v, n, &g);
	if (err)
		goto out;
	out->readings = g.readings;
	out->events = g.events;
	out->triggers_seen = g.triggers_seen;
	if (!g.collect)
		goto out; /* nothing is collected automatically, either way */
	a = malloc((g.n ? g.n : 1) * sizeof(*a));
	if (!a) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < g.n; i++) {
		it.kind = PMT_GEN0_EVENT;
		it.real = g.op[i].real;
		it.alt = g.op[i].alt;
		it.tag = g.op[i].tag;
		a[i] = g.op[i].others ? g.op[i].real : alt ? alt(ctx, &it) : g.op[i].alt;
	}
	out->seen = g.seen;
	out->replayed = pmt_gen0_run(&g, NULL);
	out->alt = pmt_gen0_run(&g, a);
out:
	free(a);
	pmt_gen0_prog_free(&g);
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double pmt_gen0_weight(const double *steps, size_t n, double fallback)
{
	double *s, sum = 0;
	size_t i, cut, m = 0;

	if (n < 8)
		return fallback;
	s = malloc(n * sizeof(*s));
	if (!s)
		return fallback;
	memcpy(s, steps, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	cut = n / 10;
	for (i = cut; i < n - cut; i++, m++)
		sum += s[i];
	free(s);
	return m ? sum / (double)m : fallback;
}

double pmt_gen0_weight_hist(const uint64_t *hist, size_t nbins, double fallback)
{
	uint64_t n = 0, cut, lo, hi, pos = 0, m = 0;
	double sum = 0;
	size_t i;

	for (i = 0; i < nbins; i++)
		n += hist[i];
	if (n < 8)
		return fallback;
	cut = n / 10;
	lo = cut;      /* keep ranks [lo, hi) of the sorted steps */
	hi = n - cut;
	for (i = 0; i < nbins; i++) {
		uint64_t a = pos, b = pos + hist[i], k;

		pos = b;
		if (b <= lo || a >= hi)
			continue;
		k = (b < hi ? b : hi) - (a > lo ? a : lo);
		sum += (double)i * (double)k;
		m += k;
	}
	return m ? sum / (double)m : fallback;
}

/* ---- savings and ranking ------------------------------------------------------ */

int pmt_pool_savings(const struct pmt_pool_savings_in *in, struct pmt_pool_savings *out)
{
	uint64_t allocs, frees;
	double gen0;

	memset(out, 0, sizeof(*out));
	if (!(in->seconds > 0))
		return -EINVAL;
	allocs = in->creations > in->overflow ? in->creations - in->overflow : 0;
	frees = in->destructions > in->overflow ? in->destructions - in->overflow : 0;
	gen0 = in->gen0_seen - in->gen0_alt;
	if (gen0 < 0)
		gen0 = 0;
	out->allocs_per_s = (double)allocs / in->seconds;
	out->frees_per_s = (double)frees / in->seconds;
	out->bytes_per_s = out->allocs_per_s * (double)in->instance_bytes;
	out->gen0_per_s = gen0 / in->seconds;
	out->gen0_seen_per_s = (in->gen0_seen > 0 ? in->gen0_seen : 0) / in->seconds;
	out->time_ns_per_s = out->gen0_per_s * in->ns_per_collection +
			     out->allocs_per_s * in->ns_per_alloc;
	return 0;
}

static int rank_cmp(const void *a, const void *b)
{
	const struct pmt_pool_rank_item *x = a, *y = b;

	if (x->time_ns_per_s != y->time_ns_per_s)
		return x->time_ns_per_s > y->time_ns_per_s ? -1 : 1;
	if (x->gen0_per_s != y->gen0_per_s)
		return x->gen0_per_s > y->gen0_per_s ? -1 : 1;
	if (x->allocs_per_s != y->allocs_per_s)
		return x->allocs_per_s > y->allocs_per_s ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void pmt_pool_rank(struct pmt_pool_rank_item *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), rank_cmp);
}

long pmt_pool_rank_entered(const uint64_t *before, size_t n_old, const uint64_t *now,
			   size_t n_new)
{
	size_t i, j;

	for (i = 0; i < n_new; i++) {
		for (j = 0; j < n_old; j++)
			if (before[j] == now[i])
				break;
		if (j == n_old)
			return (long)i;
	}
	return -1;
}

bool pmt_pool_worth(enum pmt_pool_kind k, const struct pmt_pool_savings *s)
{
	if (k != PMT_POOL_TRANSIENT && k != PMT_POOL_SHORT_LIVED)
		return false;
	return s->allocs_per_s >= PMT_POOL_MIN_ALLOCS_PER_S || s->gen0_per_s >= PMT_POOL_MIN_GEN0_PER_S;
}

/* ---- bytes per instance ---------------------------------------------------------- */

uint64_t pmt_pool_block_bytes(uint64_t request, bool pymalloc)
{
	uint64_t c;

	if (pymalloc && request <= 512)
		return request ? (request + 15) & ~15ULL : 16;
	c = (request + 8 + 15) & ~15ULL;
	return c < 32 ? 32 : c;
}
