// Every example program prints exactly its expected output (examples/bench/expected/), run from
// source, and again after a round trip through the .sbc format and the disassembler.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::run_process;
using strata::test::source_path;
using strata::test::strata_binary;

namespace {

struct Case {
  std::string name;     // test name
  std::string program;  // path of the .sasm
  std::vector<std::string> args;
  std::string expected_file;
};

// Keeps test listings readable (gtest would otherwise print the struct's bytes).
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<Case> discover() {
  std::vector<Case> cases;
  fs::path dir = source_path("examples/bench/expected");
  std::regex bench(R"(([a-z_]+)\.([0-9]+)\.txt)"), plain(R"(([a-z_]+)\.txt)");
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string file = e.path().filename().string();
    std::smatch m;
    if (std::regex_match(file, m, bench))
      cases.push_back({m[1].str() + "_" + m[2].str(),
                       source_path("examples/bench/" + m[1].str() + ".sasm"),
                       {m[2].str()},
                       e.path().string()});
    else if (std::regex_match(file, m, plain))
      cases.push_back(
          {m[1].str(), source_path("examples/" + m[1].str() + ".sasm"), {}, e.path().string()});
  }
  std::sort(cases.begin(), cases.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return cases;
}

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

INSTANTIATE_TEST_SUITE_P(Examples, ExampleTest, ::testing::ValuesIn(discover()),
                         [](const auto& param_info) { return param_info.param.name; });

}  // namespace
