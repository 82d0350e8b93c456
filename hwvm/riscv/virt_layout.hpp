// The address map of Strata's RISC-V full-system machine, a `virt`-style board (the layout of
// QEMU's `-M virt`, which Debian's riscv64 kernel and OpenSBI already know):
//
//   0x0010_0000  test device  (sifive,test0: 0x5555 powers off, 0x7777 reboots)
//   0x0200_0000  CLINT        (msip, mtimecmp, mtime)
//   0x0c00_0000  PLIC         (interrupt sources 1..kPlicSources-1; contexts M and S per hart)
//   0x1000_0000  UART         (NS16550A, source 10)
//   0x1000_1000  virtio-mmio  slot i at +0x1000*i, source 1+i (8 slots)
//   0x8000_0000  RAM
//
// The kernel is placed 2 MiB into RAM (its Image header's text_offset), the device tree and the
// initrd at the top of RAM, below what Linux maps first.
#pragma once

#include <cstdint>

namespace strata::hwvm::riscv {

inline constexpr std::uint64_t kTestBase = 0x0010'0000, kTestSize = 0x1000;
inline constexpr std::uint64_t kClintBase = 0x0200'0000, kClintSize = 0x1'0000;
inline constexpr std::uint64_t kPlicBase = 0x0c00'0000, kPlicSize = 0x60'0000;
inline constexpr std::uint64_t kUartBase = 0x1000'0000, kUartSize = 0x100;
inline constexpr std::uint64_t kVirtioBase = 0x1000'1000, kVirtioStride = 0x1000;
inline constexpr std::uint32_t kVirtioSlots = 8;
inline constexpr std::uint64_t kRamBase = 0x8000'0000;

inline constexpr std::uint32_t kUartIrq = 10;
inline constexpr std::uint32_t kVirtioFirstIrq = 1;
// PLIC sources 1..31 (0 means "no interrupt"); enough for the UART and every virtio slot.
inline constexpr std::uint32_t kPlicSources = 32;

// The frequency of mtime and the `time` CSR: 10 MHz, as QEMU's virt (the kernel reads it from
// the device tree's timebase-frequency).
inline constexpr std::uint32_t kTimebaseHz = 10'000'000;

inline constexpr std::uint64_t virtio_slot_base(std::uint32_t slot) {
  return kVirtioBase + kVirtioStride * slot;
}
inline constexpr std::uint32_t virtio_slot_irq(std::uint32_t slot) {
  return kVirtioFirstIrq + slot;
}

// Interrupt numbers of the hart-local interrupt controller (the mip/mie bit numbers).
inline constexpr std::uint32_t kIrqSSoft = 1, kIrqMSoft = 3, kIrqSTimer = 5, kIrqMTimer = 7,
                               kIrqSExt = 9, kIrqMExt = 11;

}  // namespace strata::hwvm::riscv
