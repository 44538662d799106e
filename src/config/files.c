// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The files flags and variables name, touched at start only, before capabilities are
 * dropped: --otlp-headers-file is read here once (so secrets stay off the command line and out
 * of the environment), and the TLS files are checked readable (libcurl opens them itself at
 * each new connection, so a rotated certificate is picked up).
 */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int se_config_file_check(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* All of fd, up to max bytes, into buf. The length read, or -errno (-EFBIG when larger). */
static ssize_t se_config_read_all(int fd, char *buf, size_t max)
{
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n); /* one byte more tells a larger file */

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return (ssize_t)n;
		n += (size_t)r;
		if (n > max)
			return -EFBIG;
	}
}

int se_config_read_headers_file(struct se_config *cfg, const char *path, char *err, size_t errlen)
{
	const char *flag = "--otlp-headers-file";
	char *buf = malloc(SE_OTLP_HEADERS_FILE_MAX + 1);
	unsigned int line;
	ssize_t n;
	int fd, ret;

	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", flag);
		return -ENOMEM;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	n = fd < 0 ? -errno : se_config_read_all(fd, buf, SE_OTLP_HEADERS_FILE_MAX);
	if (fd >= 0)
		close(fd);
	if (n == -EFBIG) {
		snprintf(err, errlen, "%s: %s is larger than %u KiB", flag, path,
			 SE_OTLP_HEADERS_FILE_MAX >> 10);
		ret = -EFBIG;
	} else if (n < 0) {
		snprintf(err, errlen, "%s: cannot read %s: %s", flag, path, strerror((int)-n));
		ret = (int)n;
	} else if ((ret = se_config_add_headers_text(cfg, buf, (size_t)n, &line))) {
		/* the line's text may be a secret: only its number is shown */
		if (ret == -ENOSPC)
			snprintf(err, errlen, "%s: %s line %u: more than %u headers in all", flag,
				 path, line, SE_OTLP_HEADERS_MAX);
		else
			snprintf(err, errlen,
				 "%s: %s line %u is not a NAME: VALUE header (NAME an HTTP token, "
				 "VALUE without CR or NUL), or is too long",
				 flag, path, line);
	}
	explicit_bzero(buf, SE_OTLP_HEADERS_FILE_MAX + 1);
	free(buf);
	return ret;
}
