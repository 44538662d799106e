// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capability drop after attach (see src/capture/caps.h). Raw capset/prctl rather than
 * libcap: a few calls do not justify a dependency. Whether map commands still work without
 * CAP_BPF depends on the kernel (caps.h), so it is tried in a child that drops everything,
 * not guessed from a version number.
 *
 * The process stays uid 0, and the kernel gives root its bounding set again on execve; in a
 * pod the bounding set cannot be dropped (no CAP_SETPCAP), so no_new_privs is what makes
 * the drop last: with it, an exec gains no capability it does not already hold.
 */
#include "capture/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define SE_CAP_BPF  39
#define SE_CAP_LAST 63

/* capabilities(7) names, by number; the kernel may know newer ones (named by number) */
static const char *const se_caps_names[] = {
	"cap_chown",
	"cap_dac_override",
	"cap_dac_read_search",
	"cap_fowner",
	"cap_fsetid",
	"cap_kill",
	"cap_setgid",
	"cap_setuid",
	"cap_setpcap",
	"cap_linux_immutable",
	"cap_net_bind_service",
	"cap_net_broadcast",
	"cap_net_admin",
	"cap_net_raw",
	"cap_ipc_lock",
	"cap_ipc_owner",
	"cap_sys_module",
	"cap_sys_rawio",
	"cap_sys_chroot",
	"cap_sys_ptrace",
	"cap_sys_pacct",
	"cap_sys_admin",
	"cap_sys_boot",
	"cap_sys_nice",
	"cap_sys_resource",
	"cap_sys_time",
	"cap_sys_tty_config",
	"cap_mknod",
	"cap_lease",
	"cap_audit_write",
	"cap_audit_control",
	"cap_setfcap",
	"cap_mac_override",
	"cap_mac_admin",
	"cap_syslog",
	"cap_wake_alarm",
	"cap_block_suspend",
	"cap_audit_read",
	"cap_perfmon",
	"cap_bpf",
	"cap_checkpoint_restore",
};

static int se_caps_set(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data)); /* inheritable too */
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/*
 * Can a process without any capability still look up an element of map_fd, a per-CPU
 * array of u64? The value buffer holds one u64 per possible CPU, however many there are.
 */
uint64_t se_caps_permitted(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return 0;
	return (uint64_t)data[1].permitted << 32 | data[0].permitted;
}

static bool se_caps_map_access_needs_none(int map_fd)
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *value;
	pid_t child;
	int status;

	if (ncpus <= 0 || !(value = calloc((size_t)ncpus, sizeof(*value))))
		return false;
	child = fork();
	if (child == 0) {
		uint32_t key = 0;

		if (se_caps_set(0))
			_exit(1);
		_exit(bpf_map_lookup_elem(map_fd, &key, value) == -EPERM ? 1 : 0);
	}
	free(value);
	if (child < 0 || waitpid(child, &status, 0) != child)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The bounding set as the kernel has it now. */
static uint64_t se_caps_bounding(void)
{
	uint64_t set = 0;

	for (int cap = 0; cap <= SE_CAP_LAST; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0) /* past the last capability this kernel knows */
			break;
		if (in)
			set |= 1ull << cap;
	}
	return set;
}

int se_caps_drop_after_attach(uint64_t keep, int map_fd, struct se_caps_left *left, char *err,
			      size_t errlen)
{
	uint64_t bounding;
	int ret;

	if (!(keep & 1ull << SE_CAP_BPF) && !se_caps_map_access_needs_none(map_fd))
		keep |= 1ull << SE_CAP_BPF;
	/* Before anything else: an exec from here on gains no capability, whatever follows. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return ret;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)) {
		ret = -errno;
		snprintf(err, errlen, "cannot clear the ambient capabilities: %s", strerror(errno));
		return ret;
	}
	/*
	 * Dropping from the bounding set needs CAP_SETPCAP, so it comes before capset; without
	 * it each drop fails with EPERM, and what stayed is read back rather than assumed.
	 */
	bounding = se_caps_bounding();
	for (int cap = 0; cap <= SE_CAP_LAST; cap++)
		if (bounding & (1ull << cap))
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	ret = se_caps_set(keep);
	if (ret) {
		snprintf(err, errlen, "cannot drop capabilities after attach: %s", strerror(-ret));
		return ret;
	}
	left->permitted = keep;
	left->bounding = se_caps_bounding();
	return 0;
}

static void se_caps_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void se_caps_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

static void se_caps_append_names(char *buf, size_t len, size_t *off, uint64_t set)
{
	const char *sep = "";

	for (unsigned int cap = 0; cap <= SE_CAP_LAST; cap++) {
		if (!(set & (1ull << cap)))
			continue;
		if (cap < sizeof(se_caps_names) / sizeof(se_caps_names[0]))
			se_caps_append(buf, len, off, "%s%s", sep, se_caps_names[cap]);
		else
			se_caps_append(buf, len, off, "%scap_%u", sep, cap);
		sep = ", ";
	}
}

void se_caps_describe(const struct se_caps_left *left, char *buf, size_t len)
{
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (left->permitted == 1ull << SE_CAP_BPF) {
		se_caps_append(buf, len, &off,
			       "only cap_bpf left (this kernel checks it on map access)");
	} else if (left->permitted) {
		se_caps_append(buf, len, &off, "capabilities left: ");
		se_caps_append_names(buf, len, &off, left->permitted);
	} else {
		se_caps_append(buf, len, &off, "no capabilities left");
	}
	if (!left->bounding) {
		se_caps_append(buf, len, &off, " (bounding set empty)");
	} else {
		se_caps_append(buf, len, &off, "; bounding set kept: ");
		se_caps_append_names(buf, len, &off, left->bounding);
		se_caps_append(buf, len, &off,
			       " (dropping it needs CAP_SETPCAP; no_new_privs stops an exec from "
			       "regaining them)");
	}
	se_caps_append(buf, len, &off, "; no_new_privs");
}
