#include "jit/exec_memory.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "tests/jit/test_code.hpp"

namespace strata::jit {
namespace {

using testing::const_fn;
using testing::ConstFn;

TEST(ExecMemory, RoundsToPagesAndAliasesTheViews) {
  auto m = ExecMemory::create(100, "strata-jit-test");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->size(), ExecMemory::page_size());
  EXPECT_NE(static_cast<const void*>(m->rw()), static_cast<const void*>(m->rx()));
  m->rw()[17] = std::byte{0x5A};
  EXPECT_EQ(m->rx()[17], std::byte{0x5A});
  EXPECT_EQ(m->rw_alias(m->rx() + 17), m->rw() + 17);
  EXPECT_TRUE(m->contains_rx(m->rx() + m->size() - 1));
  EXPECT_FALSE(m->contains_rx(m->rx() + m->size()));
}

TEST(ExecMemory, NoMappingIsWritableAndExecutable) {
  auto m = ExecMemory::create(3 * ExecMemory::page_size(), "strata-jit-wx");
  ASSERT_TRUE(m) << m.error().message;
  auto rx = testing::maps_overlapping(m->rx(), m->size());
  auto rw = testing::maps_overlapping(m->rw(), m->size());
  ASSERT_FALSE(rx.empty());
  ASSERT_FALSE(rw.empty());
  for (const auto& map : rx) {
    EXPECT_EQ(map.perms.substr(0, 3), "r-x") << map.path;
    EXPECT_NE(map.path.find("strata-jit-wx"), std::string::npos) << map.path;
  }
  for (const auto& map : rw) EXPECT_EQ(map.perms.substr(0, 3), "rw-") << map.path;
  // And nowhere in the process is there a W+X memfd of ours.
  for (const auto& map : testing::read_maps()) {
    if (map.path.find("strata-jit") != std::string::npos) {
      EXPECT_FALSE(testing::writable_and_executable(map)) << map.perms << " " << map.path;
    }
  }
}

TEST(ExecMemory, CodeWrittenThroughRwRunsThroughRx) {
  auto m = ExecMemory::create(4096);
  ASSERT_TRUE(m) << m.error().message;
  auto code = const_fn(0xC0FFEEu);
  std::memcpy(m->rw(), code.data(), code.size());
  auto* fn = reinterpret_cast<ConstFn*>(const_cast<std::byte*>(m->rx()));
  EXPECT_EQ(fn(), 0xC0FFEEu);
}

TEST(ExecMemory, ZeroBytesIsAnError) {
  auto m = ExecMemory::create(0);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("0 bytes"), std::string::npos);
}

TEST(ExecMemory, MoveTransfersOwnership) {
  auto m = ExecMemory::create(4096);
  ASSERT_TRUE(m);
  const std::byte* rx = m->rx();
  ExecMemory a = std::move(*m);
  EXPECT_EQ(a.rx(), rx);
  EXPECT_EQ(m->rx(), nullptr);
  EXPECT_EQ(m->size(), 0u);
}

// After fork both processes privatize: each one's later writes stay its own, the code written
// before the fork runs in both, and the views still alias. The child reports through its exit
// status (0: all good).
TEST(ExecMemory, PrivatizedAfterForkEachProcessKeepsItsOwnCode) {
  auto m = ExecMemory::create(1 << 20);
  ASSERT_TRUE(m) << m.error().message;
  const auto before = const_fn(0x1111u), parent = const_fn(0x2222u), child = const_fn(0x3333u);
  std::memcpy(m->rw(), before.data(), before.size());
  const size_t far = 512 << 10;  // a page never written before the fork
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  auto* fn = reinterpret_cast<ConstFn*>(const_cast<std::byte*>(m->rx()));
  auto* far_fn = reinterpret_cast<ConstFn*>(const_cast<std::byte*>(m->rx() + far));
  if (pid == 0) {
    int code = 0;
    if (!m->privatize_after_fork()) code |= 1;
    if (fn() != 0x1111u) code |= 2;
    char byte;
    if (::read(go[0], &byte, 1) != 1) code |= 4;  // the parent has written its code
    std::memcpy(m->rw() + far, child.data(), child.size());
    if (far_fn() != 0x3333u) code |= 8;
    std::memcpy(m->rw(), child.data(), child.size());
    if (fn() != 0x3333u) code |= 16;
    ::_exit(code);
  }
  ASSERT_TRUE(m->privatize_after_fork());
  std::memcpy(m->rw(), parent.data(), parent.size());
  std::memcpy(m->rw() + far, parent.data(), parent.size());
  ASSERT_EQ(::write(go[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // The child's writes did not reach the parent.
  EXPECT_EQ(fn(), 0x2222u);
  EXPECT_EQ(far_fn(), 0x2222u);
  ::close(go[0]);
  ::close(go[1]);
}

}  // namespace
}  // namespace strata::jit
