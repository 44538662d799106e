// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockeye's own HTTP endpoint (see src/serve/http_server.h).
 */
#define _GNU_SOURCE /* accept4 */
#include "serve/http_server.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "serve/http_request.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/thread.h"

/* What is left to send of an answer: its parts in order. */
enum { SE_SERVE_HEAD, SE_SERVE_FRAME, SE_SERVE_BODY, SE_SERVE_TAIL, SE_SERVE_PARTS };

struct se_serve_conn {
	int fd; /* -1: a free slot */
	uint64_t deadline_ns;
	size_t in_len;
	bool answering;			   /* the answer is built: sending it */
	struct iovec part[SE_SERVE_PARTS]; /* what is left of each part */
	/* /metrics: the page being rendered (a reference, counted in renders), where the
	 * rendering is, and the chunk of it being sent */
	struct se_prom_page *page;
	struct se_prom_cursor cursor;
	enum se_prom_format fmt;
	bool chunked;
	char *chunk;
	char frame[24]; /* a chunk's size line */
	char tail[16];	/* after a chunk: CRLF, and the last chunk after the final one */
	char head[384];
	char text[192]; /* body of the short answers */
	char in[SE_HTTP_REQUEST_HEAD_MAX];
};

struct se_http_server {
	int listen_fd;
	int stop_fd; /* eventfd: readable once stopping */
	struct se_health *health;
	struct se_prom_pages *pages;
	pthread_t thread;
	bool started;
	unsigned int renders;
	char shown[SE_ENDPOINT_STRLEN];
	struct se_serve_conn conns[SE_SERVE_CONNS_MAX];
};

static void se_serve_drop_page(struct se_http_server *s, struct se_serve_conn *c)
{
	if (!c->page)
		return;
	se_prom_pages_put(s->pages, c->page);
	c->page = NULL;
	s->renders--;
}

static void se_serve_close(struct se_http_server *s, struct se_serve_conn *c)
{
	se_serve_drop_page(s, c);
	free(c->chunk);
	c->chunk = NULL;
	close(c->fd);
	c->fd = -1;
}

static void se_serve_part(struct se_serve_conn *c, int i, const void *p, size_t len)
{
	c->part[i].iov_base = (void *)p;
	c->part[i].iov_len = len;
}

/* The status line and headers, and a body of len bytes (none for HEAD); len SIZE_MAX: the
 * body follows in pieces, chunked or up to the close. */
static void se_serve_respond(struct se_serve_conn *c, bool head_only, const char *status,
			     const char *ctype, const char *extra, const char *body, size_t len)
{
	char length[48] = "";
	int n;

	if (len != SIZE_MAX)
		snprintf(length, sizeof(length), "Content-Length: %zu\r\n", len);
	else if (c->chunked)
		snprintf(length, sizeof(length), "Transfer-Encoding: chunked\r\n");
	n = snprintf(c->head, sizeof(c->head),
		     "HTTP/1.1 %s\r\nContent-Type: %s\r\n%s%sCache-Control: no-store\r\n"
		     "Connection: close\r\n\r\n",
		     status, ctype, length, extra ? extra : "");
	memset(c->part, 0, sizeof(c->part));
	se_serve_part(c, SE_SERVE_HEAD, c->head,
		      n > 0 && (size_t)n < sizeof(c->head) ? (size_t)n : 0);
	if (!head_only && len != SIZE_MAX)
		se_serve_part(c, SE_SERVE_BODY, body, len);
	c->answering = true;
}

static void se_serve_text(struct se_serve_conn *c, bool head_only, const char *status,
			  const char *extra, const char *fmt, const char *arg)
{
	int n = snprintf(c->text, sizeof(c->text), fmt, arg);
	size_t len = n < 0 ? 0 : (size_t)n < sizeof(c->text) ? (size_t)n : sizeof(c->text) - 1;

	se_serve_respond(c, head_only, status, "text/plain; charset=utf-8", extra, c->text, len);
}

/* Render the next SE_SERVE_CHUNK bytes or so of the page into the frame, body and tail
 * parts; at the end of the page, the last chunk and the page given back. false when out of
 * memory (the answer is cut: the client sees no last chunk, or no "# EOF"). */
static bool se_serve_render(struct se_http_server *s, struct se_serve_conn *c)
{
	size_t len = 0;
	FILE *out;
	bool more = true;

	free(c->chunk);
	c->chunk = NULL;
	out = open_memstream(&c->chunk, &len);
	if (!out)
		return false;
	while (more && ftell(out) < (long)SE_SERVE_CHUNK)
		more = se_prom_write_next(out, c->page->req, c->fmt, &c->cursor);
	if (fclose(out))
		return false;
	if (!more)
		se_serve_drop_page(s, c);
	snprintf(c->frame, sizeof(c->frame), "%zx\r\n", len);
	snprintf(c->tail, sizeof(c->tail), "%s%s", len ? "\r\n" : "", more ? "" : "0\r\n\r\n");
	se_serve_part(c, SE_SERVE_FRAME, c->frame, c->chunked && len ? strlen(c->frame) : 0);
	se_serve_part(c, SE_SERVE_BODY, c->chunk, len);
	se_serve_part(c, SE_SERVE_TAIL, c->tail, c->chunked ? strlen(c->tail) : 0);
	return true;
}

static void se_serve_metrics(struct se_http_server *s, struct se_serve_conn *c,
			     const struct se_http_request *r)
{
	bool head_only = r->method == SE_HTTP_HEAD;

	if (s->renders >= SE_SERVE_RENDERS_MAX) {
		se_serve_text(c, head_only, "503 Service Unavailable", "Retry-After: 1\r\n", "%s\n",
			      "busy: other scrapes are being answered");
		return;
	}
	c->page = se_prom_pages_get(s->pages);
	if (!c->page) {
		se_serve_text(c, head_only, "503 Service Unavailable", "Retry-After: 1\r\n", "%s\n",
			      "no window exported yet");
		return;
	}
	s->renders++;
	c->fmt = r->openmetrics ? SE_PROM_OPENMETRICS : SE_PROM_TEXT;
	c->chunked = r->chunked_ok;
	se_prom_cursor_init(&c->cursor);
	se_serve_respond(c, head_only, "200 OK", se_prom_content_type[c->fmt], NULL, NULL,
			 SIZE_MAX);
	if (head_only || !se_serve_render(s, c))
		se_serve_drop_page(s, c);
}

static void se_serve_route(struct se_http_server *s, struct se_serve_conn *c,
			   const struct se_http_request *r)
{
	bool head_only = r->method == SE_HTTP_HEAD;
	char why[128];

	if (r->method == SE_HTTP_OTHER)
		se_serve_text(c, false, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", "%s\n",
			      "only GET and HEAD");
	else if (!strcmp(r->path, "/healthz"))
		se_serve_text(c, head_only, "200 OK", NULL, "%s\n", "ok");
	else if (!strcmp(r->path, "/readyz") &&
		 se_health_ready(s->health, se_clock_mono_ns(), why, sizeof(why)))
		se_serve_text(c, head_only, "200 OK", NULL, "%s\n", "ready");
	else if (!strcmp(r->path, "/readyz"))
		se_serve_text(c, head_only, "503 Service Unavailable", NULL, "not ready: %s\n",
			      why);
	else if (!strcmp(r->path, "/metrics"))
		se_serve_metrics(s, c, r);
	else
		se_serve_text(c, head_only, "404 Not Found", NULL, "%s\n",
			      "not found: try /healthz, /readyz or /metrics");
}

/* Read what came; once the head is whole, answer. */
static void se_serve_read(struct se_http_server *s, struct se_serve_conn *c)
{
	struct se_http_request r;
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		se_serve_close(s, c);
		return;
	}
	c->in_len += (size_t)n;
	switch (se_http_request_parse(c->in, c->in_len, &r)) {
	case SE_HTTP_PARSE_MORE:
		return;
	case SE_HTTP_PARSE_DONE:
		se_serve_route(s, c, &r);
		return;
	case SE_HTTP_PARSE_MALFORMED:
		se_serve_text(c, false, "400 Bad Request", NULL, "%s\n", "bad request");
		return;
	case SE_HTTP_PARSE_TOO_LONG:
		se_serve_text(c, false, "431 Request Header Fields Too Large", NULL, "%s\n",
			      "request head too long");
		return;
	}
}

/* Send what the socket takes; render more of a page once all of it is sent; close at the
 * end of the answer. */
static void se_serve_write(struct se_http_server *s, struct se_serve_conn *c)
{
	struct iovec iov[SE_SERVE_PARTS];
	struct msghdr msg = { .msg_iov = iov };
	ssize_t n;

	for (int i = 0; i < SE_SERVE_PARTS; i++)
		if (c->part[i].iov_len)
			iov[msg.msg_iovlen++] = c->part[i];
	if (!msg.msg_iovlen) {
		if (c->page && se_serve_render(s, c))
			return; /* the next poll sends it */
		shutdown(c->fd, SHUT_WR);
		se_serve_close(s, c);
		return;
	}
	n = sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		se_serve_close(s, c);
		return;
	}
	for (int i = 0; i < SE_SERVE_PARTS && n > 0; i++) {
		size_t used = (size_t)n < c->part[i].iov_len ? (size_t)n : c->part[i].iov_len;

		c->part[i].iov_base = (char *)c->part[i].iov_base + used;
		c->part[i].iov_len -= used;
		n -= (ssize_t)used;
	}
}

/* A slot for a new connection: a free one, else the oldest still sending its head (a client
 * that idles must not keep a probe out), else none. */
static struct se_serve_conn *se_serve_slot(struct se_http_server *s)
{
	struct se_serve_conn *oldest = NULL;

	for (unsigned int i = 0; i < SE_SERVE_CONNS_MAX; i++) {
		struct se_serve_conn *c = &s->conns[i];

		if (c->fd < 0)
			return c;
		if (!c->answering && (!oldest || c->deadline_ns < oldest->deadline_ns))
			oldest = c;
	}
	if (oldest)
		se_serve_close(s, oldest);
	return oldest;
}

static void se_serve_accept(struct se_http_server *s)
{
	for (;;) {
		struct se_serve_conn *c;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return; /* EAGAIN: none waiting; EMFILE and the like: the next poll retries
				 */
		c = se_serve_slot(s);
		if (!c) { /* every slot sending an answer (not reached while polled, see below) */
			close(fd);
			return;
		}
		c->fd = fd;
		c->deadline_ns = se_clock_mono_ns() + SE_SERVE_CONN_TIMEOUT_S * SE_NS_PER_S;
		c->in_len = 0;
		c->answering = false;
	}
}

static void *se_serve_main(void *arg)
{
	struct se_http_server *s = arg;
	struct pollfd pfd[2 + SE_SERVE_CONNS_MAX];
	struct se_serve_conn *polled[SE_SERVE_CONNS_MAX];

	se_thread_name("sockeye-http");
	for (;;) {
		uint64_t now = se_clock_mono_ns(), next = 0;
		unsigned int n = 2, answering = 0;
		int timeout_ms = -1;

		pfd[0] = (struct pollfd){ .fd = s->stop_fd, .events = POLLIN };
		for (unsigned int i = 0; i < SE_SERVE_CONNS_MAX; i++) {
			struct se_serve_conn *c = &s->conns[i];

			if (c->fd < 0)
				continue;
			if (now >= c->deadline_ns) {
				se_serve_close(s, c);
				continue;
			}
			if (!next || c->deadline_ns < next)
				next = c->deadline_ns;
			polled[n - 2] = c;
			pfd[n++] = (struct pollfd){ .fd = c->fd,
						    .events = c->answering ? POLLOUT : POLLIN };
			answering += c->answering;
		}
		/* every slot sending an answer: new connections wait in the backlog */
		pfd[1] = (struct pollfd){ .fd = answering < SE_SERVE_CONNS_MAX ? s->listen_fd : -1,
					  .events = POLLIN };
		if (next)
			timeout_ms = (int)((next - now) / SE_NS_PER_MS) + 1;
		if (poll(pfd, n, timeout_ms) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		for (unsigned int i = 2; i < n; i++) {
			struct se_serve_conn *c = polled[i - 2];

			if (!pfd[i].revents)
				continue;
			if (!c->answering)
				se_serve_read(s, c);
			if (c->fd >= 0 && c->answering)
				se_serve_write(s, c);
		}
		if (pfd[1].revents & POLLIN)
			se_serve_accept(s);
	}
	return NULL;
}

struct se_http_server *se_http_server_new(const struct se_endpoint *addr, struct se_health *health,
					  struct se_prom_pages *pages, char *err, size_t errlen)
{
	struct se_http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage sa = { 0 };
	socklen_t salen;
	int one = 1;

	if (!s) {
		snprintf(err, errlen, "--listen: out of memory");
		return NULL;
	}
	s->health = health;
	s->pages = pages;
	s->stop_fd = -1;
	for (unsigned int i = 0; i < SE_SERVE_CONNS_MAX; i++)
		s->conns[i].fd = -1;
	se_endpoint_format(addr, s->shown, sizeof(s->shown));
	if (addr->family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(addr->port);
		memcpy(&in6->sin6_addr, addr->addr, 16);
		salen = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		in->sin_family = AF_INET;
		in->sin_port = htons(addr->port);
		memcpy(&in->sin_addr, addr->addr, 4);
		salen = sizeof(*in);
	}
	s->listen_fd = socket(addr->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0 ||
	    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->listen_fd, (struct sockaddr *)&sa, salen) ||
	    listen(s->listen_fd, SE_SERVE_LISTEN_BACKLOG)) {
		snprintf(err, errlen, "--listen %s: %s", s->shown, strerror(errno));
		goto fail;
	}
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stop_fd < 0) {
		snprintf(err, errlen, "--listen: eventfd: %s", strerror(errno));
		goto fail;
	}
	return s;
fail:
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s);
	return NULL;
}

int se_http_server_start(struct se_http_server *s)
{
	int ret = pthread_create(&s->thread, NULL, se_serve_main, s);

	if (ret)
		return -ret;
	s->started = true;
	se_info("listening on http://%s: /healthz, /readyz, /metrics", s->shown);
	return 0;
}

void se_http_server_free(struct se_http_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (s->started) {
		if (write(s->stop_fd, &one, sizeof(one)) < 0)
			se_warn("--listen: cannot stop the endpoint's thread: %s", strerror(errno));
		pthread_join(s->thread, NULL);
	}
	for (unsigned int i = 0; i < SE_SERVE_CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			se_serve_close(s, &s->conns[i]);
	close(s->stop_fd);
	close(s->listen_fd);
	free(s);
}
