// std.time and std.sys natives.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>

#include "tests/stdlib/fake_context.hpp"

namespace strata::stdlib::test {
namespace {

TEST(StdTime, ClocksAndSleep) {
  FakeContext cx;
  int64_t t0 = cx.call("std.time", "now_ns", {}).i;
  cx.call("std.time", "sleep_ms", {I(20)});
  int64_t t1 = cx.call("std.time", "now_ns", {}).i;
  EXPECT_GE(t1 - t0, 20'000'000);
  cx.call("std.time", "sleep_ms", {I(-5)});  // no-op
  int64_t wall = cx.call("std.time", "wall_ns", {}).i;
  EXPECT_GT(wall, int64_t{1'600'000'000} * 1'000'000'000);  // after Sep 2020
}

TEST(StdSys, ArgsEnvExit) {
  FakeContext cx;
  cx.argv = {"first", "second"};
  EXPECT_EQ(cx.call("std.sys", "argc", {}).i, 2);
  EXPECT_EQ(text(cx.call("std.sys", "arg", {I(1)})), "second");
  EXPECT_EQ(text(cx.call("std.sys", "arg", {I(2)})), "<null>");
  EXPECT_EQ(text(cx.call("std.sys", "arg", {I(-1)})), "<null>");
  ::setenv("STRATA_TEST_VAR", "value", 1);
  EXPECT_EQ(text(cx.call("std.sys", "getenv", {S("STRATA_TEST_VAR")})), "value");
  EXPECT_EQ(text(cx.call("std.sys", "getenv", {S("STRATA_NO_SUCH_VAR_X")})), "<null>");
  EXPECT_EQ(text(cx.call("std.sys", "getenv", {S(std::string("STRATA_TEST_VAR\0x", 17))})),
            "<null>");
  cx.call("std.io", "print", {S("buffered")});
  cx.call("std.sys", "exit", {I(3)});
  EXPECT_EQ(cx.exit_code, 3);
  EXPECT_FALSE(cx.trapped);
  char probe[16];
  EXPECT_EQ(::pread(cx.out().fd(), probe, sizeof probe, 0), 8);  // exit flushed it
}

}  // namespace
}  // namespace strata::stdlib::test
