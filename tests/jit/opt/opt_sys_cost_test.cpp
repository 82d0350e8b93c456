// What an LLVM compile of a translated RV64 unit costs, phase by phase, for a hot-loop-like
// region of about 500 guest instructions (loads, stores, ALU, forward branches, one back-edge)
// translated in system mode (inline software-TLB checks, out-of-line Sys* slow paths) and in user
// mode. The system unit's compiled code must also agree with the interpreter (registers, memory,
// helper calls), with its data page mapped (the inline path) and not (every access a helper).
// The times are printed (thread CPU time: `ctest -R OptSysCost -V`); they are not asserted.
#include <cstdio>
#include <deque>
#include <vector>

#include <gtest/gtest.h>

#include "jit/opt/opt_loader.hpp"
#include "tests/jit/rv64/sys_rig.hpp"
#include "tests/jit/rv64/translate_test_support.hpp"

namespace strata::jit::rv64::systest {
namespace {

namespace rv = test::rv;
using test::translate_words;

constexpr unsigned kRounds = 31;
constexpr unsigned kRoundInsns = 16;

// A mixing round per message word, as an unrolled hash loop has: x10 points at the data page,
// x16 counts the loop's iterations.
std::vector<uint32_t> hash_loop() {
  std::vector<uint32_t> w;
  for (unsigned i = 0; i < kRounds; ++i) {
    const auto k = static_cast<int32_t>(i);
    w.insert(
        w.end(),
        {rv::lw(5, 10, 4 * k), rv::addw(11, 11, 5), rv::xor_(6, 12, 13), rv::and_(6, 6, 14),
         rv::xor_(6, 6, 13), rv::addw(11, 11, 6), rv::slliw(7, 11, 7), rv::srliw(11, 11, 25),
         rv::or_(11, 11, 7), rv::addw(11, 11, 12), rv::sd(11, 10, 256 + 8 * k), rv::beq(6, 0, 8),
         rv::addi(13, 13, 1), rv::xor_(14, 14, 11), rv::ld(7, 10, 8 * k), rv::add(15, 15, 7)});
  }
  w.push_back(rv::addi(16, 16, -1));
  w.push_back(rv::bne(16, 0, -static_cast<int32_t>(4 * (w.size()))));
  return w;
}

struct Machine {
  std::unique_ptr<vm::Instance> inst = std::move(*make_guest_instance(kLinearBytes));
  uint8_t* linear() { return inst->memory.data(); }
  vm::rv64sys::SoftTlb tlb{
      std::span<uint8_t>(linear() + vm::rv64sys::kTlbLinear, vm::rv64sys::SoftTlb::kBytes),
      vm::rv64sys::RamWindow{kRamBase, kRamBytes, vm::rv64sys::kRamLinear}};
  FakeMemory mem{linear()};
  std::deque<vm::FuncInfo> funcs;

  void set(uint32_t off, uint64_t v) { std::memcpy(linear() + off, &v, 8); }
  vm::FuncInfo& func(const TranslatedBlock& tb) {
    funcs.emplace_back();
    init_block_func(funcs.back(), tb.fn, *inst, static_cast<uint32_t>(funcs.size()));
    return funcs.back();
  }
  vm::ExecStatus run(vm::FuncInfo& fn) {
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx{1, 2};
    cx.user_data_ptr = static_cast<void*>(static_cast<SysMemory*>(&mem));
    vm::Value result{};
    vm::Trap trap;
    return vm::execute(st, cx, &fn, nullptr, &result, &trap);
  }
};

struct Cost {
  double total_ms, ir_ms, opt_ms, codegen_ms;
};

Cost compile(opt::OptTier& tier, const vm::FuncInfo& fn, const TranslatedBlock& tb,
             const char* what, vm::JitEntry* entry) {
  *entry = tier.translate(fn, tb.fn, true);
  EXPECT_NE(*entry, nullptr) << what << ": declined";
  const opt::OptStats s = tier.stats();
  const Cost c{static_cast<double>(s.last_ir_ns + s.last_opt_ns + s.last_codegen_ns) / 1e6,
               static_cast<double>(s.last_ir_ns) / 1e6, static_cast<double>(s.last_opt_ns) / 1e6,
               static_cast<double>(s.last_codegen_ns) / 1e6};
  std::printf(
      "%s: %u guest insns, %zu SVI insns: %.1f ms CPU (IR %.1f, opt %.1f, codegen %.1f), "
      "%.1f us per SVI insn\n",
      what, tb.guest_insns, tb.fn.code.size(), c.total_ms, c.ir_ms, c.opt_ms, c.codegen_ms,
      c.total_ms * 1e3 / static_cast<double>(tb.fn.code.size()));
  return c;
}

// Runs the system unit in the interpreter and through `entry` from the same start and checks
// they agree.
void check_agrees(Machine& m, const TranslatedBlock& tb, vm::JitEntry entry) {
  for (unsigned i = 0; i < 64; ++i)
    m.set(vm::rv64sys::kRamLinear + 0x3000 + 8 * i, 0x9e3779b97f4a7c15 * (i + 1));
  m.set(vm::rv64::x_offset(10), kDataVa);
  m.set(vm::rv64::x_offset(12), 0x12345);
  m.set(vm::rv64::x_offset(16), 3);
  m.set(state::kSliceLeft, uint64_t{1} << 40);
  m.mem.result = 0x5a5a5a5a;
  const std::vector<uint8_t> start(m.linear(), m.linear() + kLinearBytes);
  vm::FuncInfo& interp = m.func(tb);
  const vm::ExecStatus a = m.run(interp);
  const std::vector<uint8_t> after(m.linear(), m.linear() + kLinearBytes);
  const std::vector<Call> calls = m.mem.calls;
  std::memcpy(m.linear(), start.data(), kLinearBytes);
  m.mem.calls.clear();
  vm::FuncInfo& compiled = m.func(tb);
  vm::set_jit_entry(compiled, entry);
  EXPECT_EQ(a, m.run(compiled));
  EXPECT_EQ(0, std::memcmp(after.data(), m.linear(), kLinearBytes)) << "memory differs";
  EXPECT_EQ(calls, m.mem.calls) << "helper calls differ";
}

TEST(OptSysCost, HashLoopSystemAndUserUnits) {
  auto tier = opt::OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  const std::vector<uint32_t> words = hash_loop();
  const SystemTarget sys{MmuIndex::Supervisor};
  const TranslatedBlock sys_unit = translate_words(words, kCodeVa, &sys);
  const TranslatedBlock user_unit = translate_words(words, kCodeVa);
  ASSERT_GE(sys_unit.guest_insns, kRounds * kRoundInsns);  // the region holds the whole loop

  Machine m;
  vm::JitEntry sys_entry = nullptr, user_entry = nullptr;
  compile(**tier, m.func(sys_unit), sys_unit, "system unit", &sys_entry);
  compile(**tier, m.func(user_unit), user_unit, "user unit", &user_entry);
  ASSERT_NE(sys_entry, nullptr);

  check_agrees(m, sys_unit, sys_entry);  // nothing mapped: every access through a helper
  EXPECT_FALSE(m.mem.calls.empty());
  m.mem.calls.clear();
  m.tlb.fill(
      MmuIndex::Supervisor, kDataVa,
      [] {
        vm::rv64sys::Translation t;
        t.ok = true;
        t.pa = kDataPa;
        t.page_size = 4096;
        t.pte = ((kDataPa >> 12) << 10) | vm::rv64sys::kPteV | vm::rv64sys::kPteA |
                vm::rv64sys::kPteR | vm::rv64sys::kPteW | vm::rv64sys::kPteD;
        return t;
      }(),
      [] {
        vm::rv64sys::WalkContext ctx;
        ctx.priv = vm::rv64sys::Priv::Supervisor;
        return ctx;
      }(),
      false);
  check_agrees(m, sys_unit, sys_entry);  // the inline TLB hit
  EXPECT_TRUE(m.mem.calls.empty());
}

}  // namespace
}  // namespace strata::jit::rv64::systest
