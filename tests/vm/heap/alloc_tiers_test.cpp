// Objects from gc_alloc's per-thread cache, held only by compiled code (baseline frames, LLVM
// code's registers) and the interpreter, survive collections that another thread forces at
// arbitrary moments: each tier builds and checks trees while a second thread runs GC_gcollect
// in a loop.

#include <fmt/format.h>

#include "tests/jit/opt/opt_support.hpp"
#include "tests/vm/heap/collector_thread.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm::heap_test {
namespace {

using jit::opt::test::Mode;

// make(d, v): a complete tree of depth d whose nodes are numbered like a binary heap from v
// (children 2v and 2v+1), with a garbage record next to every node. sum(t): the numbers.
constexpr const char* kTrees = R"(
.struct T { l: ref, r: ref, v: i64 }
.func make(%d: i64, %v: i64) -> ref
  .reg %t: ref, %c: ref, %w: i64, %junk: ref
  rnew %t, T
  rset %t, %v, T.v
  rnew %junk, T
  rset %junk, %v, T.v
  bz %d, leaf
  addi %d, %d, -1
  add %w, %v, %v
  call %c, make(%d, %w)
  rset %t, %c, T.l
  addi %w, %w, 1
  call %c, make(%d, %w)
  rset %t, %c, T.r
leaf:
  ret %t
.end
.func sum(%t: ref) -> i64
  .reg %c: ref, %s: i64, %x: i64
  rget %s, %t, T.v
  rget %c, %t, T.l
  bnull %c, leaf
  call %x, sum(%c)
  add %s, %s, %x
  rget %c, %t, T.r
  call %x, sum(%c)
  add %s, %s, %x
leaf:
  ret %s
.end
; A long-lived tree, then `iters` short-lived ones; the long one is summed last.
.func run(%d: i64, %iters: i64) -> i64 export
  .reg %long: ref, %t: ref, %total: i64, %i: i64, %one: i64, %x: i64
  li %one, 1
  call %long, make(%d, %one)
  li %total, 0
  li %i, 0
again:
  bge %i, %iters, done
  call %t, make(%d, %one)
  call %x, sum(%t)
  add %total, %total, %x
  addi %i, %i, 1
  j again
done:
  call %x, sum(%long)
  add %total, %total, %x
  ret %total
.end
)";

TEST(HeapAllocTiers, TreesSurviveCollectionsForcedFromAnotherThreadInEveryTier) {
  heap_init();
  constexpr int64_t kDepth = 10, kIters = 150;
  constexpr int64_t kNodes = (int64_t{2} << kDepth) - 1;
  const int64_t want = (kIters + 1) * (kNodes * (kNodes + 1) / 2);
  for (Mode m : {Mode::kInterp, Mode::kOpt, Mode::kOptEvenBaseline, Mode::kOptOddInterp}) {
    CollectorThread collector;
    auto out = jit::opt::test::run(kTrees, m, "run",
                                   {{jit::opt::test::vi(kDepth), jit::opt::test::vi(kIters)}});
    ASSERT_EQ(out.texts.size(), 1u) << jit::opt::test::mode_name(m);
    EXPECT_EQ(out.texts[0].substr(0, out.texts[0].find('\n')),
              fmt::format("returned {:#x}", static_cast<uint64_t>(want)))
        << jit::opt::test::mode_name(m);
    EXPECT_EQ(out.opt_declined, 0u) << out.declined;
    EXPECT_GT(collector.collections(), 0u);
  }
}

}  // namespace
}  // namespace strata::vm::heap_test
