/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Connection identity, role and lifecycle on the kernel side: from a file descriptor to its
 * struct sock (no kprobes here, so the descriptor table is walked with CO-RE reads), the
 * watched-socket test (TCP, IPv4/IPv6, port in --ports, netns), and the `conns` entry that
 * gives each connection its id, its ring and its per-direction stream offsets.
 */
#ifndef SOCKEYE_CONN_BPF_H
#define SOCKEYE_CONN_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "kernel_defs.bpf.h"
#include "maps.bpf.h"

static __always_inline bool se_port_watched(__u16 port)
{
	__u32 word = port >> 6;

	if (word >= SE_PORT_BITMAP_WORDS)
		return false;
	return (watched_ports[word] >> (port & 63)) & 1;
}

/*
 * bpf_rdonly_cast: a typed (BTF) view of a kernel pointer. The verifier turns the call into a
 * move, so loads through the result are single instructions (a fault reads as zero), where
 * bpf_probe_read_kernel is a helper call per read. Kernel 6.2+, hence weak: only programs
 * that load on newer kernels use it (the socket tier needs 6.3, tcp:tcp_sendmsg_locked is
 * from 2025); the syscall tier, from 5.17, never does.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* Is sk's remote port watched? One BTF load, no helper call (bpf_rdonly_cast above). */
static __always_inline bool se_sock_remote_port_watched(struct sock *sk)
{
	const struct sock *s = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct sock));

	return se_port_watched(bpf_ntohs(s->__sk_common.skc_dport));
}

/*
 * Cheap early filter of the socket-tier hooks, which fire for every send and receive of any
 * socket on the node: could sk (a tracepoint's socket argument) be in `conns`? Entries are
 * made only for sockets with a watched local or remote port (se_sock_watched), and a
 * reconnect ends them, so a socket whose ports are both unwatched is not tracked: a few BTF
 * loads and no helper call, no task, no hash lookup. One exception: at TCP_CLOSE the kernel
 * gives the local port back (inet_put_port sets skc_num to 0, unless bind(2) chose it) while
 * the socket's file lives on. A reset connection still returns buffered data to read(2), and
 * on loopback a send can even complete after the peer's reset was processed inside it. So
 * an IPv4/IPv6 socket without a local port goes on to the lookup. And a UDP socket never
 * connected goes on too: it is no connection, but its calls may name a DNS server (musl's
 * resolver sends with sendto), which se_dgram_io reads.
 */
static __always_inline bool se_sock_may_be_tracked(struct sock *sk)
{
	const struct sock *s = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct sock));
	__u16 lport = s->__sk_common.skc_num;

	if (!lport)
		return s->__sk_common.skc_family == AF_INET ||
		       s->__sk_common.skc_family == AF_INET6;
	if (se_port_watched(lport) || se_sock_remote_port_watched(sk))
		return true;
	/* a UDP socket never connected: its calls may name a DNS server (musl's resolver) */
	return !s->__sk_common.skc_dport && s->sk_protocol == IPPROTO_UDP;
}

/*
 * Cheap early filter: is the calling task in the watched network namespace? On the syscall
 * tier every read and write on the node runs this (on the socket tier, every send and receive
 * of a socket with a watched port), so it uses BTF-typed loads (one instruction each, faults
 * read as zero) rather than a bpf_probe_read_kernel call per hop.
 */
static __always_inline bool se_task_in_netns_of(struct task_struct *task)
{
	return !target_netns || task->nsproxy->net_ns->ns.inum == target_netns;
}

/* target_netns tested first: no helper call at all when every namespace is watched */
static __always_inline bool se_task_in_netns(void)
{
	return !target_netns || se_task_in_netns_of(bpf_get_current_task_btf());
}

/*
 * --pid, when the number given is not the kernel's: is the calling task one of the selected
 * process's threads? The kernel's task->tgid numbers processes in the initial namespace,
 * while the user names the process by the number /proc gives, in sockeye's pid namespace (a
 * container's, usually). User space resolves that to the process's own pid namespace and
 * its number there (src/capture/features.c), and bpf_get_ns_current_pid_tgid answers
 * exactly that: the current task's tgid in the given namespace, if that namespace is the
 * task's own. Other ways considered: the helper asked about sockeye's namespace misses a
 * process in a child namespace of sockeye's; a CO-RE walk of struct pid's numbers[] for
 * sockeye's level handles that, but costs a loop and, before 6.5, reads past a one-element
 * array. Asking about the target's own namespace needs neither, whichever namespace sockeye
 * is in. It costs a helper call; where the number given is the kernel's (sockeye in the
 * initial namespace, or the process) the plain compare stays, and without --pid nothing
 * (the rodata knobs let the verifier drop the other branches).
 */
static __always_inline bool se_ns_tgid_selected(void)
{
	struct bpf_pidns_info ns;

	return !bpf_get_ns_current_pid_tgid(target_pidns_dev, target_pidns_ino, &ns, sizeof(ns)) &&
	       ns.tgid == target_tgid;
}

/* Is the calling task sockeye itself? (tgid: its kernel tgid) */
static __always_inline bool se_is_self(__u32 tgid)
{
	struct bpf_pidns_info ns;

	if (!self_pidns_ino)
		return tgid == self_tgid;
	return !bpf_get_ns_current_pid_tgid(self_pidns_dev, self_pidns_ino, &ns, sizeof(ns)) &&
	       ns.tgid == self_tgid;
}

/*
 * The --pid and namespace filters of the calling task (tgid: its kernel tgid). The --pid
 * test goes first while it is a compare, after the cheap namespace test when it is a helper
 * call.
 */
static __always_inline bool se_current_selected(__u32 tgid)
{
	if (!target_tgid)
		return se_task_in_netns();
	if (target_pidns_ino)
		return se_task_in_netns() && se_ns_tgid_selected();
	return tgid == target_tgid && se_task_in_netns();
}

/*
 * What bpf_get_current_pid_tgid returns, read from the task in hand: a helper call saved.
 * On the hot paths every helper call counts (a return is a mispredicted one under the SRSO
 * "safe RET" mitigation).
 */
static __always_inline __u64 se_task_pid_tgid(struct task_struct *task)
{
	return (__u64)task->tgid << 32 | (__u32)task->pid;
}

/*
 * The calling task if it passes the --pid and namespace filters (NULL otherwise), and its
 * ids in *pid_tgid: the first step of every data hook, with one helper call (two with --pid
 * naming a process outside the initial pid namespace).
 */
static __always_inline struct task_struct *se_selected_task(__u64 *pid_tgid)
{
	struct task_struct *task = bpf_get_current_task_btf();

	*pid_tgid = se_task_pid_tgid(task);
	/* as in se_current_selected */
	if (!target_tgid) {
		if (!se_task_in_netns_of(task))
			return NULL;
	} else if (target_pidns_ino) {
		if (!se_task_in_netns_of(task) || !se_ns_tgid_selected())
			return NULL;
	} else if (*pid_tgid >> 32 != target_tgid || !se_task_in_netns_of(task)) {
		return NULL;
	}
	return task;
}

/*
 * Remote port, local port and family of sk. They are adjacent in sock_common (skc_dport,
 * skc_num, skc_family) on every kernel we support, so one read gets them; the offsets are
 * constants after relocation and the verifier keeps one branch.
 */
static __always_inline bool se_sock_ports(struct sock *sk, __u16 *rport, __u16 *lport,
					  __u16 *family)
{
	__u32 dport_off = bpf_core_field_offset(struct sock, __sk_common.skc_dport);
	__u32 num_off = bpf_core_field_offset(struct sock, __sk_common.skc_num);
	__u32 family_off = bpf_core_field_offset(struct sock, __sk_common.skc_family);
	__u16 w[3];

	if (num_off == dport_off + 2 && family_off == dport_off + 4) {
		if (bpf_probe_read_kernel(w, sizeof(w), (void *)sk + dport_off))
			return false;
	} else {
		w[0] = BPF_CORE_READ(sk, __sk_common.skc_dport);
		w[1] = BPF_CORE_READ(sk, __sk_common.skc_num);
		w[2] = BPF_CORE_READ(sk, __sk_common.skc_family);
	}
	*rport = bpf_ntohs(w[0]);
	*lport = w[1];
	*family = w[2];
	return true;
}

/*
 * A watched local or remote port? The syscall tier's first test of a socket it does not track:
 * it runs on every send and receive of an untracked socket of the namespace, and most of those
 * fail here, after one read (the socket tier's is se_sock_may_be_tracked).
 */
static __always_inline bool se_sock_port_watched(struct sock *sk)
{
	__u16 rport, lport, family;

	return se_sock_ports(sk, &rport, &lport, &family) &&
	       (se_port_watched(lport) || se_port_watched(rport));
}

/* A TCP socket of the watched netns with a watched local or remote port? The test before a
 * `conns` entry is made. */
static __always_inline bool se_sock_watched(struct sock *sk)
{
	__u16 rport, lport, family;

	if (!se_sock_ports(sk, &rport, &lport, &family))
		return false;
	if (!se_port_watched(lport) && !se_port_watched(rport))
		return false;
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP ||
	    BPF_CORE_READ(sk, sk_type) != SOCK_STREAM) /* not a raw socket of protocol 6 */
		return false;
	return !target_netns || BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum) == target_netns;
}

/*
 * The struct file behind descriptor fd of the current task, or NULL.
 * Runs for every read and write of the watched namespace (files and pipes too), so it walks
 * with BTF-typed loads as far as the descriptor table. The slot, an array element, and what
 * follows are read with helpers: typing them needs bpf_rdonly_cast (kernel 6.2+), which the
 * syscall tier does without.
 */
static __always_inline struct file *se_fd_to_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *slot = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	if (bpf_probe_read_kernel(&slot, sizeof(slot), &fdt->fd[fd]))
		return NULL;
	return slot;
}

/* f_op and private_data of file; false if the file cannot be read. */
static __always_inline bool se_file_head(struct file *file, __u64 *f_op, __u64 *private_data)
{
	__u32 op_off = bpf_core_field_offset(struct file, f_op);
	__u32 pd_off = bpf_core_field_offset(struct file, private_data);
	__u64 w[3];

	/* Two words apart (f_mapping between) in recent kernels (6.18): one read of both. The
	 * offsets are constants after relocation, so the verifier keeps only one branch. */
	if (pd_off == op_off + 2 * sizeof(__u64)) {
		if (bpf_probe_read_kernel(w, sizeof(w), (void *)file + op_off))
			return false;
		*f_op = w[0];
		*private_data = w[2];
		return true;
	}
	return !bpf_probe_read_kernel(f_op, sizeof(*f_op), (void *)file + op_off) &&
	       !bpf_probe_read_kernel(private_data, sizeof(*private_data), (void *)file + pd_off);
}

/*
 * The struct sock of a socket's file, or NULL for any other file. Runs for every read and
 * write of the selected processes, so it reads as little as it can: f_op and private_data
 * together, then socket->sk. The socket type is not checked here: only TCP sockets ever
 * enter `conns`, and se_sock_watched tests the type before one does.
 */
static __always_inline struct sock *se_file_to_sock(struct file *file)
{
	__u64 f_op, private_data;

	if (!file || !se_file_head(file, &f_op, &private_data) || !private_data)
		return NULL;
	if (f_op != socket_fops) {
		if (socket_fops)
			return NULL;
		if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
			return NULL;
		socket_fops = f_op;
	}
	return BPF_CORE_READ((struct socket *)private_data, sk);
}

/* The struct sock behind descriptor fd of the current task, or NULL if it is not one. */
static __always_inline struct sock *se_fd_to_sock(int fd)
{
	return se_file_to_sock(se_fd_to_file(fd));
}

/*
 * The watched struct sock behind fd, or NULL: the filter of accept and connect, which create
 * the entry themselves. A socket already in `conns` is known to be watched.
 */
static __always_inline struct sock *se_watched_sock_of_fd(int fd)
{
	struct sock *sk = se_fd_to_sock(fd);
	__u64 key = (__u64)sk;

	if (!sk)
		return NULL;
	if (!bpf_map_lookup_elem(&conns, &key) && !se_sock_watched(sk))
		return NULL;
	return sk;
}

/*
 * Role of a connection first seen mid-stream (opened before sockeye attached): the side
 * whose local port is watched is the server, otherwise it is the client. A handshake, an
 * accept or a connect observed later never overrides a role already set.
 */
static __always_inline __u8 se_guess_role(struct sock *sk)
{
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);

	return se_port_watched(lport) ? SE_ROLE_SERVER : SE_ROLE_CLIENT;
}

/*
 * A new conns entry for sk (or the one another CPU just created). The ring is the CPU that
 * first saw the connection: connections spread over rings like flows over RSS queues, and
 * every later event of the connection, from any CPU, goes to that same ring so it stays in
 * order.
 */
static __always_inline struct se_conn_state *se_conn_create(struct sock *sk, __u8 role, __u8 origin)
{
	__u64 key = (__u64)sk;
	struct se_conn_state fresh = {};

	fresh.id = __sync_fetch_and_add(&next_conn_id, 1) + 1;
	fresh.ring = nr_rings ? bpf_get_smp_processor_id() % nr_rings : 0;
	fresh.role = role;
	fresh.origin = origin;
	/* NOEXIST: when two CPUs race to create it, the loser reads the winner's entry. */
	if (bpf_map_update_elem(&conns, &key, &fresh, BPF_NOEXIST) == -E2BIG) {
		se_count(SE_KC_DROP_CONN_MAP_FULL);
		return NULL;
	}
	return bpf_map_lookup_elem(&conns, &key);
}

/* The conns entry of sk, created with role/origin if missing. */
static __always_inline struct se_conn_state *se_conn_get(struct sock *sk, __u8 role, __u8 origin)
{
	__u64 key = (__u64)sk;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);

	return c ? c : se_conn_create(sk, role, origin);
}

/*
 * The conns entry of sk if it is a watched socket, created for a connection first seen
 * mid-stream; NULL otherwise. A socket already in `conns` is known to be watched: one hash
 * lookup, not the field reads of se_sock_watched and se_guess_role, on every send and
 * receive of every tracked connection.
 */
static __always_inline struct se_conn_state *se_watched_conn_of_sock(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct se_conn_state *c = bpf_map_lookup_elem(&conns, &key);

	if (c)
		return c;
	if (!se_sock_watched(sk))
		return NULL;
	return se_conn_create(sk, se_guess_role(sk), SE_ORIGIN_MIDSTREAM);
}

/* The endpoints of sk into a record: ports in host order, addresses zeroed then filled (IPv4
 * in the first 4 bytes). */
#define se_sock_endpoints(sk, rec)                                                                 \
	do {                                                                                       \
		__builtin_memset((rec)->local_addr, 0, sizeof((rec)->local_addr));                 \
		__builtin_memset((rec)->peer_addr, 0, sizeof((rec)->peer_addr));                   \
		(rec)->family = BPF_CORE_READ(sk, __sk_common.skc_family);                         \
		(rec)->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);                        \
		(rec)->peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));            \
		/* bpf_core_read with explicit sizes: the destinations are byte arrays. */         \
		if ((rec)->family == AF_INET) {                                                    \
			bpf_core_read((rec)->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);       \
			bpf_core_read((rec)->peer_addr, 4, &sk->__sk_common.skc_daddr);            \
		} else {                                                                           \
			bpf_core_read((rec)->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);   \
			bpf_core_read((rec)->peer_addr, 16, &sk->__sk_common.skc_v6_daddr);        \
		}                                                                                  \
	} while (0)

static __always_inline void se_sock_addrs(struct sock *sk, struct se_ev_open *o)
{
	se_sock_endpoints(sk, o);
	o->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

#endif /* SOCKEYE_CONN_BPF_H */
