// SPDX-License-Identifier: BSD-2-Clause
/*
 * elf_file.c - ELF symbol and layout look-ups through libelf.
 *
 * Files are mapped read-only once; look-ups walk the symbol tables
 * linearly, which is fine for the handful of symbols pmtrace resolves at
 * attach time.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/elf_file.h"

struct pmt_elf {
	int fd;
	Elf *elf;
};

struct pmt_elf *pmt_elf_open(const char *path)
{
	struct pmt_elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		goto err;
	e->elf = elf_begin(e->fd, ELF_C_READ_MMAP, NULL);
	if (!e->elf || elf_kind(e->elf) != ELF_K_ELF) {
		errno = ENOEXEC;
		goto err;
	}
	return e;
err:
	pmt_elf_close(e);
	return NULL;
}

void pmt_elf_close(struct pmt_elf *e)
{
	int saved = errno;

	if (!e)
		return;
	if (e->elf)
		elf_end(e->elf);
	if (e->fd >= 0)
		close(e->fd);
	free(e);
	errno = saved;
}

static int find_in(struct pmt_elf *e, Elf64_Word type, const char *name, uint64_t *vaddr,
		   uint64_t *size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != type || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
			    GELF_ST_TYPE(sym.st_info) != STT_OBJECT &&
			    GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC)
				continue;
			s = elf_strptr(e->elf, sh.sh_link, sym.st_name);
			if (s && !strcmp(s, name)) {
				*vaddr = sym.st_value;
				if (size)
					*size = sym.st_size;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int pmt_elf_symbol(struct pmt_elf *e, const char *name, uint64_t *vaddr, uint64_t *size)
{
	if (!find_in(e, SHT_SYMTAB, name, vaddr, size))
		return 0;
	return find_in(e, SHT_DYNSYM, name, vaddr, size);
}

int pmt_elf_vaddr_to_offset(struct pmt_elf *e, uint64_t vaddr, uint64_t *offset)
{
	size_t i, n;
	GElf_Phdr ph;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*offset = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int pmt_elf_read(struct pmt_elf *e, uint64_t vaddr, void *buf, size_t len)
{
	uint64_t off;
	ssize_t r;
	int err;

	err = pmt_elf_vaddr_to_offset(e, vaddr, &off);
	if (err)
		return err;
	r = pread(e->fd, buf, len, (off_t)off);
	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}

int pmt_elf_relative_addend(struct pmt_elf *e, uint64_t vaddr, uint64_t *addend)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 0; i < n; i++) {
			GElf_Rela r;

			if (!gelf_getrela(data, (int)i, &r) || r.r_offset != vaddr)
				continue;
			*addend = (uint64_t)r.r_addend;
			return 0;
		}
	}
	return -ENOENT;
}

int pmt_elf_is_dyn(struct pmt_elf *e)
{
	GElf_Ehdr eh;

	if (!gelf_getehdr(e->elf, &eh))
		return -EINVAL;
	return eh.e_type == ET_DYN;
}

int pmt_elf_exec_segment(struct pmt_elf *e, uint64_t *vaddr, uint64_t *size)
{
	GElf_Phdr ph;
	size_t n, i;

	if (elf_getphdrnum(e->elf, &n))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!gelf_getphdr(e->elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		*vaddr = ph.p_vaddr;
		*size = ph.p_filesz;
		return 0;
	}
	return -ENOENT;
}

/* The address of section @name, or 0. */
static uint64_t section_addr(struct pmt_elf *e, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(e->elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(e->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(e->elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return sh.sh_addr;
	}
	return 0;
}

#define PMT_NT_STAPSDT 3

int pmt_elf_usdt(struct pmt_elf *e, const char *provider, const char *name, uint64_t *loc_off,
		 uint64_t *sema_off)
{
	uint64_t base_sh = section_addr(e, ".stapsdt.base");
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e->elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			const char *desc = (const char *)data->d_buf + doff, *prov, *nm, *end;
			uint64_t pc, base, sema;

			if (nh.n_type != PMT_NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((const char *)data->d_buf + noff, "stapsdt", 8) || nh.n_descsz < 26)
				continue;
			memcpy(&pc, desc, 8);
			memcpy(&base, desc + 8, 8);
			memcpy(&sema, desc + 16, 8);
			end = desc + nh.n_descsz;
			prov = desc + 24;
			nm = memchr(prov, 0, (size_t)(end - prov));
			if (!nm || ++nm >= end || !memchr(nm, 0, (size_t)(end - nm)))
				continue;
			if (strcmp(prov, provider) || strcmp(nm, name))
				continue;
			if (base_sh && base)
				pc += base_sh - base;
			if (pmt_elf_vaddr_to_offset(e, pc, loc_off))
				return -ENOENT;
			*sema_off = 0;
			if (sema && pmt_elf_vaddr_to_offset(e, sema, sema_off))
				return -ENOENT;
			return 0;
		}
	}
	return -ENOENT;
}
