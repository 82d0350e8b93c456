// Linear memory: loads/stores of every width, exact bounds at the edges, address overflow,
// growth and caps, bulk copy/fill, data segments.
#include <limits>
#include <string>

#include "tests/support/host_thp.hpp"
#include "tests/vm/vm_test_util.hpp"
#include "vm/instance.hpp"

namespace strata::vm::test {
namespace {

constexpr std::string_view kMem = R"(
.memory 65536 max 196608
.data 8 i64 0x1122334455667788
.func ld64(%a: i64) -> i64 export
  ld.i64 %a, %a
  ret %a
.end
.func ld64_far(%a: i64) -> i64 export
  ld.i64 %a, %a, 65535
  ret %a
.end
.func ldu8(%a: i64) -> i64 export
  ld.u8 %a, %a
  ret %a
.end
.func ldi8(%a: i64) -> i64 export
  ld.i8 %a, %a
  ret %a
.end
.func ldi16(%a: i64) -> i64 export
  ld.i16 %a, %a
  ret %a
.end
.func ldu16(%a: i64) -> i64 export
  ld.u16 %a, %a
  ret %a
.end
.func ldi32(%a: i64) -> i64 export
  ld.i32 %a, %a
  ret %a
.end
.func ldu32(%a: i64) -> i64 export
  ld.u32 %a, %a, 4
  ret %a
.end
.func st8(%a: i64, %v: i64) export
  st.i8 %a, %v
  retv
.end
.func st16(%a: i64, %v: i64) export
  st.i16 %a, %v
  retv
.end
.func st32(%a: i64, %v: i64) export
  st.i32 %a, %v
  retv
.end
.func st64(%a: i64, %v: i64) export
  st.i64 %a, %v, 8
  retv
.end
.func f32(%a: i64, %v: f64) -> f64 export
  st.f32 %a, %v
  ld.f32 %v, %a
  ret %v
.end
.func f64(%a: i64, %v: f64) -> f64 export
  st.f64 %a, %v, 3
  ld.f64 %v, %a, 3
  ret %v
.end
.func size() -> i64 export
  .reg %s: i64
  msize %s
  ret %s
.end
.func grow(%n: i64) -> i64 export
  mgrow %n, %n
  ret %n
.end
.func copy(%d: i64, %s: i64, %n: i64) export
  mcopy %d, %s, %n
  retv
.end
.func fill(%d: i64, %v: i64, %n: i64) export
  mfill %d, %v, %n
  retv
.end
)";

class Memory : public ::testing::Test {
 protected:
  void SetUp() override {
    p = load_lib(sasm(kMem, "mem.sasm"));
    ASSERT_TRUE(p);
  }
  int64_t call1(std::string_view f, int64_t a) { return call_ok(*p, f, {vi(a)}).i; }
  TrapKind trap1(std::string_view f, int64_t a) { return call_trap(*p, f, {vi(a)}).kind; }
  std::unique_ptr<Program> p;
};

TEST_F(Memory, LoadsOfEveryWidthAreLittleEndian) {
  EXPECT_EQ(call1("ld64", 8), 0x1122334455667788);
  EXPECT_EQ(call1("ldu8", 8), 0x88);
  EXPECT_EQ(call1("ldi8", 8), -0x78);
  EXPECT_EQ(call1("ldi8", 15), 0x11);
  EXPECT_EQ(call1("ldu16", 8), 0x7788);
  EXPECT_EQ(call1("ldi32", 8), 0x55667788);
  EXPECT_EQ(call1("ldu32", 8), 0x11223344);         // offset 4
  EXPECT_EQ(call1("ld64", 9), 0x0011223344556677);  // unaligned
  call_ok(*p, "st16", {vi(100), vi(0xff80)});
  EXPECT_EQ(call1("ldi16", 100), -128);
  EXPECT_EQ(call1("ldu16", 100), 0xff80);
  call_ok(*p, "st32", {vi(200), vi(-2)});
  EXPECT_EQ(call1("ldi32", 200), -2);
  EXPECT_EQ(call1("ldu32", 196), 0xfffffffe);
  call_ok(*p, "st8", {vi(300), vi(0x1ff)});
  EXPECT_EQ(call1("ldu8", 300), 0xff);
  call_ok(*p, "st64", {vi(400), vi(-5)});
  EXPECT_EQ(call1("ld64", 408), -5);
  EXPECT_EQ(call_ok(*p, "f32", {vi(500), vf(0.1)}).f, static_cast<double>(0.1f));
  EXPECT_EQ(call_ok(*p, "f64", {vi(501), vf(0.1)}).f, 0.1);
}

TEST_F(Memory, BoundsAreExactAtTheEdge) {
  EXPECT_EQ(call1("ld64", 65536 - 8), 0);
  EXPECT_EQ(call1("ldu8", 65535), 0);
  EXPECT_EQ(trap1("ld64", 65536 - 7), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap1("ldu8", 65536), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap1("ld64", -1), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap1("ld64", -8), TrapKind::MemoryOutOfBounds);
  // addr + offset would wrap around 2^64 to a small address: still out of bounds.
  EXPECT_EQ(trap1("ld64_far", -65535), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap1("ld64_far", 2), TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(trap1("ld64_far", 0), TrapKind::MemoryOutOfBounds);
  Trap t = call_trap(*p, "st64", {vi(65536 - 15), vi(1)});
  EXPECT_EQ(t.kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(t.message, "8-byte access at 65521+8 outside memory of 65536 bytes");
  ASSERT_EQ(t.trace.size(), 1u);
  EXPECT_EQ(t.trace[0].function, "st64");
  EXPECT_EQ(t.trace[0].pc, 0u);
}

TEST_F(Memory, GrowsInPagesUpToTheModuleMax) {
  EXPECT_EQ(call_ok(*p, "size").i, 65536);
  EXPECT_EQ(call1("grow", 1), 65536);
  EXPECT_EQ(call_ok(*p, "size").i, 131072);
  EXPECT_EQ(call1("ld64", 131072 - 8), 0);
  EXPECT_EQ(call1("grow", 0), 131072);
  EXPECT_EQ(call1("grow", -1), -1);
  EXPECT_EQ(call1("grow", 65537), -1);  // two pages would pass the max
  EXPECT_EQ(call1("grow", 65536), 131072);
  EXPECT_EQ(call1("grow", 1), -1);
  EXPECT_EQ(call_ok(*p, "size").i, 196608);
  EXPECT_EQ(call1("ld64", 8), 0x1122334455667788);  // contents kept
}

TEST_F(Memory, CopyAndFillCheckWholeRanges) {
  call_ok(*p, "fill", {vi(1000), vi(0x1ab), vi(16)});
  EXPECT_EQ(call1("ld64", 1008), static_cast<int64_t>(0xabababababababab));
  call_ok(*p, "copy", {vi(12), vi(8), vi(8)});  // overlapping
  EXPECT_EQ(call1("ld64", 12), 0x1122334455667788);
  EXPECT_EQ(call_trap(*p, "copy", {vi(65530), vi(0), vi(7)}).kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(call_trap(*p, "copy", {vi(0), vi(-1), vi(2)}).kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(call_trap(*p, "fill", {vi(1), vi(0), vi(-1)}).kind, TrapKind::MemoryOutOfBounds);
  call_ok(*p, "copy", {vi(65536), vi(0), vi(0)});  // empty range at the very end
  call_ok(*p, "fill", {vi(65535), vi(7), vi(1)});
  EXPECT_EQ(call1("ldu8", 65535), 7);
}

TEST(MemoryCap, CapsInitialSizeAndGrowth) {
  LoadOptions o;
  o.limits.memory_cap = 65536;
  auto r = Program::load_library(sasm(".memory 131072\n"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "module 'test': initial memory of 131072 bytes exceeds the memory cap of 65536 bytes");

  LoadOptions o2;
  o2.limits.memory_cap = 131072;
  std::string text(kMem);
  text.replace(text.find("max 196608"), 10, "max 1048576");
  auto p = load_lib(sasm(text), o2);
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "grow", {vi(65536)}).i, 65536);
  EXPECT_EQ(call_ok(*p, "grow", {vi(1)}).i, -1);
  EXPECT_EQ(p->main_instance().memory.size(), 131072u);
}

TEST(MemoryCap, ModuleWithoutMemoryTrapsOnAccess) {
  auto p = load_lib(sasm(R"(
.func ld(%a: i64) -> i64 export
  ld.u8 %a, %a
  ret %a
.end
.func grow() -> i64 export
  .reg %a: i64
  li %a, 1
  mgrow %a, %a
  ret %a
.end
)"));
  ASSERT_TRUE(p);
  EXPECT_EQ(call_trap(*p, "ld", {vi(0)}).kind, TrapKind::MemoryOutOfBounds);
  EXPECT_EQ(call_ok(*p, "grow").i, -1);
}

TEST(LinearMemoryUnit, InBoundsNeverOverflows) {
  LinearMemory m;
  ASSERT_TRUE(m.init(1, 1 << 20));
  EXPECT_EQ(m.size(), 65536u);
  EXPECT_TRUE(m.in_bounds(65536, 0));
  EXPECT_TRUE(m.in_bounds(0, 65536));
  EXPECT_FALSE(m.in_bounds(1, 65536));
  EXPECT_FALSE(m.in_bounds(UINT64_MAX, 2));
  EXPECT_FALSE(m.in_bounds(2, UINT64_MAX));
  EXPECT_EQ(m.grow(UINT64_MAX), -1);
  EXPECT_EQ(m.grow(UINT64_MAX - 65534), -1);
  EXPECT_EQ(m.size(), 65536u);
  EXPECT_FALSE(m.init(1 << 21, 1 << 20));
}

// A mapped memory asks the host for transparent huge pages unless told not to: under the host's
// `madvise` mode its mapping is THP-eligible in /proc/self/smaps exactly when it asked.
TEST(LinearMemoryUnit, AMappedMemoryAsksForHugePages) {
  std::string mode;
  if (!strata::test::host_thp_mode_is_madvise(&mode))
    GTEST_SKIP() << "the host's THP mode is not madvise: " << mode;
  for (const bool huge : {true, false}) {
    LinearMemory m;
    // The default asks; `false` leaves the pages to the host.
    ASSERT_TRUE(huge ? m.init_mapped(uint64_t{8} << 20, LinearMemory::kPageSize)
                     : m.init_mapped(uint64_t{8} << 20, LinearMemory::kPageSize, false));
    const std::optional<bool> eligible = strata::test::thp_eligible(m.data());
    ASSERT_TRUE(eligible.has_value()) << "no THPeligible line for the mapping";
    EXPECT_EQ(*eligible, huge);
  }
}

}  // namespace
}  // namespace strata::vm::test
