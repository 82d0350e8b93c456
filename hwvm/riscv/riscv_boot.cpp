// Guest RAM for the first instruction of a RISC-V boot.
#include "hwvm/riscv/riscv_boot.hpp"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>

#include "hwvm/riscv/fdt.hpp"
#include "hwvm/riscv/virt_layout.hpp"

namespace strata::hwvm::riscv {

namespace {

constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) & ~(a - 1);
}

void copy_to(std::span<std::uint8_t> ram, std::uint64_t gpa, std::span<const std::uint8_t> bytes) {
  // Callers placed [gpa, gpa + size) inside RAM (place_boot and the firmware check).
  if (!bytes.empty()) std::memcpy(ram.data() + (gpa - kRamBase), bytes.data(), bytes.size());
}

// "16M", "1G", "1536K", "1000": how the user would have written it.
std::string size_text(std::uint64_t b) {
  if (b != 0 && b % (1ull << 30) == 0) return std::to_string(b >> 30) + "G";
  if (b != 0 && b % (1ull << 20) == 0) return std::to_string(b >> 20) + "M";
  if (b != 0 && b % (1ull << 10) == 0) return std::to_string(b >> 10) + "K";
  return std::to_string(b);
}

}  // namespace

Result<void> check_riscv_mem(std::uint64_t bytes) {
  if (bytes < kRiscvMinMem)
    return fail("--mem {} is too small: the riscv64 machine needs at least {} MiB",
                size_text(bytes), kRiscvMinMem >> 20);
  if (bytes > kRiscvMaxMem)
    return fail("--mem {} is too large: the riscv64 machine has at most {} GiB of RAM",
                size_text(bytes), kRiscvMaxMem >> 30);
  if (bytes % 4096 != 0) return fail("--mem {} is not a multiple of 4 KiB", size_text(bytes));
  return {};
}

Result<RiscvEntry> load_riscv_boot(std::span<std::uint8_t> ram, const RiscvBootFiles& files,
                                   const RiscvBootConfig& config) {
  const RiscvImage image = STRATA_TRY(parse_riscv_image(files.kernel));
  VirtFdtConfig fdt;
  fdt.ram_size = ram.size();
  fdt.bootargs = config.bootargs;
  fdt.virtio_slots = config.virtio_slots;
  std::random_device seed;
  for (auto& b : fdt.rng_seed) b = static_cast<std::uint8_t>(seed());
  // The tree's size does not depend on the initrd's addresses, only on whether there is one:
  // a first build with stand-in addresses sizes it for the placement.
  if (!files.initrd.empty()) {
    fdt.initrd_start = kRamBase;
    fdt.initrd_end = kRamBase + std::min<std::uint64_t>(files.initrd.size(), ram.size());
  }
  const std::size_t fdt_size = STRATA_TRY(build_virt_fdt(fdt)).size();
  const bool bios = !files.bios.empty();
  // With a firmware, its fw_dynamic_info follows the tree (8-byte aligned).
  const std::uint64_t info_offset = align_up(fdt_size, 8);
  const std::uint64_t tail = bios ? info_offset + sizeof(FwDynamicInfo) : fdt_size;
  const BootPlacement p =
      STRATA_TRY(place_boot(kRamBase, ram.size(), image, files.initrd.size(), tail));
  if (bios && files.bios.size() > p.kernel - kRamBase)
    return fail(
        "--bios: the firmware has {} bytes, more than the {} bytes between the start of RAM "
        "(0x{:x}) and the kernel (0x{:x})",
        files.bios.size(), p.kernel - kRamBase, kRamBase, p.kernel);

  fdt.initrd_start = p.initrd_start;
  fdt.initrd_end = p.initrd_end;
  const std::vector<std::uint8_t> blob = STRATA_TRY(build_virt_fdt(fdt));
  if (blob.size() != fdt_size)
    return fail("riscv boot: the device tree grew from {} to {} bytes once placed", fdt_size,
                blob.size());

  copy_to(ram, p.kernel, image.bytes);
  copy_to(ram, p.initrd_start, files.initrd);
  copy_to(ram, p.fdt, blob);
  RiscvEntry e;
  e.placement = p;
  e.a1 = p.fdt;
  if (!bios) {
    e.pc = p.kernel;
    return e;
  }
  copy_to(ram, kRamBase, files.bios);
  FwDynamicInfo info;
  info.next_addr = p.kernel;
  e.a2 = p.fdt + info_offset;
  copy_to(ram, e.a2, {reinterpret_cast<const std::uint8_t*>(&info), sizeof info});
  e.pc = kRamBase;
  e.machine_mode = true;
  return e;
}

}  // namespace strata::hwvm::riscv
