// Shared rig of the F/D tests: encoders for the float instructions, and a runner that builds a
// block from instructions with BlockBuilder + translate_float (no integer translator needed),
// verifies it as SVI, runs it in the interpreter and again, from the same starting memory,
// through the baseline JIT twice (as SVI programs get it, and with the code promises the RV64
// runner makes for its units), and checks that every tier agrees on the result and on all
// memory. run_translated does the same with a block from the whole translator (translate_block).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "isa/rv64/decoder.hpp"
#include "isa/verifier.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_loader.hpp"
#include "jit/rv64/block_builder.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translate_float.hpp"
#include "jit/rv64/translator.hpp"
#include "vm/interp.hpp"
#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64::ftest {

namespace state = vm::rv64::state;

// fflags bits and rounding modes, spelled out here rather than taken from the code under test.
inline constexpr uint64_t NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;
inline constexpr unsigned RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4, DYN = 7;

inline constexpr uint64_t kQnanD = 0x7ff8000000000000ull;
inline constexpr uint64_t kQnanS = 0xffffffff7fc00000ull;  // canonical single, boxed

inline uint64_t box(uint32_t bits) {
  return 0xffffffff00000000ull | bits;
}
inline uint64_t bs(float f) {
  return box(std::bit_cast<uint32_t>(f));
}
inline uint64_t bd(double d) {
  return std::bit_cast<uint64_t>(d);
}

// ---- encoders (RISC-V unprivileged spec: OP-FP, LOAD-FP, STORE-FP, the R4 fused forms) ----
// clang-format off
namespace fp {
inline uint32_t r(uint32_t f7, unsigned rd, unsigned rs1, unsigned rs2, unsigned rm) {
  return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53;
}
// fmt: 0 single, 1 double (the low bit of funct7)
inline uint32_t fadd(int fmt, unsigned rd, unsigned a, unsigned b, unsigned rm = RNE) { return r(0x00 | fmt, rd, a, b, rm); }
inline uint32_t fsub(int fmt, unsigned rd, unsigned a, unsigned b, unsigned rm = RNE) { return r(0x04 | fmt, rd, a, b, rm); }
inline uint32_t fmul(int fmt, unsigned rd, unsigned a, unsigned b, unsigned rm = RNE) { return r(0x08 | fmt, rd, a, b, rm); }
inline uint32_t fdiv(int fmt, unsigned rd, unsigned a, unsigned b, unsigned rm = RNE) { return r(0x0c | fmt, rd, a, b, rm); }
inline uint32_t fsqrt(int fmt, unsigned rd, unsigned a, unsigned rm = RNE) { return r(0x2c | fmt, rd, a, 0, rm); }
inline uint32_t fsgnj(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x10 | fmt, rd, a, b, 0); }
inline uint32_t fsgnjn(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x10 | fmt, rd, a, b, 1); }
inline uint32_t fsgnjx(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x10 | fmt, rd, a, b, 2); }
inline uint32_t fmin(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x14 | fmt, rd, a, b, 0); }
inline uint32_t fmax(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x14 | fmt, rd, a, b, 1); }
inline uint32_t fle(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x50 | fmt, rd, a, b, 0); }
inline uint32_t flt(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x50 | fmt, rd, a, b, 1); }
inline uint32_t feq(int fmt, unsigned rd, unsigned a, unsigned b) { return r(0x50 | fmt, rd, a, b, 2); }
inline uint32_t fclass(int fmt, unsigned rd, unsigned a) { return r(0x70 | fmt, rd, a, 0, 1); }
// float -> int: kind 0 w, 1 wu, 2 l, 3 lu (the rs2 field)
inline uint32_t fcvt_to_int(int fmt, unsigned kind, unsigned rd, unsigned a, unsigned rm) { return r(0x60 | fmt, rd, a, kind, rm); }
inline uint32_t fcvt_from_int(int fmt, unsigned kind, unsigned rd, unsigned a, unsigned rm) { return r(0x68 | fmt, rd, a, kind, rm); }
inline uint32_t fcvt_s_d(unsigned rd, unsigned a, unsigned rm = RNE) { return r(0x20, rd, a, 1, rm); }
inline uint32_t fcvt_d_s(unsigned rd, unsigned a, unsigned rm = RNE) { return r(0x21, rd, a, 0, rm); }
inline uint32_t fmv_x_w(unsigned rd, unsigned a) { return r(0x70, rd, a, 0, 0); }
inline uint32_t fmv_x_d(unsigned rd, unsigned a) { return r(0x71, rd, a, 0, 0); }
inline uint32_t fmv_w_x(unsigned rd, unsigned a) { return r(0x78, rd, a, 0, 0); }
inline uint32_t fmv_d_x(unsigned rd, unsigned a) { return r(0x79, rd, a, 0, 0); }
// R4: opcode 0x43 fmadd, 0x47 fmsub, 0x4b fnmsub, 0x4f fnmadd
inline uint32_t r4(uint32_t opc, int fmt, unsigned rd, unsigned a, unsigned b, unsigned c, unsigned rm) {
  return (c << 27) | (static_cast<uint32_t>(fmt) << 25) | (b << 20) | (a << 15) | (rm << 12) | (rd << 7) | opc;
}
inline uint32_t fmadd(int fmt, unsigned rd, unsigned a, unsigned b, unsigned c, unsigned rm = RNE) { return r4(0x43, fmt, rd, a, b, c, rm); }
inline uint32_t fmsub(int fmt, unsigned rd, unsigned a, unsigned b, unsigned c, unsigned rm = RNE) { return r4(0x47, fmt, rd, a, b, c, rm); }
inline uint32_t fnmsub(int fmt, unsigned rd, unsigned a, unsigned b, unsigned c, unsigned rm = RNE) { return r4(0x4b, fmt, rd, a, b, c, rm); }
inline uint32_t fnmadd(int fmt, unsigned rd, unsigned a, unsigned b, unsigned c, unsigned rm = RNE) { return r4(0x4f, fmt, rd, a, b, c, rm); }
inline uint32_t flw(unsigned rd, unsigned rs1, int32_t imm) { return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (2u << 12) | (rd << 7) | 0x07; }
inline uint32_t fld(unsigned rd, unsigned rs1, int32_t imm) { return (static_cast<uint32_t>(imm & 0xfff) << 20) | (rs1 << 15) | (3u << 12) | (rd << 7) | 0x07; }
inline uint32_t fstore(uint32_t f3, unsigned rs2, unsigned rs1, int32_t imm) {
  const auto u = static_cast<uint32_t>(imm);
  return (((u >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 0x1f) << 7) | 0x27;
}
inline uint32_t fsw(unsigned rs2, unsigned rs1, int32_t imm) { return fstore(2, rs2, rs1, imm); }
inline uint32_t fsd(unsigned rs2, unsigned rs1, int32_t imm) { return fstore(3, rs2, rs1, imm); }
}  // namespace fp
// clang-format on

inline constexpr int S = 0, D = 1;
inline constexpr uint64_t kGuestBytes = uint64_t{1} << 20;
inline constexpr uint64_t kPc = 0x10000;
inline constexpr uint64_t kData = 0x20000;

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
  }

  uint64_t state(uint32_t off) {
    uint64_t v;
    std::memcpy(&v, data() + off, 8);
    return v;
  }
  void set_state(uint32_t off, uint64_t v) { std::memcpy(data() + off, &v, 8); }
  uint64_t f(unsigned i) { return state(vm::rv64::f_offset(i)); }
  void set_f(unsigned i, uint64_t bits) { set_state(vm::rv64::f_offset(i), bits); }
  uint64_t x(unsigned i) { return state(vm::rv64::x_offset(i)); }
  void set_x(unsigned i, uint64_t v) { set_state(vm::rv64::x_offset(i), v); }
  uint64_t fflags() { return state(state::kFcsr) & 0x1f; }
  void set_fcsr(uint64_t v) { set_state(state::kFcsr, v); }
  template <typename T>
  void poke(uint64_t guest, T v) {
    std::memcpy(data() + (guest - vm::rv64::kGuestOrigin), &v, sizeof v);
  }
  template <typename T>
  T peek(uint64_t guest) {
    T v;
    std::memcpy(&v, data() + (guest - vm::rv64::kGuestOrigin), sizeof v);
    return v;
  }

  // Translates `insns` (at kPc, kPc + 4, ...) into one block ending with a return of the next
  // pc, verifies it, runs it on both tiers; returns what the interpreter's run returned (the
  // memory afterwards is its run's).
  uint64_t run(const std::vector<uint32_t>& insns) {
    BlockBuilder b;
    uint64_t pc = kPc;
    for (uint32_t raw : insns) {
      const isa::rv64::DecodedInsn in = isa::rv64::decode(raw);
      EXPECT_NE(in.op, isa::rv64::Opcode::Illegal) << std::hex << raw;
      b.begin_insn(pc);
      EXPECT_TRUE(translate_float(b, in, pc)) << "not translated: " << std::hex << raw;
      pc += 4;
    }
    const uint16_t next = b.tmp();
    b.load_const(next, pc);
    b.emit_return(next);
    return run_function(b.finish("float_block"));
  }

  // The same, but the block comes from the whole translator (translate_block) reading `insns`
  // from guest memory at kPc: float and integer instructions together, as a guest runs them.
  uint64_t run_translated(const std::vector<uint32_t>& insns) {
    uint64_t at = kPc;
    for (uint32_t w : insns) {
      poke<uint32_t>(at, w);
      at += 4;
    }
    auto tb = translate_block(kPc, [this, at](uint64_t pc, uint16_t* parcel) {
      if (pc < kPc || pc + 2 > at) return false;
      *parcel = peek<uint16_t>(pc);
      return true;
    });
    if (!tb) {
      ADD_FAILURE() << tb.error().message;
      return 0;
    }
    return run_function(std::move(tb->fn), /*with_llvm=*/true);
  }

  // Verifies `fn`, runs it in the interpreter, then through the baseline JIT without and with
  // the runner's promises (and, `with_llvm`, compiled by LLVM as the runner's units are), each
  // from the interpreter's starting memory; all must return the same and leave the same memory
  // (the interpreter's stays).
  uint64_t run_function(isa::Function fn, bool with_llvm = false) {
    bodies_.push_back(std::move(fn));
    const isa::Function& body = bodies_.back();

    isa::Module m = make_guest_module(kGuestBytes);
    m.funcs.push_back(body);
    auto ok = isa::verify_code(m, static_cast<uint32_t>(m.funcs.size() - 1));
    EXPECT_TRUE(ok.has_value()) << (ok ? "" : ok.error().message);

    std::vector<uint8_t> before(data(), data() + kGuestBytes);
    const uint64_t interp = execute(body, Tier::Interpreter);
    std::vector<uint8_t> after(data(), data() + kGuestBytes);
    std::vector<Tier> tiers = {Tier::Baseline, Tier::BaselinePromised};
    if (with_llvm) tiers.push_back(Tier::Llvm);
    for (const Tier tier : tiers) {
      std::memcpy(data(), before.data(), kGuestBytes);
      const uint64_t jit = execute(body, tier);
      const char* what = tier == Tier::Baseline           ? "baseline JIT"
                         : tier == Tier::BaselinePromised ? "baseline JIT (promised)"
                                                          : "LLVM";
      EXPECT_EQ(interp, jit) << "interpreter and " << what << " disagree";
      EXPECT_EQ(0, std::memcmp(after.data(), data(), kGuestBytes))
          << "guest memory differs between the interpreter and " << what;
    }
    std::memcpy(data(), after.data(), kGuestBytes);
    return interp;
  }

  uint64_t run(uint32_t insn) { return run(std::vector<uint32_t>{insn}); }

  // The many one-instruction checks: operands in f1, f2, f3, fcsr = frm `frm` and no flags;
  // returns f4 (tests put an f result there; an x result is read with x()).
  uint64_t one(uint32_t insn, uint64_t a, uint64_t b = 0, uint64_t c = 0, unsigned frm = 0) {
    set_f(1, a);
    set_f(2, b);
    set_f(3, c);
    set_f(4, 0x5555555555555555ull);
    set_fcsr(frm << 5);
    EXPECT_EQ(run(insn), kPc + 4);
    return f(4);
  }

 private:
  enum class Tier { Interpreter, Baseline, BaselinePromised, Llvm };

  // The optimizing tier, loaded once per test binary (its code lives until the process ends).
  static opt::OptTier* llvm() {
    static auto tier = opt::OptTier::load();
    if (!tier) {
      ADD_FAILURE() << "the optimizing tier cannot be loaded: " << tier.error().message;
      return nullptr;
    }
    return tier->get();
  }

  uint8_t* data() { return inst_->memory.data(); }

  uint64_t execute(const isa::Function& body, Tier tier) {
    funcs_.emplace_back();
    vm::FuncInfo& fn = funcs_.back();
    init_block_func(fn, body, *inst_, static_cast<uint32_t>(funcs_.size()));
    if (tier == Tier::Llvm) {
      if (opt::OptTier* t = llvm(); t != nullptr) {
        vm::JitEntry entry = t->translate(fn, body, /*guest_unit=*/true);
        EXPECT_NE(entry, nullptr) << "LLVM declined the block";
        if (entry != nullptr) vm::set_jit_entry(fn, entry);
      }
    } else if (tier != Tier::Interpreter) {
      // The promises of jit/rv64/translation_cache: the guest memory never moves, and r0 is 0
      // on entry (vm::execute zeroes the frame, as the runner keeps r0).
      const baseline::CodePromises promises{.fixed_memory = tier == Tier::BaselinePromised,
                                            .zero_r0 = tier == Tier::BaselinePromised};
      EXPECT_TRUE(jit_->compile(fn, body, nullptr, promises)) << "baseline JIT refused the block";
    }
    vm::ExecState st{vm::Limits{}};
    vm::HostContext cx{1, 2};
    cx.caller = inst_.get();  // as the runner sets it: leaf helpers called by LLVM code need it
    vm::Value result{};
    vm::Trap trap;
    const vm::ExecStatus status = vm::execute(st, cx, &fn, nullptr, &result, &trap);
    EXPECT_EQ(status, vm::ExecStatus::Returned) << trap.message;
    return result.bits;
  }

  // Declared so that compiled code goes before the functions and bodies it points into.
  std::unique_ptr<vm::Instance> inst_;
  std::deque<isa::Function> bodies_;
  std::deque<vm::FuncInfo> funcs_;
  std::unique_ptr<CodeCache> cache_;
  std::unique_ptr<baseline::BaselineJit> jit_;
};

}  // namespace strata::jit::rv64::ftest
