// SPDX-License-Identifier: BSD-2-Clause
/*
 * budget_run.c - memory budgets and platform fit, wired to a live run.
 *
 * Usage per category comes from the frame (RSS), the glibc heap mapping
 * (native heap, re-read at most every 250 ms) and the asset store (live
 * bytes per asset type) and pymalloc's arenas read at the frame's end
 * (python_heap, see pyheap.h); reports use the last frame's python_heap.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/budget_run.h"
#include "os/host.h"
#include "os/user_file.h"
#include "run/options.h"
#include "report/report.h"

extern const char pmt_platform_json[];
extern const size_t pmt_platform_json_len;

#define HOOK_INTERVAL_NS (5ULL * 1000000000ULL) /* --on-violation: once per 5 s per budget */
#define PLAN_SHOWN 5

int pmt_platforms_load(struct pmt_platforms *ps, char *err, size_t errlen)
{
	return pmt_platforms_parse(pmt_platform_json, pmt_platform_json_len, ps, err, errlen);
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	/* With the invoking user's rights: a file they cannot read stays unread. */
	int fd = pmt_user_open(path, O_RDONLY, 0);

	if (fd < 0 || fstat(fd, &st) || st.st_size > (16 << 20)) {
		snprintf(err, errlen, "cannot read budget file %s: %s", path,
			 fd < 0 ? strerror(-fd) : "too large or unreadable");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf && read(fd, buf, (size_t)st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	if (!buf)
		snprintf(err, errlen, "cannot read budget file %s", path);
	else
		buf[st.st_size] = 0;
	return buf;
}

/* A budget tree from the platform: its available memory, and on consoles
 * whose banks are separate budgets, one child per extra bank. */
static int platform_budgets(struct pmt_budget_run *r, char *err, size_t errlen)
{
	const struct pmt_platform *p = r->platform;
	uint64_t limit = p->game_available_bytes;
	unsigned warn = 90;
	size_t i;
	int e;

	if (limit == PMT_BYTES_UNKNOWN)
		limit = p->total_bytes;
	if (limit == PMT_BYTES_UNKNOWN)
		return 0; /* a software limit only: nothing to enforce */
	if (p->recommended_bytes != PMT_BYTES_UNKNOWN && p->recommended_bytes < limit)
		warn = (unsigned)(p->recommended_bytes * 100 / limit);
	e = pmt_budgets_add(&r->budgets, p->id, NULL, limit, warn ? warn : 1,
			    PMT_BUDGET_CATS_ALL & ~PMT_BUDGET_CAT(PMT_CAT_PYTHON_HEAP));
	if (e) {
		snprintf(err, errlen, "platform %s: cannot derive budgets (%s)", p->id, strerror(-e));
		return -EINVAL;
	}
	r->active = true;
	if (p->budgets != PMT_BANKS_SEPARATE)
		return 0;
	for (i = 0; i < p->n_banks; i++) {
		char name[96];
		size_t k;

		if (i == p->main_bank || !p->banks[i].holds)
			continue;
		snprintf(name, sizeof(name), "%s", p->banks[i].name);
		for (k = 0; name[k]; k++)
			if (name[k] == ' ' || name[k] == '/')
				name[k] = '_';
		pmt_budgets_add(&r->budgets, name, p->id, p->banks[i].limit, warn ? warn : 1,
				p->banks[i].holds & ~PMT_BUDGET_CAT(PMT_CAT_PYTHON_HEAP));
	}
	return 0;
}

int pmt_budget_run_init(struct pmt_budget_run *r, const struct pmt_options *o, char *err,
			size_t errlen)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	pmt_budgets_init(&r->budgets);
	r->on_violation = o->on_violation;
	r->use_tracked = o->track_use;
	r->strategy = PMT_EVICT_LRU;
	if (o->eviction && pmt_evict_strategy_parse(o->eviction, &r->strategy)) {
		snprintf(err, errlen, "unknown eviction strategy '%s' (lru, lfu, priority, size, age, "
			 "hybrid)", o->eviction);
		return -EINVAL;
	}
	if (pmt_platforms_load(&r->platforms, err, errlen))
		return -EINVAL;
	if (o->platform) {
		r->platform = pmt_platform_find(&r->platforms, o->platform);
		if (!r->platform) {
			snprintf(err, errlen, "unknown platform '%s' (see: pmtrace-bpf platforms)",
				 o->platform);
			return -EINVAL;
		}
		if (platform_budgets(r, err, errlen))
			return -EINVAL;
	}
	if (o->budget_file) {
		char *text = read_file(o->budget_file, err, errlen);

		if (!text)
			return -EINVAL;
		i = pmt_budgets_parse(text, o->budget_file, &r->budgets, err, errlen);
		free(text);
		if (i)
			return -EINVAL;
		r->active = true;
	}
	for (i = 0; i < pmt_budgets_count(&r->budgets); i++)
		if (pmt_budget_categories(&r->budgets, (int)i) & PMT_BUDGET_CAT(PMT_CAT_PYTHON_HEAP))
			r->counts_python_heap = true;
	r->last_hook_ns = calloc(pmt_budgets_count(&r->budgets) + 1, sizeof(uint64_t));
	if (!r->last_hook_ns) {
		snprintf(err, errlen, "out of memory");
		return -EINVAL;
	}
	return 0;
}

void pmt_budget_run_free(struct pmt_budget_run *r)
{
	pmt_budgets_free(&r->budgets);
	pmt_platforms_free(&r->platforms);
	free(r->last_hook_ns);
	free(r->scratch);
	memset(r, 0, sizeof(*r));
}

/* Live assets into the scratch buffer; returns how many. */
static size_t live_assets(struct pmt_budget_run *r, struct pmt_asset_track *at)
{
	size_t n;

	if (!at || !at->store)
		return 0;
	n = pmt_asset_live_count(at->store);
	if (n > r->scratch_cap) {
		struct pmt_asset *s = realloc(r->scratch, n * sizeof(*s));

		if (!s)
			return 0;
		r->scratch = s;
		r->scratch_cap = n;
	}
	return pmt_asset_live_list(at->store, r->scratch, n);
}

struct glob_ctx {
	struct pmt_budget_run *r;
	struct pmt_asset_track *at;
	size_t n; /* live assets in r->scratch, or (size_t)-1 until listed */
};

static uint64_t glob_bytes(void *ctx, const char *const *globs, size_t n, uint32_t counted)
{
	struct glob_ctx *g = ctx;
	uint64_t sum = 0;
	size_t i, k;

	if (g->n == (size_t)-1)
		g->n = live_assets(g->r, g->at);
	for (i = 0; i < g->n; i++) {
		const struct pmt_asset *a = &g->r->scratch[i];
		const char *path = pmt_strtab_get(&g->at->strs, a->l.path_id);
		int cat = pmt_budget_cat_of_asset(a->l.type);

		if (!path || (cat >= 0 && (counted & PMT_BUDGET_CAT(cat))))
			continue;
		for (k = 0; k < n; k++)
			if (pmt_budget_path_match(globs[k], path)) {
				sum += a->l.bytes;
				break;
			}
	}
	return sum;
}

static void fill_sample(struct pmt_budget_run *r, struct pmt_asset_track *at, uint64_t rss,
			uint64_t pyheap, uint64_t now_ns, struct pmt_budget_sample *s,
			struct glob_ctx *g)
{
	static const struct {
		enum pmt_category cat;
		enum pmt_asset_type type;
	} map[] = {
		{ PMT_CAT_TEXTURES, PMT_ASSET_TEXTURE }, { PMT_CAT_SURFACES, PMT_ASSET_SURFACE },
		{ PMT_CAT_TEXT, PMT_ASSET_TEXT },        { PMT_CAT_AUDIO, PMT_ASSET_AUDIO },
		{ PMT_CAT_MUSIC, PMT_ASSET_MUSIC },      { PMT_CAT_FONTS, PMT_ASSET_FONT },
		{ PMT_CAT_GPU_BUFFERS, PMT_ASSET_GPU_BUFFER },
	};
	size_t i;
	int c;

	memset(s, 0, sizeof(*s));
	if (now_ns >= r->heap_next_ns) {
		r->heap_bytes = pmt_native_heap_bytes(r->pid);
		r->heap_next_ns = now_ns + 250000000ULL;
	}
	s->bytes[PMT_CAT_RSS] = rss;
	s->bytes[PMT_CAT_NATIVE_HEAP] = r->heap_bytes;
	s->bytes[PMT_CAT_PYTHON_HEAP] = pyheap;
	if (at && at->store)
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			s->bytes[map[i].cat] = pmt_asset_type_stats(at->store, map[i].type)->live_bytes;
	for (c = 0; c < PMT_CAT_COUNT; c++)
		if (s->bytes[c] > r->peak[c])
			r->peak[c] = s->bytes[c];
	g->r = r;
	g->at = at;
	g->n = (size_t)-1;
	s->asset_bytes = glob_bytes;
	s->ctx = g;
}

/* The eviction plan for budget @idx over @usage: assets it counts, in order. */
static void plan_for(struct pmt_budget_run *r, struct pmt_asset_track *at, int idx,
		     uint64_t usage, uint64_t frame, struct pmt_evict_plan *plan,
		     struct pmt_evict_candidate **out, size_t *nout)
{
	uint32_t cats = 0;
	size_t n = live_assets(r, at), i, k = 0;
	struct pmt_evict_candidate *c = n ? calloc(n, sizeof(*c)) : NULL;
	struct pmt_evict_weights w;
	int j, strat = pmt_budget_eviction(&r->budgets, idx);

	*out = NULL;
	*nout = 0;
	memset(plan, 0, sizeof(*plan));
	/* The categories of the budget's whole subtree. */
	for (j = 0; j < (int)pmt_budgets_count(&r->budgets); j++) {
		int p = j;

		while (p >= 0 && p != idx)
			p = pmt_budget_parent(&r->budgets, p);
		if (p == idx)
			cats |= pmt_budget_categories(&r->budgets, j);
	}
	for (i = 0; c && i < n; i++) {
		const struct pmt_asset *a = &r->scratch[i];
		int cat = pmt_budget_cat_of_asset(a->l.type);
		const char *path = pmt_strtab_get(&at->strs, a->l.path_id);
		int32_t prio = 0;

		if (cat < 0 || !(cats & (PMT_BUDGET_CAT(cat) | PMT_BUDGET_CAT(PMT_CAT_RSS))))
			continue;
		if (path)
			pmt_budgets_priority(&r->budgets, path, &prio);
		pmt_evict_candidate_from_asset(&c[k++], a, prio);
	}
	pmt_budgets_hybrid(&r->budgets, &w);
	if (pmt_evict_plan(strat == PMT_BUDGET_NO_EVICTION ? r->strategy : (enum pmt_evict_strategy)strat, &w, c, k, usage,
			   pmt_budget_limit(&r->budgets, idx), frame, r->use_tracked, plan)) {
		free(c);
		return;
	}
	*out = c;
	*nout = k;
}

static void json_plan(FILE *f, const struct pmt_evict_plan *p, const struct pmt_evict_candidate *c,
		      const struct pmt_asset_track *at)
{
	size_t i;

	fprintf(f, "{\"strategy\":\"%s\",\"status\":", pmt_evict_strategy_name(p->strategy));
	pmt_json_str(f, pmt_evict_status_text(p->status));
	fprintf(f, ",\"use_tracking\":%s,\"bytes_needed\":%" PRIu64 ",\"bytes_freed\":%" PRIu64
		   ",\"usage_after\":%" PRIu64 ",\"release\":[",
		p->use_ignored ? "false" : "true", p->bytes_needed, p->bytes_freed, p->usage_after);
	for (i = 0; i < p->count; i++) {
		const char *path = pmt_strtab_get(&at->strs, c[i].path_id);

		fprintf(f, "%s{\"bytes\":%" PRIu64 ",\"type\":\"%s\",\"path\":", i ? "," : "",
			c[i].bytes, pmt_asset_type_name(c[i].type));
		if (path)
			pmt_json_str(f, path);
		else
			fputs("null", f);
		fputs(",\"site\":", f);
		pmt_json_str(f, pmt_strtab_get(&at->strs, c[i].site_id) ?
					pmt_strtab_get(&at->strs, c[i].site_id) : "");
		fprintf(f, ",\"load_frame\":%" PRIu64 ",\"priority\":%d}", c[i].load_frame,
			c[i].priority);
	}
	fputs("]}", f);
}

/* The alert as a record (strings borrowed from the budgets and the store). */
static void alert_view(const struct pmt_budget_event *e, const char *state,
		       const struct pmt_evict_plan *p, const struct pmt_evict_candidate *c,
		       const struct pmt_asset_track *at, struct pmt_run_alert *a,
		       struct pmt_run_release *rel, size_t nrel)
{
	size_t i;

	memset(a, 0, sizeof(*a));
	a->budget = e->path;
	a->state = state;
	a->from = pmt_budget_state_name(e->from);
	a->usage = e->usage;
	a->limit = e->limit;
	a->frame = e->frame;
	a->ts_ns = e->ts_ns;
	a->percent = e->percent;
	if (!c)
		return;
	a->has_plan = true;
	a->strategy = pmt_evict_strategy_name(p->strategy);
	a->status = pmt_evict_status_text(p->status);
	a->use_tracking = !p->use_ignored;
	a->bytes_needed = p->bytes_needed;
	a->bytes_freed = p->bytes_freed;
	a->usage_after = p->usage_after;
	a->nrelease = p->count;
	a->release = rel;
	for (i = 0; i < p->count && i < nrel; i++) {
		rel[i].bytes = c[i].bytes;
		rel[i].load_frame = c[i].load_frame;
		rel[i].type = pmt_asset_type_name(c[i].type);
		rel[i].path = pmt_strtab_get(&at->strs, c[i].path_id);
		rel[i].site = pmt_strtab_get(&at->strs, c[i].site_id);
		rel[i].priority = c[i].priority;
	}
}

extern char **environ;

/*
 * Run --on-violation in a grandchild, so nothing waits on it. Everything
 * it needs is built before fork(): the tool has threads, and only
 * async-signal-safe calls are safe in the child of a threaded process.
 * Budgets are checked only after start-up, when the tool runs under the
 * invoking user's uid: the command runs as them, and exec gives it none
 * of the tool's capabilities (a program without file capabilities run by
 * a user other than root starts with empty sets; the ambient set is empty).
 */
static void run_hook(struct pmt_budget_run *r, const struct pmt_budget_event *e, uint64_t now,
		     bool sampled)
{
	enum { NV = 9 };
	char v[NV][160];
	char **envp, **base = r->hook_env ? r->hook_env : environ;
	size_t ne = 0, i;
	pid_t pid;

	if (!r->on_violation || e->idx < 0)
		return;
	if (r->last_hook_ns[e->idx] && now - r->last_hook_ns[e->idx] < HOOK_INTERVAL_NS)
		return; /* rate limited */
	r->last_hook_ns[e->idx] = now;
	snprintf(v[0], sizeof(v[0]), "PMT_BUDGET=%s", e->path);
	snprintf(v[1], sizeof(v[1]), "PMT_STATE=%s", e->to == PMT_BUDGET_EXCEEDED ? "exceeded" :
						    e->to == PMT_BUDGET_WARNING ? "approaching" : "ok");
	snprintf(v[2], sizeof(v[2]), "PMT_USAGE_BYTES=%" PRIu64, e->usage);
	snprintf(v[3], sizeof(v[3]), "PMT_LIMIT_BYTES=%" PRIu64, e->limit);
	snprintf(v[4], sizeof(v[4]), "PMT_PERCENT=%u", e->percent);
	if (sampled)
		snprintf(v[5], sizeof(v[5]), "PMT_FRAME=");
	else
		snprintf(v[5], sizeof(v[5]), "PMT_FRAME=%" PRIu64, e->frame);
	snprintf(v[6], sizeof(v[6]), "PMT_PID=%d", (int)r->pid);
	snprintf(v[7], sizeof(v[7]), "PMT_TS_NS=%" PRIu64, e->ts_ns);
	if (sampled)
		snprintf(v[8], sizeof(v[8]), "PMT_SAMPLE=%" PRIu64, e->frame);
	else
		snprintf(v[8], sizeof(v[8]), "PMT_SAMPLE=");
	while (base[ne])
		ne++;
	envp = calloc(ne + NV + 1, sizeof(*envp));
	if (!envp)
		return;
	/* Ours first: a shell takes the first of two equal names. */
	for (i = 0; i < NV; i++)
		envp[i] = v[i];
	for (i = 0; i < ne; i++)
		envp[NV + i] = base[i];
	pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			execle("/bin/sh", "sh", "-c", r->on_violation, (char *)NULL, envp);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	free(envp);
}

/* Check the budgets at frame or sample @index; alerts go out at once. */
static void check(struct pmt_budget_run *r, struct pmt_asset_track *at, uint64_t rss,
		  uint64_t index, uint64_t ts_ns, bool sampled, FILE *text, FILE *json,
		  uint64_t now_ns)
{
	struct pmt_budget_event ev[16];
	struct pmt_budget_sample s;
	struct glob_ctx g;
	int n, i;

	fill_sample(r, at, rss, r->python_heap_bytes, now_ns, &s, &g);
	n = pmt_budgets_check(&r->budgets, &s, index, ts_ns, ev, 16);
	for (i = 0; i < n; i++) {
		const struct pmt_budget_event *e = &ev[i];
		const char *state = e->to == PMT_BUDGET_EXCEEDED ? "exceeded" :
				    e->to == PMT_BUDGET_WARNING ? "approaching" : "ok";
		struct pmt_evict_candidate *c = NULL;
		struct pmt_run_release rel[PLAN_SHOWN];
		struct pmt_run_alert view;
		struct pmt_evict_plan plan;
		size_t nc = 0;

		if (e->to == PMT_BUDGET_EXCEEDED) {
			r->any_exceeded = true;
			r->violations++;
			if (at && at->store)
				plan_for(r, at, e->idx, e->usage, e->frame, &plan, &c, &nc);
		}
		alert_view(e, state, &plan, c, at, &view, rel, PLAN_SHOWN);
		view.sampled = sampled;
		pmt_text_alert(text, &view);
		if (json) {
			fprintf(json, "{\"type\":\"budget_violation\",\"schema_version\":%d,\"budget\":",
				PMT_SCHEMA_VERSION);
			pmt_json_str(json, e->path);
			fprintf(json, ",\"state\":\"%s\",\"from\":\"%s\",\"usage_bytes\":%" PRIu64
				      ",\"limit_bytes\":%" PRIu64 ",\"percent\":%u",
				state, pmt_budget_state_name(e->from), e->usage, e->limit, e->percent);
			if (sampled)
				fprintf(json, ",\"frame\":null,\"sample\":%" PRIu64, e->frame);
			else
				fprintf(json, ",\"frame\":%" PRIu64 ",\"sample\":null", e->frame);
			fprintf(json, ",\"ts_ns\":%" PRIu64 ",\"eviction_plan\":", e->ts_ns);
			if (c)
				json_plan(json, &plan, c, at);
			else
				fputs("null", json);
			fputs("}\n", json);
			fflush(json);
		}
		free(c);
		run_hook(r, e, now_ns, sampled);
	}
}

void pmt_budget_run_frame(struct pmt_budget_run *r, const struct pmt_frame *f,
			  struct pmt_asset_track *at, FILE *text, FILE *json, uint64_t now_ns)
{
	if (f->python_heap_known) {
		r->python_heap_bytes = f->python_heap_bytes;
		if (f->python_heap_bytes > r->peak[PMT_CAT_PYTHON_HEAP])
			r->peak[PMT_CAT_PYTHON_HEAP] = f->python_heap_bytes;
	}
	if (!r->active)
		return;
	check(r, at, f->rss_bytes, f->index, f->ts_ns, false, text, json, now_ns);
}

void pmt_budget_run_sample(struct pmt_budget_run *r, uint64_t rss, uint64_t index, uint64_t ts_ns,
			   FILE *text, FILE *json, uint64_t now_ns)
{
	if (r->active)
		check(r, NULL, rss, index, ts_ns, true, text, json, now_ns);
}

static void report_budgets(struct pmt_budget_run *r, struct pmt_asset_track *at, uint64_t rss,
			   FILE *text, FILE *json)
{
	struct pmt_budget_sample s;
	struct pmt_run_budgets view = { .violations = r->violations };
	struct glob_ctx g;
	size_t i, n = pmt_budgets_count(&r->budgets);

	fill_sample(r, at, rss, r->python_heap_bytes, 0, &s, &g);
	view.v = n ? calloc(n, sizeof(*view.v)) : NULL;
	view.n = view.v ? n : 0;
	if (json)
		fprintf(json, "{\"type\":\"budgets\",\"schema_version\":%d,\"violations\":%" PRIu64
			      ",\"budgets\":[",
			PMT_SCHEMA_VERSION, r->violations);
	for (i = 0; i < n; i++) {
		uint64_t use = pmt_budget_usage(&r->budgets, (int)i, &s);
		uint64_t lim = pmt_budget_limit(&r->budgets, (int)i);

		if (view.v) {
			view.v[i].path = pmt_budget_path(&r->budgets, (int)i);
			view.v[i].usage = use;
			view.v[i].limit = lim;
			view.v[i].state = pmt_budget_state_name(pmt_budget_state(&r->budgets, (int)i));
		}
		if (json) {
			fprintf(json, "%s{\"path\":", i ? "," : "");
			pmt_json_str(json, pmt_budget_path(&r->budgets, (int)i));
			fprintf(json, ",\"usage_bytes\":%" PRIu64 ",\"limit_bytes\":%" PRIu64
				      ",\"warn_percent\":%u,\"state\":\"%s\"}",
				use, lim, pmt_budget_warn_pct(&r->budgets, (int)i),
				pmt_budget_state_name(pmt_budget_state(&r->budgets, (int)i)));
		}
	}
	if (json) {
		fputs("]}\n", json);
		fflush(json);
	}
	pmt_text_budgets(text, &view);
	free(view.v);
}

/* The platforms record as JSON, from its view. */
static void json_platforms(FILE *json, const struct pmt_run_platforms *p)
{
	size_t i, k;

	fprintf(json, "{\"type\":\"platforms\",\"schema_version\":%d,\"peak_bytes\":%" PRIu64
		      ",\"python_heap_peak_bytes\":%" PRIu64 ",\"profiles\":[",
		PMT_SCHEMA_VERSION, p->peak_bytes, p->python_heap_peak_bytes);
	for (i = 0; i < p->n; i++) {
		const struct pmt_run_profile *x = &p->profiles[i];

		fprintf(json, "%s{\"id\":\"%s\",\"verdict\":\"%s\",\"used_bytes\":%" PRIu64,
			i ? "," : "", x->id, x->verdict, x->used);
		if (x->available != PMT_BYTES_UNKNOWN)
			fprintf(json, ",\"available_bytes\":%" PRIu64, x->available);
		if (x->recommended != PMT_BYTES_UNKNOWN)
			fprintf(json, ",\"recommended_bytes\":%" PRIu64, x->recommended);
		fprintf(json, ",\"over_bytes\":%" PRIu64 ",\"banks\":[", x->over);
		for (k = 0; k < x->nbanks; k++) {
			fprintf(json, "%s{\"name\":", k ? "," : "");
			pmt_json_str(json, x->banks[k].name);
			fprintf(json, ",\"used_bytes\":%" PRIu64 ",\"verdict\":\"%s\"}",
				x->banks[k].used, x->banks[k].verdict);
		}
		fputs("]}", json);
	}
	fputs("]", json);
	if (p->platform) {
		fputs(",\"platform\":", json);
		pmt_json_str(json, p->platform);
		fputs(",\"platform_name\":", json);
		pmt_json_str(json, p->platform_name);
		fputs(",\"advice\":[", json);
		for (i = 0; i < p->nadvice; i++) {
			if (i)
				fputc(',', json);
			pmt_json_str(json, p->advice[i]);
		}
		fputc(']', json);
	}
	fputs("}\n", json);
	fflush(json);
}

static void report_platforms(struct pmt_budget_run *r, uint64_t rss_peak, FILE *text, FILE *json)
{
	struct pmt_run_platforms view;
	struct pmt_run_bank *banks;
	struct pmt_measured m;
	char lines[16][PMT_ADVICE_LINE];
	const char *advice[16];
	size_t i, k, n = r->platforms.n;
	int c;

	memset(&m, 0, sizeof(m));
	m.peak_rss = rss_peak;
	for (c = 0; c < PMT_CAT_COUNT; c++)
		m.peak_by_cat[c] = r->peak[c];
	m.peak_by_cat[PMT_CAT_RSS] = rss_peak > r->peak[PMT_CAT_RSS] ? rss_peak : r->peak[PMT_CAT_RSS];
	memset(&view, 0, sizeof(view));
	view.present = true;
	view.peak_bytes = m.peak_by_cat[PMT_CAT_RSS];
	view.python_heap_peak_bytes = m.peak_by_cat[PMT_CAT_PYTHON_HEAP];
	view.profiles = n ? calloc(n, sizeof(*view.profiles)) : NULL;
	banks = n ? calloc(n * PMT_PLATFORM_MAX_BANKS, sizeof(*banks)) : NULL;
	if (n && (!view.profiles || !banks))
		goto out;
	view.n = n;
	for (i = 0; i < n; i++) {
		const struct pmt_platform *p = &r->platforms.v[i];
		struct pmt_run_profile *x = &view.profiles[i];
		struct pmt_fit fit;

		pmt_platform_fit(p, &m, &fit);
		x->id = p->id;
		x->verdict = pmt_fit_verdict_name(fit.worst);
		x->used = fit.total.used;
		x->available = fit.total.limit;
		x->recommended = fit.total.recommended;
		x->over = fit.total.over_bytes;
		x->banks = banks + i * PMT_PLATFORM_MAX_BANKS;
		x->nbanks = fit.n_banks;
		for (k = 0; k < fit.n_banks; k++) {
			x->banks[k].name = p->banks[k].name;
			x->banks[k].used = fit.banks[k].used;
			x->banks[k].verdict = pmt_fit_verdict_name(fit.banks[k].verdict);
		}
	}
	if (r->platform) {
		struct pmt_fit fit;

		pmt_platform_fit(r->platform, &m, &fit);
		view.nadvice = pmt_platform_advice(r->platform, &m, &fit, lines, 16);
		for (i = 0; i < view.nadvice; i++)
			advice[i] = lines[i];
		view.advice = advice;
		view.platform = r->platform->id;
		view.platform_name = r->platform->name;
	}
	if (json)
		json_platforms(json, &view);
	pmt_text_platforms(text, &view);
out:
	free(view.profiles);
	free(banks);
}

void pmt_budget_run_report(struct pmt_budget_run *r, struct pmt_asset_track *at,
			   uint64_t rss_now, uint64_t rss_peak, bool final, FILE *text, FILE *json)
{
	struct pmt_host h;

	if (r->active)
		report_budgets(r, at, rss_now, text, json);
	if (final)
		report_platforms(r, rss_peak, text, json);
	if (!pmt_host_read(r->pid, rss_now, &h)) {
		if (text)
			pmt_host_text(text, &h);
		if (json)
			pmt_host_json(json, &h);
	}
}
