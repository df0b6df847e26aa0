// SPDX-License-Identifier: BSD-2-Clause
/*
 * sizes.c - asset sizes (sizes.h): from the object first, because it knows
 * how it is stored (a surface's pitch includes its row padding), then from
 * the caller's metadata, costed by the core's pixel-format table.
 */
#include "sizes.h"

#include <string.h>

#include "pmtrace/platform.h"

/* An int attribute of @o by calling method @name, or -1 (no exception) when it has none. */
static long long call_int_method(PyObject *o, const char *name)
{
	PyObject *r = PyObject_CallMethod(o, name, NULL);
	long long v;

	if (!r) {
		PyErr_Clear();
		return -1;
	}
	v = PyLong_Check(r) ? PyLong_AsLongLong(r) : -1;
	Py_DECREF(r);
	if (v == -1 && PyErr_Occurred())
		PyErr_Clear();
	return v;
}

/*
 * The bytes @o holds, when it says: 1 with *@bytes (and *@w, *@h when
 * known), 0 when it does not, -1 with an exception.
 */
int pmt_object_size(PyObject *o, uint64_t *bytes, uint32_t *w, uint32_t *h)
{
	if (PyBytes_Check(o)) {
		*bytes = (uint64_t)PyBytes_GET_SIZE(o);
		return 1;
	}
	if (PyByteArray_Check(o)) {
		*bytes = (uint64_t)PyByteArray_GET_SIZE(o);
		return 1;
	}
	/* pygame.Surface and look-alikes: the pixel rows as stored */
	if (PyObject_HasAttrString(o, "get_pitch") && PyObject_HasAttrString(o, "get_height")) {
		long long pitch = call_int_method(o, "get_pitch");
		long long height = call_int_method(o, "get_height");

		if (pitch >= 0 && height >= 0) {
			long long width = call_int_method(o, "get_width");

			*bytes = (uint64_t)pitch * (uint64_t)height;
			*h = (uint32_t)height;
			if (width >= 0)
				*w = (uint32_t)width;
			return 1;
		}
	}
	if (PyObject_CheckBuffer(o)) {
		Py_buffer view;

		if (PyObject_GetBuffer(o, &view, PyBUF_RECORDS_RO) == 0) {
			*bytes = (uint64_t)view.len;
			PyBuffer_Release(&view);
			return 1;
		}
		PyErr_Clear();
	}
	if (PyObject_HasAttrString(o, "nbytes")) {
		PyObject *nb = PyObject_GetAttrString(o, "nbytes");
		long long v = nb && PyLong_Check(nb) ? PyLong_AsLongLong(nb) : -1;

		Py_XDECREF(nb);
		PyErr_Clear();
		if (v >= 0) {
			*bytes = (uint64_t)v;
			return 1;
		}
	}
	return 0;
}

PyObject *pmt_meta_get(PyObject *md, const char *key)
{
	PyObject *v = md && PyDict_Check(md) ? PyDict_GetItemString(md, key) : NULL;

	return v == Py_None ? NULL : v;
}

/* A whole, non-negative number from metadata @key: 1 and *@out, 0 when absent, -1 on error. */
static int meta_uint(PyObject *md, const char *key, uint64_t *out)
{
	PyObject *v = pmt_meta_get(md, key);
	char what[64];

	if (!v)
		return 0;
	snprintf(what, sizeof(what), "metadata['%s']", key);
	return pmt_bytes_arg(v, what, out) < 0 ? -1 : 1;
}

/*
 * Size from the metadata: "size"/"bytes"/"size_bytes", or width x height
 * (x depth or layers) at the "format"'s cost (or "bytes_per_pixel", or 4
 * bytes: RGBA8 when neither is given), x 4/3 with "mipmaps". 1 with
 * *@bytes, 0 when it has no size, -1 with ValueError (unknown format...).
 */
int pmt_metadata_size(PyObject *md, uint64_t *bytes, uint32_t *w, uint32_t *h)
{
	static const char *const direct[] = { "size", "bytes", "size_bytes" };
	uint64_t width = 0, height = 0, depth = 1, bpp = 0, v;
	unsigned int bpp_x100 = 3200;
	PyObject *fmt, *mip;
	size_t i;
	int r;

	if (!md)
		return 0;
	for (i = 0; i < sizeof(direct) / sizeof(direct[0]); i++) {
		r = meta_uint(md, direct[i], bytes);
		if (r)
			return r;
	}
	if ((r = meta_uint(md, "width", &width)) <= 0 || (r = meta_uint(md, "height", &height)) <= 0)
		return r;
	*w = (uint32_t)width;
	*h = (uint32_t)height;
	if ((r = meta_uint(md, "depth", &v)) < 0)
		return -1;
	if (r && v)
		depth = v;
	if ((r = meta_uint(md, "layers", &v)) < 0)
		return -1;
	if (r && v)
		depth *= v;
	if ((r = meta_uint(md, "bytes_per_pixel", &bpp)) < 0)
		return -1;
	fmt = pmt_meta_get(md, "format");
	if (r) {
		bpp_x100 = (unsigned int)(bpp * 800);
	} else if (fmt) {
		const char *s = PyUnicode_Check(fmt) ? PyUnicode_AsUTF8(fmt) : NULL;

		if (!s || pmt_texture_format_cost(s, &bpp_x100)) {
			PyErr_Format(PyExc_ValueError,
				     "metadata['format'] %R is not a pixel format pymemtrace knows "
				     "(RGBA, RGB, RGB565, L, DXT1, BC7, ETC2, ASTC 6x6...): give "
				     "bytes_per_pixel or size",
				     fmt);
			return -1;
		}
	}
	/* bits x100 per pixel -> bytes, rounded up like a block format stores it */
	*bytes = (width * height * depth * bpp_x100 + 799) / 800;
	mip = pmt_meta_get(md, "mipmaps");
	if (mip && PyObject_IsTrue(mip) == 1)
		*bytes += *bytes / 3;
	return 1;
}

