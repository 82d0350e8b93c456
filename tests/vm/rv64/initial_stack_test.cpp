// The initial stack image parsed back field by field.
#include <gtest/gtest.h>

#include <map>

#include "vm/rv64/initial_stack.hpp"

namespace strata::vm::rv64 {
namespace {

// Reads the image as the guest would, by address.
struct GuestView {
  const StackImage& img;
  uint64_t top;
  uint64_t u64(uint64_t addr) const {
    EXPECT_GE(addr, img.sp);
    EXPECT_LE(addr + 8, top);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{img.bytes[addr - img.sp + i]} << (8 * i);
    return v;
  }
  std::string str(uint64_t addr) const {
    std::string s;
    for (uint64_t a = addr; a < top; ++a) {
      char c = static_cast<char>(img.bytes[a - img.sp]);
      if (c == 0) return s;
      s += c;
    }
    ADD_FAILURE() << "unterminated string at " << addr;
    return s;
  }
};

StackParams sample() {
  StackParams p;
  p.stack_top = 0x7fff0000 - 3;  // deliberately unaligned
  p.argv = {"/bin/prog", "-x", "", "last arg"};
  p.envp = {"HOME=/root", "PATH=/usr/bin"};
  p.execfn = "/guest/prog";
  p.phdr = 0x10040;
  p.phnum = 9;
  p.entry = 0x10500;
  p.base = 0x40000000;
  p.uid = 1000;
  p.gid = 100;
  p.random_seed = 42;
  return p;
}

TEST(InitialStackTest, LayoutFieldByField) {
  StackParams p = sample();
  auto r = build_initial_stack(p);
  ASSERT_TRUE(r) << r.error().message;
  const StackImage& img = *r;
  EXPECT_EQ(img.sp % 16, 0u);
  EXPECT_EQ(img.sp + img.bytes.size(), p.stack_top);
  GuestView g{img, p.stack_top};

  uint64_t a = img.sp;
  ASSERT_EQ(g.u64(a), p.argv.size());
  a += 8;
  for (const std::string& s : p.argv) {
    EXPECT_EQ(g.str(g.u64(a)), s);
    a += 8;
  }
  EXPECT_EQ(g.u64(a), 0u);
  a += 8;
  for (const std::string& s : p.envp) {
    EXPECT_EQ(g.str(g.u64(a)), s);
    a += 8;
  }
  EXPECT_EQ(g.u64(a), 0u);
  a += 8;

  std::vector<uint64_t> order;
  std::map<uint64_t, uint64_t> aux;
  for (;;) {
    uint64_t type = g.u64(a), value = g.u64(a + 8);
    a += 16;
    order.push_back(type);
    if (type == kAtNull) break;
    EXPECT_TRUE(aux.emplace(type, value).second) << "duplicate auxv type " << type;
    ASSERT_LT(order.size(), 64u);
  }
  EXPECT_EQ(aux[kAtPhdr], p.phdr);
  EXPECT_EQ(aux[kAtPhent], 56u);
  EXPECT_EQ(aux[kAtPhnum], 9u);
  EXPECT_EQ(aux[kAtPagesz], 4096u);
  EXPECT_EQ(aux[kAtBase], 0x40000000u);
  EXPECT_EQ(aux[kAtFlags], 0u);
  EXPECT_EQ(aux[kAtEntry], p.entry);
  EXPECT_EQ(aux[kAtUid], 1000u);
  EXPECT_EQ(aux[kAtEuid], 1000u);
  EXPECT_EQ(aux[kAtGid], 100u);
  EXPECT_EQ(aux[kAtEgid], 100u);
  EXPECT_EQ(aux[kAtHwcap], 0x112du);  // I M A F D C
  EXPECT_EQ(aux[kAtClktck], 100u);
  EXPECT_EQ(aux[kAtSecure], 0u);
  EXPECT_EQ(g.str(aux[kAtExecfn]), "/guest/prog");
  EXPECT_EQ(aux.count(15), 0u) << "Linux sends no AT_PLATFORM on RISC-V";
  EXPECT_EQ(aux.size(), 16u);
  EXPECT_EQ(order.front(), kAtHwcap);

  // AT_RANDOM: 16 bytes inside the image, above the tables, below the strings.
  uint64_t rnd = aux[kAtRandom];
  EXPECT_GE(rnd, a);
  EXPECT_LE(rnd + 16, g.u64(img.sp + 8));
  EXPECT_NE(g.u64(rnd) | g.u64(rnd + 8), 0u);
  auto again = build_initial_stack(p);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->bytes, img.bytes) << "same seed, same image";
  p.random_seed = 43;
  auto other = build_initial_stack(p);
  ASSERT_TRUE(other);
  GuestView g2{*other, p.stack_top};
  EXPECT_NE(g2.u64(rnd), g.u64(rnd));
}

TEST(InitialStackTest, AlignmentForEveryShape) {
  for (uint64_t top = 0x100000; top < 0x100000 + 16; ++top)
    for (size_t argc = 0; argc < 5; ++argc) {
      StackParams p = sample();
      p.stack_top = top;
      p.argv.resize(argc, "a");
      p.envp.resize(argc % 3, "E=1");
      auto r = build_initial_stack(p);
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->sp % 16, 0u);
      EXPECT_EQ(r->sp + r->bytes.size(), top);
    }
}

TEST(InitialStackTest, ExecfnDefaultsToArgv0) {
  StackParams p = sample();
  p.execfn.clear();
  auto r = build_initial_stack(p);
  ASSERT_TRUE(r);
  GuestView g{*r, p.stack_top};
  uint64_t a = r->sp + 8 * (1 + p.argv.size() + 1 + p.envp.size() + 1);
  for (; g.u64(a) != kAtExecfn; a += 16) ASSERT_NE(g.u64(a), kAtNull);
  EXPECT_EQ(g.str(g.u64(a + 8)), "/bin/prog");
}

TEST(InitialStackTest, TooLargeOrNoRoom) {
  StackParams p = sample();
  p.argv.assign(100, std::string(20000, 'x'));
  auto r = build_initial_stack(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("argument list too long"), std::string::npos);
  p = sample();
  p.stack_top = 64;
  r = build_initial_stack(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("do not fit"), std::string::npos);
}

}  // namespace
}  // namespace strata::vm::rv64
