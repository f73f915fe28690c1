/*
 * baseline_elf.c: how a shipped ELF binary was hardened, read from its
 * bytes (baseline.h, wb_baseline_elf_check).
 *
 * The file is attacker-controlled, so nothing in it is trusted: every
 * table (program headers, section headers, the dynamic section, symbol
 * and string tables) is located through an offset and a size that are
 * checked against the buffer, with overflow-checked arithmetic, before a
 * byte of it is read; counts are bounded by what the buffer can hold. A
 * table that does not fit is ignored and flagged (symbols_truncated),
 * never followed. 32- and 64-bit files of either byte order go through
 * the same code: fields are read by offset with explicit width and order.
 *
 * The verdicts follow the published conventions that Debian's
 * hardening-check and checksec apply (docs/formats/baseline.md has the
 * comparison): PIE is ET_DYN with PT_INTERP, or DF_1_PIE in DT_FLAGS_1;
 * RELRO is PT_GNU_RELRO, full when the dynamic section also asks for
 * BIND_NOW (DT_BIND_NOW, DF_BIND_NOW in DT_FLAGS or DF_1_NOW in
 * DT_FLAGS_1); NX is a PT_GNU_STACK without PF_X (a missing one means an
 * executable stack to the kernel on most architectures); the stack
 * protector and FORTIFY are judged by the functions the file imports:
 * __stack_chk_fail (or __stack_chk_guard, __intel_security_cookie), and
 * any __*_chk against the glibc functions that have a checked variant.
 * Symbols come from .dynsym, or .symtab when a static file has no .dynsym.
 */
#include <string.h>

#include "internal.h"
#include "waybill/baseline.h"

#define ET_REL  1
#define ET_EXEC 2
#define ET_DYN  3

#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PT_GNU_STACK  0x6474e551u
#define PT_GNU_RELRO  0x6474e552u
#define PF_X          1u
#define SHT_SYMTAB    2u
#define SHT_DYNSYM    11u
#define SHN_UNDEF     0u
#define PN_XNUM       0xffffu
#define DT_NULL       0
#define DT_BIND_NOW   24
#define DT_FLAGS      30
#define DT_FLAGS_1    0x6ffffffbLL
#define DF_BIND_NOW   0x8u
#define DF_1_NOW      0x1u
#define DF_1_PIE      0x08000000u
#define STT_NOTYPE    0
#define STT_OBJECT    1
#define STT_FUNC      2
#define STT_GNU_IFUNC 10

/* bounds: tables larger than these are not read whole */
#define MAX_SYMBOLS 1000000u
#define MAX_NAME    1024u

/* The glibc functions that have a __NAME_chk variant (glibc 2.36's
 * exported __*_chk symbols): importing one of these unchecked, and no
 * checked one, means FORTIFY_SOURCE was not in effect where it could be. */
static const char *const fortifiable_names[] = {
    "asprintf",       "confstr",        "dprintf",
    "explicit_bzero", "fdelt",          "fgets",
    "fgets_unlocked", "fgetws",         "fgetws_unlocked",
    "fprintf",        "fread",          "fread_unlocked",
    "fwprintf",       "getcwd",         "getdomainname",
    "getgroups",      "gethostname",    "getlogin_r",
    "gets",           "getwd",          "longjmp",
    "mbsnrtowcs",     "mbsrtowcs",      "mbstowcs",
    "memcpy",         "memmove",        "mempcpy",
    "memset",         "obstack_printf", "obstack_vprintf",
    "poll",           "ppoll",          "pread64",
    "pread",          "printf",         "ptsname_r",
    "read",           "readlink",       "readlinkat",
    "realpath",       "recv",           "recvfrom",
    "snprintf",       "sprintf",        "stpcpy",
    "stpncpy",        "strcat",         "strcpy",
    "strncat",        "strncpy",        "swprintf",
    "syslog",         "ttyname_r",      "vasprintf",
    "vdprintf",       "vfprintf",       "vfwprintf",
    "vprintf",        "vsnprintf",      "vsprintf",
    "vswprintf",      "vsyslog",        "vwprintf",
    "wcpcpy",         "wcpncpy",        "wcrtomb",
    "wcscat",         "wcscpy",         "wcsncat",
    "wcsncpy",        "wcsnrtombs",     "wcsrtombs",
    "wcstombs",       "wctomb",         "wmemcpy",
    "wmemmove",       "wmempcpy",       "wmemset",
    "wprintf",
};

typedef struct {
    const unsigned char *data;
    size_t len;
    bool is64, big;
} elf_file;

/* --- bounded field access --- */

static bool span_ok(const elf_file *f, uint64_t off, uint64_t size)
{
    return off <= f->len && size <= f->len - off;
}

static uint64_t rd(const elf_file *f, uint64_t off, unsigned width)
{
    uint64_t v = 0;
    unsigned i;

    /* callers check the span first; this is the last line of defence */
    if (!span_ok(f, off, width))
        return 0;
    for (i = 0; i < width; i++) {
        unsigned shift = f->big ? 8 * (width - 1 - i) : 8 * i;
        v |= (uint64_t)f->data[off + i] << shift;
    }
    return v;
}

/* a word that is 4 bytes in 32-bit files and 8 in 64-bit ones */
static uint64_t rd_addr(const elf_file *f, uint64_t off)
{
    return rd(f, off, f->is64 ? 8 : 4);
}

typedef struct {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz;
} phdr;

typedef struct {
    uint32_t type, link;
    uint64_t offset, size, entsize, addr;
} shdr;

static void read_phdr(const elf_file *f, uint64_t at, phdr *p)
{
    p->type = (uint32_t)rd(f, at, 4);
    if (f->is64) {
        p->flags = (uint32_t)rd(f, at + 4, 4);
        p->offset = rd(f, at + 8, 8);
        p->vaddr = rd(f, at + 16, 8);
        p->filesz = rd(f, at + 32, 8);
    } else {
        p->offset = rd(f, at + 4, 4);
        p->vaddr = rd(f, at + 8, 4);
        p->filesz = rd(f, at + 16, 4);
        p->flags = (uint32_t)rd(f, at + 24, 4);
    }
}

static void read_shdr(const elf_file *f, uint64_t at, shdr *s)
{
    s->type = (uint32_t)rd(f, at + 4, 4);
    if (f->is64) {
        s->addr = rd(f, at + 16, 8);
        s->offset = rd(f, at + 24, 8);
        s->size = rd(f, at + 32, 8);
        s->link = (uint32_t)rd(f, at + 40, 4);
        s->entsize = rd(f, at + 56, 8);
    } else {
        s->addr = rd(f, at + 12, 4);
        s->offset = rd(f, at + 16, 4);
        s->size = rd(f, at + 20, 4);
        s->link = (uint32_t)rd(f, at + 24, 4);
        s->entsize = rd(f, at + 36, 4);
    }
}

/* --- symbols --- */

static bool is_fortifiable(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(fortifiable_names) / sizeof(fortifiable_names[0]); i++)
        if (strlen(fortifiable_names[i]) == len && memcmp(fortifiable_names[i], name, len) == 0)
            return true;
    return false;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* One undefined symbol: what it says about the stack protector and
 * FORTIFY. `name` is not NUL-terminated; a "@VERSION" suffix (.symtab of
 * newer linkers) is cut off. */
static void note_import(wb_baseline_elf *out, const char *name, size_t len, unsigned type)
{
    const char *at = memchr(name, '@', len);

    if (at)
        len = (size_t)(at - name);
    if (len == 0)
        return;
    if (name_is(name, len, "__stack_chk_fail") || name_is(name, len, "__stack_chk_guard") ||
        name_is(name, len, "__intel_security_cookie"))
        out->stack_protector = WB_ELF_YES;
    if (type != STT_FUNC && type != STT_NOTYPE && type != STT_GNU_IFUNC)
        return;
    out->imported++;
    if (len > 6 && memcmp(name, "__", 2) == 0 && memcmp(name + len - 4, "_chk", 4) == 0)
        out->fortified++;
    else if (is_fortifiable(name, len))
        out->fortifiable++;
}

/* Walk `count` symbols of `entsize` bytes at `off`, names in the string
 * table at [str_off, str_off + str_size). Both spans are checked here. */
static void scan_symbols(const elf_file *f, wb_baseline_elf *out, uint64_t off, uint64_t count,
                         uint64_t entsize, uint64_t str_off, uint64_t str_size)
{
    uint64_t min_entsize = f->is64 ? 24 : 16, i, total;

    if (entsize < min_entsize || !span_ok(f, str_off, str_size)) {
        out->symbols_truncated = true;
        return;
    }
    if (count > MAX_SYMBOLS) {
        count = MAX_SYMBOLS;
        out->symbols_truncated = true;
    }
    if (__builtin_mul_overflow(count, entsize, &total) || !span_ok(f, off, total)) {
        /* read what fits */
        out->symbols_truncated = true;
        count = off <= f->len ? (f->len - off) / entsize : 0;
    }
    for (i = 1; i < count; i++) { /* entry 0 is the null symbol */
        uint64_t at = off + i * entsize, name_off;
        unsigned info, shndx;
        const char *name, *end;
        size_t max;

        name_off = rd(f, at, 4);
        if (f->is64) {
            info = (unsigned)rd(f, at + 4, 1);
            shndx = (unsigned)rd(f, at + 6, 2);
        } else {
            info = (unsigned)rd(f, at + 12, 1);
            shndx = (unsigned)rd(f, at + 14, 2);
        }
        if (shndx != SHN_UNDEF || name_off >= str_size)
            continue;
        name = (const char *)f->data + str_off + name_off;
        max = (size_t)(str_size - name_off);
        if (max > MAX_NAME)
            max = MAX_NAME;
        end = memchr(name, '\0', max);
        if (!end)
            continue; /* unterminated within the table: not a name */
        note_import(out, name, (size_t)(end - name), info & 0xf);
    }
}

/* The file offset of virtual address `vaddr`, through the PT_LOAD
 * segments; false when no segment holds it. */
static bool vaddr_to_offset(const elf_file *f, uint64_t phoff, uint64_t phentsize, uint64_t phnum,
                            uint64_t vaddr, uint64_t *off)
{
    uint64_t i;

    for (i = 0; i < phnum; i++) {
        phdr p;
        read_phdr(f, phoff + i * phentsize, &p);
        if (p.type == 1 /* PT_LOAD */ && vaddr >= p.vaddr && vaddr - p.vaddr < p.filesz) {
            *off = p.offset + (vaddr - p.vaddr);
            return true;
        }
    }
    return false;
}

int wb_baseline_elf_check(wb_baseline_elf *out, const void *data, size_t len)
{
    elf_file f;
    uint64_t phoff, shoff, phentsize, shentsize, phnum, shnum, i, total;
    uint64_t dyn_off = 0, dyn_size = 0;
    uint64_t dt_symtab = 0, dt_strtab = 0, dt_strsz = 0, dt_syment = 0, dt_hash = 0;
    bool has_interp = false, has_relro = false, df_1_pie = false;
    bool any_symbols = false;
    unsigned type;

    if (!out || (!data && len))
        return wb_error_set(WB_EINVAL, "wb_baseline_elf_check: NULL argument");
    memset(out, 0, sizeof(*out));
    f.data = data;
    f.len = len;
    if (len < 52 || memcmp(data, "\177ELF", 4) != 0)
        return wb_error_set(WB_EFORMAT, "not an ELF file");
    if (f.data[4] != 1 && f.data[4] != 2)
        return wb_error_set(WB_EFORMAT, "ELF: unknown class %u", f.data[4]);
    if (f.data[5] != 1 && f.data[5] != 2)
        return wb_error_set(WB_EFORMAT, "ELF: unknown byte order %u", f.data[5]);
    f.is64 = f.data[4] == 2;
    f.big = f.data[5] == 2;
    if (f.is64 && len < 64)
        return wb_error_set(WB_EFORMAT, "ELF: header cut short");
    out->elf_class = f.is64 ? 64 : 32;
    out->big_endian = f.big;
    type = (unsigned)rd(&f, 16, 2);
    out->machine = (uint16_t)rd(&f, 18, 2);
    if (f.is64) {
        phoff = rd(&f, 32, 8);
        shoff = rd(&f, 40, 8);
        phentsize = rd(&f, 54, 2);
        phnum = rd(&f, 56, 2);
        shentsize = rd(&f, 58, 2);
        shnum = rd(&f, 60, 2);
    } else {
        phoff = rd(&f, 28, 4);
        shoff = rd(&f, 32, 4);
        phentsize = rd(&f, 42, 2);
        phnum = rd(&f, 44, 2);
        shentsize = rd(&f, 46, 2);
        shnum = rd(&f, 48, 2);
    }
    if (shentsize < (uint64_t)(f.is64 ? 64 : 40) || shoff == 0)
        shnum = 0;
    /* more than 0xfffe entries: the real counts sit in section 0 */
    if (shoff != 0 && shentsize >= (uint64_t)(f.is64 ? 64 : 40) && span_ok(&f, shoff, shentsize) &&
        (phnum == PN_XNUM || shnum == 0)) {
        shdr zero;
        uint64_t info = rd(&f, shoff + (f.is64 ? 44 : 28), 4);
        read_shdr(&f, shoff, &zero);
        if (phnum == PN_XNUM)
            phnum = info;
        if (shnum == 0)
            shnum = zero.size;
    }
    if (phentsize < (uint64_t)(f.is64 ? 56 : 32) ||
        __builtin_mul_overflow(phnum, phentsize, &total) || !span_ok(&f, phoff, total))
        phnum = 0; /* no usable program headers */
    if (__builtin_mul_overflow(shnum, shentsize, &total) || !span_ok(&f, shoff, total))
        shnum = 0;

    for (i = 0; i < phnum; i++) {
        phdr p;
        read_phdr(&f, phoff + i * phentsize, &p);
        switch (p.type) {
        case PT_INTERP:
            has_interp = true;
            break;
        case PT_GNU_RELRO:
            has_relro = true;
            break;
        case PT_GNU_STACK:
            out->gnu_stack = true;
            out->nx = (p.flags & PF_X) == 0;
            break;
        case PT_DYNAMIC:
            out->dynamic = true;
            dyn_off = p.offset;
            dyn_size = p.filesz;
            break;
        default:
            break;
        }
    }

    if (out->dynamic && span_ok(&f, dyn_off, dyn_size)) {
        uint64_t entsize = f.is64 ? 16 : 8, n = dyn_size / entsize;
        for (i = 0; i < n; i++) {
            uint64_t at = dyn_off + i * entsize;
            int64_t tag = f.is64 ? (int64_t)rd(&f, at, 8) : (int64_t)(int32_t)rd(&f, at, 4);
            uint64_t val = rd_addr(&f, at + (f.is64 ? 8 : 4));
            if (tag == DT_NULL)
                break;
            if (tag == DT_BIND_NOW)
                out->bind_now = true;
            else if (tag == DT_FLAGS && (val & DF_BIND_NOW))
                out->bind_now = true;
            else if (tag == DT_FLAGS_1) {
                if (val & DF_1_NOW)
                    out->bind_now = true;
                if (val & DF_1_PIE)
                    df_1_pie = true;
            } else if (tag == 6) /* DT_SYMTAB */
                dt_symtab = val;
            else if (tag == 5) /* DT_STRTAB */
                dt_strtab = val;
            else if (tag == 10) /* DT_STRSZ */
                dt_strsz = val;
            else if (tag == 11) /* DT_SYMENT */
                dt_syment = val;
            else if (tag == 4) /* DT_HASH */
                dt_hash = val;
        }
    }

    if (has_relro)
        out->relro = out->bind_now ? WB_ELF_RELRO_FULL : WB_ELF_RELRO_PARTIAL;
    if (type == ET_EXEC)
        out->kind = WB_ELF_KIND_EXECUTABLE;
    else if (type == ET_DYN)
        out->kind = has_interp || df_1_pie ? WB_ELF_KIND_PIE : WB_ELF_KIND_SHARED;
    else
        out->kind = WB_ELF_KIND_OTHER;

    /* symbols: the first .dynsym; the first .symtab only when there is
     * no .dynsym (one table each, so a file of many tables costs no more) */
    {
        uint64_t pick = shnum, symtab = shnum;
        for (i = 0; i < shnum && pick == shnum; i++) {
            shdr s;
            read_shdr(&f, shoff + i * shentsize, &s);
            if (s.type == SHT_DYNSYM)
                pick = i;
            else if (s.type == SHT_SYMTAB && symtab == shnum)
                symtab = i;
        }
        if (pick == shnum)
            pick = symtab;
        if (pick < shnum) {
            shdr s, str;
            any_symbols = true;
            read_shdr(&f, shoff + pick * shentsize, &s);
            if (s.link >= shnum || s.entsize == 0) {
                out->symbols_truncated = true;
            } else {
                read_shdr(&f, shoff + (uint64_t)s.link * shentsize, &str);
                scan_symbols(&f, out, s.offset, s.size / s.entsize, s.entsize, str.offset,
                             str.size);
            }
        }
    }
    /* no section headers (stripped with sstrip and the like): the dynamic
     * section still locates the symbol table; DT_HASH gives its length */
    if (!any_symbols && dt_symtab && dt_strtab && dt_hash) {
        uint64_t sym_off, str_off, hash_off;
        if (vaddr_to_offset(&f, phoff, phentsize, phnum, dt_symtab, &sym_off) &&
            vaddr_to_offset(&f, phoff, phentsize, phnum, dt_strtab, &str_off) &&
            vaddr_to_offset(&f, phoff, phentsize, phnum, dt_hash, &hash_off) &&
            span_ok(&f, hash_off, 8)) {
            any_symbols = true;
            scan_symbols(&f, out, sym_off, rd(&f, hash_off + 4, 4),
                         dt_syment ? dt_syment : (f.is64 ? 24 : 16), str_off, dt_strsz);
        }
    }

    if (out->stack_protector != WB_ELF_YES)
        out->stack_protector = any_symbols ? WB_ELF_NO : WB_ELF_UNKNOWN;
    if (out->fortified)
        out->fortify = WB_ELF_YES;
    else
        out->fortify = out->fortifiable ? WB_ELF_NO : WB_ELF_UNKNOWN;
    return 0;
}
