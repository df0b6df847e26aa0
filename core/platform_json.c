// SPDX-License-Identifier: BSD-2-Clause
/*
 * platform_json.c - the platform data file (data/platforms.json) parsed
 * with json-c into a struct pmt_platforms. Linked by the eBPF tool (and
 * the generator of platform_table.c), not by the Python extension.
 *
 * Parsing runs twice over the json-c tree: a sizing pass that validates
 * every profile and counts the bytes its strings and string arrays need,
 * then, after one allocation, a filling pass that cannot fail. The whole
 * set lives in that one block (profiles, then pointer arrays, then
 * strings), so freeing is one call and the only allocation failure of our
 * own is a single, testable path.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pmtrace/category.h"
#include "pmtrace/platform.h"
#include "platform_priv.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the block the parsed set lives in ---- */

/* Pointer and string space; both NULL in the sizing pass, which only counts. */
struct arena {
	const char **ptrs;
	char *strs;
	size_t n_ptrs;
	size_t n_strs;
};

static const char *arena_str(struct arena *a, const char *s, size_t len)
{
	char *d;

	a->n_strs += len + 1;
	if (!a->strs)
		return "";
	d = a->strs + a->n_strs - len - 1;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static const char **arena_ptrs(struct arena *a, size_t n)
{
	a->n_ptrs += n;
	return a->ptrs ? a->ptrs + a->n_ptrs - n : NULL;
}

/* Where an error is: "profile 3 (ps3): " and optionally "bank 1: ". */
struct where {
	char *err;
	size_t errlen;
	size_t idx;
	const char *id; /* NULL until known */
};

static int bad(const struct where *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(const struct where *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->id)
		set_err(w->err, w->errlen, "profile %zu (%s): %s", w->idx, w->id, msg);
	else
		set_err(w->err, w->errlen, "profile %zu: %s", w->idx, msg);
	return -EINVAL;
}

/* ---- typed field readers ---- */

/* The member @key of @obj, NULL when absent or JSON null. */
static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return json_object_get_type(v) == json_type_null ? NULL : v;
}

/*
 * String @key of @obj into *@out (copied to the arena). Absent or null:
 * an error when @required, else *@out = @dflt.
 */
static int get_str(const struct where *w, const char *ctx, json_object *obj, const char *key,
		   bool required, const char *dflt, struct arena *a, const char **out)
{
	json_object *v = member(obj, key);

	if (!v) {
		if (required)
			return bad(w, "%smissing %s", ctx, key);
		*out = dflt;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(w, "%s%s is not a string", ctx, key);
	*out = arena_str(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
	return 0;
}

/* Size @key: a non-negative integer below PMT_BYTES_UNKNOWN; absent or null is unknown. */
static int get_size(const struct where *w, const char *ctx, json_object *obj, const char *key,
		    bool required, uint64_t *out)
{
	json_object *v = member(obj, key);
	int64_t s;

	*out = PMT_BYTES_UNKNOWN;
	if (!v)
		return required ? bad(w, "%smissing %s", ctx, key) : 0;
	if (!json_object_is_type(v, json_type_int))
		return bad(w, "%s%s is not an integer", ctx, key);
	s = json_object_get_int64(v);
	if (s < 0)
		return bad(w, "%s%s is negative", ctx, key);
	*out = s == INT64_MAX ? json_object_get_uint64(v) : (uint64_t)s;
	if (*out == PMT_BYTES_UNKNOWN)
		return bad(w, "%s%s is too large", ctx, key);
	return 0;
}

/* Array of strings @key (absent or null: empty, or an error when @required). */
static int get_str_array(const struct where *w, json_object *obj, const char *key,
			 bool required, struct arena *a, const char *const **out, size_t *n)
{
	json_object *v = member(obj, key);
	const char **arr;
	size_t i, len;

	*out = NULL;
	*n = 0;
	if (!v)
		return required ? bad(w, "missing %s", key) : 0;
	if (!json_object_is_type(v, json_type_array))
		return bad(w, "%s is not an array", key);
	len = json_object_array_length(v);
	for (i = 0; i < len; i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return bad(w, "%s[%zu] is not a string", key, i);
	arr = arena_ptrs(a, len);
	for (i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = arena_str(a, json_object_get_string(e),
					  (size_t)json_object_get_string_len(e));

		if (arr)
			arr[i] = s;
	}
	*out = arr;
	*n = len;
	return 0;
}


/* ---- profiles ---- */

/* The holds list of bank @i into *@mask; *@listed says whether the bank had one. */
static int parse_holds(const struct where *w, size_t i, json_object *jb, uint32_t *mask,
		       bool *listed)
{
	json_object *h = member(jb, "holds");
	size_t k, len;

	*mask = 0;
	*listed = h != NULL;
	if (!h)
		return 0;
	if (!json_object_is_type(h, json_type_array))
		return bad(w, "bank %zu: holds is not an array", i);
	len = json_object_array_length(h);
	for (k = 0; k < len; k++) {
		json_object *e = json_object_array_get_idx(h, k);
		int c;

		if (!json_object_is_type(e, json_type_string))
			return bad(w, "bank %zu: holds[%zu] is not a string", i, k);
		c = pmt_category_from_name(json_object_get_string(e));
		if (c < 0)
			return bad(w, "bank %zu: unknown category \"%s\"", i,
				   json_object_get_string(e));
		if (*mask & CAT_BIT(c))
			return bad(w, "bank %zu: %s listed twice", i, json_object_get_string(e));
		*mask |= CAT_BIT(c);
	}
	return 0;
}

/* Banks, their holds and derived limits, the main bank and the budgets mode. */
static int parse_banks(const struct where *w, json_object *jp, struct arena *a,
		       struct pmt_platform *p)
{
	json_object *jbanks = member(jp, "banks");
	json_object *jmode;
	uint64_t num = 4, den = 5;
	uint32_t seen = 0;
	bool any_listed = false, main_found = false;
	size_t i, held = 0;
	int err;

	if (!jbanks)
		return bad(w, "missing banks");
	if (!json_object_is_type(jbanks, json_type_array))
		return bad(w, "banks is not an array");
	p->n_banks = json_object_array_length(jbanks);
	if (p->n_banks == 0 || p->n_banks > PMT_PLATFORM_MAX_BANKS)
		return bad(w, "%zu banks (1..%d allowed)", p->n_banks, PMT_PLATFORM_MAX_BANKS);

	/* The profile's own target ratio, applied to every bank's limit. */
	if (p->recommended_bytes != PMT_BYTES_UNKNOWN) {
		if (p->game_available_bytes != PMT_BYTES_UNKNOWN && p->game_available_bytes > 0) {
			num = p->recommended_bytes;
			den = p->game_available_bytes;
		} else if (p->total_bytes != PMT_BYTES_UNKNOWN && p->total_bytes > 0) {
			num = p->recommended_bytes;
			den = p->total_bytes;
		}
	}

	for (i = 0; i < p->n_banks; i++) {
		json_object *jb = json_object_array_get_idx(jbanks, i);
		struct pmt_platform_bank *b = &p->banks[i];
		char ctx[32];
		bool listed = false;

		snprintf(ctx, sizeof(ctx), "bank %zu: ", i);
		if (!json_object_is_type(jb, json_type_object))
			return bad(w, "bank %zu is not an object", i);
		err = get_str(w, ctx, jb, "name", true, "", a, &b->name);
		if (!err)
			err = get_str(w, ctx, jb, "purpose", false, "", a, &b->purpose);
		if (!err)
			err = get_size(w, ctx, jb, "bytes", true, &b->bytes);
		if (!err)
			err = get_size(w, ctx, jb, "game_bytes", false, &b->game_bytes);
		if (!err)
			err = parse_holds(w, i, jb, &b->holds, &listed);
		if (err)
			return err;
		if (b->holds & seen)
			return bad(w, "bank %zu: a category it holds is in an earlier bank", i);
		seen |= b->holds;
		any_listed |= listed;
		b->limit = b->game_bytes != PMT_BYTES_UNKNOWN ? b->game_bytes : b->bytes;
		b->recommended = muldiv(b->limit, num, den);
		if (b->recommended > b->limit)
			b->recommended = b->limit;
	}

	if (!any_listed)
		p->banks[0].holds = ALL_CATS;
	for (i = 0; i < p->n_banks; i++) {
		if (p->banks[i].holds & CAT_BIT(PMT_CAT_RSS)) {
			p->main_bank = i;
			main_found = true;
		}
	}
	if (!main_found)
		return bad(w, "no bank holds rss (the main bank)");
	p->banks[p->main_bank].holds |= ALL_CATS & ~seen;
	for (i = 0; i < p->n_banks; i++) {
		if (!p->banks[i].holds)
			continue;
		held++;
		if (p->banks[i].limit == 0)
			return bad(w, "bank %zu holds categories but has no game memory", i);
	}

	jmode = member(jp, "bank_budgets");
	if (!jmode) {
		p->budgets = held == 1 ? PMT_BANKS_SINGLE : PMT_BANKS_SEPARATE;
		return 0;
	}
	if (!json_object_is_type(jmode, json_type_string))
		return bad(w, "bank_budgets is not a string");
	for (i = 0; pmt_bank_budgets_name((enum pmt_bank_budgets)i); i++)
		if (strcmp(json_object_get_string(jmode),
			   pmt_bank_budgets_name((enum pmt_bank_budgets)i)) == 0)
			break;
	if (!pmt_bank_budgets_name((enum pmt_bank_budgets)i))
		return bad(w, "unknown bank_budgets \"%s\"", json_object_get_string(jmode));
	p->budgets = (enum pmt_bank_budgets)i;
	if ((p->budgets == PMT_BANKS_SINGLE) != (held == 1))
		return bad(w, "bank_budgets %s but %zu banks hold categories",
			   pmt_bank_budgets_name(p->budgets), held);
	return 0;
}

/* Validate profile @jp (number @idx) and fill @p; strings go to @a. */
static int parse_profile(json_object *jp, size_t idx, struct arena *a, struct pmt_platform *p,
			 char *err, size_t errlen)
{
	struct where w = { .err = err, .errlen = errlen, .idx = idx, .id = NULL };
	json_object *jid;
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(jp, json_type_object))
		return bad(&w, "not an object");
	jid = member(jp, "id");
	if (!jid)
		return bad(&w, "missing id");
	if (!json_object_is_type(jid, json_type_string) || json_object_get_string_len(jid) == 0)
		return bad(&w, "id is not a non-empty string");
	w.id = json_object_get_string(jid);

	rc = get_str(&w, "", jp, "id", true, "", a, &p->id);
	if (!rc)
		rc = get_str(&w, "", jp, "name", true, "", a, &p->name);
	if (!rc)
		rc = get_str(&w, "", jp, "family", true, "", a, &p->family);
	if (!rc)
		rc = get_str(&w, "", jp, "generation", false, "", a, &p->generation);
	if (!rc)
		rc = get_str(&w, "", jp, "form_factor", false, NULL, a, &p->form_factor);
	if (!rc)
		rc = get_str(&w, "", jp, "memory_model", true, "", a, &p->memory_model);
	if (!rc)
		rc = get_str(&w, "", jp, "game_available_basis", false, "", a,
			     &p->game_available_basis);
	if (!rc)
		rc = get_str(&w, "", jp, "recommended_rule", false, "", a, &p->recommended_rule);
	if (!rc)
		rc = get_str(&w, "", jp, "confidence", false, "", a, &p->confidence);
	if (!rc)
		rc = get_str(&w, "", jp, "notes", false, "", a, &p->notes);
	if (!rc)
		rc = get_size(&w, "", jp, "total_bytes", false, &p->total_bytes);
	if (!rc)
		rc = get_size(&w, "", jp, "game_available_bytes", false, &p->game_available_bytes);
	if (!rc)
		rc = get_size(&w, "", jp, "recommended_bytes", false, &p->recommended_bytes);
	if (rc)
		return rc;
	if (p->recommended_bytes != PMT_BYTES_UNKNOWN &&
	    p->game_available_bytes != PMT_BYTES_UNKNOWN &&
	    p->recommended_bytes > p->game_available_bytes)
		return bad(&w, "recommended_bytes above game_available_bytes");

	rc = parse_banks(&w, jp, a, p);
	if (!rc)
		rc = get_str_array(&w, jp, "texture_formats", true, a, &p->texture_formats,
				   &p->n_texture_formats);
	if (!rc)
		rc = get_str_array(&w, jp, "techniques", true, a, &p->techniques,
				   &p->n_techniques);
	if (!rc)
		rc = get_str_array(&w, jp, "sources", true, a, &p->sources, &p->n_sources);
	if (!rc)
		rc = get_str_array(&w, jp, "examples", false, a, &p->examples, &p->n_examples);
	return rc;
}

/* Parse the text into a json-c tree (*@root), whole input or an error. */
static int parse_tree(const char *json, size_t len, json_object **root, char *err,
		      size_t errlen)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;

	*root = NULL;
	if (!json || len > INT32_MAX) {
		set_err(err, errlen, "no JSON text");
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr == json_tokener_continue) {
		set_err(err, errlen, "not JSON: text ends inside a value");
		goto fail;
	}
	if (jerr != json_tokener_success || !*root) {
		set_err(err, errlen, "not JSON: %s at offset %zu", json_tokener_error_desc(jerr),
			end);
		goto fail;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", json[end]) || json[end] == '\0') {
			set_err(err, errlen, "not JSON: trailing text at offset %zu", end);
			goto fail;
		}
	}
	return 0;

fail:
	json_object_put(*root);
	*root = NULL;
	return -EINVAL;
}

/* Validate the top level: an object with schema_version 1 (if given) and profiles. */
static int top_level(json_object *root, json_object **profiles, int *schema, char *err,
		     size_t errlen)
{
	json_object *v;
	size_t i, j, n;

	if (!json_object_is_type(root, json_type_object)) {
		set_err(err, errlen, "the top level is not an object");
		return -EINVAL;
	}
	*schema = 1;
	v = member(root, "schema_version");
	if (v) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1) {
			set_err(err, errlen, "unsupported schema_version %s",
				json_object_to_json_string(v));
			return -EINVAL;
		}
	}
	*profiles = member(root, "profiles");
	if (!*profiles || !json_object_is_type(*profiles, json_type_array) ||
	    json_object_array_length(*profiles) == 0) {
		set_err(err, errlen, "no profiles array");
		return -EINVAL;
	}
	/* Duplicate ids, on the tree: the sizing pass keeps no strings. */
	n = json_object_array_length(*profiles);
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(*profiles, i), *ida;

		if (!json_object_is_type(a, json_type_object) ||
		    !json_object_object_get_ex(a, "id", &ida) ||
		    !json_object_is_type(ida, json_type_string))
			continue; /* reported by parse_profile() */
		for (j = 0; j < i; j++) {
			json_object *b = json_object_array_get_idx(*profiles, j), *idb;

			if (json_object_is_type(b, json_type_object) &&
			    json_object_object_get_ex(b, "id", &idb) &&
			    json_object_is_type(idb, json_type_string) &&
			    strcmp(json_object_get_string(ida), json_object_get_string(idb)) == 0) {
				set_err(err, errlen, "profile %zu (%s): duplicate id (profile %zu)",
					i, json_object_get_string(ida), j);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * pmt_platforms_parse_alloc - parse @len bytes of @json into @out, taking
 * the one block of memory from @alloc_fn (malloc when NULL). See platform.h
 * for the errors and defaults.
 */
int pmt_platforms_parse_alloc(const char *json, size_t len, struct pmt_platforms *out,
			      char *err, size_t errlen, void *(*alloc_fn)(size_t))
{
	struct arena a = { 0 };
	struct pmt_platform scratch;
	json_object *root = NULL, *profiles;
	size_t i, n, head, total;
	int schema = 1, rc;
	char *block;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	set_err(err, errlen, "%s", "");
	rc = parse_tree(json, len, &root, err, errlen);
	if (rc)
		return rc;
	rc = top_level(root, &profiles, &schema, err, errlen);
	if (rc)
		goto out;

	/* Sizing pass: validate everything, count pointers and string bytes. */
	n = json_object_array_length(profiles);
	for (i = 0; i < n; i++) {
		rc = parse_profile(json_object_array_get_idx(profiles, i), i, &a, &scratch, err,
				   errlen);
		if (rc)
			goto out;
	}

	head = n * sizeof(struct pmt_platform) + a.n_ptrs * sizeof(const char *);
	total = head + a.n_strs;
	block = (alloc_fn ? alloc_fn : malloc)(total);
	if (!block) {
		set_err(err, errlen, "out of memory (%zu bytes for %zu profiles)", total, n);
		rc = -ENOMEM;
		goto out;
	}

	/* Filling pass over the same tree: cannot fail. */
	out->v = (struct pmt_platform *)(void *)block;
	a.ptrs = (const char **)(void *)(block + n * sizeof(struct pmt_platform));
	a.strs = block + head;
	a.n_ptrs = 0;
	a.n_strs = 0;
	for (i = 0; i < n; i++)
		parse_profile(json_object_array_get_idx(profiles, i), i, &a, &out->v[i], err,
			      errlen);
	out->n = n;
	out->schema_version = schema;
	out->block = block;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* pmt_platforms_parse - pmt_platforms_parse_alloc() with malloc. */
int pmt_platforms_parse(const char *json, size_t len, struct pmt_platforms *out, char *err,
			size_t errlen)
{
	return pmt_platforms_parse_alloc(json, len, out, err, errlen, NULL);
}

