#include "jit/rv64/guest_fault.hpp"

#include <ucontext.h>

#include <mutex>

namespace strata::jit::rv64 {

namespace {

thread_local GuestFaultTrap* t_trap = nullptr;
struct sigaction g_prev_segv, g_prev_bus;
std::once_flag g_installed;

}  // namespace

void guest_fault_handler(int sig, siginfo_t* info, void* context) {
  GuestFaultTrap* t = t_trap;
  const auto* addr = static_cast<const uint8_t*>(info->si_addr);
  const bool inside = t != nullptr && addr >= t->lo_ && addr < t->lo_ + t->size_;
  if (inside && t->hook_ != nullptr && t->hook_(t->hook_ctx_, static_cast<uint64_t>(addr - t->lo_)))
    return;  // the access is possible now: retried on return
  if (inside && t->armed) {
    t->armed = 0;
    t->fault_offset_ = static_cast<uint64_t>(addr - t->lo_);
    t->fault_signal_ = sig;
#if defined(__x86_64__)
    // Bit 1 of the page-fault error code: the access was a write.
    const auto* uc = static_cast<const ucontext_t*>(context);
    t->fault_write_ = (uc->uc_mcontext.gregs[REG_ERR] & 2) != 0;
#else
    (void)context;
#endif
    siglongjmp(t->jump, 1);
  }
  // Not a guest access: let it fault again under the previous action.
  sigaction(sig, sig == SIGBUS ? &g_prev_bus : &g_prev_segv, nullptr);
}

GuestFaultTrap::GuestFaultTrap(const uint8_t* lo, uint64_t size, WriteHook hook, void* hook_ctx)
    : lo_(lo), size_(size), hook_(hook), hook_ctx_(hook_ctx), outer_(t_trap) {
  std::call_once(g_installed, [] {
    struct sigaction sa {};
    sa.sa_sigaction = guest_fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_prev_segv);
    sigaction(SIGBUS, &sa, &g_prev_bus);
  });
  t_trap = this;
}

GuestFaultTrap::~GuestFaultTrap() {
  t_trap = outer_;
}

}  // namespace strata::jit::rv64
