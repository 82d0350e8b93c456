// Direct block chaining under real riscv64 programs (chain_links.hpp): loops whose units jump to
// each other through far code (a `.skip` past the region's two pages makes every jump between
// them a unit exit to a constant pc) run chained, print what qemu-riscv64 prints, end their time
// slices (another guest thread runs), stop at breakpoints, see code stores into a linked target,
// and report a fault inside a chained-into unit at its own pc, in baseline and LLVM code; a
// return into another unit finds it from code, and units entered only from code reach LLVM.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/rv64/runner.hpp"
#include "jit/rv64/rv64_vcpu.hpp"
#include "tests/jit/rv64/runner_rig.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64 {
namespace {

namespace t = vm::rv64::test;
using test::Outcome;
using test::program;
using test::run_program;
using test::symbol_address;

// argv[1] picks the case:
//   loop N     far_loop(N): the sum 0..N-1 through head <-> far_body, chained both ways
//   threads    main spins in spin_until <-> spin_far until a second thread sets a flag
//   fault8     load_all over pointers whose last is 8 (outside the guest space: an SVI trap)
//   faultmap   the same with a pointer into an unmapped page (a host fault)
//   smc        a linked unit's target is rewritten by the unit itself, then run
//   calls N    main calls far_leaf N times: each return is an indirect exit into main's unit
constexpr const char* kChainProgram = R"(#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

long far_loop(long n);
void spin_until(volatile int* flag);
long load_all(int* const* ptrs, long n);
long far_leaf(long x);
asm(".text\n"
    ".balign 4096\n"
    ".globl far_loop\n"
    "far_loop:\n"
    "  li t1, 0\n"
    "  li t2, 0\n"
    "head:\n"
    "  bge t2, a0, 1f\n"
    "  add t1, t1, t2\n"
    "  j far_body\n"
    "1:\n"
    "  mv a0, t1\n"
    "  ret\n"
    ".globl spin_until\n"
    "spin_until:\n"
    "  lw t0, 0(a0)\n"
    "  bnez t0, 2f\n"
    "  j spin_far\n"
    "2:\n"
    "  ret\n"
    ".globl load_all\n"
    "load_all:\n"
    "  li t1, 0\n"
    "lhead:\n"
    "  beqz a1, 3f\n"
    "  ld t2, 0(a0)\n"
    "  j lfar\n"
    "3:\n"
    "  mv a0, t1\n"
    "  ret\n"
    ".skip 12288\n"
    "far_body:\n"
    "  addi t2, t2, 1\n"
    "  j head\n"
    "spin_far:\n"
    "  j spin_until\n"
    "lfar:\n"
    "  lw t3, 0(t2)\n"
    "  add t1, t1, t3\n"
    "  addi a0, a0, 8\n"
    "  addi a1, a1, -1\n"
    "  j lhead\n"
    ".globl far_leaf\n"
    "far_leaf:\n"
    "  addi a0, a0, 1\n"
    "  ret\n");

static volatile int flag;
static void* worker(void* arg) {
  (void)arg;
  volatile long s = 0;
  for (long i = 0; i < 2000000; ++i) s += i;
  flag = 1;
  return 0;
}

static int faults(int use_map) {
  enum { kN = 100000 };
  static int* ptrs[kN];
  static int one = 1;
  for (int i = 0; i < kN; ++i) ptrs[i] = &one;
  if (use_map) {
    char* page = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED || munmap(page, 4096) != 0) return 99;
    ptrs[kN - 1] = (int*)(page + 16);
  } else {
    ptrs[kN - 1] = (int*)8;
  }
  printf("%ld\n", load_all(ptrs, kN));
  return 0;
}

typedef int (*fn)(volatile unsigned* at, unsigned insn);
static int smc(void) {
  /* Three pages: A at +0 (`jal x0, B`), A1 at +1024 (`beqz a1, +8; sw a1, 0(a0); jal x0, B`),
     B at +8192 (`li a0, K; ret`), two pages past A's so that A's jump leaves its region. */
  volatile unsigned* p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 99;
  p[0] = 0x0000206f;
  p[256] = 0x00058463;
  p[257] = 0x00b52023;
  p[258] = 0x3f90106f;
  p[2048] = 0x00100513; /* li a0, 1 */
  p[2049] = 0x00008067; /* ret */
  asm volatile("fence.i" ::: "memory");
  int a = 0, b = 0, c = 0;
  for (int i = 0; i < 100; ++i) a += ((fn)p)(0, 0);
  /* A1 gets linked to B without storing, then stores over B and jumps to it. */
  for (int i = 0; i < 100; ++i) b += ((fn)(p + 256))(0, 0);
  /* The storing path's exit is linked to B at the first store (B then comes back from the new
     bytes, which are the old ones); the second store is then into a linked target. */
  b += ((fn)(p + 256))(p + 2048, 0x00100513);
  b += ((fn)(p + 256))(p + 2048, 0x00200513);
  for (int i = 0; i < 100; ++i) c += ((fn)p)(0, 0);
  printf("%d %d %d\n", a, b, c);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (!strcmp(argv[1], "loop")) {
    printf("%ld\n", far_loop(argc > 2 ? atol(argv[2]) : 1000));
    return 0;
  }
  if (!strcmp(argv[1], "threads")) {
    pthread_t th;
    if (pthread_create(&th, 0, worker, 0) != 0) return 3;
    spin_until(&flag);
    pthread_join(th, 0);
    puts("done");
    return 0;
  }
  if (!strcmp(argv[1], "fault8")) return faults(0);
  if (!strcmp(argv[1], "faultmap")) return faults(1);
  if (!strcmp(argv[1], "smc")) return smc();
  if (!strcmp(argv[1], "calls")) {
    long s = 0;
    for (long i = 0, n = argc > 2 ? atol(argv[2]) : 1000; i < n; ++i) s = far_leaf(s) + 1;
    printf("%ld\n", s);
    return 0;
  }
  return 2;
})";

// The "chained jumps N" of the --stats report, or -1 without one.
long chained_jumps(const std::string& diag) {
  const size_t at = diag.find("chained jumps ");
  if (at == std::string::npos) return -1;
  return std::stol(diag.substr(at + 14));
}

// The "(N found by indirect exits)" of the --stats report, or -1 without one.
long found_jumps(const std::string& diag) {
  const size_t at = diag.find(" found by indirect exits");
  const size_t open = diag.rfind('(', at);
  if (at == std::string::npos || open == std::string::npos) return -1;
  return std::stol(diag.substr(open + 1));
}

// The "executed N blocks from the loop" of the --stats report, or -1 without one.
long loop_entries(const std::string& diag) {
  const size_t at = diag.find("executed ");
  if (at == std::string::npos) return -1;
  return std::stol(diag.substr(at + 9));
}

std::string mode_name(const ::testing::TestParamInfo<JitMode>& p) {
  switch (p.param) {
    case JitMode::Off: return "Off";
    case JitMode::Baseline: return "Baseline";
    case JitMode::Auto: return "Auto";
    case JitMode::Opt: return "Opt";
  }
  return "Unknown";
}

class ChainTest : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    elf_ = program("chain_program", kChainProgram);
    ASSERT_FALSE(elf_.empty()) << "the cross compiler failed";
  }
  Outcome run(std::vector<std::string> args) {
    return run_program(GetParam(), elf_, args, /*stats=*/true);
  }
  // Chained jumps happen exactly when compiled code runs, baseline or LLVM (--jit=opt compiles
  // every unit with LLVM, whose constant exits chain as the baseline's do).
  void expect_chained(const Outcome& o, long at_least) {
    const long n = chained_jumps(o.diag);
    ASSERT_GE(n, 0) << o.diag;
    if (GetParam() == JitMode::Off) {
      EXPECT_EQ(n, 0) << o.diag;
    } else {
      EXPECT_GE(n, at_least) << o.diag;
    }
  }

  std::string elf_;
};

TEST_P(ChainTest, AChainedLoopPrintsWhatQemuPrints) {
  const Outcome o = run({"loop", "1000000"});
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.out, "499999500000\n");
  // head -> far_body -> head...: two chained jumps per iteration once both are linked, in
  // baseline and LLVM code alike, so the loop enters few units.
  expect_chained(o, 1000000);
  if (GetParam() != JitMode::Off) {
    EXPECT_LT(loop_entries(o.diag), 100000) << o.diag;
  }
  if (t::have_tool("qemu-riscv64")) {
    EXPECT_EQ(o.out, t::capture("qemu-riscv64 " + elf_ + " loop 1000000"));
  }
}

TEST_P(ChainTest, AThreadSpinningInAChainedLoopLetsTheOtherRun) {
  // Only a slice ending inside the chain hands the CPU to the thread that ends the spin.
  const Outcome o = run({"threads"});
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.out, "done\n");
  EXPECT_NE(o.diag.find("switches"), std::string::npos) << o.diag;
  expect_chained(o, 1000);
}

TEST_P(ChainTest, AStoreIntoALinkedTargetRunsTheNewCode) {
  const Outcome o = run({"smc"});
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.out, "100 103 200\n");
  expect_chained(o, 100);
}

TEST_P(ChainTest, AFaultInAChainedIntoUnitNamesItsPc) {
  const uint64_t lfar = symbol_address(elf_, "lfar");
  ASSERT_NE(lfar, 0u);
  const Outcome trap = run({"fault8"});
  EXPECT_EQ(trap.exit.kind, GuestExit::Kind::Signaled) << trap.diag;
  EXPECT_EQ(trap.exit.status, SIGSEGV);
  EXPECT_NE(trap.diag.find(fmt::format("segmentation fault: load at 0x8 (pc 0x{:x})", lfar)),
            std::string::npos)
      << trap.diag;
  const Outcome host = run({"faultmap"});
  EXPECT_EQ(host.exit.kind, GuestExit::Kind::Signaled) << host.diag;
  EXPECT_EQ(host.exit.status, SIGSEGV);
  EXPECT_NE(host.diag.find(fmt::format("(in the block at pc 0x{:x})", lfar)), std::string::npos)
      << host.diag;
}

// far_leaf's `ret` goes back to main's loop through an indirect exit, which finds main's unit
// at the return address instead of returning to the runner's loop.
TEST_P(ChainTest, AReturnIntoAnotherUnitIsFoundInCode) {
  const Outcome o = run({"calls", "200000"});
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.out, "400000\n");
  const long found = found_jumps(o.diag);
  ASSERT_GE(found, 0) << o.diag;
  if (GetParam() == JitMode::Off) {
    EXPECT_EQ(found, 0) << o.diag;
  } else {
    EXPECT_GE(found, 190000) << o.diag;
    EXPECT_LT(loop_entries(o.diag), 100000) << o.diag;
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, ChainTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto,
                                           JitMode::Opt),
                         mode_name);

// The monitor's view: a breakpoint in a loop that ran chained stops it, and so does each
// `continue` after it.
class ChainBreakpointTest : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    elf_ = program("chain_program", kChainProgram);
    ASSERT_FALSE(elf_.empty()) << "the cross compiler failed";
    null_ = ::open("/dev/null", O_RDWR);
    RunOptions opts;
    opts.jit = GetParam();
    opts.hot_threshold = 4;
    opts.guest_top = uint64_t{1} << 30;
    opts.process.path = elf_;
    opts.process.argv = {elf_, "loop", "1000000000000"};
    opts.process.stdin_fd = opts.process.stdout_fd = opts.process.stderr_fd = null_;
    opts.process.diag_fd = null_;
    auto v = Rv64Vcpu::create(opts);
    ASSERT_TRUE(v.has_value()) << v.error().message;
    vcpu_ = std::move(*v);
  }
  void TearDown() override {
    vcpu_.reset();
    if (null_ >= 0) ::close(null_);
  }

  // Runs until the guest stops by itself, or for `limit` at most (then it is asked to stop).
  vm::StopReason run_for(std::chrono::milliseconds limit) {
    std::atomic<bool> done{false};
    std::thread stopper([&] {
      const auto until = std::chrono::steady_clock::now() + limit;
      while (!done.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!done.load()) vcpu_->request_stop();
    });
    auto r = vcpu_->run(vm::RunLimit{});
    done.store(true);
    stopper.join();
    EXPECT_TRUE(r.has_value());
    return r ? *r : vm::StopReason{};
  }

  int null_ = -1;
  std::string elf_;
  std::unique_ptr<Rv64Vcpu> vcpu_;
};

TEST_P(ChainBreakpointTest, ABreakpointInAChainedLoopStopsIt) {
  const uint64_t far_body = symbol_address(elf_, "far_body");
  const uint64_t head = symbol_address(elf_, "head");
  ASSERT_NE(far_body, 0u);
  ASSERT_NE(head, 0u);
  // Runs (chained) until asked to stop; --jit=opt first compiles every unit of the start-up.
  const auto warm_up = std::chrono::milliseconds(GetParam() == JitMode::Opt ? 4000 : 200);
  EXPECT_EQ(run_for(warm_up).kind, vm::StopReason::Kind::Stopped);
  if (GetParam() == JitMode::Baseline || GetParam() == JitMode::Opt) {
    EXPECT_GT(vcpu_->chained_jumps(), 1000u);
  }
  ASSERT_TRUE(vcpu_->set_breakpoint(far_body).has_value());
  uint64_t last = 0;
  for (int i = 0; i < 3; ++i) {
    const vm::StopReason r = run_for(std::chrono::seconds(20));
    ASSERT_EQ(r.kind, vm::StopReason::Kind::Breakpoint) << "pass " << i;
    EXPECT_EQ(vcpu_->pc(), far_body);
    // t2 counts the iterations: each stop is the very next one, none ran past the breakpoint.
    auto t2 = vcpu_->read_reg("t2");
    ASSERT_TRUE(t2.has_value());
    if (i > 0) {
      EXPECT_EQ(*t2, last + 1) << "pass " << i;
    }
    last = *t2;
  }
  EXPECT_TRUE(vcpu_->clear_breakpoint(far_body));
  ASSERT_TRUE(vcpu_->set_breakpoint(head).has_value());
  EXPECT_EQ(run_for(std::chrono::seconds(20)).kind, vm::StopReason::Kind::Breakpoint);
  EXPECT_EQ(vcpu_->pc(), head);
  // Without breakpoints it runs chained again.
  EXPECT_TRUE(vcpu_->clear_breakpoint(head));
  const uint64_t before = vcpu_->chained_jumps();
  EXPECT_EQ(run_for(std::chrono::milliseconds(100)).kind, vm::StopReason::Kind::Stopped);
  if (GetParam() == JitMode::Baseline || GetParam() == JitMode::Opt) {
    EXPECT_GT(vcpu_->chained_jumps(), before);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ChainBreakpointTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto,
                                           JitMode::Opt),
                         mode_name);

// --jit=auto: far_leaf's unit is entered only by main's chained exit and main's loop unit only
// by far_leaf's indirect exit, yet both count towards LLVM as the loop would count them.
TEST(ChainOptCountTest, UnitsEnteredFromCodeStillReachLlvm) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string elf = program("chain_program", kChainProgram);
  ASSERT_FALSE(elf.empty()) << "the cross compiler failed";
  const int null = ::open("/dev/null", O_RDWR);
  RunOptions opts;
  opts.jit = JitMode::Auto;
  opts.hot_threshold = 4;
  opts.opt_threshold = 2000;
  opts.guest_top = uint64_t{1} << 30;
  opts.process.path = elf;
  opts.process.argv = {elf, "calls", "200000"};
  opts.process.stdin_fd = opts.process.stdout_fd = opts.process.stderr_fd = null;
  opts.process.diag_fd = null;
  auto v = Rv64Vcpu::create(opts);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  auto r = (*v)->run(vm::RunLimit{});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind, vm::StopReason::Kind::Exited);
  EXPECT_GE((*v)->found_jumps(), 150000u);
  EXPECT_LT((*v)->blocks_executed(), 100000u);
  // Requested is enough: the compile may still be running when the program ends.
  auto sent = [&](uint64_t lo, uint64_t hi) {
    int n = 0;
    for (uint64_t pc = lo; pc < hi; pc += 2) {
      auto d = (*v)->describe_code(pc);
      if (d && d->find("in the translation cache") != std::string::npos &&
          (d->find("optimizing tier: compile requested") != std::string::npos ||
           d->find("optimizing tier: installed") != std::string::npos))
        ++n;
    }
    return n;
  };
  const uint64_t leaf = symbol_address(elf, "far_leaf");
  const uint64_t main_at = symbol_address(elf, "main");
  ASSERT_NE(leaf, 0u);
  ASSERT_NE(main_at, 0u);
  EXPECT_EQ(sent(leaf, leaf + 2), 1);
  // main is a few hundred bytes; its loop's unit starts at the return address of the call.
  EXPECT_GE(sent(main_at, main_at + 1024), 1);
  v->reset();
  ::close(null);
}

}  // namespace
}  // namespace strata::jit::rv64
