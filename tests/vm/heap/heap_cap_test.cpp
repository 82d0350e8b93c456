// The heap cap with small records, which come from gc_alloc's per-thread cache: a program whose
// garbage far exceeds a small cap runs (Boehm collects at the cap before it gives up), and one
// whose live data exceeds it traps OutOfMemory with rnew's message in every tier. In its own
// binary, in this order: the cap is process-wide and Boehm's heap never shrinks.
#include "tests/jit/opt/opt_support.hpp"
#include "vm/heap.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm::heap_test {
namespace {

using jit::opt::test::Mode;

// 200 lists of 20000 records (about 100 MiB allocated), each dropped for the next; returns the
// sum of the last list's values.
constexpr const char* kChurn = R"(
.struct Node { next: ref, a: i64 }
.func churn() -> i64 export
  .reg %head: ref, %n: ref, %i: i64, %k: i64, %len: i64, %lists: i64, %s: i64, %v: i64
  li %len, 20000
  li %lists, 200
  li %k, 0
list:
  null %head
  li %i, 0
node:
  rnew %n, Node
  rset %n, %head, Node.next
  rset %n, %i, Node.a
  mov %head, %n
  addi %i, %i, 1
  blt %i, %len, node
  addi %k, %k, 1
  blt %k, %lists, list
  li %s, 0
sum:
  bnull %head, done
  rget %v, %head, Node.a
  add %s, %s, %v
  rget %head, %head, Node.next
  j sum
done:
  ret %s
.end
)";

// 8 MiB is half the floor of bytes allocated between collections (vm/heap/heap.cpp).
TEST(HeapCap, GarbageFarBeyondASmallCapIsCollectedInEveryTier) {
  Limits limits;
  limits.heap_cap = 8u << 20;
  for (Mode m : {Mode::kInterp, Mode::kOpt, Mode::kOptEvenBaseline}) {
    auto out = jit::opt::test::run(kChurn, m, "churn", {{}}, limits);
    ASSERT_EQ(out.texts.size(), 1u) << jit::opt::test::mode_name(m);
    EXPECT_EQ(out.texts[0].substr(0, out.texts[0].find('\n')),
              fmt::format("returned {:#x}", 19999u * 20000u / 2))
        << jit::opt::test::mode_name(m);
    EXPECT_LE(GC_get_heap_size(), size_t{8} << 20);
  }
}

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

// Ever longer lists of records and of 3-element ref arrays, both allocated inline by compiled
// code; the hoarders are functions 1 and 2, so opt-even+baseline runs them on the baseline tier
// (and opt-odd+interp runs the record one in LLVM code).
constexpr const char* kInlineHoards = R"(
.struct Node { next: ref, a: i64, b: i64, c: i64 }
.func unused() -> i64
  .reg %z: i64
  li %z, 0
  ret %z
.end
.func records() -> i64 export
  .reg %head: ref, %n: ref
  null %head
loop:
  rnew %n, Node
  rset %n, %head, Node.next
  mov %head, %n
  j loop
.end
.func arrays() -> i64 export
  .reg %head: ref, %n: ref, %len: i64, %zero: i64
  null %head
  li %len, 3
  li %zero, 0
loop:
  anew.r %n, %len
  aset.r %n, %zero, %head
  mov %head, %n
  j loop
.end
)";

TEST(HeapCap, InlineAllocationsTrapOutOfMemoryAtTheCapInEveryTier) {
  Limits limits;
  limits.heap_cap = 40u << 20;
  const std::pair<const char*, const char*> hoards[] = {
      {"records",
       "trapped out of memory: cannot allocate a record of type Node\n"
       "  at t.records pc 1 line 12"},
      {"arrays",
       "trapped out of memory: cannot allocate a ref array of length 3\n"
       "  at t.arrays pc 3 line 23"},
  };
  for (const auto& [fn, trap] : hoards) {
    for (Mode m : {Mode::kInterp, Mode::kOpt, Mode::kOptOddInterp, Mode::kOptEvenBaseline}) {
      auto out = jit::opt::test::run(kInlineHoards, m, fn, {{}}, limits);
      ASSERT_EQ(out.texts.size(), 1u) << jit::opt::test::mode_name(m);
      EXPECT_EQ(out.texts[0].substr(0, out.texts[0].find("\nfuel")), trap)
          << fn << " " << jit::opt::test::mode_name(m);
      EXPECT_LE(GC_get_heap_size(), size_t{40} << 20);
    }
  }
  heap_set_cap(0);
}

}  // namespace
}  // namespace strata::vm::heap_test
