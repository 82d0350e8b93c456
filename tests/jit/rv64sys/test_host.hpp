// The machine of rv64sys_hart_tests: a test device at 0x100000 (QEMU virt's sifive_test:
// 0x5555 ends the run with exit 0, code << 16 | 0x3333 with `code`), a register at 0x100008
// that reads 0x1234abcd, a register at 0x100010 that reads `go` (which a test's on_tick may set
// once the hart's state is what it waits for), a UART byte port at 0x1000_0000, and the SBI TIME
// extension.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "jit/rv64sys/hart.hpp"

namespace strata::jit::rv64sys::test {

class TestHost final : public HartHost {
 public:
  static constexpr std::uint64_t kTestDevice = 0x100000, kScratch = 0x100008, kUart = 0x1000'0000;
  static constexpr std::uint64_t kScratchValue = 0x1234abcd;
  static constexpr std::uint64_t kGo = 0x100010;

  Hart* hart = nullptr;
  std::string uart;
  std::uint64_t ticks = 0, sbi_calls = 0;
  std::uint64_t go = 0;
  std::function<void(TestHost&)> on_tick;  // at every tick(), on the hart's thread

  bool mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value) override {
    if (pa == kScratch && size == 4) {
      *value = kScratchValue;
      return true;
    }
    if (pa == kGo && size == 4) {
      *value = go;
      return true;
    }
    return false;
  }
  bool mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value) override {
    if (pa == kTestDevice && size == 4) {
      if ((value & 0xffff) == 0x5555) hart->request_exit(0);
      if ((value & 0xffff) == 0x3333) hart->request_exit(static_cast<int>(value >> 16));
      return true;
    }
    if (pa == kUart && size == 1) {
      uart += static_cast<char>(value);
      return true;
    }
    return false;
  }
  void sbi_call(Hart& h) override {
    ++sbi_calls;
    const std::uint64_t ext = h.xreg(17), fid = h.xreg(16);
    if ((ext == 0x54494D45 && fid == 0) || ext == 0) {
      h.set_timer(vm::rv64sys::kStip, h.xreg(10));
      h.set_xreg(10, 0);
    } else {
      h.set_xreg(10, static_cast<std::uint64_t>(-2));  // SBI_ERR_NOT_SUPPORTED
    }
    h.set_xreg(11, 0);
  }
  void tick() override {
    ++ticks;
    if (on_tick) on_tick(*this);
  }
};

}  // namespace strata::jit::rv64sys::test
