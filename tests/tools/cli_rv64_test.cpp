// `strata run PROGRAM.elf` as a user runs it: output and exit codes equal qemu-riscv64's, a
// guest's fatal signal kills strata by the same signal, and files that are not runnable RV64
// programs are refused with one clear line.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/subprocess.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace fs = std::filesystem;
using strata::test::run_process;
using strata::test::strata_binary;
namespace t = strata::vm::rv64::test;

namespace {

constexpr const char* kHello = R"(#include <stdio.h>
int main(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) printf("[%s]", argv[i]);
  printf("\n");
  return argc == 3 ? 0 : 5;
})";

constexpr const char* kSegv = R"(
volatile int* volatile g;
int main(void) { return *g; })";

constexpr const char* kEnvEcho = R"C(#include <stdio.h>
#include <stdlib.h>
int main(void) {
  const char* v = getenv("STRATA_CLI_RV64_VAR");
  printf("var=%s\n", v ? v : "(unset)");
  int c;
  while ((c = getchar()) != EOF) putchar(c == 'a' ? 'A' : c);
  return 0;
})C";

class CliRv64Test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!t::have_tool(t::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
  }
  static std::string build(const std::string& name, const std::string& flags, const char* source) {
    std::string p = t::build_c(name, flags, source);
    EXPECT_FALSE(p.empty()) << "the cross compiler failed on " << name;
    return p;
  }
  static strata::test::ProcessResult strata(std::vector<std::string> args) {
    args.insert(args.begin(), strata_binary());
    return run_process(args);
  }
};

// Waits for `argv` (stdout and stderr discarded) and returns its raw wait status.
int wait_status(const std::vector<std::string>& argv) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

TEST_F(CliRv64Test, HelloMatchesQemu) {
  if (!t::have_tool("qemu-riscv64")) GTEST_SKIP() << "qemu-riscv64 is not installed";
  const std::string elf = build("cli_hello", "-static", kHello);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"a", "b"}, std::vector<std::string>{"only"}}) {
    std::vector<std::string> q = {"/usr/bin/qemu-riscv64", elf};
    q.insert(q.end(), args.begin(), args.end());
    auto want = run_process(q);
    std::vector<std::string> s = {"run", elf};
    s.insert(s.end(), args.begin(), args.end());
    auto got = strata(s);
    EXPECT_EQ(got.out, want.out) << got.err;
    EXPECT_EQ(got.exit_code, want.exit_code) << got.err;
    EXPECT_EQ(got.err, "");
  }
}

TEST_F(CliRv64Test, EveryJitModeRunsIt) {
  const std::string elf = build("cli_hello", "-static", kHello);
  for (const char* mode : {"--jit=off", "--jit=baseline", "--jit=auto", "--jit=opt", "--jit"}) {
    auto r = strata({"run", mode, elf, "x", "y"});
    EXPECT_EQ(r.exit_code, 0) << mode << r.err;
    EXPECT_EQ(r.out, "[" + elf + "][x][y]\n") << mode;
  }
  auto r = strata({"run", "--stats", elf, "x", "y"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("rv64 translation cache"), std::string::npos) << r.err;
  auto bad = strata({"run", "--jit=fast", elf});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown mode 'fast' (off, baseline, auto, opt)"), std::string::npos)
      << bad.err;
}

TEST_F(CliRv64Test, EnvironmentAndStdioArePassedThrough) {
  const std::string elf = build("cli_env", "-static", kEnvEcho);
  setenv("STRATA_CLI_RV64_VAR", "from the host", 1);
  auto r = run_process({strata_binary(), "run", elf}, "banana\n");
  unsetenv("STRATA_CLI_RV64_VAR");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "var=from the host\nbAnAnA\n");
}

TEST_F(CliRv64Test, GuestSigsegvKillsStrataBySigsegv) {
  const std::string elf = build("cli_segv", "-static", kSegv);
  const int status = wait_status({strata_binary(), "run", elf});
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGSEGV);
  EXPECT_FALSE(WCOREDUMP(status));
  auto r = strata({"run", elf});
  EXPECT_NE(r.err.find("strata: rv64: segmentation fault: load at 0x0"), std::string::npos)
      << r.err;
}

TEST_F(CliRv64Test, HostElfIsRefused) {
  auto r = strata({"run", "/bin/true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/bin/true"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected RISC-V"), std::string::npos) << r.err;
}

TEST_F(CliRv64Test, TruncatedElfIsRefused) {
  const std::string elf = build("cli_hello", "-static", kHello);
  const std::string cut = t::scratch_dir() + "/truncated.elf";
  {
    std::ifstream in(elf, std::ios::binary);
    std::string head(200, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(cut, std::ios::binary) << head;
  }
  auto r = strata({"run", cut});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("truncated.elf"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST_F(CliRv64Test, DynamicNeedsSysroot) {
  const std::string elf = build("cli_dynamic", "", kHello);
  auto r = strata({"run", elf, "a", "b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--sysroot"), std::string::npos) << r.err;
}

TEST_F(CliRv64Test, DynamicRunsWithSysroot) {
  if (!fs::exists(std::string(t::kSysroot) + "/lib/ld-linux-riscv64-lp64d.so.1"))
    GTEST_SKIP() << "no riscv64 sysroot at " << t::kSysroot;
  const std::string elf = build("cli_dynamic", "", kHello);
  auto r = strata({"run", "--sysroot", t::kSysroot, elf, "a", "b"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[" + elf + "][a][b]\n") << r.err;
}

TEST_F(CliRv64Test, UsageDescribesBothKindsOfProgram) {
  auto r = strata({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("FILE.sasm|FILE.sbc"), std::string::npos);
  EXPECT_NE(r.out.find("--sysroot DIR"), std::string::npos);
  EXPECT_NE(r.out.find("ELF"), std::string::npos);
}

}  // namespace
