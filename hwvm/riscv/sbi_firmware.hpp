// The RISC-V machine's SBI firmware: stdlib/firmware/sbi.sasm (the SBI v2.0 calls and their
// argument rules, in SVI) run by this adapter, which gives it the machine's services as the
// "fw" natives. The hart loop hands it each `ecall` from S-mode: call(a0..a7) returns the
// sbiret pair that goes back into a0 and a1.
//
// A firmware module that traps (a bug: the guest cannot make correct SVI code trap, its
// arguments are only numbers) answers SBI_ERR_FAILED, the fault goes to the fault sink, and the
// module is loaded afresh (its HSM states then restart: hart 0 started, the others stopped).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::vm {
class Program;
}

namespace strata::hwvm::riscv {

inline constexpr std::int64_t kSbiErrFailed = -1;
inline constexpr std::uint32_t kSbiMaxHarts = 64;

// What the firmware asks of the machine. hart_id() is the hart whose ecall is being served.
class SbiHost {
 public:
  virtual ~SbiHost() = default;
  virtual std::uint32_t hart_count() = 0;  // 1..kSbiMaxHarts
  virtual std::uint32_t hart_id() = 0;
  // The calling hart's supervisor timer fires at mtime >= deadline; its STIP clears now.
  virtual void set_timer(std::uint64_t deadline) = 0;
  virtual void console_write(std::uint8_t byte) = 0;
  virtual int console_read() = 0;  // -1 when nothing is waiting (never blocks)
  // Bytes of guest physical [addr, addr + len) to the console, or console input into it: the
  // count moved, or -1 when the range is not guest RAM.
  virtual std::int64_t console_write_phys(std::uint64_t addr, std::uint64_t len) = 0;
  virtual std::int64_t console_read_phys(std::uint64_t addr, std::uint64_t len) = 0;
  virtual void send_ipi(std::uint32_t hart) = 0;  // sets the hart's SSIP
  virtual void remote_fence_i(std::uint32_t hart) = 0;
  // asid ~0: every address space. start 0 and size 0, or size ~0: the whole address space.
  virtual void remote_sfence_vma(std::uint32_t hart, std::uint64_t start, std::uint64_t size,
                                 std::uint64_t asid) = 0;
  // Starts a stopped hart in S-mode at start_addr with a0 = hart, a1 = opaque; 0, or nonzero
  // when start_addr is not an address the hart can execute from.
  virtual std::int64_t hart_start(std::uint32_t hart, std::uint64_t start_addr,
                                  std::uint64_t opaque) = 0;
  virtual void hart_stop() = 0;     // the calling hart stops once the call returns
  virtual void hart_suspend() = 0;  // the calling hart waits for an interrupt, like wfi
  virtual void system_reset(std::uint32_t type, std::uint32_t reason) = 0;
};

struct SbiRet {
  std::int64_t error = 0;
  std::int64_t value = 0;
};

class SbiFirmware {
 public:
  using FaultSink = std::function<void(std::string_view line)>;

  // The built-in firmware (firmware.sbi), or `module` instead (a firmware developer's own).
  [[nodiscard]] static Result<std::unique_ptr<SbiFirmware>> create(SbiHost& host,
                                                                   FaultSink sink = nullptr);
  [[nodiscard]] static Result<std::unique_ptr<SbiFirmware>> create(SbiHost& host,
                                                                   isa::Module module,
                                                                   FaultSink sink = nullptr);
  ~SbiFirmware();

  // One ecall: regs = a0..a7 (a7 the extension, a6 the function).
  SbiRet call(const std::array<std::uint64_t, 8>& regs);

  SbiHost& host() { return host_; }
  std::uint64_t faults() const { return faults_; }

  // Used by the natives while a call runs.
  std::int64_t pending_value = 0;

 private:
  SbiFirmware(SbiHost& host, isa::Module module, FaultSink sink);
  Result<void> load();

  SbiHost& host_;
  isa::Module module_;
  FaultSink sink_;
  std::unique_ptr<vm::Program> program_;
  std::uint64_t faults_ = 0;
};

}  // namespace strata::hwvm::riscv
