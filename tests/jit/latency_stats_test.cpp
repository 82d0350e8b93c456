#include "jit/latency_stats.hpp"

#include <gtest/gtest.h>

namespace strata::jit {
namespace {

TEST(LatencyStats, EmptyIsZero) {
  LatencyStats s;
  EXPECT_EQ(s.count(), 0u);
  EXPECT_EQ(s.mean_us(), 0.0);
  EXPECT_EQ(s.p99_us(), 0.0);
}

TEST(LatencyStats, MeanAndP99OfOneToHundredMicroseconds) {
  LatencyStats s;
  // Recorded out of order: the percentile must not depend on arrival order.
  for (uint64_t i = 100; i >= 1; --i) s.record_ns(i * 1000);
  EXPECT_EQ(s.count(), 100u);
  EXPECT_DOUBLE_EQ(s.mean_us(), 50.5);
  EXPECT_DOUBLE_EQ(s.p99_us(), 99.0);  // nearest rank: the 99th of 100
  EXPECT_DOUBLE_EQ(s.percentile_us(50), 50.0);
  EXPECT_DOUBLE_EQ(s.percentile_us(100), 100.0);
  EXPECT_DOUBLE_EQ(s.percentile_us(0), 1.0);
}

TEST(LatencyStats, P99SeesTheRareOutlier) {
  LatencyStats s;
  for (int i = 0; i < 990; ++i) s.record_ns(1000);
  for (int i = 0; i < 10; ++i) s.record_ns(250'000);
  EXPECT_DOUBLE_EQ(s.p99_us(), 1.0);  // 990 of 1000 samples (99%) are 1 µs
  s.record_ns(250'000);
  EXPECT_DOUBLE_EQ(s.p99_us(), 250.0);  // now rank ceil(0.99*1001)=991 is an outlier
}

TEST(LatencyStats, PercentilesUseTheRecentWindowMeanUsesAll) {
  LatencyStats s;
  for (size_t i = 0; i < LatencyStats::kWindow; ++i) s.record_ns(1'000'000);  // 1000 µs
  for (size_t i = 0; i < LatencyStats::kWindow; ++i) s.record_ns(2000);       // 2 µs
  EXPECT_DOUBLE_EQ(s.p99_us(), 2.0);
  EXPECT_DOUBLE_EQ(s.mean_us(), 501.0);
  EXPECT_EQ(s.count(), 2 * LatencyStats::kWindow);
}

}  // namespace
}  // namespace strata::jit
