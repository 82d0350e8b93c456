// Stores into translated code under run_rv64, every JitMode: the new code runs without fence.i,
// the store's value stays, --stats counts it; read() into code does the same; a store into code
// the guest may not write is still its SIGSEGV at the right address.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
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

// Calls code in an RWX page 50 times, stores a new instruction over it (no fence.i), calls it 50
// times more, and prints the sums and the word the store left.
constexpr const char* kStoreIntoCode = R"(#include <stdio.h>
#include <sys/mman.h>
typedef int (*fn)(void);
int main(void) {
  volatile unsigned* p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 99;
  p[0] = 0x00100513; /* li a0, 1 */
  p[1] = 0x00008067; /* ret */
  asm volatile("fence.i" ::: "memory");
  int a = 0, b = 0;
  for (int i = 0; i < 50; ++i) a += ((fn)p)();
  p[0] = 0x00200513; /* li a0, 2 */
  for (int i = 0; i < 50; ++i) b += ((fn)p)();
  printf("%d %d %x\n", a, b, p[0]);
  return 0;
})";

// The same with read() from a pipe as the writer.
constexpr const char* kReadIntoCode = R"(#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
typedef int (*fn)(void);
int main(void) {
  unsigned* p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int fds[2];
  if (p == MAP_FAILED || pipe(fds) != 0) return 99;
  p[0] = 0x00300513; /* li a0, 3 */
  p[1] = 0x00008067; /* ret */
  asm volatile("fence.i" ::: "memory");
  int a = 0, b = 0;
  for (int i = 0; i < 50; ++i) a += ((fn)p)();
  const unsigned insn = 0x00400513; /* li a0, 4 */
  if (write(fds[1], &insn, 4) != 4 || read(fds[0], p, 4) != 4) return 98;
  for (int i = 0; i < 50; ++i) b += ((fn)p)();
  printf("%d %d\n", a, b);
  return 0;
})";

// A store into the program's own (read-execute) code after it ran.
constexpr const char* kStoreIntoText = R"(
__attribute__((noinline)) int target(void) { return 1; }
int main(void) {
  int s = 0;
  for (int i = 0; i < 10; ++i) s += target();
  *(volatile unsigned*)(void*)target = 0;
  return s;
})";

// The "code changes" line of --stats: stores and kernel writes into translated code.
struct CodeChanges {
  unsigned long stores = 0, kernel_writes = 0, pages = 0;
  bool found = false;
};
CodeChanges code_changes(const std::string& diag) {
  CodeChanges c;
  const size_t at = diag.find("code changes");
  if (at == std::string::npos) return c;
  c.found = std::sscanf(diag.c_str() + at,
                        "code changes %lu stores and %lu kernel writes into translated code: "
                        "%lu pages",
                        &c.stores, &c.kernel_writes, &c.pages) == 3;
  return c;
}

class StoreIntoCodeTest : public ::testing::TestWithParam<JitMode> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  }

  Outcome run(const std::string& name, const char* source) {
    elf_ = program(name, source);
    return run_program(GetParam(), elf_, {}, /*stats=*/true);
  }

  std::string elf_;
};

TEST_P(StoreIntoCodeTest, NewCodeRunsAndTheStoreIsKeptAndCounted) {
  const Outcome o = run("store_into_code", kStoreIntoCode);
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.exit.status, 0) << o.diag;
  EXPECT_EQ(o.out, "50 100 200513\n");
  const CodeChanges c = code_changes(o.diag);
  ASSERT_TRUE(c.found) << o.diag;
  EXPECT_GE(c.stores, 1u) << o.diag;
  EXPECT_GE(c.pages, 1u) << o.diag;
  EXPECT_EQ(c.kernel_writes, 0u) << o.diag;
}

TEST_P(StoreIntoCodeTest, ReadIntoCodeDropsItsTranslation) {
  const Outcome o = run("read_into_code", kReadIntoCode);
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Exited) << o.diag;
  EXPECT_EQ(o.exit.status, 0) << o.diag;
  EXPECT_EQ(o.out, "150 200\n");
  const CodeChanges c = code_changes(o.diag);
  ASSERT_TRUE(c.found) << o.diag;
  EXPECT_GE(c.kernel_writes, 1u) << o.diag;
  EXPECT_GE(c.pages, 1u) << o.diag;
}

TEST_P(StoreIntoCodeTest, StoreIntoReadOnlyCodeIsSigsegvAtItsAddress) {
  const Outcome o = run("store_into_text", kStoreIntoText);
  EXPECT_EQ(o.exit.kind, GuestExit::Kind::Signaled) << o.diag;
  EXPECT_EQ(o.exit.status, SIGSEGV) << o.diag;
  const uint64_t target = symbol_address(elf_, "target");
  ASSERT_NE(target, 0u);
  EXPECT_NE(o.diag.find(fmt::format("segmentation fault: store at 0x{:x} ", target)),
            std::string::npos)
      << o.diag;
  EXPECT_EQ(code_changes(o.diag).stores, 0u) << o.diag;
}

INSTANTIATE_TEST_SUITE_P(AllModes, StoreIntoCodeTest,
                         ::testing::Values(JitMode::Off, JitMode::Baseline, JitMode::Auto,
                                           JitMode::Opt),
                         [](const ::testing::TestParamInfo<JitMode>& i) {
                           switch (i.param) {
                             case JitMode::Off: return std::string("Off");
                             case JitMode::Baseline: return std::string("Baseline");
                             case JitMode::Auto: return std::string("Auto");
                             case JitMode::Opt: return std::string("Opt");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace strata::jit::rv64
