// ELF64 parsing for the RV64 loader; see elf_loader.hpp for the contract and the biases.
#include "vm/rv64/elf_loader.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace strata::vm::rv64 {
namespace {

constexpr size_t kEhdrSize = 64;
constexpr size_t kPhdrSize = 56;
constexpr uint16_t kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1, kPtInterp = 3, kPtPhdr = 6;
constexpr uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4;
// Linux refuses program header tables over 64 KiB; so do we.
constexpr uint64_t kMaxPhdrBytes = 65536;
constexpr uint64_t kMaxInterpPath = 4096;

// Little-endian field readers; callers have bounds-checked [off, off + N).
uint16_t rd16(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
uint32_t rd32(std::span<const uint8_t> b, size_t off) {
  return uint32_t{rd16(b, off)} | (uint32_t{rd16(b, off + 2)} << 16);
}
uint64_t rd64(std::span<const uint8_t> b, size_t off) {
  return uint64_t{rd32(b, off)} | (uint64_t{rd32(b, off + 4)} << 32);
}

uint64_t page_down(uint64_t v) {
  return v & ~(kPageSize - 1);
}

const char* machine_name(uint16_t m) {
  switch (m) {
    case 3: return "x86";
    case 8: return "MIPS";
    case 20: return "PowerPC";
    case 21: return "PowerPC64";
    case 22: return "s390";
    case 40: return "ARM";
    case 62: return "x86-64";
    case 183: return "AArch64";
    case 258: return "LoongArch";
    default: return "an unknown machine";
  }
}

struct Phdr {
  uint32_t type, flags;
  uint64_t offset, vaddr, filesz, memsz, align;
};

// `size` bytes at `off` lie inside a file of `file_size` bytes (no overflow).
bool in_file(uint64_t off, uint64_t size, uint64_t file_size) {
  return off <= file_size && size <= file_size - off;
}

Result<void> check_ident(std::span<const uint8_t> b, const std::string& what) {
  // GUEST: each identification byte is read only after the size check that covers it, so a
  // short 32-bit or big-endian file is still named as such.
  if (b.size() < 4 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
    return fail("{}: not an ELF file: bad magic", what);
  if (b.size() > 4 && b[4] == 1)
    return fail("{}: 32-bit ELF (ELFCLASS32), expected ELFCLASS64 for RV64", what);
  if (b.size() > 5 && b[5] == 2)
    return fail("{}: big-endian ELF (ELFDATA2MSB), expected little-endian", what);
  if (b.size() < kEhdrSize)
    return fail("{}: truncated ELF header: {} bytes, need {}", what, b.size(), kEhdrSize);
  if (b[4] != 2) return fail("{}: bad ELF class {}, expected ELFCLASS64 (2)", what, b[4]);
  if (b[5] != 1) return fail("{}: bad ELF data encoding {}, expected ELFDATA2LSB (1)", what, b[5]);
  if (b[6] != 1) return fail("{}: bad ELF version {}, expected 1", what, b[6]);
  return {};
}

Result<void> check_header(std::span<const uint8_t> b, const std::string& what) {
  STRATA_TRY(check_ident(b, what));
  uint16_t type = rd16(b, 16);
  uint16_t machine = rd16(b, 18);
  if (machine != kEmRiscv)
    return fail("{}: ELF for {} (e_machine {}), expected RISC-V ({})", what, machine_name(machine),
                machine, kEmRiscv);
  if (type == kEtRel) return fail("{}: relocatable object (ET_REL), not an executable", what);
  if (type == kEtCore) return fail("{}: core dump (ET_CORE), not an executable", what);
  if (type != kEtExec && type != kEtDyn)
    return fail("{}: unsupported ELF type {}, expected ET_EXEC or ET_DYN", what, type);
  return {};
}

Result<std::vector<Phdr>> read_phdrs(std::span<const uint8_t> b, const std::string& what) {
  uint64_t phoff = rd64(b, 32);
  uint16_t phentsize = rd16(b, 54);
  uint16_t phnum = rd16(b, 56);
  if (phentsize != kPhdrSize)
    return fail("{}: e_phentsize {}, expected {}", what, phentsize, kPhdrSize);
  if (phnum == 0) return fail("{}: no program headers", what);
  uint64_t table = uint64_t{phnum} * kPhdrSize;  // at most 65535 * 56: no overflow
  // GUEST: the whole table lies inside the file and is not absurdly large.
  if (table > kMaxPhdrBytes)
    return fail("{}: {} program headers: table over {} bytes", what, phnum, kMaxPhdrBytes);
  if (!in_file(phoff, table, b.size()))
    return fail("{}: truncated: program headers at {:#x}+{:#x} outside the {}-byte file", what,
                phoff, table, b.size());
  std::vector<Phdr> out;
  out.reserve(phnum);
  for (uint16_t i = 0; i < phnum; ++i) {
    size_t p = static_cast<size_t>(phoff + uint64_t{i} * kPhdrSize);
    out.push_back(Phdr{rd32(b, p), rd32(b, p + 4), rd64(b, p + 8), rd64(b, p + 16), rd64(b, p + 32),
                       rd64(b, p + 40), rd64(b, p + 48)});
  }
  return out;
}

Result<std::string> read_interp(std::span<const uint8_t> b, const Phdr& ph,
                                const std::string& what) {
  // GUEST: the path lies in the file, is bounded, and is one NUL-terminated string.
  if (!in_file(ph.offset, ph.filesz, b.size()))
    return fail("{}: PT_INTERP at {:#x}+{:#x} outside the {}-byte file", what, ph.offset, ph.filesz,
                b.size());
  if (ph.filesz < 2 || ph.filesz > kMaxInterpPath)
    return fail("{}: PT_INTERP size {} out of range", what, ph.filesz);
  auto s = b.subspan(static_cast<size_t>(ph.offset), static_cast<size_t>(ph.filesz));
  if (s.back() != 0 || std::find(s.begin(), s.end() - 1, 0) != s.end() - 1)
    return fail("{}: PT_INTERP is not one NUL-terminated path", what);
  return std::string(s.begin(), s.end() - 1);
}

// Places `ph`: ET_EXEC at p_vaddr (origin = base = 0); ET_DYN at base + (p_vaddr - origin),
// origin being the page-aligned lowest p_vaddr, so `p_vaddr - origin` never underflows.
Result<Segment> make_segment(std::span<const uint8_t> b, const Phdr& ph, uint64_t origin,
                             uint64_t base, size_t index, const std::string& what) {
  // GUEST: file bytes inside the file; memsz covers them; the biased range neither wraps nor
  // leaves the guest address space; file offset and address agree modulo the page size.
  if (!in_file(ph.offset, ph.filesz, b.size()))
    return fail("{}: segment {} file bytes {:#x}+{:#x} outside the {}-byte file", what, index,
                ph.offset, ph.filesz, b.size());
  if (ph.memsz < ph.filesz)
    return fail("{}: segment {} memsz {:#x} < filesz {:#x}", what, index, ph.memsz, ph.filesz);
  uint64_t rel = ph.vaddr - origin;
  if (base >= kGuestAddrLimit || rel >= kGuestAddrLimit - base)
    return fail("{}: segment {} at {:#x} outside the guest address space (< {:#x})", what, index,
                ph.vaddr, kGuestAddrLimit);
  uint64_t vaddr = base + rel;  // < kGuestAddrLimit
  if (ph.memsz > kGuestAddrLimit - vaddr)
    return fail("{}: segment {} at {:#x}+{:#x} outside the guest address space (< {:#x})", what,
                index, vaddr, ph.memsz, kGuestAddrLimit);
  if ((ph.vaddr - ph.offset) % kPageSize != 0)
    return fail("{}: segment {} vaddr {:#x} and offset {:#x} differ modulo the page size", what,
                index, ph.vaddr, ph.offset);
  Segment s;
  s.vaddr = vaddr;
  s.memsz = ph.memsz;
  s.perms = ph.flags & (kPermRead | kPermWrite | kPermExec);
  auto src = b.subspan(static_cast<size_t>(ph.offset), static_cast<size_t>(ph.filesz));
  s.bytes.assign(src.begin(), src.end());
  return s;
}

// Guest address of the program header table: PT_PHDR if present, else the PT_LOAD that maps
// file offset e_phoff (as Linux computes AT_PHDR), else 0.
uint64_t phdr_address(const std::vector<Phdr>& phdrs, uint64_t phoff, uint64_t bias) {
  for (const Phdr& ph : phdrs)
    if (ph.type == kPtPhdr) return ph.vaddr + bias;
  for (const Phdr& ph : phdrs)
    if (ph.type == kPtLoad && phoff >= ph.offset && phoff - ph.offset < ph.filesz)
      return ph.vaddr + (phoff - ph.offset) + bias;
  return 0;
}

}  // namespace

Result<ElfImage> parse_elf(std::span<const uint8_t> b, uint64_t dyn_base, const std::string& what) {
  STRATA_TRY(check_header(b, what));
  std::vector<Phdr> phdrs = STRATA_TRY(read_phdrs(b, what));
  ElfImage img;
  img.is_dyn = rd16(b, 16) == kEtDyn;
  img.phnum = static_cast<uint16_t>(phdrs.size());
  img.phent = kPhdrSize;

  uint64_t min_vaddr = UINT64_MAX;
  for (const Phdr& ph : phdrs) {
    if (ph.type == kPtLoad) min_vaddr = std::min(min_vaddr, ph.vaddr);
    if (ph.type == kPtInterp) {
      if (!img.interp.empty()) return fail("{}: more than one PT_INTERP", what);
      img.interp = STRATA_TRY(read_interp(b, ph, what));
    }
  }
  if (min_vaddr == UINT64_MAX) return fail("{}: no PT_LOAD segment", what);
  // The bias is modular (it "subtracts" when an ET_DYN image is linked above dyn_base);
  // make_segment places segments without wrapping.
  uint64_t origin = img.is_dyn ? page_down(min_vaddr) : 0;
  uint64_t base = img.is_dyn ? dyn_base : 0;
  img.bias = base - origin;

  uint64_t prev_end = 0;
  for (const Phdr& ph : phdrs) {
    if (ph.type != kPtLoad) continue;
    Segment s = STRATA_TRY(make_segment(b, ph, origin, base, img.segments.size(), what));
    // GUEST: PT_LOAD entries ascend and do not overlap (checked on the biased, in-range ends).
    if (!img.segments.empty() && s.vaddr < prev_end)
      return fail("{}: segment {} at {:#x} overlaps or precedes the previous one (ends {:#x})",
                  what, img.segments.size(), s.vaddr, prev_end);
    prev_end = s.vaddr + s.memsz;
    img.segments.push_back(std::move(s));
  }
  img.lowest = page_down(img.segments.front().vaddr);
  img.brk_start = page_down(prev_end + kPageSize - 1);  // prev_end < 2^38: no overflow

  img.entry = rd64(b, 24) + img.bias;
  // GUEST: the entry point must be inside an executable segment.
  bool entry_ok = std::any_of(img.segments.begin(), img.segments.end(), [&](const Segment& s) {
    return (s.perms & kPermExec) && img.entry >= s.vaddr && img.entry - s.vaddr < s.memsz;
  });
  if (!entry_ok)
    return fail("{}: entry point {:#x} is outside every executable segment", what, img.entry);
  img.phdr_addr = phdr_address(phdrs, rd64(b, 32), img.bias);
  return img;
}

Result<std::vector<uint8_t>> read_host_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail("{}: cannot open", path);
  std::vector<uint8_t> out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return fail("{}: read error", path);
  return out;
}

Result<LoadPlan> plan_load(std::span<const uint8_t> exe, const LoadOptions& options) {
  LoadPlan plan;
  plan.exe = STRATA_TRY(parse_elf(exe, options.pie_base, "executable"));
  plan.start_pc = plan.exe.entry;
  plan.brk_start = plan.exe.brk_start;
  const std::string& interp = plan.exe.interp;
  if (interp.empty()) return plan;
  if (options.sysroot.empty())
    return fail("dynamically linked (interpreter {}): give --sysroot DIR", interp);
  // GUEST: the path comes from the file; it must be absolute and stay inside the sysroot.
  if (interp.front() != '/' || interp.find("/../") != std::string::npos || interp.ends_with("/.."))
    return fail("interpreter path {} must be absolute without '..'", interp);
  std::string path = options.sysroot + interp;
  std::vector<uint8_t> bytes = STRATA_TRY(read_host_file(path));
  ElfImage ld = STRATA_TRY(parse_elf(bytes, options.interp_base, path));
  if (!ld.interp.empty()) return fail("{}: the interpreter itself names an interpreter", path);
  // The two images must not share an address.
  bool disjoint = ld.brk_start <= plan.exe.lowest || plan.exe.brk_start <= ld.lowest;
  if (!disjoint)
    return fail("{}: interpreter at {:#x}..{:#x} overlaps the executable at {:#x}..{:#x}", path,
                ld.lowest, ld.brk_start, plan.exe.lowest, plan.exe.brk_start);
  plan.start_pc = ld.entry;
  plan.at_base = ld.lowest;
  plan.interp = std::move(ld);
  return plan;
}

}  // namespace strata::vm::rv64
