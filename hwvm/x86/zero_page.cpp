#include "hwvm/x86/zero_page.hpp"

#include <algorithm>
#include <cstring>

namespace strata::hwvm::x86 {

Result<std::vector<boot_e820_entry>> build_e820(std::span<const RamRange> ram) {
  if (ram.empty() || ram[0].gpa != 0 || ram[0].size < kHighMemStart) {
    return fail("e820: guest RAM must start at 0 and cover the first 1 MiB");
  }
  std::vector<boot_e820_entry> map;
  map.push_back({0, kEbdaStart, kE820Ram});
  map.push_back({kEbdaStart, kHighMemStart - kEbdaStart, kE820Reserved});
  if (ram[0].size > kHighMemStart)
    map.push_back({kHighMemStart, ram[0].size - kHighMemStart, kE820Ram});
  for (const RamRange& r : ram.subspan(1)) map.push_back({r.gpa, r.size, kE820Ram});
  if (map.size() > kE820MaxEntries)
    return fail("e820: {} entries do not fit the zero page", map.size());
  return map;
}

Result<std::uint64_t> place_initrd(std::uint64_t size, std::uint32_t initrd_addr_max,
                                   std::uint64_t low_ram_end, std::uint64_t lowest) {
  std::uint64_t limit = std::min<std::uint64_t>(std::uint64_t{initrd_addr_max} + 1, low_ram_end);
  if (size == 0 || size > limit) {
    return fail("initrd of {} bytes does not fit below 0x{:x}", size, limit);
  }
  std::uint64_t at = (limit - size) & ~(kPageSize - 1);
  if (at < lowest) {
    return fail("initrd of {} bytes does not fit between the kernel end 0x{:x} and 0x{:x}", size,
                lowest, limit);
  }
  return at;
}

Result<boot_params> build_zero_page(const BzImage& kernel, const ZeroPageInputs& in) {
  constexpr std::uint64_t k4GiB = 0x1'0000'0000;
  boot_params bp;
  std::memset(&bp, 0, sizeof bp);
  bp.hdr = kernel.header;
  bp.hdr.type_of_loader = kLoaderTypeUndefined;
  bp.hdr.boot_flag = kBootFlag;
  bp.hdr.header = kHeaderMagic;
  // Only the 16-bit entry uses the setup heap, but a complete header costs nothing.
  bp.hdr.loadflags |= CAN_USE_HEAP;
  bp.hdr.heap_end_ptr = 0xfe00;
  bp.hdr.vid_mode = 0xffff;  // "normal" video mode: no prompt

  if (in.cmdline_len > kernel.cmdline_max) {
    return fail("command line is {} bytes; this kernel accepts at most {} (cmdline_size)",
                in.cmdline_len, kernel.cmdline_max);
  }
  if (in.cmdline_addr >= k4GiB || in.cmdline_len + 1 > k4GiB - in.cmdline_addr) {
    return fail("command line at 0x{:x} must lie below 4 GiB", in.cmdline_addr);
  }
  bp.hdr.cmd_line_ptr = static_cast<std::uint32_t>(in.cmdline_addr);
  bp.hdr.cmdline_size = kernel.cmdline_max;

  if (in.initrd_size != 0) {
    std::uint64_t limit = std::uint64_t{kernel.initrd_addr_max} + 1;
    if (in.initrd_addr > limit || in.initrd_size > limit - in.initrd_addr) {
      return fail("initrd 0x{:x}+0x{:x} ends above initrd_addr_max 0x{:x}", in.initrd_addr,
                  in.initrd_size, kernel.initrd_addr_max);
    }
    bp.hdr.ramdisk_image = static_cast<std::uint32_t>(in.initrd_addr);
    bp.hdr.ramdisk_size = static_cast<std::uint32_t>(in.initrd_size);
  }

  auto e820 = STRATA_TRY(build_e820(in.ram));
  std::copy(e820.begin(), e820.end(), bp.e820_table);
  bp.e820_entries = static_cast<std::uint8_t>(e820.size());
  return bp;
}

}  // namespace strata::hwvm::x86
