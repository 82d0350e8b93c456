// The GC heap bound of a binarytrees-like run, in its own test binary: GC_get_heap_size() is
// process-wide and never shrinks, so earlier tests' allocations would blur the measurement.
#include "tests/vm/vm_test_util.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm::test {
namespace {

constexpr std::string_view kBinaryTrees = R"(
.struct T { l: ref, r: ref }
.func make(%d: i64) -> ref
  .reg %t: ref, %c: ref
  rnew %t, T
  bz %d, leaf
  addi %d, %d, -1
  call %c, make(%d)
  rset %t, %c, T.l
  call %c, make(%d)
  rset %t, %c, T.r
leaf:
  ret %t
.end
.func check(%t: ref) -> i64
  .reg %c: ref, %a: i64, %b: i64
  rget %c, %t, T.l
  bnull %c, leaf
  call %a, check(%c)
  rget %c, %t, T.r
  call %b, check(%c)
  add %a, %a, %b
  addi %a, %a, 1
  ret %a
leaf:
  ret 1
.end
; the benchmark's shape: a long-lived tree plus many short-lived ones per depth
.func bt(%max: i64) -> i64 export
  .reg %long: ref, %sum: i64, %d: i64, %iters: i64, %i: i64, %t: ref, %c: i64, %sh: i64
  call %long, make(%max)
  li %sum, 0
  li %d, 4
depth:
  bgt %d, %max, end
  sub %sh, %max, %d
  addi %sh, %sh, 4
  li %iters, 1
  shl %iters, %iters, %sh
  li %i, 0
iter:
  bge %i, %iters, next
  call %t, make(%d)
  call %c, check(%t)
  add %sum, %sum, %c
  addi %i, %i, 1
  j iter
next:
  addi %d, %d, 2
  j depth
end:
  call %c, check(%long)
  add %sum, %sum, %c
  ret %sum
.end
)";

TEST(Gc, BinaryTreesStaysWithinAHeapBound) {
  auto p = load_lib(sasm(kBinaryTrees, "bt.sasm"));
  ASSERT_TRUE(p);
  GC_gcollect();
  const size_t before = GC_get_heap_size();
  const int64_t max = 16;
  int64_t want = 0;
  for (int64_t d = 4; d <= max; d += 2) want += (int64_t{1} << (max - d + 4)) * ((2 << d) - 1);
  want += (2 << max) - 1;
  EXPECT_EQ(call_ok(*p, "bt", {vi(max)}).i, want);
  const size_t after = GC_get_heap_size();
  // Live data peaks near 2 * 2^17 records of 48 bytes (~12 MiB); without collection the run
  // allocates about 3 GiB. Boehm grows its heap rather than collect too often, and scans
  // conservatively: allow generous slack, an order of magnitude below "no collection".
  EXPECT_LT(after - std::min(after, before), size_t{256} << 20)
      << "heap grew from " << before << " to " << after;
}

}  // namespace
}  // namespace strata::vm::test
