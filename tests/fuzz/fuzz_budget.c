// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_budget.c - libFuzzer target: any bytes as a budget file (INI, inih).
 * pmt_budgets_parse() must accept or refuse them with a message, never
 * crash or leak; an accepted file is then checked against samples, as a
 * run does every frame, and its budgets read back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pmtrace/budget.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t glob_bytes(void *ctx, const char *const *globs, size_t n, uint32_t counted)
{
	size_t i;
	uint64_t sum = 0;

	(void)ctx, (void)counted;
	for (i = 0; i < n; i++)
		if (pmt_budget_path_match(globs[i], "/game/art/sprites/ship.png"))
			sum += 4096;
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmt_budget_event ev[8];
	struct pmt_budget_sample s;
	struct pmt_budgets b;
	char err[256], *text = malloc(size + 1);
	size_t i, n;
	int c, k;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	pmt_budgets_init(&b);
	if (pmt_budgets_parse(text, "fuzz.ini", &b, err, sizeof(err)) == 0) {
		memset(&s, 0, sizeof(s));
		s.asset_bytes = glob_bytes;
		for (k = 0; k < 4; k++) {
			for (c = 0; c < PMT_CAT_COUNT; c++)
				s.bytes[c] = (uint64_t)(k * 3 + c) << (8 * k + 4);
			pmt_budgets_check(&b, &s, (uint64_t)k, (uint64_t)k * 1000, ev, 8);
		}
		n = pmt_budgets_count(&b);
		for (i = 0; i < n; i++) {
			char sz[32];

			pmt_budget_format_size(pmt_budget_limit(&b, (int)i), sz, sizeof(sz));
			(void)pmt_budget_path(&b, (int)i);
			(void)pmt_budget_usage(&b, (int)i, &s);
		}
	}
	pmt_budgets_free(&b);
	free(text);
	return 0;
}
