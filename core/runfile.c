// SPDX-License-Identifier: BSD-2-Clause
/*
 * runfile.c - reading a run's JSON Lines back into structs (runfile.h).
 *
 * One line is one record. Each is parsed by json-c's strict tokener, its
 * type looked up in a table, and its fields read by small typed getters
 * that reject anything but the documented JSON type: a count must be a
 * non-negative integer, a flag a boolean, a name a string. A record is
 * parsed into temporaries first and committed only when the whole record
 * was valid, so a corrupt line leaves the run as it was.
 *
 * Every allocation of our own goes through the configured allocator (the
 * tests fail each in turn); strings are interned once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pmtrace/runfile.h"

#define GROWTH_MAX 64         /* growth sites read per frame or run */
#define LIST_MAX 4096         /* entries read per list of a record */
#define STACK_MAX 64          /* frames read per stack */
#define TRACE_JSON_MAX (64u << 20) /* trace record text kept, in all */

const double pmt_run_dur_bounds[PMT_RUN_DUR_BUCKETS] = {
	0.004, 0.008, 0.0167, 0.020, 0.0334, 0.050, 0.100, 0.250, 0.500, 1.0,
};
const double pmt_run_growth_bounds[PMT_RUN_GROWTH_BUCKETS] = {
	0, 4096, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
};

/* ---- allocation ----------------------------------------------------------- */

static void *run_realloc(struct pmt_run *r, void *p, size_t n)
{
	if (r->cfg.realloc_fn)
		return r->cfg.realloc_fn(r->cfg.alloc_ctx, p, n);
	if (!n) {
		free(p);
		return NULL;
	}
	return realloc(p, n);
}

static void run_free(struct pmt_run *r, void *p)
{
	if (p)
		run_realloc(r, p, 0);
}

/* Room for one more of @size bytes in *@v (holding @n of *@cap). */
static int reserve(struct pmt_run *r, void **v, size_t *cap, size_t n, size_t size)
{
	size_t nc;
	void *p;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if (nc > SIZE_MAX / size)
		return -ENOMEM;
	p = run_realloc(r, *v, nc * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = nc;
	return 0;
}

#define RESERVE(r, arr, n, cap) reserve((r), (void **)&(arr), &(cap), (n), sizeof(*(arr)))

/* ---- errors and typed getters --------------------------------------------- */

struct rd {
	struct pmt_run *r;
	const char *type; /* record type, for messages */
	int err;          /* first error: -EINVAL or -ENOMEM */
};

static int failf(struct rd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failf(struct rd *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (d->err)
		return d->err;
	n = snprintf(d->r->err, sizeof(d->r->err), "%s record: ", d->type);
	va_start(ap, fmt);
	vsnprintf(d->r->err + n, sizeof(d->r->err) - (size_t)n, fmt, ap);
	va_end(ap);
	d->err = -EINVAL;
	return d->err;
}

static int oom(struct rd *d)
{
	if (!d->err) {
		snprintf(d->r->err, sizeof(d->r->err), "out of memory");
		d->err = -ENOMEM;
	}
	return d->err;
}

enum { OPT = 0, REQ = 1 };

/* The member @k of @o: 1 and *@v (NULL for JSON null) when present, else 0. */
static int get(json_object *o, const char *k, json_object **v)
{
	*v = NULL;
	return o && json_object_object_get_ex(o, k, v);
}

/* 1: absent or null (an error when @req); 0: *@v is the value. */
static int present(struct rd *d, json_object *o, const char *k, json_object **v, int req)
{
	if (!get(o, k, v) || !*v) {
		if (req)
			failf(d, "'%s' is missing", k);
		return 1;
	}
	return 0;
}

static bool is_u64(json_object *v, uint64_t *out)
{
	int64_t s;

	if (!json_object_is_type(v, json_type_int))
		return false;
	s = json_object_get_int64(v);
	if (s < 0)
		return false;
	*out = s == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)s;
	return true;
}

static int u64f(struct rd *d, json_object *o, const char *k, uint64_t *out, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return 1;
	if (!is_u64(v, out))
		return failf(d, "'%s' must be a non-negative integer", k);
	return 0;
}

static int i64f(struct rd *d, json_object *o, const char *k, int64_t *out, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return 1;
	if (!json_object_is_type(v, json_type_int) ||
	    (json_object_get_int64(v) == INT64_MAX && json_object_get_uint64(v) > INT64_MAX))
		return failf(d, "'%s' must be an integer", k);
	*out = json_object_get_int64(v);
	return 0;
}

static int dblf(struct rd *d, json_object *o, const char *k, double *out, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return 1;
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return failf(d, "'%s' must be a number", k);
	*out = json_object_get_double(v);
	return 0;
}

static int boolf(struct rd *d, json_object *o, const char *k, bool *out, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return 1;
	if (!json_object_is_type(v, json_type_boolean))
		return failf(d, "'%s' must be true or false", k);
	*out = json_object_get_boolean(v);
	return 0;
}

/* Intern @s (@len bytes, cut at a NUL); "" on failure (d->err set). */
static const char *intern(struct rd *d, const char *s, size_t len)
{
	uint32_t id;

	len = strnlen(s, len);
	id = pmt_strtab_intern(&d->r->strs, s, len);
	if (!id) {
		oom(d);
		return "";
	}
	return pmt_strtab_get(&d->r->strs, id);
}

static int strf(struct rd *d, json_object *o, const char *k, const char **out, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return 1;
	if (!json_object_is_type(v, json_type_string))
		return failf(d, "'%s' must be a string", k);
	*out = intern(d, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	return d->err;
}

/* An object member (NULL when absent or null; error when @req or not an object). */
static json_object *objf(struct rd *d, json_object *o, const char *k, int req)
{
	json_object *v;

	if (present(d, o, k, &v, req))
		return NULL;
	if (!json_object_is_type(v, json_type_object)) {
		failf(d, "'%s' must be an object", k);
		return NULL;
	}
	return v;
}

/* An array member, at most LIST_MAX entries read (*@n). */
static json_object *arrf(struct rd *d, json_object *o, const char *k, size_t *n, int req)
{
	json_object *v;

	*n = 0;
	if (present(d, o, k, &v, req))
		return NULL;
	if (!json_object_is_type(v, json_type_array)) {
		failf(d, "'%s' must be an array", k);
		return NULL;
	}
	*n = json_object_array_length(v);
	if (*n > LIST_MAX)
		*n = LIST_MAX;
	return v;
}

/* Entry @i of an array, which must be an object. */
static json_object *entry(struct rd *d, json_object *a, size_t i, const char *k)
{
	json_object *e = json_object_array_get_idx(a, i);

	if (!json_object_is_type(e, json_type_object)) {
		failf(d, "'%s' entries must be objects", k);
		return NULL;
	}
	return e;
}

static void *alloc_list(struct rd *d, size_t n, size_t size)
{
	void *p;

	if (!n)
		return NULL;
	p = run_realloc(d->r, NULL, n * size);
	if (!p) {
		oom(d);
		return NULL;
	}
	memset(p, 0, n * size);
	return p;
}

int pmt_run_asset_type(const char *name)
{
	int t;

	for (t = 0; t < PMT_ASSET_TYPES; t++)
		if (name && !strcmp(name, pmt_asset_type_name((enum pmt_asset_type)t)))
			return t;
	return -1;
}

/* An asset type name; an unknown one is kept as surface's neighbour "unknown" (-1 -> error). */
static int typef(struct rd *d, json_object *o, const char *k, uint32_t *out)
{
	const char *s = NULL;
	int t;

	if (strf(d, o, k, &s, REQ))
		return d->err ? d->err : -EINVAL;
	t = pmt_run_asset_type(s);
	if (t < 0)
		return failf(d, "unknown asset type '%.40s'", s);
	*out = (uint32_t)t;
	return 0;
}

/* ---- stacks ---------------------------------------------------------------- */

/* Intern the array of frame strings @a as a stack id (0 on error). */
static uint32_t stackf(struct rd *d, json_object *a, const char *k)
{
	char buf[8192];
	size_t n, i, off = 0;
	uint32_t id;

	if (!json_object_is_type(a, json_type_array)) {
		failf(d, "'%s' must be an array of strings", k);
		return 0;
	}
	n = json_object_array_length(a);
	if (n > STACK_MAX)
		n = STACK_MAX;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s;
		size_t len, j;

		if (!json_object_is_type(e, json_type_string)) {
			failf(d, "'%s' must be an array of strings", k);
			return 0;
		}
		s = json_object_get_string(e);
		len = strnlen(s, (size_t)json_object_get_string_len(e));
		if (i && off < sizeof(buf) - 1)
			buf[off++] = '\x1f';
		for (j = 0; j < len && off < sizeof(buf) - 1; j++)
			buf[off++] = s[j] == '\x1f' ? '?' : s[j];
	}
	buf[off] = 0;
	id = pmt_strtab_intern(&d->r->stacks, buf, off);
	if (!id)
		oom(d);
	return id;
}

size_t pmt_run_stack(const struct pmt_run *r, uint32_t id, const char **out, size_t max,
		     char *scratch, size_t scratch_len)
{
	const char *s = pmt_strtab_get(&r->stacks, id);
	size_t n = 0;
	char *p;

	if (!s || !max || !scratch_len)
		return 0;
	snprintf(scratch, scratch_len, "%s", s);
	p = scratch;
	while (n < max) {
		char *sep = strchr(p, '\x1f');

		out[n++] = p;
		if (!sep)
			break;
		*sep = 0;
		p = sep + 1;
	}
	return n;
}

/* ---- frames ---------------------------------------------------------------- */

static int parse_growth(struct rd *d, json_object *a, size_t n, bool run_sites,
			struct pmt_run_growth *out)
{
	size_t i;

	for (i = 0; i < n && !d->err; i++) {
		json_object *e = entry(d, a, i, "growth_sites"), *st;
		struct pmt_run_growth *g = &out[i];

		memset(g, 0, sizeof(*g));	/* optional fields absent stay false/0 */
		if (!e)
			break;
		if (present(d, e, "stack", &st, REQ))
			break;
		g->stack = stackf(d, st, "stack");
		u64f(d, e, "faults", &g->faults, REQ);
		u64f(d, e, "fault_bytes", &g->fault_bytes, REQ);
		u64f(d, e, "mapped_bytes", &g->mapped_bytes, REQ);
		if (run_sites)
			u64f(d, e, "frames", &g->frames, OPT);
		boolf(d, e, "partial", &g->partial, OPT);
	}
	return d->err;
}

static int parse_spike_kind(struct rd *d, json_object *o, uint8_t *kind)
{
	const char *s = NULL;

	*kind = 0;
	if (strf(d, o, "spike_kind", &s, OPT))
		return d->err;
	if (!strcmp(s, "memory"))
		*kind = PMT_SPIKE_MEMORY;
	else if (!strcmp(s, "time"))
		*kind = PMT_SPIKE_TIME;
	else if (!strcmp(s, "memory+time"))
		*kind = PMT_SPIKE_MEMORY | PMT_SPIKE_TIME;
	else
		return failf(d, "unknown spike_kind '%.40s'", s);
	return 0;
}

static enum pmt_cause cause_of(const char *s)
{
	int c;

	for (c = PMT_CAUSE_GC; c < PMT_CAUSES; c++)
		if (s && !strcmp(s, pmt_cause_name((enum pmt_cause)c)))
			return (enum pmt_cause)c;
	return PMT_CAUSE_NONE; /* null, or a cause newer than this reader */
}

static int parse_frame_assets(struct rd *d, json_object *o, struct pmt_run_asset_sample *s,
			      bool *known)
{
	json_object *a = objf(d, o, "assets", OPT);

	memset(s, 0, sizeof(*s));
	*known = a != NULL;
	if (!a)
		return d->err;
	json_object_object_foreach(a, key, val)
	{
		int t = pmt_run_asset_type(key);
		uint64_t v;

		if (!json_object_is_type(val, json_type_object))
			return failf(d, "'assets' entries must be objects");
		if (t < 0)
			continue; /* a type newer than this reader */
		u64f(d, val, "live", &s->live[t], REQ);
		u64f(d, val, "bytes", &s->bytes[t], REQ);
		if (!u64f(d, val, "loads", &v, OPT))
			s->loads[t] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		if (!u64f(d, val, "frees", &v, OPT))
			s->frees[t] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	}
	return d->err;
}

static size_t bucket(const double *bounds, size_t n, double v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v <= bounds[i])
			return i;
	return n;
}

static void totals_frame(struct pmt_run_totals *t, const struct pmt_frame *f,
			 const struct pmt_run_asset_sample *as)
{
	int g;

	t->frames++;
	if (f->partial)
		t->partial_frames++;
	if (f->spike)
		t->spikes[f->spike_kind == (PMT_SPIKE_MEMORY | PMT_SPIKE_TIME) ? 2 :
			  f->spike_kind & PMT_SPIKE_TIME ? 1 : 0]++;
	if (f->dropped)
		t->dropped[(unsigned)f->cause < 4 ? f->cause : 0]++;
	if (!f->partial) {
		t->dur_count[bucket(pmt_run_dur_bounds, PMT_RUN_DUR_BUCKETS, f->duration_ns / 1e9)]++;
		t->dur_sum_s += f->duration_ns / 1e9;
	}
	t->growth_count[bucket(pmt_run_growth_bounds, PMT_RUN_GROWTH_BUCKETS,
			       (double)f->rss_delta_bytes)]++;
	t->growth_sum += (double)f->rss_delta_bytes;
	t->rss = f->rss_bytes;
	if (f->rss_bytes > t->rss_peak)
		t->rss_peak = f->rss_bytes;
	if (f->python_heap_known) {
		t->python_heap_known = true;
		t->python_heap = f->python_heap_bytes;
	}
	if (f->gc_known) {
		t->gc_known = true;
		for (g = 0; g < PMT_GENS; g++)
			t->gc_collections[g] += f->gc_collections[g];
		t->gc_collected += f->gc_collected;
	}
	if (f->gc_timed) {
		t->gc_timed = true;
		t->gc_ns[f->gc_generation >= 0 && f->gc_generation < PMT_GENS ? f->gc_generation : 0] +=
			f->gc_ns;
	}
	t->minflt += f->minflt;
	t->majflt += f->majflt;
	t->mapped += f->mapped_bytes;
	t->unmapped += f->unmapped_bytes;
	if (as) {
		t->assets_known = true;
		for (g = 0; g < PMT_ASSET_TYPES; g++) {
			t->asset_live[g] = as->live[g];
			t->asset_bytes[g] = as->bytes[g];
			t->asset_loads[g] += as->loads[g];
			t->asset_frees[g] += as->frees[g];
		}
	}
}

static bool same_sample(const struct pmt_run_asset_sample *a, const struct pmt_run_asset_sample *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static int rec_frame(struct rd *d, json_object *o)
{
	struct pmt_run *r = d->r;
	struct pmt_run_growth gs[GROWTH_MAX];
	struct pmt_run_asset_sample as;
	struct pmt_run_frame rf;
	struct pmt_frame *f = &rf.f;
	json_object *v, *prof;
	const char *cause = NULL;
	bool assets_known;
	size_t ng = 0, i;
	int64_t gen = -1;

	memset(&rf, 0, sizeof(rf));
	memset(gs, 0, sizeof(gs));
	rf.assets = rf.trace = PMT_RUN_NONE;
	f->gc_generation = -1;
	u64f(d, o, "frame", &f->index, REQ);
	u64f(d, o, "ts_ns", &f->ts_ns, REQ);
	u64f(d, o, "duration_ns", &f->duration_ns, REQ);
	u64f(d, o, "rss_bytes", &f->rss_bytes, REQ);
	u64f(d, o, "rss_anon_bytes", &f->rss_anon_bytes, OPT);
	u64f(d, o, "rss_file_bytes", &f->rss_file_bytes, OPT);
	u64f(d, o, "rss_shmem_bytes", &f->rss_shmem_bytes, OPT);
	u64f(d, o, "swap_bytes", &f->swap_bytes, OPT);
	i64f(d, o, "rss_delta_bytes", &f->rss_delta_bytes, REQ);
	u64f(d, o, "minflt", &f->minflt, REQ);
	u64f(d, o, "majflt", &f->majflt, REQ);
	u64f(d, o, "fault_time_est_ns", &f->fault_ns, OPT);
	u64f(d, o, "sys_ns", &f->sys_ns, OPT);
	u64f(d, o, "mapped_bytes", &f->mapped_bytes, REQ);
	u64f(d, o, "unmapped_bytes", &f->unmapped_bytes, REQ);
	i64f(d, o, "brk_delta_bytes", &f->brk_delta_bytes, REQ);
	if (!present(d, o, "gc_collections", &v, OPT)) {
		if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != PMT_GENS)
			return failf(d, "'gc_collections' must be null or 3 counts");
		for (i = 0; i < PMT_GENS; i++)
			if (!is_u64(json_object_array_get_idx(v, i), &f->gc_collections[i]))
				return failf(d, "'gc_collections' must be null or 3 counts");
		f->gc_known = true;
		u64f(d, o, "gc_collected", &f->gc_collected, OPT);
		u64f(d, o, "gc_uncollectable", &f->gc_uncollectable, OPT);
	}
	f->python_heap_known = !u64f(d, o, "python_heap_bytes", &f->python_heap_bytes, OPT) && !d->err;
	f->gc_timed = !u64f(d, o, "gc_ns", &f->gc_ns, OPT) && !d->err;
	boolf(d, o, "partial", &f->partial, REQ);
	boolf(d, o, "spike", &f->spike, REQ);
	parse_spike_kind(d, o, &f->spike_kind);
	boolf(d, o, "dropped", &f->dropped, REQ);
	if (!strf(d, o, "cause", &cause, OPT))
		f->cause = cause_of(cause);
	u64f(d, o, "budget_ns", &f->budget_ns, OPT);
	boolf(d, o, "paced", &f->paced, OPT);
	prof = objf(d, o, "profiler", OPT);
	if (prof) {
		bool b = false;

		if (!boolf(d, prof, "traced", &b, OPT) && b)
			f->prof |= PMT_PROF_TRACED;
		if (!boolf(d, prof, "probes", &b, OPT) && b)
			f->prof |= PMT_PROF_PROBES;
		u64f(d, prof, "cost_ns", &f->prof_cost_ns, OPT);
		boolf(d, prof, "slow", &f->prof_slow, OPT);
	}
	if (!i64f(d, o, "gc_generation", &gen, OPT) && (gen < 0 || gen >= PMT_GENS))
		return failf(d, "'gc_generation' must be null or 0 to 2");
	f->gc_generation = (int)gen;
	if (d->err)
		return d->err;
	if (f->spike && !f->spike_kind)
		return failf(d, "a spike without spike_kind");
	if (r->have_last && f->index <= r->last.index)
		return failf(d, "frame %llu follows frame %llu", (unsigned long long)f->index,
			     (unsigned long long)r->last.index);
	v = arrf(d, o, "growth_sites", &ng, OPT);
	if (v) {
		rf.growth_known = true;
		if (ng > GROWTH_MAX)
			ng = GROWTH_MAX;
		if (parse_growth(d, v, ng, false, gs))
			return d->err;
	}
	if (parse_frame_assets(d, o, &as, &assets_known))
		return d->err;

	/* Commit: everything below either succeeds or leaves the run as it was. */
	if (r->cfg.keep_frames) {
		bool new_sample = assets_known &&
				  (!r->nsamples || !same_sample(&r->asset_samples[r->nsamples - 1], &as));

		if (RESERVE(r, r->frames, r->nframes, r->capframes) ||
		    (ng && (r->ngrowth + ng < r->ngrowth || r->ngrowth + ng > UINT32_MAX)) ||
		    (new_sample && RESERVE(r, r->asset_samples, r->nsamples, r->capsamples)))
			return oom(d);
		while (ng && r->ngrowth + ng > r->capgrowth) {
			size_t nc = r->capgrowth ? r->capgrowth * 2 : 64;
			void *p = run_realloc(r, r->growth, nc * sizeof(*r->growth));

			if (!p)
				return oom(d);
			r->growth = p;
			r->capgrowth = nc;
		}
		rf.growth_first = (uint32_t)r->ngrowth;
		rf.growth_n = (uint32_t)ng;
		if (ng)
			memcpy(r->growth + r->ngrowth, gs, ng * sizeof(*gs));
		r->ngrowth += ng;
		if (new_sample)
			r->asset_samples[r->nsamples++] = as;
		if (assets_known)
			rf.assets = (uint32_t)(r->nsamples - 1);
		r->frames[r->nframes++] = rf;
	}
	r->last = *f;
	r->have_last = true;
	totals_frame(&r->totals, f, assets_known ? &as : NULL);
	return 0;
}

long pmt_run_find_frame(const struct pmt_run *r, uint64_t index)
{
	size_t lo = 0, hi = r->nframes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->frames[mid].f.index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nframes && r->frames[lo].f.index == index ? (long)lo : -1;
}

/* ---- attached ------------------------------------------------------------- */

static int rec_attached(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run_attached a;
	json_object *py, *mk, *opt;
	int64_t pid = 0;
	uint64_t tid = 0, u;
	bool b;

	memset(&a, 0, sizeof(a));
	a.present = true;
	a.history = 1000;
	a.top_n = 10;
	a.mode = a.py_version = a.py_build = a.py_path = a.gc_timing = "";
	a.marker_lib = a.marker_symbol = a.marker_insn = "";
	a.marker_function = NULL;
	i64f(d, o, "pid", &pid, REQ);
	if (!d->err && (pid <= 0 || pid > INT32_MAX))
		return failf(d, "'pid' out of range");
	a.pid = (int)pid;
	strf(d, o, "mode", &a.mode, REQ);
	/* A sampling backend's run has samples, not frames: nothing here to show. */
	if (!d->err) {
		const char *backend = "bpf";

		strf(d, o, "backend", &backend, OPT);
		if (!d->err && strcmp(backend, "bpf"))
			return failf(d, "a --backend %.20s run (samples, no frames): report reads frame "
				     "runs; its records are plain JSON Lines (docs/json.md)", backend);
	}
	u64f(d, o, "ts_ns", &a.ts_ns, OPT);
	py = objf(d, o, "python", REQ);
	strf(d, py, "version", &a.py_version, OPT);
	strf(d, py, "build", &a.py_build, OPT);
	strf(d, py, "path", &a.py_path, OPT);
	mk = objf(d, o, "frame_marker", REQ);
	strf(d, mk, "library", &a.marker_lib, OPT);
	strf(d, mk, "symbol", &a.marker_symbol, OPT);
	strf(d, mk, "function", &a.marker_function, OPT);
	u64f(d, mk, "offset", &a.marker_offset, OPT);
	strf(d, mk, "instruction", &a.marker_insn, OPT);
	boolf(d, o, "gc_state", &a.gc_state, OPT);
	strf(d, o, "gc_timing", &a.gc_timing, OPT);
	strf(d, o, "executable", &a.executable, OPT);
	strf(d, o, "cmdline", &a.cmdline, OPT);
	if (!u64f(d, o, "frame_tid", &tid, OPT))
		a.frame_tid = tid > UINT32_MAX ? 0 : (uint32_t)tid;
	opt = objf(d, o, "options", OPT);
	if (opt) {
		if (!u64f(d, opt, "max_frame_history", &u, OPT) && u)
			a.history = u > 100000000 ? 100000000 : u;
		if (!u64f(d, opt, "top", &u, OPT))
			a.top_n = u > 50 ? 50 : u;
		if (!boolf(d, opt, "track_use", &b, OPT))
			a.track_use = b;
		dblf(d, opt, "interval", &a.interval_s, OPT);
	}
	a.json = intern(d, line, len);
	if (d->err)
		return d->err;
	d->r->attached = a;
	return 0;
}

/* ---- summaries (report, final) -------------------------------------------- */

static int parse_summary(struct rd *d, json_object *o, struct pmt_summary *s, uint64_t *lost)
{
	json_object *iv, *ft, *gc, *causes, *prof;
	double secs = 0;
	size_t n, i;
	uint64_t span = 0;

	memset(s, 0, sizeof(*s));
	iv = objf(d, o, "interval", REQ);
	u64f(d, iv, "first_frame", &s->first_index, REQ);
	dblf(d, iv, "seconds", &secs, OPT);
	u64f(d, o, "frames", &s->frames, REQ);
	dblf(d, o, "fps", &s->fps, REQ);
	ft = objf(d, o, "frame_time_ns", REQ);
	u64f(d, ft, "mean", &s->dur_mean_ns, REQ);
	u64f(d, ft, "p50", &s->dur_p50_ns, REQ);
	u64f(d, ft, "p95", &s->dur_p95_ns, REQ);
	u64f(d, ft, "p99", &s->dur_p99_ns, REQ);
	u64f(d, ft, "max", &s->dur_max_ns, REQ);
	u64f(d, o, "rss_bytes", &s->rss_last_bytes, REQ);
	u64f(d, o, "rss_peak_bytes", &s->rss_peak_bytes, REQ);
	i64f(d, o, "rss_growth_bytes", &s->rss_growth_bytes, OPT);
	dblf(d, o, "growth_per_frame_bytes", &s->growth_per_frame, REQ);
	gc = arrf(d, o, "gc_collections", &n, REQ);
	if (gc && n != PMT_GENS)
		return failf(d, "'gc_collections' must hold 3 counts");
	for (i = 0; gc && i < PMT_GENS; i++)
		if (!is_u64(json_object_array_get_idx(gc, i), &s->gc_collections[i]))
			return failf(d, "'gc_collections' must hold 3 counts");
	u64f(d, o, "gc_collected", &s->gc_collected, REQ);
	u64f(d, o, "gc_ns", &s->gc_ns, OPT);
	u64f(d, o, "gc_timed_frames", &s->gc_timed_frames, OPT);
	u64f(d, o, "minflt", &s->minflt, REQ);
	u64f(d, o, "majflt", &s->majflt, REQ);
	u64f(d, o, "mapped_bytes", &s->mapped_bytes, REQ);
	u64f(d, o, "unmapped_bytes", &s->unmapped_bytes, REQ);
	i64f(d, o, "brk_bytes", &s->brk_bytes, OPT);
	u64f(d, o, "spikes", &s->spikes, REQ);
	u64f(d, o, "spikes_memory", &s->spikes_memory, OPT);
	u64f(d, o, "spikes_time", &s->spikes_time, OPT);
	u64f(d, o, "dropped", &s->dropped, REQ);
	causes = objf(d, o, "causes", REQ);
	u64f(d, causes, "gc", &s->causes[PMT_CAUSE_GC], OPT);
	u64f(d, causes, "page_faults", &s->causes[PMT_CAUSE_PAGE_FAULTS], OPT);
	u64f(d, causes, "heap_growth", &s->causes[PMT_CAUSE_HEAP_GROWTH], OPT);
	u64f(d, causes, "none", &s->causes[PMT_CAUSE_NONE], OPT);
	u64f(d, causes, "profiler", &s->causes[PMT_CAUSE_PROFILER], OPT);
	prof = objf(d, o, "profiler", OPT);
	if (prof) {
		u64f(d, prof, "frames", &s->prof_frames, OPT);
		u64f(d, prof, "traced", &s->prof_traced, OPT);
		u64f(d, prof, "dropped", &s->prof_dropped, OPT);
		u64f(d, prof, "slow", &s->prof_slow, OPT);
		u64f(d, prof, "cost_ns", &s->prof_cost_ns, OPT);
	}
	u64f(d, o, "lost_events", lost, OPT);
	u64f(d, o, "paced_frames", &s->paced_frames, OPT);
	u64f(d, o, "pace_ns", &s->pace_ns, OPT);
	if (u64f(d, o, "span_ns", &span, OPT) == 1 && !d->err)
		span = secs > 0 && secs < 1e9 ? (uint64_t)(secs * 1e9 + 0.5) : 0;
	s->span_ns = span;
	/* spike_frames and drops are checked, not kept: the frames hold them. */
	iv = arrf(d, o, "spike_frames", &n, OPT);
	for (i = 0; iv && i < n; i++) {
		uint64_t x;

		if (!is_u64(json_object_array_get_idx(iv, i), &x))
			return failf(d, "'spike_frames' must hold frame numbers");
	}
	iv = arrf(d, o, "drops", &n, OPT);
	for (i = 0; iv && i < n && !d->err; i++) {
		json_object *e = entry(d, iv, i, "drops");
		uint64_t x;

		u64f(d, e, "frame", &x, REQ);
	}
	return d->err;
}

static int rec_report(struct rd *d, json_object *o)
{
	struct pmt_run *r = d->r;
	struct pmt_run_report rep;

	memset(&rep, 0, sizeof(rep));
	if (parse_summary(d, o, &rep.s, &rep.lost_events))
		return d->err;
	if (RESERVE(r, r->reports, r->nreports, r->capreports))
		return oom(d);
	r->reports[r->nreports++] = rep;
	if (rep.lost_events > r->totals.lost_events)
		r->totals.lost_events = rep.lost_events;
	return 0;
}

static int rec_final(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_growth gs[GROWTH_MAX];
	struct pmt_run_final fi;
	json_object *sum, *v;
	int64_t code = -1;
	size_t ng = 0;

	memset(&fi, 0, sizeof(fi));
	fi.exit_reason = "";
	u64f(d, o, "frames", &fi.frames, REQ);
	u64f(d, o, "lost_events", &fi.lost_events, REQ);
	u64f(d, o, "lost_frames", &fi.lost_frames, OPT);
	strf(d, o, "exit_reason", &fi.exit_reason, REQ);
	if (!i64f(d, o, "target_exit_code", &code, OPT) && (code < 0 || code > 255))
		return failf(d, "'target_exit_code' must be null or 0 to 255");
	fi.target_exit_code = (int)code;
	v = arrf(d, o, "growth_sites", &ng, OPT);
	if (v) {
		fi.growth_known = true;
		if (ng > GROWTH_MAX)
			ng = GROWTH_MAX;
		parse_growth(d, v, ng, true, gs);
	}
	u64f(d, o, "growth_dropped", &fi.growth_dropped, OPT);
	u64f(d, o, "growth_unresolved", &fi.growth_unresolved, OPT);
	sum = objf(d, o, "summary", REQ);
	if (sum)
		parse_summary(d, sum, &fi.summary, &fi.lost_events);
	fi.json = intern(d, line, len);
	if (d->err)
		return d->err;
	if (ng) {
		while (r->ngrowth + ng > r->capgrowth) {
			size_t nc = r->capgrowth ? r->capgrowth * 2 : 64;
			void *p = run_realloc(r, r->growth, nc * sizeof(*r->growth));

			if (!p)
				return oom(d);
			r->growth = p;
			r->capgrowth = nc;
		}
		memcpy(r->growth + r->ngrowth, gs, ng * sizeof(*gs));
	}
	fi.growth_first = (uint32_t)r->ngrowth;
	fi.growth_n = (uint32_t)ng;
	r->ngrowth += ng;
	fi.present = true;
	r->final = fi;
	if (fi.lost_events > r->totals.lost_events)
		r->totals.lost_events = fi.lost_events;
	r->totals.ended = true;
	return 0;
}

/* ---- assets ---------------------------------------------------------------- */

static void free_assets(struct pmt_run *r, struct pmt_run_assets *a)
{
	run_free(r, a->top);
	run_free(r, a->orphans);
	run_free(r, a->leaks);
	run_free(r, a->dups);
	run_free(r, a->use_sites);
	memset(a, 0, sizeof(*a));
}

static void parse_asset(struct rd *d, json_object *e, struct pmt_run_asset *x)
{
	const char *path = NULL;

	x->site = x->loader = "";
	u64f(d, e, "bytes", &x->bytes, REQ);
	typef(d, e, "type", &x->type);
	if (!strf(d, e, "path", &path, OPT))
		x->path = path;
	strf(d, e, "site", &x->site, OPT);
	strf(d, e, "loader", &x->loader, OPT);
	{
		uint64_t w = 0, h = 0;

		u64f(d, e, "width", &w, OPT);
		u64f(d, e, "height", &h, OPT);
		x->width = w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
		x->height = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
	}
	u64f(d, e, "load_frame", &x->load_frame, OPT);
	u64f(d, e, "load_ts_ns", &x->load_ts_ns, OPT);
	u64f(d, e, "age_frames", &x->age_frames, OPT);
	u64f(d, e, "uses", &x->uses, OPT);
	boolf(d, e, "loaded_before_attach", &x->before_attach, OPT);
}

static struct pmt_run_asset *asset_list(struct rd *d, json_object *o, const char *k, size_t *n,
					 bool *has)
{
	json_object *a = arrf(d, o, k, n, OPT);
	struct pmt_run_asset *v;
	size_t i;

	if (has)
		*has = a != NULL;
	if (!a)
		return NULL;
	v = alloc_list(d, *n, sizeof(*v));
	for (i = 0; v && i < *n && !d->err; i++) {
		json_object *e = entry(d, a, i, k);

		if (e)
			parse_asset(d, e, &v[i]);
	}
	return v;
}

static int rec_assets(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_assets a;
	json_object *bt, *l;
	const char *scope = "";
	size_t i, n;
	int t;

	memset(&a, 0, sizeof(a));
	a.present = true;
	strf(d, o, "scope", &scope, REQ);
	a.final = !strcmp(scope, "final");
	u64f(d, o, "frame", &a.frame, REQ);
	u64f(d, o, "live", &a.live, REQ);
	bt = objf(d, o, "by_type", REQ);
	for (t = 0; bt && t < PMT_ASSET_TYPES && !d->err; t++) {
		json_object *ts = objf(d, bt, pmt_asset_type_name((enum pmt_asset_type)t), OPT);
		struct pmt_run_type_stats *s = &a.by_type[t];

		if (!ts)
			continue;
		u64f(d, ts, "live", &s->live, REQ);
		u64f(d, ts, "bytes", &s->bytes, REQ);
		u64f(d, ts, "peak_bytes", &s->peak_bytes, OPT);
		u64f(d, ts, "loads", &s->loads, OPT);
		u64f(d, ts, "frees", &s->frees, OPT);
		u64f(d, ts, "churn_frames", &s->churn_frames, OPT);
		u64f(d, ts, "churn", &s->churn, OPT);
		u64f(d, ts, "churn_bytes", &s->churn_bytes, OPT);
	}
	a.top = asset_list(d, o, "top", &a.ntop, NULL);
	a.orphans = asset_list(d, o, "orphans", &a.norphans, &a.has_orphans);
	l = arrf(d, o, "leaks", &n, OPT);
	a.leaks = alloc_list(d, n, sizeof(*a.leaks));
	for (i = 0; a.leaks && i < n && !d->err; i++) {
		json_object *e = entry(d, l, i, "leaks"), *h;
		struct pmt_run_leak *x = &a.leaks[i];
		size_t nh, k;

		if (!e)
			break;
		x->site = "";
		strf(d, e, "site", &x->site, OPT);
		typef(d, e, "type", &x->type);
		u64f(d, e, "live", &x->live, REQ);
		u64f(d, e, "live_bytes", &x->live_bytes, REQ);
		u64f(d, e, "loads", &x->loads, OPT);
		u64f(d, e, "frees", &x->frees, OPT);
		h = arrf(d, e, "live_history", &nh, OPT);
		for (k = 0; h && k < nh && k < PMT_LEAK_WINDOW; k++)
			if (!is_u64(json_object_array_get_idx(h, k), &x->history[k]))
				return failf(d, "'live_history' must hold counts");
		x->history_len = (uint32_t)(nh < PMT_LEAK_WINDOW ? nh : PMT_LEAK_WINDOW);
	}
	a.nleaks = a.leaks ? n : 0;
	l = arrf(d, o, "duplicates", &n, OPT);
	a.dups = alloc_list(d, n, sizeof(*a.dups));
	for (i = 0; a.dups && i < n && !d->err; i++) {
		json_object *e = entry(d, l, i, "duplicates");
		struct pmt_run_dup *x = &a.dups[i];

		if (!e)
			break;
		x->path = "";
		strf(d, e, "path", &x->path, OPT);
		typef(d, e, "type", &x->type);
		u64f(d, e, "copies", &x->copies, REQ);
		u64f(d, e, "bytes", &x->bytes, REQ);
		u64f(d, e, "wasted_bytes", &x->wasted_bytes, REQ);
	}
	a.ndups = a.dups ? n : 0;
	l = arrf(d, o, "use_sites", &n, OPT);
	a.has_use_sites = l != NULL;
	a.use_sites = alloc_list(d, n, sizeof(*a.use_sites));
	for (i = 0; a.use_sites && i < n && !d->err; i++) {
		json_object *e = entry(d, l, i, "use_sites");
		struct pmt_run_use_site *x = &a.use_sites[i];

		if (!e)
			break;
		x->site = "";
		strf(d, e, "site", &x->site, OPT);
		u64f(d, e, "uses", &x->uses, REQ);
		u64f(d, e, "live_assets", &x->live_assets, OPT);
		u64f(d, e, "live_bytes", &x->live_bytes, OPT);
	}
	a.nuse_sites = a.use_sites ? n : 0;
	u64f(d, o, "unknown_frees", &a.unknown_frees, OPT);
	u64f(d, o, "untracked", &a.untracked, OPT);
	u64f(d, o, "lost_events", &a.lost_events, OPT);
	u64f(d, o, "gl_unbound_uploads", &a.gl_unbound, OPT);
	u64f(d, o, "gl_names_lost", &a.gl_names_lost, OPT);
	a.json = intern(d, line, len);
	if (!d->err && RESERVE(r, r->asset_points, r->npoints, r->cappoints))
		oom(d);
	if (d->err) {
		free_assets(r, &a);
		return d->err;
	}
	r->asset_points[r->npoints].frame = a.frame;
	for (t = 0; t < PMT_ASSET_TYPES; t++)
		r->asset_points[r->npoints].bytes[t] = a.by_type[t].bytes;
	r->npoints++;
	free_assets(r, &r->assets);
	r->assets = a;
	return 0;
}

/* ---- budgets ---------------------------------------------------------------- */

static int budget_state(const char *s)
{
	return !strcmp(s, "exceeded") ? 2 : !strcmp(s, "approaching") ? 1 : 0;
}

static int rec_budgets(struct rd *d, json_object *o)
{
	struct pmt_run *r = d->r;
	struct pmt_run_budgets b;
	struct pmt_run_totals *t = &r->totals;
	json_object *l;
	size_t i, n;

	memset(&b, 0, sizeof(b));
	b.frame = r->have_last ? r->last.index + 1 : 0;
	u64f(d, o, "violations", &b.violations, OPT);
	l = arrf(d, o, "budgets", &n, REQ);
	b.v = alloc_list(d, n, sizeof(*b.v));
	for (i = 0; b.v && i < n && !d->err; i++) {
		json_object *e = entry(d, l, i, "budgets");
		struct pmt_run_budget *x = &b.v[i];
		uint64_t w = 0;

		if (!e)
			break;
		x->path = x->state = "";
		strf(d, e, "path", &x->path, REQ);
		u64f(d, e, "usage_bytes", &x->usage, REQ);
		u64f(d, e, "limit_bytes", &x->limit, REQ);
		u64f(d, e, "warn_percent", &w, OPT);
		x->warn_pct = w > 1000 ? 1000 : (unsigned int)w;
		strf(d, e, "state", &x->state, REQ);
	}
	b.n = b.v ? n : 0;
	if (!d->err && RESERVE(r, r->budgets, r->nbudgets, r->capbudgets))
		oom(d);
	if (d->err) {
		run_free(r, b.v);
		return d->err;
	}
	r->budgets[r->nbudgets++] = b;
	t->nbudgets = b.n < PMT_RUN_BUDGETS ? b.n : PMT_RUN_BUDGETS;
	for (i = 0; i < t->nbudgets; i++) {
		snprintf(t->budgets[i].path, sizeof(t->budgets[i].path), "%s", b.v[i].path);
		t->budgets[i].usage = b.v[i].usage;
		t->budgets[i].limit = b.v[i].limit;
		t->budgets[i].state = budget_state(b.v[i].state);
	}
	if (b.violations > t->budget_violations)
		t->budget_violations = b.violations;
	return 0;
}

static int rec_alert(struct rd *d, json_object *o)
{
	struct pmt_run *r = d->r;
	struct pmt_run_totals *t = &r->totals;
	struct pmt_run_alert a;
	json_object *p, *l;
	uint64_t pct = 0;
	size_t i, n = 0;

	memset(&a, 0, sizeof(a));
	a.budget = a.state = a.from = a.strategy = a.status = "";
	strf(d, o, "budget", &a.budget, REQ);
	strf(d, o, "state", &a.state, REQ);
	strf(d, o, "from", &a.from, OPT);
	u64f(d, o, "usage_bytes", &a.usage, REQ);
	u64f(d, o, "limit_bytes", &a.limit, REQ);
	u64f(d, o, "percent", &pct, OPT);
	a.percent = pct > 100000 ? 100000 : (unsigned int)pct;
	u64f(d, o, "frame", &a.frame, REQ);
	u64f(d, o, "ts_ns", &a.ts_ns, OPT);
	p = objf(d, o, "eviction_plan", OPT);
	if (p) {
		a.has_plan = true;
		strf(d, p, "strategy", &a.strategy, REQ);
		strf(d, p, "status", &a.status, OPT);
		boolf(d, p, "use_tracking", &a.use_tracking, OPT);
		u64f(d, p, "bytes_needed", &a.bytes_needed, OPT);
		u64f(d, p, "bytes_freed", &a.bytes_freed, OPT);
		u64f(d, p, "usage_after", &a.usage_after, OPT);
		l = arrf(d, p, "release", &n, OPT);
		a.release = alloc_list(d, n, sizeof(*a.release));
		for (i = 0; a.release && i < n && !d->err; i++) {
			json_object *e = entry(d, l, i, "release");
			struct pmt_run_release *x = &a.release[i];
			const char *path = NULL;
			int64_t prio = 0;

			if (!e)
				break;
			x->type = x->site = "";
			u64f(d, e, "bytes", &x->bytes, REQ);
			strf(d, e, "type", &x->type, OPT);
			if (!strf(d, e, "path", &path, OPT))
				x->path = path;
			strf(d, e, "site", &x->site, OPT);
			u64f(d, e, "load_frame", &x->load_frame, OPT);
			if (!i64f(d, e, "priority", &prio, OPT))
				x->priority = prio < INT32_MIN ? INT32_MIN :
					      prio > INT32_MAX ? INT32_MAX : (int)prio;
		}
		a.nrelease = a.release ? n : 0;
	}
	if (!d->err && RESERVE(r, r->alerts, r->nalerts, r->capalerts))
		oom(d);
	if (d->err) {
		run_free(r, a.release);
		return d->err;
	}
	r->alerts[r->nalerts++] = a;
	if (!strcmp(a.state, "exceeded"))
		t->budget_violations++;
	for (i = 0; i < t->nbudgets; i++)
		if (!strncmp(t->budgets[i].path, a.budget, sizeof(t->budgets[i].path) - 1)) {
			t->budgets[i].state = budget_state(a.state);
			t->budgets[i].usage = a.usage;
			t->budgets[i].limit = a.limit;
		}
	if (i == t->nbudgets && t->nbudgets < PMT_RUN_BUDGETS) {
		snprintf(t->budgets[i].path, sizeof(t->budgets[i].path), "%s", a.budget);
		t->budgets[i].state = budget_state(a.state);
		t->budgets[i].usage = a.usage;
		t->budgets[i].limit = a.limit;
		t->nbudgets++;
	}
	return 0;
}

/* ---- platforms, host --------------------------------------------------------- */

static void free_platforms(struct pmt_run *r, struct pmt_run_platforms *p)
{
	size_t i;

	for (i = 0; p->profiles && i < p->n; i++)
		run_free(r, p->profiles[i].banks);
	run_free(r, p->profiles);
	run_free(r, p->advice);
	memset(p, 0, sizeof(*p));
}

static int rec_platforms(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_platforms p;
	json_object *l, *adv;
	size_t i, n;

	memset(&p, 0, sizeof(p));
	p.present = true;
	u64f(d, o, "peak_bytes", &p.peak_bytes, REQ);
	u64f(d, o, "python_heap_peak_bytes", &p.python_heap_peak_bytes, OPT);
	l = arrf(d, o, "profiles", &n, REQ);
	p.profiles = alloc_list(d, n, sizeof(*p.profiles));
	p.n = p.profiles ? n : 0;
	for (i = 0; p.profiles && i < n && !d->err; i++) {
		json_object *e = entry(d, l, i, "profiles"), *bl;
		struct pmt_run_profile *x = &p.profiles[i];
		size_t nb, k;

		if (!e)
			break;
		x->id = x->verdict = "";
		x->available = x->recommended = UINT64_MAX;
		strf(d, e, "id", &x->id, REQ);
		strf(d, e, "verdict", &x->verdict, REQ);
		u64f(d, e, "used_bytes", &x->used, OPT);
		u64f(d, e, "available_bytes", &x->available, OPT);
		u64f(d, e, "recommended_bytes", &x->recommended, OPT);
		u64f(d, e, "over_bytes", &x->over, OPT);
		bl = arrf(d, e, "banks", &nb, OPT);
		x->banks = alloc_list(d, nb, sizeof(*x->banks));
		x->nbanks = x->banks ? nb : 0;
		for (k = 0; x->banks && k < nb && !d->err; k++) {
			json_object *b = entry(d, bl, k, "banks");

			if (!b)
				break;
			x->banks[k].name = x->banks[k].verdict = "";
			strf(d, b, "name", &x->banks[k].name, REQ);
			u64f(d, b, "used_bytes", &x->banks[k].used, OPT);
			strf(d, b, "verdict", &x->banks[k].verdict, OPT);
		}
	}
	strf(d, o, "platform", &p.platform, OPT);
	strf(d, o, "platform_name", &p.platform_name, OPT);
	adv = arrf(d, o, "advice", &n, OPT);
	p.advice = alloc_list(d, n, sizeof(*p.advice));
	p.nadvice = p.advice ? n : 0;
	for (i = 0; p.advice && i < n && !d->err; i++) {
		json_object *e = json_object_array_get_idx(adv, i);

		if (!json_object_is_type(e, json_type_string)) {
			failf(d, "'advice' must hold strings");
			break;
		}
		p.advice[i] = intern(d, json_object_get_string(e),
				     (size_t)json_object_get_string_len(e));
	}
	p.json = intern(d, line, len);
	if (d->err) {
		free_platforms(r, &p);
		return d->err;
	}
	free_platforms(r, &r->platforms);
	r->platforms = p;
	return 0;
}

static int rec_host(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run_host h;

	memset(&h, 0, sizeof(h));
	h.present = true;
	h.os = h.arch = h.kernel = "";
	strf(d, o, "os", &h.os, OPT);
	strf(d, o, "arch", &h.arch, OPT);
	strf(d, o, "kernel", &h.kernel, OPT);
	u64f(d, o, "total_bytes", &h.total_bytes, REQ);
	u64f(d, o, "available_bytes", &h.available_bytes, REQ);
	u64f(d, o, "cgroup_limit_bytes", &h.cgroup_limit, OPT);
	u64f(d, o, "cgroup_usage_bytes", &h.cgroup_usage, OPT);
	u64f(d, o, "game_rss_bytes", &h.game_rss, REQ);
	dblf(d, o, "game_share", &h.game_share, OPT);
	boolf(d, o, "critical", &h.critical, OPT);
	h.json = intern(d, line, len);
	if (d->err)
		return d->err;
	d->r->host = h;
	return 0;
}

/* ---- trace ------------------------------------------------------------------- */

static struct pmt_run_tsite *tsites(struct rd *d, json_object *o, const char *k, size_t *n)
{
	json_object *a = arrf(d, o, k, n, OPT);
	struct pmt_run_tsite *v = alloc_list(d, *n, sizeof(*v));
	size_t i;

	for (i = 0; v && i < *n && !d->err; i++) {
		json_object *e = entry(d, a, i, k), *st;

		if (!e || present(d, e, "stack", &st, REQ))
			break;
		v[i].stack = stackf(d, st, "stack");
		u64f(d, e, "allocs", &v[i].allocs, REQ);
		u64f(d, e, "bytes", &v[i].bytes, REQ);
		boolf(d, e, "partial", &v[i].partial, OPT);
		boolf(d, e, "truncated", &v[i].truncated, OPT);
	}
	if (!v)
		*n = 0;
	return v;
}

static int rec_trace(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_trace t;
	static const char empty[] = "";
	long ix;

	memset(&t, 0, sizeof(t));
	t.trigger = "";
	u64f(d, o, "frame", &t.frame, REQ);
	strf(d, o, "trigger", &t.trigger, OPT);
	boolf(d, o, "complete", &t.complete, OPT);
	u64f(d, o, "duration_ns", &t.duration_ns, OPT);
	dblf(d, o, "cost_ns", &t.cost_ns, OPT);
	u64f(d, o, "allocs", &t.allocs, REQ);
	u64f(d, o, "alloc_bytes", &t.alloc_bytes, REQ);
	u64f(d, o, "frees", &t.frees, OPT);
	/* The sites are checked here; the HTML report shows them from the text. */
	{
		size_t n1, n2;
		struct pmt_run_tsite *a = tsites(d, o, "top_by_bytes", &n1);
		struct pmt_run_tsite *b = tsites(d, o, "top_by_count", &n2);

		run_free(r, a);
		run_free(r, b);
	}
	t.json = empty;
	if (!d->err && r->cfg.keep_frames && r->trace_json_bytes + len < TRACE_JSON_MAX) {
		t.json = intern(d, line, len);
		r->trace_json_bytes += len;
	}
	if (!d->err && RESERVE(r, r->traces, r->ntraces, r->captraces))
		oom(d);
	if (d->err)
		return d->err;
	r->traces[r->ntraces] = t;
	ix = pmt_run_find_frame(r, t.frame);
	if (ix >= 0)
		r->frames[ix].trace = (uint32_t)r->ntraces;
	r->ntraces++;
	return 0;
}

static void free_trace_summary(struct pmt_run *r, struct pmt_run_trace_summary *s)
{
	run_free(r, s->top_by_bytes);
	run_free(r, s->top_by_count);
	memset(s, 0, sizeof(*s));
}

static int rec_trace_summary(struct rd *d, json_object *o, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_trace_summary s;
	json_object *c, *p;
	uint64_t u;

	memset(&s, 0, sizeof(s));
	s.present = true;
	boolf(d, o, "enabled", &s.enabled, REQ);
	strf(d, o, "off_reason", &s.off_reason, OPT);
	u64f(d, o, "missed", &s.missed, OPT);
	u64f(d, o, "frames_traced", &s.frames_traced, REQ);
	u64f(d, o, "incomplete", &s.incomplete, OPT);
	u64f(d, o, "allocs", &s.allocs, REQ);
	u64f(d, o, "alloc_bytes", &s.alloc_bytes, REQ);
	u64f(d, o, "frees", &s.frees, OPT);
	c = objf(d, o, "churn", OPT);
	u64f(d, c, "count", &s.churn, OPT);
	u64f(d, c, "bytes", &s.churn_bytes, OPT);
	dblf(d, o, "cost_ns", &s.cost_ns, OPT);
	dblf(d, o, "overhead_pct", &s.overhead_pct, OPT);
	dblf(d, o, "max_overhead_pct", &s.max_overhead_pct, OPT);
	u64f(d, o, "every", &s.every, OPT);
	u64f(d, o, "governed_every", &s.governed_every, OPT);
	u64f(d, o, "spikes_skipped", &s.spikes_skipped, OPT);
	s.top_by_bytes = tsites(d, o, "top_by_bytes", &s.ntop_bytes);
	s.top_by_count = tsites(d, o, "top_by_count", &s.ntop_count);
	p = objf(d, o, "probes", OPT);
	if (p) {
		s.has_probes = true;
		if (!u64f(d, p, "functions", &u, OPT))
			s.probe_functions = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
		if (!u64f(d, p, "inlined_copies", &u, OPT))
			s.probe_inlined = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
		if (!u64f(d, p, "inlined_size_unknown", &u, OPT))
			s.probe_nosize = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
		if (!u64f(d, p, "single_stepped", &u, OPT))
			s.probe_stepped = u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
	}
	c = objf(d, o, "coverage", OPT);
	if (c) {
		s.has_coverage = true;
		u64f(d, c, "at_inlined_copies", &s.at_inlined_copies, OPT);
		u64f(d, c, "size_unknown", &s.size_unknown, OPT);
	}
	s.json = intern(d, line, len);
	if (d->err) {
		free_trace_summary(r, &s);
		return d->err;
	}
	free_trace_summary(r, &r->trace_summary);
	r->trace_summary = s;
	return 0;
}

/* ---- generic ------------------------------------------------------------------ */

static int rec_generic(struct rd *d, const char *type, const char *line, size_t len)
{
	struct pmt_run *r = d->r;
	struct pmt_run_generic g;

	g.type = type;
	g.frame = r->have_last ? r->last.index + 1 : 0;
	g.json = intern(d, line, len);
	if (!d->err && RESERVE(r, r->generic, r->ngeneric, r->capgeneric))
		oom(d);
	if (d->err)
		return d->err;
	r->generic[r->ngeneric++] = g;
	return 0;
}

/* ---- lines ----------------------------------------------------------------------- */

void pmt_run_init(struct pmt_run *r, const struct pmt_run_config *cfg)
{
	memset(r, 0, sizeof(*r));
	if (cfg)
		r->cfg = *cfg;
	else
		r->cfg.keep_frames = true;
	pmt_strtab_init(&r->strs);
	pmt_strtab_init(&r->stacks);
	r->strs.realloc_fn = r->stacks.realloc_fn = r->cfg.realloc_fn;
	r->strs.alloc_ctx = r->stacks.alloc_ctx = r->cfg.alloc_ctx;
	r->newest_schema = -1;
	r->final.target_exit_code = -1;
}

void pmt_run_free(struct pmt_run *r)
{
	size_t i;

	run_free(r, r->frames);
	run_free(r, r->growth);
	run_free(r, r->asset_samples);
	run_free(r, r->reports);
	free_assets(r, &r->assets);
	run_free(r, r->asset_points);
	for (i = 0; i < r->nbudgets; i++)
		run_free(r, r->budgets[i].v);
	run_free(r, r->budgets);
	for (i = 0; i < r->nalerts; i++)
		run_free(r, r->alerts[i].release);
	run_free(r, r->alerts);
	free_platforms(r, &r->platforms);
	run_free(r, r->traces);
	free_trace_summary(r, &r->trace_summary);
	run_free(r, r->generic);
	pmt_strtab_free(&r->strs);
	pmt_strtab_free(&r->stacks);
	memset(r, 0, sizeof(*r));
}

static int note_unknown(struct rd *d, const char *type, size_t len)
{
	struct pmt_run *r = d->r;
	const char *s;
	size_t i;

	r->skipped_unknown++;
	if (r->nunknown_types >= PMT_RUN_TYPES_SEEN)
		return 1;
	s = intern(d, type, len > 40 ? 40 : len);
	if (d->err)
		return d->err;
	for (i = 0; i < r->nunknown_types; i++)
		if (r->unknown_types[i] == s)
			return 1;
	r->unknown_types[r->nunknown_types++] = s;
	return 1;
}

static int dispatch(struct rd *d, json_object *o, const char *type, size_t tlen,
		    const char *line, size_t len)
{
	static const char *const generic[] = PMT_RUN_GENERIC_TYPES;
	size_t i;

	if (!strcmp(type, "frame"))
		return rec_frame(d, o);
	if (!strcmp(type, "attached"))
		return rec_attached(d, o, line, len);
	if (!strcmp(type, "report"))
		return rec_report(d, o);
	if (!strcmp(type, "final"))
		return rec_final(d, o, line, len);
	if (!strcmp(type, "assets"))
		return rec_assets(d, o, line, len);
	if (!strcmp(type, "budgets"))
		return rec_budgets(d, o);
	if (!strcmp(type, "budget_violation"))
		return rec_alert(d, o);
	if (!strcmp(type, "platforms"))
		return rec_platforms(d, o, line, len);
	if (!strcmp(type, "host"))
		return rec_host(d, o, line, len);
	if (!strcmp(type, "trace"))
		return rec_trace(d, o, line, len);
	if (!strcmp(type, "trace_summary"))
		return rec_trace_summary(d, o, line, len);
	for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if (!strcmp(type, generic[i]))
			return rec_generic(d, generic[i], line, len);
	return note_unknown(d, type, tlen);
}

int pmt_run_feed(struct pmt_run *r, const char *line, size_t len)
{
	struct rd d = { .r = r, .type = "a" };
	json_tokener *tok;
	json_object *o, *tv, *sv;
	const char *type;
	size_t i;
	int64_t ver;
	int rc;

	r->err[0] = 0;
	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return 1; /* blank */
	if (len > INT32_MAX) {
		snprintf(r->err, sizeof(r->err), "line too long");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, line, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		snprintf(r->err, sizeof(r->err), "not JSON (%s at column %zu)",
			 e == json_tokener_continue ? "unexpected end of line" :
						      json_tokener_error_desc(e),
			 json_tokener_get_parse_end(tok) + 1);
		json_object_put(o);
		json_tokener_free(tok);
		return -EINVAL;
	}
	for (i = json_tokener_get_parse_end(tok); i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			snprintf(r->err, sizeof(r->err), "text after the JSON object at column %zu",
				 i + 1);
			json_object_put(o);
			json_tokener_free(tok);
			return -EINVAL;
		}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(r->err, sizeof(r->err), "not a JSON object");
		rc = -EINVAL;
		goto out;
	}
	if (!get(o, "type", &tv) || !json_object_is_type(tv, json_type_string)) {
		snprintf(r->err, sizeof(r->err), "no \"type\" string");
		rc = -EINVAL;
		goto out;
	}
	if (!get(o, "schema_version", &sv) || !json_object_is_type(sv, json_type_int) ||
	    (ver = json_object_get_int64(sv)) < 1) {
		snprintf(r->err, sizeof(r->err), "no \"schema_version\" (a positive integer)");
		rc = -EINVAL;
		goto out;
	}
	type = json_object_get_string(tv);
	if (ver > PMT_RUN_SCHEMA_MAX) {
		r->skipped_newer++;
		if (ver > r->newest_schema)
			r->newest_schema = ver;
		rc = 1;
		goto out;
	}
	d.type = type;
	rc = dispatch(&d, o, type, strnlen(type, (size_t)json_object_get_string_len(tv)), line, len);
	if (rc < 0 && !r->err[0])
		snprintf(r->err, sizeof(r->err), "%s record: invalid", type);
out:
	json_object_put(o);
	if (rc >= 0)
		r->lines++;
	return rc;
}

int pmt_run_feed_unfinished(struct pmt_run *r, const char *line, size_t len)
{
	int rc = pmt_run_feed(r, line, len);

	if (rc != -EINVAL)
		return rc;
	r->truncated = true;
	return 2;
}

int pmt_run_parse(struct pmt_run *r, const char *buf, size_t len)
{
	size_t off = 0;
	uint64_t lineno = 0;

	r->err_line = 0;
	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;
		int rc;

		lineno++;
		rc = nl ? pmt_run_feed(r, buf + off, n) : pmt_run_feed_unfinished(r, buf + off, n);
		if (rc == 2) {
			r->err_line = lineno;
			return 0;
		}
		if (rc < 0) {
			r->err_line = lineno;
			return rc;
		}
		off += n + (nl ? 1 : 0);
	}
	return 0;
}

/* ---- derived views --------------------------------------------------------------- */

int pmt_run_summary(const struct pmt_run *r, uint64_t first_index, struct pmt_summary *out)
{
	struct pmt_summary_acc *acc;
	size_t i;
	bool any = false;

	memset(out, 0, sizeof(*out));
	if (!r->nframes)
		return -ENOENT;
	acc = malloc(sizeof(*acc));
	if (!acc)
		return -ENOMEM;
	pmt_summary_acc_reset(acc);
	for (i = 0; i < r->nframes; i++)
		if (r->frames[i].f.index >= first_index) {
			pmt_summary_acc_add(acc, &r->frames[i].f);
			any = true;
		}
	pmt_summary_acc_get(acc, out);
	free(acc);
	return any ? 0 : -ENOENT;
}

int pmt_run_ring(const struct pmt_run *r, size_t cap, struct pmt_frame_ring *ring)
{
	size_t i = r->nframes > cap ? r->nframes - cap : 0;
	int err = pmt_frame_ring_init(ring, cap ? cap : 1);

	if (err)
		return err;
	for (; i < r->nframes; i++)
		pmt_frame_ring_push(ring, &r->frames[i].f);
	return 0;
}
