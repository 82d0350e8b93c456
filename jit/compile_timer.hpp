// Measures one translation for CodeCache::install's `compile_ns`: start it before compiling,
// pass elapsed_ns() to install. The cache adds its own install time to it.
#pragma once

#include <chrono>
#include <cstdint>

namespace strata::jit {

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
