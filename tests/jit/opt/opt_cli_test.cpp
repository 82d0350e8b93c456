// `strata run --jit=opt`: every example and bench program prints its expected output
// (examples/bench/expected/) with every function compiled by the LLVM tier, a trap in opt code
// prints what the interpreter prints, a run without --jit=opt never maps LLVM, and the module
// carries the LLVM components it uses instead of linking libLLVM.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "jit/opt/opt_api.hpp"
#include "tests/support/example_cases.hpp"
#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::run_process;
using strata::test::source_path;
using strata::test::strata_binary;

namespace {

using Case = strata::test::ExampleCase;
using strata::test::slurp;

class OptExampleTest : public ::testing::TestWithParam<Case> {};

TEST_P(OptExampleTest, PrintsExpectedOutputUnderOptJit) {
  std::vector<std::string> argv = {strata_binary(), "run", "--jit=opt", "--stats",
                                   GetParam().program};
  argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
  auto r = run_process(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(GetParam().expected_file));
  // Every function of every module (the program's and the stdlib's it imports) compiled.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.err, m, std::regex(R"(opt: (\d+) functions compiled \(LLVM\), (\d+) declined)")))
      << r.err;
  EXPECT_GT(std::stoul(m[1].str()), 0u) << r.err;
  EXPECT_EQ(m[2].str(), "0") << r.err;
}

INSTANTIATE_TEST_SUITE_P(Examples, OptExampleTest,
                         ::testing::ValuesIn(strata::test::example_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

std::string module_path() {
  return (fs::path(strata_binary()).parent_path() / strata::jit::opt::kModuleName).string();
}

// The module is linked with LLVM's static component libraries (jit/opt/CMakeLists.txt): it needs
// no libLLVM, nor what only the rest of LLVM needs, and exports only its entry point, so the
// dynamic loader has no LLVM symbol to look up or bind.
TEST(OptCli, ModuleCarriesItsLLVMComponents) {
  if (STRATA_OPT_SHARED_LLVM) GTEST_SKIP() << "configured with STRATA_OPT_SHARED_LLVM=ON";
  auto needed = run_process({"/usr/bin/readelf", "--dynamic", "--wide", module_path()});
  ASSERT_EQ(needed.exit_code, 0) << needed.err;
  EXPECT_NE(needed.out.find("(NEEDED)"), std::string::npos) << needed.out;
  for (const char* lib : {"libLLVM", "libz3", "libxml2", "libedit", "libffi"})
    EXPECT_EQ(needed.out.find(lib), std::string::npos) << lib << " in\n" << needed.out;
  auto exported = run_process({"/usr/bin/nm", "--dynamic", "--defined-only", module_path()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find(strata::jit::opt::kCreateSymbol), std::string::npos) << exported.out;
  EXPECT_EQ(exported.out.find("llvm"), std::string::npos) << exported.out;
}

// --stats splits the load's CPU time between the dlopen and the creation of the compiler.
TEST(OptCli, StatsSplitTheModuleLoad) {
  auto r = run_process(
      {strata_binary(), "run", "--jit=opt", "--stats", source_path("examples/hello.sasm")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.err, m,
      std::regex(
          R"(opt: module load CPU time: dlopen ([0-9.]+) ms, creating the compiler ([0-9.]+) ms)")))
      << r.err;
  EXPECT_GT(std::stod(m[1].str()) + std::stod(m[2].str()), 0.0) << r.err;
}

TEST(OptCli, RunWithoutOptNeverMapsLibLLVM) {
  auto ldd = run_process({"/usr/bin/ldd", strata_binary()});
  ASSERT_EQ(ldd.exit_code, 0) << ldd.err;
  EXPECT_EQ(ldd.out.find("libLLVM"), std::string::npos) << ldd.out;
  // The binary does not link libLLVM, and only --jit=opt opens the module that does.
  for (const char* jit : {"--jit=off", "--jit=baseline", "--jit=auto"}) {
    auto r =
        run_process({strata_binary(), "run", jit, "--stats", source_path("examples/hello.sasm")});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("opt: not loaded"), std::string::npos) << jit << ": " << r.err;
  }
}

// --jit=auto: main's loop runs long enough to be queued for an optimized OSR entry, and --stats
// counts the activations moved into it (whether the compile finished before the loop did
// depends on the machine's load; tests/jit/opt/opt_osr_test.cpp checks the move itself).
TEST(OptCli, AutoStatsCountOsrIntoOptimizedCode) {
  auto r = run_process({strata_binary(), "run", "--jit=auto", "--stats",
                        source_path("examples/bench/loop.sasm"), "3000000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "loopsum(3000000) s=749452167047 t=360807\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.err, m,
      std::regex(
          R"(osr: (\d+) activations moved into optimized code at a back-edge \((\d+) OSR entries queued\))")))
      << r.err;
  EXPECT_LE(std::stoul(m[1].str()), 1u) << r.err;
  EXPECT_EQ(m[2].str(), "1") << r.err;
}

TEST(OptCli, TrapInOptCodePrintsTheInterpretersTrap) {
  const fs::path dir = fs::temp_directory_path() / "strata_opt_cli_trap";
  fs::create_directories(dir);
  const std::string prog = (dir / "trap.sasm").string();
  std::ofstream(prog) << R"(.memory 65536
.func load(%a: i64) -> i64
  .reg %x: i64
  ld.i64 %x, %a, 8
  ret %x
.end
.func main() -> i64 export
  .reg %a: i64, %i: i64, %s: i64
  li %a, 0
  li %s, 0
loop:
  call %i, load(%a)
  add %s, %s, %i
  addi %a, %a, 4096
  jmp loop
.end
)";
  auto off = run_process({strata_binary(), "run", "--jit=off", prog});
  auto opt = run_process({strata_binary(), "run", "--jit=opt", prog});
  EXPECT_EQ(off.exit_code, 70) << off.err;
  EXPECT_EQ(opt.exit_code, 70) << opt.err;
  EXPECT_NE(off.err.find("load"), std::string::npos) << off.err;
  EXPECT_EQ(off.err, opt.err);
  EXPECT_EQ(off.out, opt.out);
  fs::remove_all(dir);
}

}  // namespace
