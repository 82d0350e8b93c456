// `sregs` on an RV64 Linux user program (`strata repl run PROG.elf`): the CSRs a user program
// has, fflags, frm and fcsr as the program set them, and the read-only counters cycle, time and
// instret.
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace {

using strata::test::run_process;
using strata::test::strata_binary;
namespace t = strata::vm::rv64::test;

// Rounds upward (frm 3, RUP), then divides inexactly (NX) before calling mark().
constexpr const char* kProgram = R"(#include <stdio.h>
volatile double x = 1.0, y = 3.0;
__attribute__((noinline)) void mark(double v) { printf("%.3f\n", v); }
int main(void) {
  __asm__ volatile("fsrmi 3");
  double q = x / y;
  mark(q);
  return 0;
}
)";

// The value after `name` at the start of a line, or -1.
long long value_of(const std::string& out, const std::string& name, size_t from = 0) {
  std::smatch m;
  const std::string rest = out.substr(from);
  if (!std::regex_search(rest, m, std::regex("(^|\n)" + name + " +0x([0-9a-f]+)"))) return -1;
  return std::stoll(m[2].str(), nullptr, 16);
}

TEST(ReplRv64Sregs, UserCsrsAndCounters) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string prog = t::build_c("repl_sregs", "-static -O1", kProgram);
  ASSERT_FALSE(prog.empty()) << "the cross compiler failed";
  const auto r = run_process({strata_binary(), "repl", "run", prog},
                             "sregs\nbreak mark\ncontinue\nsregs\nregs\nset instret 5\n"
                             "set frm 2\nsregs\ncontinue\nquit\n",
                             60);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& o = r.out;
  // At the entry: nothing retired yet, round-to-nearest, no flags.
  EXPECT_EQ(value_of(o, "instret"), 0) << o;
  EXPECT_EQ(value_of(o, "fcsr"), 0) << o;
  const size_t hit = o.find("breakpoint 1, ");
  ASSERT_NE(hit, std::string::npos) << o;
  // At mark: RUP is frm 3, the inexact division set NX (fflags bit 0).
  EXPECT_EQ(value_of(o, "frm", hit), 3) << o;
  EXPECT_EQ(value_of(o, "fflags", hit), 1) << o;
  EXPECT_EQ(value_of(o, "fcsr", hit), 0x61) << o;
  // A guest cycle is one retired instruction; the C library's start-up retired thousands.
  const long long instret = value_of(o, "instret", hit);
  EXPECT_GT(instret, 1000) << o;
  EXPECT_EQ(value_of(o, "cycle", hit), instret) << o;
  EXPECT_GT(value_of(o, "time", hit), 0) << o;
  // regs no longer lists the CSRs (they are sregs), but still the FP registers.
  const size_t regs = o.find("zero/x0", hit);
  ASSERT_NE(regs, std::string::npos) << o;
  const std::string regs_text = o.substr(regs, o.find("frm = ", regs) - regs);
  EXPECT_NE(regs_text.find("ft0/f0"), std::string::npos) << o;
  EXPECT_EQ(regs_text.find("fcsr"), std::string::npos) << o;
  // The counters are read-only, as for the guest; frm is not.
  EXPECT_NE(r.err.find("error: instret is a read-only counter"), std::string::npos) << r.err;
  EXPECT_NE(o.find("frm = 0x2\n"), std::string::npos) << o;
  EXPECT_EQ(value_of(o, "fcsr", o.find("frm = 0x2\n")), 0x41) << o;
  // Rounding down now (frm 2): 1/3 prints 0.333 either way, and the program ends normally.
  EXPECT_NE(o.find("the guest exited with status 0"), std::string::npos) << o;
}

}  // namespace
