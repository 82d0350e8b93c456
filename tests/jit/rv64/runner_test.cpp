// run_rv64 on real static riscv64 programs, built at test time with the cross compiler, under
// every JitMode: output and exit codes, self-modifying code, and the guest's fatal signals.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/rv64/runner.hpp"
#include "tests/jit/rv64/runner_rig.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64 {
namespace {

namespace t = vm::rv64::test;
using test::Outcome;
using test::program;
using test::run_program;
using test::symbol_address;

constexpr const char* kHello = R"(#include <stdio.h>
int main(int argc, char** argv) {
  printf("hello %d %s\n", argc, argv[argc - 1]);
  return 0;
})";

constexpr const char* kExitCode = R"(#include <stdlib.h>
int main(int argc, char** argv) { exit(argc == 1 ? 42 : 3); })";

// Sums i*i in a loop: enough block executions for --jit=auto to compile the loop.
constexpr const char* kLoop = R"(#include <stdio.h>
int main(void) {
  volatile unsigned long n = 100000;
  unsigned long s = 0;
  for (unsigned long i = 0; i < n; ++i) s += i * i % 7;
  printf("%lu\n", s);
  return 0;
})";

// Runs code it writes, rewrites it, fence.i, runs it again: the second run must see the new
// code, including after the first version was hot enough to be compiled.
constexpr const char* kSelfModifying = R"(#include <stdio.h>
#include <sys/mman.h>
typedef int (*fn)(void);
int main(void) {
  unsigned* p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 99;
  p[0] = 0x00100513; /* li a0, 1 */
  p[1] = 0x00008067; /* ret */
  asm volatile("fence.i" ::: "memory");
  int a = 0;
  for (int i = 0; i < 50; ++i) a += ((fn)p)();
  p[0] = 0x00200513; /* li a0, 2 */
  asm volatile("fence.i" ::: "memory");
  int b = 0;
  for (int i = 0; i < 50; ++i) b += ((fn)p)();
  printf("%d %d\n", a, b);
  return 0;
})";

// The same through the riscv_flush_icache syscall (what __builtin___clear_cache does).
constexpr const char* kFlushIcache = R"(#include <stdio.h>
#include <sys/mman.h>
typedef int (*fn)(void);
int main(void) {
  unsigned* p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 99;
  int a = 0, b = 0;
  p[0] = 0x00300513; /* li a0, 3 */
  p[1] = 0x00008067; /* ret */
  __builtin___clear_cache((char*)p, (char*)(p + 2));
  for (int i = 0; i < 50; ++i) a += ((fn)p)();
  p[0] = 0x00400513; /* li a0, 4 */
  __builtin___clear_cache((char*)p, (char*)(p + 2));
  for (int i = 0; i < 50; ++i) b += ((fn)p)();
  printf("%d %d\n", a, b);
  return 0;
})";

// New code mapped where old code was unmapped, with no cache flush: the munmap alone must drop
// the old translation.
constexpr const char* kRemap = R"(#include <stdio.h>
#include <sys/mman.h>
typedef int (*fn)(void);
static unsigned* map_code(void* hint, unsigned insn) {
  unsigned* p = mmap(hint, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED : 0), -1, 0);
  p[0] = insn;
  p[1] = 0x00008067; /* ret */
  return p;
}
int main(void) {
  unsigned* p = map_code(0, 0x00500513); /* li a0, 5 */
  asm volatile("fence.i" ::: "memory");
  int a = 0, b = 0;
  for (int i = 0; i < 50; ++i) a += ((fn)p)();
  munmap(p, 4096);
  unsigned* q = map_code(p, 0x00600513); /* li a0, 6 */
  for (int i = 0; i < 50; ++i) b += ((fn)q)();
  printf("%d %d %d\n", a, b, p == q);
  return 0;
})";

// Calls into a writable, non-executable array.
constexpr const char* kJumpToData = R"(
unsigned not_code[4] = {0x00008067};
int main(void) { ((void (*)(void))not_code)(); return 0; })";

// Faults at the first instruction of a known function (its address comes from nm).
constexpr const char* kNullLoad = R"(
__attribute__((noinline)) int deref(volatile int* p) { return *p; }
volatile int* volatile g;
int main(void) { return deref(g); })";

// The store is poke's first instruction (assembly, so the compiler cannot move it).
constexpr const char* kBadStore = R"(
void poke(volatile long* p, long v);
asm(".globl poke\npoke:\n  sd a1, 0(a0)\n  ret\n");
int main(void) { poke((volatile long*)0x18, 1); return 0; })";

// A store to a const global: .rodata is read-only, so a host fault on guest memory.
constexpr const char* kRodataStore = R"(
const long table[4] = {1, 2, 3, 4};
void poke(volatile long* p, long v);
asm(".globl poke\npoke:\n  sd a1, 0(a0)\n  ret\n");
int main(void) { poke((volatile long*)&table[1], 5); return (int)table[0]; })";

// Maps two pages of a one-page file shared and stores into the second.
constexpr const char* kPastEof = R"(#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char** argv) {
  int fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0600);
  ftruncate(fd, 4096);
  volatile char* p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  p[0] = 'k';
  printf("%c\n", p[0]);
  fflush(stdout);
  p[4096 + 16] = 1;
  return 0;
})";

constexpr const char* kIllegal = R"(
int main(void) { asm volatile(".2byte 0"); return 0; })";

constexpr const char* kEbreak = R"(
int main(void) { asm volatile("ebreak"); return 0; })";

constexpr const char* kAbort = R"(#include <stdlib.h>
int main(void) { abort(); })";

class RunnerTest : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  }

  Outcome run(const std::string& elf, std::vector<std::string> args = {}, bool stats = false) {
    return run_program(GetParam(), elf, args, stats);
  }
};

// The tests that also run with every unit compiled by LLVM (--jit=opt, slow to start: a few
// seconds of compiles per program): stats, code invalidation and the guest's faults.
class RunnerTierTest : public RunnerTest {};

void expect_exit(const Outcome& o, int code) {
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.exit.status, code) << o.diag;
}

void expect_signal(const Outcome& o, int sig) {
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Signaled) << o.diag;
  EXPECT_EQ(o.exit.status, sig) << o.diag;
}

TEST_P(RunnerTest, HelloWorld) {
  Outcome o = run(program("hello", kHello), {"a", "bc"});
  expect_exit(o, 0);
  EXPECT_EQ(o.out, "hello 3 bc\n");
}

TEST_P(RunnerTest, ExitCodes) {
  expect_exit(run(program("exit_code", kExitCode)), 42);
  expect_exit(run(program("exit_code", kExitCode), {"x"}), 3);
}

TEST_P(RunnerTierTest, LoopAndStats) {
  Outcome o = run(program("loop", kLoop), {}, true);
  expect_exit(o, 0);
  // i*i mod 7 repeats 0,1,4,2,2,4,1 (14 per 7): 14285 * 14 + (0+1+4+2+2).
  EXPECT_EQ(o.out, "199999\n");
  EXPECT_NE(o.diag.find("rv64 translation cache"), std::string::npos) << o.diag;
  EXPECT_EQ(o.diag.find(" 0 translated"), std::string::npos) << o.diag;
  if (GetParam() == JitMode::Off) {
    EXPECT_NE(o.diag.find("baseline       0 blocks compiled"), std::string::npos) << o.diag;
  } else if (GetParam() == JitMode::Opt) {
    // Every unit went to LLVM; the stats say how many and that the tier was loaded.
    EXPECT_EQ(o.diag.find("opt            0 units installed"), std::string::npos) << o.diag;
    EXPECT_NE(o.diag.find("opt            "), std::string::npos) << o.diag;
    EXPECT_NE(o.diag.find("functions compiled (LLVM)"), std::string::npos) << o.diag;
  } else {
    EXPECT_EQ(o.diag.find("baseline       0 blocks compiled"), std::string::npos) << o.diag;
    EXPECT_NE(o.diag.find("jit code cache"), std::string::npos) << o.diag;
  }
}

TEST_P(RunnerTierTest, SelfModifyingCodeAfterFenceI) {
  Outcome o = run(program("smc", kSelfModifying));
  expect_exit(o, 0);
  EXPECT_EQ(o.out, "50 100\n");
}

TEST_P(RunnerTest, SelfModifyingCodeAfterFlushIcacheSyscall) {
  Outcome o = run(program("flush_icache", kFlushIcache));
  expect_exit(o, 0);
  EXPECT_EQ(o.out, "150 200\n");
}

TEST_P(RunnerTest, UnmapDropsTranslations) {
  Outcome o = run(program("remap", kRemap));
  expect_exit(o, 0);
  EXPECT_EQ(o.out, "250 300 1\n");
}

TEST_P(RunnerTest, JumpToNonExecutableMemoryIsSigsegv) {
  const std::string elf = program("jump_to_data", kJumpToData);
  Outcome o = run(elf);
  expect_signal(o, SIGSEGV);
  EXPECT_NE(
      o.diag.find(fmt::format("strata: rv64: segmentation fault: instruction fetch at 0x{:x}\n",
                              symbol_address(elf, "not_code"))),
      std::string::npos)
      << o.diag;
}

TEST_P(RunnerTierTest, NullLoadIsSigsegvNamingAddressAndPc) {
  const std::string elf = program("null_load", kNullLoad);
  Outcome o = run(elf);
  expect_signal(o, SIGSEGV);
  const uint64_t pc = symbol_address(elf, "deref");
  ASSERT_NE(pc, 0u);
  EXPECT_NE(
      o.diag.find(fmt::format("strata: rv64: segmentation fault: load at 0x0 (pc 0x{:x})", pc)),
      std::string::npos)
      << o.diag;
}

TEST_P(RunnerTierTest, BadStoreIsSigsegvNamingAddress) {
  const std::string elf = program("bad_store", kBadStore);
  Outcome o = run(elf);
  expect_signal(o, SIGSEGV);
  const uint64_t pc = symbol_address(elf, "poke");
  ASSERT_NE(pc, 0u);
  EXPECT_NE(o.diag.find(fmt::format("segmentation fault: store at 0x18 (pc 0x{:x})", pc)),
            std::string::npos)
      << o.diag;
}

// A host fault (not an SVI trap): the same guest SIGSEGV and address whichever tier's code,
// LLVM's included, made the access.
TEST_P(RunnerTierTest, StoreToReadOnlyDataIsSigsegvNamingAddress) {
  const std::string elf = program("rodata_store", kRodataStore);
  Outcome o = run(elf);
  expect_signal(o, SIGSEGV);
  const uint64_t table = symbol_address(elf, "table");
  ASSERT_NE(table, 0u);
  // The pc named is the start of the running unit (a region that may span main and poke).
  EXPECT_NE(
      o.diag.find(fmt::format(
          "strata: rv64: segmentation fault: store at 0x{:x} (in the block at pc 0x", table + 8)),
      std::string::npos)
      << o.diag;
}

TEST_P(RunnerTest, StorePastTheEndOfAMappedFileIsSigbus) {
  Outcome o = run(program("past_eof", kPastEof), {t::scratch_dir() + "/past_eof.bin"});
  expect_signal(o, SIGBUS);
  EXPECT_EQ(o.out, "k\n");
  EXPECT_NE(o.diag.find("strata: rv64: bus error (past the end of a mapped file): store at 0x"),
            std::string::npos)
      << o.diag;
}

TEST_P(RunnerTest, IllegalInstructionIsSigill) {
  const std::string elf = program("illegal", kIllegal);
  Outcome o = run(elf);
  expect_signal(o, SIGILL);
  EXPECT_NE(o.diag.find("strata: rv64: illegal instruction 0x"), std::string::npos) << o.diag;
  EXPECT_NE(o.diag.find(fmt::format("at pc 0x{:x}", symbol_address(elf, "main"))),
            std::string::npos)
      << o.diag;
}

TEST_P(RunnerTest, EbreakIsSigtrap) {
  expect_signal(run(program("ebreak", kEbreak)), SIGTRAP);
}

TEST_P(RunnerTest, AbortIsSigabrt) {
  expect_signal(run(program("abort", kAbort)), SIGABRT);
}

TEST_P(RunnerTest, MissingFileIsALoadError) {
  RunOptions opts;
  opts.jit = GetParam();
  opts.guest_top = uint64_t{1} << 30;
  opts.process.path = t::scratch_dir() + "/no_such_program";
  opts.process.argv = {opts.process.path};
  auto r = run_rv64(opts);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no_such_program"), std::string::npos) << r.error().message;
}

std::string mode_name(const ::testing::TestParamInfo<JitMode>& i) {
  switch (i.param) {
    case JitMode::Off: return "Off";
    case JitMode::Baseline: return "Baseline";
    case JitMode::Auto: return "Auto";
    case JitMode::Opt: return "Opt";
  }
  return "Unknown";
}

INSTANTIATE_TEST_SUITE_P(AllModes, RunnerTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto),
                         mode_name);
INSTANTIATE_TEST_SUITE_P(AllModes, RunnerTierTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto,
                                           JitMode::Opt),
                         mode_name);

}  // namespace
}  // namespace strata::jit::rv64
