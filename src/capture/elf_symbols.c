// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Function lookup in an ELF file's symbol tables, with libelf (see elf_symbols.h).
 */
#include "capture/elf_symbols.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>

static bool se_elf_section_defines(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, const char *symbol)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;

	if (!data || !sh->sh_entsize)
		return false;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (name && !strcmp(name, symbol))
			return true;
	}
	return false;
}

bool se_elf_defines_function(const char *path, const char *symbol)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_kind(elf) == ELF_K_ELF) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;

			if (gelf_getshdr(scn, &sh) &&
			    (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB))
				found = se_elf_section_defines(elf, scn, &sh, symbol);
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}
