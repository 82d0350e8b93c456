// Differential tests of RISC-V user-mode emulation: every program of the corpus (examples/rv64/,
// cross-compiled at build time) runs under qemu-riscv64, the reference, and under
// `strata run --jit=MODE` for each mode (and a subset under --jit=opt); stdout, stderr and the exit
// status (including death by a signal) must be identical. One test per program, arguments and mode.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "tests/examples/rv64/raw_process.hpp"

namespace fs = std::filesystem;
using strata::test::describe_status;
using strata::test::RawResult;
using strata::test::run_raw;

namespace {

// Set by tests/examples/rv64/CMakeLists.txt: the reference emulator ("" when not found), the
// folder of the cross-compiled programs, and why a program could not be built (when it could not).
const std::string kQemu = STRATA_RV64_QEMU;
const fs::path kCorpusDir = STRATA_RV64_CORPUS_DIR;
const std::string kMissingCc = STRATA_RV64_MISSING_CC;
const std::string kMissingCxx = STRATA_RV64_MISSING_CXX;
const std::string kSysroot = STRATA_RV64_SYSROOT;  // for dynamically linked programs
constexpr int kTimeoutSeconds = 300;
constexpr const char* kScratchArg = "{scratch}";  // replaced by a fresh directory per run

struct Program {
  std::string name;  // test name
  std::string elf;   // file name in kCorpusDir
  std::vector<std::string> args;
  std::string input;     // stdin
  bool cxx = false;      // built by the C++ cross compiler
  bool dynamic = false;  // linked against the shared libraries of kSysroot
};

void PrintTo(const Program& p, std::ostream* os) {
  *os << p.name;
}

// Deterministic text for stdin_echo: varied lengths, one line longer than its 1 KiB buffer, and
// no newline at the end.
std::string echo_input() {
  std::string s;
  for (int i = 0; i < 300; ++i) {
    s += "line " + std::to_string(i) + ":";
    s.append(static_cast<size_t>(i * 7 % 61), static_cast<char>('a' + i % 26));
    s += '\n';
  }
  s.append(3000, 'x');
  s += "\nlast line without newline";
  return s;
}

std::vector<Program> corpus() {
  std::vector<Program> p = {
      {"int_edge", "int_edge.elf", {}, ""},
      {"fp_edge", "fp_edge.elf", {}, ""},
      {"libc_stdio", "libc_stdio.elf", {}, ""},
      {"files", "files.elf", {kScratchArg}, ""},
      {"setjmp", "setjmp.elf", {}, ""},
      {"cpp_features", "cpp_features.elf", {}, "", true},
      {"atomics", "atomics.elf", {}, ""},
      {"pthreads", "pthreads.elf", {}, ""},
      {"threads_stress", "threads_stress.elf", {}, ""},
      {"threads_block", "threads_block.elf", {}, ""},
      {"sockets", "sockets.elf", {kScratchArg}, ""},
      {"fork_hot", "fork_hot.elf", {}, ""},
      {"processes", "processes.elf", {}, ""},
      {"smc", "smc.elf", {}, ""},
      {"smc_store", "smc_store.elf", {}, ""},
      {"exit_codes", "exit_codes.elf", {}, ""},
      {"exit_codes_argc3", "exit_codes.elf", {"one", "two words"}, ""},
      {"exit_codes_255", "exit_codes.elf", {"exit255"}, ""},
      {"exit_codes_underscore_exit", "exit_codes.elf", {"_exit"}, ""},
      {"exit_codes_abort", "exit_codes.elf", {"abort"}, ""},
      {"stdin_echo", "stdin_echo.elf", {}, echo_input()},
      {"stdin_echo_empty", "stdin_echo.elf", {}, ""},
      {"workloads", "workloads.elf", {}, ""},
      {"signals", "signals.elf", {}, ""},
      {"io_misc", "io_misc.elf", {kScratchArg}, ""},
      {"process_info", "process_info.elf", {"", "two words", "\xc3\xbcn\xc3\xaf", "x"}, ""},
      {"memory_map", "memory_map.elf", {kScratchArg}, ""},
      {"memory_map_shared", "memory_map.elf", {kScratchArg, "shared"}, ""},
      {"memory_map_past_eof", "memory_map.elf", {kScratchArg, "past_eof"}, ""},
      {"exec_host", "exec.elf", {"host", kScratchArg}, ""},
      {"faults_load", "faults.elf", {"load"}, ""},
      {"faults_store", "faults.elf", {"store"}, ""},
      {"faults_munmapped", "faults.elf", {"munmapped"}, ""},
      {"faults_prot_none", "faults.elf", {"prot_none"}, ""},
      {"faults_rodata", "faults.elf", {"rodata"}, ""},
      {"faults_nx", "faults.elf", {"nx"}, ""},
      {"faults_ill", "faults.elf", {"ill"}, ""},
      {"faults_ebreak", "faults.elf", {"ebreak"}, ""},
      {"faults_term", "faults.elf", {"term"}, ""},
      {"faults_kill", "faults.elf", {"kill"}, ""},
      {"faults_abort_blocked", "faults.elf", {"abort_blocked"}, ""},
      {"faults_ignored", "faults.elf", {"ignored"}, ""},
      {"int_edge_O0", "int_edge_O0.elf", {}, ""},
      {"fp_edge_O0", "fp_edge_O0.elf", {}, ""},
      {"workloads_Os", "workloads_Os.elf", {}, ""},
      {"cpp_features_O0", "cpp_features_O0.elf", {}, "", true},
      {"setjmp_dynamic", "setjmp_dynamic.elf", {}, "", false, true},
      {"cpp_features_dynamic", "cpp_features_dynamic.elf", {}, "", true, true},
  };
  for (const char* insn : {"rv64i_alu", "rv64m", "rv64a", "rv64f", "rv64d", "fcsr", "counters",
                           "compressed", "misaligned", "registers", "random_blocks"})
    p.push_back({std::string("insn_") + insn, std::string("insn_") + insn + ".elf", {}, ""});
  return p;
}

const std::vector<std::string> kModes = {"off", "baseline", "auto"};

// qemu-riscv64 reports a guest's fatal signal on stderr before dying by it; that line is the
// reference emulator's, not the program's.
std::string strip_qemu_notes(const std::string& err) {
  std::istringstream in(err);
  std::string out, line;
  while (std::getline(in, line))
    if (!line.starts_with("qemu: uncaught target signal")) out += line + (in.eof() ? "" : "\n");
  return out;
}

// Strata reports the fault that killed a guest on its last stderr line ("strata: rv64:
// segmentation fault: load at 0x10 (pc ...)"); like qemu's note, it is not the program's output.
// Only that one line goes, and only when the guest died by a signal.
std::string strip_strata_fatal_note(const RawResult& r) {
  if (!WIFSIGNALED(r.status)) return r.err;
  std::string err = r.err;
  if (!err.empty() && err.back() == '\n') err.pop_back();
  size_t start = err.rfind('\n');
  start = start == std::string::npos ? 0 : start + 1;
  if (err.compare(start, 14, "strata: rv64: ") != 0) return r.err;
  return r.err.substr(0, start);
}

// The first line where two outputs differ, with the line before it, for a readable failure.
std::string first_difference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb, prev;
  for (int line = 1;; ++line) {
    bool ha = static_cast<bool>(std::getline(a, la)), hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "outputs differ only in the final newline";
    if (!ha || !hb || la != lb) {
      std::ostringstream o;
      o << "first difference at line " << line << " (previous line: \"" << prev << "\")\n"
        << "  qemu:   " << (ha ? "\"" + la + "\"" : "<end of output>") << "\n"
        << "  strata: " << (hb ? "\"" + lb + "\"" : "<end of output>");
      return o.str();
    }
    prev = la;
  }
}

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    path_ = fs::temp_directory_path() / ("strata-rv64-" + std::to_string(getpid()) + "-" + tag);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

RawResult run_program(std::vector<std::string> argv, const Program& p, const std::string& tag) {
  ScratchDir scratch(tag);
  for (const auto& a : p.args) argv.push_back(a == kScratchArg ? scratch.path().string() : a);
  return run_raw(argv, p.input, kTimeoutSeconds);
}

// Skips (returns false with a reason) when the toolchain or the reference is missing.
bool prerequisites(const Program& p, std::string* why) {
  if (kQemu.empty())
    *why = "qemu-riscv64 not found (apt-get install qemu-user)";
  else if (!kMissingCc.empty())
    *why = kMissingCc;
  else if (p.cxx && !kMissingCxx.empty())
    *why = kMissingCxx;
  else if (p.dynamic && kSysroot.empty())
    *why = "no riscv64 sysroot with ld-linux-riscv64-lp64d.so.1 (STRATA_RV64_SYSROOT)";
  else if (!fs::exists(kCorpusDir / p.elf))
    *why = (kCorpusDir / p.elf).string() + " not built";
  return why->empty();
}

std::vector<std::string> qemu_argv(const Program& p) {
  std::vector<std::string> argv = {kQemu};
  if (p.dynamic) argv.insert(argv.end(), {"-L", kSysroot});
  argv.push_back((kCorpusDir / p.elf).string());
  return argv;
}

std::vector<std::string> strata_argv(const std::string& mode, const Program& p) {
  std::vector<std::string> argv = {std::string(STRATA_BINARY_DIR) + "/strata", "run",
                                   "--jit=" + mode};
  if (p.dynamic) argv.insert(argv.end(), {"--sysroot", kSysroot});
  argv.push_back((kCorpusDir / p.elf).string());
  return argv;
}

void expect_same(const RawResult& want, const RawResult& got) {
  ASSERT_FALSE(want.exec_failed || want.timed_out) << "qemu-riscv64: " << describe_status(want);
  EXPECT_EQ(describe_status(want), describe_status(got)) << "stderr of strata:\n" << got.err;
  EXPECT_EQ(want.status, got.status) << "raw wait status";
  std::string want_err = strip_qemu_notes(want.err), got_err = strip_strata_fatal_note(got);
  EXPECT_TRUE(want.out == got.out) << "stdout: " << first_difference(want.out, got.out);
  EXPECT_TRUE(want_err == got_err) << "stderr: " << first_difference(want_err, got_err);
}

using Case = std::tuple<Program, std::string>;

class Rv64Corpus : public ::testing::TestWithParam<Case> {};

TEST_P(Rv64Corpus, SameAsQemu) {
  const auto& [program, mode] = GetParam();
  std::string why;
  if (!prerequisites(program, &why)) GTEST_SKIP() << why;
  RawResult want = run_program(qemu_argv(program), program, "qemu");
  RawResult got = run_program(strata_argv(mode, program), program, "strata");
  expect_same(want, got);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::get<0>(info.param).name + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(Programs, Rv64Corpus,
                         ::testing::Combine(::testing::ValuesIn(corpus()),
                                            ::testing::ValuesIn(kModes)),
                         case_name);

// --jit=opt compiles every unit with LLVM (about 20 ms of CPU each, a few hundred units per
// program): the whole corpus would add minutes, so a subset that covers the integer and FP
// instruction mixes, self-modifying code, the guest's faults and signals runs under it.
std::vector<Program> opt_corpus() {
  const std::set<std::string> names = {"int_edge",   "fp_edge",     "smc",          "workloads",
                                       "signals",    "faults_load", "faults_store", "faults_rodata",
                                       "insn_rv64d", "insn_fcsr",   "exec_host",    "sockets"};
  std::vector<Program> out;
  for (const Program& p : corpus())
    if (names.contains(p.name)) out.push_back(p);
  return out;
}

INSTANTIATE_TEST_SUITE_P(OptTier, Rv64Corpus,
                         ::testing::Combine(::testing::ValuesIn(opt_corpus()),
                                            ::testing::Values(std::string("opt"))),
                         case_name);

// LLVM generates translated units without loop strength reduction and SVI functions with it
// (jit/opt/object_compiler.hpp): LLVM's -debug-pass=Structure lists a pipeline's passes when it
// first runs.
TEST(Rv64OptCodegen, UnitsAreGeneratedWithoutLoopStrengthReduction) {
  const fs::path elf = kCorpusDir / "int_edge.elf";
  if (!fs::exists(elf)) GTEST_SKIP() << elf << " not built";
  const std::string strata = std::string(STRATA_BINARY_DIR) + "/strata";
  const std::string structure = "STRATA_LLVM_ARGS=-debug-pass=Structure";
  const RawResult units = run_raw(
      {"/usr/bin/env", structure, strata, "run", "--jit=opt", elf.string()}, "", kTimeoutSeconds);
  ASSERT_FALSE(units.exec_failed || units.timed_out) << describe_status(units);
  EXPECT_NE(units.err.find("X86 DAG->DAG Instruction Selection"), std::string::npos) << units.err;
  EXPECT_EQ(units.err.find("Loop Strength Reduction"), std::string::npos);
  const RawResult svi =
      run_raw({"/usr/bin/env", structure, strata, "run", "--jit=opt",
               std::string(STRATA_SOURCE_DIR) + "/examples/bench/loop.sasm", "100"},
              "", kTimeoutSeconds);
  EXPECT_EQ(describe_status(svi), "exit 0") << svi.err;
  EXPECT_NE(svi.err.find("Loop Strength Reduction"), std::string::npos) << svi.err;
}

}  // namespace
