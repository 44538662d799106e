// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capability drop after attach (see include/sockeye/caps.h). Raw capset/prctl rather than
 * libcap: four calls do not justify a dependency. Whether map commands still work without
 * CAP_BPF is a kernel property (the global bpf() check was removed in 6.5), so it is
 * measured, in a child that drops everything and tries, not guessed from a version number.
 */
#include "sockeye/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#define SE_CAP_BPF  39
#define SE_CAP_LAST 63

static int se_caps_set(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Can a process without any capability still look up an element of map_fd? */
static bool se_caps_map_access_needs_none(int map_fd)
{
	pid_t child = fork();
	int status;

	if (child < 0)
		return false;
	if (child == 0) {
		uint32_t key = 0;
		uint64_t value[1024]; /* room for a per-CPU value on up to 1024 CPUs */

		if (se_caps_set(0))
			_exit(1);
		_exit(bpf_map_lookup_elem(map_fd, &key, value) == -EPERM ? 1 : 0);
	}
	if (waitpid(child, &status, 0) != child)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int se_caps_drop_after_attach(int map_fd, bool *kept_bpf, char *err, size_t errlen)
{
	uint64_t keep = se_caps_map_access_needs_none(map_fd) ? 0 : 1ull << SE_CAP_BPF;
	int ret;

	*kept_bpf = keep != 0;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* The bounding set needs CAP_SETPCAP, which goes with the rest just after. */
	for (int cap = 0; cap <= SE_CAP_LAST; cap++)
		if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	ret = se_caps_set(keep);
	if (ret)
		snprintf(err, errlen, "cannot drop capabilities after attach: %s", strerror(-ret));
	return ret;
}
