// SPDX-License-Identifier: BSD-2-Clause
/*
 * report_cmd.c - `pmtrace-bpf report RUN.jsonl`: read a run's JSON Lines
 * back (core/runfile.c) line by line, print the text report the live run
 * printed, and write the HTML report and the Perfetto trace on request.
 *
 * What the reader skipped (an unfinished last line, unknown record types,
 * records of a newer schema) is said on stderr, one line each, and in the
 * HTML report; a corrupt line stops the command with FILE:LINE: reason
 * and exit status PMT_EXIT_BAD_RUN, before anything is written.
 */
#include <argp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/outfile.h"
#include "report/report.h"
#include "report/report_html.h"
#include "run/exit_codes.h"
#include "run/options.h"
#include "run/report_cmd.h"

#define NOTES_MAX 8

struct cmd {
	const char *run;      /* RUN.jsonl, or "-" */
	const char *html;     /* -o / --html */
	const char *perfetto;
	bool quiet;
	char notes[NOTES_MAX][256];
	const char *note_ptrs[NOTES_MAX];
	size_t nnotes;
};

enum { OPT_HTML = 2000, OPT_PERFETTO };

static const struct argp_option report_opts[] = {
	{ "output", 'o', "FILE", 0, "Write the HTML report to FILE", 0 },
	{ "html", OPT_HTML, "FILE", 0, "Same as --output", 0 },
	{ "perfetto", OPT_PERFETTO, "FILE", 0,
	  "Write a Perfetto / Chrome trace (Trace Event JSON) to FILE", 0 },
	{ "quiet", 'q', NULL, 0, "Do not print the text report", 0 },
	{},
};

static const char report_doc[] =
	"Read back a run's JSON Lines (--json FILE of an earlier run): print the text report "
	"the run printed, and write its HTML report and Perfetto trace.\n"
	"\n"
	"EXAMPLES:\n"
	"  pmtrace-bpf report run.jsonl\n"
	"  pmtrace-bpf report run.jsonl -o report.html --perfetto run.trace.json\n"
	"\n"
	"Exit status: 0 ok, 1 internal error (a file could not be written), 2 usage,\n"
	"11 the run file cannot be read or is corrupt (FILE:LINE: reason).";

static error_t parse_report_opt(int key, char *arg, struct argp_state *st)
{
	struct cmd *c = st->input;

	switch (key) {
	case 'o':
	case OPT_HTML:
		c->html = arg;
		break;
	case OPT_PERFETTO:
		c->perfetto = arg;
		break;
	case 'q':
		c->quiet = true;
		break;
	case ARGP_KEY_ARG:
		if (c->run)
			argp_error(st, "one run file only (got '%s' and '%s')", c->run, arg);
		c->run = arg;
		break;
	case ARGP_KEY_END:
		if (!c->run)
			argp_error(st, "give the run's JSON Lines file (written by --json)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static void note(struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	if (c->nnotes == NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(c->notes[c->nnotes], sizeof(c->notes[0]), fmt, ap);
	va_end(ap);
	c->note_ptrs[c->nnotes] = c->notes[c->nnotes];
	fprintf(stderr, "pmtrace-bpf: %s: %s\n", c->run, c->notes[c->nnotes]);
	c->nnotes++;
}

/* What was skipped, said once each. */
static void notes(struct cmd *c, const struct pmt_run *r)
{
	char types[200] = "";
	size_t i, off = 0;

	if (r->truncated)
		note(c, "line %llu is unfinished (the tool was stopped while writing it): skipped",
		     (unsigned long long)r->err_line);
	for (i = 0; i < r->nunknown_types && off < sizeof(types); i++)
		off += (size_t)snprintf(types + off, sizeof(types) - off, "%s'%s'", i ? ", " : "",
					r->unknown_types[i]);
	if (r->skipped_unknown)
		note(c, "%llu record(s) of unknown type %s skipped (written by a newer pmtrace?)",
		     (unsigned long long)r->skipped_unknown, types);
	if (r->skipped_newer)
		note(c, "%llu record(s) of schema_version %lld (this pmtrace reads up to %d) skipped",
		     (unsigned long long)r->skipped_newer, (long long)r->newest_schema,
		     PMT_RUN_SCHEMA_MAX);
	if (!r->final.present)
		note(c, "no final record: the run did not end normally; the report covers the "
			"%zu frame(s) recorded", r->nframes);
}

/* Read @c->run into @r line by line; an exit status. */
static int read_run(struct cmd *c, struct pmt_run *r)
{
	FILE *f = strcmp(c->run, "-") ? fopen(c->run, "re") : stdin;
	unsigned long long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = PMT_EXIT_OK;

	if (!f) {
		fprintf(stderr, "pmtrace-bpf: cannot read %s: %s\n", c->run, strerror(errno));
		return PMT_EXIT_BAD_RUN;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		bool complete = line[n - 1] == '\n';
		int err;

		lineno++;
		err = complete ? pmt_run_feed(r, line, (size_t)n - 1) :
				 pmt_run_feed_unfinished(r, line, (size_t)n);
		if (err == 2)
			r->err_line = lineno;
		if (err == -ENOMEM) {
			fprintf(stderr, "pmtrace-bpf: %s:%llu: out of memory\n", c->run, lineno);
			rc = PMT_EXIT_ERROR;
			break;
		}
		if (err < 0) {
			fprintf(stderr, "pmtrace-bpf: %s:%llu: %s\n", c->run, lineno, r->err);
			rc = PMT_EXIT_BAD_RUN;
			break;
		}
	}
	if (!rc && ferror(f)) {
		fprintf(stderr, "pmtrace-bpf: cannot read %s: %s\n", c->run, strerror(errno));
		rc = PMT_EXIT_BAD_RUN;
	}
	if (!rc && !r->lines) {
		fprintf(stderr, "pmtrace-bpf: %s: no pmtrace records (is it the file --json wrote?)\n",
			c->run);
		rc = PMT_EXIT_BAD_RUN;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

struct out_ctx {
	const struct pmt_run *r;
	const struct pmt_html_opts *o;
};

static int html_fn(FILE *f, void *ctx)
{
	struct out_ctx *c = ctx;

	return pmt_html_write(f, c->r, c->o);
}

static int perfetto_fn(FILE *f, void *ctx)
{
	struct out_ctx *c = ctx;

	return pmt_perfetto_write(f, c->r);
}

int pmt_report_cmd(int argc, char **argv)
{
	static const struct argp argp = { report_opts, parse_report_opt, "RUN.jsonl", report_doc,
					  NULL, NULL, NULL };
	struct pmt_run_config cfg = { .keep_frames = true };
	struct cmd c;
	struct pmt_run r;
	char err[512];
	int rc;

	memset(&c, 0, sizeof(c));
	if (argp_parse(&argp, argc, argv, 0, NULL, &c))
		return PMT_EXIT_USAGE;
	pmt_run_init(&r, &cfg);
	rc = read_run(&c, &r);
	if (rc)
		goto out;
	notes(&c, &r);
	if (!c.quiet && pmt_replay_text(stdout, &r)) {
		fprintf(stderr, "pmtrace-bpf: out of memory\n");
		rc = PMT_EXIT_ERROR;
		goto out;
	}
	if (c.html) {
		struct pmt_html_opts ho = { .source = c.run, .notes = c.note_ptrs,
					    .nnotes = c.nnotes };
		struct out_ctx oc = { &r, &ho };

		if (pmt_outfile_write(c.html, html_fn, &oc, err, sizeof(err))) {
			fprintf(stderr, "pmtrace-bpf: %s\n", err);
			rc = PMT_EXIT_ERROR;
			goto out;
		}
	}
	if (c.perfetto) {
		struct out_ctx oc = { &r, NULL };

		if (pmt_outfile_write(c.perfetto, perfetto_fn, &oc, err, sizeof(err))) {
			fprintf(stderr, "pmtrace-bpf: %s\n", err);
			rc = PMT_EXIT_ERROR;
		}
	}
out:
	pmt_run_free(&r);
	return rc;
}
