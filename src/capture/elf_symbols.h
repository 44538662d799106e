/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Whether an ELF file defines a function: how an executable with a TLS library linked into
 * it (Node.js carries its own OpenSSL) is told from one that only calls a shared library.
 *
 * Context: main at start, then the TLS watcher process (tls_watch.h).
 */
#ifndef SOCKEYE_ELF_SYMBOLS_H
#define SOCKEYE_ELF_SYMBOLS_H

#include <stdbool.h>

/*
 * True if the ELF object at path defines a function named symbol, in its dynamic symbol table
 * or its full one (an executable may export nothing yet keep .symtab). False for anything
 * else: a symbol it only imports, a file that is not ELF, one that cannot be read.
 */
bool se_elf_defines_function(const char *path, const char *symbol);

#endif /* SOCKEYE_ELF_SYMBOLS_H */
