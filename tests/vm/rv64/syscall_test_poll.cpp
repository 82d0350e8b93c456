// ppoll and pselect6: guest fds translated, closed fds, timeouts.
#include <poll.h>
#include <unistd.h>

#include <array>
#include <utility>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

enum : uint64_t { kPselect6 = 72, kPpoll = 73 };

class PollSyscalls : public ProcessTest {
 protected:
  // A guest pipe: {read end, write end}.
  std::pair<int32_t, int32_t> pipe() {
    const uint64_t fds = alloc(8);
    EXPECT_EQ(call(kPipe2, fds, 0), 0);
    return {get_as<int32_t>(fds), get_as<int32_t>(fds + 4)};
  }
};

TEST_F(PollSyscalls, PpollTranslatesGuestFds) {
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds), w = get_as<int32_t>(fds + 4);
  struct pollfd p[3] = {{r, POLLIN, 0}, {w, POLLOUT, 0}, {-1, POLLIN, 0}};
  const uint64_t arr = put(p, sizeof p);
  const int64_t zero[2] = {0, 0};
  const uint64_t ts = put(zero, 16);
  EXPECT_EQ(call(kPpoll, arr, 3, ts, 0, 8), 1);  // only the writer is ready
  EXPECT_EQ(get_as<int16_t>(arr + 6), 0);
  EXPECT_EQ(get_as<int16_t>(arr + 14), POLLOUT);
  EXPECT_EQ(get_as<int16_t>(arr + 22), 0);
  ASSERT_EQ(call(kWrite, w, put_str("a"), 1), 1);
  EXPECT_EQ(call(kPpoll, arr, 3, ts, 0, 8), 2);
  EXPECT_EQ(get_as<int16_t>(arr + 6), POLLIN);
  // A guest fd that is not open is POLLNVAL, even if the host has that number open.
  struct pollfd bad[1] = {{50, POLLIN, 0}};
  ASSERT_EQ(::dup2(0, 50), 50);
  const uint64_t b = put(bad, sizeof bad);
  EXPECT_EQ(call(kPpoll, b, 1, 0, 0, 8), 1);  // no wait despite the NULL timeout
  EXPECT_EQ(get_as<int16_t>(b + 6), POLLNVAL);
  ::close(50);
  // A timeout that runs out.
  const int64_t ms[2] = {0, 1000000};
  struct pollfd only_r[1] = {{r, POLLIN, 0}};
  ASSERT_EQ(call(kRead, r, alloc(1), 1), 1);
  EXPECT_EQ(call(kPpoll, put(only_r, 8), 1, put(ms, 16), 0, 8), 0);
  EXPECT_EQ(call(kPpoll, unmapped(), 1, ts, 0, 8), -EFAULT);
  EXPECT_EQ(call(kPpoll, arr, 1, unmapped(), 0, 8), -EFAULT);
  EXPECT_EQ(call(kPpoll, arr, 100000, ts, 0, 8), -EINVAL);
}

TEST_F(PollSyscalls, PselectTranslatesGuestFdSets) {
  const auto [r, w] = pipe();
  ASSERT_EQ(r, 3);
  const uint64_t rset = put(std::array<uint64_t, 1>{uint64_t{1} << r}.data(), 8);
  const uint64_t wset = put(std::array<uint64_t, 1>{(uint64_t{1} << w) | 1}.data(), 8);
  const int64_t zero[2] = {0, 0};
  // Only the pipe's write end (and fd 0's write side, /dev/stdin of the test, maybe) can be
  // ready; the read end is not.
  const int64_t n = call(kPselect6, w + 1, rset, wset, 0, put(zero, 16), 0);
  ASSERT_GE(n, 1);
  EXPECT_EQ(get_as<uint64_t>(rset), 0u);
  EXPECT_TRUE(get_as<uint64_t>(wset) >> w & 1);
  ASSERT_EQ(call(kWrite, w, put_str("x"), 1), 1);
  mem_->write(rset, std::array<uint64_t, 1>{uint64_t{1} << r}.data(), 8);
  EXPECT_EQ(call(kPselect6, r + 1, rset, 0, 0, put(zero, 16), 0), 1);
  EXPECT_EQ(get_as<uint64_t>(rset), uint64_t{1} << r);
  // A timeout that runs out leaves a zero remaining time, and clears the sets.
  ASSERT_EQ(call(kRead, r, alloc(1), 1), 1);
  const int64_t ms[2] = {0, 2000000};
  const uint64_t ts = put(ms, 16);
  EXPECT_EQ(call(kPselect6, r + 1, rset, 0, 0, ts, 0), 0);
  EXPECT_EQ(get_as<uint64_t>(rset), 0u);
  EXPECT_EQ(get_as<int64_t>(ts), 0);
  EXPECT_EQ(get_as<int64_t>(ts + 8), 0);
  // A guest fd that is not open: EBADF (even though the host has such a number open).
  ASSERT_EQ(::dup2(0, 40), 40);
  const uint64_t bad = put(std::array<uint64_t, 1>{uint64_t{1} << 40}.data(), 8);
  EXPECT_EQ(call(kPselect6, 41, bad, 0, 0, put(zero, 16), 0), -EBADF);
  ::close(40);
  EXPECT_EQ(call(kPselect6, 4, unmapped(), 0, 0, put(zero, 16), 0), -EFAULT);
  EXPECT_EQ(call(kPselect6, 4, 0, 0, 0, unmapped(), 0), -EFAULT);
  EXPECT_EQ(call(kPselect6, 5000, 0, 0, 0, put(zero, 16), 0), -EINVAL);
  EXPECT_EQ(call(kPselect6, static_cast<uint64_t>(-1), 0, 0, 0, put(zero, 16), 0), -EINVAL);
  // No sets and a timeout: a sleep.
  EXPECT_EQ(call(kPselect6, 0, 0, 0, 0, put(ms, 16), 0), 0);
}

}  // namespace
}  // namespace strata::vm::rv64::test
