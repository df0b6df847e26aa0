// SPDX-License-Identifier: BSD-2-Clause
/*
 * marker_choice.c - which frame-marker candidates the game calls itself. Pure:
 * code comes through the caller's reader, stacks as records (see marker_choice.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pmtrace/marker_choice.h"

#define BODY_INSNS 3000    /* instructions of a candidate's own body read */
#define REACH_DEPTH 6      /* calls followed when reading what a candidate reaches */
#define REACH_BUDGET 3000  /* instructions read per candidate */

static void sayf(pmt_say_fn say, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sayf(pmt_say_fn say, void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!say)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say(ctx, msg);
}

/*
 * Count, for every detection stack record, which other candidates were
 * active when it was taken: a return address into a candidate's body (one
 * of its call sites) on the stack above the hit.
 */
static void stack_evidence(struct pmt_choice_cand *c, const struct pmt_cg_body *bodies,
			   const struct pmt_stack_event *stk, size_t nstk)
{
	size_t k, w;
	int a;

	for (k = 0; k < nstk; k++) {
		const struct pmt_stack_event *e = &stk[k];
		bool on[PMT_MAX_MARKERS] = { false };
		struct pmt_choice_cand *cb;

		if (e->marker >= PMT_MAX_MARKERS || !c[e->marker].used)
			continue;
		cb = &c[e->marker];
		cb->stacks++;
		for (w = 0; w + 8 <= e->len && w + 8 <= PMT_DETECT_STACK; w += 8) {
			uint64_t v;

			memcpy(&v, e->stack + w, 8);
			for (a = 0; a < PMT_MAX_MARKERS; a++)
				if (a != (int)e->marker && bodies[a].insns.n && !on[a] &&
				    pmt_addr_set_has(&bodies[a].rets, v))
					on[a] = true;
		}
		for (a = 0; a < PMT_MAX_MARKERS; a++)
			if (on[a])
				cb->inside[a]++;
	}
}

static void append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 < len)
		snprintf(buf + n, len - n, "%s%s", n ? ", " : "", s);
}

/* Engine presenters of a kept one's module that no kept candidate reaches. */
static int keep_siblings(struct pmt_choice_cand *c, bool reach[][PMT_MAX_MARKERS])
{
	int a, b, k, n = 0;

	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		if (!c[a].kept || c[a].engine < 0)
			continue;
		for (b = 0; b < PMT_MAX_MARKERS; b++) {
			bool reached = false;

			if (c[b].kept || !c[b].used || c[b].engine != c[a].engine ||
			    strcmp(c[b].lib, c[a].lib))
				continue;
			for (k = 0; k < PMT_MAX_MARKERS; k++)
				reached |= c[k].kept && reach[k][b];
			if (!reached) {
				c[b].kept = true;
				n++;
			}
		}
	}
	return n;
}

/*
 * A kept candidate that only forwards to another one (libGL's
 * glXSwapBuffers jumps to libGLX's; its table may have been unset when
 * its probe was placed): the other's probe counts its calls on a cheaper
 * instruction; the name stays the one the game calls.
 */
static void hand_over(const struct pmt_cg_io *io, struct pmt_choice_cand *c, pmt_say_fn say,
		      void *ctx)
{
	int a, b, k;

	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		uint64_t to = c[a].entry;

		if (!c[a].kept || !c[a].entry)
			continue;
		for (k = 0; k < 3 && !pmt_cg_forward(io, to, &to); k++)
			;
		for (b = 0; to != c[a].entry && b < PMT_MAX_MARKERS; b++) {
			if (b == a || !c[b].used || c[b].entry != to)
				continue;
			sayf(say, ctx, "marker candidate %s forwards to %s: counted there", c[a].name,
			     c[b].name);
			c[a].kept = false; /* b's records are the same calls */
			c[b].kept = true;
			c[b].takes_over = a;
			break;
		}
	}
}

int pmt_marker_choose(const struct pmt_cg_io *io, struct pmt_choice_cand *c,
		      const struct pmt_stack_event *stk, size_t nstk, char *nested, size_t len,
		      pmt_say_fn say, void *ctx)
{
	static bool reach[PMT_MAX_MARKERS][PMT_MAX_MARKERS];
	struct pmt_cg_body bodies[PMT_MAX_MARKERS];
	uint64_t entries[PMT_MAX_MARKERS];
	bool called[PMT_MAX_MARKERS], is_nested[PMT_MAX_MARKERS];
	int a, b, n = 0, best = -1;

	memset(bodies, 0, sizeof(bodies));
	memset(reach, 0, sizeof(reach));
	nested[0] = 0;
	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		c[a].kept = false;
		c[a].takes_over = -1;
		c[a].stacks = 0;
		memset(c[a].inside, 0, sizeof(c[a].inside));
		called[a] = c[a].used && c[a].hits > 0;
		entries[a] = c[a].used ? c[a].entry : 0;
		if (called[a] && entries[a])
			pmt_cg_walk(io, entries[a], BODY_INSNS, &bodies[a]);
	}
	stack_evidence(c, bodies, stk, nstk);
	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		if (!called[a])
			continue;
		sayf(say, ctx, "candidate %s: %llu hits, entry 0x%llx, %llu instructions read, %llu "
		     "call sites, %u stacks", c[a].name, (unsigned long long)c[a].hits,
		     (unsigned long long)entries[a], (unsigned long long)bodies[a].insns.n,
		     (unsigned long long)bodies[a].rets.n, c[a].stacks);
		if (entries[a])
			pmt_cg_reaches(io, entries[a], entries, PMT_MAX_MARKERS, REACH_DEPTH,
				       REACH_BUDGET, reach[a]);
	}
	for (b = 0; b < PMT_MAX_MARKERS; b++) {
		is_nested[b] = false;
		for (a = 0; called[b] && a < PMT_MAX_MARKERS; a++) {
			bool by_code = called[a] && a != b && entries[b] && reach[a][b];
			bool by_stack = called[a] && a != b && c[b].inside[a] &&
					2 * c[b].inside[a] >= c[b].stacks;

			if (!by_code && !by_stack)
				continue;
			is_nested[b] = true;
			sayf(say, ctx, "marker candidate %s is nested in %s (%s%s%s; %u of %u stacks)",
			     c[b].name, c[a].name, by_code ? "its code reaches it" : "",
			     by_code && by_stack ? ", " : "", by_stack ? "on the stack" : "",
			     c[b].inside[a], c[b].stacks);
		}
		if (is_nested[b])
			append(nested, len, c[b].name);
	}
	for (a = 0; a < PMT_MAX_MARKERS; a++) {
		if (!called[a] || is_nested[a])
			continue;
		c[a].kept = true;
		n++;
	}
	if (!n) {
		/* Each reaches the other (a cycle): the most called, then the first found. */
		for (a = 0; a < PMT_MAX_MARKERS; a++)
			if (called[a] && (best < 0 || c[a].hits > c[best].hits))
				best = a;
		if (best >= 0) {
			c[best].kept = true;
			n = 1;
		}
	}
	n += keep_siblings(c, reach);
	hand_over(io, c, say, ctx);
	for (a = 0; a < PMT_MAX_MARKERS; a++)
		pmt_cg_body_free(&bodies[a]);
	return n;
}
