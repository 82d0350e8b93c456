// `strata repl run PROGRAM.elf` driven through a pipe, as a script would: breakpoints by symbol
// (also inside a translated region's loop), registers, steps, memory, disassembly, the
// translation of a block, one-line errors that leave the session going, and inspection after
// the guest's exit. Expected addresses come from riscv64-linux-gnu-nm, not from strata.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/repl_interrupt.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"
#include "tools/strata/monitor/eh_frame.hpp"
#include "tools/strata/monitor/elf_symbols.hpp"
#include "tools/strata/monitor/repl_format.hpp"

namespace {

using strata::test::run_process;
using strata::test::strata_binary;
namespace t = strata::vm::rv64::test;

constexpr const char* kProgram = R"(#include <stdio.h>
int add(int a, int b) { return a + b; }
int main(int argc, char** argv) {
  int s = 0;
  for (int i = 0; i < 3; i++) s = add(s, i);
  printf("sum %d\n", s);
  return 7;
}
)";

std::string build_program() {
  static const std::string path = t::build_c("repl_prog", "-static -O0 -g", kProgram);
  return path;
}

// The address of `sym` in `elf` by nm; 0 if absent.
uint64_t nm_address(const std::string& elf, const std::string& sym) {
  std::istringstream in(t::capture("riscv64-linux-gnu-nm " + elf));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string addr, kind, name;
    if (f >> addr >> kind >> name && name == sym && (kind == "T" || kind == "t"))
      return std::stoull(addr, nullptr, 16);
  }
  return 0;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

std::string hex16(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

class ReplTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    if (!t::have_tool("riscv64-linux-gnu-nm")) GTEST_SKIP() << "riscv64-linux-gnu-nm is missing";
    prog_ = build_program();
    ASSERT_FALSE(prog_.empty()) << "the cross compiler failed";
    main_ = nm_address(prog_, "main");
    add_ = nm_address(prog_, "add");
    ASSERT_NE(main_, 0u);
    ASSERT_NE(add_, 0u);
  }
  strata::test::ProcessResult repl(const std::string& script) {
    return run_process({strata_binary(), "repl", "run", GetParam(), prog_}, script, 60);
  }
  std::string prog_;
  uint64_t main_ = 0, add_ = 0;
};

TEST_P(ReplTest, BreakAtMainInspectStepAndRunToExit) {
  const auto r = repl(
      "break main\n"
      "continue\n"
      "regs\n"
      "step\n"
      "mem sp 32\n"
      "disas\n"
      "frobnicate\n"
      "mem 0x0 16\n"
      "set rax 1\n"
      "tc main\n"
      "bt\n"
      "continue\n"
      "regs\n"
      "continue\n"
      "quit\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  // Started stopped at the ELF entry, then stopped at main's first instruction.
  EXPECT_NE(out.find("stopped at " + hex(nm_address(prog_, "_start")) + " <_start>"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("breakpoint 1 at " + hex(main_) + " <main>"), std::string::npos) << out;
  EXPECT_NE(out.find("breakpoint 1, " + hex(main_) + " <main>:"), std::string::npos) << out;
  // regs: pc is main; sp is a stack address the dump below starts at.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex("pc +(0x[0-9a-f]{16})  <main>"))) << out;
  EXPECT_EQ(m[1].str(), hex16(main_));
  ASSERT_TRUE(std::regex_search(out, m, std::regex("sp/x2 +0x([0-9a-f]{16})"))) << out;
  const std::string sp = m[1].str();
  // step: one instruction (compressed or not) further, inside main.
  const bool stepped = out.find(hex(main_ + 2) + " <main+0x2>:") != std::string::npos ||
                       out.find(hex(main_ + 4) + " <main+0x4>:") != std::string::npos;
  EXPECT_TRUE(stepped) << out;
  // mem sp 32: two lines of 16 bytes from sp (sp moved by the stepped `addi sp,sp,-N`).
  ASSERT_TRUE(std::regex_search(
      out, m,
      std::regex("\n0x([0-9a-f]{16})  ([0-9a-f]{2} ){8} ([0-9a-f]{2} ){7}[0-9a-f]{2}  \\|")))
      << out;
  const uint64_t dump_at = std::stoull(m[1].str(), nullptr, 16);
  EXPECT_LE(dump_at, std::stoull(sp, nullptr, 16));
  EXPECT_LE(std::stoull(sp, nullptr, 16) - dump_at, 512u) << "not the stack: " << out;
  // disas marks the pc.
  EXPECT_TRUE(std::regex_search(out, std::regex("=> 0x[0-9a-f]+ <main\\+0x[24]>:"))) << out;
  // tc: the guest instructions of main's unit and its SVI code.
  EXPECT_NE(out.find("guest unit at " + hex(main_)), std::string::npos) << out;
  EXPECT_NE(out.find("SVI translation:"), std::string::npos) << out;
  EXPECT_NE(out.find("ret r"), std::string::npos) << out;
  // The program ran to its end with its own output and status...
  EXPECT_NE(out.find("sum 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("the guest exited with status 7"), std::string::npos) << out;
  // ...and the session went on: registers after the exit, a second `continue` refused.
  EXPECT_EQ(count(out, "\npc "), 2u) << out;
  // bt unwinds main's frame (its prologue half done) up to _start with the unwind tables.
  EXPECT_TRUE(std::regex_search(
      out, std::regex("#0  0x[0-9a-f]+ <main\\+0x[24]>\n#1  0x[0-9a-f]+ "
                      "<__libc_start_call_main\\+0x[0-9a-f]+>\n(#[0-9]+ +0x[0-9a-f]+ <[^>]+>\n)*"
                      "#[0-9]+ +0x[0-9a-f]+ <_start\\+0x[0-9a-f]+>\n")))
      << out;
  // Each mistake is exactly one error line.
  const auto errs = lines_of(r.err);
  ASSERT_EQ(errs.size(), 4u) << r.err;
  for (const auto& e : errs) EXPECT_EQ(e.rfind("error: ", 0), 0u) << e;
  EXPECT_NE(r.err.find("error: unknown command 'frobnicate'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: address 0x0 is not mapped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: unknown register 'rax' for riscv64"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: the guest exited with status 7; nothing more to run"),
            std::string::npos)
      << r.err;
}

// add is called from main's loop: a translated region of main may contain the call and the
// loop's back-edge, so the breakpoint must still stop every call, and `set` must reach the guest.
TEST_P(ReplTest, BreakpointInsideALoopStopsEveryTimeAndSetChangesTheGuest) {
  const auto r = repl(
      "break add\n"
      "continue\n"
      "continue\n"
      "continue\n"
      "set a1 100\n"
      "delete 1\n"
      "continue\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(count(r.out, "breakpoint 1, " + hex(add_) + " <add>:"), 3u) << r.out;
  // The third call was add(1, 2); with b = 100 the sum is 0 + 1 + 100.
  EXPECT_NE(r.out.find("a1 = 0x64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sum 101\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the guest exited with status 7"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// bt inside add: add (its frame not built yet), then main at the return address of its call of
// add (checked against objdump: the instruction before it calls add), up to _start.
TEST_P(ReplTest, BacktraceUnwindsWithTheUnwindTables) {
  const auto r = repl("break add\ncontinue\nbt\nstep 4\nbt\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  const std::regex two(
      "#0  0x[0-9a-f]+ <add(\\+0x[0-9a-f]+)?>\n#1  0x([0-9a-f]+) <main\\+0x[0-9a-f]+>\n");
  ASSERT_TRUE(std::regex_search(r.out, m, two)) << r.out;
  const uint64_t ret = std::stoull(m[2].str(), nullptr, 16);
  const std::string dis = t::capture("riscv64-linux-gnu-objdump -d " + prog_);
  std::smatch call;
  ASSERT_TRUE(std::regex_search(
      dis, call,
      std::regex("\n +([0-9a-f]+):\t[0-9a-f ]+\t(jal|call)\t[^\n]*<add>\n +" + m[2].str() + ":")))
      << "no call of add before 0x" << m[2].str();
  EXPECT_LT(std::stoull(call[1].str(), nullptr, 16), ret);
  // The same caller after add's prologue saved ra and moved the frame to s0.
  EXPECT_EQ(count(r.out, "<main+0x"), 2u) << r.out;
  EXPECT_EQ(count(r.out, " <_start+0x"), 2u) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_P(ReplTest, StepCountsInstructionsAndEndOfInputEndsTheSession) {
  const auto r = repl("break main\ncontinue\nstep 3\nregs\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(r.out, m, std::regex("pc +0x([0-9a-f]{16})  <main\\+0x([0-9a-f]+)>")))
      << r.out;
  const uint64_t off = std::stoull(m[2].str(), nullptr, 16);
  // Three instructions of 2 or 4 bytes each (main's prologue has no branch).
  EXPECT_GE(off, 6u);
  EXPECT_LE(off, 12u);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

// Ctrl-C while `continue` runs a guest that never ends: the run stops, the prompt comes back.
TEST(ReplInterrupt, SigintStopsARunningGuest) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string elf = t::build_c(
      "repl_loop", "-static -O0", "#include <unistd.h>\nint main(void) { for (;;) getppid(); }\n");
  ASSERT_FALSE(elf.empty());
  const auto run = strata::test::interrupt_running_repl(elf, 500, "regs\nquit\n", 30);
  const std::string& out = run.out;
  ASSERT_TRUE(run.exited) << out;
  EXPECT_EQ(run.exit_code, 0) << out;
  EXPECT_NE(out.find("stopped: 0x"), std::string::npos) << out;
  EXPECT_NE(out.find("\npc "), std::string::npos) << out;
}

// The symbol reader on the real program, against nm; then on every truncation of the file and
// on corrupted copies: an error or a (possibly empty) table, never a crash.
TEST(ElfSymbols, MatchesNmAndSurvivesDamagedFiles) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string prog = build_program();
  ASSERT_FALSE(prog.empty());
  auto syms = strata::monitor::SymbolTable::load(prog);
  ASSERT_TRUE(syms) << syms.error().message;
  const uint64_t main_addr = nm_address(prog, "main");
  ASSERT_EQ(syms->address_of("main"), main_addr);
  EXPECT_EQ(syms->address_of("add"), nm_address(prog, "add"));
  EXPECT_FALSE(syms->address_of("no_such_symbol"));
  EXPECT_EQ(syms->describe(main_addr), "main");
  EXPECT_EQ(syms->describe(main_addr + 6), "main+0x6");
  EXPECT_EQ(syms->describe(0x10), "");

  std::ifstream f(prog, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (size_t n = 0; n < bytes.size(); n += 997)
    (void)strata::monitor::SymbolTable::parse(bytes.substr(0, n));
  uint64_t x = 88172645463325252ull;
  for (int round = 0; round < 200; ++round) {
    std::string bad = bytes;
    for (int k = 0; k < 64; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      bad[64 + x % (bad.size() - 64)] = static_cast<char>(x >> 32);
    }
    // The header's section table fields are the first targets of a hostile file.
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    bad[0x28 + x % 24] = static_cast<char>(x >> 40);
    (void)strata::monitor::SymbolTable::parse(bad);
  }
  EXPECT_FALSE(strata::monitor::SymbolTable::parse("not an elf"));
  EXPECT_FALSE(strata::monitor::SymbolTable::load("/nonexistent/file"));
}

// The unwind tables of the real program: add's rows as readelf shows them for an -O0 function
// (CFA = sp at entry, sp + 32 after `addi sp,sp,-32`, ra saved at CFA - 8 once stored); then
// every truncation and corrupted copies: rows or none, never a crash.
TEST(CallFrameInfo, ReadsTheProgramsRowsAndSurvivesDamagedFiles) {
  if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  const std::string prog = build_program();
  ASSERT_FALSE(prog.empty());
  auto cfi = strata::monitor::CallFrameInfo::load(prog);
  ASSERT_TRUE(cfi) << cfi.error().message;
  const uint64_t add = nm_address(prog, "add");
  auto entry = cfi->rule_at(add);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->cfa_reg, 2u);
  EXPECT_EQ(entry->cfa_offset, 0);
  EXPECT_EQ(entry->return_reg, 1u);
  auto after = cfi->rule_at(add + 2);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->cfa_offset, 32);
  EXPECT_FALSE(cfi->rule_at(0x10));

  std::ifstream f(prog, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  for (size_t n = 0; n < bytes.size(); n += 4999)
    if (auto c = strata::monitor::CallFrameInfo::parse(bytes.substr(0, n))) (void)c->rule_at(add);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (int round = 0; round < 100; ++round) {
    std::string bad = bytes;
    for (int k = 0; k < 256; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      bad[64 + x % (bad.size() - 64)] = static_cast<char>(x >> 32);
    }
    if (auto c = strata::monitor::CallFrameInfo::parse(bad))
      for (uint64_t pc = add; pc < add + 64; pc += 2) (void)c->rule_at(pc);
  }
  EXPECT_FALSE(strata::monitor::CallFrameInfo::parse("not an elf"));
}

TEST(ReplFormat, NumbersAndDumps) {
  using strata::monitor::parse_number;
  EXPECT_EQ(parse_number("0x1f"), 31u);
  EXPECT_EQ(parse_number("31"), 31u);
  EXPECT_EQ(parse_number("-1"), ~uint64_t{0});
  EXPECT_FALSE(parse_number("0x"));
  EXPECT_FALSE(parse_number("12ab"));
  EXPECT_FALSE(parse_number("99999999999999999999999"));
  const uint8_t data[18] = {'h', 'i', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0x7f, 'z'};
  EXPECT_EQ(
      strata::monitor::hex_dump(0x1000, data),
      "0x0000000000001000  68 69 00 01 02 03 04 05  06 07 08 09 0a 0b 0c 0d  |hi..............|\n"
      "0x0000000000001010  7f 7a                                             |.z|\n");
}

TEST(ReplCli, RefusesWhatItCannotRun) {
  const auto bad = run_process({strata_binary(), "repl", "frob", "x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'frob' is not supported"), std::string::npos) << bad.err;
  // attach takes a monitor socket (repl_attach_test.cpp has the rest).
  const auto attach = run_process({strata_binary(), "repl", "attach", "x"});
  EXPECT_EQ(attach.exit_code, 2);
  EXPECT_NE(attach.err.find("repl attach: 'x' is not unix:PATH"), std::string::npos) << attach.err;
  const auto boot = run_process({strata_binary(), "repl", "boot", "x"});
  EXPECT_EQ(boot.exit_code, 2);
  EXPECT_NE(boot.err.find("unknown argument 'x'"), std::string::npos) << boot.err;
  const auto missing = run_process({strata_binary(), "repl", "run", "/nonexistent.elf"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent.elf"), std::string::npos) << missing.err;
}

INSTANTIATE_TEST_SUITE_P(Tiers, ReplTest,
                         ::testing::Values("--jit=off", "--jit=baseline", "--jit=auto"),
                         [](const auto& param_info) {
                           return std::string(param_info.param).substr(6);
                         });

}  // namespace
