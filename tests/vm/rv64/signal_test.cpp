// Guest signal handlers (vm/rv64/signal_frame.hpp): the frame's layout against glibc's, delivery
// and rt_sigreturn driven through Process alone, and end to end through `strata run` against
// qemu-riscv64 (a program built at test time; skipped without the cross compiler or qemu).
#include <signal.h>

#include <cstddef>
#include <cstdlib>

#include "tests/vm/rv64/process_test_util.hpp"
#include "vm/rv64/guest_layout.hpp"
#include "vm/rv64/signal_frame.hpp"

namespace strata::vm::rv64::test {
namespace {

namespace sf = sigframe;
using Kind = SyscallOutcome::Kind;

// glibc's riscv64 sys/ucontext.h and bits/siginfo, transcribed (LP64 on both hosts, so the
// layout rules are the same): the constants must match them.
struct GStack {
  uint64_t ss_sp;
  int32_t ss_flags;
  uint64_t ss_size;
};
struct GDState {
  uint64_t f[32];
  uint32_t fcsr;
};
struct GQState {
  alignas(16) uint64_t f[64];
  uint32_t fcsr;
  uint32_t reserved[3];
};
union GFpState {
  GDState d;
  GQState q;
};
struct GMcontext {
  uint64_t gregs[32];
  GFpState fpregs;
};
struct GUcontext {
  uint64_t uc_flags;
  uint64_t uc_link;
  GStack uc_stack;
  uint8_t uc_sigmask[128];
  GMcontext uc_mcontext;
};
static_assert(offsetof(GUcontext, uc_stack) == sf::kUcStackSp);
static_assert(offsetof(GUcontext, uc_stack) + offsetof(GStack, ss_flags) == sf::kUcStackFlags);
static_assert(offsetof(GUcontext, uc_stack) + offsetof(GStack, ss_size) == sf::kUcStackSize);
static_assert(offsetof(GUcontext, uc_sigmask) == sf::kUcSigmask);
static_assert(offsetof(GUcontext, uc_mcontext) == sf::kUcMcontext);
static_assert(offsetof(GMcontext, fpregs) == sf::kMcFpregs);
static_assert(offsetof(GMcontext, fpregs) + offsetof(GDState, fcsr) == sf::kMcFcsr);
static_assert(sizeof(GMcontext) == sf::kMcSize);
static_assert(sizeof(GUcontext) == sf::kUcSize);
static_assert(sf::kFrameSize == 128 + 960);

constexpr uint64_t kRtSigreturn = 139, kSigaltstack = 132, kRtSigqueueinfo = 138;
constexpr uint64_t kSaSiginfo = 4, kSaOnstack = 0x08000000, kSaNodefer = 0x40000000,
                   kSaResethand = 0x80000000;
constexpr uint64_t kHandler = 0x12340;
constexpr uint64_t kEcallPc = 0x10100;

uint64_t bit(int sig) {
  return uint64_t{1} << (sig - 1);
}

class SignalTest : public ProcessTest {
 protected:
  int64_t sigaction(int sig, uint64_t handler, uint64_t flags = 0, uint64_t mask = 0) {
    const uint64_t act[3] = {handler, flags, mask};
    return call(kRtSigaction, static_cast<uint64_t>(sig), put(act, 24), 0, 8);
  }
  uint64_t mask() {
    const uint64_t old = alloc(8);
    EXPECT_EQ(call(kRtSigprocmask, 0, 0, old, 8), 0);
    return get_as<uint64_t>(old);
  }
  // A syscall made by an ecall at kEcallPc, with recognisable values in the other registers.
  int64_t guest_call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0,
                     uint64_t a3 = 0) {
    for (unsigned i = 1; i < 32; ++i) mem_->set_x(i, 0x1000 + i);
    mem_->set_x(2, sp_);
    for (unsigned i = 0; i < 32; ++i) mem_->set_state(f_offset(i), 0xf000 + i);
    mem_->set_state(state::kFcsr, 0x61);
    mem_->set_state(state::kPc, kEcallPc);
    return call(nr, a0, a1, a2, a3);
  }
  void SetUp() override {
    ProcessTest::SetUp();
    if (IsSkipped()) return;
    pid_ = call(kGetpid);
    sp_ = proc_->layout().stack_top - 4096 - 8;  // deliberately not 16-aligned
  }
  uint64_t frame_u64(uint64_t frame, uint64_t off) { return get_as<uint64_t>(frame + off); }
  uint64_t mc(uint64_t frame, uint64_t off) {
    return frame_u64(frame, sf::kUcontext + sf::kUcMcontext + off);
  }

  int64_t pid_ = 0;
  uint64_t sp_ = 0;
};

TEST_F(SignalTest, TrampolineIsReadExecAndCallsRtSigreturn) {
  const uint64_t t = proc_->sigreturn_trampoline();
  EXPECT_EQ(t % 4096, 0u);
  EXPECT_EQ(mem_->perms_at(t), kPermRead | kPermExec);
  EXPECT_EQ(get_as<uint32_t>(t), 0x08b00893u);      // li a7, 139
  EXPECT_EQ(get_as<uint32_t>(t + 4), 0x00000073u);  // ecall
  // mmap never hands it out.
  EXPECT_GE(t, proc_->layout().mmap_ceiling);
  EXPECT_LT(t, proc_->layout().stack_bottom);
}

TEST_F(SignalTest, HandlerGetsTheLinuxFrame) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler, kSaSiginfo, bit(SIGUSR2)), 0);
  const uint64_t before = mask();
  // a0 is the handler's argument now; kill's result is in the frame.
  EXPECT_EQ(guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1), SIGUSR1);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), kHandler);
  const uint64_t frame = mem_->x(2);
  EXPECT_EQ(frame % 16, 0u);
  EXPECT_LE(frame + sf::kFrameSize, sp_);
  EXPECT_GT(frame + sf::kFrameSize + 16, sp_);
  EXPECT_EQ(mem_->x(1), proc_->sigreturn_trampoline());
  EXPECT_EQ(mem_->x(10), static_cast<uint64_t>(SIGUSR1));
  EXPECT_EQ(mem_->x(11), frame);
  EXPECT_EQ(mem_->x(12), frame + sf::kUcontext);
  // siginfo: kill is SI_USER, with our pid and uid.
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiSigno), SIGUSR1);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiCode), SI_USER);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiPid), pid_);
  EXPECT_EQ(get_as<uint32_t>(frame + sf::kSiUid), ::getuid());
  // ucontext: the mask before delivery, the registers, pc after the ecall, a0 = kill's result.
  EXPECT_EQ(frame_u64(frame, sf::kUcontext + sf::kUcSigmask), before);
  EXPECT_EQ(get_as<uint32_t>(frame + sf::kUcontext + sf::kUcStackFlags), kSsDisable);
  EXPECT_EQ(mc(frame, sf::kMcPc), kEcallPc + 4);
  EXPECT_EQ(mc(frame, 8 * 1), 0x1001u);
  EXPECT_EQ(mc(frame, 8 * 2), sp_);
  EXPECT_EQ(mc(frame, 8 * 10), 0u);
  EXPECT_EQ(mc(frame, 8 * 17), kKill);
  EXPECT_EQ(mc(frame, 8 * 31), 0x101fu);
  EXPECT_EQ(mc(frame, sf::kMcFpregs + 8 * 7), 0xf007u);
  EXPECT_EQ(get_as<uint32_t>(frame + sf::kUcontext + sf::kUcMcontext + sf::kMcFcsr), 0x61u);
  // In the handler: the signal itself and sa_mask are blocked.
  EXPECT_EQ(mask(), before | bit(SIGUSR1) | bit(SIGUSR2));
}

TEST_F(SignalTest, SigreturnRestoresTheContextTheHandlerLeft) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler), 0);
  guest_call(kTkill, static_cast<uint64_t>(pid_), SIGUSR1);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  const uint64_t frame = mem_->x(2);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiCode), -6);  // SI_TKILL
  // The handler edits its context: another pc, s1, fa0, fcsr and the mask.
  const uint64_t mcb = frame + sf::kUcontext + sf::kUcMcontext;
  const uint64_t pc = 0x10200, s1 = 0xabcdef, fa0 = 0x400921fb54442d18, want = bit(SIGTERM);
  ASSERT_TRUE(mem_->write(mcb + sf::kMcPc, &pc, 8));
  ASSERT_TRUE(mem_->write(mcb + 8 * 9, &s1, 8));
  ASSERT_TRUE(mem_->write(mcb + sf::kMcFpregs + 8 * 10, &fa0, 8));
  const uint32_t fcsr = 0xffffff80;  // frm 4; the bits past frm do not exist
  ASSERT_TRUE(mem_->write(mcb + sf::kMcFcsr, &fcsr, 4));
  const uint64_t with_kill = want | bit(SIGKILL);
  ASSERT_TRUE(mem_->write(frame + sf::kUcontext + sf::kUcSigmask, &with_kill, 8));
  // The handler returns through the trampoline: sp is the frame again.
  mem_->set_x(2, frame);
  mem_->set_state(state::kPc, proc_->sigreturn_trampoline() + 4);
  mem_->set_x(17, kRtSigreturn);
  outcome_ = proc_->syscall();
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), pc);
  EXPECT_EQ(mem_->x(9), s1);
  EXPECT_EQ(mem_->x(2), sp_);
  EXPECT_EQ(mem_->x(10), 0u);  // tkill's result, not the sigreturn's
  EXPECT_EQ(mem_->x(17), kTkill);
  EXPECT_EQ(mem_->x(31), 0x101fu);
  EXPECT_EQ(mem_->state(f_offset(10)), fa0);
  EXPECT_EQ(mem_->state(f_offset(11)), 0xf00bu);
  EXPECT_EQ(mem_->state(state::kFcsr), 0x80u);
  EXPECT_EQ(mask(), want);  // SIGKILL cannot be blocked
}

TEST_F(SignalTest, SigreturnWithoutAFrameKillsWithSegv) {
  mem_->set_x(2, unmapped());
  mem_->set_x(17, kRtSigreturn);
  outcome_ = proc_->syscall();
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGSEGV);
  mem_->set_x(2, ~uint64_t{0} - 8);  // the frame's end would wrap
  outcome_ = proc_->syscall();
  EXPECT_EQ(outcome_.kind, Kind::Signal);
}

TEST_F(SignalTest, ResethandAndNodefer) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler, kSaResethand | kSaNodefer), 0);
  const uint64_t before = mask();
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mask(), before);  // SA_NODEFER: not blocked in its handler
  const uint64_t old = alloc(24);
  ASSERT_EQ(call(kRtSigaction, SIGUSR1, 0, old, 8), 0);
  EXPECT_EQ(get_as<uint64_t>(old), 0u);  // SA_RESETHAND: SIG_DFL now
  // So the next one kills.
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGUSR1);
}

TEST_F(SignalTest, BlockedSignalIsDeliveredWhenUnblocked) {
  ASSERT_EQ(sigaction(SIGUSR2, kHandler), 0);
  const uint64_t usr2 = bit(SIGUSR2);
  const uint64_t set = put(&usr2, 8);
  ASSERT_EQ(call(kRtSigprocmask, 0, set, 0, 8), 0);  // SIG_BLOCK
  EXPECT_EQ(guest_call(kTgkill, static_cast<uint64_t>(pid_), static_cast<uint64_t>(pid_), SIGUSR2),
            0);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  // Unblocking delivers it as sigprocmask returns; the frame saves the mask sigprocmask set.
  EXPECT_EQ(guest_call(kRtSigprocmask, 1, set, 0, 8), SIGUSR2);  // SIG_UNBLOCK
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  const uint64_t frame = mem_->x(2);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiCode), -6);  // tgkill: SI_TKILL
  EXPECT_EQ(mc(frame, sf::kMcPc), kEcallPc + 4);
  EXPECT_EQ(mc(frame, 8 * 17), kRtSigprocmask);
  EXPECT_EQ(mc(frame, 8 * 10), 0u);  // sigprocmask's result
  EXPECT_EQ(frame_u64(frame, sf::kUcontext + sf::kUcSigmask) & bit(SIGUSR2), 0u);
}

TEST_F(SignalTest, SignalRaisedInItsHandlerRunsAfterSigreturn) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler), 0);
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  const uint64_t frame = mem_->x(2);
  // Inside the handler SIGUSR1 is blocked: raising it again leaves it pending.
  mem_->set_state(state::kPc, kHandler + 0x20);
  call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(mem_->x(2), frame);
  // rt_sigreturn unblocks it: it is delivered at once, its frame saving the restored context.
  mem_->set_state(state::kPc, proc_->sigreturn_trampoline() + 4);
  mem_->set_x(17, kRtSigreturn);
  outcome_ = proc_->syscall();
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), kHandler);
  const uint64_t again = mem_->x(2);
  EXPECT_EQ(again, frame);  // the same place: sp was restored first
  EXPECT_EQ(mc(again, sf::kMcPc), kEcallPc + 4);
  EXPECT_EQ(mc(again, 8 * 2), sp_);
}

TEST_F(SignalTest, TwoDeliverableSignalsNest) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler), 0);
  ASSERT_EQ(sigaction(SIGUSR2, kHandler + 0x100), 0);
  const uint64_t both = bit(SIGUSR1) | bit(SIGUSR2);
  const uint64_t set = put(&both, 8);
  ASSERT_EQ(call(kRtSigprocmask, 0, set, 0, 8), 0);
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR2);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  guest_call(kRtSigprocmask, 1, set, 0, 8);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  // SIGUSR1's frame is built first; SIGUSR2's nests below it and runs first, returning into
  // SIGUSR1's handler.
  EXPECT_EQ(mem_->state(state::kPc), kHandler + 0x100);
  const uint64_t inner = mem_->x(2);
  EXPECT_EQ(mc(inner, sf::kMcPc), kHandler);
  const uint64_t outer = mc(inner, 8 * 2);
  EXPECT_EQ(outer, inner + ((sf::kFrameSize + 15) & ~uint64_t{15}));
  EXPECT_EQ(mc(outer, sf::kMcPc), kEcallPc + 4);
}

TEST_F(SignalTest, SigqueueinfoPassesTheSiginfoThrough) {
  ASSERT_EQ(sigaction(SIGRTMIN, kHandler, kSaSiginfo), 0);
  uint8_t info[128] = {};
  const int32_t code = -1;  // SI_QUEUE
  const uint64_t value = 0x5eed;
  std::memcpy(info + 8, &code, 4);
  std::memcpy(info + 24, &value, 8);
  const uint64_t uinfo = put(info, sizeof info);
  EXPECT_EQ(call(kRtSigqueueinfo, static_cast<uint64_t>(pid_) + 1, SIGRTMIN, uinfo), -ESRCH);
  EXPECT_EQ(call(kRtSigqueueinfo, static_cast<uint64_t>(pid_), SIGRTMIN, unmapped()), -EFAULT);
  EXPECT_EQ(guest_call(kRtSigqueueinfo, static_cast<uint64_t>(pid_), SIGRTMIN, uinfo), SIGRTMIN);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  const uint64_t frame = mem_->x(2);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiSigno), SIGRTMIN);  // set by the kernel
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiCode), -1);
  EXPECT_EQ(frame_u64(frame, sf::kSiValue), value);
}

TEST_F(SignalTest, OnstackUsesTheAlternateStack) {
  const uint64_t alt = alloc(16384);
  const uint64_t ss[3] = {alt, 0, 16384};
  const uint64_t small[3] = {alt, 0, 1024};
  EXPECT_EQ(call(kSigaltstack, put(small, 24), 0), -ENOMEM);
  const uint64_t bad[3] = {alt, 5, 16384};
  EXPECT_EQ(call(kSigaltstack, put(bad, 24), 0), -EINVAL);
  ASSERT_EQ(call(kSigaltstack, put(ss, 24), 0), 0);
  ASSERT_EQ(sigaction(SIGUSR1, kHandler, kSaOnstack), 0);
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  ASSERT_EQ(outcome_.kind, Kind::Redirect);
  const uint64_t frame = mem_->x(2);
  EXPECT_GE(frame, alt);
  EXPECT_LE(frame + sf::kFrameSize, alt + 16384);
  EXPECT_EQ(mc(frame, 8 * 2), sp_);  // the interrupted sp is saved
  EXPECT_EQ(frame_u64(frame, sf::kUcontext + sf::kUcStackSp), alt);
  EXPECT_EQ(frame_u64(frame, sf::kUcontext + sf::kUcStackSize), 16384u);
  // In the handler: the stack reports SS_ONSTACK and cannot be changed.
  const uint64_t old = alloc(24);
  mem_->set_x(2, frame);
  EXPECT_EQ(call(kSigaltstack, 0, old), 0);
  EXPECT_EQ(get_as<uint32_t>(old + 8), kSsOnstack);
  mem_->set_x(2, frame);
  EXPECT_EQ(call(kSigaltstack, put(ss, 24), 0), -EPERM);
  // A second signal while on it nests on the alternate stack, below the first frame.
  mem_->set_x(2, frame);
  mem_->set_state(state::kPc, kHandler);
  call(kKill, static_cast<uint64_t>(pid_), SIGUSR2);  // default: ends the process
  EXPECT_EQ(outcome_.kind, Kind::Signal);
}

TEST_F(SignalTest, AFrameThatDoesNotFitKillsWithSegv) {
  ASSERT_EQ(sigaction(SIGUSR1, kHandler), 0);
  sp_ = unmapped();
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGSEGV);
  sp_ = 0x100;  // below the guest space
  ASSERT_EQ(sigaction(SIGUSR1, kHandler), 0);
  guest_call(kKill, static_cast<uint64_t>(pid_), SIGUSR1);
  EXPECT_EQ(outcome_.kind, Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGSEGV);
}

TEST_F(SignalTest, FaultsGoToTheirHandlerOrKill) {
  // No handler: the fault's default action.
  mem_->set_x(2, sp_);
  SyscallOutcome o = proc_->deliver_fault({SIGSEGV, 1, 0x10230, 0x18});
  EXPECT_EQ(o.kind, Kind::Signal);
  EXPECT_EQ(o.status, SIGSEGV);
  ASSERT_EQ(sigaction(SIGSEGV, kHandler, kSaSiginfo), 0);
  ASSERT_EQ(sigaction(SIGILL, 1), 0);  // SIG_IGN: a fault is forced anyway
  o = proc_->deliver_fault({SIGILL, 1, 0x10230, 0x10230});
  EXPECT_EQ(o.kind, Kind::Signal);
  EXPECT_EQ(o.status, SIGILL);
  mem_->set_x(2, sp_);
  mem_->set_x(8, 0x88);
  o = proc_->deliver_fault({SIGSEGV, 2, 0x10230, 0x20000});
  ASSERT_EQ(o.kind, Kind::Redirect);
  EXPECT_EQ(mem_->state(state::kPc), kHandler);
  const uint64_t frame = mem_->x(2);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiSigno), SIGSEGV);
  EXPECT_EQ(get_as<int32_t>(frame + sf::kSiCode), 2);
  EXPECT_EQ(frame_u64(frame, sf::kSiAddr), 0x20000u);
  EXPECT_EQ(mc(frame, sf::kMcPc), 0x10230u);
  EXPECT_EQ(mc(frame, 8 * 8), 0x88u);
  // Blocked (it is, inside its own handler): the default action.
  o = proc_->deliver_fault({SIGSEGV, 1, kHandler, 0});
  EXPECT_EQ(o.kind, Kind::Signal);
  EXPECT_EQ(o.status, SIGSEGV);
  // Out-of-range signal numbers never index the table.
  o = proc_->deliver_fault({65, 0, 0, 0});
  EXPECT_EQ(o.kind, Kind::Signal);
}

// A SIGSEGV handler that siglongjmps out of a NULL dereference, twice; handlers that edit their
// context (skipping an illegal instruction and an ebreak, changing a0 and fa0); masks; an
// alternate stack. The output must be qemu-riscv64's, in every --jit mode.
constexpr const char* kSignalProgram = R"(
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static sigjmp_buf env;
static char altstack[16384];
static volatile int hits;

static void on_segv(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  printf("SIGSEGV %d addr %lu code %d\n", sig, (unsigned long)si->si_addr, si->si_code);
  siglongjmp(env, 1);
}

static void skip(int sig, siginfo_t* si, void* ucv) {
  ucontext_t* uc = ucv;
  printf("signal %d code %d si_addr is pc %d\n", sig, si->si_code,
         (unsigned long)si->si_addr == uc->uc_mcontext.__gregs[REG_PC]);
  uc->uc_mcontext.__gregs[REG_PC] += 4;
  uc->uc_mcontext.__gregs[REG_A0] = 42;
  double d = 2.5;
  memcpy(&uc->uc_mcontext.__fpregs.__d.__f[10], &d, 8);
  ++hits;
}

static void on_usr1(int sig, siginfo_t* si, void* ucv) {
  ucontext_t* uc = ucv;
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  stack_t ss;
  sigaltstack(NULL, &ss);
  char local;
  printf("usr1 %d code %d: blocked now %d, saved mask has usr2 %d usr1 %d, on altstack %d %d\n",
         sig, si->si_code, sigismember(&now, SIGUSR1), sigismember(&uc->uc_sigmask, SIGUSR2),
         sigismember(&uc->uc_sigmask, SIGUSR1),
         &local >= altstack && &local < altstack + sizeof altstack, ss.ss_flags == SS_ONSTACK);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  for (int i = 0; i < 2; ++i) {
    if (sigsetjmp(env, 1) == 0) {
      printf("dereference NULL %d\n", i);
      printf("never %d\n", *(volatile int*)(uintptr_t)(i * 8));
    } else {
      printf("recovered %d\n", i);
    }
  }

  sa.sa_sigaction = skip;
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);
  register long a0 asm("a0") = 1;
  register double fa0 asm("fa0") = 1.0;
  __asm__ volatile(".4byte 0" : "+r"(a0), "+f"(fa0));
  printf("after SIGILL: a0 %ld fa0 %g\n", a0, fa0);
  a0 = 2;
  __asm__ volatile(".4byte 0x00100073" : "+r"(a0));
  printf("after SIGTRAP: a0 %ld hits %d\n", a0, hits);

  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sa.sa_sigaction = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  printf("sigaltstack %d\n", sigaltstack(&ss, NULL));
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  stack_t now;
  sigaltstack(NULL, &now);
  printf("after: altstack flags %d\n", now.ss_flags);
  return 3;
}
)";

std::string run_and_describe(const std::string& cmd) {
  return capture(cmd + " 2>/dev/null; echo \"exit $?\"");
}

TEST(SignalEndToEnd, HandlersMatchQemu) {
  if (!have_tool(kCrossGcc) || !have_tool("qemu-riscv64"))
    GTEST_SKIP() << "needs riscv64-linux-gnu-gcc and qemu-riscv64";
  const std::string prog = build_c("signal_handlers", "-static", kSignalProgram);
  ASSERT_FALSE(prog.empty()) << "the test program does not compile";
  const std::string want = run_and_describe("qemu-riscv64 " + prog);
  ASSERT_NE(want.find("recovered 1"), std::string::npos) << want;
  ASSERT_NE(want.find("exit 3"), std::string::npos) << want;
  for (const char* mode : {"off", "baseline", "auto"}) {
    const std::string got =
        run_and_describe(std::string(STRATA_BINARY_DIR) + "/strata run --jit=" + mode + " " + prog);
    EXPECT_EQ(got, want) << "--jit=" << mode;
  }
}

}  // namespace
}  // namespace strata::vm::rv64::test
