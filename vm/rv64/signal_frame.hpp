// Running guest signal handlers: the Linux riscv64 signal frame, delivery, rt_sigreturn and
// sigaltstack. Internal to vm/rv64 (process.cpp and syscall_signal.cpp).
//
// DELIVERY. A signal whose action is a guest function is made pending when it is raised (by
// kill/tkill/tgkill/rt_sigqueueinfo to itself, SIGPIPE, ...) and delivered when the syscall that
// raised or unblocked it returns (as Linux delivers on the way back to user mode). A synchronous
// fault (SIGSEGV, SIGILL, SIGTRAP, SIGBUS) is delivered at once by the runner through
// Process::deliver_fault. Delivering builds the kernel's struct rt_sigframe {siginfo; ucontext}
// below sp (or at the top of the sigaltstack for SA_ONSTACK), 16-byte aligned, and enters the
// handler with a0 = signo, a1 = &siginfo, a2 = &ucontext, sp = the frame, ra = the sigreturn
// trampoline. RISC-V has no sa_restorer: the kernel returns through the vDSO's rt_sigreturn; the
// guest here gets a read+exec trampoline page instead (`li a7, 139; ecall`), mapped at create.
// A frame that cannot be written (bad stack) kills the process with SIGSEGV, as Linux does.
//
// rt_sigreturn reads the ucontext back at sp, whatever the handler made of it: x1..x31, pc,
// f0..f31, fcsr, the signal mask and the sigaltstack. A frame that cannot be read is a SIGSEGV
// that ends the process (Linux forces SIGSEGV there; a SIGSEGV handler is not given it here).
#pragma once

#include <array>
#include <cstdint>

#include "vm/rv64/syscall_context.hpp"

namespace strata::vm::rv64 {

// Byte offsets of the Linux riscv64 signal frame (arch/riscv/include/uapi/asm/{ucontext,
// sigcontext}.h; glibc's sys/ucontext.h agrees, checked in tests/vm/rv64/signal_test.cpp).
namespace sigframe {
inline constexpr uint64_t kSiginfoSize = 128;
inline constexpr uint64_t kSiSigno = 0;
inline constexpr uint64_t kSiErrno = 4;
inline constexpr uint64_t kSiCode = 8;
inline constexpr uint64_t kSiPid = 16;  // kill-type signals: si_pid, si_uid
inline constexpr uint64_t kSiUid = 20;
inline constexpr uint64_t kSiAddr = 16;   // faults: si_addr
inline constexpr uint64_t kSiValue = 24;  // rt_sigqueueinfo: si_value

// The ucontext follows the siginfo.
inline constexpr uint64_t kUcontext = kSiginfoSize;
// In the ucontext:
inline constexpr uint64_t kUcFlags = 0;
inline constexpr uint64_t kUcLink = 8;
inline constexpr uint64_t kUcStackSp = 16;  // stack_t {void* ss_sp; int ss_flags; size_t ss_size}
inline constexpr uint64_t kUcStackFlags = 24;
inline constexpr uint64_t kUcStackSize = 32;
inline constexpr uint64_t kUcSigmask = 40;  // the kernel's 8-byte sigset, padded to 128 bytes
// struct sigcontext, 16-aligned because __riscv_q_ext_state is.
inline constexpr uint64_t kUcMcontext = 176;
// In the mcontext: gregs[0] = pc, gregs[i] = x_i; then f[32] and fcsr (the D state; the union
// is sized for Q: f[64] + fcsr + 3 reserved words).
inline constexpr uint64_t kMcPc = 0;
inline constexpr uint64_t kMcFpregs = 256;
inline constexpr uint64_t kMcFcsr = kMcFpregs + 32 * 8;
inline constexpr uint64_t kMcSize = 256 + 64 * 8 + 16;
inline constexpr uint64_t kUcSize = kUcMcontext + kMcSize;  // 960
inline constexpr uint64_t kFrameSize = kSiginfoSize + kUcSize;
}  // namespace sigframe

inline constexpr uint32_t kSsOnstack = 1;
inline constexpr uint32_t kSsDisable = 2;
inline constexpr uint32_t kSsAutodisarm = 1u << 31;
inline constexpr uint64_t kMinSigStackSize = 2048;  // riscv MINSIGSTKSZ

// si_code values.
inline constexpr int32_t kSiUser = 0;
inline constexpr int32_t kSiKernel = 0x80;
inline constexpr int32_t kSiTkill = -6;
inline constexpr int32_t kSegvMaperr = 1;
inline constexpr int32_t kSegvAccerr = 2;

using Siginfo = std::array<uint8_t, sigframe::kSiginfoSize>;

// The signal state beyond SignalState (syscall_context.hpp): what delivery needs.
struct SignalDelivery {
  std::array<Siginfo, 65> info{};  // the siginfo of each pending signal, by number
  uint64_t altstack_sp = 0;
  uint64_t altstack_size = 0;
  uint32_t altstack_flags = kSsDisable;  // kSsDisable, or 0 / kSsAutodisarm when set
  uint64_t trampoline = 0;               // guest address of `li a7, 139; ecall`
};

// The trampoline's two instructions.
inline constexpr uint32_t kTrampolineCode[2] = {0x08b00893, 0x00000073};

// A siginfo for a signal sent by a process (SI_USER, SI_TKILL) with its pid and uid.
Siginfo user_siginfo(int sig, int32_t code, int pid, uint32_t uid);
// A siginfo for a synchronous fault at `addr`.
Siginfo fault_siginfo(int sig, int32_t code, uint64_t addr);

// Builds the frame for `sig` (whose action is a guest function) with `info`, saving the state
// page's registers with pc = resume_pc and the current mask, then points the state page at the
// handler (state::kPc = handler) and applies the action's mask, SA_NODEFER and SA_RESETHAND.
// False when the frame could not be written (nothing changed then).
bool setup_frame(SysContext& c, SignalDelivery& d, int sig, const Siginfo& info,
                 uint64_t resume_pc);

// Delivers the pending, unblocked signals after a syscall that would resume at resume_pc: a
// default action is taken (it may end the process: c.outcome), a handler gets a frame (nested
// when several are deliverable). True when a handler was entered (state::kPc is then its
// address).
bool deliver_pending(SysContext& c, SignalDelivery& d, uint64_t resume_pc);

// The signal syscalls that need SignalDelivery (served by Process::syscall before the table).
// rt_sigreturn sets c.outcome to Redirect (continue at state::kPc, a0 as restored) or Signal.
int64_t sys_rt_sigreturn(SysContext& c, SignalDelivery& d);
int64_t sys_sigaltstack(SysContext& c, SignalDelivery& d, const SyscallArgs& a);
// rt_sigqueueinfo (tg == false: tgid, sig, info) and rt_tgsigqueueinfo (tgid, tid, sig, info).
int64_t sys_rt_sigqueueinfo(SysContext& c, SignalDelivery& d, const SyscallArgs& a, bool tg);

}  // namespace strata::vm::rv64
