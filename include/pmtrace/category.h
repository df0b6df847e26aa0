/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * category.h - the measured memory categories shared by the analyses that
 * judge a game's memory (platform fit, budgets): the whole process (rss)
 * and the parts pmtrace can attribute. Their names are what users write in
 * budget files and what the platform data's bank "holds" lists contain, so
 * the names and the order of the enum are stable: add new categories at
 * the end, before PMT_CAT_COUNT, and never rename one.
 *
 * Header only (static inline helpers), so any module can use it without
 * linking another object.
 */
#ifndef PMTRACE_CATEGORY_H
#define PMTRACE_CATEGORY_H

#include <errno.h>
#include <string.h>

enum pmt_category {
	PMT_CAT_RSS = 0,     /* "rss": the whole process, resident */
	PMT_CAT_PYTHON_HEAP, /* "python_heap": CPython object memory */
	PMT_CAT_NATIVE_HEAP, /* "native_heap": malloc outside CPython's allocator */
	PMT_CAT_TEXTURES,    /* "textures": SDL renderer textures (GPU) */
	PMT_CAT_SURFACES,    /* "surfaces": SDL surfaces: images, render targets */
	PMT_CAT_TEXT,        /* "text": surfaces rendered from text */
	PMT_CAT_AUDIO,       /* "audio": decoded sound effects */
	PMT_CAT_MUSIC,       /* "music": music streams */
	PMT_CAT_FONTS,       /* "fonts": loaded font faces */
	PMT_CAT_GPU_BUFFERS, /* "gpu_buffers": GL buffers */
	PMT_CAT_COUNT,
};

/* The stable name of @c ("rss", "python_heap", ...), or NULL when @c is out of range. */
static inline const char *pmt_category_name(enum pmt_category c)
{
	switch (c) {
	case PMT_CAT_RSS: return "rss";
	case PMT_CAT_PYTHON_HEAP: return "python_heap";
	case PMT_CAT_NATIVE_HEAP: return "native_heap";
	case PMT_CAT_TEXTURES: return "textures";
	case PMT_CAT_SURFACES: return "surfaces";
	case PMT_CAT_TEXT: return "text";
	case PMT_CAT_AUDIO: return "audio";
	case PMT_CAT_MUSIC: return "music";
	case PMT_CAT_FONTS: return "fonts";
	case PMT_CAT_GPU_BUFFERS: return "gpu_buffers";
	case PMT_CAT_COUNT: break;
	}
	return NULL;
}

/*
 * The category named @name (exact, case-sensitive match), as a
 * non-negative enum pmt_category value; -EINVAL for NULL or an unknown name.
 */
static inline int pmt_category_from_name(const char *name)
{
	int c;

	if (!name)
		return -EINVAL;
	for (c = 0; c < PMT_CAT_COUNT; c++)
		if (strcmp(name, pmt_category_name((enum pmt_category)c)) == 0)
			return c;
	return -EINVAL;
}

#endif /* PMTRACE_CATEGORY_H */
