#include "jit/baseline/auto_tier.hpp"

#include <fmt/format.h>

#include "vm/interp.hpp"

namespace strata::jit::baseline {

AutoTier::AutoTier(BaselineJit& jit, CodeCache& cache, uint32_t threshold)
    : jit_(jit), pin_(cache.register_executor()), threshold_(threshold) {}

void AutoTier::arm(vm::Program& p) {
  vm::TierUp t;
  t.promote = &AutoTier::promote;
  t.ctx = this;
  t.threshold = threshold_;
  p.set_tier_up(t);
}

bool AutoTier::promote(void* self, vm::FuncInfo& fn) {
  auto* tier = static_cast<AutoTier*>(self);
  const bool ok = tier->jit_.compile(fn);
  ++(ok ? tier->promoted_ : tier->failed_);
  return ok;
}

std::string AutoTier::format_stats() const {
  return fmt::format(
      "auto: {} functions promoted to baseline (threshold {} calls), {} stayed "
      "interpreted (compile failed or cache full)\n",
      promoted_, threshold_, failed_);
}

}  // namespace strata::jit::baseline
