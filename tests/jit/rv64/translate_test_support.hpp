// Shared rig of the translator tests: RV64 encoders, a 1 MiB guest instance, and a runner that
// translates the block at a pc, verifies it as SVI, runs it in the interpreter and again from
// the same starting memory through the baseline JIT, and checks both tiers agree.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "isa/verifier.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translator.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64::test {

namespace state = vm::rv64::state;

// ---- encoders (RISC-V unprivileged spec, chapter 2 formats) ----
namespace enc {
constexpr uint32_t r(uint32_t opc, uint32_t f3, uint32_t f7, unsigned rd, unsigned rs1,
                     unsigned rs2) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr uint32_t i(uint32_t opc, uint32_t f3, unsigned rd, unsigned rs1, int32_t imm) {
  return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
}
constexpr uint32_t s(uint32_t opc, uint32_t f3, unsigned rs1, unsigned rs2, int32_t imm) {
  const auto u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) |
         opc;
}
constexpr uint32_t b(uint32_t f3, unsigned rs1, unsigned rs2, int32_t imm) {
  const auto u = static_cast<uint32_t>(imm);
  return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
         (f3 << 12) | (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
constexpr uint32_t u(uint32_t opc, unsigned rd, uint32_t imm) {
  return (imm & 0xfffff000u) | (rd << 7) | opc;
}
constexpr uint32_t j(unsigned rd, int32_t imm) {
  const auto u = static_cast<uint32_t>(imm);
  return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
         (((u >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
constexpr uint32_t amo(uint32_t f5, uint32_t f3, unsigned rd, unsigned rs1, unsigned rs2) {
  return (f5 << 27) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x2f;
}
}  // namespace enc

// clang-format off
namespace rv {
inline uint32_t lui(unsigned rd, uint32_t imm) { return enc::u(0x37, rd, imm); }
inline uint32_t auipc(unsigned rd, uint32_t imm) { return enc::u(0x17, rd, imm); }
inline uint32_t jal(unsigned rd, int32_t off) { return enc::j(rd, off); }
inline uint32_t jalr(unsigned rd, unsigned rs1, int32_t off) { return enc::i(0x67, 0, rd, rs1, off); }
inline uint32_t beq(unsigned a, unsigned b, int32_t off) { return enc::b(0, a, b, off); }
inline uint32_t bne(unsigned a, unsigned b, int32_t off) { return enc::b(1, a, b, off); }
inline uint32_t blt(unsigned a, unsigned b, int32_t off) { return enc::b(4, a, b, off); }
inline uint32_t bge(unsigned a, unsigned b, int32_t off) { return enc::b(5, a, b, off); }
inline uint32_t bltu(unsigned a, unsigned b, int32_t off) { return enc::b(6, a, b, off); }
inline uint32_t bgeu(unsigned a, unsigned b, int32_t off) { return enc::b(7, a, b, off); }
inline uint32_t load(uint32_t f3, unsigned rd, unsigned rs1, int32_t off) { return enc::i(0x03, f3, rd, rs1, off); }
inline uint32_t lb(unsigned rd, unsigned rs1, int32_t o) { return load(0, rd, rs1, o); }
inline uint32_t lh(unsigned rd, unsigned rs1, int32_t o) { return load(1, rd, rs1, o); }
inline uint32_t lw(unsigned rd, unsigned rs1, int32_t o) { return load(2, rd, rs1, o); }
inline uint32_t ld(unsigned rd, unsigned rs1, int32_t o) { return load(3, rd, rs1, o); }
inline uint32_t lbu(unsigned rd, unsigned rs1, int32_t o) { return load(4, rd, rs1, o); }
inline uint32_t lhu(unsigned rd, unsigned rs1, int32_t o) { return load(5, rd, rs1, o); }
inline uint32_t lwu(unsigned rd, unsigned rs1, int32_t o) { return load(6, rd, rs1, o); }
inline uint32_t sb(unsigned rs2, unsigned rs1, int32_t o) { return enc::s(0x23, 0, rs1, rs2, o); }
inline uint32_t sh(unsigned rs2, unsigned rs1, int32_t o) { return enc::s(0x23, 1, rs1, rs2, o); }
inline uint32_t sw(unsigned rs2, unsigned rs1, int32_t o) { return enc::s(0x23, 2, rs1, rs2, o); }
inline uint32_t sd(unsigned rs2, unsigned rs1, int32_t o) { return enc::s(0x23, 3, rs1, rs2, o); }
inline uint32_t addi(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 0, rd, rs1, imm); }
inline uint32_t slti(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 2, rd, rs1, imm); }
inline uint32_t sltiu(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 3, rd, rs1, imm); }
inline uint32_t xori(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 4, rd, rs1, imm); }
inline uint32_t ori(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 6, rd, rs1, imm); }
inline uint32_t andi(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x13, 7, rd, rs1, imm); }
inline uint32_t slli(unsigned rd, unsigned rs1, int sh) { return enc::i(0x13, 1, rd, rs1, sh); }
inline uint32_t srli(unsigned rd, unsigned rs1, int sh) { return enc::i(0x13, 5, rd, rs1, sh); }
inline uint32_t srai(unsigned rd, unsigned rs1, int sh) { return enc::i(0x13, 5, rd, rs1, 0x400 | sh); }
inline uint32_t addiw(unsigned rd, unsigned rs1, int32_t imm) { return enc::i(0x1b, 0, rd, rs1, imm); }
inline uint32_t slliw(unsigned rd, unsigned rs1, int sh) { return enc::i(0x1b, 1, rd, rs1, sh); }
inline uint32_t srliw(unsigned rd, unsigned rs1, int sh) { return enc::i(0x1b, 5, rd, rs1, sh); }
inline uint32_t sraiw(unsigned rd, unsigned rs1, int sh) { return enc::i(0x1b, 5, rd, rs1, 0x400 | sh); }
inline uint32_t op(uint32_t f3, uint32_t f7, unsigned rd, unsigned a, unsigned b) { return enc::r(0x33, f3, f7, rd, a, b); }
inline uint32_t op32(uint32_t f3, uint32_t f7, unsigned rd, unsigned a, unsigned b) { return enc::r(0x3b, f3, f7, rd, a, b); }
inline uint32_t add(unsigned rd, unsigned a, unsigned b) { return op(0, 0, rd, a, b); }
inline uint32_t sub(unsigned rd, unsigned a, unsigned b) { return op(0, 0x20, rd, a, b); }
inline uint32_t sll(unsigned rd, unsigned a, unsigned b) { return op(1, 0, rd, a, b); }
inline uint32_t slt(unsigned rd, unsigned a, unsigned b) { return op(2, 0, rd, a, b); }
inline uint32_t sltu(unsigned rd, unsigned a, unsigned b) { return op(3, 0, rd, a, b); }
inline uint32_t xor_(unsigned rd, unsigned a, unsigned b) { return op(4, 0, rd, a, b); }
inline uint32_t srl(unsigned rd, unsigned a, unsigned b) { return op(5, 0, rd, a, b); }
inline uint32_t sra(unsigned rd, unsigned a, unsigned b) { return op(5, 0x20, rd, a, b); }
inline uint32_t or_(unsigned rd, unsigned a, unsigned b) { return op(6, 0, rd, a, b); }
inline uint32_t and_(unsigned rd, unsigned a, unsigned b) { return op(7, 0, rd, a, b); }
inline uint32_t addw(unsigned rd, unsigned a, unsigned b) { return op32(0, 0, rd, a, b); }
inline uint32_t subw(unsigned rd, unsigned a, unsigned b) { return op32(0, 0x20, rd, a, b); }
inline uint32_t sllw(unsigned rd, unsigned a, unsigned b) { return op32(1, 0, rd, a, b); }
inline uint32_t srlw(unsigned rd, unsigned a, unsigned b) { return op32(5, 0, rd, a, b); }
inline uint32_t sraw(unsigned rd, unsigned a, unsigned b) { return op32(5, 0x20, rd, a, b); }
inline uint32_t mul(unsigned rd, unsigned a, unsigned b) { return op(0, 1, rd, a, b); }
inline uint32_t mulh(unsigned rd, unsigned a, unsigned b) { return op(1, 1, rd, a, b); }
inline uint32_t mulhsu(unsigned rd, unsigned a, unsigned b) { return op(2, 1, rd, a, b); }
inline uint32_t mulhu(unsigned rd, unsigned a, unsigned b) { return op(3, 1, rd, a, b); }
inline uint32_t div(unsigned rd, unsigned a, unsigned b) { return op(4, 1, rd, a, b); }
inline uint32_t divu(unsigned rd, unsigned a, unsigned b) { return op(5, 1, rd, a, b); }
inline uint32_t rem(unsigned rd, unsigned a, unsigned b) { return op(6, 1, rd, a, b); }
inline uint32_t remu(unsigned rd, unsigned a, unsigned b) { return op(7, 1, rd, a, b); }
inline uint32_t mulw(unsigned rd, unsigned a, unsigned b) { return op32(0, 1, rd, a, b); }
inline uint32_t divw(unsigned rd, unsigned a, unsigned b) { return op32(4, 1, rd, a, b); }
inline uint32_t divuw(unsigned rd, unsigned a, unsigned b) { return op32(5, 1, rd, a, b); }
inline uint32_t remw(unsigned rd, unsigned a, unsigned b) { return op32(6, 1, rd, a, b); }
inline uint32_t remuw(unsigned rd, unsigned a, unsigned b) { return op32(7, 1, rd, a, b); }
inline uint32_t csr(uint32_t f3, unsigned rd, uint32_t csr, unsigned rs1_or_zimm) {
  return (csr << 20) | (rs1_or_zimm << 15) | (f3 << 12) | (rd << 7) | 0x73;
}
inline uint32_t csrrw(unsigned rd, uint32_t c, unsigned rs1) { return csr(1, rd, c, rs1); }
inline uint32_t csrrs(unsigned rd, uint32_t c, unsigned rs1) { return csr(2, rd, c, rs1); }
inline uint32_t csrrc(unsigned rd, uint32_t c, unsigned rs1) { return csr(3, rd, c, rs1); }
inline uint32_t csrrwi(unsigned rd, uint32_t c, unsigned z) { return csr(5, rd, c, z); }
inline uint32_t csrrsi(unsigned rd, uint32_t c, unsigned z) { return csr(6, rd, c, z); }
inline uint32_t csrrci(unsigned rd, uint32_t c, unsigned z) { return csr(7, rd, c, z); }
inline uint32_t lr_w(unsigned rd, unsigned rs1) { return enc::amo(0x02, 2, rd, rs1, 0); }
inline uint32_t lr_d(unsigned rd, unsigned rs1) { return enc::amo(0x02, 3, rd, rs1, 0); }
inline uint32_t sc_w(unsigned rd, unsigned rs1, unsigned rs2) { return enc::amo(0x03, 2, rd, rs1, rs2); }
inline uint32_t sc_d(unsigned rd, unsigned rs1, unsigned rs2) { return enc::amo(0x03, 3, rd, rs1, rs2); }
constexpr uint32_t kEcall = 0x00000073, kEbreak = 0x00100073, kFence = 0x0ff0000f;
constexpr uint32_t kFenceI = 0x0000100f, kMret = 0x30200073, kSret = 0x10200073, kWfi = 0x10500073;
constexpr uint32_t kNop = 0x00000013;
}  // namespace rv

// The region entered at `va` of a program of 4-byte instructions `words` placed at `va` (for
// tests that compile a translated unit themselves).
inline TranslatedBlock translate_words(const std::vector<uint32_t>& words, uint64_t va,
                                       const SystemTarget* sys = nullptr) {
  auto tb = translate_region(
      va,
      [&](uint64_t at, uint16_t* parcel) {
        if (at < va || at + 2 > va + 4 * words.size()) return false;
        const uint32_t w = words[(at - va) / 4];
        *parcel = static_cast<uint16_t>((at - va) % 4 == 0 ? w : w >> 16);
        return true;
      },
      RegionLimits{}, sys);
  EXPECT_TRUE(tb.has_value()) << (tb ? "" : tb.error().message);
  return tb ? std::move(*tb) : TranslatedBlock{};
}
// clang-format on

// AMO funct5 values.
enum AmoF5 : uint32_t {
  kAmoAdd = 0x00,
  kAmoSwap = 0x01,
  kAmoXor = 0x04,
  kAmoOr = 0x08,
  kAmoAnd = 0x0c,
  kAmoMin = 0x10,
  kAmoMax = 0x14,
  kAmoMinu = 0x18,
  kAmoMaxu = 0x1c,
};

inline constexpr uint64_t kGuestBytes = uint64_t{1} << 20;  // guest [0x7000, 0x107000)
inline constexpr uint64_t kCode = 0x10000;
inline constexpr uint64_t kData = 0x20000;
inline constexpr uint64_t kTop = vm::rv64::kGuestOrigin + kGuestBytes;

struct Outcome {
  vm::ExecStatus status = vm::ExecStatus::Returned;
  uint64_t ret = 0;
  vm::TrapKind trap_kind = vm::TrapKind::Explicit;
  uint32_t trap_pc = 0;  // SVI pc of the trapping instruction
  // At a memory trap: the linear address accessed (mem_addr_regs register + the SVI offset).
  std::optional<uint64_t> fault_linear;
};

class Rig {
 public:
  Rig() {
    auto inst = make_guest_instance(kGuestBytes);
    if (!inst) std::abort();
    inst_ = std::move(*inst);
    auto cache = CodeCache::create({});
    if (!cache) std::abort();
    cache_ = std::move(*cache);
    jit_ = std::make_unique<baseline::BaselineJit>(*cache_);
    // A time slice no test loop exhausts unless it asks for a shorter one.
    set_state(vm::rv64::state::kSliceLeft, uint64_t{1} << 40);
  }

  uint8_t* linear() { return inst_->memory.data(); }
  uint64_t state(uint32_t off) {
    uint64_t v;
    std::memcpy(&v, linear() + off, 8);
    return v;
  }
  void set_state(uint32_t off, uint64_t v) { std::memcpy(linear() + off, &v, 8); }
  uint64_t x(unsigned i) { return state(vm::rv64::x_offset(i)); }
  void set_x(unsigned i, uint64_t v) { set_state(vm::rv64::x_offset(i), v); }
  template <typename T>
  void poke(uint64_t guest, T v) {
    std::memcpy(linear() + (guest - vm::rv64::kGuestOrigin), &v, sizeof v);
  }
  template <typename T>
  T peek(uint64_t guest) {
    T v;
    std::memcpy(&v, linear() + (guest - vm::rv64::kGuestOrigin), sizeof v);
    return v;
  }
  void code(const std::vector<uint32_t>& words, uint64_t at = kCode) {
    for (uint32_t w : words) {
      poke<uint32_t>(at, w);
      at += 4;
    }
  }
  void code16(const std::vector<uint16_t>& parcels, uint64_t at = kCode) {
    for (uint16_t p : parcels) {
      poke<uint16_t>(at, p);
      at += 2;
    }
  }

  // Parcels at or past this guest address cannot be fetched (an unmapped page).
  uint64_t fetch_end = kTop;
  // Compare the interpreter with the baseline JIT on every run (off for nondeterminism: time).
  bool also_jit = true;
  // What run() translates: one block (translate_block) unless a test asks for regions.
  RegionLimits limits{kMaxBlockInsns, 1};

  Result<TranslatedBlock> translate(uint64_t pc) {
    return translate_region(
        pc,
        [this](uint64_t at, uint16_t* parcel) {
          if (at < vm::rv64::kGuestMinAddr || at + 2 > fetch_end || at + 2 > kTop) return false;
          *parcel = peek<uint16_t>(at);
          return true;
        },
        limits);
  }

  // Translates the block at `pc`, checks it verifies, runs it (and, from the same memory, its
  // baseline-compiled code). The memory afterwards is the interpreter's run's.
  Outcome run(uint64_t pc = kCode) {
    auto tb = translate(pc);
    if (!tb) {
      ADD_FAILURE() << tb.error().message;
      return {};
    }
    blocks_.push_back(std::move(*tb));
    const TranslatedBlock& block = blocks_.back();
    verify(block);

    std::vector<uint8_t> before(linear(), linear() + kGuestBytes);
    const Outcome a = execute(block, Tier::Interpreter);
    if (also_jit) {
      std::vector<uint8_t> after(linear(), linear() + kGuestBytes);
      // The baseline code as SVI programs get it, then as the runner compiles units (its
      // promises: fixed memory, r0 zero), each from the same memory as the interpreter.
      for (const Tier tier : {Tier::Baseline, Tier::BaselinePromised}) {
        std::memcpy(linear(), before.data(), kGuestBytes);
        const Outcome c = execute(block, tier);
        const char* what = tier == Tier::Baseline ? "baseline JIT" : "baseline JIT (promised)";
        EXPECT_EQ(a.status, c.status) << "interpreter and " << what << " disagree";
        EXPECT_EQ(a.ret, c.ret) << "interpreter and " << what << " disagree";
        EXPECT_EQ(a.trap_kind, c.trap_kind) << what;
        EXPECT_EQ(a.trap_pc, c.trap_pc) << what;
        EXPECT_EQ(a.fault_linear, c.fault_linear) << what;
        EXPECT_EQ(0, std::memcmp(after.data(), linear(), kGuestBytes))
            << "guest memory differs between the interpreter and " << what;
      }
      std::memcpy(linear(), after.data(), kGuestBytes);
    }
    return a;
  }

  const TranslatedBlock& last_block() const { return blocks_.back(); }

  static void verify(const TranslatedBlock& block) {
    isa::Module m = make_guest_module(kGuestBytes);
    m.funcs.push_back(block.fn);
    auto ok = isa::verify_code(m, static_cast<uint32_t>(m.funcs.size() - 1));
    EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error().message);
  }

 private:
  enum class Tier { Interpreter, Baseline, BaselinePromised };

  Outcome execute(const TranslatedBlock& block, Tier tier) {
    funcs_.emplace_back();
    vm::FuncInfo& fn = funcs_.back();
    init_block_func(fn, block.fn, *inst_, static_cast<uint32_t>(funcs_.size()));
    if (tier != Tier::Interpreter) {
      // vm::execute zeroes the frame, so r0 is 0 as the runner keeps it.
      const baseline::CodePromises promises{.fixed_memory = tier == Tier::BaselinePromised,
                                            .zero_r0 = tier == Tier::BaselinePromised};
      EXPECT_TRUE(jit_->compile(fn, block.fn, nullptr, promises))
          << "baseline JIT refused the block";
    }
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx{1, 2};
    vm::Value result{};
    vm::Trap trap;
    Outcome o;
    o.status = vm::execute(st, cx, &fn, nullptr, &result, &trap);
    if (o.status == vm::ExecStatus::Returned) o.ret = result.bits;
    if (o.status == vm::ExecStatus::Trapped) {
      o.trap_kind = trap.kind;
      o.trap_pc = trap.trace.empty() ? ~0u : trap.trace.front().pc;
      for (const auto& [svi_pc, reg] : block.mem_addr_regs)
        if (svi_pc == o.trap_pc)  // the runner's formula: the register plus the access's offset
          o.fault_linear = st.stack[reg].bits + isa::c_of(block.fn.code[svi_pc]);
    }
    return o;
  }

  // Declared so that compiled code goes before the functions and blocks it points into.
  std::unique_ptr<vm::Instance> inst_;
  std::deque<TranslatedBlock> blocks_;
  std::deque<vm::FuncInfo> funcs_;
  std::unique_ptr<CodeCache> cache_;
  std::unique_ptr<baseline::BaselineJit> jit_;
};

}  // namespace strata::jit::rv64::test
