// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * TLS library discovery and attachment (see tls_attach.h).
 */
#include "capture/tls_attach.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "capture/elf_symbols.h"
#include "util/log.h"

/*
 * Where a root filesystem keeps its shared libraries (Debian's multiarch directories, and the
 * plain ones other images use): a library there is attached before any process maps it, so
 * a process that loads it later (Python imports ssl when first asked) is seen from its first
 * call.
 */
static const char *const se_tls_lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib",
	"/usr/lib",
	"/lib64",
	"/usr/lib64",
	"/usr/local/lib",
};

/* One probe of a library: a symbol, the program, and whether it is a return probe. */
struct se_tls_probe {
	const char *symbol;
	size_t prog; /* offset of the program in struct se_tls_progs */
	bool retprobe;
	bool optional; /* older versions lack it (OpenSSL 1.0: no _ex forms) */
};

#define SE_TLS_PROG(field) offsetof(struct se_tls_progs, field)

static const struct se_tls_probe se_tls_openssl[] = {
	{ "SSL_read", SE_TLS_PROG(read), false, false },
	{ "SSL_read", SE_TLS_PROG(ret_int), true, false },
	{ "SSL_write", SE_TLS_PROG(write), false, false },
	{ "SSL_write", SE_TLS_PROG(ret_int), true, false },
	{ "SSL_read_ex", SE_TLS_PROG(read_ex), false, true },
	{ "SSL_read_ex", SE_TLS_PROG(ret_int), true, true },
	{ "SSL_write_ex", SE_TLS_PROG(write_ex), false, true },
	{ "SSL_write_ex", SE_TLS_PROG(ret_int), true, true },
	{ "SSL_do_handshake", SE_TLS_PROG(handshake), false, false },
	{ "SSL_do_handshake", SE_TLS_PROG(ret_int), true, false },
	{ "SSL_free", SE_TLS_PROG(free), false, false },
};

/* What an executable that carries OpenSSL gets besides: its programs may use memory BIOs
 * (Node.js), tied by the records they write (bpf/tls.bpf.h, se_tls_bio_write). */
static const struct se_tls_probe se_tls_openssl_linked_in[] = {
	{ "BIO_write", SE_TLS_PROG(bio_write), false, true },
};

static const struct se_tls_probe se_tls_gnutls[] = {
	{ "gnutls_record_recv", SE_TLS_PROG(read), false, false },
	{ "gnutls_record_recv", SE_TLS_PROG(ret_long), true, false },
	{ "gnutls_record_send", SE_TLS_PROG(write), false, false },
	{ "gnutls_record_send", SE_TLS_PROG(ret_long), true, false },
	{ "gnutls_handshake", SE_TLS_PROG(handshake), false, false },
	{ "gnutls_handshake", SE_TLS_PROG(ret_int), true, false },
	{ "gnutls_deinit", SE_TLS_PROG(free), false, false },
};

char se_tls_library_kind(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!strncmp(base, "libssl.so", 9))
		return 'o';
	if (!strncmp(base, "libgnutls.so", 12))
		return 'g';
	return 0;
}

static bool se_tls_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * size);
	if (!p)
		return false;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

/* Is st in the set? If not, add it (true: new). */
static bool se_tls_file_new(struct se_tls_file **set, size_t *n, size_t *cap, const struct stat *st)
{
	for (size_t i = 0; i < *n; i++)
		if ((*set)[i].dev == st->st_dev && (*set)[i].ino == st->st_ino)
			return false;
	if (!se_tls_grow((void **)set, cap, *n, sizeof(**set)))
		return false;
	(*set)[(*n)++] = (struct se_tls_file){ .dev = st->st_dev, .ino = st->st_ino };
	return true;
}

/* Attach a library's probes; all or none (a library half probed would record one direction). */
static bool se_tls_attach_file(struct se_tls_attach *t, const struct se_tls_progs *progs,
			       const char *path, const struct se_tls_probe *probes, size_t n)
{
	size_t first = t->nlinks;

	for (size_t i = 0; i < n; i++) {
		struct bpf_program *prog =
		    *(struct bpf_program *const *)((const char *)progs + probes[i].prog);
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = probes[i].symbol,
			    .retprobe = probes[i].retprobe);
		struct bpf_link *link;

		if (!se_tls_grow((void **)&t->links, &t->links_cap, t->nlinks, sizeof(*t->links)))
			goto fail;
		link = bpf_program__attach_uprobe_opts(prog, -1, path, 0, &opts);
		if (!link) {
			if (probes[i].optional)
				continue;
			se_warn("TLS: cannot attach to %s in %s: %s; its plaintext is not seen",
				probes[i].symbol, path, strerror(errno));
			goto fail;
		}
		t->links[t->nlinks++] = link;
	}
	return true;
fail:
	while (t->nlinks > first)
		bpf_link__destroy(t->links[--t->nlinks]);
	return false;
}

static bool se_tls_in_scope(const struct se_tls_scope *scope, const char *proc_root, int pid)
{
	char path[64];
	struct stat st;

	if (scope->pid)
		return pid == scope->pid;
	if (!scope->netns)
		return true;
	snprintf(path, sizeof(path), "%s/%d/ns/net", proc_root, pid);
	return !stat(path, &st) && (uint32_t)st.st_ino == scope->netns;
}

/* A file attached: counted, and named for the start-up line. */
static void se_tls_attached(struct se_tls_attach *t, const char *name)
{
	size_t len = strlen(t->names);

	t->libraries++;
	snprintf(t->names + len, sizeof(t->names) - len, "%s%s", len ? ", " : "", name);
}

/*
 * The library at path (inside a process's root: path_in_root), if it is a TLS library not
 * looked at yet: attached, and named. Returns 1 if attached.
 */
static unsigned int se_tls_consider(struct se_tls_attach *t, const struct se_tls_progs *progs,
				    const char *path, const char *path_in_root)
{
	char kind = se_tls_library_kind(path_in_root);
	struct stat st;

	if (!kind || stat(path, &st) || !S_ISREG(st.st_mode) ||
	    !se_tls_file_new(&t->files, &t->nfiles, &t->files_cap, &st))
		return 0;
	if (!(kind == 'o' ? se_tls_attach_file(t, progs, path, se_tls_openssl,
					       sizeof(se_tls_openssl) / sizeof(se_tls_openssl[0]))
			  : se_tls_attach_file(t, progs, path, se_tls_gnutls,
					       sizeof(se_tls_gnutls) / sizeof(se_tls_gnutls[0]))))
		return 0;
	se_tls_attached(t, path_in_root);
	return 1;
}

/*
 * The process's executable, if OpenSSL is linked into it (Node.js carries its own) and it was
 * not looked at yet: attached like a library, through /proc/PID/exe, which reaches the file
 * whatever root the process has. Every other executable is read once, then remembered.
 */
static unsigned int se_tls_consider_executable(struct se_tls_attach *t,
					       const struct se_tls_progs *progs,
					       const char *proc_root, int pid)
{
	char path[64], name[4096];
	struct stat st;
	ssize_t len;

	snprintf(path, sizeof(path), "%s/%d/exe", proc_root, pid);
	if (stat(path, &st) || !S_ISREG(st.st_mode) ||
	    !se_tls_file_new(&t->files, &t->nfiles, &t->files_cap, &st) ||
	    !se_elf_defines_function(path, "SSL_write") ||
	    !se_tls_attach_file(t, progs, path, se_tls_openssl,
				sizeof(se_tls_openssl) / sizeof(se_tls_openssl[0])))
		return 0;
	se_tls_attach_file(t, progs, path, se_tls_openssl_linked_in,
			   sizeof(se_tls_openssl_linked_in) / sizeof(se_tls_openssl_linked_in[0]));
	len = readlink(path, name, sizeof(name) - 1);
	name[len > 0 ? len : 0] = '\0';
	se_tls_attached(t, len > 0 ? name : path);
	return 1;
}

/* The TLS libraries in the library directories of a process's root, once per root. */
static unsigned int se_tls_scan_root(struct se_tls_attach *t, const struct se_tls_progs *progs,
				     const char *proc_root, int pid)
{
	char path[4200], in_root[4096];
	unsigned int attached = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%d/root/", proc_root, pid);
	if (stat(path, &st) || !se_tls_file_new(&t->roots, &t->nroots, &t->roots_cap, &st))
		return 0;
	for (size_t i = 0; i < sizeof(se_tls_lib_dirs) / sizeof(se_tls_lib_dirs[0]); i++) {
		DIR *dir;
		struct dirent *d;

		snprintf(path, sizeof(path), "%s/%d/root%s", proc_root, pid, se_tls_lib_dirs[i]);
		if (!(dir = opendir(path)))
			continue;
		while ((d = readdir(dir))) {
			/* a link (libssl.so) names a file the directory also holds by its own name
			 */
			if (!se_tls_library_kind(d->d_name) || d->d_type == DT_LNK)
				continue;
			snprintf(in_root, sizeof(in_root), "%s/%s", se_tls_lib_dirs[i], d->d_name);
			snprintf(path, sizeof(path), "%s/%d/root%s", proc_root, pid, in_root);
			attached += se_tls_consider(t, progs, path, in_root);
		}
		closedir(dir);
	}
	return attached;
}

unsigned int se_tls_attach_process(struct se_tls_attach *t, const struct se_tls_progs *progs,
				   const char *proc_root, int pid)
{
	char path[4200], line[4352];
	unsigned int attached = se_tls_scan_root(t, progs, proc_root, pid) +
				se_tls_consider_executable(t, progs, proc_root, pid);
	FILE *maps;

	snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
	maps = fopen(path, "re");
	if (!maps) { /* gone, or not ours to read */
		if (errno == EACCES || errno == EPERM)
			se_warn("TLS: cannot read %s (%s: CAP_SYS_PTRACE missing?): its TLS "
				"libraries are not attached",
				path, strerror(errno));
		return attached;
	}
	while (fgets(line, sizeof(line), maps)) {
		char *file = strchr(line, '/');

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (!se_tls_library_kind(file) || strstr(file, " (deleted)"))
			continue;
		/* Through the process's root: its container's file, not ours of that name */
		snprintf(path, sizeof(path), "%s/%d/root%s", proc_root, pid, file);
		attached += se_tls_consider(t, progs, path, file);
	}
	fclose(maps);
	return attached;
}

unsigned int se_tls_attach_scan(struct se_tls_attach *t, const struct se_tls_progs *progs,
				const struct se_tls_scope *scope, const char *proc_root)
{
	DIR *dir = opendir(proc_root);
	struct dirent *d;
	unsigned int attached = 0;

	if (!dir) {
		se_warn("TLS: cannot list %s: %s; no TLS library attached", proc_root,
			strerror(errno));
		return 0;
	}
	while ((d = readdir(dir))) {
		int pid;

		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = atoi(d->d_name);
		if (se_tls_in_scope(scope, proc_root, pid))
			attached += se_tls_attach_process(t, progs, proc_root, pid);
	}
	closedir(dir);
	return attached;
}

unsigned long long se_tls_process_start(const char *proc_root, int pid)
{
	char path[64], stat[1024];
	unsigned long long start = 0;
	const char *after_name;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* the name, in parentheses, may hold anything: the fields start after its last ')' */
	after_name = strrchr(stat, ')');
	/* state, then fields 4 to 21, then starttime (22) */
	if (!after_name || sscanf(after_name + 1,
				  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				  "%*d %*d %*d %*d %llu",
				  &start) != 1)
		return 0;
	return start;
}

/* The libcrypto a process maps, as a path through its root (and as it sees it, in lib). */
static bool se_tls_find_libcrypto(const char *proc_root, int pid, char *path, size_t path_len,
				  char *lib, size_t lib_len)
{
	char maps[64], line[4352];
	bool found = false;
	FILE *f;

	snprintf(maps, sizeof(maps), "%s/%d/maps", proc_root, pid);
	f = fopen(maps, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');
		const char *base;

		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		base = strrchr(file, '/') + 1;
		if (strncmp(base, "libcrypto.so", 12) || strstr(file, " (deleted)"))
			continue;
		snprintf(path, path_len, "%s/%d/root%s", proc_root, pid, file);
		snprintf(lib, lib_len, "%s", file);
		found = true;
	}
	fclose(f);
	return found;
}

int se_tls_attach_memory_bio(struct se_tls_attach *t, const struct se_tls_progs *progs,
			     const char *proc_root, int pid, char *lib, size_t lib_len)
{
	unsigned long long start = se_tls_process_start(proc_root, pid);
	char path[4200];
	struct bpf_link *link;

	if (!start)
		return 0;
	for (size_t i = 0; i < t->nbios;) {
		struct se_tls_memory_bio *b = &t->bios[i];

		if (b->pid == pid && b->start == start)
			return 0;
		if (se_tls_process_start(proc_root, b->pid) == b->start) {
			i++;
			continue;
		}
		bpf_link__destroy(b->link); /* gone, or its pid taken by another process */
		*b = t->bios[--t->nbios];
	}
	if (!se_tls_find_libcrypto(proc_root, pid, path, sizeof(path), lib, lib_len))
		return 0;
	if (t->nbios == SE_TLS_MEMORY_BIO_MAX ||
	    !se_tls_grow((void **)&t->bios, &t->bios_cap, t->nbios, sizeof(*t->bios)))
		return -1;
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "BIO_write");
	link = bpf_program__attach_uprobe_opts(progs->bio_write, pid, path, 0, &opts);
	if (!link) {
		se_warn("TLS: cannot probe BIO_write in %s for process %d: %s", lib, pid,
			strerror(errno));
		return -1;
	}
	t->bios[t->nbios++] =
	    (struct se_tls_memory_bio){ .pid = pid, .start = start, .link = link };
	return 1;
}

void se_tls_attach_free(struct se_tls_attach *t)
{
	for (size_t i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	for (size_t i = 0; i < t->nbios; i++)
		bpf_link__destroy(t->bios[i].link);
	free(t->bios);
	free(t->links);
	free(t->files);
	free(t->roots);
	*t = (struct se_tls_attach){ 0 };
}
