// The System.map reader of `strata repl boot --symbols`: kallsyms lines with and without a
// module column, sizes taken from the next symbol, the types that name nothing to stop at, and
// the one-line errors for a file that is not a map.
#include <gtest/gtest.h>

#include "tools/strata/monitor/system_map.hpp"

namespace strata::monitor {
namespace {

TEST(SystemMap, NamesAndDescribesAddresses) {
  auto t = parse_system_map(
      "ffffffff80000000 T _start\n"
      "ffffffff80a7607c t kernel_init\r\n"
      "ffffffff80a76180 t kernel_init_tail\n"
      "ffffffff80c008bc T start_kernel\n"
      "0000000000000000 A some_absolute\n"
      "ffffffff81c10180 D init_task\n"
      "ffffffff020360aa t virtblk_probe\t[virtio_blk]\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->size(), 6u);
  EXPECT_EQ(t->address_of("kernel_init"), 0xffffffff80a7607cull);
  EXPECT_EQ(t->address_of("start_kernel"), 0xffffffff80c008bcull);
  EXPECT_EQ(t->address_of("virtblk_probe"), 0xffffffff020360aaull);
  EXPECT_EQ(t->address_of("some_absolute"), std::nullopt);
  EXPECT_EQ(t->describe(0xffffffff80a7607c), "kernel_init");
  EXPECT_EQ(t->describe(0xffffffff80a76090), "kernel_init+0x14");
  // A symbol reaches the next one: this is kernel_init_tail, not kernel_init.
  EXPECT_EQ(t->describe(0xffffffff80a76184), "kernel_init_tail+0x4");
  // The last symbol covers only its own address.
  EXPECT_EQ(t->describe(0xffffffff81c10180), "init_task");
  EXPECT_EQ(t->describe(0xffffffff81c10188), "");
}

TEST(SystemMap, ErrorsNameTheLine) {
  auto t = parse_system_map("ffffffff80000000 T _start\nstrata-guest: ready\n");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message,
            "line 2: 'strata-guest: ready' is not 'ADDRESS TYPE NAME' (System.map or "
            "/proc/kallsyms)");
  t = parse_system_map("0000000000000000 T _start\n0000000000000000 t kernel_init\n");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message,
            "every address in the map is 0 (/proc/kallsyms read without privilege?)");
  t = parse_system_map("\n\n");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "no code or data symbols in the map");
  auto f = load_kernel_symbols("/nonexistent/System.map");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("/nonexistent/System.map"), std::string::npos)
      << f.error().message;
}

}  // namespace
}  // namespace strata::monitor
