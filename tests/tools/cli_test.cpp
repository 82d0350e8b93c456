// The strata CLI, driven as a user drives it: subcommands, exit codes, error messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/subprocess.hpp"

namespace fs = std::filesystem;
using strata::test::run_process;
using strata::test::strata_binary;

namespace {

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt_name(::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string fmt_name(const std::string& test) { return "strata_cli_" + test; }

  std::string write(const std::string& name, const std::string& text) {
    auto p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  strata::test::ProcessResult strata(std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), strata_binary());
    return run_process(args, in);
  }

  fs::path dir_;
};

constexpr const char* kHello = R"(.import "std.io" println(ref)
.func main() -> i64 export
  .reg %s: ref
  ldk %s, "hello from svi"
  callh println(%s)
  ret 0
.end
)";

constexpr const char* kTrapping = R"(.module trapping
.func divide(%a: i64, %b: i64) -> i64
  div %a, %a, %b
  ret %a
.end
.func main() -> i64 export
  .reg %x: i64, %y: i64
  li %x, 10
  li %y, 0
  call %x, divide(%x, %y)
  ret %x
.end
)";

TEST_F(CliTest, HelpForEveryCommand) {
  auto top = strata({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"run", "asm", "disasm", "verify"}) {
    EXPECT_NE(top.out.find(cmd), std::string::npos) << cmd;
    auto r = strata({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find(std::string("usage: strata ") + cmd), std::string::npos) << r.out;
  }
}

TEST_F(CliTest, UnknownCommandIsAUsageError) {
  auto r = strata({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_EQ(strata({}).exit_code, 2);
}

TEST_F(CliTest, RunsSourceAndPrints) {
  auto r = strata({"run", write("hello.sasm", kHello)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from svi\n");
}

TEST_F(CliTest, ExitCodeIsMainsResult) {
  auto r = strata({"run", write("x.sasm", ".func main() -> i64 export\n  ret 42\n.end\n")});
  EXPECT_EQ(r.exit_code, 42) << r.err;
}

TEST_F(CliTest, MissingFileIsAClearError) {
  auto r = strata({"run", (dir_ / "nope.sasm").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.sasm"), std::string::npos);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
}

TEST_F(CliTest, AssemblyErrorPointsAtLineAndColumn) {
  auto p = write("bad.sasm", ".func main() -> i64 export\n  bogus %x\n  ret 0\n.end\n");
  auto r = strata({"run", p});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.sasm:2:3: error:"), std::string::npos) << r.err;
}

TEST_F(CliTest, TrapPrintsKindAndStackTraceWithLines) {
  auto p = write("trap.sasm", kTrapping);
  auto r = strata({"run", p});
  EXPECT_EQ(r.exit_code, 70);
  EXPECT_NE(r.err.find("divide by zero"), std::string::npos) << r.err;
  auto at_divide = r.err.find("at divide (");
  auto at_main = r.err.find("at main (");
  ASSERT_NE(at_divide, std::string::npos) << r.err;
  ASSERT_NE(at_main, std::string::npos) << r.err;
  EXPECT_LT(at_divide, at_main);                                      // innermost frame first
  EXPECT_NE(r.err.find("trap.sasm:3"), std::string::npos) << r.err;   // the div
  EXPECT_NE(r.err.find("trap.sasm:10"), std::string::npos) << r.err;  // the call in main
}

TEST_F(CliTest, AsmDisasmAsmIsTheIdentity) {
  auto src = write("t.sasm", kTrapping);
  auto sbc1 = (dir_ / "t1.sbc").string(), text = (dir_ / "t.dis.sasm").string(),
       sbc2 = (dir_ / "t2.sbc").string();
  ASSERT_EQ(strata({"asm", src, "-o", sbc1}).exit_code, 0);
  ASSERT_EQ(strata({"disasm", sbc1, "-o", text}).exit_code, 0);
  ASSERT_EQ(strata({"asm", text, "-o", sbc2}).exit_code, 0);
  auto slurp = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_FALSE(slurp(sbc1).empty());
  EXPECT_EQ(slurp(sbc1), slurp(sbc2));
  // The .sbc runs like the source it came from.
  EXPECT_EQ(strata({"run", sbc1}).exit_code, 70);
}

TEST_F(CliTest, VerifyRejectsACorruptModule) {
  auto src = write("h.sasm", kHello);
  auto sbc = (dir_ / "h.sbc").string();
  ASSERT_EQ(strata({"asm", src, "-o", sbc}).exit_code, 0);
  EXPECT_EQ(strata({"verify", sbc}).exit_code, 0);
  std::string bytes;
  {
    std::ifstream in(sbc, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x5a;
  std::ofstream(sbc, std::ios::binary | std::ios::trunc) << bytes;
  auto r = strata({"verify", sbc});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sbc"), std::string::npos) << r.err;
  EXPECT_EQ(strata({"run", sbc}).exit_code, 1);
}

TEST_F(CliTest, FuelLimitStopsAnEndlessLoop) {
  auto p = write("spin.sasm", ".func main() -> i64 export\ntop:\n  jmp top\n.end\n");
  auto r = strata({"run", "--fuel", "100000", p});
  EXPECT_EQ(r.exit_code, 70);
  EXPECT_NE(r.err.find("fuel"), std::string::npos) << r.err;
}

TEST_F(CliTest, CallDepthLimitStopsRunawayRecursion) {
  auto p = write("deep.sasm", R"(.func down(%n: i64) -> i64
  addi %n, %n, 1
  call %n, down(%n)
  ret %n
.end
.func main() -> i64 export
  .reg %z: i64
  li %z, 0
  call %z, down(%z)
  ret %z
.end
)");
  auto r = strata({"run", "--max-depth", "5000", p});
  EXPECT_EQ(r.exit_code, 70);
  EXPECT_NE(r.err.find("stack overflow"), std::string::npos) << r.err;
  // The default limit also holds without crashing the host.
  EXPECT_EQ(strata({"run", p}).exit_code, 70);
}

TEST_F(CliTest, ProgramArgumentsReachTheProgram) {
  auto p = write("args.sasm", R"(.import "std.sys" { argc() -> i64, arg(i64) -> ref }
.import "std.io" { println(ref), println_i64(i64) }
.func main() -> i64 export
  .reg %n: i64, %i: i64, %s: ref
  callh %n, argc()
  callh println_i64(%n)
  li %i, 0
loop:
  bge %i, %n, done
  callh %s, arg(%i)
  callh println(%s)
  addi %i, %i, 1
  jmp loop
done:
  ret 0
.end
)");
  auto r = strata({"run", p, "one", "two words", "--not-an-option"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "3\none\ntwo words\n--not-an-option\n");
}

TEST_F(CliTest, ImportsOfSiblingModulesAndTheStdlibResolve) {
  write("mathlib.sasm", R"(.func square(%x: i64) -> i64 export
  mul %x, %x, %x
  ret %x
.end
)");
  auto p = write("uses_lib.sasm", R"(.import "mathlib" square(i64) -> i64
.import "std.fmt" pad_left(ref, i64, i64) -> ref
.import "std.str" from_i64(i64) -> ref
.import "std.io" println(ref)
.func main() -> i64 export
  .reg %n: i64, %w: i64, %c: i64, %s: ref
  li %n, 12
  callh %n, square(%n)
  callh %s, from_i64(%n)
  li %w, 6
  li %c, '*'
  callh %s, pad_left(%s, %w, %c)
  callh println(%s)
  ret 0
.end
)");
  auto r = strata({"run", p});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "***144\n");
  // A module that is nowhere to be found is a load error naming it.
  auto q = write("missing_lib.sasm", R"(.import "nosuchlib" f(i64) -> i64
.func main() -> i64 export
  ret 0
.end
)");
  auto m = strata({"run", q});
  EXPECT_EQ(m.exit_code, 1);
  EXPECT_NE(m.err.find("no module 'nosuchlib'"), std::string::npos) << m.err;
}

TEST_F(CliTest, BadOptionValuesAreUsageErrors) {
  auto p = write("x.sasm", ".func main() -> i64 export\n  ret 0\n.end\n");
  EXPECT_EQ(strata({"run", "--fuel", "lots", p}).exit_code, 2);
  EXPECT_EQ(strata({"run", "--mem-cap", "12Q", p}).exit_code, 2);
  EXPECT_EQ(strata({"run", "--frob", p}).exit_code, 2);
  EXPECT_EQ(strata({"asm", p}).exit_code, 2);  // no -o
}

}  // namespace
