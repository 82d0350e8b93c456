// OptAutoTier's on-stack replacement (opt_auto.hpp, ON-STACK REPLACEMENT): the vm::OsrHook it
// installs over the baseline tier's, and when a loop gets an optimized OSR entry.
#include "jit/opt/opt_auto.hpp"

namespace strata::jit::opt {

void OptAutoTier::arm_osr(vm::Program& p, uint32_t fuel_slice, uint32_t osr_samples) {
  jit_.arm_osr(p, fuel_slice);  // its stats line counts the moves into baseline code
  below_ = jit_.osr_hook();
  osr_samples_ = osr_samples;
  osr_armed_ = true;
  p.set_osr(vm::OsrHook{&OptAutoTier::find_osr, &OptAutoTier::compile_for_osr, this,
                        &OptAutoTier::upgrade_osr},
            fuel_slice);
}

// An interpreted activation: optimized code if its loop has it ready, else baseline code.
vm::OsrTarget OptAutoTier::find_osr(void* self, const vm::FuncInfo& fn, uint32_t pc) {
  auto* tier = static_cast<OptAutoTier*>(self);
  if (vm::OsrTarget to = tier->optimized_osr(fn, pc); to.entry != nullptr) return to;
  return tier->below_.find(tier->below_.ctx, fn, pc);
}

bool OptAutoTier::compile_for_osr(void* self, vm::FuncInfo& fn) {
  auto* tier = static_cast<OptAutoTier*>(self);
  return tier->below_.compile(tier->below_.ctx, fn);
}

// An activation in baseline code (rt::refuel_backedge): optimized code or nothing.
vm::OsrTarget OptAutoTier::upgrade_osr(void* self, const vm::FuncInfo& fn, uint32_t pc) {
  return static_cast<OptAutoTier*>(self)->optimized_osr(fn, pc);
}

vm::OsrEntry OptAutoTier::ready_osr(const vm::FuncInfo& fn, uint32_t header) const {
  auto it = osr_entries_.find({&fn, header});
  return it != osr_entries_.end() ? it->second : nullptr;
}

// A fuel slice ran out at the taken back-edge `pc` of fn's running activation (on the run's
// thread): the optimized OSR entry at its loop header when ready (any back-edge to the header
// enters it); otherwise this slice is one more sample of that loop, and at osr_samples_ of them
// the loop is queued for one.
vm::OsrTarget OptAutoTier::optimized_osr(const vm::FuncInfo& fn, uint32_t pc) {
  const isa::Word w = fn.code[pc];
  const int32_t offset = isa::branch_offset(w);
  if (!(isa::info(isa::op_of(w)).flags & isa::kBranch) || offset > 0) return {};
  const uint32_t header = pc + static_cast<uint32_t>(offset);
  if (osr_synchronous_ && !entry_queued_.empty()) wait_idle();
  if (has_done_.load(std::memory_order_acquire)) drain();
  if (vm::OsrEntry entry = ready_osr(fn, header); entry != nullptr) {
    ++osr_opt_entries_;
    return vm::OsrTarget{entry, nullptr};
  }
  if (osr_entries_.contains({&fn, header})) return {};  // queued, or declined for good
  if (entry_queued_.contains(&fn)) return {};
  // Samples count between requests only, and per loop: the activation that asked then most
  // likely runs out its next slices in that loop and enters it before another loop gets as many.
  OsrFunction& f = osr_functions_[&fn];
  if (f.in_flight || f.requests >= kMaxOsrEntries || ++f.samples[header] < osr_samples_) return {};
  f.samples.clear();
  f.in_flight = true;
  ++f.requests;
  osr_entries_[{&fn, header}] = nullptr;
  // The FuncInfo is only read by the compile; its table is the Instance's (non-const).
  enqueue(Job{const_cast<vm::FuncInfo*>(&fn), header});
  if (!osr_synchronous_) return {};
  wait_idle();
  drain();
  vm::OsrEntry entry = ready_osr(fn, header);
  if (entry != nullptr) ++osr_opt_entries_;
  return vm::OsrTarget{entry, nullptr};
}

}  // namespace strata::jit::opt
