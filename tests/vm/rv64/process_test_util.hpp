// A fixture for the Process tests: a small guest address space holding a real static riscv64
// program (built with the cross compiler at test time; the tests skip without it), a scratch
// mapping for syscall arguments, and a pipe that captures Strata's diagnostics.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/vm/rv64/rv64_test_util.hpp"
#include "vm/memory.hpp"
#include "vm/rv64/process.hpp"

namespace strata::vm::rv64::test {

// Syscall numbers used by the tests (asm-generic).
enum Nr : uint64_t {
  kGetcwd = 17,
  kDup = 23,
  kDup3 = 24,
  kFcntl = 25,
  kIoctl = 29,
  kMkdirat = 34,
  kUnlinkat = 35,
  kRenameat = 38,
  kFaccessat = 48,
  kOpenat = 56,
  kClose = 57,
  kPipe2 = 59,
  kGetdents64 = 61,
  kLseek = 62,
  kRead = 63,
  kWrite = 64,
  kReadv = 65,
  kWritev = 66,
  kPread64 = 67,
  kPwrite64 = 68,
  kReadlinkat = 78,
  kNewfstatat = 79,
  kFstat = 80,
  kExit = 93,
  kExitGroup = 94,
  kSetTidAddress = 96,
  kFutex = 98,
  kSetRobustList = 99,
  kNanosleep = 101,
  kClockGettime = 113,
  kClockGetres = 114,
  kSchedGetaffinity = 123,
  kKill = 129,
  kTkill = 130,
  kTgkill = 131,
  kRtSigaction = 134,
  kRtSigprocmask = 135,
  kTimes = 153,
  kUname = 160,
  kGetrlimit = 163,
  kGetrusage = 165,
  kGettimeofday = 169,
  kGetpid = 172,
  kGettid = 178,
  kSysinfo = 179,
  kBrk = 214,
  kMunmap = 215,
  kMremap = 216,
  kMmap = 222,
  kMprotect = 226,
  kMadvise = 233,
  kFlushIcache = 259,
  kPrlimit64 = 261,
  kGetrandom = 278,
  kStatx = 291,
};

inline constexpr uint64_t kAtFdcwd = static_cast<uint64_t>(-100);

// Compiled once per test process.
inline const std::string& static_hello() {
  static const std::string path =
      have_tool(kCrossGcc) ? build_c("proc_hello_static", "-static") : "";
  return path;
}
inline const std::string& freestanding() {
  static const std::string path =
      have_tool(kCrossGcc) ? build_c("proc_freestanding", "-static -nostdlib", kFreestandingC) : "";
  return path;
}

class ProcessTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMemSize = 64 << 20;
  static constexpr uint64_t kScratchSize = 1 << 20;

  // The program to load; the syscall tests need no libc.
  virtual const std::string& program() { return freestanding(); }
  // True: a page-aligned mapped linear memory whose guest permissions are host protections.
  virtual bool host_protection() { return false; }
  // Changes the options before the process is created.
  virtual void customize(ProcessOptions&) {}

  void SetUp() override {
    if (program().empty()) GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed";
    if (host_protection()) {
      ASSERT_TRUE(linear_.init_mapped(kMemSize));
    } else {
      ASSERT_TRUE(linear_.init(kMemSize, kMemSize));
    }
    mem_ = std::make_unique<GuestMemory>(linear_);
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    diag_r_ = p[0], diag_w_ = p[1];
    opts_.path = program();
    opts_.argv = {program(), "one", "two"};
    opts_.envp = {"STRATA_TEST=1", "HOME=/nowhere"};
    opts_.diag_fd = diag_w_;
    customize(opts_);
    auto r = Process::create(*mem_, opts_);
    ASSERT_TRUE(r) << r.error().message;
    proc_ = std::move(*r);
    // As the runner does: the guest's page permissions become host protections after loading.
    if (host_protection()) {
      ASSERT_TRUE(mem_->enable_host_protection());
    }
    proc_->on_code_change = [this](uint64_t a, uint64_t n) { changes_.emplace_back(a, n); };
  }

  void TearDown() override {
    proc_.reset();
    if (diag_r_ >= 0) ::close(diag_r_);
    if (diag_w_ >= 0) ::close(diag_w_);
  }

  // Runs one syscall; returns a0 (meaningless when the outcome ends the process).
  int64_t call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    mem_->set_x(17, nr);
    const uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    for (unsigned i = 0; i < 6; ++i) mem_->set_x(10 + i, args[i]);
    outcome_ = proc_->syscall();
    return static_cast<int64_t>(mem_->x(10));
  }

  // Scratch guest memory: a bump allocator over an anonymous mapping made on first use
  // (16-byte aligned).
  uint64_t alloc(uint64_t n) {
    if (scratch_ == 0) {
      const int64_t s = call(kMmap, 0, kScratchSize, 3, 0x22, static_cast<uint64_t>(-1), 0);
      EXPECT_GT(s, 0);
      scratch_ = static_cast<uint64_t>(s);
    }
    const uint64_t at = scratch_ + used_;
    used_ += (n + 15) & ~uint64_t{15};
    EXPECT_LE(used_, kScratchSize);
    return at;
  }
  uint64_t put(const void* data, uint64_t n) {
    const uint64_t at = alloc(n);
    EXPECT_TRUE(mem_->write(at, data, n));
    return at;
  }
  uint64_t put_str(const std::string& s) { return put(s.c_str(), s.size() + 1); }
  std::string get(uint64_t addr, uint64_t n) {
    std::string s(n, '\0');
    EXPECT_TRUE(mem_->read(addr, s.data(), n));
    return s;
  }
  template <typename T>
  T get_as(uint64_t addr) {
    T v{};
    EXPECT_TRUE(mem_->read(addr, &v, sizeof v));
    return v;
  }

  // Everything written to the diagnostics pipe so far.
  std::string diag() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(diag_r_, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

  // A guest address below which nothing is mapped and which is in range: the gap page under top.
  uint64_t unmapped() const { return proc_->layout().stack_top + 16; }

  LinearMemory linear_;
  std::unique_ptr<GuestMemory> mem_;
  ProcessOptions opts_;
  std::unique_ptr<Process> proc_;
  SyscallOutcome outcome_;
  std::vector<std::pair<uint64_t, uint64_t>> changes_;
  uint64_t scratch_ = 0;
  uint64_t used_ = 0;
  int diag_r_ = -1, diag_w_ = -1;
};

}  // namespace strata::vm::rv64::test
