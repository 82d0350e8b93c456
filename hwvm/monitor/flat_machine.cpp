// The flat-binary machine: load the image, enter real mode.
#include "hwvm/monitor/flat_machine.hpp"

#include "hwvm/x86/long_mode.hpp"

namespace strata::hwvm {

Result<std::unique_ptr<Machine>> create_flat_machine(std::span<const std::uint8_t> image,
                                                     const FlatOptions& options, Console& console) {
  const std::uint64_t mem = options.mem_size;
  if (mem < kFlatMinMem || mem > kFlatMaxMem || mem % kPageSize != 0)
    return fail("--mem {} is not possible for a flat guest: between 1M and 3G, in whole pages",
                mem);
  if (image.empty()) return fail("the flat image is empty");
  if (image.size() > mem - kFlatLoadAddress)
    return fail("the flat image ({} bytes) does not fit in {} bytes of RAM at {:#x}", image.size(),
                mem, kFlatLoadAddress);

  const RamRange ram[] = {{0, mem}};
  GuestMemory gm = STRATA_TRY(GuestMemory::create(ram));
  STRATA_TRY(gm.write(kFlatLoadAddress, image));
  auto disk = STRATA_TRY(open_disk(options));
  auto m = STRATA_TRY(Machine::create(std::move(gm), std::move(disk), options, console));

  // 16-bit real mode at 0x1000:0000, stack at the top of that segment.
  Vcpu& vcpu = m->vcpu();
  kvm_sregs sregs = STRATA_TRY(vcpu.get_sregs());
  x86::set_real_mode_segments(sregs, kFlatSegment);
  STRATA_TRY(vcpu.set_sregs(sregs));
  kvm_regs regs{};
  regs.rip = 0;
  regs.rflags = 2;  // bit 1 is always set; interrupts off
  regs.rsp = 0xfff0;
  STRATA_TRY(vcpu.set_regs(regs));
  return m;
}

}  // namespace strata::hwvm
