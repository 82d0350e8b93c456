// The optimizing tier's pass pipeline (jit/opt/pipeline.cpp), through `strata run --jit=opt`:
// what it must keep doing that O2 did on the bench programs (the bounds-check census), and the
// STRATA_OPT_PASSES override it can be measured against.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace {

using strata::test::ProcessResult;
using strata::test::run_process;
using strata::test::source_path;
using strata::test::strata_binary;

// `strata run --jit=opt --stats PROGRAM ARG` with extra environment variables.
ProcessResult run_opt(const std::vector<std::string>& env, const std::string& program,
                      const std::string& arg) {
  std::vector<std::string> argv = {"/usr/bin/env"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.insert(argv.end(), {strata_binary(), "run", "--jit=opt", "--stats",
                           source_path("examples/bench/" + program + ".sasm"), arg});
  return run_process(argv);
}

// The census line of --stats: linear-memory bounds checks left inside loops.
long census(const ProcessResult& r) {
  std::smatch m;
  if (!std::regex_search(r.err, m,
                         std::regex(R"(opt: (\d+) linear-memory bounds checks left inside loops)")))
    return -1;
  return std::stol(m[1].str());
}

long declined(const ProcessResult& r) {
  std::smatch m;
  if (!std::regex_search(r.err, m, std::regex(R"(functions compiled \(LLVM\), (\d+) declined)")))
    return -1;
  return std::stol(m[1].str());
}

// The numbers docs/JIT.md gives for O2 ("Bounds checks in loops"): nbody keeps no check in a
// loop, fannkuchredux at most the 4 of its swap loop, whose counters move towards each other,
// and at least one of them. The same under the tier's pipeline and under LLVM's own O2 pipeline.
// The tier compiles for the host CPU (detectHost), whose cost model shapes the loops: 4 on the
// Intel hosts the census was first taken on, 3 on AMD EPYC under the tier's pipeline.
TEST(OptPipeline, BenchProgramsKeepTheCensusOfO2) {
  for (const std::vector<std::string>& env :
       {std::vector<std::string>{}, std::vector<std::string>{"STRATA_OPT_PASSES=default<O2>"}}) {
    SCOPED_TRACE(env.empty() ? "pipeline.cpp" : env[0]);
    auto nbody = run_opt(env, "nbody", "1000");
    EXPECT_EQ(nbody.exit_code, 0) << nbody.err;
    EXPECT_EQ(nbody.out, "-0.169075164\n-0.169087605\n");
    EXPECT_EQ(declined(nbody), 0) << nbody.err;
    EXPECT_EQ(census(nbody), 0) << nbody.err;
    auto fannkuch = run_opt(env, "fannkuchredux", "7");
    EXPECT_EQ(fannkuch.exit_code, 0) << fannkuch.err;
    EXPECT_EQ(declined(fannkuch), 0) << fannkuch.err;
    EXPECT_LE(census(fannkuch), 4) << fannkuch.err;
    EXPECT_GE(census(fannkuch), 1) << fannkuch.err;
  }
}

// The census counts what the pipeline leaves: with SROA alone after the range-check passes,
// nbody's loops keep their checks (piece 3 of "Bounds checks in loops" needs the folding passes).
TEST(OptPipeline, WithoutTheFoldingPassesNbodyKeepsItsChecks) {
  auto r = run_opt({"STRATA_OPT_PASSES=function(sroa)"}, "nbody", "1000");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "-0.169075164\n-0.169087605\n");
  EXPECT_EQ(declined(r), 0) << r.err;
  EXPECT_GT(census(r), 0) << r.err;
}

// A pipeline LLVM cannot parse declines every function with the parser's message; the program
// still runs (its functions keep their interpreted code).
TEST(OptPipeline, AnUnknownPassInTheOverrideDeclinesWithTheReason) {
  auto r = run_opt({"STRATA_OPT_PASSES=no-such-pass"}, "nbody", "1000");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "-0.169075164\n-0.169087605\n");
  EXPECT_GT(declined(r), 0) << r.err;
  EXPECT_NE(r.err.find("STRATA_OPT_PASSES: unknown pass name 'no-such-pass'"), std::string::npos)
      << r.err;
}

// STRATA_LLVM_ARGS goes to LLVM's option parser after the tier's own options: an option LLVM
// does not know is reported and the run goes on.
TEST(OptPipeline, LlvmArgsLlvmRejectsAreReportedAndTheRunGoesOn) {
  auto r = run_opt({"STRATA_LLVM_ARGS=-no-such-llvm-option"}, "nbody", "1000");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "-0.169075164\n-0.169087605\n");
  EXPECT_EQ(declined(r), 0) << r.err;
  EXPECT_NE(r.err.find("Unknown command line argument '-no-such-llvm-option'"), std::string::npos)
      << r.err;
}

}  // namespace
