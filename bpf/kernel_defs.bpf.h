/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every kernel number the capture programs use that vmlinux.h lacks (BTF keeps types and
 * enums, not macros). Each comes from a kernel header: included where it compiles for
 * -target bpf next to vmlinux.h, otherwise copied here under the header's path (the uapi
 * headers need the architecture's <asm/types.h>, or redefine types vmlinux.h has). The
 * enums (TCP_ESTABLISHED and the other TCP states, IPPROTO_TCP, SOCK_STREAM) come with
 * vmlinux.h. No other header under bpf/ defines a kernel number.
 */
#ifndef SOCKEYE_KERNEL_DEFS_BPF_H
#define SOCKEYE_KERNEL_DEFS_BPF_H

#include "vmlinux.h"
#include <asm-generic/errno.h> /* E2BIG, EINPROGRESS, ENOSYS */

/* include/linux/socket.h */
#define AF_INET	     2
#define AF_INET6     10
#define MSG_PEEK     0x2
#define MSG_TRUNC    0x20
#define MSG_ERRQUEUE 0x2000

/* include/uapi/linux/stat.h */
#define S_IFMT	 00170000
#define S_IFSOCK 0140000

/* include/linux/sched.h */
#define PF_IO_WORKER 0x00000010
#define PF_KTHREAD   0x00200000

/* arch/x86/entry/syscalls/syscall_64.tbl: the data syscalls the socket tier recognises */
#define __NR_read     0
#define __NR_write    1
#define __NR_readv    19
#define __NR_writev   20
#define __NR_sendfile 40
#define __NR_sendto   44
#define __NR_recvfrom 45
#define __NR_sendmsg  46
#define __NR_recvmsg  47
#define __NR_recvmmsg 299
#define __NR_sendmmsg 307
#define __NR_preadv2  327
#define __NR_pwritev2 328

#endif /* SOCKEYE_KERNEL_DEFS_BPF_H */
