// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Open, size, load and attach the capture programs (the skeleton generated from
 * bpf/sockeye.bpf.c). The rings are created here and put in the ARRAY_OF_MAPS the programs
 * look them up in.
 */
#include "capture/probe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "sockeye.skel.h"
#include "capture/features.h"
#include "capture/tls_watch.h"
#include "util/log.h"

struct se_probe {
	struct sockeye_bpf *skel;
	bool socket_hooks; /* data from the socket tracepoints, not the syscall exits */
	unsigned int nr_rings;
	int *ring_fds;
	int nr_cpus;		 /* possible CPUs: the width of per-CPU values */
	pid_t tls_watch;	 /* the TLS watcher process (tls_watch.h): it holds the TLS
				  * probes; 0: none */
	char tls_libraries[512]; /* what it attached at start, for the start-up line */
	struct se_ring_written *ring_written; /* the `ring_written` array, mapped */
	size_t ring_written_len;
};

static void se_probe_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int se_probe_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf (and the verifier log) only with --verbose: errors are explained by us. */
	if (se_log_get_level() < SE_LOG_DEBUG || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void se_probe_set_knobs(struct sockeye_bpf *skel, const struct se_config *cfg,
			       uint32_t netns_inode, const struct se_pid_target *pid,
			       unsigned int nr_rings)
{
	struct sockeye_bpf__rodata *ro = skel->rodata;
	struct se_pid_target self;

	ro->target_netns = netns_inode;
	ro->target_tgid = pid->tgid;
	ro->target_pidns_ino = pid->pidns_ino;
	ro->target_pidns_dev = pid->pidns_dev;
	ro->capture_bytes = cfg->capture_bytes;
	ro->nr_rings = nr_rings;
	ro->wakeup_bytes = cfg->wakeup_bytes;
	se_features_self(&self);
	ro->self_tgid = self.tgid;
	ro->self_pidns_ino = self.pidns_ino;
	ro->self_pidns_dev = self.pidns_dev;
	for (unsigned int i = 0; i < SE_PORT_BITMAP_WORDS; i++) {
		/* TCP connections on a DNS port are tracked like any other (DNS over TCP) */
		((uint64_t *)ro->watched_ports)[i] = cfg->watched_ports[i] | cfg->dns_ports[i];
		((uint64_t *)ro->dns_ports)[i] = cfg->dns_ports[i];
	}
	if (getrandom((void *)&ro->sock_id_salt, sizeof(ro->sock_id_salt), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(ro->sock_id_salt))
		ro->sock_id_salt = (uint64_t)(uintptr_t)skel ^ (uint64_t)time(NULL);
}

static int se_probe_create_ring(uint64_t size)
{
	return bpf_map_create(BPF_MAP_TYPE_RINGBUF, "se_ring", 0, 0, (uint32_t)size, NULL);
}

/* "tracepoint/syscalls/sys_enter_read" -> what a user should look for. */
static void se_probe_explain_attach(struct bpf_program *prog, int error, char *err, size_t errlen)
{
	const char *sec = bpf_program__section_name(prog);
	const char *tp = strchr(sec, '/');

	tp = tp ? tp + 1 : sec;
	if (!strncmp(sec, "tracepoint/", 11) && (error == -ENOENT || error == -EINVAL))
		se_probe_fail(err, errlen,
			      "cannot attach to tracepoint %s: it does not exist in "
			      "/sys/kernel/tracing/events (kernel without "
			      "CONFIG_FTRACE_SYSCALLS?)",
			      tp);
	else
		se_probe_fail(err, errlen, "cannot attach to %s (%s): %s", tp, sec,
			      strerror(-error));
}

static bool se_probe_has_tracepoint(const struct btf *vmlinux, const char *name)
{
	char type[128];

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	return vmlinux && btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) > 0;
}

/* A syscall tracepoint program (data, accept, connect, close): the socket tier loads none
 * (why: se_sock_io in bpf/io.bpf.h). */
static bool se_probe_is_syscall_hook(const struct bpf_program *prog)
{
	static const char prefix[] = "tracepoint/syscalls/";

	return !strncmp(bpf_program__section_name(prog), prefix, sizeof(prefix) - 1);
}

/*
 * Choose the programs to load from what this kernel has: the data hooks (socket tracepoints
 * from 6.3, else the syscall exits; --data-hooks may force either) and
 * tcp:tcp_sendmsg_locked (the send-start stamp, se_send_begin in bpf/io.bpf.h). Both of
 * those read kernel memory through the bpf_rdonly_cast kfunc (6.2): a kernel that backports
 * the tracepoints without it gets neither. 0, or -1 with err.
 */
static int se_probe_choose_hooks(struct se_probe *p, const struct se_config *cfg, char *err,
				 size_t errlen)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool has_cast =
	    vmlinux && btf__find_by_name_kind(vmlinux, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0;
	bool has_socket = has_cast && se_probe_has_tracepoint(vmlinux, "sock_send_length") &&
			  se_probe_has_tracepoint(vmlinux, "sock_recv_length");
	bool has_send_start = has_cast && se_probe_has_tracepoint(vmlinux, "tcp_sendmsg_locked");
	struct bpf_program *prog;

	btf__free(vmlinux);
	if (cfg->data_hooks == SE_HOOKS_SOCKET && !has_socket) {
		se_probe_fail(
		    err, errlen,
		    "--data-hooks socket: this kernel lacks the sock:sock_send_length and "
		    "sock:sock_recv_length tracepoints (added in Linux 6.3) or the "
		    "bpf_rdonly_cast kfunc (6.2); use --data-hooks syscall");
		return -1;
	}
	p->socket_hooks = has_socket && cfg->data_hooks != SE_HOOKS_SYSCALL;
	if (!p->socket_hooks && se_features_check_tracefs(err, errlen))
		return -1;
	bpf_object__for_each_program(prog, p->skel->obj)
	{
		if (p->socket_hooks && se_probe_is_syscall_hook(prog))
			bpf_program__set_autoload(prog, false);
		/* the TLS probes name a library file: attached per file (tls_attach.h) */
		if (!strncmp(bpf_program__section_name(prog), "uprobe", 6) ||
		    !strncmp(bpf_program__section_name(prog), "uretprobe", 9))
			bpf_program__set_autoattach(prog, false);
	}
	if (!p->socket_hooks) {
		bpf_program__set_autoload(p->skel->progs.se_sock_send_length, false);
		bpf_program__set_autoload(p->skel->progs.se_sock_recv_length, false);
	}
	if (cfg->tls == SE_TLS_OFF) /* nobody to tell of a program's start */
		bpf_program__set_autoload(p->skel->progs.se_sched_process_exec, false);
	if (!has_send_start) {
		bpf_program__set_autoload(p->skel->progs.se_tcp_sendmsg_locked, false);
		se_info("this kernel has no tcp:tcp_sendmsg_locked tracepoint (added in 2025) or "
			"no bpf_rdonly_cast kfunc: a client request is timed from the end of its "
			"first write, not its start");
	}
	return 0;
}

/*
 * The program the skeleton's attach stopped at: it attaches in order and stops at the first
 * failure, so the first program due (loaded, auto-attached) that has no link yet.
 */
static struct bpf_program *se_probe_unattached(const struct sockeye_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;

		if (bpf_program__autoload(prog) && bpf_program__autoattach(prog) &&
		    !*s->progs[i].link)
			return prog;
	}
	return NULL;
}

/*
 * Attach every loaded program through the skeleton, which keeps the links (detach and
 * destroy release them). Exit hooks first: connect's enter hook, with its exit not attached
 * yet, would leave a saved descriptor behind for a later connect to pick up. The second
 * pass turns the enter hooks on; the skeleton skips the programs that already have a link.
 * 0, or -1 with err naming the hook that failed.
 */
static int se_probe_attach(struct se_probe *p, char *err, size_t errlen)
{
	struct bpf_program *prog;
	int ret;

	for (int pass = 0; pass < 2; pass++) {
		bpf_object__for_each_program(prog, p->skel->obj)
		{
			if (strstr(bpf_program__section_name(prog), "sys_enter_"))
				bpf_program__set_autoattach(prog, pass == 1);
		}
		ret = sockeye_bpf__attach(p->skel);
		if (ret) {
			prog = se_probe_unattached(p->skel);
			if (prog)
				se_probe_explain_attach(prog, ret, err, errlen);
			else
				se_probe_fail(err, errlen, "cannot attach the BPF programs: %s",
					      strerror(-ret));
			return -1;
		}
	}
	return 0;
}

/* The TLS probes (tls_attach.h), held by the TLS watcher (tls_watch.h), which attaches them
 * to the libraries of the processes in scope before it returns. */
static void se_probe_attach_tls(struct se_probe *p, const struct se_config *cfg,
				uint32_t netns_inode)
{
	const struct se_tls_progs progs = {
		.read = p->skel->progs.se_ssl_read,
		.read_ex = p->skel->progs.se_ssl_read_ex,
		.write = p->skel->progs.se_ssl_write,
		.write_ex = p->skel->progs.se_ssl_write_ex,
		.ret_int = p->skel->progs.se_tls_return_int,
		.ret_long = p->skel->progs.se_tls_return_long,
		.free = p->skel->progs.se_tls_session_free,
		.handshake = p->skel->progs.se_tls_handshake,
		.bio_write = p->skel->progs.se_tls_bio_write_enter,
	};
	const struct se_tls_scope scope = { .netns = netns_inode, .pid = cfg->pid };
	char err[256];

	p->tls_watch = se_tls_watch_start(&progs, &scope, bpf_map__fd(p->skel->maps.execs),
					  bpf_map__fd(p->skel->maps.counters), p->tls_libraries,
					  sizeof(p->tls_libraries), err, sizeof(err));
	if (p->tls_watch < 0) {
		se_warn("%s: no TLS library is attached", err);
		p->tls_watch = 0;
	}
}

struct se_probe *se_probe_new(const struct se_config *cfg, uint32_t netns_inode,
			      const struct se_pid_target *pid, unsigned int nr_rings, char *err,
			      size_t errlen)
{
	struct se_probe *p = calloc(1, sizeof(*p));
	int tmpl_fd = -1;
	int rings_fd;
	int ret;

	if (!p) {
		se_probe_fail(err, errlen, "out of memory");
		return NULL;
	}
	libbpf_set_print(se_probe_libbpf_print);
	p->nr_cpus = libbpf_num_possible_cpus();
	if (p->nr_cpus <= 0) {
		se_probe_fail(err, errlen, "cannot read the possible CPUs: %s",
			      strerror(-p->nr_cpus));
		goto fail;
	}
	/* A connection's ring is its first CPU modulo the rings: more would stay empty. */
	p->nr_rings =
	    nr_rings && nr_rings < (unsigned int)p->nr_cpus ? nr_rings : (unsigned int)p->nr_cpus;
	p->skel = sockeye_bpf__open();
	if (!p->skel) {
		se_probe_fail(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		goto fail;
	}
	se_probe_set_knobs(p->skel, cfg, netns_inode, pid, p->nr_rings);
	if (se_probe_choose_hooks(p, cfg, err, errlen))
		goto fail;
	bpf_map__set_max_entries(p->skel->maps.rings, p->nr_rings);
	bpf_map__set_max_entries(p->skel->maps.ring_written, p->nr_rings);
	bpf_map__set_max_entries(p->skel->maps.scratch, (uint32_t)p->nr_cpus);
	bpf_map__set_max_entries(p->skel->maps.conns, cfg->max_connections);
	bpf_map__set_max_entries(p->skel->maps.lost_closes, cfg->max_connections);
	bpf_map__set_max_entries(p->skel->maps.tls_sessions, cfg->max_connections);
	/* The inner-map template fixes the ring size every inner ring must have. */
	tmpl_fd = se_probe_create_ring(cfg->ring_size);
	if (tmpl_fd < 0) {
		se_probe_fail(err, errlen, "cannot create a %llu-byte ring buffer: %s",
			      (unsigned long long)cfg->ring_size, strerror(errno));
		goto fail;
	}
	ret = bpf_map__set_inner_map_fd(p->skel->maps.rings, tmpl_fd);
	if (!ret)
		ret = sockeye_bpf__load(p->skel);
	if (ret) {
		se_probe_fail(err, errlen,
			      "the kernel refused the BPF programs: %s (run with --verbose for "
			      "the verifier log)",
			      strerror(-ret));
		goto fail;
	}
	close(tmpl_fd);
	tmpl_fd = -1;

	p->ring_fds = calloc(p->nr_rings, sizeof(*p->ring_fds));
	if (!p->ring_fds) {
		se_probe_fail(err, errlen, "out of memory");
		goto fail;
	}
	rings_fd = bpf_map__fd(p->skel->maps.rings);
	for (unsigned int i = 0; i < p->nr_rings; i++)
		p->ring_fds[i] = -1;
	for (unsigned int i = 0; i < p->nr_rings; i++) {
		p->ring_fds[i] = se_probe_create_ring(cfg->ring_size);
		if (p->ring_fds[i] < 0 ||
		    bpf_map_update_elem(rings_fd, &i, &p->ring_fds[i], BPF_ANY)) {
			se_probe_fail(err, errlen, "cannot create ring %u: %s", i, strerror(errno));
			goto fail;
		}
	}

	p->ring_written_len = (size_t)p->nr_rings * sizeof(*p->ring_written);
	p->ring_written = mmap(NULL, p->ring_written_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       bpf_map__fd(p->skel->maps.ring_written), 0);
	if (p->ring_written == MAP_FAILED) {
		p->ring_written = NULL;
		se_probe_fail(err, errlen, "cannot map the rings' wake-up state: %s",
			      strerror(errno));
		goto fail;
	}

	if (se_probe_attach(p, err, errlen))
		goto fail;
	if (cfg->tls == SE_TLS_ON)
		se_probe_attach_tls(p, cfg, netns_inode);
	else
		snprintf(p->tls_libraries, sizeof(p->tls_libraries), "off");
	return p;
fail:
	if (tmpl_fd >= 0)
		close(tmpl_fd);
	se_probe_free(p);
	return NULL;
}

void se_probe_detach(struct se_probe *p)
{
	if (!p)
		return;
	se_tls_watch_stop(p->tls_watch);
	p->tls_watch = 0;
	if (p->skel)
		sockeye_bpf__detach(p->skel);
}

void se_probe_free(struct se_probe *p)
{
	if (!p)
		return;
	se_tls_watch_stop(p->tls_watch);
	if (p->ring_written)
		munmap(p->ring_written, p->ring_written_len);
	if (p->skel)
		sockeye_bpf__destroy(p->skel);
	for (unsigned int i = 0; p->ring_fds && i < p->nr_rings; i++)
		if (p->ring_fds[i] >= 0)
			close(p->ring_fds[i]);
	free(p->ring_fds);
	free(p);
}

const char *se_probe_tls_libraries(const struct se_probe *p)
{
	return p->tls_libraries;
}

const char *se_probe_data_hooks(const struct se_probe *p)
{
	return p->socket_hooks ? "socket" : "syscall";
}

unsigned int se_probe_nr_rings(const struct se_probe *p)
{
	return p->nr_rings;
}

unsigned int se_probe_possible_cpus(const struct se_probe *p)
{
	return (unsigned int)p->nr_cpus;
}

int se_probe_counters_fd(const struct se_probe *p)
{
	return bpf_map__fd(p->skel->maps.counters);
}

int se_probe_lost_closes_fd(const struct se_probe *p)
{
	return bpf_map__fd(p->skel->maps.lost_closes);
}

int se_probe_conns_fd(const struct se_probe *p)
{
	return bpf_map__fd(p->skel->maps.conns);
}

int se_probe_ring_fd(const struct se_probe *p, unsigned int i)
{
	return i < p->nr_rings ? p->ring_fds[i] : -1;
}

struct se_ring_written *se_probe_ring_written(const struct se_probe *p, unsigned int i)
{
	return i < p->nr_rings ? &p->ring_written[i] : NULL;
}

int se_probe_read_counters(const struct se_probe *p, uint64_t out[SE_KC__COUNT], uint64_t *missed)
{
	int fd = bpf_map__fd(p->skel->maps.counters);
	uint64_t *percpu = calloc((size_t)p->nr_cpus, sizeof(*percpu));
	struct bpf_program *prog;

	if (!percpu)
		return -ENOMEM;
	for (uint32_t k = 0; k < SE_KC__COUNT; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, percpu))
			continue;
		for (int c = 0; c < p->nr_cpus; c++)
			out[k] += percpu[c];
	}
	free(percpu);

	*missed = 0;
	bpf_object__for_each_program(prog, p->skel->obj)
	{
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);

		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			*missed += info.recursion_misses;
	}
	return 0;
}
