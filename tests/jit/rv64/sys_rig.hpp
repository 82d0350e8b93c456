// Rig of the translator's system-mode tests: an instance whose linear memory has a full-system
// hart's layout (vm/rv64sys/sys_layout.hpp: state page, software TLB, RAM at kRamLinear), a
// SoftTlb on its TLB area that tests fill by hand, and a fake SysMemory that records every
// slow-path call and can fault. run() translates guest words in system mode, verifies the unit,
// runs it in the interpreter and again, from the same memory, through the baseline JIT, and
// checks both tiers agree (result, memory, helper calls).
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "isa/verifier.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/sys_memory.hpp"
#include "jit/rv64/translator.hpp"
#include "vm/host_context.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64sys/soft_tlb.hpp"
#include "vm/rv64sys/sys_layout.hpp"

namespace strata::jit::rv64::systest {

namespace state = vm::rv64::state;
namespace sysstate = vm::rv64sys::sysstate;
using vm::rv64sys::MmuIndex;
using vm::rv64sys::SysExit;

inline constexpr uint64_t kRamBase = 0x8000'0000;
inline constexpr uint64_t kRamBytes = 0x10000;
inline constexpr uint64_t kLinearBytes = vm::rv64sys::kRamLinear + kRamBytes;
// Where the tests' code runs and their data page is (kernel-style virtual addresses).
inline constexpr uint64_t kCodeVa = 0xffff'ffff'8020'0000;
inline constexpr uint64_t kDataVa = 0xffff'ffc0'0012'3000;
inline constexpr uint64_t kDataPa = kRamBase + 0x3000;

// clang-format off
namespace sysrv {
inline uint32_t i_type(uint32_t opc, uint32_t f3, unsigned rd, unsigned rs1, int32_t imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
inline uint32_t s_type(uint32_t opc, uint32_t f3, unsigned rs1, unsigned rs2, int32_t imm) {
  const auto u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
         ((u & 0x1f) << 7) | opc;
}
inline uint32_t flw(unsigned rd, unsigned rs1, int32_t o) { return i_type(0x07, 2, rd, rs1, o); }
inline uint32_t fld(unsigned rd, unsigned rs1, int32_t o) { return i_type(0x07, 3, rd, rs1, o); }
inline uint32_t fsw(unsigned rs2, unsigned rs1, int32_t o) { return s_type(0x27, 2, rs1, rs2, o); }
inline uint32_t fsd(unsigned rs2, unsigned rs1, int32_t o) { return s_type(0x27, 3, rs1, rs2, o); }
inline uint32_t sfence_vma(unsigned rs1, unsigned rs2) {
  return (0x09u << 25) | (rs2 << 20) | (rs1 << 15) | 0x73;
}
}  // namespace sysrv
// clang-format on

// One slow-path call, as the fake SysMemory saw it.
struct Call {
  enum Kind { Load, Store, Amo, Lr, Sc, Csr, Sfence } kind;
  uint64_t va = 0;     // Csr, Sfence: the instruction bits
  uint64_t value = 0;  // stores, AMOs, SC; Csr, Sfence: rs1's value
  unsigned size = 0;
  bool sign = false;  // loads
  uint64_t pc = 0;
  AmoOp op = AmoOp::Add;  // AMOs
  uint64_t instret = 0;   // Csr
  bool operator==(const Call&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Call& c) {
  return os << "Call{kind " << c.kind << ", va 0x" << std::hex << c.va << ", value 0x" << c.value
            << ", size " << std::dec << c.size << ", sign " << c.sign << ", pc 0x" << std::hex
            << c.pc << std::dec << ", op " << static_cast<int>(c.op) << ", instret " << std::dec
            << c.instret << "}";
}

// A SysMemory that answers every call with `result` (or faults, or reports CodeWritten or Done),
// writing the state page as the hart's would.
class FakeMemory final : public SysMemory {
 public:
  explicit FakeMemory(uint8_t* linear) : linear_(linear) {}

  std::vector<Call> calls;
  uint64_t result = 0;
  // Set: every call raises this exception cause (tval = va) and returns 0.
  std::optional<uint32_t> fault_cause;
  // With fault_cause: only an access of this address faults (any, without it).
  std::optional<uint64_t> fault_va;
  // Stores, AMOs and SCs report SysExit::CodeWritten.
  bool code_written = false;
  // CSR instructions and sfence.vma report SysExit::Done.
  bool done = false;

  uint64_t sys_load(uint64_t va, unsigned size, bool sign, uint64_t pc) override {
    calls.push_back({Call::Load, va, 0, size, sign, pc});
    return answer(va, pc, false);
  }
  void sys_store(uint64_t va, uint64_t value, unsigned size, uint64_t pc) override {
    calls.push_back({Call::Store, va, value, size, false, pc});
    answer(va, pc, true);
  }
  uint64_t sys_amo(uint64_t va, uint64_t value, unsigned size, AmoOp op, uint64_t pc) override {
    calls.push_back({Call::Amo, va, value, size, false, pc, op});
    return answer(va, pc, true);
  }
  uint64_t sys_lr(uint64_t va, unsigned size, uint64_t pc) override {
    calls.push_back({Call::Lr, va, 0, size, false, pc});
    return answer(va, pc, false);
  }
  uint64_t sys_sc(uint64_t va, uint64_t value, unsigned size, uint64_t pc) override {
    calls.push_back({Call::Sc, va, value, size, false, pc});
    return answer(va, pc, true);
  }
  uint64_t sys_csr(uint32_t bits, uint64_t rs1_value, uint64_t pc, uint64_t instret) override {
    calls.push_back({Call::Csr, bits, rs1_value, 0, false, pc, AmoOp::Add, instret});
    return privileged(bits, pc);
  }
  void sys_sfence(uint32_t bits, uint64_t rs1_value, uint64_t pc) override {
    calls.push_back({Call::Sfence, bits, rs1_value, 0, false, pc});
    privileged(bits, pc);
  }

 private:
  // An illegal instruction (tval = the bits) when faulting, else `result`, and Done if asked.
  uint64_t privileged(uint32_t bits, uint64_t pc) {
    if (fault_cause) return answer(bits, pc, false);
    if (done) {
      put(state::kExit, static_cast<uint64_t>(SysExit::Done));
      put(state::kPc, pc);
    }
    return result;
  }
  void put(uint32_t off, uint64_t v) { std::memcpy(linear_ + off, &v, 8); }
  uint64_t answer(uint64_t va, uint64_t pc, bool writes) {
    if (fault_cause && (!fault_va || *fault_va == va)) {
      put(state::kExit, static_cast<uint64_t>(SysExit::Trap));
      put(state::kPc, pc);
      put(sysstate::kTrapCause, *fault_cause);
      put(sysstate::kTrapTval, va);
      return 0;
    }
    if (writes && code_written) {
      put(state::kExit, static_cast<uint64_t>(SysExit::CodeWritten));
      put(state::kPc, pc);
    }
    return result;
  }
  uint8_t* linear_;
};

struct Outcome {
  vm::ExecStatus status = vm::ExecStatus::Returned;
  uint64_t ret = 0;
  vm::TrapKind trap_kind = vm::TrapKind::Explicit;
  std::string trap_message;
};

class SysRig {
 public:
  SysRig() {
    auto inst = make_guest_instance(kLinearBytes);
    if (!inst) std::abort();
    inst_ = std::move(*inst);
    auto cache = CodeCache::create({});
    if (!cache) std::abort();
    cache_ = std::move(*cache);
    jit_ = std::make_unique<baseline::BaselineJit>(*cache_);
    tlb_ = std::make_unique<vm::rv64sys::SoftTlb>(
        std::span<uint8_t>(linear() + vm::rv64sys::kTlbLinear, vm::rv64sys::SoftTlb::kBytes),
        vm::rv64sys::RamWindow{kRamBase, kRamBytes, vm::rv64sys::kRamLinear});
    mem_ = std::make_unique<FakeMemory>(linear());
    set_state(state::kSliceLeft, uint64_t{1} << 40);
  }

  uint8_t* linear() { return inst_->memory.data(); }
  FakeMemory& mem() { return *mem_; }
  vm::rv64sys::SoftTlb& tlb() { return *tlb_; }

  uint64_t state(uint32_t off) {
    uint64_t v;
    std::memcpy(&v, linear() + off, 8);
    return v;
  }
  void set_state(uint32_t off, uint64_t v) { std::memcpy(linear() + off, &v, 8); }
  uint64_t x(unsigned i) { return state(vm::rv64::x_offset(i)); }
  void set_x(unsigned i, uint64_t v) { set_state(vm::rv64::x_offset(i), v); }
  uint64_t f(unsigned i) { return state(vm::rv64::f_offset(i)); }
  void set_f(unsigned i, uint64_t v) { set_state(vm::rv64::f_offset(i), v); }
  template <typename T>
  void poke_pa(uint64_t pa, T v) {
    std::memcpy(linear() + vm::rv64sys::kRamLinear + (pa - kRamBase), &v, sizeof v);
  }
  template <typename T>
  T peek_pa(uint64_t pa) {
    T v;
    std::memcpy(&v, linear() + vm::rv64sys::kRamLinear + (pa - kRamBase), sizeof v);
    return v;
  }

  // Maps virtual page `va` to physical `pa` in TLB index `idx` as a supervisor page with `pte`
  // permission bits (V, A and the page number are added).
  void map(MmuIndex idx, uint64_t va, uint64_t pa, uint64_t pte_bits) {
    using namespace vm::rv64sys;
    Translation t;
    t.ok = true;
    t.pa = pa;
    t.page_size = 4096;
    t.pte = ((pa >> 12) << 10) | kPteV | kPteA | pte_bits;
    WalkContext ctx;
    ctx.priv = Priv::Supervisor;
    tlb_->fill(idx, va, t, ctx, false);
  }
  // The data page, readable and writable (D set) in the Supervisor index.
  void map_data() {
    map(MmuIndex::Supervisor, kDataVa, kDataPa,
        vm::rv64sys::kPteR | vm::rv64sys::kPteW | vm::rv64sys::kPteD);
  }

  SystemTarget target{MmuIndex::Supervisor};
  RegionLimits limits{kMaxBlockInsns, 1};
  // false: helpers find no SysMemory (the host context's user_data stays null).
  bool give_memory = true;

  // Translates `words` placed at `pc` (nothing else can be fetched) in system mode, verifies the
  // unit and runs it in both tiers. Memory and the fake's calls afterwards are the interpreter's.
  Outcome run(const std::vector<uint32_t>& words, uint64_t pc = kCodeVa) {
    auto tb = translate_region(
        pc,
        [&](uint64_t at, uint16_t* parcel) {
          if (at < pc || at + 2 > pc + 4 * words.size()) return false;
          const uint32_t w = words[(at - pc) / 4];
          *parcel = static_cast<uint16_t>((at - pc) % 4 == 0 ? w : w >> 16);
          return true;
        },
        limits, &target);
    if (!tb) {
      ADD_FAILURE() << tb.error().message;
      return {};
    }
    blocks_.push_back(std::move(*tb));
    const TranslatedBlock& block = blocks_.back();
    isa::Module m = make_guest_module(kLinearBytes);
    m.funcs.push_back(block.fn);
    auto ok = isa::verify_code(m, static_cast<uint32_t>(m.funcs.size() - 1));
    EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error().message);

    std::vector<uint8_t> before(linear(), linear() + kLinearBytes);
    const std::vector<Call> calls_before = mem_->calls;
    const Outcome a = execute(block, Tier::Interpreter);
    std::vector<uint8_t> after(linear(), linear() + kLinearBytes);
    const std::vector<Call> calls_after = mem_->calls;

    // The baseline code as SVI programs get it, then as the hart compiles units (its promises:
    // fixed memory, r0 zero), each from the same memory and calls as the interpreter.
    for (const Tier tier : {Tier::Baseline, Tier::BaselinePromised}) {
      std::memcpy(linear(), before.data(), kLinearBytes);
      mem_->calls = calls_before;
      const Outcome c = execute(block, tier);
      const char* what = tier == Tier::Baseline ? "baseline JIT" : "baseline JIT (promised)";
      EXPECT_EQ(a.status, c.status) << "interpreter and " << what << " disagree";
      EXPECT_EQ(a.ret, c.ret) << "interpreter and " << what << " disagree";
      EXPECT_EQ(a.trap_kind, c.trap_kind) << what;
      EXPECT_EQ(0, std::memcmp(after.data(), linear(), kLinearBytes))
          << "memory differs between the interpreter and " << what;
      EXPECT_EQ(calls_after, mem_->calls) << "helper calls differ: interpreter and " << what;
    }
    std::memcpy(linear(), after.data(), kLinearBytes);
    mem_->calls = calls_after;
    return a;
  }

  const TranslatedBlock& last_block() const { return blocks_.back(); }

 private:
  enum class Tier { Interpreter, Baseline, BaselinePromised };

  Outcome execute(const TranslatedBlock& block, Tier tier) {
    funcs_.emplace_back();
    vm::FuncInfo& fn = funcs_.back();
    init_block_func(fn, block.fn, *inst_, static_cast<uint32_t>(funcs_.size()));
    if (tier != Tier::Interpreter) {
      // vm::execute zeroes the frame, so r0 is 0 as the hart keeps it.
      const bool promised = tier == Tier::BaselinePromised;
      const baseline::CodePromises promises{.fixed_memory = promised, .zero_r0 = promised};
      EXPECT_TRUE(jit_->compile(fn, block.fn, nullptr, promises))
          << "baseline JIT refused the unit";
    }
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx{1, 2};
    if (give_memory) cx.user_data_ptr = static_cast<void*>(static_cast<SysMemory*>(mem_.get()));
    vm::Value result{};
    vm::Trap trap;
    Outcome o;
    o.status = vm::execute(st, cx, &fn, nullptr, &result, &trap);
    if (o.status == vm::ExecStatus::Returned) o.ret = result.bits;
    if (o.status == vm::ExecStatus::Trapped) {
      o.trap_kind = trap.kind;
      o.trap_message = trap.message;
    }
    return o;
  }

  // Declared so that compiled code goes before the functions and blocks it points into.
  std::unique_ptr<vm::Instance> inst_;
  std::deque<TranslatedBlock> blocks_;
  std::deque<vm::FuncInfo> funcs_;
  std::unique_ptr<CodeCache> cache_;
  std::unique_ptr<baseline::BaselineJit> jit_;
  std::unique_ptr<vm::rv64sys::SoftTlb> tlb_;
  std::unique_ptr<FakeMemory> mem_;
};

}  // namespace strata::jit::rv64::systest
