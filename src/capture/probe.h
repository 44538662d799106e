/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF side as user space sees it: open the object, size the rings and maps from the
 * configuration, load, attach every hook (naming the one that fails), and read the kernel
 * counters.
 */
#ifndef SOCKEYE_PROBE_H
#define SOCKEYE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockeye/abi.h"
#include "sockeye/wakeup.h"
#include "config/config.h"

struct se_probe;
struct se_pid_target;

/*
 * Load and attach, with nr_rings rings (se_cpu_plan). netns_inode 0 watches every namespace;
 * pid: the --pid process resolved (features.h). On failure returns NULL and writes a one-line
 * explanation to err. Context: main, before the workers start.
 */
struct se_probe *se_probe_new(const struct se_config *cfg, uint32_t netns_inode,
			      const struct se_pid_target *pid, unsigned int nr_rings, char *err,
			      size_t errlen);

/* Stop capturing (detach every hook); rings and maps stay readable. Context: main. */
void se_probe_detach(struct se_probe *p);
void se_probe_free(struct se_probe *p);

unsigned int se_probe_nr_rings(const struct se_probe *p);
unsigned int se_probe_possible_cpus(const struct se_probe *p);
/* Where the data comes from: "socket" (socket tracepoints) or "syscall" (syscall exits). */
const char *se_probe_data_hooks(const struct se_probe *p);
/* The TLS library files the TLS probes are attached to, comma-separated ("" when none). */
const char *se_probe_tls_libraries(const struct se_probe *p);
/* File descriptor of ring i (an inner BPF_MAP_TYPE_RINGBUF). */
int se_probe_ring_fd(const struct se_probe *p, unsigned int i);
/* Ring i's wake-up state (sockeye/wakeup.h), mapped: where its worker says it sleeps. */
struct se_ring_written *se_probe_ring_written(const struct se_probe *p, unsigned int i);

/*
 * Kernel counters summed over CPUs, into out[SE_KC__COUNT]; *missed gets the runs the
 * kernel skipped because another BPF program was active on the CPU. Context: any thread
 * (syscalls only). 0 or -errno.
 */
int se_probe_read_counters(const struct se_probe *p, uint64_t out[SE_KC__COUNT], uint64_t *missed);

/* The `lost_closes` map (see abi.h), drained by the workers. */
int se_probe_lost_closes_fd(const struct se_probe *p);
/* The `counters` map: what the sender reads each window. */
int se_probe_counters_fd(const struct se_probe *p);
/* The `conns` map, which the workers reconcile their tables with (reconcile.h). */
int se_probe_conns_fd(const struct se_probe *p);

#endif /* SOCKEYE_PROBE_H */
