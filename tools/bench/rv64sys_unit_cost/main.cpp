// rv64sys_unit_cost: what translating and baseline-compiling one full-system unit costs, in the
// calling thread's CPU time (so the figures hold on a machine other jobs load, unlike a boot's
// wall time). Units are entered at pseudo-random 2-aligned offsets of a RISC-V Linux Image's
// first TEXT bytes (the same offsets every run), fetched from the entry's 4 KiB page only, as
// the hart fetches, and translated for the supervisor's MMU index as the hart translates
// (kHartRegion); every unit is then compiled by the baseline tier under the hart's code
// promises. Each pass is repeated; the fastest is printed (per unit, and per guest
// instruction), for regions and for entry blocks alone.
//
// Usage: rv64sys_unit_cost IMAGE [--units N] [--passes K] [--text BYTES]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/compile_timer.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translation_cache.hpp"
#include "jit/rv64/translator.hpp"
#include "jit/rv64sys/sys_code_cache.hpp"
#include "vm/memory.hpp"
#include "vm/rv64sys/sys_layout.hpp"

namespace {

using namespace strata;
namespace rv64 = strata::jit::rv64;

constexpr std::uint64_t kVirtBase = 0xffff'ffff'8000'0000;

struct Options {
  std::string image;
  unsigned units = 3000, passes = 3;
  std::uint64_t text = 8 << 20;
};

struct PassCost {
  std::uint64_t translate_ns = 0, compile_ns = 0, guest_insns = 0, units = 0, compiled = 0;
};

// One pass over `entries`: translate each (as a region, or its entry block only), then compile
// each. The units live until the pass ends (the code cache's drop hook reaches their FuncInfo).
PassCost run_pass(const std::vector<std::uint8_t>& image, const std::vector<std::uint64_t>& entries,
                  const rv64::RegionLimits& limits, vm::Instance& inst) {
  PassCost c;
  std::vector<std::unique_ptr<rv64::CachedBlock>> units;
  const rv64::SystemTarget target{vm::rv64sys::MmuIndex::Supervisor};
  std::uint64_t t0 = jit::thread_cpu_ns();
  for (std::uint64_t off : entries) {
    const std::uint64_t page = off & ~0xfffull;
    const rv64::FetchFn fetch = [&image, page](std::uint64_t va, std::uint16_t* parcel) {
      const std::uint64_t at = va - kVirtBase;
      if ((at & ~0xfffull) != page || at + 2 > image.size()) return false;
      std::memcpy(parcel, image.data() + at, 2);
      return true;
    };
    auto t = rv64::translate_region(kVirtBase + off, fetch, limits, &target);
    if (!t) continue;
    auto b = std::make_unique<rv64::CachedBlock>();
    b->block = std::move(*t);
    rv64::init_block_func(b->func, b->block.fn, inst, static_cast<std::uint32_t>(units.size()));
    c.guest_insns += b->block.guest_insns;
    units.push_back(std::move(b));
  }
  c.translate_ns = jit::thread_cpu_ns() - t0;
  c.units = units.size();
  auto code = jit::CodeCache::create({.capacity_bytes = std::size_t{256} << 20, .name = "bench"});
  if (!code) return c;
  jit::baseline::BaselineJit baseline(**code);
  const jit::baseline::CodePromises& promises = jit::rv64sys::kHartUnitPromises;
  t0 = jit::thread_cpu_ns();
  for (auto& u : units)
    if (baseline.compile(u->func, u->block.fn, nullptr, promises)) ++c.compiled;
  c.compile_ns = jit::thread_cpu_ns() - t0;
  return c;
}

void report(const char* what, const std::vector<PassCost>& passes) {
  auto best_t = std::min_element(passes.begin(), passes.end(),
                                 [](auto& a, auto& b) { return a.translate_ns < b.translate_ns; });
  auto best_c = std::min_element(passes.begin(), passes.end(),
                                 [](auto& a, auto& b) { return a.compile_ns < b.compile_ns; });
  const double units = static_cast<double>(best_t->units);
  const double insns = static_cast<double>(best_t->guest_insns);
  fmt::print(
      "{:<13} {} units, {:.1f} guest instructions each: translation {:.2f} us/unit ({:.3f} "
      "us/instruction), baseline compile {:.2f} us/unit ({} compiled)\n",
      what, best_t->units, insns / units, static_cast<double>(best_t->translate_ns) / 1e3 / units,
      static_cast<double>(best_t->translate_ns) / 1e3 / insns,
      static_cast<double>(best_c->compile_ns) / 1e3 / static_cast<double>(best_c->compiled),
      best_c->compiled);
}

int usage(const char* why) {
  std::fprintf(stderr,
               "rv64sys_unit_cost: %s\nusage: rv64sys_unit_cost IMAGE [--units N] [--passes K] "
               "[--text BYTES]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--units" && has_value) {
      o.units = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--passes" && has_value) {
      o.passes = static_cast<unsigned>(std::stoul(argv[++i]));
    } else if (a == "--text" && has_value) {
      o.text = std::stoull(argv[++i]);
    } else if (a.starts_with("--")) {
      return usage(("unknown option " + a).c_str());
    } else {
      o.image = a;
    }
  }
  if (o.image.empty()) return usage("no image given");
  if (o.units == 0 || o.passes == 0) return usage("--units and --passes must be positive");
  std::ifstream in(o.image, std::ios::binary);
  const std::vector<std::uint8_t> image{std::istreambuf_iterator<char>(in), {}};
  if (image.size() < 0x2000) return usage("the image is missing or too small");
  const std::uint64_t text = std::min<std::uint64_t>(o.text, image.size()) - 0x1000;
  std::vector<std::uint64_t> entries;
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (unsigned i = 0; i < o.units; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    entries.push_back((0x1000 + (x >> 16) % text) & ~1ull);
  }
  auto inst = rv64::make_guest_instance(vm::rv64sys::kRamLinear + vm::LinearMemory::kPageSize);
  if (!inst) return usage(inst.error().message.c_str());
  for (const auto& [what, limits] :
       {std::pair{"regions", jit::rv64sys::kHartRegion},
        std::pair{"entry blocks", rv64::RegionLimits{.max_insns = rv64::kMaxBlockInsns,
                                  .max_blocks = 1,
                                  .slots = jit::rv64sys::kHartRegion.slots}}}) {
    std::vector<PassCost> passes;
    for (unsigned p = 0; p < o.passes; ++p)
      passes.push_back(run_pass(image, entries, limits, **inst));
    report(what, passes);
  }
  return 0;
}
