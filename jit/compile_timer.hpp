// Measures one translation for CodeCache::install's `compile_ns`: start it before compiling,
// pass elapsed_ns() to install. The cache adds its own install time to it. thread_cpu_ns(): the
// calling thread's CPU time, for work whose wall time includes waits for a core (header-only:
// libstrata_opt.so uses it too and links no strata library).
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>

namespace strata::jit {

inline uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

class CompileTimer {
 public:
  CompileTimer() : start_(std::chrono::steady_clock::now()) {}

  uint64_t elapsed_ns() const {
    auto d = std::chrono::steady_clock::now() - start_;
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace strata::jit
