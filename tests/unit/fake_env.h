/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A fake environment for the code that reads variables through a lookup function
 * (se_config_apply_env, se_otlp_resource_init): tests set pairs with setenv_fake and pass
 * fake_getenv. env[] and nenv are open to tests that change a value in place or start over.
 * Linked into a test with sockeye_unit_fake_env() (tests/unit/CMakeLists.txt).
 */
#ifndef SOCKEYE_TEST_FAKE_ENV_H
#define SOCKEYE_TEST_FAKE_ENV_H

#define ENV_MAX 8

struct fake_env_var {
	const char *name, *value;
};

extern struct fake_env_var env[ENV_MAX];
extern unsigned int nenv;

const char *fake_getenv(const char *name);
/* Append a variable (a name set twice: the first wins, as fake_getenv looks in order). */
void setenv_fake(const char *name, const char *value);

#endif /* SOCKEYE_TEST_FAKE_ENV_H */
