// File and fd syscalls driven through the state page: pipes, files, stat conversion, the fd
// table's isolation, paths, bad fds and bad pointers.
#include <dirent.h>
#include <sys/stat.h>
#include <termios.h>

#include <csignal>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <set>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

class FileSyscalls : public ProcessTest {
 protected:
  std::string temp_file(const std::string& name, const std::string& content) {
    const std::string path = scratch_dir() + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f << content;
    return path;
  }
  int64_t open_guest(const std::string& path, uint64_t flags, uint64_t mode = 0644) {
    return call(kOpenat, kAtFdcwd, put_str(path), flags, mode);
  }
};

TEST_F(FileSyscalls, PipeWriteThenReadBack) {
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds), w = get_as<int32_t>(fds + 4);
  EXPECT_EQ(r, 3);  // lowest free after 0, 1, 2
  EXPECT_EQ(w, 4);
  const uint64_t msg = put_str("hello pipe");
  EXPECT_EQ(call(kWrite, w, msg, 10), 10);
  const uint64_t buf = alloc(64);
  EXPECT_EQ(call(kRead, r, buf, 64), 10);
  EXPECT_EQ(get(buf, 10), "hello pipe");
  EXPECT_EQ(call(kClose, w), 0);
  EXPECT_EQ(call(kRead, r, buf, 64), 0);  // EOF once the writer is closed
  EXPECT_EQ(call(kClose, r), 0);
  EXPECT_EQ(call(kClose, r), -EBADF);
}

TEST_F(FileSyscalls, OpenReadAndFstatMatchTheHost) {
  const std::string content(5000, 'x');
  const std::string path = temp_file("stat_me", content);
  const int64_t fd = open_guest(path, 0);
  ASSERT_GE(fd, 3);
  const uint64_t buf = alloc(8192);
  EXPECT_EQ(call(kRead, fd, buf, 8192), 5000);
  EXPECT_EQ(get(buf, 5000), content);

  struct stat host;
  ASSERT_EQ(::stat(path.c_str(), &host), 0);
  const uint64_t st = alloc(128);
  for (int way = 0; way < 2; ++way) {
    std::vector<uint8_t> poison(128, 0xAB);
    mem_->write(st, poison.data(), 128);
    const int64_t r =
        way == 0 ? call(kFstat, fd, st) : call(kNewfstatat, kAtFdcwd, put_str(path), st, 0);
    ASSERT_EQ(r, 0);
    // The asm-generic riscv64 struct stat.
    EXPECT_EQ(get_as<uint64_t>(st + 0), host.st_dev);
    EXPECT_EQ(get_as<uint64_t>(st + 8), host.st_ino);
    EXPECT_EQ(get_as<uint32_t>(st + 16), host.st_mode);
    EXPECT_EQ(get_as<uint32_t>(st + 20), host.st_nlink);
    EXPECT_EQ(get_as<uint32_t>(st + 24), host.st_uid);
    EXPECT_EQ(get_as<uint32_t>(st + 28), host.st_gid);
    EXPECT_EQ(get_as<uint64_t>(st + 32), host.st_rdev);
    EXPECT_EQ(get_as<uint64_t>(st + 40), 0u);  // __pad1
    EXPECT_EQ(get_as<int64_t>(st + 48), 5000);
    EXPECT_EQ(get_as<int32_t>(st + 56), host.st_blksize);
    EXPECT_EQ(get_as<int32_t>(st + 60), 0);  // __pad2
    EXPECT_EQ(get_as<int64_t>(st + 64), host.st_blocks);
    EXPECT_EQ(get_as<int64_t>(st + 72), host.st_atim.tv_sec);
    EXPECT_EQ(get_as<int64_t>(st + 88), host.st_mtim.tv_sec);
    EXPECT_EQ(get_as<int64_t>(st + 96), host.st_mtim.tv_nsec);
    EXPECT_EQ(get_as<int64_t>(st + 104), host.st_ctim.tv_sec);
    EXPECT_EQ(get_as<int64_t>(st + 112), host.st_ctim.tv_nsec);
    EXPECT_EQ(get_as<uint64_t>(st + 120), 0u);
  }
  // fstat through AT_EMPTY_PATH, as glibc's fstat does on riscv64.
  ASSERT_EQ(call(kNewfstatat, fd, put_str(""), st, 0x1000), 0);
  EXPECT_EQ(get_as<uint64_t>(st + 8), host.st_ino);
  // statx passes the arch-independent struct through: stx_size at 40, stx_ino at 32.
  const uint64_t sx = alloc(256);
  ASSERT_EQ(call(kStatx, kAtFdcwd, put_str(path), 0, 0x7ff, sx), 0);
  EXPECT_EQ(get_as<uint64_t>(sx + 40), 5000u);
  EXPECT_EQ(get_as<uint64_t>(sx + 32), host.st_ino);
  EXPECT_EQ(call(kNewfstatat, kAtFdcwd, put_str(path + ".missing"), st, 0), -ENOENT);
}

TEST_F(FileSyscalls, WriteLseekPreadPwriteReadvWritev) {
  const std::string path = scratch_dir() + "/rw_file";
  const int64_t fd = open_guest(path, 0100 | 01000 | 2);  // O_CREAT | O_TRUNC | O_RDWR
  ASSERT_GE(fd, 3);
  const uint64_t a = put_str("abc"), b = put_str("defgh");
  const uint64_t iov[4] = {a, 3, b, 5};
  EXPECT_EQ(call(kWritev, fd, put(iov, sizeof iov), 2), 8);
  EXPECT_EQ(call(kLseek, fd, 0, 1), 8);  // SEEK_CUR
  EXPECT_EQ(call(kPwrite64, fd, put_str("Z"), 1, 1), 1);
  EXPECT_EQ(call(kLseek, fd, 0, 0), 0);
  const uint64_t x = alloc(4), y = alloc(8);
  const uint64_t riov[4] = {x, 4, y, 8};
  EXPECT_EQ(call(kReadv, fd, put(riov, sizeof riov), 2), 8);
  EXPECT_EQ(get(x, 4), "aZcd");
  EXPECT_EQ(get(y, 4), "efgh");
  const uint64_t p = alloc(8);
  EXPECT_EQ(call(kPread64, fd, p, 3, 5), 3);
  EXPECT_EQ(get(p, 3), "fgh");
  EXPECT_EQ(call(kLseek, fd, 0, 2), 8);  // SEEK_END
  EXPECT_EQ(call(kLseek, fd, static_cast<uint64_t>(-100), 0), -EINVAL);
  std::ifstream f(path);
  std::string host_view((std::istreambuf_iterator<char>(f)), {});
  EXPECT_EQ(host_view, "aZcdefgh");
}

TEST_F(FileSyscalls, DupDup3AndFcntl) {
  const int64_t fd = open_guest("/dev/null", 1);
  ASSERT_EQ(fd, 3);
  EXPECT_EQ(call(kDup, fd), 4);
  EXPECT_EQ(call(kDup3, fd, 10, 02000000), 10);  // O_CLOEXEC
  EXPECT_EQ(call(kFcntl, 10, 1), 1);             // F_GETFD: FD_CLOEXEC
  EXPECT_EQ(call(kFcntl, 4, 1), 0);
  EXPECT_EQ(call(kFcntl, 4, 2, 1), 0);  // F_SETFD
  EXPECT_EQ(call(kFcntl, 4, 1), 1);
  EXPECT_EQ(call(kFcntl, fd, 0, 20), 20);     // F_DUPFD above 20
  EXPECT_EQ(call(kFcntl, fd, 1030, 20), 21);  // F_DUPFD_CLOEXEC
  EXPECT_EQ(call(kFcntl, 21, 1), 1);
  EXPECT_EQ(call(kDup3, fd, fd, 0), -EINVAL);
  EXPECT_EQ(call(kDup3, fd, 11, 1), -EINVAL);  // only O_CLOEXEC is allowed
  EXPECT_EQ(call(kDup3, fd, 5000, 0), -EBADF);
  // F_GETFL reports the guest's bits: O_WRONLY | O_LARGEFILE, then O_APPEND once set.
  EXPECT_EQ(call(kFcntl, fd, 3) & 0103, 1);
  EXPECT_EQ(call(kFcntl, fd, 4, 02000), 0);
  EXPECT_EQ(call(kFcntl, fd, 3) & 02000, 02000);
  // dup3 over an open fd replaces it; the lowest free number is reused.
  EXPECT_EQ(call(kClose, 4), 0);
  EXPECT_EQ(call(kDup, fd), 4);
  EXPECT_EQ(call(kFcntl, fd, 9999), -EINVAL);
}

TEST_F(FileSyscalls, OpenFlagsAreTranslated) {
  // O_DIRECTORY (asm-generic 0200000) on a regular file fails, on a directory succeeds.
  const std::string file = temp_file("plain", "x");
  EXPECT_EQ(open_guest(file, 0200000), -ENOTDIR);
  EXPECT_GE(open_guest(scratch_dir(), 0200000), 3);
  // O_NOFOLLOW (0400000) on a symlink: ELOOP.
  const std::string link = scratch_dir() + "/a_link";
  ASSERT_EQ(::symlink(file.c_str(), link.c_str()), 0);
  EXPECT_EQ(open_guest(link, 0400000), -ELOOP);
  // O_CREAT | O_EXCL on an existing file.
  EXPECT_EQ(open_guest(file, 0100 | 0200 | 1), -EEXIST);
}

TEST_F(FileSyscalls, Getdents64ListsADirectory) {
  const std::string dir = scratch_dir() + "/listing";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  for (const char* n : {"alpha", "beta", "gamma"}) temp_file(std::string("listing/") + n, "1");
  const int64_t fd = open_guest(dir, 0200000);
  ASSERT_GE(fd, 3);
  const uint64_t buf = alloc(4096);
  std::set<std::string> names;
  int64_t n;
  while ((n = call(kGetdents64, fd, buf, 4096)) > 0) {
    for (uint64_t off = 0; off < static_cast<uint64_t>(n);) {
      const uint16_t reclen = get_as<uint16_t>(buf + off + 16);
      std::string name;
      ASSERT_TRUE(mem_->read_cstring(buf + off + 19, &name));
      names.insert(name);
      ASSERT_GT(reclen, 0);
      off += reclen;
    }
  }
  EXPECT_EQ(n, 0);
  EXPECT_EQ(call(kGetdents64, fd, buf, 8), -EINVAL);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "alpha", "beta", "gamma"}));
}

TEST_F(FileSyscalls, PathCalls) {
  const std::string dir = scratch_dir() + "/made";
  EXPECT_EQ(call(kMkdirat, kAtFdcwd, put_str(dir), 0755), 0);
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(call(kMkdirat, kAtFdcwd, put_str(dir), 0755), -EEXIST);
  const std::string f = temp_file("made/f", "1");
  EXPECT_EQ(call(kFaccessat, kAtFdcwd, put_str(f), 4), 0);  // R_OK
  EXPECT_EQ(call(kRenameat, kAtFdcwd, put_str(f), kAtFdcwd, put_str(dir + "/g")), 0);
  EXPECT_EQ(call(kFaccessat, kAtFdcwd, put_str(f), 0), -ENOENT);
  // A dirfd from the guest's table resolves relative paths.
  const int64_t dfd = call(kOpenat, kAtFdcwd, put_str(dir), 0200000);
  ASSERT_GE(dfd, 3);
  EXPECT_EQ(call(kFaccessat, dfd, put_str("g"), 0), 0);
  EXPECT_EQ(call(kUnlinkat, dfd, put_str("g"), 0), 0);
  EXPECT_EQ(call(kUnlinkat, kAtFdcwd, put_str(dir), 0x200), 0);  // AT_REMOVEDIR
  EXPECT_NE(::access(dir.c_str(), F_OK), 0);
  EXPECT_EQ(call(kFaccessat, 77, put_str("g"), 0), -EBADF);

  char cwd[PATH_MAX];
  ASSERT_TRUE(::getcwd(cwd, sizeof cwd));
  const uint64_t buf = alloc(PATH_MAX);
  EXPECT_EQ(call(kGetcwd, buf, PATH_MAX), static_cast<int64_t>(std::strlen(cwd) + 1));
  EXPECT_EQ(get(buf, std::strlen(cwd) + 1), std::string(cwd, std::strlen(cwd) + 1));
  EXPECT_EQ(call(kGetcwd, buf, 1), -ERANGE);
}

TEST_F(FileSyscalls, ReadlinkProcSelfExeIsTheGuestExecutable) {
  char* real = ::realpath(program().c_str(), nullptr);
  ASSERT_TRUE(real);
  const std::string want = real;
  std::free(real);
  const uint64_t buf = alloc(PATH_MAX);
  EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str("/proc/self/exe"), buf, PATH_MAX),
            static_cast<int64_t>(want.size()));
  EXPECT_EQ(get(buf, want.size()), want);
  // Truncated without a NUL, as Linux does.
  EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str("/proc/self/exe"), buf, 4), 4);
  EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str("/proc/self/exe"), buf, 0), -EINVAL);
  // Opening it opens the guest program, not the host's.
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str("/proc/self/exe"), 0);
  ASSERT_GE(fd, 3);
  const uint64_t magic = alloc(4);
  EXPECT_EQ(call(kRead, fd, magic, 4), 4);
  EXPECT_EQ(get(magic, 4),
            "\x7f"
            "ELF");
  const uint64_t st = alloc(128);
  ASSERT_EQ(call(kFstat, fd, st), 0);
  struct stat host;
  ASSERT_EQ(::stat(want.c_str(), &host), 0);
  EXPECT_EQ(get_as<uint64_t>(st + 8), host.st_ino);
}

TEST_F(FileSyscalls, IoctlOnANonTtyIsEnotty) {
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds);
  EXPECT_EQ(call(kIoctl, r, 0x5401, alloc(64)), -ENOTTY);  // TCGETS
  EXPECT_EQ(call(kIoctl, r, 0x5413, alloc(8)), -ENOTTY);   // TIOCGWINSZ
  EXPECT_EQ(call(kIoctl, r, 0x1234, 0), -ENOTTY);
  EXPECT_NE(diag().find("ioctl request 0x1234"), std::string::npos);
  // FIONREAD works on a pipe.
  ASSERT_EQ(call(kWrite, get_as<int32_t>(fds + 4), put_str("abc"), 3), 3);
  const uint64_t n = alloc(4);
  EXPECT_EQ(call(kIoctl, r, 0x541B, n), 0);
  EXPECT_EQ(get_as<int32_t>(n), 3);
}

TEST_F(FileSyscalls, GuestCannotReachHostFdsItDidNotOpen) {
  // A host fd that is certainly open, at a number the guest never opened.
  const int host = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(host, 0);
  ASSERT_EQ(::dup2(host, 50), 50);
  const uint64_t buf = alloc(16);
  EXPECT_EQ(call(kClose, 50), -EBADF);
  EXPECT_EQ(call(kRead, 50, buf, 16), -EBADF);
  EXPECT_EQ(call(kWrite, 50, buf, 16), -EBADF);
  EXPECT_EQ(call(kDup, 50), -EBADF);
  EXPECT_EQ(call(kFcntl, 50, 1), -EBADF);
  EXPECT_EQ(call(kClose, host), -EBADF);
  EXPECT_GE(::fcntl(50, F_GETFD), 0);  // still open on the host
  EXPECT_GE(::fcntl(host, F_GETFD), 0);
  ::close(50);
  ::close(host);
}

TEST_F(FileSyscalls, BadFdsAreEbadf) {
  const uint64_t buf = alloc(256);
  for (uint64_t fd :
       {uint64_t{99}, static_cast<uint64_t>(-1), (uint64_t{1} << 32) + 99, uint64_t{5000}}) {
    EXPECT_EQ(call(kRead, fd, buf, 1), -EBADF);
    EXPECT_EQ(call(kWrite, fd, buf, 1), -EBADF);
    EXPECT_EQ(call(kPread64, fd, buf, 1, 0), -EBADF);
    EXPECT_EQ(call(kPwrite64, fd, buf, 1, 0), -EBADF);
    EXPECT_EQ(call(kReadv, fd, buf, 0), -EBADF);
    EXPECT_EQ(call(kWritev, fd, buf, 0), -EBADF);
    EXPECT_EQ(call(kClose, fd), -EBADF);
    EXPECT_EQ(call(kLseek, fd, 0, 0), -EBADF);
    EXPECT_EQ(call(kDup, fd), -EBADF);
    EXPECT_EQ(call(kDup3, fd, 9, 0), -EBADF);
    EXPECT_EQ(call(kFcntl, fd, 1), -EBADF);
    EXPECT_EQ(call(kFstat, fd, buf), -EBADF);
    EXPECT_EQ(call(kGetdents64, fd, buf, 256), -EBADF);
    EXPECT_EQ(call(kIoctl, fd, 0x5401, buf), -EBADF);
    EXPECT_EQ(call(kOpenat, fd, put_str("relative"), 0), -EBADF);
    EXPECT_EQ(call(kNewfstatat, fd, put_str("relative"), buf, 0), -EBADF);
    EXPECT_EQ(call(kMmap, 0, 4096, 1, 2, fd, 0), -EBADF);
  }
}

TEST_F(FileSyscalls, BadPointersAreEfault) {
  const std::string path = temp_file("efault", "data");
  const int64_t fd = open_guest(path, 2);
  ASSERT_GE(fd, 3);
  const uint64_t buf = alloc(256);
  const uint64_t text = proc_->entry_pc();  // mapped, not writable
  for (uint64_t bad : {uint64_t{0}, uint64_t{0x7000}, uint64_t{0x8000}, unmapped(),
                       static_cast<uint64_t>(-8), mem_->top() - 4}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(call(kRead, fd, bad, 4), -EFAULT);
    EXPECT_EQ(call(kWrite, fd, bad, 4), -EFAULT);
    EXPECT_EQ(call(kPread64, fd, bad, 4, 0), -EFAULT);
    EXPECT_EQ(call(kPwrite64, fd, bad, 4, 0), -EFAULT);
    EXPECT_EQ(call(kReadv, fd, bad, 1), -EFAULT);
    EXPECT_EQ(call(kWritev, fd, bad, 1), -EFAULT);
    const uint64_t iov[2] = {bad, 4};
    EXPECT_EQ(call(kReadv, fd, put(iov, 16), 1), -EFAULT);
    EXPECT_EQ(call(kWritev, fd, put(iov, 16), 1), -EFAULT);
    EXPECT_EQ(call(kOpenat, kAtFdcwd, bad, 0), -EFAULT);
    EXPECT_EQ(call(kPipe2, bad, 0), -EFAULT);
    EXPECT_EQ(call(kFstat, fd, bad), -EFAULT);
    EXPECT_EQ(call(kNewfstatat, kAtFdcwd, bad, buf, 0), -EFAULT);
    EXPECT_EQ(call(kNewfstatat, kAtFdcwd, put_str(path), bad, 0), -EFAULT);
    EXPECT_EQ(call(kStatx, kAtFdcwd, put_str(path), 0, 0x7ff, bad), -EFAULT);
    EXPECT_EQ(call(kStatx, kAtFdcwd, bad, 0, 0x7ff, buf), -EFAULT);
    EXPECT_EQ(call(kGetdents64, call(kOpenat, kAtFdcwd, put_str("/"), 0200000), bad, 256), -EFAULT);
    EXPECT_EQ(call(kMkdirat, kAtFdcwd, bad, 0755), -EFAULT);
    EXPECT_EQ(call(kUnlinkat, kAtFdcwd, bad, 0), -EFAULT);
    EXPECT_EQ(call(kRenameat, kAtFdcwd, bad, kAtFdcwd, put_str(path)), -EFAULT);
    EXPECT_EQ(call(kRenameat, kAtFdcwd, put_str(path), kAtFdcwd, bad), -EFAULT);
    EXPECT_EQ(call(kFaccessat, kAtFdcwd, bad, 0), -EFAULT);
    EXPECT_EQ(call(kReadlinkat, kAtFdcwd, bad, buf, 64), -EFAULT);
    EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str("/proc/self/exe"), bad, 64), -EFAULT);
    EXPECT_EQ(call(kGetcwd, bad, 4096), -EFAULT);
    EXPECT_EQ(call(kFcntl, fd, 5, bad), -EFAULT);  // F_GETLK
  }
  // A read into read-only (text) memory faults instead of writing it.
  const std::string before = get(text, 4);
  EXPECT_EQ(call(kRead, fd, text, 4), -EFAULT);
  EXPECT_EQ(get(text, 4), before);
  EXPECT_EQ(call(kPipe2, text, 0), -EFAULT);
  // A buffer running off the end of a mapping is used up to the mapping's end.
  const uint64_t end_of_stack = proc_->layout().stack_top;
  ASSERT_EQ(call(kLseek, fd, 0, 0), 0);
  EXPECT_EQ(call(kRead, fd, end_of_stack - 2, 100), 2);
  EXPECT_EQ(get(end_of_stack - 2, 2), "da");
  // An unterminated path running into unmapped memory.
  std::string fill(100, 'a');
  ASSERT_TRUE(mem_->write(end_of_stack - 100, fill.data(), 100));
  EXPECT_EQ(call(kOpenat, kAtFdcwd, end_of_stack - 100, 0), -EFAULT);
  // Too long a path.
  EXPECT_EQ(call(kOpenat, kAtFdcwd, put_str(std::string(5000, 'a')), 0), -ENAMETOOLONG);
  // Too many iovecs.
  EXPECT_EQ(call(kWritev, fd, buf, 1025), -EINVAL);
}

TEST_F(FileSyscalls, WriteToAClosedPipeIsEpipeAndSigpipeForTheGuestOnly) {
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds), w = get_as<int32_t>(fds + 4);
  ASSERT_EQ(call(kClose, r), 0);
  // With SIGPIPE ignored the guest sees EPIPE and goes on.
  const uint64_t act[3] = {1, 0, 0};  // SIG_IGN
  ASSERT_EQ(call(kRtSigaction, SIGPIPE, put(act, 24), 0, 8), 0);
  EXPECT_EQ(call(kWrite, w, put_str("x"), 1), -EPIPE);
  EXPECT_EQ(outcome_.kind, SyscallOutcome::Kind::Continue);
  // By default SIGPIPE ends the guest (and only the guest: this test process lives on).
  const uint64_t dfl[3] = {0, 0, 0};
  ASSERT_EQ(call(kRtSigaction, SIGPIPE, put(dfl, 24), 0, 8), 0);
  const uint64_t iov[2] = {put_str("y"), 1};
  call(kWritev, w, put(iov, 16), 1);
  EXPECT_EQ(outcome_.kind, SyscallOutcome::Kind::Signal);
  EXPECT_EQ(outcome_.status, SIGPIPE);
  sigset_t pending;
  sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

TEST_F(FileSyscalls, TerminalIoctlsPassThroughOnATty) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) GTEST_SKIP() << "no pty";
  const std::string slave = ::ptsname(master);
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(slave), 2 | 0400);  // O_RDWR | O_NOCTTY
  ASSERT_GE(fd, 3);
  const uint64_t t = alloc(64);
  std::vector<uint8_t> poison(64, 0xEE);
  mem_->write(t, poison.data(), 64);
  ASSERT_EQ(call(kIoctl, fd, 0x5401, t), 0);  // TCGETS
  // The kernel's struct termios is 36 bytes; the bytes after it are untouched.
  EXPECT_EQ(get_as<uint8_t>(t + 36), 0xEE);
  termios host;
  const int hs = ::open(slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(hs, 0);
  ASSERT_EQ(::tcgetattr(hs, &host), 0);
  EXPECT_EQ(get_as<uint32_t>(t + 0), host.c_iflag);
  EXPECT_EQ(get_as<uint32_t>(t + 12), host.c_lflag);
  const uint16_t ws_set[4] = {40, 120, 0, 0};
  EXPECT_EQ(call(kIoctl, fd, 0x5414, put(ws_set, 8)), 0);  // TIOCSWINSZ
  const uint64_t ws = alloc(8);
  EXPECT_EQ(call(kIoctl, fd, 0x5413, ws), 0);  // TIOCGWINSZ
  EXPECT_EQ(get_as<uint16_t>(ws), 40);
  EXPECT_EQ(get_as<uint16_t>(ws + 2), 120);
  EXPECT_EQ(call(kIoctl, fd, 0x5401, unmapped()), -EFAULT);
  ::close(hs);
  ::close(master);
}

TEST_F(FileSyscalls, ProcSelfFdNamesGuestFds) {
  const std::string path = temp_file("via_proc_fd", "proc");
  const int64_t fd = open_guest(path, 0);
  ASSERT_GE(fd, 3);
  const uint64_t buf = alloc(PATH_MAX);
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str(link), buf, PATH_MAX),
            static_cast<int64_t>(path.size()));
  EXPECT_EQ(get(buf, path.size()), path);
  EXPECT_EQ(call(kReadlinkat, kAtFdcwd, put_str("/proc/self/fd/77"), buf, PATH_MAX), -ENOENT);
}

}  // namespace
}  // namespace strata::vm::rv64::test
