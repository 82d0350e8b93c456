// GuestFaultTrap: turns a host fault on the guest's protected pages (GuestMemory's host
// protection) into a guest SIGSEGV, and one on a shared file page past the file's end into a
// guest SIGBUS, instead of a crash of strata.
//
//   GuestFaultTrap trap(mem.linear().data(), mem.linear().size());
//   if (sigsetjmp(trap.jump, 0) != 0) { ...guest SIGSEGV at trap.fault_addr()... }
//   trap.armed = true;  run a block;  trap.armed = false;
//
// The SIGSEGV/SIGBUS handler (installed once per process, SA_NODEFER so the signal is not left
// blocked after the jump) jumps back only when the fault is inside [lo, hi) AND this thread has
// an armed trap: a fault anywhere else is a real bug, and the handler then restores the
// previous action and returns, so the access faults again and the process dies as it would
// have without us. Before that, a fault inside [lo, hi) is offered to the optional write hook
// (armed or not, since the kernel side may store too): when the hook says it made the access
// possible (a store into a write-protected code page, GuestMemory::resolve_code_write), the
// handler returns and the access is retried. The jump abandons the frames of the block being run
// (interpreter or compiled code): the guest is over, and those frames own nothing that needs a
// destructor.
#pragma once

#include <csetjmp>
#include <csignal>
#include <cstdint>

namespace strata::jit::rv64 {

class GuestFaultTrap {
 public:
  // Called in the signal handler with the fault's offset in [lo, lo + size): async-signal-safe.
  using WriteHook = bool (*)(void* ctx, uint64_t offset);

  GuestFaultTrap(const uint8_t* lo, uint64_t size, WriteHook hook = nullptr,
                 void* hook_ctx = nullptr);
  ~GuestFaultTrap();
  GuestFaultTrap(const GuestFaultTrap&) = delete;
  GuestFaultTrap& operator=(const GuestFaultTrap&) = delete;

  sigjmp_buf jump;
  volatile sig_atomic_t armed = 0;

  // The faulting host address's offset in [lo, lo + size), and whether it was a write.
  uint64_t fault_offset() const { return fault_offset_; }
  bool fault_was_write() const { return fault_write_; }
  // SIGSEGV (a protected page), or SIGBUS (a shared file page past the end of its file).
  int fault_signal() const { return fault_signal_; }

 private:
  friend void guest_fault_handler(int, siginfo_t*, void*);
  const uint8_t* lo_;
  uint64_t size_;
  WriteHook hook_;
  void* hook_ctx_;
  GuestFaultTrap* outer_;
  volatile uint64_t fault_offset_ = 0;
  volatile bool fault_write_ = false;
  volatile int fault_signal_ = SIGSEGV;
};

}  // namespace strata::jit::rv64
