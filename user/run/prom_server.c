// SPDX-License-Identifier: BSD-2-Clause
/*
 * prom_server.c - the --prometheus endpoint: libmicrohttpd serving
 * GET /metrics from its own thread.
 *
 * The run loop publishes a copy of the run's totals under a mutex (a few
 * kilobytes, once per 50 ms tick); the HTTP thread copies it out under the
 * same mutex and formats it outside it. Nothing the endpoint does runs on
 * the run loop's thread, and nothing at all runs in the game: a scrape
 * costs the game nothing, and a slow client holds only the HTTP thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "run/prom_server.h"

struct pmt_prom_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	struct pmt_prom_view shared; /* the last published view */
	unsigned long scrapes;       /* GET /metrics answered */
	unsigned short port;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct pmt_prom_server *s = cls;
	struct pmt_prom_view *v;
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)version, (void)upload, (void)upload_len, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static char msg[] = "only GET\n";

		resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
		rc = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return rc;
	}
	if (strcmp(url, "/metrics")) {
		static char msg[] = "pmtrace-bpf: metrics at /metrics\n";

		resp = MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_PERSISTENT);
		rc = MHD_queue_response(c, MHD_HTTP_NOT_FOUND, resp);
		MHD_destroy_response(resp);
		return rc;
	}
	v = malloc(sizeof(*v));
	if (!v)
		return MHD_NO;
	pthread_mutex_lock(&s->lock);
	*v = s->shared;
	s->scrapes++;
	pthread_mutex_unlock(&s->lock);
	f = open_memstream(&text, &len);
	if (!f) {
		free(v);
		return MHD_NO;
	}
	pmt_prom_text(f, v);
	free(v);
	if (fclose(f)) {
		free(text);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* "[ADDR:]PORT" into a socket address; loopback when no address is given. */
static int parse_addr(const char *spec, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t errlen)
{
	char host[256] = "127.0.0.1";
	const char *port = spec, *colon = strrchr(spec, ':');
	struct addrinfo hints, *res = NULL;
	char *end;
	unsigned long p;
	int rc;

	if (colon) {
		size_t n = (size_t)(colon - spec);

		if (n >= sizeof(host) || !n)
			goto bad;
		memcpy(host, spec, n);
		host[n] = 0;
		if (host[0] == '[' && host[n - 1] == ']') { /* [::1]:9464 */
			memmove(host, host + 1, n - 2);
			host[n - 2] = 0;
		}
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (!*port || *end || errno || p > 65535 || port[0] == '-')
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc || !res) {
		snprintf(err, errlen, "--prometheus %s: %s", spec, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	snprintf(err, errlen, "invalid --prometheus '%s' (expected [ADDR:]PORT)", spec);
	return -EINVAL;
}

int pmt_prom_addr_check(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return parse_addr(spec, &ss, &len, err, errlen);
}

int pmt_prom_server_start(struct pmt_prom_server **out, const char *spec,
			  const struct pmt_prom_view *initial, char *err, size_t errlen)
{
	struct pmt_prom_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	socklen_t len;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	int rc;

	*out = NULL;
	rc = parse_addr(spec, &ss, &len, err, errlen);
	if (rc)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->shared = *initial;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)16,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "cannot serve metrics on %s: %s", spec,
			 errno ? strerror(errno) : "address in use or not available");
		pthread_mutex_destroy(&s->lock);
		free(s);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	*out = s;
	return 0;
}

unsigned short pmt_prom_server_port(const struct pmt_prom_server *s)
{
	return s ? s->port : 0;
}

void pmt_prom_server_publish(struct pmt_prom_server *s, const struct pmt_prom_view *v)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->shared = *v;
	pthread_mutex_unlock(&s->lock);
}

unsigned long pmt_prom_server_scrapes(struct pmt_prom_server *s)
{
	unsigned long n;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	n = s->scrapes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void pmt_prom_server_stop(struct pmt_prom_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
