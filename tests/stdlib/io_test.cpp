// std.io through a fake context: output text, float formatting, traps, stdin lines.
#include <gtest/gtest.h>

#include <unistd.h>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

TEST(StdIo, PrintsToStdoutAndStderr) {
  FakeContext cx;
  cx.call("std.io", "print", {S("a")});
  cx.call("std.io", "println", {S("b")});
  cx.call("std.io", "print_i64", {I(-42)});
  cx.call("std.io", "newline", {});
  cx.call("std.io", "println_i64", {I(INT64_MIN)});
  cx.call("std.io", "print_char", {I('x' + 256)});  // low 8 bits
  cx.call("std.io", "print_f64", {F(-0.16907516382852447), I(9)});
  cx.call("std.io", "print_char", {I('|')});
  cx.call("std.io", "print_f64", {F(0.1), I(-1)});
  cx.call("std.io", "eprint", {S("e")});
  cx.call("std.io", "eprintln", {S("f")});
  cx.call("std.io", "flush", {});
  EXPECT_FALSE(cx.trapped);
  EXPECT_EQ(cx.out_text(), "ab\n-42\n-9223372036854775808\nx-0.169075164|0.1");
  EXPECT_EQ(cx.err_text(), "ef\n");
}

TEST(StdIo, WriteBytesChecksItsRange) {
  FakeContext cx;
  vm::Array* b = vm::new_array(vm::ObjKind::ArrayU8, 5);
  std::memcpy(b->data, "hello", 5);
  cx.call("std.io", "write_bytes", {R(b), I(1), I(3)});
  EXPECT_EQ(cx.out_text(), "ell");
  for (auto [off, len] : {std::pair{-1, 1}, {0, 6}, {5, 1}, {2, -1}, {INT64_MAX, 2}}) {
    cx.call("std.io", "write_bytes", {R(b), I(off), I(len)});
    ASSERT_TRUE(cx.trapped) << off << "," << len;
    EXPECT_EQ(cx.trapped->kind, vm::TrapKind::IndexOutOfBounds);
  }
  cx.call("std.io", "write_bytes", {S("str"), I(0), I(1)});
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  EXPECT_EQ(cx.out_text(), "ell");
}

TEST(StdIo, NullStringTrapsNamingTheFunction) {
  FakeContext cx;
  cx.call("std.io", "println", {null_ref()});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::NullReference);
  EXPECT_EQ(cx.trapped->message, "std.io.println: argument 1 is null, expected a string");
  cx.call("std.io", "print", {R(vm::new_array(vm::ObjKind::ArrayI64, 1))});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::TypeMismatch);
  EXPECT_EQ(cx.trapped->message, "std.io.print: argument 1 is an i64 array, expected a string");
}

TEST(StdIo, HugePrecisionTraps) {
  FakeContext cx;
  cx.call("std.io", "print_f64", {F(1.0), I(INT64_MAX)});
  ASSERT_TRUE(cx.trapped);
  EXPECT_EQ(cx.trapped->kind, vm::TrapKind::HostError);
}

TEST(StdIo, LineBufferedStreamsFlushAtNewlines) {
  FakeContext cx;
  cx.out().set_line_buffered(true);
  cx.call("std.io", "print", {S("no newline yet")});
  char probe[64];
  // Read the memfd directly, without the flush that out_text() does.
  int fd = cx.out().fd();
  EXPECT_EQ(::pread(fd, probe, sizeof probe, 0), 0);
  cx.call("std.io", "println", {S("!")});
  EXPECT_EQ(::pread(fd, probe, sizeof probe, 0), 16);
}

// read_line and std.fs.read(0) share one stdin buffer. This test replaces fd 0 with a pipe;
// ctest runs each test in its own process.
TEST(StdIo, ReadLineAndRawStdinShareTheBuffer) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  const std::string input = "first\nsecond\r\n\nrest of it";
  ASSERT_EQ(::write(p[1], input.data(), input.size()), static_cast<ssize_t>(input.size()));
  ::close(p[1]);
  int saved = ::dup(0);
  ASSERT_EQ(::dup2(p[0], 0), 0);
  ::close(p[0]);
  FakeContext cx;
  EXPECT_EQ(text(cx.call("std.io", "read_line", {})), "first");
  EXPECT_EQ(text(cx.call("std.io", "read_line", {})), "second\r");
  EXPECT_EQ(text(cx.call("std.io", "read_line", {})), "");
  vm::Array* b = vm::new_array(vm::ObjKind::ArrayU8, 4);
  EXPECT_EQ(cx.call("std.fs", "read", {I(0), R(b), I(0), I(4)}).i, 4);
  EXPECT_EQ(std::string(static_cast<char*>(b->data), 4), "rest");
  EXPECT_EQ(text(cx.call("std.io", "read_line", {})), " of it");  // last line, no newline
  EXPECT_EQ(text(cx.call("std.io", "read_line", {})), "<null>");
  EXPECT_EQ(cx.call("std.fs", "read", {I(0), R(b), I(0), I(4)}).i, 0);
  ::dup2(saved, 0);
  ::close(saved);
}

}  // namespace
}  // namespace strata::stdlib::test
