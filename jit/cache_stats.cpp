#include "jit/cache_stats.hpp"

#include <fmt/format.h>

#include "jit/code_entry.hpp"

namespace strata::jit {

namespace {

std::string human_bytes(uint64_t b) {
  if (b < 1024) return fmt::format("{} B", b);
  if (b < (1u << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(b) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(b) / (1024.0 * 1024.0));
}

}  // namespace

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kEvicted: return "evicted";
    case DropReason::kInvalidated: return "invalidated";
    case DropReason::kReplaced: return "replaced";
  }
  return "?";
}

std::string format_stats(const CacheStats& s) {
  const uint64_t lookups = s.hits + s.misses;
  const double hit_pct =
      lookups == 0 ? 0.0 : 100.0 * static_cast<double>(s.hits) / static_cast<double>(lookups);
  std::string out = "jit code cache\n";
  out +=
      fmt::format("  translations   {}  (mean {:.2f} µs, p99 {:.2f} µs; install mean {:.2f} µs)\n",
                  s.translations, s.translate_mean_us, s.translate_p99_us, s.install_mean_us);
  out += fmt::format("  host code      {} live in {} entries; {} of {} arena in use\n",
                     human_bytes(s.live_bytes), s.live_entries, human_bytes(s.arena_used_bytes),
                     human_bytes(s.capacity_bytes));
  out += fmt::format("  lookups        {} hits, {} misses ({:.1f}% hits)\n", s.hits, s.misses,
                     hit_pct);
  out +=
      fmt::format("  evictions      {} chunks ({} entries)\n", s.evicted_chunks, s.evicted_entries);
  out += fmt::format("  invalidations  {} entries, {} replaced; {} installs refused\n",
                     s.invalidated_entries, s.replaced_entries, s.install_failures);
  return out;
}

}  // namespace strata::jit
