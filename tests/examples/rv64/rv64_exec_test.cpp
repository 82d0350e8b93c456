// execve, posix_spawn and vfork of RISC-V programs under `strata run`, end to end, in every
// --jit mode. qemu-riscv64 cannot be the reference here (without binfmt_misc it cannot execve a
// RISC-V program, and it runs vfork as a plain fork, so posix_spawn's errors are lost): the
// expected outputs are written from Linux's rules (what execve keeps and resets, how #! builds
// argv, what posix_spawn returns, that a vfork child's writes are its parent's memory).
// examples/rv64/exec.c says what each mode does; its `host` mode runs in the qemu-differential
// corpus (rv64_corpus_test.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/examples/rv64/raw_process.hpp"

namespace fs = std::filesystem;
using strata::test::describe_status;
using strata::test::RawResult;
using strata::test::run_raw;

namespace {

const std::string kQemu = STRATA_RV64_QEMU;
const fs::path kCorpusDir = STRATA_RV64_CORPUS_DIR;
const std::string kSysroot = STRATA_RV64_SYSROOT;
constexpr int kTimeoutSeconds = 300;

std::string exe() {
  return (kCorpusDir / "exec.elf").string();
}

class Rv64Exec : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(exe())) GTEST_SKIP() << exe() << " not built (riscv64-linux-gnu-gcc missing?)";
    dir_ = fs::temp_directory_path() /
           ("strata-rv64-exec-" + std::to_string(::getpid()) + "-" + GetParam());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  RawResult strata(const std::vector<std::string>& args, const std::string& sysroot = "") {
    std::vector<std::string> argv = {std::string(STRATA_BINARY_DIR) + "/strata", "run",
                                     "--jit=" + GetParam()};
    if (!sysroot.empty()) argv.insert(argv.end(), {"--sysroot", sysroot});
    argv.insert(argv.end(), args.begin(), args.end());
    return run_raw(argv, "", kTimeoutSeconds);
  }

  fs::path dir_;
};

void expect_exit(const RawResult& r, int code) {
  ASSERT_TRUE(WIFEXITED(r.status)) << describe_status(r) << "\nstderr:\n" << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), code) << "stderr:\n" << r.err;
}

// Same pid, the argv and environment given, AT_EXECFN the path given; fd 5 stays, the
// close-on-exec fd 6 goes; the handled signal is reset to SIG_DFL, the ignored one stays
// ignored, the mask and the pending blocked signal stay; the old program's second thread is gone
// (it would have kept the process from exiting).
TEST_P(Rv64Exec, ExecOfItselfKeepsWhatLinuxKeeps) {
  const RawResult r = strata({exe(), "self"});
  expect_exit(r, 0);
  EXPECT_EQ(r.out,
            "before exec\n"
            "argc 5\n"
            "argv[0] renamed\n"
            "argv[1] \"report\"\n"
            "argv[2] \"two words\"\n"
            "argv[3] \"\"\n"
            "argv[4] \"last\"\n"
            "envc 5\n"
            "env EXEC_TEST_ONE=1\n"
            "env EXEC_TEST_TWO=two=2\n"
            "env EXEC_TEST_FDS=1\n"
            "env EXEC_TEST_EXECFN=/proc/self/exe\n"
            "same pid: yes\n"
            "AT_EXECFN is the path given: yes\n"
            "AT_RANDOM: set\n"
            "fd 5: inherited\n"
            "fd 6: closed\n"
            "SIGUSR1 (was handled): default\n"
            "SIGUSR2 (was ignored): ignored\n"
            "SIGTERM blocked: yes\n"
            "SIGTERM pending: yes\n"
            "/proc/self/exe exec.elf\n");
  EXPECT_EQ(r.err, "");
}

// posix_spawn's result is the child's exec error, which glibc's child writes into its parent's
// memory (CLONE_VM|CLONE_VFORK); a vfork child's stores to static, stack and heap memory are
// seen by the parent.
TEST_P(Rv64Exec, PosixSpawnReportsExecErrorsAndVforkSharesMemory) {
  const RawResult r = strata({exe(), "spawn"});
  expect_exit(r, 0);
  EXPECT_EQ(r.out,
            "argc 3\n"
            "argv[0] spawned-self\n"
            "argv[1] \"report\"\n"
            "argv[2] \"from posix_spawn\"\n"
            "envc 1\n"
            "env EXEC_TEST_SPAWNED=yes\n"
            "AT_RANDOM: set\n"
            "/proc/self/exe exec.elf\n"
            "posix_spawn self: 0\n"
            "self: exit 0\n"
            "posix_spawn missing: No such file or directory\n"
            "posix_spawnp missing: No such file or directory\n"
            "posix_spawn garbage: Exec format error\n"
            "after vfork: static 42, stack 43, heap child's\n");
  EXPECT_EQ(r.err, "");
}

// What `exec.elf report` prints when a script ran it with `argv` (EXEC_TEST_SCRIPT=1 its one
// environment entry).
std::string script_report(const std::vector<std::string>& argv) {
  std::string s = "argc " + std::to_string(argv.size()) + "\nargv[0] exec.elf\n";
  for (size_t i = 1; i < argv.size(); ++i)
    s += "argv[" + std::to_string(i) + "] \"" + argv[i] + "\"\n";
  return s + "envc 1\nenv EXEC_TEST_SCRIPT=1\nAT_RANDOM: set\n/proc/self/exe exec.elf\n";
}

// `#!EXE report` runs EXE with argv EXE, "report", the script, then argv[1..]; a script whose
// interpreter is that script adds its own line in front (the kernel's binfmt_script).
TEST_P(Rv64Exec, ScriptsRunTheirInterpreterWithTheKernelsArgv) {
  const RawResult r = strata({exe(), "script", dir_.string()});
  expect_exit(r, 0);
  const std::string one = (dir_ / "one.sh").string(), two = (dir_ / "two.sh").string();
  EXPECT_EQ(r.out, script_report({exe(), "report", one, "x", "y z"}) + "one.sh: exit 0\n" +
                       script_report({exe(), "report", one, "optional arg", two, "x", "y z"}) +
                       "two.sh: exit 0\n");
  EXPECT_EQ(r.err, "");
}

// fexecve is execveat(fd, "", AT_EMPTY_PATH): AT_EXECFN is /dev/fd/N.
TEST_P(Rv64Exec, FexecveRunsTheOpenFile) {
  const RawResult r = strata({exe(), "fexecve"});
  expect_exit(r, 0);
  EXPECT_EQ(r.out,
            "argc 3\n"
            "argv[0] fx\n"
            "argv[1] \"report\"\n"
            "argv[2] \"via fexecve\"\n"
            "envc 1\n"
            "env EXEC_TEST_EXECFN=/dev/fd/3\n"
            "AT_EXECFN is the path given: yes\n"
            "AT_RANDOM: set\n"
            "/proc/self/exe exec.elf\n");
  EXPECT_EQ(r.err, "");
}

// The next two run programs the corpus already runs under --jit=opt (ld.so, faults): an LLVM
// compile of everything they run costs about a minute on a busy machine and adds nothing to what
// exec does, so they run in the other modes only.
class Rv64ExecRun : public Rv64Exec {};

// A dynamically linked program exec'd with --sysroot runs through the sysroot's ld.so and
// prints what it prints under qemu-riscv64 -L; without a sysroot its interpreter is missing
// (ENOENT, as on a host without the riscv64 ld.so), with a note saying what to do.
TEST_P(Rv64ExecRun, DynamicProgramsNeedTheSysroot) {
  const std::string dynamic = (kCorpusDir / "setjmp_dynamic.elf").string();
  if (kSysroot.empty() || kQemu.empty() || !fs::exists(dynamic))
    GTEST_SKIP() << "needs qemu-riscv64, the riscv64 sysroot and setjmp_dynamic.elf";
  const RawResult want = run_raw({kQemu, "-L", kSysroot, dynamic}, "", kTimeoutSeconds);
  const RawResult got = strata({exe(), "run", dynamic}, kSysroot);
  expect_exit(got, WEXITSTATUS(want.status));
  EXPECT_EQ(got.out, want.out);

  const RawResult none = strata({exe(), "run", dynamic});
  expect_exit(none, 127);
  EXPECT_EQ(none.out, "exec setjmp_dynamic.elf: No such file or directory\n");
  EXPECT_NE(none.err.find("needs its dynamic linker /lib/ld-linux-riscv64-lp64d.so.1 (give "
                          "strata run --sysroot)"),
            std::string::npos)
      << none.err;
}

// The exec'd program's death by a signal is the process's.
TEST_P(Rv64ExecRun, AnExecdProgramsFatalSignalEndsTheProcess) {
  const std::string faults = (kCorpusDir / "faults.elf").string();
  if (!fs::exists(faults)) GTEST_SKIP() << faults << " not built";
  const RawResult r = strata({exe(), "run", faults, "load"});
  ASSERT_TRUE(WIFSIGNALED(r.status)) << describe_status(r) << "\n" << r.err;
  EXPECT_EQ(WTERMSIG(r.status), SIGSEGV);
}

INSTANTIATE_TEST_SUITE_P(Modes, Rv64Exec,
                         ::testing::Values(std::string("off"), std::string("baseline"),
                                           std::string("auto"), std::string("opt")),
                         [](const ::testing::TestParamInfo<std::string>& mode) {
                           return mode.param;
                         });
INSTANTIATE_TEST_SUITE_P(Modes, Rv64ExecRun,
                         ::testing::Values(std::string("off"), std::string("baseline"),
                                           std::string("auto")),
                         [](const ::testing::TestParamInfo<std::string>& mode) {
                           return mode.param;
                         });

}  // namespace
