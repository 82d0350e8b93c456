// The GC and the VM together: refs held only in VM registers, records and arrays survive
// collections; garbage is reclaimed (the heap stays bounded); the heap cap traps.
#include "vm/heap/gc.hpp"
#include "tests/vm/vm_test_util.hpp"
#include "vm/heap.hpp"

namespace strata::vm::test {
namespace {

TEST(Gc, LinkedListSurvivesGarbagePressure) {
  auto p = load_sasm(R"(
.struct Node { next: ref, val: i64 }
.func build(%n: i64) -> ref export
  .reg %head: ref, %node: ref, %i: i64, %junk: ref, %k: i64
  null %head
  li %i, 0
  li %k, 16
loop:
  bge %i, %n, done
  rnew %node, Node
  rset %node, %head, Node.next
  rset %node, %i, Node.val
  mov %head, %node
  anew.i %junk, %k        ; garbage between the nodes
  addi %i, %i, 1
  j loop
done:
  ret %head
.end
.func sum(%l: ref) -> i64 export
  .reg %s: i64, %v: i64
  li %s, 0
loop:
  bnull %l, done
  rget %v, %l, Node.val
  add %s, %s, %v
  rget %l, %l, Node.next
  j loop
done:
  ret %s
.end
.func count(%l: ref) -> i64 export
  .reg %s: i64
  li %s, 0
loop:
  bnull %l, done
  addi %s, %s, 1
  rget %l, %l, Node.next
  j loop
done:
  ret %s
.end
.func churn(%n: i64) -> i64 export
  .reg %i: i64, %junk: ref, %k: i64
  li %i, 0
  li %k, 64
loop:
  bge %i, %n, done
  anew.r %junk, %k
  addi %i, %i, 1
  j loop
done:
  ret %i
.end
)");
  ASSERT_TRUE(p);
  const int64_t n = 300000;
  // The list head lives on this C++ stack (scanned) between the calls.
  Value head = call_ok(*p, "build", {vi(n)});
  ASSERT_NE(head.r, nullptr);
  call_ok(*p, "churn", {vi(200000)});
  GC_gcollect();
  EXPECT_EQ(call_ok(*p, "count", {head}).i, n);
  EXPECT_EQ(call_ok(*p, "sum", {head}).i, n * (n - 1) / 2);
}

void nat_collect(NativeContext&, const Value*, Value*) {
  GC_gcollect();
}
const NativeDef kGcNatives[] = {{"test", "collect", "() -> void", nat_collect, "full GC"}};

TEST(Gc, RefsOnlyInVmRegistersSurviveFullCollections) {
  // Each node and its byte array are reachable only from VM registers while a native forces
  // a full collection; afterwards every node and array must still hold its own values.
  LoadOptions o;
  o.natives = kGcNatives;
  auto p = load_sasm(R"(
.import "test" collect()
.struct Node { next: ref, val: i64, bytes: ref }
.func keep(%n: ref) -> ref
  callh collect()
  ret %n
.end
.func run(%count: i64) -> i64 export
  .reg %head: ref, %node: ref, %i: i64, %bad: i64, %v: i64, %b: ref, %k: i64, %w: i64
  null %head
  li %i, 0
  li %k, 0
loop:
  bge %i, %count, walk
  rnew %node, Node
  rset %node, %head, Node.next
  rset %node, %i, Node.val
  li %v, 8
  anew.b %b, %v
  aset.b %b, %k, %i
  rset %node, %b, Node.bytes
  null %b
  call %head, keep(%node)
  null %node
  addi %i, %i, 1
  j loop
walk:
  li %bad, 0
  addi %i, %count, -1
again:
  bnull %head, done
  rget %v, %head, Node.val
  beq %v, %i, ok1
  addi %bad, %bad, 1
ok1:
  rget %b, %head, Node.bytes
  aget.b %v, %b, %k
  andi %w, %i, 255
  beq %v, %w, ok2
  addi %bad, %bad, 1
ok2:
  addi %i, %i, -1
  rget %head, %head, Node.next
  j again
done:
  add %bad, %bad, %i
  addi %bad, %bad, 1        ; %i ends at -1 when all nodes were seen
  ret %bad
.end
)",
                     std::move(o));
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "run", {vi(300)}).i, 0);
}

// Last in this binary: the cap is process-wide and Boehm's heap does not shrink afterwards.
TEST(Gc, HeapCapTrapsWithOutOfMemory) {
  LoadOptions o;
  o.limits.heap_cap = 256u << 20;
  auto p = load_lib(sasm(R"(
.func hoard() -> i64 export
  .reg %all: ref, %i: i64, %n: i64, %a: ref, %k: i64
  li %n, 1000000
  anew.r %all, %n
  li %i, 0
  li %k, 100000
loop:
  anew.i %a, %k
  aset.r %all, %i, %a
  addi %i, %i, 1
  j loop
.end
)",
                         "hoard.sasm"),
                    o);
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "hoard");
  EXPECT_EQ(t.kind, TrapKind::OutOfMemory);
  EXPECT_EQ(t.trace.at(0).pc, 4u);
  heap_set_cap(0);
}

}  // namespace
}  // namespace strata::vm::test
