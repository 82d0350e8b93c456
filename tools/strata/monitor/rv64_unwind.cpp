#include "tools/strata/monitor/rv64_unwind.hpp"

#include <array>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace strata::monitor {

namespace {
constexpr uint32_t kSp = 2;
}  // namespace

std::vector<uint64_t> unwind_rv64(const vm::Vcpu& cpu, const CallFrameInfo& cfi,
                                  size_t max_frames) {
  std::array<uint64_t, 32> regs{};
  for (unsigned i = 1; i < 32; ++i) regs[i] = cpu.read_reg(fmt::format("x{}", i)).value_or(0);
  uint64_t pc = cpu.pc();
  std::vector<uint64_t> frames{pc};
  uint64_t last_cfa = 0;
  while (frames.size() < max_frames) {
    // A caller's pc is a return address, just past its call: the call itself is what the
    // caller's row must describe (the call may be the function's last instruction).
    const std::optional<FrameRule> rule = cfi.rule_at(frames.size() == 1 ? pc : pc - 1);
    if (!rule) break;
    const uint64_t cfa = regs[rule->cfa_reg] + static_cast<uint64_t>(rule->cfa_offset);
    // Stacks grow down: each caller's frame is above its callee's, so the walk cannot loop.
    if (frames.size() > 1 && cfa <= last_cfa) break;
    std::array<uint64_t, 32> caller = regs;
    bool readable = true;
    for (unsigned r = 1; r < 32 && readable; ++r) {
      if (!rule->saved[r].at_cfa) continue;
      uint8_t bytes[8];
      readable = static_cast<bool>(
          cpu.read_memory(cfa + static_cast<uint64_t>(rule->saved[r].offset), bytes));
      std::memcpy(&caller[r], bytes, sizeof bytes);
    }
    if (!readable || rule->return_reg >= 32 || rule->saved[rule->return_reg].undefined) break;
    const uint64_t ra = caller[rule->return_reg];
    if (ra == 0) break;
    caller[kSp] = cfa;
    regs = caller;
    last_cfa = cfa;
    pc = ra;
    frames.push_back(pc);
  }
  return frames;
}

}  // namespace strata::monitor
