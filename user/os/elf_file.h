/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * elf_file.h - what pmtrace needs from an ELF file on disk: symbols from
 * .symtab and .dynsym, the file offset of a virtual address, bytes at an
 * address and the addend of a relative relocation.
 */
#ifndef PMT_ELF_FILE_H
#define PMT_ELF_FILE_H

#include <stddef.h>
#include <stdint.h>

struct pmt_elf;

/* Open @path; NULL with errno set on failure. */
struct pmt_elf *pmt_elf_open(const char *path);
/* Close; accepts NULL. */
void pmt_elf_close(struct pmt_elf *e);

/*
 * Look up a function or object symbol by exact name in .symtab, then
 * .dynsym. On success stores its virtual address and size and returns 0;
 * -ENOENT when absent.
 */
int pmt_elf_symbol(struct pmt_elf *e, const char *name, uint64_t *vaddr, uint64_t *size);

/* File offset of virtual address @vaddr (inside a PT_LOAD), or -ENOENT. */
int pmt_elf_vaddr_to_offset(struct pmt_elf *e, uint64_t vaddr, uint64_t *offset);

/* Copy @len bytes of the file image at @vaddr. Returns 0 or -errno. */
int pmt_elf_read(struct pmt_elf *e, uint64_t vaddr, void *buf, size_t len);

/* Addend of the R_*_RELATIVE relocation at @vaddr, or -ENOENT. */
int pmt_elf_relative_addend(struct pmt_elf *e, uint64_t vaddr, uint64_t *addend);

/* The first executable PT_LOAD segment's address and file size, or -ENOENT. */
int pmt_elf_exec_segment(struct pmt_elf *e, uint64_t *vaddr, uint64_t *size);

/*
 * The USDT probe @provider:@name (a SystemTap note in .note.stapsdt): file
 * offsets of its location and of its semaphore (0 when it has none), the
 * location adjusted for prelinking as .stapsdt.base says. 0 or -ENOENT.
 */
int pmt_elf_usdt(struct pmt_elf *e, const char *provider, const char *name, uint64_t *loc_off,
		 uint64_t *sema_off);

/* 1 for ET_DYN (PIE or shared object), 0 for ET_EXEC. */
int pmt_elf_is_dyn(struct pmt_elf *e);

#endif
