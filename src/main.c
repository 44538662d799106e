// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockeye's lifecycle: parse the configuration, check the kernel, load and attach the
 * capture, start the merger, the sender and the workers, wait for a signal or --duration, then stop
 * in reverse order so that everything captured is exported. Only this file decides how the process
 * ends: 0 success, 1 run-time failure, 2 bad command line.
 */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"
#include "capture/caps.h"
#include "util/clock.h"
#include "config/config.h"
#include "util/cpu.h"
#include "capture/features.h"
#include "util/log.h"
#include "worker/memory.h"
#include "capture/probe.h"
#include "pipeline/export.h"
#include "sinks/otlp/otlp_exporter.h"
#include "sinks/otlp/otlp_http.h"
#include "sinks/prometheus/prom_sink.h"
#include "sinks/stdout/stdout.h"
#include "sinks/tty/tty_sink.h"
#include "serve/http_server.h"
#include "capture/seccomp.h"
#include "worker/worker.h"

#define SE_EXIT_FAILURE 1
#define SE_EXIT_USAGE	2

/*
 * Block the stop signals in every thread; main collects them with sigtimedwait. SIGHUP (a
 * closed terminal, a supervisor's "reload") and SIGQUIT (Ctrl-\) stop sockeye as SIGTERM
 * does, flushing the last window, rather than end it at once (and, for SIGQUIT, dump core
 * with the export headers in memory).
 */
static void se_main_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

static bool se_main_worker_failed(struct se_worker **workers, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (se_worker_failed(workers[i]))
			return true;
	return false;
}

/*
 * Returns 0 when a signal arrives or duration_s (0 = forever) has passed, -1 when a worker
 * failed (checked every second).
 */
static int se_main_wait(const sigset_t *set, unsigned int duration_s, struct se_worker **workers,
			unsigned int nworkers)
{
	uint64_t deadline = se_clock_mono_ns() + (uint64_t)duration_s * SE_NS_PER_S;

	for (;;) {
		struct timespec ts = { .tv_sec = 1, .tv_nsec = 0 };
		int sig;

		if (duration_s) {
			uint64_t now = se_clock_mono_ns();

			if (now >= deadline)
				return 0;
			if (deadline - now < SE_NS_PER_S) {
				ts.tv_sec = 0;
				ts.tv_nsec = (long)(deadline - now);
			}
		}
		sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0) {
			se_info("received %s, flushing the last window", strsignal(sig));
			return 0;
		}
		if (se_main_worker_failed(workers, nworkers))
			return -1;
	}
}

static unsigned int se_main_mib(uint64_t bytes)
{
	return (unsigned int)((bytes + (1u << 20) - 1) >> 20);
}

#define SE_MAIN_SINKS_MAX 3

/* The sinks the configuration asks for: /metrics' pages with --listen. 0, or -1 after saying
 * why. */
static int se_main_sinks(const struct se_config *cfg, struct se_health *health,
			 struct se_prom_pages *pages, struct se_sink **sinks, unsigned int *n)
{
	struct se_export_failures_source failures = { 0 };

	/* No output chosen and a person watching: the terminal view rather than JSON lines */
	if (cfg->out_stdout && !(sinks[(*n)++] = !cfg->out_stdout_explicit && isatty(STDOUT_FILENO)
						     ? se_tty_sink_new(stdout, cfg)
						     : se_stdout_sink_new(stdout, cfg)))
		goto fail;
	if (cfg->otlp_endpoint[0]) {
		if (!(sinks[(*n)++] = se_otlp_sink_new(cfg, health)))
			goto fail;
		failures.get = se_otlp_sink_failures;
		failures.arg = sinks[*n - 1];
	}
	if (cfg->listen.family && !(sinks[(*n)++] = se_prom_sink_new(cfg, pages, &failures)))
		goto fail;
	return 0;
fail:
	(*n)--;
	se_err("out of memory");
	return -1;
}

int main(int argc, char **argv)
{
	static struct se_config cfg;
	char err[512], alloc[96];
	struct se_probe *probe = NULL;
	struct se_export *exp = NULL;
	struct se_sink *sinks[SE_MAIN_SINKS_MAX];
	unsigned int nsinks = 0;
	static struct se_health health;
	static struct se_prom_pages pages;
	bool pages_ready = false;
	struct se_http_server *server = NULL;
	struct se_worker **workers = NULL;
	unsigned int nworkers = 0, nrings = 0, started = 0, usable, quota;
	struct se_memory_bound mem;
	char quota_text[32];
	uint32_t netns = 0;
	struct se_pid_target pid;
	sigset_t sigs;
	int status = SE_EXIT_FAILURE;

	/* The OTLP token and raw heads live in this memory: no core dump, and no
	 * /proc/<pid>/environ or mem for a process without CAP_SYS_PTRACE (a shared PID
	 * namespace shows us to the service's containers). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	switch (se_cli_parse(&cfg, argc, argv, stdout, err, sizeof(err))) {
	case SE_CLI_EXIT:
		return 0;
	case SE_CLI_ERROR:
		fprintf(stderr, "sockeye: %s\n", err);
		return SE_EXIT_USAGE;
	case SE_CLI_RUN:
		break;
	}
	if (se_config_apply_env(&cfg, (const char *(*)(const char *))getenv, err, sizeof(err))) {
		fprintf(stderr, "sockeye: %s\n", err);
		return SE_EXIT_USAGE;
	}
	se_log_set_level(cfg.verbose ? SE_LOG_DEBUG : SE_LOG_INFO);
	if (se_otlp_http_global_init()) { /* libcurl: before any thread */
		se_err("cannot initialise libcurl");
		return SE_EXIT_FAILURE;
	}
	se_main_block_signals(&sigs);
	se_health_init(&health, cfg.window_s);

	if (se_features_check(err, sizeof(err))) {
		se_err("%s", err);
		return SE_EXIT_FAILURE;
	}
	if (se_features_resolve_netns(&cfg, &netns, err, sizeof(err)) ||
	    se_features_resolve_pid(&cfg, &pid, err, sizeof(err))) {
		se_err("%s", err); /* a --netns or --pid that names nothing: a bad value */
		return SE_EXIT_USAGE;
	}
	usable = se_cpu_usable_count("/proc/self/cgroup", "/sys/fs/cgroup", &quota);
	se_cpu_plan(usable, 0, cfg.workers, cfg.rings, &nworkers, &nrings);
	probe = se_probe_new(&cfg, netns, &pid, nrings, err, sizeof(err));
	if (!probe) {
		se_err("%s", err);
		return SE_EXIT_FAILURE;
	}
	{
		struct se_caps_left left;
		char privileges[384];

		/* Attached; nothing more to gain. Before any thread exists: the drop forks, and
		 * the filter then covers every thread the pipeline starts. */
		if (se_caps_drop_after_attach(0, se_probe_counters_fd(probe), &left, err,
					      sizeof(err)) ||
		    se_seccomp_install(false, err, sizeof(err))) {
			se_err("%s", err);
			goto out;
		}
		se_caps_describe(&left, privileges, sizeof(privileges));
		se_info("privileges: %s; seccomp: %s", privileges, SE_SECCOMP_SUMMARY);
	}
	se_cpu_plan(usable, se_probe_possible_cpus(probe), cfg.workers, se_probe_nr_rings(probe),
		    &nworkers, &nrings);
	se_memory_bound(&cfg, nworkers, nrings, se_probe_possible_cpus(probe), &mem);
	if (cfg.listen.family) {
		if (se_prom_pages_init(&pages)) {
			se_err("out of memory");
			goto out;
		}
		pages_ready = true;
		server = se_http_server_new(&cfg.listen, &health, &pages, err, sizeof(err));
		if (!server || se_http_server_start(server)) {
			se_err("%s", server ? "cannot start the --listen thread" : err);
			goto out;
		}
	}
	if (se_main_sinks(&cfg, &health, &pages, sinks, &nsinks))
		goto out;
	exp = se_export_new(&cfg, nworkers, probe, sinks, nsinks, &health);
	workers = calloc(nworkers, sizeof(*workers));
	if (!exp || !workers) {
		se_err("out of memory");
		goto out;
	}
	{
		int64_t offset = se_clock_real_minus_mono_ns();
		uint64_t window_ns = (uint64_t)cfg.window_s * SE_NS_PER_S;
		uint64_t first = se_clock_align_down(se_clock_real_ns(), window_ns);

		for (unsigned int i = 0; i < nworkers; i++) {
			workers[i] = se_worker_new(i, nworkers, &cfg, probe, se_export_publish(exp),
						   offset, first);
			if (!workers[i]) {
				se_err("cannot create worker %u: %s", i, strerror(errno));
				goto out;
			}
		}
	}
	if (se_export_start(exp)) {
		se_err("cannot start the merger and sender threads");
		goto out;
	}
	for (; started < nworkers; started++) {
		if (se_worker_start(workers[started])) {
			se_err("cannot start worker %u", started);
			goto out;
		}
	}
	if (quota)
		snprintf(quota_text, sizeof(quota_text), "%u", quota);
	else
		snprintf(quota_text, sizeof(quota_text), "none");
	se_info("capturing: %u workers, %u rings of %llu bytes (CPUs usable %u, cgroup CPU limit "
		"%s), ports %s, DNS ports %s, netns %s%s, window %us, allocator %s, data hooks %s, "
		"TLS libraries %s, memory bound "
		"%u MiB (rings %u, kernel maps %u, connections %u, buffers %u, windows %u, "
		"process %u)",
		nworkers, nrings, (unsigned long long)cfg.ring_size, usable, quota_text,
		cfg.ports_text, cfg.dns_ports_text,
		cfg.netns_mode == SE_NETNS_ALL	  ? "all"
		: cfg.netns_mode == SE_NETNS_PATH ? cfg.netns_path
						  : "self",
		cfg.pid ? " (one process)" : "", cfg.window_s, se_alloc_name(alloc, sizeof(alloc)),
		se_probe_data_hooks(probe),
		*se_probe_tls_libraries(probe) ? se_probe_tls_libraries(probe) : "none",
		se_main_mib(mem.total), se_main_mib(mem.rings), se_main_mib(mem.kernel_maps),
		se_main_mib(mem.conn_state), se_main_mib(mem.buffers), se_main_mib(mem.windows),
		se_main_mib(mem.process));
	se_health_set_attached(&health);
	status = se_main_wait(&sigs, cfg.duration_s, workers, nworkers) ? SE_EXIT_FAILURE : 0;
out:
	/* Reverse order: stop capturing, let the workers drain and seal, export, free. */
	se_probe_detach(probe);
	if (exp)
		se_export_stopping(exp);
	{
		uint64_t stop_real = se_clock_real_ns();

		for (unsigned int i = 0; i < started; i++)
			se_worker_stop(workers[i], stop_real);
	}
	for (unsigned int i = 0; i < started; i++) {
		se_worker_join(workers[i]);
		if (se_worker_failed(workers[i]))
			status = SE_EXIT_FAILURE;
	}
	if (exp)
		se_export_join(exp);
	for (unsigned int i = 0; workers && i < nworkers; i++)
		se_worker_free(workers[i]);
	free(workers);
	se_export_free(exp);
	se_http_server_free(server); /* answers until everything is exported */
	for (unsigned int i = 0; i < nsinks; i++)
		se_sink_free(sinks[i]);
	if (pages_ready)
		se_prom_pages_fini(&pages);
	se_probe_free(probe);
	se_otlp_http_global_fini();
	return status;
}
