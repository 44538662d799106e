// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A TCP server and client (parent and forked child) that exchange known bytes through one
 * syscall family, and print what each side actually did as one JSON line: bytes and
 * successful syscalls per direction and an FNV-1a digest of the bytes in order. The
 * integration tests compare sockeye's report of the same connection with these lines.
 *
 *   tcp_peer --family rw|v|to|msg|mmsg|sendfile|splice|v2 [--port P] [--v6] [--up N] [--down N]
 *            [--chunk N] [--migrate] [--split-threads] [--peek] [--wait-file PATH]
 *            [--no-close] [--rst | --client-rst]
 *
 * --migrate moves the sending and receiving threads to another CPU between syscalls;
 * --split-threads makes the client send from one thread and receive on another, each
 * pinned to a different CPU; --peek issues a recv(MSG_PEEK) before every read (never an
 * event: the stream does not advance); --wait-file PATH makes both sides stop once
 * connected (printing "connected" on stderr) until PATH exists, so a test can start sockeye
 * on an established connection; --no-close makes both sides exit without close(2), leaving
 * the descriptors to the kernel; --rst makes the server reset the connection (SO_LINGER 0)
 * right after its response, and the client read that response only after the reset;
 * --client-rst makes the client reset it right after its request, and the server read that
 * request only after the reset (and send nothing back). A reset socket gives its local port
 * back to the kernel: the server side is then a socket without a local port.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define FNV_INIT  0xcbf29ce484222325ull
#define MMSG_VLEN 4
#define IOV_PARTS 3

enum family { F_RW, F_V, F_TO, F_MSG, F_MMSG, F_SENDFILE, F_V2, F_SPLICE };

struct opts {
	enum family family;
	int port;
	bool v6;
	size_t up, down, chunk;
	bool migrate, split_threads, peek, no_close, rst, client_rst;
	const char *wait_file;
};

struct side {
	uint64_t bytes[2], events[2], digest[2]; /* [0] = in, [1] = out */
};

static struct opts o = {
	.family = F_RW, .port = 8080, .up = 100000, .down = 300000, .chunk = 4096
};

static void die(const char *what)
{
	fprintf(stderr, "tcp_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* --client-rst: the server says it has the connection's addresses before the client resets
 * it (after the reset they can no longer be read) */
static int accepted_pipe[2] = { -1, -1 };

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Deterministic payload: byte i of a direction's stream. */
static unsigned char *payload(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	uint32_t x = 2463534242u ^ seed;

	if (!p)
		die("malloc");
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
	return p;
}

static void hop_cpu(void)
{
	static __thread int next;
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (!o.migrate || ncpu < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(next++ % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* 0 = the calling thread */
}

static void pin_cpu(int cpu)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % ncpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void account(struct side *s, int dir, const void *p, size_t n)
{
	s->bytes[dir] += n;
	s->events[dir]++;
	s->digest[dir] = fnv(s->digest[dir], p, n);
}

/* want bytes at p as IOV_PARTS iovec entries (the last takes the remainder). */
static void split_iov(struct iovec *iov, const unsigned char *p, size_t want)
{
	size_t part = want / IOV_PARTS, off = 0;

	for (int i = 0; i < IOV_PARTS; i++) {
		size_t len = i == IOV_PARTS - 1 ? want - off : part;

		iov[i].iov_base = (void *)(p + off);
		iov[i].iov_len = len;
		off += len;
	}
}

/* want bytes at p as up to MMSG_VLEN one-entry messages; returns how many. */
static int split_mmsg(struct mmsghdr *mm, struct iovec *iov, const unsigned char *p, size_t want)
{
	size_t part = (want + MMSG_VLEN - 1) / MMSG_VLEN, off = 0;
	int k = 0;

	memset(mm, 0, sizeof(*mm) * MMSG_VLEN);
	for (; k < MMSG_VLEN && off < want; k++) {
		size_t len = want - off < part ? want - off : part;

		iov[k].iov_base = (void *)(p + off);
		iov[k].iov_len = len;
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		off += len;
	}
	return k;
}

/*
 * splice family: the server's bytes go into a pipe with write(2) (not a socket: not
 * captured), then from the pipe into the socket with splice(2). splice_calls: the splice
 * calls that moved bytes in the last splice_out.
 */
static int splice_pipe[2] = { -1, -1 };
static unsigned int splice_calls;

static ssize_t splice_out(int fd, const unsigned char *buf, size_t n)
{
	size_t moved = 0;

	splice_calls = 0;
	if (write(splice_pipe[1], buf, n) != (ssize_t)n)
		die("write to pipe");
	while (moved < n) {
		ssize_t r = splice(splice_pipe[0], NULL, fd, NULL, n - moved, 0);

		if (r <= 0)
			die("splice");
		moved += (size_t)r;
		splice_calls++;
	}
	return (ssize_t)moved;
}

/* Send all of buf[0..n) with the family's send call; every call that moved bytes counts. */
static void send_all(int fd, const unsigned char *buf, size_t n, struct side *s, int file_fd)
{
	size_t done = 0;

	while (done < n) {
		size_t want = n - done < o.chunk ? n - done : o.chunk;
		ssize_t r;

		hop_cpu();
		switch (o.family) {
		case F_RW:
			r = write(fd, buf + done, want);
			break;
		case F_TO:
			r = sendto(fd, buf + done, want, 0, NULL, 0);
			break;
		case F_V:
		case F_V2:
		case F_MSG: {
			struct iovec iov[IOV_PARTS];

			split_iov(iov, buf + done, want);
			if (o.family == F_V2) {
				r = pwritev2(fd, iov, IOV_PARTS, -1, 0);
			} else if (o.family == F_V) {
				r = writev(fd, iov, IOV_PARTS);
			} else {
				struct msghdr m = { .msg_iov = iov, .msg_iovlen = IOV_PARTS };

				r = sendmsg(fd, &m, 0);
			}
			break;
		}
		case F_MMSG: {
			struct mmsghdr mm[MMSG_VLEN];
			struct iovec iov[MMSG_VLEN];
			int k = split_mmsg(mm, iov, buf + done, want);

			int sent = sendmmsg(fd, mm, k, 0);

			if (sent < 0)
				die("sendmmsg");
			for (int i = 0; i < sent; i++) {
				if (mm[i].msg_len)
					account(s, 1, iov[i].iov_base, mm[i].msg_len);
				done += mm[i].msg_len;
			}
			continue;
		}
		case F_SENDFILE: {
			off_t at = (off_t)done;

			if (file_fd < 0) { /* the client's requests go out with write(2) */
				r = write(fd, buf + done, want);
				break;
			}

			r = sendfile(fd, file_fd, &at, want);
			if (r > 0) {
				s->bytes[1] += r;
				s->events[1]++;
				s->digest[1] = fnv(s->digest[1], buf + done, r);
				done += r;
				continue;
			}
			break;
		}
		case F_SPLICE: {
			if (file_fd < 0) { /* the client's requests go out with write(2) */
				r = write(fd, buf + done, want);
				break;
			}
			r = splice_out(fd, buf + done, want);
			if (r > 0) {
				s->bytes[1] += r;
				s->events[1] += splice_calls;
				s->digest[1] = fnv(s->digest[1], buf + done, r);
				done += r;
				continue;
			}
			break;
		}
		default:
			r = -1;
		}
		if (r < 0)
			die("send");
		account(s, 1, buf + done, (size_t)r);
		done += (size_t)r;
	}
}

/* Receive exactly n bytes with the family's receive call (sendfile, splice: read). */
static void recv_all(int fd, unsigned char *buf, size_t n, struct side *s)
{
	size_t done = 0;

	while (done < n) {
		size_t want = n - done < o.chunk ? n - done : o.chunk;
		ssize_t r;

		hop_cpu();
		if (o.peek) {
			char tmp[16];

			if (recv(fd, tmp, sizeof(tmp), MSG_PEEK) < 0)
				die("peek");
		}
		switch (o.family) {
		case F_RW:
		case F_SENDFILE:
		case F_SPLICE:
			r = read(fd, buf + done, want);
			break;
		case F_TO:
			r = recvfrom(fd, buf + done, want, 0, NULL, NULL);
			break;
		case F_V:
		case F_V2:
		case F_MSG: {
			struct iovec iov[IOV_PARTS];

			split_iov(iov, buf + done, want);
			if (o.family == F_V2) {
				r = preadv2(fd, iov, IOV_PARTS, -1, 0);
			} else if (o.family == F_V) {
				r = readv(fd, iov, IOV_PARTS);
			} else {
				struct msghdr m = { .msg_iov = iov, .msg_iovlen = IOV_PARTS };

				r = recvmsg(fd, &m, 0);
			}
			break;
		}
		case F_MMSG: {
			struct mmsghdr mm[MMSG_VLEN];
			struct iovec iov[MMSG_VLEN];
			int k = split_mmsg(mm, iov, buf + done, want);

			int got = recvmmsg(fd, mm, k, MSG_WAITFORONE, NULL);

			if (got < 0)
				die("recvmmsg");
			if (got == 0 || mm[0].msg_len == 0) {
				errno = EPIPE;
				die("recvmmsg: early end of stream");
			}
			/* Messages fill their own buffers: compact them into the stream. */
			for (int i = 0; i < got; i++) {
				if (!mm[i].msg_len)
					continue;
				memmove(buf + done, iov[i].iov_base, mm[i].msg_len);
				account(s, 0, buf + done, mm[i].msg_len);
				done += mm[i].msg_len;
			}
			continue;
		}
		default:
			r = -1;
		}
		if (r < 0)
			die("recv");
		if (r == 0) {
			errno = EPIPE;
			die("early end of stream");
		}
		account(s, 0, buf + done, (size_t)r);
		done += (size_t)r;
	}
}

struct endpoints {
	char local[64], peer[64];
};

static void format_addr(const struct sockaddr_storage *a, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;

		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%d", host, ntohs(v6->sin6_port));
	} else {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;

		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%d", host, ntohs(v4->sin_port));
	}
}

/* Taken once connected: after a reset the peer's address can no longer be read. */
static void endpoints_of(int fd, struct endpoints *e)
{
	struct sockaddr_storage a, b;
	socklen_t al = sizeof(a), bl = sizeof(b);

	if (getsockname(fd, (struct sockaddr *)&a, &al) ||
	    getpeername(fd, (struct sockaddr *)&b, &bl))
		die("getsockname/getpeername");
	format_addr(&a, e->local, sizeof(e->local));
	format_addr(&b, e->peer, sizeof(e->peer));
}

static void print_side(const char *role, const struct endpoints *e, const struct side *s)
{
	printf("{\"role\":\"%s\",\"pid\":%d,\"local\":\"%s\",\"peer\":\"%s\",\"bytes_in\":%" PRIu64
	       ",\"bytes_out\":%" PRIu64 ",\"events_in\":%" PRIu64 ",\"events_out\":%" PRIu64
	       ",\"digest_in\":\"%016" PRIx64 "\",\"digest_out\":\"%016" PRIx64 "\"}\n",
	       role, getpid(), e->local, e->peer, s->bytes[0], s->bytes[1], s->events[0],
	       s->events[1], s->digest[0], s->digest[1]);
	fflush(stdout);
}

/* Hold an established connection until the test creates the file. */
static void wait_for_file(void)
{
	if (!o.wait_file)
		return;
	fprintf(stderr, "connected\n");
	while (access(o.wait_file, F_OK))
		usleep(10000);
}

struct reader_arg {
	int fd;
	unsigned char *buf;
	struct side *s;
};

static void *client_reader(void *p)
{
	struct reader_arg *a = p;

	pin_cpu(1);
	recv_all(a->fd, a->buf, o.down, a->s);
	return NULL;
}

static void run_client(struct sockaddr_storage *addr, socklen_t len)
{
	struct side s = { .digest = { FNV_INIT, FNV_INIT } };
	unsigned char *up = payload(o.up, 1), *down = malloc(o.down ? o.down : 1);
	int fd = socket(addr->ss_family, SOCK_STREAM, 0);
	struct endpoints ends;

	if (fd < 0 || connect(fd, (struct sockaddr *)addr, len))
		die("connect");
	endpoints_of(fd, &ends);
	wait_for_file();
	if (o.split_threads) {
		pthread_t t;
		struct reader_arg ra = { fd, down, &s };

		pthread_create(&t, NULL, client_reader, &ra);
		pin_cpu(0);
		send_all(fd, up, o.up, &s, -1);
		pthread_join(t, NULL);
	} else if (o.client_rst) {
		struct linger hard = { .l_onoff = 1, .l_linger = 0 };
		char ready;

		if (read(accepted_pipe[0], &ready, 1) != 1)
			die("wait for the server's accept");
		send_all(fd, up, o.up, &s, -1);
		print_side("client", &ends, &s);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
		close(fd); /* sends RST */
		free(up);
		free(down);
		return;
	} else {
		send_all(fd, up, o.up, &s, -1);
		if (o.rst)
			usleep(300000); /* the reset arrives first; the response stays readable */
		recv_all(fd, down, o.down, &s);
	}
	print_side("client", &ends, &s);
	if (o.no_close)
		_exit(0); /* the kernel closes the descriptor: no close(2) */
	close(fd);
	free(up);
	free(down);
}

static int payload_file(const unsigned char *p, size_t n)
{
	char path[] = "/tmp/tcp_peer.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		die("mkstemp");
	unlink(path);
	if (write(fd, p, n) != (ssize_t)n)
		die("write payload file");
	return fd;
}

static void run_server(int lfd)
{
	struct side s = { .digest = { FNV_INIT, FNV_INIT } };
	unsigned char *up = malloc(o.up ? o.up : 1), *down = payload(o.down, 2);
	int file_fd = o.family == F_SENDFILE ? payload_file(down, o.down) : -1;

	if (o.family == F_SPLICE) {
		if (pipe(splice_pipe))
			die("pipe");
		file_fd = splice_pipe[1]; /* >= 0: the server sends through the pipe */
	}
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	struct endpoints ends;
	char eof;

	if (fd < 0)
		die("accept");
	endpoints_of(fd, &ends);
	wait_for_file();
	if (o.client_rst) {
		if (write(accepted_pipe[1], "", 1) != 1)
			die("tell the client");
		usleep(300000); /* the reset arrives first; the request stays readable */
		recv_all(fd, up, o.up, &s);
		print_side("server", &ends, &s);
		close(fd);
		free(up);
		free(down);
		return;
	}
	recv_all(fd, up, o.up, &s);
	send_all(fd, down, o.down, &s, file_fd);
	if (o.rst) {
		struct linger hard = { .l_onoff = 1, .l_linger = 0 };

		print_side("server", &ends, &s);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
		close(fd); /* sends RST */
		free(up);
		free(down);
		return;
	}
	/* Wait for the client's close so both sides finish before we print. */
	if (read(fd, &eof, 1) != 0)
		die("expected end of stream");
	print_side("server", &ends, &s);
	if (o.no_close) {
		free(up);
		free(down);
		return; /* main exits without closing either descriptor */
	}
	close(fd);
	if (file_fd >= 0)
		close(file_fd);
	free(up);
	free(down);
}

static enum family parse_family(const char *s)
{
	static const char *names[] = { "rw", "v", "to", "msg", "mmsg", "sendfile", "v2", "splice" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (enum family)i;
	fprintf(stderr, "tcp_peer: unknown family %s\n", s);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "family", 1, NULL, 'f' },	{ "port", 1, NULL, 'p' },
		{ "v6", 0, NULL, '6' },		{ "up", 1, NULL, 'u' },
		{ "down", 1, NULL, 'd' },	{ "chunk", 1, NULL, 'c' },
		{ "migrate", 0, NULL, 'm' },	{ "split-threads", 0, NULL, 's' },
		{ "peek", 0, NULL, 'k' },	{ "wait-file", 1, NULL, 'W' },
		{ "no-close", 0, NULL, 'n' },	{ "rst", 0, NULL, 'r' },
		{ "client-rst", 0, NULL, 'R' }, { NULL, 0, NULL, 0 },
	};
	struct sockaddr_storage addr;
	socklen_t alen;
	int c, lfd, one = 1, status;
	pid_t child;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o.family = parse_family(optarg);
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case '6':
			o.v6 = true;
			break;
		case 'u':
			o.up = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			o.down = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			o.chunk = strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o.migrate = true;
			break;
		case 's':
			o.split_threads = true;
			break;
		case 'k':
			o.peek = true;
			break;
		case 'W':
			o.wait_file = optarg;
			break;
		case 'n':
			o.no_close = true;
			break;
		case 'r':
			o.rst = true;
			break;
		case 'R':
			o.client_rst = true;
			break;
		default:
			return 2;
		}
	}
	memset(&addr, 0, sizeof(addr));
	if (o.v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&addr;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(o.port);
		a->sin6_addr = in6addr_loopback;
		alen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&addr;

		a->sin_family = AF_INET;
		a->sin_port = htons(o.port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		alen = sizeof(*a);
	}
	lfd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&addr, alen) || listen(lfd, 8))
		die("bind/listen");
	if (o.client_rst && pipe(accepted_pipe))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		close(lfd);
		run_client(&addr, alen);
		return 0;
	}
	run_server(lfd);
	if (!o.no_close)
		close(lfd);
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}
