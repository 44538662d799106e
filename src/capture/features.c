// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Start-up checks of the kernel and of our privileges (see src/capture/features.h).
 * Every tier needs BTF (CO-RE), raw tracepoints and ring buffers; only the syscall tier
 * needs tracefs too (syscall tracepoints are attached by their tracefs ids).
 */
#include "capture/features.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/log.h"

#define SE_CAP_SYS_ADMIN 21
#define SE_CAP_PERFMON	 38
#define SE_CAP_BPF	 39
/* The initial pid namespace's inode (PROC_PID_INIT_INO, include/linux/proc_ns.h) */
#define SE_PROC_PID_INIT_INO 0xEFFFFFFCu
/* A dev_t as the kernel keeps it (MKDEV, include/linux/kdev_t.h), not as stat(2) gives it */
#define SE_KERNEL_MINORBITS 20

static int se_features_fail(char *err, size_t errlen, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -error;
}

/* Effective capability set from /proc/self/status (no libcap dependency). */
static int se_features_cap_eff(uint64_t *caps)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "CapEff: %llx", &v) == 1) {
			*caps = v;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int se_features_check_caps(char *err, size_t errlen)
{
	uint64_t caps = 0;
	bool bpf, perfmon, admin;

	if (se_features_cap_eff(&caps))
		return se_features_fail(err, errlen, EPERM,
					"cannot read capabilities from /proc/self/status");
	bpf = caps & (1ull << SE_CAP_BPF);
	perfmon = caps & (1ull << SE_CAP_PERFMON);
	admin = caps & (1ull << SE_CAP_SYS_ADMIN);
	if (admin || (bpf && perfmon))
		return 0;
	return se_features_fail(err, errlen, EPERM,
				"missing capabilities (need CAP_BPF and CAP_PERFMON, or root): "
				"run as root, or grant them (see deploy/README.md)");
}

int se_features_check_tracefs(char *err, size_t errlen)
{
	struct stat st;

	if (!stat(SE_TRACEFS "/events", &st))
		goto mounted;
	if (mount("tracefs", SE_TRACEFS, "tracefs", 0, NULL))
		return se_features_fail(err, errlen, errno,
					"tracefs is not mounted at " SE_TRACEFS
					" and mounting it failed (%s): run 'mount -t tracefs "
					"tracefs " SE_TRACEFS "' or grant CAP_SYS_ADMIN",
					strerror(errno));
	se_info("mounted tracefs at %s", SE_TRACEFS);
mounted:
	if (stat(SE_TRACEFS "/events/syscalls", &st))
		return se_features_fail(err, errlen, ENOENT,
					"no syscall tracepoints in " SE_TRACEFS
					"/events/syscalls: the kernel needs "
					"CONFIG_FTRACE_SYSCALLS=y");
	return 0;
}

int se_features_check(char *err, size_t errlen)
{
	int ret = se_features_check_caps(err, errlen);

	if (ret)
		return ret;
	if (access(SE_BTF_VMLINUX, R_OK))
		return se_features_fail(err, errlen, ENOENT,
					"no kernel BTF at " SE_BTF_VMLINUX
					": sockeye needs a kernel built with "
					"CONFIG_DEBUG_INFO_BTF=y");
	return 0;
}

int se_features_resolve_netns(const struct se_config *cfg, uint32_t *inode, char *err,
			      size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;

	switch (cfg->netns_mode) {
	case SE_NETNS_ALL:
		*inode = 0;
		return 0;
	case SE_NETNS_PATH:
		snprintf(path, sizeof(path), "%s", cfg->netns_path);
		break;
	default:
		/* --pid alone follows that process into its namespace. */
		if (cfg->pid)
			snprintf(path, sizeof(path), "/proc/%d/ns/net", cfg->pid);
		else
			snprintf(path, sizeof(path), "/proc/self/ns/net");
		break;
	}
	if (stat(path, &st))
		return se_features_fail(err, errlen, errno, "%s: cannot open %s: %s",
					cfg->netns_mode == SE_NETNS_PATH ? "--netns" : "--pid",
					path, strerror(errno));
	*inode = (uint32_t)st.st_ino;
	return 0;
}

/* The last number of /proc/PID/status's NStgid line: the process id in its own namespace. */
static int se_features_own_tgid(int pid, uint32_t *tgid)
{
	char path[64], line[256];
	FILE *f;
	int ret = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + sizeof("NStgid:") - 1, *end;
		unsigned long v = 0;

		if (strncmp(line, "NStgid:", sizeof("NStgid:") - 1))
			continue;
		/* one number per namespace, from /proc's down to the process's own */
		for (;;) {
			unsigned long n = strtoul(p, &end, 10);

			if (end == p)
				break;
			v = n;
			p = end;
		}
		if (v && v <= UINT32_MAX) {
			*tgid = (uint32_t)v;
			ret = 0;
		}
		break;
	}
	fclose(f);
	return ret;
}

/* The pid namespace of a process as the kernel names it; 0s for the initial one. */
static void se_features_pidns(const struct stat *st, struct se_pid_target *out)
{
	if (st->st_ino != SE_PROC_PID_INIT_INO) {
		out->pidns_ino = (uint32_t)st->st_ino;
		out->pidns_dev =
		    (uint64_t)major(st->st_dev) << SE_KERNEL_MINORBITS | minor(st->st_dev);
	}
}

void se_features_self(struct se_pid_target *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->tgid = (uint32_t)getpid();
	if (!stat("/proc/self/ns/pid", &st))
		se_features_pidns(&st, out);
}

int se_features_resolve_pid(const struct se_config *cfg, struct se_pid_target *out, char *err,
			    size_t errlen)
{
	char path[64];
	struct stat st, self;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!cfg->pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", cfg->pid);
	if (stat(path, &st))
		return se_features_fail(err, errlen, errno, "--pid: cannot open %s: %s", path,
					strerror(errno));
	/* sockeye in the initial namespace, and /proc with it: the number is the kernel's tgid
	 * (/proc/self exists only in a /proc of sockeye's namespace or an ancestor's) */
	if (!stat("/proc/self/ns/pid", &self) && self.st_ino == SE_PROC_PID_INIT_INO) {
		out->tgid = (uint32_t)cfg->pid;
		return 0;
	}
	ret = se_features_own_tgid(cfg->pid, &out->tgid);
	if (ret)
		return se_features_fail(err, errlen, -ret,
					"--pid: no NStgid line in /proc/%d/status: %s", cfg->pid,
					strerror(-ret));
	se_features_pidns(&st, out);
	return 0;
}
