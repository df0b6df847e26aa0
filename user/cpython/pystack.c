// SPDX-License-Identifier: BSD-2-Clause
/*
 * pystack.c - Python frames of a live process, read with process_vm_readv.
 *
 * The walker follows the chain the interpreter itself keeps: _PyRuntime ->
 * interpreters -> thread states -> the innermost frame -> previous... and
 * keeps two numbers per frame, the code object and the position in it, as
 * the BPF walker will. Resolution reads the code object's names and line
 * table once (cached by address) and decodes the table the way
 * PyCode_Addr2Line() of that version does, so lines agree with traceback.
 *
 * Nothing here stops the target: a walk of a running thread is a sample
 * that may see a frame being pushed or popped, hence the bounds on every
 * loop and the plausibility checks on what is read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os/proc.h"
#include "cpython/pystack.h"

#define NONE PMT_PYOFF_NONE
#define STR_MAX_CHARS 1024 /* code points of a name or file read at most */
#define PROBES 8           /* cache slots tried before evicting */

struct pmt_pycode {
	uint64_t addr; /* 0: empty slot */
	uint8_t *table;
	uint32_t table_len;
	int firstlineno;
	char func[PMT_PYFUNC_MAX];
	char file[PMT_PYFILE_MAX];
};

static bool user_ptr(uint64_t p)
{
	return p >= 4096 && p < (1ULL << 47);
}

static int read_u64(pid_t pid, uint64_t addr, uint64_t *v)
{
	return pmt_mem_read(pid, addr, v, sizeof(*v));
}

/* ---- line tables ---- */

/* 3.8, 3.9: (byte increment, signed line increment) pairs. */
static int lnotab_line(const uint8_t *t, size_t len, int line, int64_t addrq)
{
	int64_t addr = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += t[i];
		if (addr > addrq)
			break;
		line += (int8_t)t[i + 1];
	}
	return line;
}

/* 3.10: (byte length, signed line delta) pairs; delta -128 means no line. */
static int linetable310_line(const uint8_t *t, size_t len, int line, int64_t addrq)
{
	int64_t start, end = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		int8_t ldelta = (int8_t)t[i + 1];
		int cur = -1;

		start = end;
		end += t[i];
		if (ldelta != -128) {
			line += ldelta;
			cur = line;
		}
		if (start <= addrq && addrq < end)
			return cur;
	}
	return -1;
}

static uint32_t loc_varint(const uint8_t *t, size_t len, size_t *i)
{
	uint32_t v = 0;
	unsigned shift = 0;

	while (*i < len && shift < 32) {
		uint8_t b = t[(*i)++];

		v |= (uint32_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	return v;
}

/* 3.11+: location entries, see InternalDocs/code_objects.md. */
static int locations_line(const uint8_t *t, size_t len, int line, int64_t addrq)
{
	int64_t start, end = 0;
	size_t i = 0;

	while (i < len) {
		uint8_t first = t[i];
		int code = (first >> 3) & 15, cur;
		size_t j = i + 1;

		if (!(first & 128))
			return -1; /* not at an entry: corrupt table */
		if (code == 13 || code == 14) {
			uint32_t u = loc_varint(t, len, &j);

			line += (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
		} else if (code >= 10 && code <= 12) {
			line += code - 10;
		}
		cur = code == 15 ? -1 : line;
		start = end;
		end += ((first & 7) + 1) * 2;
		if (start <= addrq && addrq < end)
			return cur;
		for (i++; i < len && !(t[i] & 128); i++)
			;
	}
	return -1;
}

int pmt_pystack_addr2line(enum pmt_pylines_kind kind, const uint8_t *table, size_t len,
			  int firstlineno, int64_t addr)
{
	if (addr < 0)
		return firstlineno;
	switch (kind) {
	case PMT_PYLINES_LNOTAB:
		return lnotab_line(table, len, firstlineno, addr);
	case PMT_PYLINES_310:
		return linetable310_line(table, len, firstlineno, addr);
	case PMT_PYLINES_LOCATIONS:
		return locations_line(table, len, firstlineno, addr);
	}
	return -1;
}

int64_t pmt_pystack_pos_offset(const struct pmt_pylayout *l, uint64_t code_addr, uint64_t pos)
{
	switch (l->pos_kind) {
	case PMT_PYPOS_LASTI_BYTES:
		return (int32_t)(uint32_t)pos;
	case PMT_PYPOS_LASTI_UNITS:
		return (int64_t)(int32_t)(uint32_t)pos * 2;
	case PMT_PYPOS_INSTR_PTR:
		if (!pos)
			return -1;
		return (int64_t)(pos - (code_addr + l->code_code_adaptive));
	}
	return -1;
}

/* ---- str objects ---- */

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp >= 0xdc80 && cp <= 0xdcff) { /* surrogateescape: the original byte */
		o[0] = (char)(cp - 0xdc00);
		return 1;
	}
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = '?';
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 63));
		o[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 63));
	o[2] = (char)(0x80 | ((cp >> 6) & 63));
	o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/*
 * Copy UTF-8 @src (@n bytes) into @dst of @size, cutting at a character
 * boundary: the head plus "..." or, with @tail, "..." plus the tail.
 */
static void fit_utf8(char *dst, size_t size, const char *src, size_t n, bool tail,
		     bool truncated)
{
	size_t keep;

	if (!truncated && n < size) {
		memcpy(dst, src, n);
		dst[n] = 0;
		return;
	}
	keep = size - 4 < n ? size - 4 : n;
	if (tail) {
		const char *s = src + n - keep;

		while (keep && ((uint8_t)*s & 0xc0) == 0x80) {
			s++;
			keep--;
		}
		memcpy(dst, "...", 3);
		memcpy(dst + 3, s, keep);
		dst[3 + keep] = 0;
	} else {
		while (keep && keep < n && ((uint8_t)src[keep] & 0xc0) == 0x80)
			keep--;
		memcpy(dst, src, keep);
		memcpy(dst + keep, "...", 4);
	}
}

/*
 * Read the str at @addr into @out as UTF-8. Compact strings (all that
 * code objects hold) keep their characters right after the header: after
 * PyASCIIObject when ASCII, after PyCompactUnicodeObject otherwise, 1, 2
 * or 4 bytes each. A legacy (non-compact) str of 3.8-3.11 has a pointer
 * there instead.
 */
static int read_str(pid_t pid, const struct pmt_pylayout *l, uint64_t addr, char *out,
		    size_t size, bool tail)
{
	uint8_t hdr[128], raw[STR_MAX_CHARS * 4];
	char utf8[STR_MAX_CHARS * 4];
	uint64_t data, len, first = 0;
	uint32_t state, kind;
	size_t n = 0, count;
	int err;

	out[0] = 0;
	if (!user_ptr(addr) || l->str_ascii_data > sizeof(hdr))
		return -EINVAL;
	err = pmt_mem_read(pid, addr, hdr, l->str_ascii_data);
	if (err)
		return err;
	memcpy(&len, hdr + l->str_length, 8);
	memcpy(&state, hdr + l->str_state, 4);
	kind = (state >> l->str_kind_shift) & 7;
	if (len > (1u << 30) || (kind != 1 && kind != 2 && kind != 4))
		return -EINVAL;
	if ((state >> l->str_ascii_bit) & 1) {
		data = addr + l->str_ascii_data;
	} else if ((state >> l->str_compact_bit) & 1) {
		data = addr + l->str_compact_data;
	} else {
		err = read_u64(pid, addr + l->str_compact_data, &data);
		if (err)
			return err;
		if (!user_ptr(data))
			return -EINVAL;
	}
	count = len < STR_MAX_CHARS ? (size_t)len : STR_MAX_CHARS;
	if (tail)
		first = len - count;
	if (count) {
		err = pmt_mem_read(pid, data + first * kind, raw, count * kind);
		if (err)
			return err;
	}
	for (size_t i = 0; i < count; i++) {
		uint32_t cp;

		if (kind == 1) {
			cp = raw[i];
		} else if (kind == 2) {
			uint16_t c16;

			memcpy(&c16, raw + 2 * i, 2);
			cp = c16;
		} else {
			memcpy(&cp, raw + 4 * i, 4);
		}
		n += put_utf8(utf8 + n, cp);
	}
	fit_utf8(out, size, utf8, n, tail, count < len);
	return 0;
}

int pmt_pystr_read(pid_t pid, const struct pmt_pylayout *l, uint64_t addr, char *out,
		   size_t size)
{
	if (size < 8)
		return -EINVAL;
	return read_str(pid, l, addr, out, size, false);
}

/* ---- code objects ---- */

static uint32_t max_off(uint32_t a, uint32_t b)
{
	if (a == NONE)
		return b;
	if (b == NONE)
		return a;
	return a > b ? a : b;
}

/* Is the object at @addr of type "code"? */
static int check_code_type(pid_t pid, const struct pmt_pylayout *l, uint64_t type)
{
	uint64_t name;
	char buf[8];
	int err;

	if (!user_ptr(type))
		return -EINVAL;
	err = read_u64(pid, type + l->type_name, &name);
	if (err)
		return err;
	if (!user_ptr(name))
		return -EINVAL;
	err = pmt_mem_read(pid, name, buf, 5);
	if (err)
		return err;
	return memcmp(buf, "code", 5) ? -EINVAL : 0;
}

static void code_release(struct pmt_pycode *pc)
{
	free(pc->table);
	pc->table = NULL;
	pc->table_len = 0;
	pc->addr = 0;
}

/* Read the code object at @addr into @pc (whose table must be NULL). */
static int code_load(pid_t pid, const struct pmt_pylayout *l, uint64_t addr,
		     struct pmt_pycode *pc)
{
	uint64_t type, filename, name, table;
	int64_t tlen;
	uint8_t hdr[256];
	uint32_t end;
	int32_t first;
	int err;

	end = max_off(max_off(max_off(l->code_filename, l->code_name), l->code_qualname),
		      max_off(max_off(l->code_linetable, l->code_firstlineno), l->obj_type)) + 8;
	if (!user_ptr(addr) || end > sizeof(hdr))
		return -EINVAL;
	err = pmt_mem_read(pid, addr, hdr, end);
	if (err)
		return err;
	memcpy(&type, hdr + l->obj_type, 8);
	err = check_code_type(pid, l, type);
	if (err)
		return err;
	memcpy(&filename, hdr + l->code_filename, 8);
	memcpy(&name, hdr + (l->code_qualname != NONE ? l->code_qualname : l->code_name), 8);
	memcpy(&table, hdr + l->code_linetable, 8);
	memcpy(&first, hdr + l->code_firstlineno, 4);
	err = read_str(pid, l, name, pc->func, sizeof(pc->func), false);
	if (!err)
		err = read_str(pid, l, filename, pc->file, sizeof(pc->file), true);
	if (!err)
		err = user_ptr(table) ? read_u64(pid, table + l->bytes_size, (uint64_t *)&tlen)
				      : -EINVAL;
	if (err)
		return err;
	if (tlen < 0)
		return -EINVAL;
	if (tlen > PMT_PYLINETABLE_MAX)
		return -E2BIG;
	pc->firstlineno = first;
	if (tlen) {
		pc->table = malloc((size_t)tlen);
		if (!pc->table)
			return -ENOMEM;
		err = pmt_mem_read(pid, table + l->bytes_data, pc->table, (size_t)tlen);
		if (err) {
			code_release(pc);
			return err;
		}
	}
	pc->table_len = (uint32_t)tlen;
	pc->addr = addr;
	return 0;
}

static void code_frame(const struct pmt_pylayout *l, const struct pmt_pycode *pc, uint64_t pos,
		       struct pmt_pyframe *out)
{
	int64_t off = pmt_pystack_pos_offset(l, pc->addr, pos);

	memcpy(out->func, pc->func, sizeof(out->func));
	memcpy(out->file, pc->file, sizeof(out->file));
	out->firstlineno = pc->firstlineno;
	out->line = pmt_pystack_addr2line((enum pmt_pylines_kind)l->lines_kind, pc->table,
					  pc->table_len, pc->firstlineno, off);
}

int pmt_pystack_resolve(pid_t pid, const struct pmt_pylayout *l, uint64_t code_addr,
			uint64_t pos, struct pmt_pyframe *out)
{
	struct pmt_pycode pc = {};
	int err;

	err = code_load(pid, l, code_addr, &pc);
	if (err)
		return err;
	code_frame(l, &pc, pos, out);
	code_release(&pc);
	return 0;
}

/* ---- cache ---- */

int pmt_pystack_cache_init(struct pmt_pystack_cache *c, pid_t pid, const struct pmt_pylayout *l,
			   size_t capacity)
{
	size_t cap = 64;

	memset(c, 0, sizeof(*c));
	while (cap < capacity && cap < ((size_t)1 << 24))
		cap <<= 1;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (!c->slots)
		return -ENOMEM;
	c->cap = cap;
	c->pid = pid;
	c->layout = *l;
	return 0;
}

void pmt_pystack_cache_clear(struct pmt_pystack_cache *c)
{
	for (size_t i = 0; c->slots && i < c->cap; i++)
		code_release(&c->slots[i]);
	c->used = 0;
}

void pmt_pystack_cache_free(struct pmt_pystack_cache *c)
{
	if (!c)
		return;
	pmt_pystack_cache_clear(c);
	free(c->slots);
	c->slots = NULL;
	c->cap = 0;
}

static size_t slot_of(const struct pmt_pystack_cache *c, uint64_t addr)
{
	return (size_t)(((addr >> 4) * 0x9e3779b97f4a7c15ULL) >> 32) & (c->cap - 1);
}

int pmt_pystack_cache_resolve(struct pmt_pystack_cache *c, uint64_t code_addr, uint64_t pos,
			      struct pmt_pyframe *out)
{
	struct pmt_pycode *victim = NULL, fresh = {};
	size_t home, i;
	int err;

	if (!c->slots || !code_addr)
		return -EINVAL;
	home = slot_of(c, code_addr);
	for (i = 0; i < PROBES && i < c->cap; i++) {
		struct pmt_pycode *s = &c->slots[(home + i) & (c->cap - 1)];

		if (s->addr == code_addr) {
			c->hits++;
			code_frame(&c->layout, s, pos, out);
			return 0;
		}
		if (!s->addr && !victim)
			victim = s;
	}
	c->misses++;
	err = code_load(c->pid, &c->layout, code_addr, &fresh);
	if (err)
		return err;
	if (victim) {
		c->used++;
	} else {
		victim = &c->slots[home];
		code_release(victim);
	}
	*victim = fresh;
	code_frame(&c->layout, victim, pos, out);
	return 0;
}

/* ---- walking ---- */

/*
 * Offset of the tid in this process's struct pthread (what pthread_t
 * points to), found by looking for our own tid in it. -1 if not found.
 */
static long pthread_tid_offset(void)
{
	const uint8_t *self = (const uint8_t *)pthread_self();
	pid_t me = (pid_t)syscall(SYS_gettid);

	for (long off = 0; off < 1024; off += 4) {
		pid_t v;

		memcpy(&v, self + off, sizeof(v));
		if (v == me)
			return off;
	}
	return -1;
}

static int tstate_is(pid_t pid, const struct pmt_pylayout *l, uint64_t ts, pid_t tid,
		     long tid_off)
{
	uint64_t v;
	pid_t t;
	int err;

	if (l->tstate_native_thread_id != NONE) {
		err = read_u64(pid, ts + l->tstate_native_thread_id, &v);
		return err ? err : v == (uint64_t)tid;
	}
	err = read_u64(pid, ts + l->tstate_thread_id, &v);
	if (err || !user_ptr(v))
		return err;
	/* A thread that is gone may have taken its struct pthread along. */
	if (pmt_mem_read(pid, v + (uint64_t)tid_off, &t, sizeof(t)))
		return 0;
	return t == tid;
}

int pmt_pystack_find_tstate(pid_t pid, const struct pmt_pylayout *l, uint64_t runtime_addr,
			    pid_t tid, uint64_t *tstate)
{
	uint64_t interp, ts;
	long tid_off = 0;
	int err, n = 0;

	if (l->tstate_native_thread_id == NONE) {
		tid_off = pthread_tid_offset();
		if (tid_off < 0)
			return -ENOTSUP;
	}
	err = read_u64(pid, runtime_addr + l->runtime_interp_head, &interp);
	for (int i = 0; !err && user_ptr(interp) && i < PMT_PYSTACK_MAX_INTERPS; i++) {
		err = read_u64(pid, interp + l->interp_threads_head, &ts);
		while (!err && user_ptr(ts) && n++ < PMT_PYSTACK_MAX_THREADS) {
			err = tstate_is(pid, l, ts, tid, tid_off);
			if (err > 0) {
				*tstate = ts;
				return 0;
			}
			if (!err)
				err = read_u64(pid, ts + l->tstate_next, &ts);
		}
		if (!err)
			err = read_u64(pid, interp + l->interp_next, &interp);
	}
	return err ? err : -ENOENT;
}

int pmt_pystack_walk_user(pid_t pid, const struct pmt_pylayout *l, uint64_t runtime_addr,
			  pid_t tid, struct pmt_pyframe_raw *frames, int max)
{
	uint64_t ts, f;
	uint32_t span;
	int err, n = 0;

	err = pmt_pystack_find_tstate(pid, l, runtime_addr, tid, &ts);
	if (err)
		return err;
	err = read_u64(pid, ts + l->tstate_frame, &f);
	if (!err && l->cframe_current_frame != NONE && user_ptr(f))
		err = read_u64(pid, f + l->cframe_current_frame, &f);
	if (err)
		return err;
	span = max_off(max_off(l->frame_previous, l->frame_code),
		       max_off(l->frame_pos, l->frame_owner)) + 8;
	for (int depth = 0; user_ptr(f) && n < max && depth < PMT_PYSTACK_MAX_DEPTH; depth++) {
		uint8_t buf[128];
		uint64_t code, pos = 0, prev;

		if (span > sizeof(buf))
			return -EINVAL;
		err = pmt_mem_read(pid, f, buf, span);
		if (err)
			return err;
		memcpy(&code, buf + l->frame_code, 8);
		memcpy(&prev, buf + l->frame_previous, 8);
		if (l->pos_kind == PMT_PYPOS_INSTR_PTR) {
			memcpy(&pos, buf + l->frame_pos, 8);
		} else {
			int32_t lasti;

			memcpy(&lasti, buf + l->frame_pos, 4);
			pos = (uint64_t)(int64_t)lasti;
		}
		/* 3.12+: the entry frame of each C-level call into the eval loop. */
		if (!(l->frame_owner_cstack != NONE && buf[l->frame_owner] == l->frame_owner_cstack) &&
		    user_ptr(code)) {
			frames[n].code_addr = code;
			frames[n].pos = pos;
			n++;
		}
		f = prev;
	}
	return n;
}
