/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sizes.h - the bytes an asset holds, from its object or from the metadata
 * the game gives (AssetMemoryManager and MemoryBudgetSystem register_asset).
 */
#ifndef PMT_SIZES_H
#define PMT_SIZES_H

#include "pmt_module.h"

/*
 * What @o holds, when it says: pygame surfaces and look-alikes (get_pitch()
 * x get_height()), bytes and bytearray, any other buffer (its length), an
 * int nbytes attribute. 1 with *@bytes (and *@w, *@h when known), 0 when it
 * does not say, -1 with an exception.
 */
int pmt_object_size(PyObject *o, uint64_t *bytes, uint32_t *w, uint32_t *h);

/*
 * From metadata dict @md: "size"/"bytes"/"size_bytes", or "width" x
 * "height" (x "depth" or "layers") at the cost of "format" (any format
 * pmt_texture_format_cost() knows), or of "bytes_per_pixel", else 4 bytes
 * (RGBA8), x 4/3 with a true "mipmaps". 1 with *@bytes, 0 when it gives no
 * size, -1 with ValueError (an unknown format, a negative number).
 */
int pmt_metadata_size(PyObject *md, uint64_t *bytes, uint32_t *w, uint32_t *h);

/* @md[@key] (borrowed) when @md is a dict holding a non-None value there, else NULL. */
PyObject *pmt_meta_get(PyObject *md, const char *key);

#endif /* PMT_SIZES_H */
