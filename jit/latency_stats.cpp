#include "jit/latency_stats.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace strata::jit {

void LatencyStats::record_ns(uint64_t ns) {
  window_[count_ % kWindow] = ns;
  ++count_;
  total_ns_ += ns;
}

double LatencyStats::mean_us() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(total_ns_) / static_cast<double>(count_) / 1000.0;
}

double LatencyStats::percentile_us(double p) const {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(count_, kWindow));
  if (n == 0) return 0.0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank: the ceil(p/100 * n)-th smallest sample (1-based), at least the first.
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(n) / 100.0));
  rank = std::clamp<size_t>(rank, 1, n);
  std::vector<uint64_t> v(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(n));
  auto nth = v.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(v.begin(), nth, v.end());
  return static_cast<double>(*nth) / 1000.0;
}

}  // namespace strata::jit
