#include "jit/opt/opt_auto.hpp"

#include <fmt/format.h>

#include "vm/interp.hpp"

namespace strata::jit::opt {

OptAutoTier::OptAutoTier(baseline::BaselineJit& jit, CodeCache& cache, uint32_t threshold)
    : jit_(jit), pin_(cache.register_executor()), threshold_(threshold) {}

OptAutoTier::~OptAutoTier() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void OptAutoTier::arm(vm::Program& p) {
  vm::TierUp t;
  t.promote = &OptAutoTier::promote;
  t.ctx = this;
  t.threshold = threshold_;
  p.set_tier_up(t);
}

bool OptAutoTier::promote(void* self, vm::FuncInfo& fn) {
  auto* tier = static_cast<OptAutoTier*>(self);
  if (tier->has_done_.load(std::memory_order_acquire)) tier->drain();
  // Still counted although compiled: its optimized code is pending (or was just installed).
  if (fn.jit_entry != nullptr) return true;
  const bool ok = tier->jit_.compile(fn);
  ++(ok ? tier->baseline_promoted_ : tier->baseline_failed_);
  tier->enqueue(Job{&fn});
  // Keep this function's calls counted, i.e. keep safe points coming, until its optimized code
  // is published; the interpreter enters the baseline code after each count.
  if (ok) fn.call_code = &vm::kCountCallWord;
  return ok;
}

void OptAutoTier::drain() {
  std::vector<Finished> ready;
  {
    std::lock_guard lock(mu_);
    ready.swap(done_);
    has_done_.store(false, std::memory_order_relaxed);
  }
  for (const Finished& f : ready) {
    vm::FuncInfo* fn = f.job.fn;
    if (f.job.osr_pc != OptRequest::kNoOsrPc) {
      // Entered at the next slice check on a back-edge to that header (opt_auto_osr.cpp).
      osr_entries_[{fn, f.job.osr_pc}] = f.osr_entry;
      osr_functions_[fn].in_flight = false;
      continue;
    }
    entry_queued_.erase(fn);
    if (vm::JitEntry entry = f.entry; entry != nullptr) {
      vm::set_jit_entry(*fn, entry);
      ++opt_installed_;
    } else {
      // Declined (or no opt tier): stop counting; it keeps its baseline code, if any.
      vm::set_jit_entry(*fn, fn->jit_entry);
    }
  }
}

void OptAutoTier::enqueue(Job job) {
  job.memory_floor = job.fn->inst->memory.size();
  if (job.osr_pc == OptRequest::kNoOsrPc) entry_queued_.insert(job.fn);
  {
    std::lock_guard lock(mu_);
    todo_.push_back(job);
    ++(job.osr_pc == OptRequest::kNoOsrPc ? queued_ : osr_queued_);
    if (!thread_.joinable()) thread_ = std::thread(&OptAutoTier::worker, this);
  }
  cv_.notify_all();
}

void OptAutoTier::worker() {
  // Loading maps LLVM (a few ms): done here so that the run never waits for it.
  auto loaded = OptTier::load();
  {
    std::lock_guard lock(mu_);
    if (loaded)
      opt_ = std::move(*loaded);
    else
      load_error_ = loaded.error().message;
  }
  for (;;) {
    Finished f;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
      if (stop_) return;
      f.job = todo_.front();
      todo_.pop_front();
      ++busy_;
    }
    if (opt_ != nullptr && f.job.osr_pc != OptRequest::kNoOsrPc)
      f.osr_entry = opt_->translate_osr(*f.job.fn, f.job.osr_pc, f.job.memory_floor);
    else if (opt_ != nullptr)
      f.entry = opt_->translate(*f.job.fn, f.job.memory_floor);
    {
      std::lock_guard lock(mu_);
      done_.push_back(f);
      has_done_.store(true, std::memory_order_release);
      --busy_;
    }
    cv_.notify_all();
  }
}

void OptAutoTier::wait_idle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stop_ || (todo_.empty() && busy_ == 0); });
}

std::string OptAutoTier::format_stats() const {
  std::lock_guard lock(mu_);
  std::string s = fmt::format(
      "auto: {} functions promoted to baseline (threshold {} calls), {} stayed interpreted; "
      "{} queued for opt, {} opt-compiled functions installed\n",
      baseline_promoted_, threshold_, baseline_failed_, queued_, opt_installed_);
  if (osr_armed_)
    s += fmt::format(
        "osr: {} activations moved into optimized code at a back-edge ({} OSR entries queued)\n",
        osr_opt_entries_, osr_queued_);
  if (opt_ != nullptr)
    s += opt_->format_stats();
  else if (!load_error_.empty())
    s += fmt::format("opt: not loaded: {}\n", load_error_);
  else
    s += "opt: not loaded\n";
  return s;
}

}  // namespace strata::jit::opt
