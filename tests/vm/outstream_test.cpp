// OutStream: buffering, line buffering, and a closed reader that must not kill the host.
#include <unistd.h>
#include <csignal>

#include <gtest/gtest.h>

#include "vm/outstream.hpp"

namespace strata::vm {
namespace {

std::string drain(int fd) {
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(OutStream, BuffersUntilFlush) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  {
    OutStream s(fds[1]);
    s.write("abc");
    s.put('\n');
    s.write("def");
    EXPECT_TRUE(s.flush());
  }
  close(fds[1]);
  EXPECT_EQ(drain(fds[0]), "abc\ndef");
  close(fds[0]);
}

TEST(OutStream, LineBufferedFlushesAtNewline) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  OutStream s(fds[1]);
  s.set_line_buffered(true);
  s.write("one\ntw");
  char buf[16] = {};
  EXPECT_EQ(read(fds[0], buf, sizeof buf), 6);  // written without an explicit flush
  EXPECT_EQ(std::string(buf, 6), "one\ntw");
  close(fds[0]);
  close(fds[1]);
}

TEST(OutStream, ClosedReaderIsAnErrorNotACrash) {
  // The CLI ignores SIGPIPE; with it ignored a write to a closed pipe fails with EPIPE.
  auto old = std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);
  OutStream s(fds[1]);
  s.write("lost");
  EXPECT_FALSE(s.flush());
  s.write("again");
  EXPECT_FALSE(s.flush());
  close(fds[1]);
  std::signal(SIGPIPE, old);
}

}  // namespace
}  // namespace strata::vm
