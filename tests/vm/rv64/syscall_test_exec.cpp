// execve and execveat at the Process level: Linux's errors (the caller goes on), and what the
// new program keeps (a handover loaded into fresh guest memory, as the runner does it). A
// successful execve says Exec and leaves a0 alone: the old program never sees a result.
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

using Kind = SyscallOutcome::Kind;
constexpr uint64_t kExecve = 221, kExecveat = 281;
constexpr uint64_t kAtEmptyPath = 0x1000;
constexpr uint64_t kAtExecfn = 31, kAtRandom = 25;

class ExecSyscalls : public ProcessTest {
 protected:
  void SetUp() override {
    ProcessTest::SetUp();
    dir_ = scratch_dir() + "/exec";
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    ProcessTest::TearDown();
  }

  std::string file(const std::string& name, const std::string& text, mode_t mode) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  // A NULL-terminated guest array of guest strings.
  uint64_t strings(const std::vector<std::string>& v) {
    std::vector<uint64_t> ptrs;
    for (const std::string& s : v) ptrs.push_back(put_str(s));
    ptrs.push_back(0);
    return put(ptrs.data(), ptrs.size() * 8);
  }
  int64_t execve(const std::string& path, const std::vector<std::string>& argv = {"x"},
                 const std::vector<std::string>& envp = {}) {
    return call(kExecve, put_str(path), strings(argv), strings(envp));
  }

  // The new program, loaded into fresh memory from what the exec handed over.
  void load_handover() {
    auto h = proc_->take_exec();
    ASSERT_NE(h, nullptr);
    proc_.reset();
    mem_.reset();
    ASSERT_TRUE(exec_linear_.init(kMemSize, kMemSize));
    mem_ = std::make_unique<GuestMemory>(exec_linear_);
    auto r = Process::create(*mem_, h);
    ASSERT_TRUE(r) << r.error().message;
    proc_ = std::move(*r);
    scratch_ = used_ = 0;
  }
  // argv, envp and the auxv entries of the initial stack.
  struct Start {
    std::vector<std::string> argv, envp;
    std::map<uint64_t, uint64_t> aux;
  };
  Start start() {
    Start s;
    uint64_t sp = mem_->x(2);
    std::string str;
    const uint64_t argc = get_as<uint64_t>(sp);
    sp += 8;
    for (uint64_t i = 0; i < argc; ++i, sp += 8) {
      EXPECT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp), &str));
      s.argv.push_back(str);
    }
    EXPECT_EQ(get_as<uint64_t>(sp), 0u);
    for (sp += 8; get_as<uint64_t>(sp) != 0; sp += 8) {
      EXPECT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp), &str));
      s.envp.push_back(str);
    }
    for (sp += 8; get_as<uint64_t>(sp) != 0; sp += 16)
      s.aux[get_as<uint64_t>(sp)] = get_as<uint64_t>(sp + 8);
    return s;
  }
  uint64_t handler_of(int sig) {
    const uint64_t old = alloc(32);
    EXPECT_EQ(call(kRtSigaction, sig, 0, old, 8), 0);
    return get_as<uint64_t>(old);
  }

  std::string dir_;
  LinearMemory exec_linear_;  // the new program's memory
};

TEST_F(ExecSyscalls, ErrorsAreLinuxsAndTheCallerGoesOn) {
  EXPECT_EQ(execve(dir_ + "/missing"), -ENOENT);
  EXPECT_EQ(execve(file("plain", "text\n", 0644)), -EACCES);
  EXPECT_EQ(execve(dir_), -EACCES);
  EXPECT_EQ(execve(dir_ + "/plain/below"), -ENOTDIR);
  EXPECT_EQ(execve(file("garbage", "\x01\x02garbage\n", 0755)), -ENOEXEC);
  EXPECT_EQ(execve(file("empty", "", 0755)), -ENOEXEC);
  // An ELF for a machine that is neither RISC-V nor the host (EM_S390, 22).
  std::string elf(64, '\0');
  std::memcpy(elf.data(),
              "\x7f"
              "ELF\x02\x01\x01",
              7);
  elf[16] = 2;
  elf[18] = 22;
  EXPECT_EQ(execve(file("s390", elf, 0755)), -ENOEXEC);
  // A RISC-V ELF whose headers are cut off.
  elf[18] = static_cast<char>(243);
  EXPECT_EQ(execve(file("cut", elf, 0755)), -ENOEXEC);
  // Scripts: no interpreter, a missing one, one cut off by the 256-byte limit.
  EXPECT_EQ(execve(file("blank.sh", "#!   \n", 0755)), -ENOEXEC);
  EXPECT_EQ(execve(file("nointerp.sh", "#!" + dir_ + "/missing\n", 0755)), -ENOENT);
  EXPECT_EQ(execve(file("long.sh", "#!/" + std::string(300, 'a') + "\n", 0755)), -ENOEXEC);

  EXPECT_EQ(call(kExecve, unmapped(), strings({"x"}), 0), -EFAULT);
  EXPECT_EQ(call(kExecve, put_str(program()), unmapped(), 0), -EFAULT);
  const uint64_t bad_argv[] = {put_str("x"), unmapped(), 0};
  EXPECT_EQ(call(kExecve, put_str(program()), put(bad_argv, sizeof bad_argv), 0), -EFAULT);
  EXPECT_EQ(execve(program(), {"x", std::string(128 * 1024, 'a')}), -E2BIG);
  // 40 pointers to one 60 KiB string: 2.4 MiB in all, over the 2 MiB a quarter of the stack is.
  const uint64_t big = put_str(std::string(60 * 1024, 'b'));
  std::vector<uint64_t> many(40, big);
  many.push_back(0);
  EXPECT_EQ(call(kExecve, put_str(program()), put(many.data(), many.size() * 8), 0), -E2BIG);

  EXPECT_EQ(call(kExecveat, kAtFdcwd, put_str(program()), strings({"x"}), 0, 0x4), -EINVAL);
  EXPECT_EQ(call(kExecveat, 77, put_str("relative"), strings({"x"}), 0, 0), -EBADF);
  EXPECT_EQ(call(kExecveat, 77, put_str(""), strings({"x"}), 0, kAtEmptyPath), -EBADF);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_EQ(proc_->take_exec(), nullptr);
}

TEST_F(ExecSyscalls, NewProgramSeesItsArgvEnvAndKeepsFdsAndSignals) {
  // fd 3 inherited, fd 4 close-on-exec (O_CLOEXEC 0x80000).
  const int64_t keep = call(kOpenat, kAtFdcwd, put_str(program()), 0, 0);
  const int64_t drop = call(kOpenat, kAtFdcwd, put_str(program()), 0x80000, 0);
  ASSERT_EQ(keep, 3);
  ASSERT_EQ(drop, 4);
  const uint64_t handled[3] = {0x12340, 0, 0}, ignored[3] = {1, 0, 0};
  ASSERT_EQ(call(kRtSigaction, 10, put(handled, 24), 0, 8), 0);  // SIGUSR1: a handler
  ASSERT_EQ(call(kRtSigaction, 12, put(ignored, 24), 0, 8), 0);  // SIGUSR2: ignored
  const uint64_t block = uint64_t{1} << (15 - 1);                // SIGTERM
  ASSERT_EQ(call(kRtSigprocmask, 0, put(&block, 8), 0, 8), 0);

  execve(program(), {"argv0", "", "two words"}, {"A=1", "B="});
  ASSERT_EQ(outcome_.kind, Kind::Exec);
  load_handover();

  const Start s = start();
  EXPECT_EQ(s.argv, (std::vector<std::string>{"argv0", "", "two words"}));
  EXPECT_EQ(s.envp, (std::vector<std::string>{"A=1", "B="}));
  ASSERT_TRUE(s.aux.contains(kAtExecfn));
  std::string execfn;
  EXPECT_TRUE(mem_->read_cstring(s.aux.at(kAtExecfn), &execfn));
  EXPECT_EQ(execfn, program());
  EXPECT_TRUE(s.aux.contains(kAtRandom));

  EXPECT_EQ(call(kFcntl, 3, 1), 0);  // F_GETFD: open, not close-on-exec
  EXPECT_EQ(call(kFcntl, 4, 1), -EBADF);
  EXPECT_EQ(call(kFcntl, 1, 1), 0);
  EXPECT_EQ(handler_of(10), 0u);  // SIG_DFL
  EXPECT_EQ(handler_of(12), 1u);  // SIG_IGN
  const uint64_t old = alloc(8);
  ASSERT_EQ(call(kRtSigprocmask, 0, 0, old, 8), 0);
  EXPECT_EQ(get_as<uint64_t>(old), block);
  EXPECT_EQ(call(kGetpid), ::getpid());
}

// Linux follows at most five interpreters (exec_binprm's depth 0..5 for the files).
TEST_F(ExecSyscalls, ScriptChainsStopAfterFiveInterpreters) {
  std::string prev = file("s0", "#!" + program() + "\n", 0755);
  for (int i = 1; i <= 5; ++i) prev = file("s" + std::to_string(i), "#!" + prev + "\n", 0755);
  EXPECT_EQ(execve(prev), -ELOOP);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  execve(dir_ + "/s4");
  EXPECT_EQ(outcome_.kind, Kind::Exec);
}

TEST_F(ExecSyscalls, ScriptArgvFollowsTheKernelsRules) {
  const std::string one = file("one.sh", "#!" + program() + "  opt arg  \n", 0755);
  const std::string two = file("two.sh", "#! " + one + "\n", 0755);
  execve(two, {"ignored", "x"});
  ASSERT_EQ(outcome_.kind, Kind::Exec);
  load_handover();
  EXPECT_EQ(start().argv, (std::vector<std::string>{program(), "opt arg", one, two, "x"}));
}

TEST_F(ExecSyscalls, ExecveatWithAnEmptyPathRunsTheFd) {
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(program()), 0, 0);
  ASSERT_GE(fd, 0);
  call(kExecveat, static_cast<uint64_t>(fd), put_str(""), strings({"fx"}), 0, kAtEmptyPath);
  ASSERT_EQ(outcome_.kind, Kind::Exec);
  load_handover();
  const Start s = start();
  EXPECT_EQ(s.argv, (std::vector<std::string>{"fx"}));
  std::string execfn;
  EXPECT_TRUE(mem_->read_cstring(s.aux.at(kAtExecfn), &execfn));
  EXPECT_EQ(execfn, "/dev/fd/" + std::to_string(fd));
}

TEST_F(ExecSyscalls, AnEmptyArgvBecomesOneEmptyString) {
  call(kExecve, put_str(program()), 0, 0);
  ASSERT_EQ(outcome_.kind, Kind::Exec);
  load_handover();
  EXPECT_EQ(start().argv, (std::vector<std::string>{""}));
}

class ExecWithSysroot : public ExecSyscalls {
 protected:
  void customize(ProcessOptions& o) override { o.sysroot = "/nonexistent-strata-sysroot"; }
};

// As on a host without the riscv64 ld.so: ENOENT, and a note that names what is missing.
TEST_F(ExecWithSysroot, ADynamicProgramWhoseLinkerTheSysrootLacksIsEnoent) {
  const std::string dynamic = build_c("proc_hello_dynamic", "");
  ASSERT_FALSE(dynamic.empty());
  EXPECT_EQ(execve(dynamic), -ENOENT);
  EXPECT_EQ(outcome_.kind, Kind::Continue);
  EXPECT_NE(diag().find("which the sysroot /nonexistent-strata-sysroot lacks"), std::string::npos);
}

}  // namespace
}  // namespace strata::vm::rv64::test
