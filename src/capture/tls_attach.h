/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Finding the TLS libraries the watched processes use and attaching the TLS probes
 * (bpf/tls.bpf.h) to them: OpenSSL (libssl.so.*) and GnuTLS (libgnutls.so.*), found in
 * /proc/PID/maps and in the library directories of the process's root, all opened through
 * /proc/PID/root, so a library inside another container of the pod is found from the
 * sidecar; and executables that define SSL_write themselves (OpenSSL linked in, as Node.js
 * has it), through /proc/PID/exe. A probe on a file fires in every process that maps it, now
 * or later: each file (device, inode) is attached once.
 *
 * Context: main at start, then the TLS watcher process (tls_watch.h), one at a time.
 */
#ifndef SOCKEYE_TLS_ATTACH_H
#define SOCKEYE_TLS_ATTACH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bpf_program;
struct bpf_link;

/* The probe programs, from the loaded object. */
struct se_tls_progs {
	struct bpf_program *read;      /* SSL_read, gnutls_record_recv */
	struct bpf_program *read_ex;   /* SSL_read_ex */
	struct bpf_program *write;     /* SSL_write, gnutls_record_send */
	struct bpf_program *write_ex;  /* SSL_write_ex */
	struct bpf_program *ret_int;   /* the return of OpenSSL's (an int) */
	struct bpf_program *ret_long;  /* the return of GnuTLS's (an ssize_t) */
	struct bpf_program *free;      /* SSL_free, gnutls_deinit */
	struct bpf_program *handshake; /* SSL_do_handshake, gnutls_handshake */
	struct bpf_program *bio_write; /* BIO_write, in executables that carry OpenSSL */
};

/* Which processes are looked at: every one, those of one network namespace, or one. */
struct se_tls_scope {
	uint32_t netns; /* inode of the watched namespace; 0: every namespace */
	int pid;	/* the one process (--pid, as /proc here numbers it); 0: all */
};

struct se_tls_file {
	dev_t dev;
	ino_t ino;
};

/* A process whose BIO_write is probed in it alone (se_tls_attach_memory_bio). */
struct se_tls_memory_bio {
	int pid;
	unsigned long long start; /* when it started (/proc/PID/stat), against a pid reused */
	struct bpf_link *link;
};

/* Processes probed that way at most at once: the ones gone are let go first. */
#define SE_TLS_MEMORY_BIO_MAX 256

struct se_tls_attach {
	struct bpf_link **links;
	size_t nlinks, links_cap;
	struct se_tls_file *files; /* libraries and executables attached, or found wanting */
	size_t nfiles, files_cap;
	struct se_tls_file *roots; /* root directories whose library directories were read */
	size_t nroots, roots_cap;
	struct se_tls_memory_bio *bios; /* processes whose BIO_write is probed */
	size_t nbios, bios_cap;
	unsigned int libraries; /* files attached */
	char names[512];	/* their paths, for the start-up line ("" when none) */
};

/*
 * Look at the processes in scope under proc_root ("/proc") and attach to every TLS library
 * file they map that is not attached yet. Returns the files attached by this call; a file
 * that cannot be attached is logged and skipped. Never fails the start: TLS is one capture
 * among others.
 */
unsigned int se_tls_attach_scan(struct se_tls_attach *t, const struct se_tls_progs *progs,
				const struct se_tls_scope *scope, const char *proc_root);
/* The same for one process (a program just started): its executable, its maps, and its
 * root's library directories if that root is new. */
unsigned int se_tls_attach_process(struct se_tls_attach *t, const struct se_tls_progs *progs,
				   const char *proc_root, int pid);
/*
 * A process that moves its TLS records to the socket itself, as the kernel said
 * (SE_EXEC_MEMORY_BIO): memory BIOs over the shared library, as Python's asyncio has them.
 * BIO_write of the libcrypto it maps is probed in that process alone, so that the records its
 * objects write tie them (bpf/tls.bpf.h); other programs that map the library pay nothing.
 * Processes probed before and gone since are let go first. Returns 1 if probed (the library's
 * path, as the process sees it, in lib), 0 if there is nothing to probe (gone, probed
 * already, no libcrypto mapped: OpenSSL linked into its executable is probed already), -1 if
 * it cannot be (SE_TLS_MEMORY_BIO_MAX processes probed, or the attach failed: logged).
 */
int se_tls_attach_memory_bio(struct se_tls_attach *t, const struct se_tls_progs *progs,
			     const char *proc_root, int pid, char *lib, size_t lib_len);
/* When the process started, from /proc/PID/stat (clock ticks since boot); 0 if gone. */
unsigned long long se_tls_process_start(const char *proc_root, int pid);
/* Detach every probe attached. */
void se_tls_attach_free(struct se_tls_attach *t);

/* Which TLS library a mapped file's basename names: 'o' OpenSSL, 'g' GnuTLS, 0 neither. */
char se_tls_library_kind(const char *path);

#endif /* SOCKEYE_TLS_ATTACH_H */
