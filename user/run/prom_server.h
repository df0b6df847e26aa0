/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * prom_server.h - the --prometheus endpoint (libmicrohttpd, its own
 * thread): the run loop publishes views, scrapes read the last one.
 */
#ifndef PMT_PROM_SERVER_H
#define PMT_PROM_SERVER_H

#include <stddef.h>

#include "report/report_prom.h"

struct pmt_prom_server;

/* Check "[ADDR:]PORT" without binding. 0, or -EINVAL with a reason in @err. */
int pmt_prom_addr_check(const char *spec, char *err, size_t errlen);

/*
 * Serve GET /metrics on @spec ("[ADDR:]PORT", loopback when no address;
 * port 0 picks a free one) from libmicrohttpd's own thread, starting with
 * @initial. Returns 0, or a negative errno with a one-line reason in @err.
 */
int pmt_prom_server_start(struct pmt_prom_server **out, const char *spec,
			  const struct pmt_prom_view *initial, char *err, size_t errlen);

/* The port bound (the one chosen when 0 was asked). */
unsigned short pmt_prom_server_port(const struct pmt_prom_server *s);

/* Replace the view scrapes see (copied under the server's lock). Accepts NULL. */
void pmt_prom_server_publish(struct pmt_prom_server *s, const struct pmt_prom_view *v);

/* How many scrapes were answered so far. */
unsigned long pmt_prom_server_scrapes(struct pmt_prom_server *s);

/* Stop serving and free; accepts NULL. */
void pmt_prom_server_stop(struct pmt_prom_server *s);

#endif
