// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Corpus replayer: a main() for a libFuzzer target, so its corpus runs as an ordinary ctest
 * without libFuzzer (and with gcc). Each argument is a file or a directory; every regular file
 * in a directory is fed to LLVMFuzzerTestOneInput once, in name order so a failure reproduces.
 * A target signals a bug by aborting; finding no input at all is an error too, so a missing or
 * misnamed corpus cannot pass silently.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs above this are not corpus entries (libFuzzer's default -max_len is far below). */
#define REPLAY_MAX_INPUT (16u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int ret = -1;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || len > (long)REPLAY_MAX_INPUT ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "replay: %s: cannot size it\n", path);
		goto out;
	}
	/* One extra byte so an empty input still gets a valid, distinct pointer. */
	buf = malloc((size_t)len + 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: cannot read it\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	ret = 0;
out:
	free(buf);
	fclose(f);
	return ret;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Returns the number of inputs replayed, or -1 on an error. */
static int replay_path(const char *path)
{
	struct dirent **ents;
	struct stat sb;
	int n, count = 0;

	if (stat(path, &sb)) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return replay_file(path) ? -1 : 1;
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char child[4096];

		if (count >= 0 && ents[i]->d_name[0] != '.') {
			snprintf(child, sizeof(child), "%s/%s", path, ents[i]->d_name);
			if (stat(child, &sb) == 0 && S_ISREG(sb.st_mode))
				count = replay_file(child) ? -1 : count + 1;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

int main(int argc, char **argv)
{
	int total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = replay_path(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	if (!total) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	printf("replay: %d inputs ran without a failure\n", total);
	return 0;
}
