/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Logging to stderr, one line per message, prefixed "sockeye: ". Never called per event on
 * the hot path: failures there are counted, not logged.
 */
#ifndef SOCKEYE_LOG_H
#define SOCKEYE_LOG_H

enum se_log_level {
	SE_LOG_ERROR = 0,
	SE_LOG_WARN = 1,
	SE_LOG_INFO = 2,
	SE_LOG_DEBUG = 3,
};

/* Messages above this level are dropped. Set once at start (Context: main, before threads). */
void se_log_set_level(enum se_log_level level);
enum se_log_level se_log_get_level(void);

/* Context: any thread (one write(2) per line, so lines do not interleave). */
void se_log(enum se_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define se_err(...)   se_log(SE_LOG_ERROR, __VA_ARGS__)
#define se_warn(...)  se_log(SE_LOG_WARN, __VA_ARGS__)
#define se_info(...)  se_log(SE_LOG_INFO, __VA_ARGS__)
#define se_debug(...) se_log(SE_LOG_DEBUG, __VA_ARGS__)

#endif /* SOCKEYE_LOG_H */
