// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A load generator worker: one thread, one epoll, its share of the connections, each with at
 * most one request in flight (keep-alive, no pipelining). Closed loop: a connection sends its
 * next request as soon as the previous response ends. Open loop (--rate R over C
 * connections): connection g sends its k-th request at start + (g + k * C) / R, so the
 * connections interleave evenly; latency counts from that scheduled time, and a connection
 * still waiting for a response sends the next request only when it arrives, late, with the
 * wait in its latency (coordinated omission corrected, as wrk2 does). At the deadline nothing
 * new is sent; responses in flight are waited for, at most SE_LG_DRAIN_NS.
 *
 * Nothing is allocated per request: every connection writes the one shared request from an
 * offset and reads into the worker's one buffer, which the framer consumes without keeping.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loadgen.h"

#define SE_LG_RBUF_SIZE	     (64 * 1024)
#define SE_LG_EVENTS	     256
#define SE_LG_DRAIN_NS	     (2 * 1000000000ull) /* wait for the last responses this long */
#define SE_LG_RETRY_NS	     (10 * 1000000ull)	 /* a failed connect is retried after this */
#define SE_LG_WAIT_MAX_NS    (100 * 1000000ull)	 /* sleep no longer: se_lg_stop is polled */
#define SE_LG_TIMER_SLACK_NS 1			 /* open-loop sends on time, not 50 us late */

atomic_bool se_lg_stop;

enum conn_state {
	C_CLOSED,     /* no socket: (re)connect at due_ns */
	C_CONNECTING, /* waiting for EPOLLOUT */
	C_IDLE,	      /* connected, nothing in flight */
	C_SENDING,    /* request partly written */
	C_WAITING,    /* request written, response not complete */
};

struct se_lg_conn {
	/* owner: worker */
	int fd;
	uint8_t state;
	bool want_out;	   /* EPOLLOUT is in the interest set */
	bool done;	   /* open loop: its next request falls after the deadline */
	uint32_t g;	   /* index over all workers' connections */
	uint64_t k;	   /* open loop: index of its next request */
	uint64_t due_ns;   /* open loop: when the next request is scheduled */
	uint64_t retry_ns; /* C_CLOSED: not before */
	uint64_t start_ns; /* latency origin of the request in flight */
	size_t woff;	   /* bytes of the request written */
	struct se_lg_resp resp;
};

static bool open_loop(const struct se_lg_worker *w)
{
	return w->cfg->rate > 0;
}

/* Connection g's k-th request is due at start + (g + k * C) / R. */
static uint64_t schedule(const struct se_lg_worker *w, const struct se_lg_conn *c)
{
	double slot = (double)c->g + (double)c->k * w->cfg->connections;

	return w->start_ns + (uint64_t)(slot * 1e9 / w->cfg->rate);
}

static int set_interest(struct se_lg_worker *w, struct se_lg_conn *c, bool out)
{
	struct epoll_event ev = { .events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out == out)
		return 0;
	c->want_out = out;
	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev) ? -errno : 0;
}

static void conn_close(struct se_lg_conn *c, uint64_t retry_ns)
{
	if (c->fd >= 0)
		close(c->fd); /* leaves the epoll set with it */
	c->fd = -1;
	c->state = C_CLOSED;
	c->want_out = false;
	c->retry_ns = retry_ns;
}

/* A non-blocking connect; failures are counted and retried later. */
static void conn_open(struct se_lg_worker *w, struct se_lg_conn *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto fail;
	/* one small request per round trip: Nagle would hold it for the previous ACK */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (const struct sockaddr *)&w->cfg->addr, sizeof(w->cfg->addr)) &&
	    errno != EINPROGRESS)
		goto fail;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev))
		goto fail;
	c->want_out = true;
	c->state = C_CONNECTING;
	return;
fail:
	w->c.err_connect++;
	conn_close(c, now + SE_LG_RETRY_NS);
}

/* Closes and reconnects at once (the server closed, or the connection is unusable). */
static void conn_reopen(struct se_lg_worker *w, struct se_lg_conn *c, uint64_t now)
{
	conn_close(c, now);
	w->c.reconnects++;
	conn_open(w, c, now);
}

static void conn_write(struct se_lg_worker *w, struct se_lg_conn *c, uint64_t now)
{
	const struct se_lg_config *cfg = w->cfg;

	while (c->woff < cfg->request_len) {
		ssize_t n =
		    send(c->fd, cfg->request + c->woff, cfg->request_len - c->woff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (set_interest(w, c, true))
					goto fail;
				return;
			}
			goto fail;
		}
		c->woff += (size_t)n;
	}
	c->state = C_WAITING;
	if (set_interest(w, c, false))
		goto fail;
	return;
fail:
	w->c.err_io++;
	conn_reopen(w, c, now);
}

/* Sends the next request on an idle connection. */
static void conn_send(struct se_lg_worker *w, struct se_lg_conn *c, uint64_t now)
{
	if (open_loop(w)) {
		c->start_ns = c->due_ns; /* coordinated omission: the schedule is the origin */
		c->k++;
		c->due_ns = schedule(w, c);
		c->done = c->due_ns >= w->end_ns;
	} else {
		c->start_ns = now;
	}
	c->woff = 0;
	se_lg_resp_init(&c->resp, w->cfg->head);
	c->state = C_SENDING;
	w->c.sent++;
	conn_write(w, c, now);
}

/* An idle connection sends if its request is due; the response that made it idle was late. */
static void conn_next(struct se_lg_worker *w, struct se_lg_conn *c, uint64_t now, bool stopping)
{
	if (stopping)
		return;
	if (!open_loop(w)) {
		conn_send(w, c, now);
		return;
	}
	if (c->done || c->due_ns > now)
		return;
	conn_send(w, c, now);
}

static void conn_complete(struct se_lg_worker *w, struct se_lg_conn *c, bool stopping)
{
	uint64_t now = se_lg_now_ns();
	int cls = c->resp.status / 100;

	se_lg_lat_add(&w->lat, now > c->start_ns ? now - c->start_ns : 0);
	w->c.received++;
	w->c.status[cls >= 2 && cls <= 5 ? cls : 0]++;
	w->done_ns = now;
	/* a response before the whole request was written leaves the stream unusable */
	if (!c->resp.keep_alive || c->state == C_SENDING) {
		conn_reopen(w, c, now);
		return;
	}
	c->state = C_IDLE;
	if (open_loop(w) && !stopping && !c->done && c->due_ns < now)
		w->c.late++;
	conn_next(w, c, now, stopping);
}

static void conn_readable(struct se_lg_worker *w, struct se_lg_conn *c, bool stopping)
{
	uint64_t now;
	ssize_t n = recv(c->fd, w->rbuf, SE_LG_RBUF_SIZE, 0);
	enum se_lg_resp_status st;
	size_t used;

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		w->c.err_io++;
		conn_reopen(w, c, se_lg_now_ns());
		return;
	}
	if (n == 0) {
		if (c->state == C_IDLE) { /* the server closed an idle connection: no loss */
			conn_reopen(w, c, se_lg_now_ns());
			return;
		}
		if (c->resp.started && se_lg_resp_eof(&c->resp) == SE_LG_RESP_OK) {
			conn_complete(w, c, stopping); /* a body delimited by the close */
			return;
		}
		w->c.err_closed++;
		conn_reopen(w, c, se_lg_now_ns());
		return;
	}
	if (c->state == C_IDLE)
		goto invalid; /* nobody asked */
	st = se_lg_resp_feed(&c->resp, w->rbuf, (size_t)n, &used);
	if (st == SE_LG_RESP_NEED_MORE)
		return;
	if (st == SE_LG_RESP_OK && used == (size_t)n) {
		conn_complete(w, c, stopping);
		return;
	}
invalid:
	now = se_lg_now_ns();
	w->c.err_parse++;
	conn_reopen(w, c, now);
}

static void conn_event(struct se_lg_worker *w, struct se_lg_conn *c, uint32_t events, bool stopping)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (c->state == C_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
			w->c.err_connect++;
			conn_close(c, se_lg_now_ns() + SE_LG_RETRY_NS);
			return;
		}
		c->state = C_IDLE;
		if (set_interest(w, c, false)) {
			w->c.err_io++;
			conn_close(c, se_lg_now_ns() + SE_LG_RETRY_NS);
			return;
		}
		conn_next(w, c, se_lg_now_ns(), stopping);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
		conn_readable(w, c, stopping);
		if (c->state != C_SENDING)
			return;
	}
	if ((events & EPOLLOUT) && c->state == C_SENDING)
		conn_write(w, c, se_lg_now_ns());
}

int se_lg_worker_init(struct se_lg_worker *w, const struct se_lg_config *cfg, uint32_t first,
		      uint32_t n)
{
	memset(w, 0, sizeof(*w));
	w->epfd = -1;
	w->cfg = cfg;
	w->first = first;
	w->n = n;
	se_lg_lat_init(&w->lat);
	w->conns = calloc(n, sizeof(*w->conns));
	w->rbuf = malloc(SE_LG_RBUF_SIZE);
	if (!w->conns || !w->rbuf)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		w->conns[i].fd = -1;
		w->conns[i].g = first + i;
	}
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	return w->epfd < 0 ? -errno : 0;
}

void se_lg_worker_fini(struct se_lg_worker *w)
{
	if (!w)
		return;
	for (uint32_t i = 0; w->conns && i < w->n; i++)
		if (w->conns[i].fd >= 0)
			close(w->conns[i].fd);
	if (w->epfd >= 0)
		close(w->epfd);
	free(w->conns);
	free(w->rbuf);
	w->conns = NULL;
	w->rbuf = NULL;
	w->epfd = -1;
}

/*
 * Sends what is due, (re)connects what is closed, and returns when to look again. A scan of
 * every connection per wake-up: cheap next to the syscalls for the connection counts a
 * loopback benchmark uses.
 */
static uint64_t worker_due(struct se_lg_worker *w, uint64_t now, bool stopping, bool *in_flight)
{
	uint64_t next = UINT64_MAX;

	*in_flight = false;
	for (uint32_t i = 0; i < w->n; i++) {
		struct se_lg_conn *c = &w->conns[i];

		if (c->state == C_CLOSED && !stopping) {
			if (c->retry_ns <= now)
				conn_open(w, c, now);
			else if (c->retry_ns < next)
				next = c->retry_ns;
		}
		if (c->state == C_IDLE && !stopping && open_loop(w) && !c->done) {
			if (c->due_ns <= now)
				conn_send(w, c, now);
			else if (c->due_ns < next)
				next = c->due_ns;
		}
		if (c->state == C_SENDING || c->state == C_WAITING)
			*in_flight = true;
	}
	return next;
}

static int wait_events(struct se_lg_worker *w, struct epoll_event *evs, uint64_t now,
		       uint64_t until)
{
	uint64_t wait = until > now ? until - now : 0;
	struct timespec ts;

	if (wait > SE_LG_WAIT_MAX_NS)
		wait = SE_LG_WAIT_MAX_NS;
	ts.tv_sec = (time_t)(wait / 1000000000ull);
	ts.tv_nsec = (long)(wait % 1000000000ull);
	if (!w->no_pwait2) {
		int n = epoll_pwait2(w->epfd, evs, SE_LG_EVENTS, &ts, NULL);

		if (n >= 0 || errno != ENOSYS)
			return n;
		w->no_pwait2 = true; /* before Linux 5.11: millisecond timeouts, rounded up */
	}
	return epoll_wait(w->epfd, evs, SE_LG_EVENTS, (int)((wait + 999999) / 1000000));
}

void *se_lg_worker_run(void *worker)
{
	struct se_lg_worker *w = worker;
	struct epoll_event evs[SE_LG_EVENTS];
	uint64_t now, drain_end = 0, stop_ns = 0, next;
	bool stopping = false, in_flight;

	prctl(PR_SET_TIMERSLACK, SE_LG_TIMER_SLACK_NS);
	for (uint32_t i = 0; i < w->n; i++) {
		struct se_lg_conn *c = &w->conns[i];

		if (open_loop(w)) {
			c->due_ns = schedule(w, c);
			c->done = c->due_ns >= w->end_ns;
		}
		conn_open(w, c, w->start_ns);
	}
	for (;;) {
		now = se_lg_now_ns();
		if (!stopping && (now >= w->end_ns || atomic_load(&se_lg_stop))) {
			stopping = true;
			stop_ns = now < w->end_ns ? now : w->end_ns;
			drain_end = now + SE_LG_DRAIN_NS;
		}
		next = worker_due(w, now, stopping, &in_flight);
		if (stopping) {
			if (!in_flight || now >= drain_end)
				break;
			next = drain_end;
		} else if (next > w->end_ns) {
			next = w->end_ns;
		}
		int n = wait_events(w, evs, now, next);

		if (n < 0 && errno != EINTR) {
			w->err = -errno;
			break;
		}
		for (int i = 0; i < n; i++)
			conn_event(w, evs[i].data.ptr, evs[i].events, stopping);
	}
	for (uint32_t i = 0; i < w->n; i++) {
		struct se_lg_conn *c = &w->conns[i];

		if (c->state == C_SENDING || c->state == C_WAITING)
			w->c.abandoned++;
		/* the backlog of a connection that fell behind, or closed when it was due */
		for (; open_loop(w) && !c->done; c->done = c->due_ns >= w->end_ns) {
			w->c.unsent++;
			c->k++;
			c->due_ns = schedule(w, c);
		}
	}
	if (!stop_ns) /* left on an epoll error */
		stop_ns = se_lg_now_ns();
	if (w->done_ns < stop_ns)
		w->done_ns = stop_ns;
	return NULL;
}
