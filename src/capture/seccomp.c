// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The run-time seccomp filter (see src/capture/seccomp.h): a classic-BPF program built
 * at start from two lists, the system calls refused outright and the bpf() commands still
 * allowed. Everything else is allowed: the runtime's own profile stays the general one.
 *
 * A refused call fails with EPERM rather than killing the process. sockeye's code never
 * makes these calls after attach, so a refusal means either a library took a path nobody
 * expected, which then fails with an error its caller reports, or an intruder at work, who
 * gains nothing from either; a process that dies of SIGSYS leaves no line saying why.
 */
#define _GNU_SOURCE /* CLONE_NEW* */
#include "capture/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SE_SECCOMP_ARCH AUDIT_ARCH_X86_64
/* x32 calls reach the same table with this bit set: none of them is sockeye's */
#define SE_SECCOMP_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define SE_SECCOMP_ARCH AUDIT_ARCH_AARCH64
#else
#error "seccomp.c: add this architecture's AUDIT_ARCH"
#endif
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "seccomp.c reads the low 32 bits of an argument at its start"
#endif

#define SE_SECCOMP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SE_SECCOMP_DENY		 (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))
#define SE_SECCOMP_NO_SUCH_CALL	 (SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA))
#define SE_SECCOMP_ARG0_LOW	 offsetof(struct seccomp_data, args[0])
/* clone() flags that make a namespace; a new user namespace would hand back every
 * capability inside it, with the kernel interfaces that come with them */
#define SE_SECCOMP_CLONE_NS                                                                        \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |             \
	 CLONE_NEWPID | CLONE_NEWNET)

/*
 * Refused outright. Stopping needs none of them: detaching closes link and perf event
 * descriptors, freeing the skeleton closes and unmaps the rest.
 */
static const unsigned int se_seccomp_refused[] = {
	/* running anything else; with no_new_privs an exec regains no capability, and it
	 * is not needed either */
	__NR_execve,
	__NR_execveat,
	/* the service's processes share our PID namespace */
	__NR_process_vm_readv,
	__NR_process_vm_writev,
	__NR_pidfd_getfd,
#if SE_SECCOMP_REFUSES_PTRACE
	__NR_ptrace,
#endif
	/* the filesystem view and namespaces */
	__NR_mount,
	__NR_umount2,
	__NR_pivot_root,
	__NR_chroot,
	__NR_fsopen,
	__NR_fsconfig,
	__NR_fsmount,
	__NR_fspick,
	__NR_move_mount,
	__NR_open_tree,
	__NR_mount_setattr,
	__NR_unshare,
	__NR_setns,
	/* the kernel itself */
	__NR_kexec_load,
	__NR_kexec_file_load,
	__NR_init_module,
	__NR_finit_module,
	__NR_delete_module,
	/* keyrings are not namespaced; libcurl would reach them only for Kerberos, which
	 * sockeye never asks for */
	__NR_keyctl,
	__NR_add_key,
	__NR_request_key,
	/* attaching is done; the rest are the usual tools of a kernel exploit, and io_uring
	 * operations do not pass through seccomp */
	__NR_perf_event_open,
	__NR_userfaultfd,
	__NR_io_uring_setup,
};

/*
 * What the pipeline may still ask of bpf() once attached: the kernel counters and parked
 * closes (lookup, get-next-key, delete), a scan of the connection map to reconcile with it
 * (batch lookup), the rings' sizes and the programs' recursion misses (get-info-by-fd).
 * Loading, creating, updating, attaching and pinning are all refused.
 */
static const unsigned int se_seccomp_bpf_allowed[] = {
	BPF_MAP_LOOKUP_ELEM,  BPF_MAP_DELETE_ELEM,    BPF_MAP_GET_NEXT_KEY,
	BPF_MAP_LOOKUP_BATCH, BPF_OBJ_GET_INFO_BY_FD,
};

/* The program's length at most: the architecture and number checks, two instructions per
 * refused call, clone3, the bpf() block, the clone() block, the final allow. */
#define SE_SECCOMP_MAX_INSNS                                                                       \
	(6 + 2 * SE_SECCOMP_ARRAY_SIZE(se_seccomp_refused) + 2 +                                   \
	 (3 + 2 * SE_SECCOMP_ARRAY_SIZE(se_seccomp_bpf_allowed)) + 4 + 1)

struct se_seccomp_prog {
	struct sock_filter insns[SE_SECCOMP_MAX_INSNS];
	unsigned short n;
};

static unsigned short se_seccomp_emit(struct se_seccomp_prog *p, unsigned short code,
				      unsigned int k, unsigned char jt, unsigned char jf)
{
	p->insns[p->n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	return p->n++;
}

/* Point the false branch of the jump at index at to the next instruction to be emitted. */
static void se_seccomp_land_false(struct se_seccomp_prog *p, unsigned short at)
{
	p->insns[at].jf = (unsigned char)(p->n - at - 1);
}

static void se_seccomp_build(struct se_seccomp_prog *p, bool attaches)
{
	unsigned short skip;

	p->n = 0;
	se_seccomp_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, SE_SECCOMP_ARCH, 1, 0);
	se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_DENY, 0, 0);
	se_seccomp_emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
#ifdef SE_SECCOMP_X32_BIT
	se_seccomp_emit(p, BPF_JMP | BPF_JGE | BPF_K, SE_SECCOMP_X32_BIT, 0, 1);
	se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_DENY, 0, 0);
#endif
	for (size_t i = 0; i < SE_SECCOMP_ARRAY_SIZE(se_seccomp_refused); i++) {
		if (attaches && se_seccomp_refused[i] == __NR_perf_event_open)
			continue;
		se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, se_seccomp_refused[i], 0, 1);
		se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_DENY, 0, 0);
	}
	/* clone3 passes its flags in memory, out of the filter's sight */
	se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1);
	se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_NO_SUCH_CALL, 0, 0);

	if (!attaches) {
		/* bpf(cmd, ...): the kernel reads cmd as an int, so the low word is the command */
		skip = se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, __NR_bpf, 0, 0);
		se_seccomp_emit(p, BPF_LD | BPF_W | BPF_ABS, SE_SECCOMP_ARG0_LOW, 0, 0);
		for (size_t i = 0; i < SE_SECCOMP_ARRAY_SIZE(se_seccomp_bpf_allowed); i++) {
			se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, se_seccomp_bpf_allowed[i], 0,
					1);
			se_seccomp_emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
		}
		se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_DENY, 0, 0);
		se_seccomp_land_false(p, skip);
	}

	/* clone(flags, ...): threads and fork, never a namespace */
	skip = se_seccomp_emit(p, BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 0);
	se_seccomp_emit(p, BPF_LD | BPF_W | BPF_ABS, SE_SECCOMP_ARG0_LOW, 0, 0);
	se_seccomp_emit(p, BPF_JMP | BPF_JSET | BPF_K, SE_SECCOMP_CLONE_NS, 0, 1);
	se_seccomp_emit(p, BPF_RET | BPF_K, SE_SECCOMP_DENY, 0, 0);
	se_seccomp_land_false(p, skip);

	se_seccomp_emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

int se_seccomp_install(bool attaches, char *err, size_t errlen)
{
	struct se_seccomp_prog prog;
	struct sock_fprog fprog;
	long ret;

	se_seccomp_build(&prog, attaches);
	fprog = (struct sock_fprog){ .len = prog.n, .filter = prog.insns };
	/* Without CAP_SYS_ADMIN, the kernel takes a filter only from a no_new_privs process. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return (int)ret;
	}
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
	if (ret < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot install the seccomp filter: %s", strerror(errno));
		return (int)ret;
	}
	if (ret > 0) { /* TSYNC names a thread that could not take the filter */
		snprintf(err, errlen, "cannot install the seccomp filter: thread %ld refused it",
			 ret);
		return -EBUSY;
	}
	return 0;
}
