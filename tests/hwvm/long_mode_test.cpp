// GDT, identity page tables and the 64-bit entry register state, field by field.
#include "hwvm/x86/long_mode.hpp"

#include <cstring>

#include <gtest/gtest.h>

namespace strata::hwvm::x86 {
namespace {

std::uint64_t entry_at(const std::vector<std::uint8_t>& t, std::size_t index) {
  std::uint64_t v;
  std::memcpy(&v, t.data() + index * 8, 8);
  return v;
}

TEST(Gdt, BootDescriptors) {
  BootGdt gdt = boot_gdt();
  EXPECT_EQ(gdt[0], 0u);
  EXPECT_EQ(gdt[1], 0u);
  // The well-known encodings: 64-bit code (G, L, P, S, execute/read) and flat data.
  EXPECT_EQ(gdt[kBootCodeSelector / 8], 0x00af9b000000ffffu);
  EXPECT_EQ(gdt[kBootDataSelector / 8], 0x00cf93000000ffffu);
  EXPECT_EQ(gdt[kBootTssSelector / 8], 0x00008b0000000067u);
  EXPECT_EQ(gdt[5], 0u);
  EXPECT_EQ(gdt_entry(0x9b, 0xc, 0x12345678, 0xabcde), 0x12ca9b345678bcdeu);
}

TEST(Gdt, SegmentFromDescriptor) {
  BootGdt gdt = boot_gdt();
  kvm_segment cs = segment_from_descriptor(gdt[2], kBootCodeSelector);
  EXPECT_EQ(cs.base, 0u);
  EXPECT_EQ(cs.limit, 0xffffffffu);
  EXPECT_EQ(cs.selector, 0x10);
  EXPECT_EQ(cs.type, 0xb);
  EXPECT_EQ(cs.present, 1);
  EXPECT_EQ(cs.dpl, 0);
  EXPECT_EQ(cs.db, 0);  // must be 0 when L = 1
  EXPECT_EQ(cs.s, 1);
  EXPECT_EQ(cs.l, 1);
  EXPECT_EQ(cs.g, 1);
  EXPECT_EQ(cs.unusable, 0);
  kvm_segment ds = segment_from_descriptor(gdt[3], kBootDataSelector);
  EXPECT_EQ(ds.type, 0x3);
  EXPECT_EQ(ds.db, 1);
  EXPECT_EQ(ds.l, 0);
  EXPECT_EQ(ds.limit, 0xffffffffu);
  kvm_segment tr = segment_from_descriptor(gdt[4], kBootTssSelector);
  EXPECT_EQ(tr.type, 0xb);
  EXPECT_EQ(tr.s, 0);
  EXPECT_EQ(tr.g, 0);
  EXPECT_EQ(tr.limit, 0x67u);
  kvm_segment odd = segment_from_descriptor(gdt_entry(0x93, 0x4, 0xfedcba98, 0x12345), 0x28);
  EXPECT_EQ(odd.base, 0xfedcba98u);
  EXPECT_EQ(odd.limit, 0x12345u);  // G clear: byte granular
  EXPECT_EQ(segment_from_descriptor(0, 0).unusable, 1);
}

TEST(PageTables, IdentityMapOneGiB) {
  auto t = identity_page_tables(0x9000, 1);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->size(), 3u * 4096);
  EXPECT_EQ(entry_at(*t, 0), 0xa000u | 0x3);  // PML4[0] → PDPT, present + writable
  for (std::size_t i = 1; i < 512; ++i) ASSERT_EQ(entry_at(*t, i), 0u);
  EXPECT_EQ(entry_at(*t, 512), 0xb000u | 0x3);  // PDPT[0] → PD
  EXPECT_EQ(entry_at(*t, 513), 0u);
  EXPECT_EQ(entry_at(*t, 1024), 0x83u);  // PD[0]: 2 MiB page at 0
  EXPECT_EQ(entry_at(*t, 1025), 0x200000u | 0x83);
  EXPECT_EQ(entry_at(*t, 1024 + 511), 0x3fe00000u | 0x83);
}

TEST(PageTables, IdentityMapFourGiB) {
  auto t = identity_page_tables(0x10000, 4);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->size(), 6u * 4096);
  for (unsigned g = 0; g < 4; ++g) {
    EXPECT_EQ(entry_at(*t, 512 + g), (0x12000u + g * 0x1000) | 0x3);
    EXPECT_EQ(entry_at(*t, (2 + g) * 512), (std::uint64_t{g} << 30) | 0x83);
  }
  EXPECT_EQ(entry_at(*t, 5 * 512 + 511), 0xffe00000u | 0x83);  // last 2 MiB below 4 GiB
}

TEST(PageTables, RejectsBadArguments) {
  EXPECT_FALSE(identity_page_tables(0x9000, 0));
  EXPECT_FALSE(identity_page_tables(0x9000, 513));
  EXPECT_FALSE(identity_page_tables(0x9001, 1));
}

TEST(LongMode, Sregs) {
  kvm_sregs s{};
  LongModeLayout l;
  set_long_mode_sregs(s, l);
  EXPECT_EQ(s.cr0, 0x80000033u);
  EXPECT_EQ(s.cr3, 0x9000u);
  EXPECT_EQ(s.cr4, 0x20u);
  EXPECT_EQ(s.efer, 0x500u);
  EXPECT_EQ(s.gdt.base, 0x500u);
  EXPECT_EQ(s.gdt.limit, 6 * 8 - 1);
  EXPECT_EQ(s.idt.limit, 0);
  EXPECT_EQ(s.cs.selector, 0x10);
  EXPECT_EQ(s.cs.l, 1);
  for (const kvm_segment* seg : {&s.ds, &s.es, &s.fs, &s.gs, &s.ss}) {
    EXPECT_EQ(seg->selector, 0x18);
    EXPECT_EQ(seg->type, 0x3);
    EXPECT_EQ(seg->present, 1);
  }
  EXPECT_EQ(s.tr.selector, 0x20);
  EXPECT_EQ(s.tr.type, 0xb);
  EXPECT_EQ(s.ldt.unusable, 1);
}

TEST(LongMode, Regs) {
  kvm_regs r = long_mode_regs(0x1000200, 0x7000, 0x8ff0);
  EXPECT_EQ(r.rip, 0x1000200u);
  EXPECT_EQ(r.rsi, 0x7000u);
  EXPECT_EQ(r.rsp, 0x8ff0u);
  EXPECT_EQ(r.rbp, 0x8ff0u);
  EXPECT_EQ(r.rflags, 2u);
  EXPECT_EQ(r.rax, 0u);
}

TEST(RealMode, Segments) {
  kvm_sregs s{};
  set_real_mode_segments(s, 0x1000);
  for (const kvm_segment* seg : {&s.cs, &s.ds, &s.es, &s.fs, &s.gs, &s.ss}) {
    EXPECT_EQ(seg->selector, 0x1000);
    EXPECT_EQ(seg->base, 0x10000u);
  }
}

}  // namespace
}  // namespace strata::hwvm::x86
