// BaselineWorker: the full-system hart's baseline compiles, emitted on a thread of their own
// (--jit=auto with HartOptions::background_compiles).
//
// A booting kernel makes some 4000 of its 30000 units hot, and each cost 40-600 us of the hart's
// thread to compile (docs/RISCV_SYSTEM.md): the hart would rather run on, interpreting the unit a
// few more times, while another core emits it. request() queues a unit; the worker emits its
// code (BaselineJit::prepare, which touches neither the cache nor the unit); the hart takes the
// results between unit executions (take_done) and installs them (SysCodeCache::finish_compile),
// so only the hart's thread ever publishes code in the CodeCache or writes a unit's code slot or
// its flags. The worker writes the code into the cache, relocated, where the current chunk has
// room (a reservation: CodeCache::reserve), so that the hart only commits it (relocating and
// copying it was 2% of the hart's time); and it maps the cache's next pages between compiles
// (CodeCache::prefault_ahead), so the hart's first runs there take no page faults.
//
// ORDER. The queue is not first come, first served: a boot requests units in bursts (some
// thousand in a second), and a unit that runs hot now waited behind hundreds that ran their
// sixteen times and went cold, interpreted all the while (465 k of a boot's 669 k interpreted
// unit runs were of queued units). The worker emits the queued unit with the most interpreted
// work since its request (CachedBlock::waited_work: entries and loop iterations), the latest
// request among equals: a boot's interpreted unit runs 669 k -> 440 k, hart CPU -6%
// (docs/RISCV_SYSTEM.md).
//
// SAFETY. The worker reads a queued unit's body and FuncInfo, which never change after
// translation, and its chain context's settings, fixed before the first compile. A unit dropped
// while queued or compiling stays alive, retired by its cache (CachedBlock::baseline_pending,
// SysCodeCache::drop), until its result is taken back; then both go and the code is never
// installed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/rv64/translation_cache.hpp"

namespace strata::jit::rv64sys {

class BaselineWorker {
 public:
  // Units are emitted under `promises` (the hart's, SysCodeCache::code_promises). `code` (may be
  // null): the cache the hart installs them into, where the worker writes them (above).
  explicit BaselineWorker(const baseline::CodePromises& promises, CodeCache* code = nullptr);
  // Stops the worker after its current compile; results not taken are freed. Before the cache
  // that owns the units is destroyed.
  ~BaselineWorker();
  BaselineWorker(const BaselineWorker&) = delete;
  BaselineWorker& operator=(const BaselineWorker&) = delete;

  // Queues `b` (not pending, no code) and marks it pending, to be compiled with the chained
  // `exits` (SysCodeCache::chain_exits; empty: none). The hart's thread.
  void request(rv64::CachedBlock& b, baseline::ChainExits exits = {});
  // True when results wait for take_done() (a relaxed load: the hart loop's cheap check).
  bool has_done() const { return has_done_.load(std::memory_order_relaxed); }
  // The finished compiles: each unit with its code, or null where the emitter refused it. Their
  // units are still marked pending: the caller clears that as it finishes each.
  using Done = std::pair<rv64::CachedBlock*, baseline::BaselineJit::Prepared>;
  std::vector<Done> take_done();
  // The same, but nothing (has_done() stays true) while the worker holds the queue's lock: the
  // hart's loop does not wait for it (a wait was a context switch, 0.5% of a boot's hart).
  std::vector<Done> try_take_done();
  // Blocks until everything queued so far is finished (tests).
  void wait_idle();
  // Tests: while held, the worker starts no compile (one it is emitting finishes).
  void hold(bool on);

 private:
  void worker();
  // take_done's work, with mu_ held.
  std::vector<Done> take_locked();
  // The index in `queue` of the unit to emit next (ORDER above).
  static std::size_t next_index(
      std::span<const std::pair<rv64::CachedBlock*, baseline::ChainExits>> queue);

  const baseline::CodePromises promises_;
  CodeCache* const code_;

  std::mutex mu_;                    // everything below
  std::condition_variable cv_;       // work queued, or stopping
  std::condition_variable idle_cv_;  // the queue ran empty
  std::vector<std::pair<rv64::CachedBlock*, baseline::ChainExits>> todo_;
  std::vector<Done> done_;
  bool busy_ = false;
  bool stopping_ = false;
  bool held_ = false;
  std::atomic<bool> has_done_{false};
  std::thread thread_;
};

}  // namespace strata::jit::rv64sys
