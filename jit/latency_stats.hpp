// Durations of a repeated operation (a translation, an install): count and mean over all samples,
// percentiles over the most recent kWindow samples.
//
// Why a window of raw samples rather than a histogram: percentiles are then exact (nearest-rank),
// so tests can check them on known inputs, and a percentile describes current behaviour rather
// than the warm-up of the first seconds. Memory is fixed (kWindow * 8 bytes); recording is O(1);
// a percentile query copies and partially sorts the window, O(kWindow), which is fine for the
// occasional `--stats` print but not for a hot path.
//
// Not thread-safe: the owner (CodeCache) records and queries under its own lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace strata::jit {

class LatencyStats {
 public:
  static constexpr size_t kWindow = 4096;

  void record_ns(uint64_t ns);

  uint64_t count() const { return count_; }
  uint64_t total_ns() const { return total_ns_; }
  // Mean over every sample ever recorded, in microseconds; 0 when there is none.
  double mean_us() const;
  // The nearest-rank percentile `p` (0 < p <= 100) of the last min(count, kWindow) samples, in
  // microseconds: the smallest sample that is >= p% of the window. 0 when there is none.
  double percentile_us(double p) const;
  double p99_us() const { return percentile_us(99.0); }

 private:
  std::array<uint64_t, kWindow> window_{};
  uint64_t count_ = 0;
  uint64_t total_ns_ = 0;
};

}  // namespace strata::jit
