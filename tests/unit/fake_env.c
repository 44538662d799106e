// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fake environment of the unit tests (see fake_env.h).
 */
#include "fake_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

struct fake_env_var env[ENV_MAX];
unsigned int nenv;

const char *fake_getenv(const char *name)
{
	for (unsigned int i = 0; i < nenv; i++)
		if (!strcmp(env[i].name, name))
			return env[i].value;
	return NULL;
}

void setenv_fake(const char *name, const char *value)
{
	assert_true(nenv < ENV_MAX);
	env[nenv].name = name;
	env[nenv++].value = value;
}
