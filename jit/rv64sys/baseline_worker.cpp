#include "jit/rv64sys/baseline_worker.hpp"

namespace strata::jit::rv64sys {

namespace {
// A boot installs some 30 KiB of baseline code per millisecond: mapped a few milliseconds ahead.
constexpr std::size_t kPrefaultAhead = std::size_t{256} << 10;
}  // namespace

BaselineWorker::BaselineWorker(const baseline::CodePromises& promises, CodeCache* code)
    : promises_(promises), code_(code), thread_([this] { worker(); }) {}

BaselineWorker::~BaselineWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BaselineWorker::request(rv64::CachedBlock& b, baseline::ChainExits exits) {
  b.baseline_pending = true;
  std::atomic_ref<std::uint32_t>(b.waited_work).store(0, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    todo_.emplace_back(&b, std::move(exits));
  }
  cv_.notify_one();
}

std::vector<BaselineWorker::Done> BaselineWorker::take_done() {
  std::lock_guard lock(mu_);
  return take_locked();
}

std::vector<BaselineWorker::Done> BaselineWorker::try_take_done() {
  std::unique_lock lock(mu_, std::try_to_lock);
  return lock.owns_lock() ? take_locked() : std::vector<Done>{};
}

std::vector<BaselineWorker::Done> BaselineWorker::take_locked() {
  std::vector<Done> out;
  out.swap(done_);
  has_done_.store(false, std::memory_order_relaxed);
  return out;
}

void BaselineWorker::wait_idle() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return todo_.empty() && !busy_; });
}

void BaselineWorker::hold(bool on) {
  {
    std::lock_guard lock(mu_);
    held_ = on;
  }
  cv_.notify_all();
}

std::size_t BaselineWorker::next_index(
    std::span<const std::pair<rv64::CachedBlock*, baseline::ChainExits>> queue) {
  std::size_t best = queue.size() - 1;
  std::uint32_t most = 0;
  for (std::size_t i = queue.size(); i-- > 0;) {
    const std::uint32_t work =
        std::atomic_ref<std::uint32_t>(queue[i].first->waited_work).load(std::memory_order_relaxed);
    if (work > most) {
      most = work;
      best = i;
    }
  }
  return best;
}

void BaselineWorker::worker() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || (!todo_.empty() && !held_); });
    if (stopping_) return;
    const std::size_t next = next_index(todo_);
    auto [b, exits] = std::move(todo_[next]);
    todo_.erase(todo_.begin() + static_cast<std::ptrdiff_t>(next));
    busy_ = true;
    lock.unlock();
    // The unit cannot go meanwhile (retired while pending), and its body and FuncInfo are
    // immutable: no lock while emitting.
    baseline::BaselineJit::Prepared code =
        baseline::BaselineJit::prepare(b->func, b->block.fn, &exits, promises_, {}, code_);
    if (code_ != nullptr) code_->prefault_ahead(kPrefaultAhead);
    lock.lock();
    busy_ = false;
    done_.emplace_back(b, std::move(code));
    has_done_.store(true, std::memory_order_relaxed);
    if (todo_.empty()) idle_cv_.notify_all();
  }
}

}  // namespace strata::jit::rv64sys
