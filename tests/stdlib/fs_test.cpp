// std.fs natives on a temporary directory: round trips, errors as values, owned descriptors.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

class StdFs : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "strata-fs-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) { return dir_ + "/" + name; }

  std::string dir_;
  FakeContext cx;
};

TEST_F(StdFs, WriteFileThenReadFile) {
  std::string content("line 1\nline 2\0binary\xff", 21);
  EXPECT_EQ(cx.call("std.fs", "write_file", {S(path("a.txt")), S(content)}).i, 0);
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(path("a.txt"))})), content);
  EXPECT_EQ(cx.call("std.fs", "write_file", {S(path("a.txt")), S("short")}).i, 0);  // truncates
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(path("a.txt"))})), "short");
  EXPECT_EQ(cx.call("std.fs", "remove", {S(path("a.txt"))}).i, 0);
  EXPECT_FALSE(cx.trapped);
}

TEST_F(StdFs, MissingFilesAreErrorValues) {
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(path("missing"))})), "<null>");
  EXPECT_EQ(cx.call("std.fs", "last_error", {}).i, ENOENT);
  EXPECT_EQ(cx.call("std.fs", "open", {S(path("missing")), S("r")}).i, -ENOENT);
  EXPECT_EQ(cx.call("std.fs", "remove", {S(path("missing"))}).i, -ENOENT);
  EXPECT_EQ(cx.call("std.fs", "write_file", {S(path("no/such/dir")), S("x")}).i, -ENOENT);
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(dir_)})), "<null>");
  EXPECT_EQ(cx.call("std.fs", "last_error", {}).i, EISDIR);
  EXPECT_EQ(cx.call("std.fs", "open", {S(path("x")), S("rwx")}).i, -EINVAL);
  EXPECT_EQ(cx.call("std.fs", "open", {S(std::string("a\0b", 3)), S("w")}).i, -EINVAL);
  EXPECT_EQ(text(cx.call("std.fs", "strerror", {I(-ENOENT)})), "No such file or directory");
  EXPECT_EQ(text(cx.call("std.fs", "strerror", {I(ENOENT)})), "No such file or directory");
  EXPECT_EQ(text(cx.call("std.fs", "strerror", {I(INT64_MIN)})),
            "Unknown error -9223372036854775808");
  EXPECT_FALSE(cx.trapped);
  cx.call("std.fs", "read_file", {null_ref()});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
}

TEST_F(StdFs, DescriptorsReadWriteAppend) {
  int64_t fd = cx.call("std.fs", "open", {S(path("f")), S("w")}).i;
  ASSERT_GE(fd, 3);
  vm::Array* b = vm::new_array(vm::ObjKind::ArrayU8, 8);
  std::memcpy(b->data, "abcdefgh", 8);
  EXPECT_EQ(cx.call("std.fs", "write", {I(fd), R(b), I(2), I(3)}).i, 3);
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(fd), S("XY")}).i, 2);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, 0);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, -EBADF);  // no longer ours
  fd = cx.call("std.fs", "open", {S(path("f")), S("a")}).i;
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(fd), S("!")}).i, 1);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, 0);
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(path("f"))})), "cdeXY!");

  fd = cx.call("std.fs", "open", {S(path("f")), S("r")}).i;
  vm::Array* in = vm::new_array(vm::ObjKind::ArrayU8, 10);
  EXPECT_EQ(cx.call("std.fs", "read", {I(fd), R(in), I(1), I(4)}).i, 4);
  EXPECT_EQ(std::string(static_cast<char*>(in->data) + 1, 4), "cdeX");
  EXPECT_EQ(cx.call("std.fs", "read", {I(fd), R(in), I(0), I(10)}).i, 2);
  EXPECT_EQ(cx.call("std.fs", "read", {I(fd), R(in), I(0), I(10)}).i, 0);  // end of file
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(fd), S("no")}).i, -EBADF);   // read-only
  cx.call("std.fs", "read", {I(fd), R(in), I(5), I(6)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, 0);

  fd = cx.call("std.fs", "open", {S(path("f")), S("rw")}).i;
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(fd), S("12")}).i, 2);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, 0);
  EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(path("f"))})), "12eXY!");
}

TEST_F(StdFs, OnlyOwnDescriptors) {
  // A descriptor the host opened is not the program's, even though it is valid.
  int host_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(host_fd, 3);
  vm::Array* b = vm::new_array(vm::ObjKind::ArrayU8, 4);
  EXPECT_EQ(cx.call("std.fs", "read", {I(host_fd), R(b), I(0), I(4)}).i, -EBADF);
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(host_fd), S("x")}).i, -EBADF);
  EXPECT_EQ(cx.call("std.fs", "close", {I(host_fd)}).i, -EBADF);
  EXPECT_EQ(cx.call("std.fs", "last_error", {}).i, EBADF);
  EXPECT_EQ(::fcntl(host_fd, F_GETFD), FD_CLOEXEC);  // still open
  ::close(host_fd);
  for (int64_t fd : {int64_t{-1}, int64_t{1} << 40, INT64_MIN})
    EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, -EBADF);
  // 0..2 are usable but not closable; 1 and 2 go through the context's streams.
  EXPECT_EQ(cx.call("std.fs", "close", {I(1)}).i, -EPERM);
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(1), S("to stdout")}).i, 9);
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(2), S("to stderr")}).i, 9);
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(0), S("x")}).i, -EBADF);
  EXPECT_EQ(cx.call("std.fs", "read", {I(1), R(b), I(0), I(1)}).i, -EBADF);
  EXPECT_EQ(cx.out_text(), "to stdout");
  EXPECT_EQ(cx.err_text(), "to stderr");
}

TEST_F(StdFs, RefusesProcSysFifosAndDevices) {
  // /proc/self/fd/N would reopen a host descriptor behind the ownership rule.
  int host_fd = ::open(path("").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int p[2];
  ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
  const std::string bads[] = {"/proc/self/fd/" + std::to_string(p[0]), "/proc/self/mem",
                              "/proc/self/environ", "/sys/kernel/uevent_seqnum",
                              "/dev/fd/" + std::to_string(p[1])};
  for (const std::string& bad : bads) {
    if (!std::filesystem::exists(bad)) continue;  // a container without that mount
    EXPECT_EQ(cx.call("std.fs", "open", {S(bad), S("r")}).i, -EACCES) << bad;
    EXPECT_EQ(text(cx.call("std.fs", "read_file", {S(bad)})), "<null>") << bad;
    EXPECT_EQ(cx.call("std.fs", "last_error", {}).i, EACCES) << bad;
  }
  EXPECT_EQ(cx.call("std.fs", "write_file", {S("/proc/self/comm"), S("pwned")}).i, -EACCES);
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  EXPECT_EQ(cx.call("std.fs", "open", {S(path("fifo")), S("r")}).i, -EACCES);  // does not block
  ::close(p[0]);
  ::close(p[1]);
  ::close(host_fd);
  // The harmless devices are allowed, blocking mode restored.
  int64_t fd = cx.call("std.fs", "open", {S("/dev/zero"), S("r")}).i;
  ASSERT_GE(fd, 3);
  EXPECT_EQ(::fcntl(static_cast<int>(fd), F_GETFL) & O_NONBLOCK, 0);
  vm::Array* b = vm::new_array(vm::ObjKind::ArrayU8, 16);
  EXPECT_EQ(cx.call("std.fs", "read", {I(fd), R(b), I(0), I(16)}).i, 16);
  EXPECT_EQ(cx.call("std.fs", "close", {I(fd)}).i, 0);
  EXPECT_EQ(cx.call("std.fs", "write_file", {S("/dev/null"), S("gone")}).i, 0);
}

TEST_F(StdFs, CloseOpenFilesReleasesEverything) {
  int64_t a = cx.call("std.fs", "open", {S(path("a")), S("w")}).i;
  int64_t b = cx.call("std.fs", "open", {S(path("b")), S("w")}).i;
  ASSERT_GE(a, 3);
  ASSERT_GE(b, 3);
  close_open_files();
  EXPECT_EQ(::fcntl(static_cast<int>(a), F_GETFD), -1);                 // really closed
  EXPECT_EQ(cx.call("std.fs", "write_str", {I(b), S("x")}).i, -EBADF);  // and no longer owned
}

TEST_F(StdFs, RemoveEmptyDirectory) {
  std::filesystem::create_directory(path("d"));
  EXPECT_EQ(cx.call("std.fs", "remove", {S(path("d"))}).i, 0);
  EXPECT_FALSE(std::filesystem::exists(path("d")));
}

}  // namespace
}  // namespace strata::stdlib::test
