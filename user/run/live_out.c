// SPDX-License-Identifier: BSD-2-Clause
/*
 * live_out.c - the HTML report, the Perfetto trace and the Prometheus
 * endpoint of a live run.
 *
 * The run's JSON Lines records are its one description: with --html,
 * --perfetto or --prometheus, the tracer writes its records to a stream
 * (fopencookie) that passes them on to the --json file, if any, and feeds
 * every complete line to the same reader `pmtrace-bpf report` uses. So a
 * live report and a report read back from the file are made from the same
 * records by the same code, and whatever records other parts of the tool
 * add reach every output without a line here.
 *
 * The HTML report is rewritten atomically at each report interval, at
 * most once every 20 times what writing it last cost (so a long run's
 * report never takes more than ~5 % of a core), and at the end; the
 * Perfetto trace is written at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "os/outfile.h"
#include "report/report_html.h"
#include "run/live_out.h"
#include "run/prom_server.h"
#include "os/clock.h"

struct pmt_live {
	const struct pmt_options *o;
	struct pmt_run run;
	FILE *json;              /* the --json stream, or NULL */
	FILE *tee;               /* what the tracer writes records to */
	char *line;              /* a record not yet ended by its newline */
	size_t len, cap;
	bool broken;             /* the reader refused a record: outputs stop there */
	struct pmt_prom_server *prom;
	struct pmt_prom_view *view;
	uint64_t html_next_ns, html_cost_ns;
	bool html_failed;
};

static void feed_line(struct pmt_live *l, const char *s, size_t n)
{
	int rc;

	if (l->broken)
		return;
	rc = pmt_run_feed(&l->run, s, n);
	if (rc < 0) {
		l->broken = true;
		fprintf(stderr, "pmtrace-bpf: HTML, Perfetto and Prometheus outputs stop here: %s\n",
			l->run.err);
	}
}

/* Append @n bytes to the pending record; false when memory ran out. */
static bool append(struct pmt_live *l, const char *buf, size_t n)
{
	if (l->len + n > l->cap) {
		size_t nc = l->len + n + 4096;
		char *p = realloc(l->line, nc);

		if (!p)
			return false;
		l->line = p;
		l->cap = nc;
	}
	memcpy(l->line + l->len, buf, n);
	l->len += n;
	return true;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
	struct pmt_live *l = cookie;
	size_t i, start = 0;

	if (l->json) {
		fwrite(buf, 1, n, l->json);
		fflush(l->json);
	}
	for (i = 0; i < n; i++) {
		if (buf[i] != '\n')
			continue;
		if (l->len) {
			if (append(l, buf + start, i - start))
				feed_line(l, l->line, l->len);
			else
				l->broken = true;
			l->len = 0;
		} else {
			feed_line(l, buf + start, i - start);
		}
		start = i + 1;
	}
	if (start < n && !append(l, buf + start, n - start)) /* the start of the next record */
		l->broken = true;
	return (ssize_t)n;
}

int pmt_live_open(struct pmt_live **out, const struct pmt_options *o, FILE *json, FILE *text,
		  char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = tee_write };
	struct pmt_run_config cfg = { .keep_frames = o->html_path || o->perfetto_path };
	struct pmt_live *l;
	size_t i;
	int rc;

	*out = NULL;
	if (!o->html_path && !o->perfetto_path && !o->prometheus)
		return 0;
	if ((o->html_path && pmt_outfile_check(o->html_path, err, errlen)) ||
	    (o->perfetto_path && pmt_outfile_check(o->perfetto_path, err, errlen)))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l || !(l->view = calloc(1, sizeof(*l->view)))) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	l->o = o;
	l->json = json;
	pmt_run_init(&l->run, &cfg);
	for (i = 0; i < o->nlabels; i++) {
		snprintf(l->view->labels[i].name, sizeof(l->view->labels[i].name), "%s",
			 o->labels[i].name);
		snprintf(l->view->labels[i].value, sizeof(l->view->labels[i].value), "%s",
			 o->labels[i].value);
	}
	l->view->nlabels = o->nlabels;
	if (o->prometheus) {
		rc = pmt_prom_server_start(&l->prom, o->prometheus, l->view, err, errlen);
		if (rc) {
			pmt_live_close(l);
			return rc;
		}
		const char *colon = strrchr(o->prometheus, ':');

		fprintf(text, "pmtrace: metrics at http://%.*s:%u/metrics\n",
			colon ? (int)(colon - o->prometheus) : 9, colon ? o->prometheus : "127.0.0.1",
			pmt_prom_server_port(l->prom));
		fflush(text);
	}
	l->tee = fopencookie(l, "w", io);
	if (!l->tee) {
		snprintf(err, errlen, "cannot set up the report stream: %s", strerror(errno));
		pmt_live_close(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

FILE *pmt_live_stream(struct pmt_live *l)
{
	return l ? l->tee : NULL;
}

void pmt_live_tick(struct pmt_live *l)
{
	if (!l || !l->prom)
		return;
	fflush(l->tee);
	pmt_prom_view_from_run(l->view, &l->run);
	pmt_prom_server_publish(l->prom, l->view);
}

struct html_ctx {
	struct pmt_live *l;
	bool live;
};

static int html_fn(FILE *f, void *ctx)
{
	struct html_ctx *c = ctx;
	struct pmt_html_opts ho = {
		.source = c->l->o->json_path && strcmp(c->l->o->json_path, "-") ? c->l->o->json_path :
										      "live run",
		.live = c->live,
		.refresh_s = c->l->o->interval_s > 1 ? c->l->o->interval_s : 1,
	};

	return pmt_html_write(f, &c->l->run, &ho);
}

static int perfetto_fn(FILE *f, void *ctx)
{
	return pmt_perfetto_write(f, &((struct pmt_live *)ctx)->run);
}

static void write_html(struct pmt_live *l, bool live)
{
	struct html_ctx c = { l, live };
	char err[512];
	uint64_t t0 = pmt_mono_ns();

	fflush(l->tee);
	if (pmt_outfile_write(l->o->html_path, html_fn, &c, err, sizeof(err))) {
		if (!l->html_failed)
			fprintf(stderr, "pmtrace-bpf: %s\n", err);
		l->html_failed = true;
		return;
	}
	l->html_cost_ns = pmt_mono_ns() - t0;
}

void pmt_live_report(struct pmt_live *l)
{
	uint64_t now = pmt_mono_ns(), gap = (uint64_t)(l ? l->o->interval_s * 1e9 : 0);

	if (!l || !l->o->html_path || now < l->html_next_ns)
		return;
	write_html(l, true);
	if (gap < 20 * l->html_cost_ns)
		gap = 20 * l->html_cost_ns;
	l->html_next_ns = pmt_mono_ns() + gap - gap / 10; /* an interval is rarely exact */
}

int pmt_live_finish(struct pmt_live *l)
{
	char err[512];
	int rc = 0;

	if (!l)
		return 0;
	fflush(l->tee);
	if (l->o->html_path) {
		write_html(l, false);
		rc = l->html_failed ? -EIO : 0;
	}
	if (l->o->perfetto_path &&
	    pmt_outfile_write(l->o->perfetto_path, perfetto_fn, l, err, sizeof(err))) {
		fprintf(stderr, "pmtrace-bpf: %s\n", err);
		rc = -EIO;
	}
	pmt_live_tick(l);
	return rc;
}

void pmt_live_linger(struct pmt_live *l, double seconds, volatile sig_atomic_t *stop)
{
	uint64_t end, scrapes;

	if (!l || !l->prom || seconds <= 0)
		return;
	scrapes = pmt_prom_server_scrapes(l->prom);
	end = pmt_mono_ns() + (uint64_t)(seconds * 1e9);
	while (pmt_mono_ns() < end && pmt_prom_server_scrapes(l->prom) == scrapes && !*stop)
		usleep(50000);
}

void pmt_live_close(struct pmt_live *l)
{
	if (!l)
		return;
	if (l->tee)
		fclose(l->tee); /* flushes the last bytes through to --json */
	pmt_prom_server_stop(l->prom);
	pmt_run_free(&l->run);
	free(l->line);
	free(l->view);
	free(l);
}
