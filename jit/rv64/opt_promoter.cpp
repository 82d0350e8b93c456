#include "jit/rv64/opt_promoter.hpp"

#include <new>

#include <fmt/format.h>

namespace strata::jit::rv64 {

Result<std::unique_ptr<OptPromoter>> OptPromoter::create(OptUnitCache& cache, Mode mode) {
  std::unique_ptr<OptPromoter> p(new OptPromoter(cache, mode));
  if (mode == Mode::Sync) {
    auto tier = opt::OptTier::load();
    if (!tier) return fail("rv64: --jit=opt: {}", tier.error().message);
    p->tier_ = std::move(*tier);
  } else {
    p->thread_ = std::thread([raw = p.get()] { raw->worker(); });
  }
  cache.set_opt_owner(p.get());
  return p;
}

OptPromoter::~OptPromoter() {
  stop();
  // The tier, and all its code, goes with this object: the cache has nothing left to free.
  cache_.set_opt_owner(nullptr);
}

void OptPromoter::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    to_release_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OptPromoter::quiesce_for_fork() {
  if (mode_ == Mode::Background) wait_idle();
}

void OptPromoter::restart_after_fork() {
  if (mode_ != Mode::Background || !thread_.joinable()) return;
  // The parent's worker is not in this process: its handle must never be joined or detached,
  // so it is moved to a leaked object. The lock and the condition variable were copied while
  // the worker waited (quiesce_for_fork), with the worker's wait in their state: fresh ones.
  new std::thread(std::move(thread_));
  new (&mu_) std::mutex();
  new (&cv_) std::condition_variable();
  thread_ = std::thread([this] { worker(); });
}

// The unit's body and FuncInfo never change after translation (nor its for_opt retranslation's,
// made before the request), and a dropped unit is kept alive until its result is drained: reading
// them here races with nothing. The slots are owned by the unit compiled (the unit or its
// for_opt) and never move.
vm::JitEntry OptPromoter::compile(const Request& r) {
  const CachedBlock& unit = r.unit->for_opt != nullptr ? *r.unit->for_opt : *r.unit;
  const baseline::ChainExits* exits = r.exits.ctx != nullptr ? &r.exits : nullptr;
  return tier_->translate(unit.func, unit.block.fn, /*guest_unit=*/true, 0, exits);
}

void OptPromoter::request(CachedBlock& b) {
  // The exits of the code LLVM compiles: its for_opt's own slots when it has one.
  Request r{&b, cache_.opt_exits(b.for_opt != nullptr ? *b.for_opt : b)};
  b.opt = CachedBlock::Opt::Pending;
  // Entries by indirect exits no longer count towards LLVM (TranslationCache::refresh_entry).
  b.entry.count = nullptr;
  b.entry.weight = 0;
  if (mode_ == Mode::Sync) {
    cache_.finish_opt(b, compile(r));
    return;
  }
  {
    std::lock_guard lock(mu_);
    todo_.push_back(std::move(r));
  }
  cv_.notify_one();
}

void OptPromoter::release(vm::JitEntry entry) {
  if (mode_ == Mode::Sync) {
    tier_->release(entry);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;  // the tier frees everything when it goes
    to_release_.push_back(entry);
  }
  cv_.notify_one();
}

void OptPromoter::drain() {
  std::vector<std::pair<CachedBlock*, vm::JitEntry>> done;
  {
    std::lock_guard lock(mu_);
    done.swap(done_);
    has_done_.store(false, std::memory_order_relaxed);
  }
  for (auto& [b, entry] : done) cache_.finish_opt(*b, entry);
}

void OptPromoter::wait_idle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stopping_ || (todo_.empty() && to_release_.empty() && busy_ == 0); });
}

void OptPromoter::worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !todo_.empty() || !to_release_.empty(); });
    if (stopping_) return;
    std::vector<vm::JitEntry> release;
    release.swap(to_release_);
    Request r;
    if (!todo_.empty()) {
      r = std::move(todo_.front());
      todo_.pop_front();
    }
    CachedBlock* b = r.unit;
    ++busy_;
    lock.unlock();
    if (tier_ == nullptr && load_error_.empty() && b != nullptr) {
      auto tier = opt::OptTier::load();
      lock.lock();  // format_stats reads both
      if (tier)
        tier_ = std::move(*tier);
      else
        load_error_ = tier.error().message;
      lock.unlock();
    }
    if (tier_ != nullptr)
      for (vm::JitEntry e : release) tier_->release(e);
    const vm::JitEntry entry = b != nullptr && tier_ != nullptr ? compile(r) : nullptr;
    lock.lock();
    --busy_;
    if (b != nullptr) {
      done_.emplace_back(b, entry);
      has_done_.store(true, std::memory_order_relaxed);
    }
    cv_.notify_all();
  }
}

std::string OptPromoter::format_stats() const {
  std::lock_guard lock(mu_);
  if (!load_error_.empty()) return fmt::format("rv64 opt tier: not loaded: {}\n", load_error_);
  // Sync mode, or the worker has loaded it: either way the tier no longer changes.
  if (tier_ == nullptr) return "rv64 opt tier: not loaded (no unit got hot)\n";
  return "rv64 opt tier\n  " + tier_->format_stats();
}

}  // namespace strata::jit::rv64
