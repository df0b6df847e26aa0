/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * asset_track.h - the asset probe table and the glue from asset records to
 * the asset store: which functions of which libraries are probed, how a
 * record becomes a load, a free or a use, where file names come from.
 */
#ifndef PMT_ASSET_TRACK_H
#define PMT_ASSET_TRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pmtrace/assets.h"
#include "pmtrace/events.h"
#include "pmtrace/gl.h"
#include "pmtrace/strtab.h"
#include "os/proc.h"
#include "cpython/pylayout.h"
#include "cpython/pystack.h"
#include "cpython/python.h"

struct pmt_bpf;

#define PMT_USE_SITE_CACHE 256 /* a power of two */

/* A file the game loaded an asset from (index: its path id - 1). */
struct pmt_loaded_file {
	uint64_t loads;          /* loads read from this file */
	uint64_t bytes;          /* bytes of the last load */
	uint64_t first_frame;
	uint32_t type, width, height;
	uint32_t site_id;        /* site of the first load */
};

struct pmt_asset_track {
	struct pmt_asset_store *store;
	struct pmt_strtab strs;     /* paths, sites, loader names */
	uint64_t *rw_keys;          /* SDL_RWops* -> path id, open addressing */
	uint32_t *rw_vals;
	uint32_t rw_cap;
	bool track_use;
	bool gl;                    /* GL rows attached */
	pid_t pid;
	char attached[PMT_ASSET_ROWS][256]; /* library each row is attached in */
	int rows_attached;
	struct pmt_loaded_file *files; /* by path id - 1 */
	uint32_t nfiles;
	bool py_ready;              /* the BPF walker has its layout */
	struct pmt_pylayout pyl;
	struct pmt_pystack_cache pyc;
	bool pending;               /* rows waiting for SDL's jump table */
	uint64_t events;
	/* Use sites by (code object or row, position or caller): direct-mapped. */
	uint64_t use_keys[PMT_USE_SITE_CACHE][2];
	uint32_t use_ids[PMT_USE_SITE_CACHE];
	struct pmt_gl_textures gltex; /* GL textures' levels and faces, by key */
	uint64_t gl_unbound;        /* GL uploads to an object bound before attach */
	uint64_t gl_names_lost;     /* deleted GL names not read (unreadable, too many) */
	uint64_t gl_stub_addr[PMT_ASSET_ROWS]; /* GL rows probed on a stub: its address */
	int gl_stubs;               /* GL rows probed on stubs */
	bool gl_vendor;             /* GL probes moved to the vendor's functions */
	bool gl_vendor_failed;      /* could not probe them: the stubs stay */
	char gl_why[192];           /* why the GL probes are still on the stubs */
};

/* Set up for @pid; @gl: probe GL textures and buffers too. Returns 0 or -ENOMEM. */
int pmt_asset_track_init(struct pmt_asset_track *at, pid_t pid, bool track_use, bool gl);
void pmt_asset_track_free(struct pmt_asset_track *at);

/*
 * Attach the rows whose library is mapped now and not yet probed. Rows in
 * SDL whose jump slot is not set yet are left for a later call. Returns the
 * number of rows newly attached. @verbose: print each.
 */
int pmt_asset_track_attach(struct pmt_asset_track *at, struct pmt_bpf *b,
			   const struct pmt_maps *maps, bool verbose);

/*
 * Give the BPF walker the Python layout of @py, once its main interpreter
 * exists. Returns 0, -EAGAIN to call again later, or -errno.
 */
/*
 * Move the GL probes from GLVND's stubs (single-stepped, ~22 us a call) to
 * the vendor's functions the stubs lead to (an emulated instruction where
 * one comes before the arguments change), read from the dispatch table of
 * the last thread that called GL through a stub. Returns 1 once moved, 0
 * while not possible yet (at->gl_why says why: call again later), or a
 * negative errno when the vendor's functions could not be probed (the
 * stubs stay; at->gl_vendor_failed).
 */
int pmt_asset_track_gl_vendor(struct pmt_asset_track *at, struct pmt_bpf *b,
			      const struct pmt_maps *maps, bool verbose);

/* True while GL probes sit on the stubs and moving them may still succeed. */
static inline bool pmt_asset_track_gl_waiting(const struct pmt_asset_track *at)
{
	return at->gl_stubs && !at->gl_vendor && !at->gl_vendor_failed;
}

int pmt_asset_track_set_python(struct pmt_asset_track *at, struct pmt_bpf *b,
			       const struct pmt_python *py);

/*
 * An asset found alive in the heap at attach (cpython/snapshot.c), keyed as
 * the probes key it (so its free is matched), of @type and @bytes, from
 * @path when known (NULL or ""). Enters the store marked loaded before
 * attach, unless a probe already saw it. Returns 1 when entered, 0 when
 * already there, or the store's -errno.
 */
int pmt_asset_track_preloaded(struct pmt_asset_track *at, uint64_t key, uint32_t type,
			      uint64_t bytes, uint32_t width, uint32_t height, const char *path,
			      uint64_t frame, uint64_t ts_ns);

/* Apply one asset record, which happened during @frame. */
void pmt_asset_track_event(struct pmt_asset_track *at, const struct pmt_maps *maps,
			   const struct pmt_asset_event *ev, uint64_t frame);

#endif
