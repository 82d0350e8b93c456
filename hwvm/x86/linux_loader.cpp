#include "hwvm/x86/linux_loader.hpp"

#include <algorithm>

#include "hwvm/x86/bzimage.hpp"
#include "hwvm/x86/zero_page.hpp"

namespace strata::hwvm::x86 {

namespace {
constexpr std::uint64_t kGiB = 1ull << 30;
}  // namespace

Result<LinuxBoot> load_linux(const GuestMemory& mem, std::span<const RamRange> ram,
                             std::span<const std::uint8_t> bzimage, std::string_view cmdline,
                             std::span<const std::uint8_t> initrd) {
  BzImage k = STRATA_TRY(parse_bzimage(bzimage));
  STRATA_TRY(require_64bit_entry(k));
  if (ram.empty() || ram[0].gpa != 0) return fail("guest RAM must start at address 0");
  const std::uint64_t low_end = ram[0].size;

  LinuxBoot boot;
  boot.load_address = STRATA_TRY(kernel_load_address(k, low_end));
  boot.entry = entry64_address(boot.load_address);
  STRATA_TRY(mem.write(boot.load_address, k.kernel));

  if (cmdline.find('\0') != std::string_view::npos) {
    return fail("the kernel command line contains a NUL byte");
  }
  if (cmdline.size() > k.cmdline_max) {
    return fail("command line is {} bytes; this kernel accepts at most {} (cmdline_size)",
                cmdline.size(), k.cmdline_max);
  }
  auto cmd = STRATA_TRY(mem.slice(kCmdlineAddress, cmdline.size() + 1));
  std::copy(cmdline.begin(), cmdline.end(), cmd.begin());
  cmd[cmdline.size()] = 0;

  ZeroPageInputs in;
  in.cmdline_addr = kCmdlineAddress;
  in.cmdline_len = static_cast<std::uint32_t>(cmdline.size());
  in.ram = ram;
  if (!initrd.empty()) {
    std::uint64_t kernel_end =
        boot.load_address + std::max<std::uint64_t>(k.init_size, k.kernel.size());
    boot.initrd_addr =
        STRATA_TRY(place_initrd(initrd.size(), k.initrd_addr_max, low_end, kernel_end));
    STRATA_TRY(mem.write(boot.initrd_addr, initrd));
    in.initrd_addr = boot.initrd_addr;
    in.initrd_size = initrd.size();
  }
  boot_params bp = STRATA_TRY(build_zero_page(k, in));
  boot.zero_page = kZeroPageAddress;
  STRATA_TRY(mem.write_obj(boot.zero_page, bp));

  // Map all RAM below the hole: the kernel, zero page and command line must be identity
  // mapped at entry (boot.rst); mapping the rest costs a few page-directory pages.
  boot.layout.mapped_gib =
      static_cast<unsigned>(std::max<std::uint64_t>(1, (low_end + kGiB - 1) / kGiB));
  STRATA_TRY(write_long_mode_tables(mem, boot.layout));
  boot.regs = long_mode_regs(boot.entry, boot.zero_page, kBootStack);
  return boot;
}

}  // namespace strata::hwvm::x86
