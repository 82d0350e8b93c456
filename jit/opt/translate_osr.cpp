// SVI -> LLVM IR: the on-stack replacement entry of a function at one of its loop headers
// (OptRequest::osr_pc).
//
// The entry is a function of its own with the whole body: its first block loads every register
// from base[] (where the interpreter and the baseline tier keep them), finishes the backward
// branch the caller stopped at (its unit of fuel) and jumps to the header. Code reached only from
// the function's start is dead in it and LLVM drops it. The header dominates its loop as in the
// whole function, and the loops around it too (they are now entered only through it), so the
// control flow stays reducible and the loop is optimized as under --jit=opt.
#include <optional>
#include <span>
#include <vector>

#include "jit/opt/translator.hpp"

namespace strata::jit::opt {

namespace {

// The registers whose value is known at every loop header: each of their definitions in the
// function is `li r, K` with the same K, and one is in its straight-line start (before the first
// branch or terminator), which every activation runs before any loop. The whole function sees
// them as constants (a remainder by a constant becomes a multiplication); the entry must too,
// rather than load them from base[].
std::vector<std::optional<uint64_t>> constant_registers(std::span<const isa::Insn> insns,
                                                        uint32_t nregs) {
  std::vector<std::optional<uint64_t>> value(nregs);
  std::vector<bool> other_def(nregs, false), in_start(nregs, false);
  bool start = true;
  for (const isa::Insn& in : insns) {
    const isa::OpInfo& info = isa::info(in.op());
    if (info.flags & (isa::kBranch | isa::kTerm)) start = false;
    if (!isa::is_def(info.a)) continue;
    const uint16_t r = isa::a_of(in.word);
    if (r >= nregs) continue;
    if (in.op() != isa::Op::Li) {
      other_def[r] = true;
      continue;
    }
    const auto k = static_cast<uint64_t>(int64_t{isa::sbc_of(in.word)});
    if (value[r].has_value() && *value[r] != k) other_def[r] = true;
    value[r] = k;
    in_start[r] = in_start[r] || start;
  }
  for (uint32_t r = 0; r < nregs; ++r)
    if (other_def[r] || !in_start[r]) value[r].reset();
  return value;
}

}  // namespace

std::string Translator::enter_at_header() {
  bool is_header = false;
  for (const isa::Insn& in : insns_) {
    if (!(isa::info(in.op()).flags & isa::kBranch)) continue;
    const int32_t offset = isa::branch_offset(in.word);
    is_header = is_header || (offset <= 0 && in.pc + static_cast<uint32_t>(offset) == osr_pc_);
  }
  if (!is_header)
    return "no backward branch to pc " + std::to_string(osr_pc_) + " for an OSR entry in " +
           fn_.name;
  llvm::Value* window = f_->getArg(1);
  const std::vector<std::optional<uint64_t>> known = constant_registers(insns_, fn_.nregs);
  for (uint32_t r = 0; r < fn_.nregs; ++r)
    set(static_cast<uint16_t>(r),
        known[r] ? b_.getInt64(*known[r]) : load64(window, uint64_t{r} * 8));
  if (!no_fuel_) {
    // The taken branch's unit, as Translator::branch charges it. The caller has just refilled
    // the slice, so the refuel path is for a caller that breaks that contract: fp->pc is the
    // branch (vm::OsrHook), where an out-of-fuel trap is then reported.
    auto charge = [&] {
      llvm::Value* fuel =
          b_.CreateSub(load64(st_, offsetof(vm::ExecState, fuel_left)), b_.getInt64(1));
      store(fuel, st_, offsetof(vm::ExecState, fuel_left));
      return fuel;
    };
    llvm::BasicBlock* refuel = block("osr.refuel");
    b_.CreateCondBr(b_.CreateICmpSLT(charge(), b_.getInt64(0)), refuel, blocks_[osr_pc_],
                    unlikely_);
    b_.SetInsertPoint(refuel);
    return_if_status(call_helper(rt_.refuel, {}));
    charge();
  }
  b_.CreateBr(blocks_[osr_pc_]);
  return {};
}

}  // namespace strata::jit::opt
