// A snapshot of the code cache's counters and the block `strata run --stats` prints.
#pragma once

#include <cstdint>
#include <string>

namespace strata::jit {

struct CacheStats {
  uint64_t translations = 0;      // successful installs
  uint64_t install_failures = 0;  // installs refused (too big, emitter error, cache busy)
  uint64_t bytes_installed = 0;   // host code bytes ever installed
  uint64_t live_entries = 0;      // entries in the index now
  uint64_t live_bytes = 0;        // host code bytes of those entries
  uint64_t arena_used_bytes = 0;  // bytes of the live chunks in use (live + dead code + padding)
  uint64_t capacity_bytes = 0;    // the size bound
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evicted_chunks = 0;
  uint64_t evicted_entries = 0;
  uint64_t invalidated_entries = 0;
  uint64_t replaced_entries = 0;
  // Translation = the compile time the installer measured + the cache's install time.
  double translate_mean_us = 0;
  double translate_p99_us = 0;
  // The cache's share alone: allocation, copy/relocation, indexing.
  double install_mean_us = 0;
  double install_p99_us = 0;
};

// Multi-line, human-readable, ends with a newline. Example:
//   jit code cache
//     translations   1204  (mean 2.31 µs, p99 7.80 µs; install mean 0.41 µs)
//     host code      182.4 KiB live in 1180 entries; 256.0 KiB of 64.0 MiB arena in use
//     lookups        98231 hits, 1204 misses (98.8% hits)
//     evictions      0 chunks (0 entries)
//     invalidations  24 entries, 0 replaced; 0 installs refused
std::string format_stats(const CacheStats& s);

}  // namespace strata::jit
