/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * snapshot.h - heap snapshots of a running game, read from outside: every
 * object the collector tracks and everything reachable from them that the
 * walker can read, counted by type; the engine assets they own (pygame
 * surfaces, sounds and fonts, SDL textures, PySDL2/ctypes pointers, pyglet
 * GL textures and buffers) with who holds them; what only reference cycles
 * keep alive; and, from the second snapshot on, which types grew and which
 * new objects survived.
 *
 * The game is never stopped: the walk reads chunked copies of its memory
 * (cpython/heapwalk.h) while it runs. A snapshot that cannot finish within
 * its time or memory budget is reported as partial (counts then cover what
 * was read; cycles are not analysed).
 */
#ifndef PMT_SNAPSHOT_H
#define PMT_SNAPSHOT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpython/heapwalk.h"
#include "pmtrace/engine_assets.h"
#include "pmtrace/heapdiff.h"
#include "pmtrace/heapgraph.h"
#include "pmtrace/strtab.h"

#define PMT_SNAP_PATH 512   /* bytes of a reference path */
#define PMT_SNAP_HOLDERS 3  /* holders listed per growing type */

struct pmt_snapconf {
	uint64_t budget_ns;   /* time a snapshot may take (0: no limit) */
	size_t max_objects;   /* objects read at most (0: no limit) */
	size_t cache_limit;   /* bytes of memory copies at most (0: no limit) */
	size_t top;           /* growing types and cycles reported; assets with paths: 20 x top */
	bool keep_objects;    /* keep every object's address for survivors */
};

/* One asset found in the heap. */
struct pmt_snap_asset {
	struct pmt_engine_asset a;        /* key, bytes, type, width, height */
	uint64_t obj;                     /* the Python object holding it */
	char type_name[PMT_PYTYPE_NAME];  /* its class */
	const char *engine;               /* "pygame", "ctypes/PySDL2", "pyglet" */
	char file[PATH_MAX];              /* its source file, when the heap says it; else "" */
	const char *file_source;          /* "dict_key", "tuple", "attribute", or NULL */
	char holder[PMT_SNAP_PATH];       /* a shortest reference path from a root, or "" */
	char family[64];                  /* fonts: FreeType's family name */
	bool cyclic;                      /* kept alive only by a reference cycle */
	bool stored;                      /* entered the asset table as loaded before attach */
};

/* Who holds the instances of a type. */
struct pmt_snap_holder {
	char path[PMT_SNAP_PATH]; /* the holder, and "[*]" or ".attr" for the instances */
	uint64_t count, bytes;
};

/* A type that grew since the previous snapshot. */
struct pmt_snap_growth {
	struct pmt_heapdelta d;
	const char *name;
	struct pmt_snap_holder holders[PMT_SNAP_HOLDERS];
	size_t nholders;
};

/* Reference cycles of one shape keeping objects alive (one entry per printed form). */
struct pmt_snap_cycle {
	char cycle[2 * PMT_SNAP_PATH]; /* the cycle: "Node .peer -> Node .peer -> (back)" */
	uint64_t length;               /* objects on the printed cycle */
	uint64_t count;                /* cycles of this form */
	uint64_t objects, bytes;       /* everything they keep alive (cycles included) */
	uint64_t assets, asset_bytes;  /* assets among them */
};

struct pmt_snapshot {
	uint64_t seq;            /* 1, 2, ... */
	const char *trigger;     /* "attach", "signal", "every", "end", "command" */
	uint64_t ts_ns;          /* CLOCK_MONOTONIC at the start */
	uint64_t duration_ns;    /* wall time of the whole snapshot */
	uint64_t walk_ns;        /* of which reading the heap */
	uint64_t cpu_ns;         /* the tool's CPU time for it */
	bool partial;
	const char *partial_why; /* "time budget", "memory budget", "object limit", "GC lists changed" */
	uint64_t objects, bytes, tracked, untracked;
	uint64_t types;
	uint64_t bad_reads, list_breaks, gc_waits;
	uint64_t copied_bytes, reads;   /* memory copied, process_vm_readv calls */
	uint64_t tool_bytes;     /* memory the tool used for it (copies, graph, tables) */
	uint64_t roots_modules, roots_frames;
	/* Types (every name, most bytes first), with the differences when known. */
	struct pmt_heapdelta *deltas;
	size_t ndeltas;
	bool has_prev;           /* differences since a previous snapshot */
	bool survivors_known;
	const struct pmt_strtab *names; /* the deltas' names (the snapper's) */
	/* Growing types (has_prev), most bytes first. */
	struct pmt_snap_growth *growth;
	size_t ngrowth;
	/* Assets, most bytes first. */
	struct pmt_snap_asset *assets;
	size_t nassets;
	uint64_t asset_bytes;
	/* Cycles. */
	bool cycles_analysed;
	uint64_t cyclic_objects, cyclic_bytes; /* kept alive only by cycles */
	struct pmt_snap_cycle *cycles;
	size_t ncycles;
};

/* Snapshots of one process: the walker, the type names, the history. */
struct pmt_snapper {
	pid_t pid;
	struct pmt_snapconf conf;
	struct pmt_heapwalk hw;
	struct pmt_strtab names;
	struct pmt_heaphistory hist;
	struct pmt_heapgraph graph; /* kept between snapshots: its memory is reused */
	uint64_t seq;
};

/*
 * Prepare snapshots of @pid running @py (its GC state resolved). Returns
 * 0, -EAGAIN (GC state unknown yet), -ENOTSUP, -ENOMEM.
 */
int pmt_snapper_init(struct pmt_snapper *s, pid_t pid, const struct pmt_python *py,
		     const struct pmt_snapconf *conf);
void pmt_snapper_free(struct pmt_snapper *s);

/*
 * Take a snapshot into @out (free it with pmt_snapshot_free()). Returns 0
 * (possibly partial), -ESRCH when the process is gone, -EBUSY when its
 * collector kept running, -ENOMEM, or -errno.
 */
int pmt_snapper_take(struct pmt_snapper *s, const char *trigger, struct pmt_snapshot *out);

void pmt_snapshot_free(struct pmt_snapshot *snap);

#endif
