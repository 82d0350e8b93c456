// A thread that runs GC_gcollect back to back for as long as the object lives, so that
// collections start at arbitrary moments of whatever the test runs meanwhile.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm::heap_test {

class CollectorThread {
 public:
  CollectorThread()
      : thread_([this] {
          heap_register_thread();
          while (!stop_.load()) {
            GC_gcollect();
            collections_.fetch_add(1);
          }
          heap_unregister_thread();
        }) {}
  ~CollectorThread() {
    stop_.store(true);
    thread_.join();
  }
  CollectorThread(const CollectorThread&) = delete;
  CollectorThread& operator=(const CollectorThread&) = delete;
  uint64_t collections() const { return collections_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> collections_{0};
  std::thread thread_;
};

}  // namespace strata::vm::heap_test
