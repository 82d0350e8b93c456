// Tier selection for the differential tests (svi_tiers.hpp).
#include "tests/support/svi_tiers.hpp"

#ifdef STRATA_SVI_HAVE_BASELINE
#include "jit/baseline/auto_tier.hpp"
#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "vm/instance.hpp"
#endif
#ifdef STRATA_SVI_HAVE_OPT
#include "jit/opt/opt_auto.hpp"
#include "jit/opt/opt_loader.hpp"
#endif

namespace strata::svigen {

std::vector<std::string> available_tiers() {
#ifdef STRATA_SVI_HAVE_BASELINE
  return {"off", "baseline", "baseline-odd", "baseline-even", "auto", "osr"};
#else
  return {"off"};
#endif
}

std::vector<std::string> all_tiers() {
  std::vector<std::string> tiers = available_tiers();
#ifdef STRATA_SVI_HAVE_OPT
  tiers.push_back("opt");
  tiers.push_back("osr-opt");
#endif
  return tiers;
}

#ifdef STRATA_SVI_HAVE_OPT
namespace {
// Loaded once: dlopen of the LLVM module and creating its compiler cost tens of milliseconds,
// and the tier owns the code of every program it compiled, so it lives as long as the process.
jit::opt::OptTier* opt_tier(std::string& error) {
  static auto tier = jit::opt::OptTier::load();
  if (!tier) {
    error = "opt tier: " + tier.error().message;
    return nullptr;
  }
  return tier->get();
}
}  // namespace
#endif

TierRun run_main_on_tier(vm::Program& p, const std::string& tier) {
  TierRun out;
#ifdef STRATA_SVI_HAVE_OPT
  if (tier == "opt") {
    jit::opt::OptTier* opt = opt_tier(out.error);
    if (opt == nullptr) return out;
    const uint64_t declined = opt->stats().declined;
    opt->compile_program(p);
    if (opt->stats().declined != declined) out.error = opt->format_stats();
    out.result = p.run_main({});
    return out;
  }
  if (tier == "osr-opt") {
    // --jit=auto with OSR: a low call threshold, tiny slices, and loops queued for an optimized
    // OSR entry at their second slice, compiled while the run waits, so interpreted, baseline
    // and optimized frames (entered at calls or mid-loop from either) all mix in one run.
    auto cache = jit::CodeCache::create({});
    if (!cache) {
      out.error = "code cache: " + cache.error().message;
      return out;
    }
    jit::baseline::BaselineJit jit(**cache);
    jit::opt::OptAutoTier auto_tier(jit, **cache, kAutoTestThreshold);
    auto_tier.arm(p);
    auto_tier.arm_osr(p, kOsrTestSlice, 2);
    auto_tier.set_osr_synchronous(true);
    out.result = p.run_main({});
    const std::string stats = auto_tier.format_stats();
    if (stats.find("opt: declined") != std::string::npos ||
        stats.find("opt: not loaded:") != std::string::npos)
      out.error = stats;
    return out;
  }
#endif
  if (tier == "off") {
    out.result = p.run_main({});
    return out;
  }
#ifdef STRATA_SVI_HAVE_BASELINE
  if (tier.starts_with("baseline") || tier == "auto" || tier == "osr") {
    auto cache = jit::CodeCache::create({});
    if (!cache) {
      out.error = "code cache: " + cache.error().message;
      return out;
    }
    jit::baseline::BaselineJit jit(**cache);  // must outlive the run
    if (tier == "auto") {
      // A low threshold so that promotion happens mid-program, with interpreted and freshly
      // compiled activations of the same function on the stack.
      jit::baseline::AutoTier auto_tier(jit, **cache, kAutoTestThreshold);
      auto_tier.arm(p);
      out.result = p.run_main({});
      if (auto_tier.failed() != 0) out.error = auto_tier.format_stats();
      return out;
    }
    if (tier == "osr") {
      // Tiny fuel slices: activations move into compiled code after a few back-edges, in
      // whichever function and at whichever depth a slice runs out.
      jit::baseline::AutoTier auto_tier(jit, **cache);
      auto_tier.arm(p);
      jit.arm_osr(p, kOsrTestSlice);
      out.result = p.run_main({});
      if (auto_tier.failed() != 0) out.error = auto_tier.format_stats();
      return out;
    }
    if (tier == "baseline") {
      jit.compile_program(p);
    } else {  // mixed: interpreted and compiled functions call each other
      bool odd = tier == "baseline-odd";
      if (!odd && tier != "baseline-even") {
        out.error = "no tier '" + tier + "' in this build";
        return out;
      }
      for (const auto& inst : p.instances())
        for (vm::FuncInfo& f : inst->funcs)
          if ((f.index % 2 == 1) == odd) jit.compile(f);
    }
    if (jit.stats().fallen_back != 0) out.error = jit.format_stats();
    out.result = p.run_main({});
    return out;
  }
#endif
  out.error = "no tier '" + tier + "' in this build";
  return out;
}

}  // namespace strata::svigen
