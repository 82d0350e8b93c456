// The machine's services for the SBI firmware, with one hart.
#include "hwvm/riscv/sbi_services.hpp"

#include <cstring>

#include "hwvm/riscv/virt_layout.hpp"
#include "vm/rv64sys/csr_file.hpp"

namespace strata::hwvm::riscv {

namespace csr = vm::rv64sys;

void SbiServices::set_timer(std::uint64_t deadline) {
  ++stats_.timer_sets;
  hart_.set_timer(csr::kStip, deadline);
}

void SbiServices::console_write(std::uint8_t byte) {
  ++stats_.console_bytes;
  console_.write(byte);
}

std::uint8_t* SbiServices::ram_at(std::uint64_t addr, std::uint64_t len) {
  // GUEST: addr and len come from the guest's registers.
  const std::uint64_t size = hart_.ram_size();
  if (addr < kRamBase || addr - kRamBase > size || size - (addr - kRamBase) < len) return nullptr;
  return hart_.ram() + (addr - kRamBase);
}

std::int64_t SbiServices::console_write_phys(std::uint64_t addr, std::uint64_t len) {
  const std::uint8_t* p = ram_at(addr, len);
  if (!p) return -1;
  for (std::uint64_t i = 0; i < len; ++i) console_.write(p[i]);
  stats_.console_bytes += len;
  return static_cast<std::int64_t>(len);
}

std::int64_t SbiServices::console_read_phys(std::uint64_t addr, std::uint64_t len) {
  std::uint8_t* p = ram_at(addr, len);
  if (!p) return -1;
  std::uint64_t n = 0;
  for (int c; n < len && (c = console_.read()) >= 0; ++n) p[n] = static_cast<std::uint8_t>(c);
  if (n != 0) hart_.ram_written(addr, n);
  return static_cast<std::int64_t>(n);
}

void SbiServices::send_ipi(std::uint32_t hart) {
  if (hart != 0) return;  // the firmware checked the mask against hart_count()
  ++stats_.ipis;
  // Served on the hart's own thread between two units: set the bit as an M-mode write of
  // mip.SSIP would, so the guest clears it by writing sip (a level line would never clear).
  hart_.csrs().set_pending(csr::kSsip, true);
}

void SbiServices::remote_fence_i(std::uint32_t) {
  ++stats_.remote_fences;
}

void SbiServices::remote_sfence_vma(std::uint32_t, std::uint64_t, std::uint64_t, std::uint64_t) {
  ++stats_.remote_fences;
}

std::int64_t SbiServices::hart_start(std::uint32_t, std::uint64_t, std::uint64_t) {
  return -1;  // there is no other hart to start
}

void SbiServices::hart_stop() {
  board_.end(0, "the guest stopped its only hart (SBI HSM hart_stop)");
}

void SbiServices::system_reset(std::uint32_t type, std::uint32_t reason) {
  if (type == 0)
    board_.end(0, fmt::format("guest powered off (SBI system reset, reason {})", reason));
  else
    board_.end(0, fmt::format("guest reset the machine (SBI system reset type {}, reason {})", type,
                              reason));
}

}  // namespace strata::hwvm::riscv
