// Every example program prints exactly its expected output (examples/bench/expected/), run from
// source, and again after a round trip through the .sbc format and the disassembler.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/example_cases.hpp"
#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::run_process;
using strata::test::source_path;
using strata::test::strata_binary;

namespace {

using Case = strata::test::ExampleCase;
using strata::test::slurp;

class ExampleTest : public ::testing::TestWithParam<Case> {
 protected:
  strata::test::ProcessResult run(const std::string& program, const std::string& jit = "") {
    std::vector<std::string> argv = {strata_binary(), "run"};
    if (!jit.empty()) argv.push_back("--jit=" + jit);
    argv.push_back(program);
    argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
    return run_process(argv);
  }
  fs::path scratch() {
    auto d = fs::temp_directory_path() / ("strata_example_" + GetParam().name);
    fs::create_directories(d);
    return d;
  }
};

TEST_P(ExampleTest, PrintsExpectedOutput) {
  auto r = run(GetParam().program);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(GetParam().expected_file));
}

// Every example again with every function compiled by the baseline JIT tier.
TEST_P(ExampleTest, PrintsExpectedOutputUnderBaselineJit) {
  auto r = run(GetParam().program, "baseline");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(GetParam().expected_file));
}

// And with run-time tier-up: functions start interpreted and are compiled once hot.
TEST_P(ExampleTest, PrintsExpectedOutputUnderAutoJit) {
  auto r = run(GetParam().program, "auto");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(GetParam().expected_file));
}

TEST_P(ExampleTest, SameOutputAfterSbcAndDisassemblyRoundTrip) {
  auto dir = scratch();
  auto sbc = (dir / "m.sbc").string(), text = (dir / "m.sasm").string(),
       sbc2 = (dir / "m2.sbc").string();
  auto a = run_process({strata_binary(), "asm", GetParam().program, "-o", sbc});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(run_process({strata_binary(), "disasm", sbc, "-o", text}).exit_code, 0);
  // The disassembly lives elsewhere, so its imports of sibling modules would not resolve;
  // the examples import only the stdlib.
  ASSERT_EQ(run_process({strata_binary(), "asm", text, "-o", sbc2}).exit_code, 0);
  EXPECT_EQ(slurp(sbc), slurp(sbc2)) << "disassemble + assemble changed the module";
  auto r = run(sbc2);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(GetParam().expected_file));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Examples, ExampleTest, ::testing::ValuesIn(strata::test::example_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
