// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What capture costs the observed service, per syscall: times a loopback TCP ping-pong of
 * 100-byte messages (each round trip is two writes and two reads, like a small request and
 * its response) on a given port; a one-way stream of 100-byte writes on a given port (a
 * reader thread drains it), where the syscalls themselves dominate rather than wake-ups;
 * 100-byte writes to /dev/null (I/O that is not a socket, which the hooks see too); and
 * getppid(2), a syscall sockeye does not hook (what attaching costs every other syscall); and a
 * loopback UDP ping-pong of a DNS query and its answer, a server socket bound to a given port
 * and a client connected to it, as glibc's resolver and a DNS server do (dns), or a client that
 * never connects and names the server in each sendto, as musl's resolver does (dns-sendto),
 * and that client's sends alone, no answer (sendto). Prints nanoseconds per round trip,
 * write or call; run it with and without sockeye attached (bench/capture_overhead.sh does,
 * interleaved) and compare.
 *
 *   syscall_cost pingpong PORT ROUNDS | stream PORT WRITES | devnull WRITES | other CALLS |
 *                dns PORT ROUNDS | dns-sendto PORT ROUNDS | sendto PORT SENDS
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MSG 100

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void full_read(int fd, char *buf, size_t n)
{
	while (n) {
		ssize_t r = read(fd, buf, n);

		if (r <= 0)
			exit(1);
		buf += r;
		n -= (size_t)r;
	}
}

struct echo {
	int lfd;
	long rounds;
};

static void *echo_server(void *p)
{
	struct echo *e = p;
	int fd = accept(e->lfd, NULL, NULL);
	char buf[MSG];

	for (long i = 0; i < e->rounds; i++) {
		full_read(fd, buf, MSG);
		if (write(fd, buf, MSG) != MSG)
			exit(1);
	}
	close(fd);
	return NULL;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	return a;
}

static int listen_loopback(int port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		exit(1);
	return lfd;
}

static int connect_loopback(int port, int nodelay)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof(nodelay));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		exit(1);
	return fd;
}

static double pingpong(int port, long rounds)
{
	struct echo e = { .rounds = rounds };
	pthread_t t;
	int fd;
	char buf[MSG];
	uint64_t start;

	memset(buf, 'x', sizeof(buf));
	e.lfd = listen_loopback(port);
	pthread_create(&t, NULL, echo_server, &e);
	fd = connect_loopback(port, 1); /* request/response: no Nagle delay */
	start = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (write(fd, buf, MSG) != MSG)
			exit(1);
		full_read(fd, buf, MSG);
	}
	double per = (double)(now_ns() - start) / rounds;

	close(fd);
	pthread_join(t, NULL);
	close(e.lfd);
	return per;
}

struct drain {
	int lfd;
	long bytes;
};

static void *drain_server(void *p)
{
	struct drain *d = p;
	int fd = accept(d->lfd, NULL, NULL);
	int lowat = 32768;
	char buf[65536];

	/* Wake the reader per 32 KiB, whatever the writer's pace: otherwise a slower writer
	 * (capture attached) changes how often the reader wakes, and wake-ups dominate. */
	setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));

	while (d->bytes > 0) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0)
			exit(1);
		if (r == 0)
			break;
		d->bytes -= r;
	}
	close(fd);
	return NULL;
}

static double stream(int port, long writes)
{
	struct drain d = { .bytes = writes * MSG };
	pthread_t t;
	int fd;
	char buf[MSG];
	uint64_t start;

	memset(buf, 'x', sizeof(buf));
	d.lfd = listen_loopback(port);
	pthread_create(&t, NULL, drain_server, &d);
	fd = connect_loopback(port, 0);
	start = now_ns();
	for (long i = 0; i < writes; i++)
		if (write(fd, buf, MSG) != MSG)
			exit(1);
	shutdown(fd, SHUT_WR); /* the tail, below the low-water mark, is read at end of stream */
	pthread_join(t, NULL);
	double per = (double)(now_ns() - start) / writes;

	close(fd);
	close(d.lfd);
	return per;
}

static double devnull(long writes)
{
	int fd = open("/dev/null", O_WRONLY);
	char buf[MSG] = { 0 };
	uint64_t start = now_ns();

	for (long i = 0; i < writes; i++)
		if (write(fd, buf, MSG) != MSG)
			exit(1);
	double per = (double)(now_ns() - start) / writes;

	close(fd);
	return per;
}

static double other(long calls)
{
	uint64_t start = now_ns();

	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid); /* not the libc wrapper: nothing may be cached */
	return (double)(now_ns() - start) / calls;
}

/* A query for svc.test A with its EDNS record, as glibc sends it. */
// clang-format off
static const unsigned char dns_query[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,		/* id, RD, one question, one OPT */
	3, 's', 'v', 'c', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1,	/* svc.test A IN */
	0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0,			/* OPT: 1232-byte payload */
};
// clang-format on

struct dns_server {
	int fd;
	long rounds;
};

/* Answers each query with itself, QR set: what the client's resolver would read. */
static void *dns_server(void *p)
{
	struct dns_server *s = p;
	unsigned char buf[512];
	struct sockaddr_in from;

	for (long i = 0; i < s->rounds; i++) {
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(s->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);

		if (n < 12)
			exit(1);
		buf[2] |= 0x80;
		if (sendto(s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) != n)
			exit(1);
	}
	return NULL;
}

/* One-way sendto of the query from a socket never connected, to a port where nothing
 * listens (an unconnected socket ignores the port-unreachable answers): the send path alone,
 * with no wake-up in the measure. */
static double sendto_only(int port, long sends)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint64_t start = now_ns();

	for (long i = 0; i < sends; i++)
		if (sendto(fd, dns_query, sizeof(dns_query), 0, (struct sockaddr *)&a, sizeof(a)) !=
		    (ssize_t)sizeof(dns_query))
			exit(1);
	double per = (double)(now_ns() - start) / sends;

	close(fd);
	return per;
}

/* connected: send/recv on a connected socket; else sendto with the address, recvfrom. */
static double dns(int port, long rounds, int connected)
{
	struct sockaddr_in a = loopback(port);
	struct dns_server s = { .fd = socket(AF_INET, SOCK_DGRAM, 0), .rounds = rounds };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	unsigned char buf[512];
	pthread_t t;
	uint64_t start;

	if (bind(s.fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (connected && connect(fd, (struct sockaddr *)&a, sizeof(a))))
		exit(1);
	pthread_create(&t, NULL, dns_server, &s);
	start = now_ns();
	for (long i = 0; i < rounds; i++) {
		if (sendto(fd, dns_query, sizeof(dns_query), 0,
			   connected ? NULL : (struct sockaddr *)&a,
			   connected ? 0 : sizeof(a)) != (ssize_t)sizeof(dns_query) ||
		    recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL) != (ssize_t)sizeof(dns_query))
			exit(1);
	}
	double per = (double)(now_ns() - start) / rounds;

	pthread_join(t, NULL);
	close(fd);
	close(s.fd);
	return per;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "pingpong"))
		printf("%.1f\n", pingpong(atoi(argv[2]), atol(argv[3])));
	else if (argc == 4 && !strcmp(argv[1], "stream"))
		printf("%.1f\n", stream(atoi(argv[2]), atol(argv[3])));
	else if (argc == 3 && !strcmp(argv[1], "devnull"))
		printf("%.1f\n", devnull(atol(argv[2])));
	else if (argc == 3 && !strcmp(argv[1], "other"))
		printf("%.1f\n", other(atol(argv[2])));
	else if (argc == 4 && !strcmp(argv[1], "dns"))
		printf("%.1f\n", dns(atoi(argv[2]), atol(argv[3]), 1));
	else if (argc == 4 && !strcmp(argv[1], "dns-sendto"))
		printf("%.1f\n", dns(atoi(argv[2]), atol(argv[3]), 0));
	else if (argc == 4 && !strcmp(argv[1], "sendto"))
		printf("%.1f\n", sendto_only(atoi(argv[2]), atol(argv[3])));
	else {
		fprintf(stderr, "usage: syscall_cost pingpong PORT ROUNDS | stream PORT WRITES | "
				"devnull WRITES | other CALLS | dns PORT ROUNDS | "
				"dns-sendto PORT ROUNDS | sendto PORT SENDS\n");
		return 2;
	}
	return 0;
}
