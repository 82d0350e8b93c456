// What a CPU must look like at the Linux 64-bit entry point (boot.rst, "64-bit Boot
// Protocol"): long mode with paging on, identity-mapped page tables covering the kernel,
// zero page and command line, a GDT with __BOOT_CS = 0x10 (64-bit code) and __BOOT_DS = 0x18
// (flat data), interrupts off, RSI = the zero page. The builders are pure; the caller writes
// the tables into guest RAM (write_long_mode_tables) and the registers into the VCPU.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include <linux/kvm.h>

#include "hwvm/memory/guest_memory.hpp"
#include "isa/error.hpp"

namespace strata::hwvm::x86 {

inline constexpr std::uint16_t kBootCodeSelector = 0x10;
inline constexpr std::uint16_t kBootDataSelector = 0x18;
inline constexpr std::uint16_t kBootTssSelector = 0x20;

inline constexpr std::uint64_t kCr0Pe = 1ull << 0;   // protected mode
inline constexpr std::uint64_t kCr0Mp = 1ull << 1;   // monitor coprocessor
inline constexpr std::uint64_t kCr0Et = 1ull << 4;   // extension type (always 1 since the 486)
inline constexpr std::uint64_t kCr0Ne = 1ull << 5;   // native FPU errors
inline constexpr std::uint64_t kCr0Pg = 1ull << 31;  // paging
inline constexpr std::uint64_t kCr4Pae = 1ull << 5;
inline constexpr std::uint64_t kEferLme = 1ull << 8;
inline constexpr std::uint64_t kEferLma = 1ull << 10;

// Page-table entry bits.
inline constexpr std::uint64_t kPtePresent = 1ull << 0;
inline constexpr std::uint64_t kPteWritable = 1ull << 1;
inline constexpr std::uint64_t kPteLarge = 1ull << 7;  // 2 MiB page in a PD entry

// A segment descriptor: `access` is the byte at bits 40..47 (P, DPL, S, type), `flags` the
// nibble at bits 52..55 (G, D/B, L, AVL); the limit is 20 bits, in 4 KiB units when G is set.
[[nodiscard]] constexpr std::uint64_t gdt_entry(std::uint8_t access, std::uint8_t flags,
                                                std::uint32_t base, std::uint32_t limit) {
  return (std::uint64_t{limit} & 0xffff) | (std::uint64_t{base} & 0xffffff) << 16 |
         std::uint64_t{access} << 40 | (std::uint64_t{limit} >> 16 & 0xf) << 48 |
         std::uint64_t{flags & 0xfu} << 52 | (std::uint64_t{base} >> 24 & 0xff) << 56;
}

// The boot GDT: [0] null, [1] unused, [2] 0x10 64-bit code, [3] 0x18 flat data,
// [4..5] 0x20 a 16-byte 64-bit TSS descriptor (base 0, limit 0x67) for TR.
using BootGdt = std::array<std::uint64_t, 6>;
[[nodiscard]] BootGdt boot_gdt();

// The kvm_segment KVM wants for `selector`, decoded from its descriptor, so the hidden
// segment state and the GDT in guest memory never disagree.
[[nodiscard]] kvm_segment segment_from_descriptor(std::uint64_t descriptor, std::uint16_t selector);

// Identity-mapped tables at `base` (4 KiB aligned): PML4 at base, PDPT at base + 0x1000, then
// `gib` page directories of 512 × 2 MiB pages each, mapping [0, gib GiB) (1 <= gib <= 512).
// Returns the (2 + gib) × 4096 bytes to copy to `base`.
[[nodiscard]] Result<std::vector<std::uint8_t>> identity_page_tables(std::uint64_t base,
                                                                     unsigned gib);

struct LongModeLayout {
  std::uint64_t gdt_addr = 0x500;
  std::uint64_t pml4_addr = 0x9000;  // tables occupy 0x9000 .. 0x9000 + (2 + gib) pages
  unsigned mapped_gib = 1;
};

// Writes boot_gdt() and identity_page_tables() into guest RAM at the layout's addresses.
[[nodiscard]] Result<void> write_long_mode_tables(const GuestMemory& mem, const LongModeLayout& l);

// Turns `sregs` (as KVM_GET_SREGS returned it) into the 64-bit entry state: CR0 PE|MP|ET|NE|PG,
// CR3 = PML4, CR4 PAE, EFER LME|LMA, CS = 0x10, DS/ES/FS/GS/SS = 0x18, TR = 0x20, GDTR on the
// boot GDT, an empty IDT (any exception becomes a triple fault: KVM_EXIT_SHUTDOWN).
void set_long_mode_sregs(kvm_sregs& sregs, const LongModeLayout& l);

// RIP = entry, RSI = zero page, RSP = RBP = stack, RFLAGS = 2 (reserved bit; IF clear).
[[nodiscard]] kvm_regs long_mode_regs(std::uint64_t entry, std::uint64_t zero_page,
                                      std::uint64_t stack);

// Real mode at segment `segment` (CS = DS = ES = FS = GS = SS, base = segment * 16): the
// 16-bit entry of kvmtool-style loaders and of tiny test payloads.
void set_real_mode_segments(kvm_sregs& sregs, std::uint16_t segment);

}  // namespace strata::hwvm::x86
