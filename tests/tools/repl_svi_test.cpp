// `strata repl run PROG.sasm` driven through a pipe: breakpoints on functions and source lines,
// typed registers, single steps into and out of calls, the call stack with source lines, write
// watchpoints, memory, a trap with its stack trace, one-line errors that leave the session
// going, and Ctrl-C on a program that never ends. Expected lines come from the program text.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/tools/repl_interrupt.hpp"

namespace {

using strata::test::run_process;
using strata::test::strata_binary;

constexpr const char* kProgram = R"(; The SVI debugger's test program.
.import "std.io" println_i64(i64)
.import "std.sys" argc() -> i64
.memory 65536

; Writes 1, then %v, at %addr and returns 2 * %v.
.func store(%addr: i64, %v: i64) -> i64
  .reg %twice: i64, %one: i64
  li %one, 1
  st.i64 %addr, %one
  st.i64 %addr, %v
  add %twice, %v, %v
  ret %twice
.end

.func divide(%x: i64, %y: i64) -> i64
  .reg %q: i64
  div %q, %x, %y
  ret %q
.end

; Prints store(256, 21); with an argument divides by zero, else returns 7.
.func main() -> i64 export
  .reg %addr: i64, %v: i64, %r: i64, %n: i64, %zero: i64, %f: f64, %s: ref
  ldk %f, 2.5
  ldk %s, "hello"
  li %addr, 256
  li %v, 21
  call %r, store(%addr, %v)
  callh println_i64(%r)
  callh %n, argc()
  li %zero, 0
  bgt %n, %zero, crash
  li %r, 7
  ret %r
crash:
  call %r, divide(%v, %zero)
  ret %r
.end
)";

std::string write_program(const std::string& name, const char* text) {
  const std::string path = ::testing::TempDir() + name + "_" + std::to_string(getpid()) + ".sasm";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path;
}

// The 1-based line of the first line of kProgram that contains `text`.
int line_of(const std::string& text) {
  std::istringstream in(kProgram);
  int n = 1;
  for (std::string l; std::getline(in, l); ++n)
    if (l.find(text) != std::string::npos) return n;
  ADD_FAILURE() << "no line with " << text;
  return 0;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

class ReplSvi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { prog_ = new std::string(write_program("repl_svi", kProgram)); }
  static void TearDownTestSuite() {
    std::remove(prog_->c_str());
    delete prog_;
  }
  // "store+1 (PATH:10)": the location text of pc `pc` of `fn` at source line `line`.
  static std::string at(const std::string& fn, int pc, int line) {
    return (pc ? fn + "+" + std::to_string(pc) : fn) + " (" + *prog_ + ":" + std::to_string(line) +
           ")";
  }
  static strata::test::ProcessResult repl(const std::string& script,
                                          std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {strata_binary(), "repl", "run", *prog_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, script, 30);
  }
  static std::string* prog_;
};
std::string* ReplSvi::prog_ = nullptr;

TEST_F(ReplSvi, BreakAtAFunctionInspectStepIntoAndOutOfCallsAndRunToExit) {
  const int store_line = line_of("li %one, 1");
  const int call_line = line_of("call %r, store");
  const auto r = repl(
      "break store\n"
      "continue\n"
      "regs\n"
      "bt\n"
      "step\n"
      "disas\n"
      "step 3\n"
      "step\n"
      "regs\n"
      "continue\n"
      "quit\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  EXPECT_TRUE(has(out, "stopped at " + at("main", 0, line_of("ldk %f")) + ":\tldk %f, 2.5")) << out;
  EXPECT_TRUE(has(out, "breakpoint 1 at " + at("store", 0, store_line) + "\n")) << out;
  EXPECT_TRUE(has(out, "breakpoint 1, " + at("store", 0, store_line) + ":\tli %one, 1\n")) << out;
  // The arguments, typed.
  EXPECT_TRUE(has(out, "%addr      i64  256 (0x100)\n")) << out;
  EXPECT_TRUE(has(out, "%v         i64  21 (0x15)\n")) << out;
  // The call stack: the frames a trap's stack trace would show.
  EXPECT_TRUE(has(out, "#0  store (" + *prog_ + ":" + std::to_string(store_line) +
                           ", pc 0)\n#1  main (" + *prog_ + ":" + std::to_string(call_line) +
                           ", pc 4)\n"))
      << out;
  EXPECT_TRUE(has(out, "\n" + at("store", 1, store_line + 1) + ":\tst.i64 %addr, %one, 0\n"))
      << out;
  EXPECT_TRUE(has(out, "=> " + at("store", 1, store_line + 1) + ": st.i64")) << out;
  // Three more steps reach the ret; the next returns into main after the call (the call and its
  // argument word are pc 4 and 5), with the result in %r.
  EXPECT_TRUE(has(out, "\n" + at("store", 4, line_of("ret %twice")) + ":\tret %twice\n")) << out;
  EXPECT_TRUE(
      has(out, "\n" + at("main", 6, line_of("callh println_i64")) + ":\tcallh println_i64(%r)\n"))
      << out;
  EXPECT_TRUE(has(out, "%r         i64  42 (0x2a)\n")) << out;
  EXPECT_TRUE(has(out, "%f         f64  2.5\n")) << out;
  EXPECT_TRUE(has(out, "%s         ref  string \"hello\" (5 bytes)\n")) << out;
  EXPECT_TRUE(has(out, "42\nthe guest exited with status 7\n")) << out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(ReplSvi, SourceLineBreakpointsAndSetWithTypeChecks) {
  const int add_line = line_of("add %twice");
  const auto r =
      repl("break " + std::string(::basename(prog_->c_str())) + ":" + std::to_string(add_line) +
           "\n"
           "break main+4\n"
           "continue\n"
           "set %f 1.25\n"
           "set %s 5\n"
           "set %s 0\n"
           "regs\n"
           "continue\n"
           "set %v 100\n"
           "continue\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  EXPECT_TRUE(has(out, "breakpoint 1 at " + at("store", 3, add_line) + "\n")) << out;
  EXPECT_TRUE(has(out, "breakpoint 2, " + at("main", 4, line_of("call %r, store")))) << out;
  EXPECT_TRUE(has(out, "%f = f64  1.25\n")) << out;
  EXPECT_TRUE(has(out, "%s = ref  null\n")) << out;
  EXPECT_TRUE(has(out, "breakpoint 1, " + at("store", 3, add_line) + ":\tadd %twice, %v, %v\n"))
      << out;
  // %v = 100 makes store return 200.
  EXPECT_TRUE(has(out, "200\nthe guest exited with status 7\n")) << out;
  const auto errs = lines_of(r.err);
  ASSERT_EQ(errs.size(), 1u) << r.err;
  EXPECT_EQ(errs[0], "error: %s is a ref register: only 0 (null) can be written to it");
}

TEST_F(ReplSvi, WatchpointStopsAfterTheWritingInstructionWithOldAndNewValues) {
  const int first_store = line_of("st.i64 %addr, %one");
  const auto r = repl(
      "watch 256\n"
      "continue\n"
      "mem 256 16\n"
      "continue\n"
      "bt\n"
      "delete 1\n"
      "continue\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  EXPECT_TRUE(has(out, "watchpoint 1: 8 bytes at 0x100\n")) << out;
  EXPECT_TRUE(has(out, "watchpoint 1: 8 bytes at 0x100 written by " + at("store", 1, first_store) +
                           ": old 0 (0x0), new 1 (0x1)\n" + at("store", 2, first_store + 1) +
                           ":\tst.i64 %addr, %v, 0\n"))
      << out;
  EXPECT_TRUE(has(out, "0x0000000000000100  01 00 00 00 00 00 00 00  00 00")) << out;
  EXPECT_TRUE(
      has(out, "written by " + at("store", 2, first_store + 1) + ": old 1 (0x1), new 21 (0x15)\n"))
      << out;
  EXPECT_TRUE(has(out, "#0  store (" + *prog_ + ":" + std::to_string(first_store + 2) + ", pc 3)"))
      << out;
  EXPECT_TRUE(has(out, "deleted watchpoint 1 at 0x100\n")) << out;
  EXPECT_TRUE(has(out, "42\nthe guest exited with status 7\n")) << out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(ReplSvi, ATrapIsReportedWithItsMessageAndFramesAndStaysInspectable) {
  const int div_line = line_of("div %q");
  const int call_line = line_of("call %r, divide");
  const auto r = repl("continue\nbt\nregs\ncontinue\n", {"crash"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  const std::string frames = "divide (" + *prog_ + ":" + std::to_string(div_line) + ", pc 0)\n" +
                             "  at main (" + *prog_ + ":" + std::to_string(call_line) +
                             ", pc 13)\n";
  EXPECT_TRUE(has(out, "42\ntrap: integer divide by zero\n  at " + frames)) << out;
  EXPECT_TRUE(
      has(out, "#0  divide (" + *prog_ + ":" + std::to_string(div_line) + ", pc 0)\n#1  main"))
      << out;
  EXPECT_TRUE(has(out, "%y         i64  0 (0x0)\n")) << out;
  EXPECT_EQ(r.err,
            "error: the program trapped (trap: integer divide by zero); nothing more to run (quit "
            "to leave)\n");
}

TEST_F(ReplSvi, MistakesGetOneErrorLineAndTheSessionGoesOn) {
  const auto r = repl(
      "frobnicate\n"
      "set rax 1\n"
      "set %nope 1\n"
      "mem 0x10000 8\n"
      "break nosuch\n"
      "break " +
      std::string(::basename(prog_->c_str())) +
      ":999\n"
      "break store+2\n"
      "break 0x7700000000\n"
      "watch 65530 8\n"
      "step 0\n"
      "disas store+1 3\n"
      "step 1000000\n");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto errs = lines_of(r.err);
  ASSERT_EQ(errs.size(), 9u) << r.err;
  for (const auto& e : errs) EXPECT_EQ(e.rfind("error: ", 0), 0u) << e;
  EXPECT_EQ(errs[0], "error: unknown command 'frobnicate' (type help)");
  EXPECT_EQ(errs[1],
            "error: unknown register 'rax' for svi (the registers of main: %addr %v %r %n "
            "%zero %f %s)");
  EXPECT_TRUE(has(r.err, "error: address 0x10000 is outside the linear memory of 65536 bytes\n"));
  EXPECT_TRUE(has(r.err, "error: 'nosuch' is not a number, a symbol or a svi register\n"));
  EXPECT_TRUE(has(r.out, "breakpoint 1 at " + at("store", 2, line_of("st.i64 %addr, %v"))))
      << r.out;
  EXPECT_TRUE(has(r.err, "error: no instruction at line 999 of ")) << r.err;
  EXPECT_TRUE(has(r.err, "error: 0x7700000000 is not an SVI code address (module ")) << r.err;
  EXPECT_TRUE(has(r.err, " has no function 119)\n")) << r.err;
  EXPECT_TRUE(has(r.err,
                  "error: watch: 8 bytes at 0xfffa are outside the linear memory of 65536 "
                  "bytes\n"))
      << r.err;
  EXPECT_TRUE(has(r.err, "error: step: '0' is not a positive count\n")) << r.err;
  // disas continues from the given address, one instruction per line.
  EXPECT_TRUE(has(r.out, "   " + at("store", 1, line_of("st.i64 %addr, %one")) + ": st.i64"))
      << r.out;
  // A long step runs through calls, returns and host calls to the end, stopping at breakpoints.
  EXPECT_TRUE(has(r.out, "breakpoint 1, " + at("store", 2, line_of("st.i64 %addr, %v")))) << r.out;
}

TEST_F(ReplSvi, SteppingOneInstructionAtATimeRunsTheProgramAsAContinueDoes) {
  std::string script;
  for (int i = 0; i < 40; ++i) script += "step\n";
  const auto stepped = repl(script, {"crash"});
  const auto ran = repl("continue\n", {"crash"});
  ASSERT_EQ(stepped.exit_code, 0) << stepped.err;
  // The output and the trap report are the same; the trap comes after 16 instructions, so the
  // remaining steps are refused with the trap named.
  const auto trap_at = [](const std::string& s) { return s.substr(s.find("trap: ")); };
  ASSERT_TRUE(has(ran.out, "42\ntrap: ")) << ran.out;
  ASSERT_TRUE(has(stepped.out, "\n42\n")) << stepped.out;
  ASSERT_TRUE(has(stepped.out, "trap: ")) << stepped.out;
  EXPECT_EQ(trap_at(stepped.out), trap_at(ran.out));
  EXPECT_EQ(lines_of(stepped.err).size(), 40u - 16u) << stepped.err;
  EXPECT_TRUE(has(stepped.err, "error: the program trapped")) << stepped.err;
}

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// fib(6) makes 25 calls of fib, 12 of which (n >= 2) come back to fib+5 after their first
// recursive call: each breakpoint stops exactly that often, in recursion and returns alike.
TEST(ReplSviFib, BreakpointsStopEveryRecursiveCallAndReturn) {
  std::string script = "break fib\nbreak fib+5\n";
  for (int i = 0; i < 40; ++i) script += "continue\n";
  const auto r = run_process(
      {strata_binary(), "repl", "run", strata::test::source_path("examples/bench/fib.sasm"), "6"},
      script, 30);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count(r.out, "breakpoint 1, fib ("), 25u) << r.out;
  EXPECT_EQ(count(r.out, "breakpoint 2, fib+5 ("), 12u) << r.out;
  EXPECT_TRUE(has(r.out, "\n8\nthe guest exited with status 0\n")) << r.out;
  EXPECT_EQ(lines_of(r.err).size(), 40u - 37u - 1u) << r.err;
}

TEST(ReplSviCli, JitFlagsAreAcceptedAndGdbIsRefused) {
  const std::string prog = write_program("repl_svi_cli", kProgram);
  const auto jit =
      run_process({strata_binary(), "repl", "run", "--jit=baseline", prog}, "continue\n");
  EXPECT_EQ(jit.exit_code, 0) << jit.err;
  EXPECT_TRUE(has(jit.out, "note: --jit=baseline has no effect under the debugger")) << jit.out;
  EXPECT_TRUE(has(jit.out, "the guest exited with status 7")) << jit.out;
  const auto gdb = run_process({strata_binary(), "repl", "run", "--gdb", "tcp:127.0.0.1:0", prog});
  EXPECT_EQ(gdb.exit_code, 2);
  EXPECT_TRUE(has(gdb.err, "gdb has no SVI architecture")) << gdb.err;
  std::remove(prog.c_str());
}

// Ctrl-C while `continue` runs a program that never ends: it stops, the prompt comes back, and
// the program can go on.
TEST(ReplSviInterrupt, SigintStopsARunningProgram) {
  const std::string prog = write_program("repl_svi_loop", R"(
.func main() -> i64 export
  .reg %i: i64
  li %i, 0
spin:
  addi %i, %i, 1
  jmp spin
.end
)");
  const auto run =
      strata::test::interrupt_running_repl(prog, 300, "regs\nstep 2\nregs\nquit\n", 10);
  const std::string& out = run.out;
  std::remove(prog.c_str());
  ASSERT_TRUE(run.exited) << out;
  EXPECT_EQ(run.exit_code, 0) << out;
  EXPECT_TRUE(has(out, "stopped: main+")) << out;
  // Two steps later %i grew by exactly one (one addi, one jmp).
  std::vector<long> values;
  std::istringstream in_out(out);
  for (std::string l; std::getline(in_out, l);)
    if (l.rfind("%i ", 0) == 0) values.push_back(std::stol(l.substr(l.find("i64") + 4)));
  ASSERT_EQ(values.size(), 2u) << out;
  EXPECT_GT(values[0], 1000);
  EXPECT_EQ(values[1], values[0] + 1) << out;
}

}  // namespace
