// The heap cap with small records, which come from gc_alloc's per-thread cache: every tier traps
// OutOfMemory with rnew's message at the same place. In its own binary: the cap is process-wide
// and Boehm's heap never shrinks.
#include "tests/jit/opt/opt_support.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm::heap_test {
namespace {

using jit::opt::test::Mode;

// An ever longer list of 4-field records (no garbage: the heap only grows).
constexpr const char* kHoard = R"(
.struct Node { next: ref, a: i64, b: i64, c: i64 }
.func hoard() -> i64 export
  .reg %head: ref, %n: ref, %i: i64
  null %head
  li %i, 0
loop:
  rnew %n, Node
  rset %n, %head, Node.next
  rset %n, %i, Node.a
  mov %head, %n
  addi %i, %i, 1
  j loop
.end
)";

TEST(HeapCap, SmallRecordsTrapOutOfMemoryAtTheCapInEveryTier) {
  Limits limits;
  limits.heap_cap = 48u << 20;
  for (Mode m : {Mode::kInterp, Mode::kOpt, Mode::kOptEvenBaseline}) {
    auto out = jit::opt::test::run(kHoard, m, "hoard", {{}}, limits);
    ASSERT_EQ(out.texts.size(), 1u) << jit::opt::test::mode_name(m);
    EXPECT_EQ(out.texts[0].substr(0, out.texts[0].find("\nfuel")),
              "trapped out of memory: cannot allocate a record of type Node\n"
              "  at t.hoard pc 2 line 8")
        << jit::opt::test::mode_name(m);
    EXPECT_LE(GC_get_heap_size(), size_t{48} << 20);
  }
  heap_set_cap(0);
}

}  // namespace
}  // namespace strata::vm::heap_test
