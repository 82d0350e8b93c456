// File metadata, links, sync, the working directory and umask, msync, process group ids.
#include <sys/stat.h>

#include <climits>
#include <fstream>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

enum : uint64_t {
  kSymlinkat = 36,
  kLinkat = 37,
  kTruncate = 45,
  kFtruncate = 46,
  kFchmod = 52,
  kFchmodat = 53,
  kFchownat = 54,
  kFchown = 55,

  kFsync = 82,
  kFdatasync = 83,
  kUtimensat = 88,
};

class FsopsSyscalls : public ProcessTest {
 protected:
  std::string temp_file(const std::string& name, const std::string& content) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << content;
    return path;
  }
  struct stat host_stat(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
    return st;
  }
};

TEST_F(FsopsSyscalls, TruncateAndFtruncate) {
  const std::string path = temp_file("trunc", std::string(100, 'x'));
  EXPECT_EQ(call(kTruncate, put_str(path), 10), 0);
  EXPECT_EQ(host_stat(path).st_size, 10);
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(path), 2);
  ASSERT_GE(fd, 3);
  EXPECT_EQ(call(kFtruncate, fd, 5000), 0);
  EXPECT_EQ(host_stat(path).st_size, 5000);
  EXPECT_EQ(call(kFtruncate, fd, static_cast<uint64_t>(-1)), -EINVAL);
  EXPECT_EQ(call(kFtruncate, 99, 0), -EBADF);
  EXPECT_EQ(call(kTruncate, put_str(path + ".none"), 0), -ENOENT);
  EXPECT_EQ(call(kTruncate, unmapped(), 0), -EFAULT);
  EXPECT_EQ(call(kFsync, fd), 0);
  EXPECT_EQ(call(kFdatasync, fd), 0);
  EXPECT_EQ(call(kFsync, 99), -EBADF);
}

TEST_F(FsopsSyscalls, ChmodChownAndTimes) {
  const std::string path = temp_file("modes", "m");
  EXPECT_EQ(call(kFchmodat, kAtFdcwd, put_str(path), 0600), 0);
  EXPECT_EQ(host_stat(path).st_mode & 07777, 0600u);
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(path), 0);
  ASSERT_GE(fd, 3);
  EXPECT_EQ(call(kFchmod, fd, 0640), 0);
  EXPECT_EQ(host_stat(path).st_mode & 07777, 0640u);
  // Changing the owner to oneself is always allowed; -1 keeps a field.
  EXPECT_EQ(call(kFchown, fd, ::getuid(), static_cast<uint64_t>(-1) & 0xffffffff), 0);
  EXPECT_EQ(call(kFchownat, kAtFdcwd, put_str(path), ::getuid(), ::getgid(), 0), 0);
  EXPECT_EQ(call(kFchownat, kAtFdcwd, put_str(path), 0, 0, 0x8), -EINVAL);
  const int64_t times[4] = {1000000000, 5, 1100000000, 7};
  EXPECT_EQ(call(kUtimensat, kAtFdcwd, put_str(path), put(times, 32), 0), 0);
  struct stat st = host_stat(path);
  EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
  EXPECT_EQ(st.st_mtim.tv_sec, 1100000000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 7);
  // A NULL path sets the times of the fd itself (futimens).
  const int64_t later[4] = {1200000000, 0, 1300000000, 0};
  EXPECT_EQ(call(kUtimensat, fd, 0, put(later, 32), 0), 0);
  EXPECT_EQ(host_stat(path).st_mtim.tv_sec, 1300000000);
  EXPECT_EQ(call(kUtimensat, kAtFdcwd, put_str(path), unmapped(), 0), -EFAULT);
  EXPECT_EQ(call(kFchmod, 99, 0600), -EBADF);
}

TEST_F(FsopsSyscalls, SymlinkAndHardLink) {
  const std::string target = temp_file("link_target", "t");
  const std::string sym = scratch_dir() + "/sym";
  EXPECT_EQ(call(kSymlinkat, put_str(target), kAtFdcwd, put_str(sym)), 0);
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(sym.c_str(), buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), target);
  const std::string hard = scratch_dir() + "/hard";
  EXPECT_EQ(call(kLinkat, kAtFdcwd, put_str(target), kAtFdcwd, put_str(hard), 0), 0);
  EXPECT_EQ(host_stat(hard).st_ino, host_stat(target).st_ino);
  EXPECT_EQ(host_stat(target).st_nlink, 2u);
  EXPECT_EQ(call(kLinkat, kAtFdcwd, put_str(target), kAtFdcwd, put_str(hard), 0), -EEXIST);
  EXPECT_EQ(call(kLinkat, kAtFdcwd, put_str(target), kAtFdcwd, put_str(hard), 1), -EINVAL);
  EXPECT_EQ(call(kSymlinkat, unmapped(), kAtFdcwd, put_str(sym)), -EFAULT);
}

TEST_F(FsopsSyscalls, ChdirFchdirAndUmaskActOnTheHostProcess) {
  char before[PATH_MAX];
  ASSERT_TRUE(::getcwd(before, sizeof before));
  const std::string dir = scratch_dir();
  EXPECT_EQ(call(49, put_str(dir)), 0);  // chdir
  char now[PATH_MAX];
  ASSERT_TRUE(::getcwd(now, sizeof now));
  EXPECT_EQ(std::string(now), dir);
  // A relative path now resolves there.
  temp_file("here", "h");
  EXPECT_EQ(call(kFaccessat, kAtFdcwd, put_str("here"), 0), 0);
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(before), 0200000);
  ASSERT_GE(fd, 3);
  EXPECT_EQ(call(50, fd), 0);  // fchdir
  ASSERT_TRUE(::getcwd(now, sizeof now));
  EXPECT_EQ(std::string(now), before);
  EXPECT_EQ(call(49, put_str(dir + "/missing")), -ENOENT);
  EXPECT_EQ(call(49, unmapped()), -EFAULT);
  EXPECT_EQ(call(50, 99), -EBADF);

  const mode_t old = ::umask(022);
  EXPECT_EQ(call(166, 077), 022);  // umask returns the previous mask
  EXPECT_EQ(call(166, 022), 077);
  ::umask(old);
}

TEST_F(FsopsSyscalls, MsyncChecksTheRange) {
  const int64_t a = call(kMmap, 0, 2 * 4096, 3, 0x22, static_cast<uint64_t>(-1), 0);
  ASSERT_GT(a, 0);
  EXPECT_EQ(call(227, a, 2 * 4096, 4), 0);  // MS_SYNC
  EXPECT_EQ(call(227, a + 1, 4096, 4), -EINVAL);
  EXPECT_EQ(call(227, a, 4096, 5), -EINVAL);  // MS_ASYNC | MS_SYNC
  EXPECT_EQ(call(227, a, 4096, 8), -EINVAL);
  EXPECT_EQ(call(kMunmap, a + 4096, 4096), 0);
  EXPECT_EQ(call(227, a, 2 * 4096, 4), -ENOMEM);
}

TEST_F(FsopsSyscalls, ProcessGroupAndSession) {
  EXPECT_EQ(call(155, 0), ::getpgid(0));  // getpgid
  EXPECT_EQ(call(156, 0), ::getsid(0));   // getsid
  EXPECT_EQ(call(155, 1), -ESRCH);
}

}  // namespace
}  // namespace strata::vm::rv64::test
