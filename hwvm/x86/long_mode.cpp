#include "hwvm/x86/long_mode.hpp"

#include <cstring>

namespace strata::hwvm::x86 {

namespace {

// Access bytes: present, DPL 0, code/data (S = 1) or system (S = 0), and the type.
constexpr std::uint8_t kAccessCode = 0x9b;  // execute/read, accessed
constexpr std::uint8_t kAccessData = 0x93;  // read/write, accessed
constexpr std::uint8_t kAccessTss = 0x8b;   // 64-bit TSS, busy (what TR must hold)
constexpr std::uint8_t kFlagsCode64 = 0xa;  // G, L
constexpr std::uint8_t kFlagsData = 0xc;    // G, D/B
constexpr std::uint32_t kTssLimit = 0x67;   // 104-byte TSS

}  // namespace

BootGdt boot_gdt() {
  return {
      0,
      0,
      gdt_entry(kAccessCode, kFlagsCode64, 0, 0xfffff),
      gdt_entry(kAccessData, kFlagsData, 0, 0xfffff),
      gdt_entry(kAccessTss, 0, 0, kTssLimit),
      0,  // upper half of the TSS descriptor: base bits 32..63
  };
}

kvm_segment segment_from_descriptor(std::uint64_t d, std::uint16_t selector) {
  kvm_segment s{};
  s.base = (d >> 16 & 0xffffff) | (d >> 56 & 0xff) << 24;
  std::uint32_t limit = static_cast<std::uint32_t>((d & 0xffff) | (d >> 48 & 0xf) << 16);
  s.g = d >> 55 & 1;
  s.limit = s.g ? (limit << 12 | 0xfff) : limit;
  s.selector = selector;
  s.type = d >> 40 & 0xf;
  s.s = d >> 44 & 1;
  s.dpl = d >> 45 & 3;
  s.present = d >> 47 & 1;
  s.avl = d >> 52 & 1;
  s.l = d >> 53 & 1;
  s.db = d >> 54 & 1;
  s.unusable = s.present ? 0 : 1;
  return s;
}

Result<std::vector<std::uint8_t>> identity_page_tables(std::uint64_t base, unsigned gib) {
  if (gib < 1 || gib > 512) return fail("identity map of {} GiB: need 1..512", gib);
  if (base % kPageSize != 0) return fail("page tables at 0x{:x} are not 4 KiB aligned", base);
  std::vector<std::uint64_t> t((2 + gib) * 512, 0);
  const std::uint64_t pdpt = base + kPageSize;
  t[0] = pdpt | kPtePresent | kPteWritable;
  for (unsigned g = 0; g < gib; ++g) {
    std::uint64_t pd = base + (2 + g) * kPageSize;
    t[512 + g] = pd | kPtePresent | kPteWritable;
    for (unsigned i = 0; i < 512; ++i) {
      std::uint64_t phys = (std::uint64_t{g} << 30) | (std::uint64_t{i} << 21);
      t[(2 + g) * 512 + i] = phys | kPtePresent | kPteWritable | kPteLarge;
    }
  }
  std::vector<std::uint8_t> bytes(t.size() * sizeof(std::uint64_t));
  std::memcpy(bytes.data(), t.data(), bytes.size());
  return bytes;
}

Result<void> write_long_mode_tables(const GuestMemory& mem, const LongModeLayout& l) {
  BootGdt gdt = boot_gdt();
  STRATA_TRY(mem.write_obj(l.gdt_addr, gdt));
  auto tables = STRATA_TRY(identity_page_tables(l.pml4_addr, l.mapped_gib));
  STRATA_TRY(mem.write(l.pml4_addr, tables));
  return {};
}

void set_long_mode_sregs(kvm_sregs& sregs, const LongModeLayout& l) {
  BootGdt gdt = boot_gdt();
  sregs.gdt.base = l.gdt_addr;
  sregs.gdt.limit = sizeof(gdt) - 1;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;
  sregs.cs = segment_from_descriptor(gdt[kBootCodeSelector / 8], kBootCodeSelector);
  kvm_segment data = segment_from_descriptor(gdt[kBootDataSelector / 8], kBootDataSelector);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
  sregs.tr = segment_from_descriptor(gdt[kBootTssSelector / 8], kBootTssSelector);
  sregs.ldt = kvm_segment{};
  sregs.ldt.unusable = 1;
  sregs.ldt.type = 2;  // LDT, so a consistency check on an unusable LDTR still passes
  sregs.cr0 = kCr0Pe | kCr0Mp | kCr0Et | kCr0Ne | kCr0Pg;
  sregs.cr3 = l.pml4_addr;
  sregs.cr4 = kCr4Pae;
  sregs.efer = kEferLme | kEferLma;
}

kvm_regs long_mode_regs(std::uint64_t entry, std::uint64_t zero_page, std::uint64_t stack) {
  kvm_regs r{};
  r.rip = entry;
  r.rsi = zero_page;
  r.rsp = stack;
  r.rbp = stack;
  r.rflags = 2;
  return r;
}

void set_real_mode_segments(kvm_sregs& sregs, std::uint16_t segment) {
  for (kvm_segment* s : {&sregs.cs, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss}) {
    s->selector = segment;
    s->base = std::uint64_t{segment} << 4;
  }
}

}  // namespace strata::hwvm::x86
