// Bounds-check hoisting in the optimizing tier (docs/JIT.md, "Bounds checks in loops"): a loop
// over linear memory whose address steps by 1 with its counter runs its main iterations without
// checks (counted in the optimized code by OptResult::loop_memory_checks), and every tier still
// traps at the same instruction, in the same iteration, with the same memory, fuel and output:
// at the first, a middle and the last iteration, at negative addresses, under fuel limits, and
// with the memory growing inside the loop (mgrow, or a callee's mgrow); and every loop shape
// IRCE handles differently, swept over the memory's edges.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/jit/opt/opt_support.hpp"

namespace strata::jit::opt::test {
namespace {

// walk(which, a, b) runs one of the loops and returns its result, so that one call sequence
// can trap in a loop and then read the memory back (checksum) in the same instance.
constexpr const char* kLoops = R"(
.memory 65536 max 262144

; Sums the bytes at [i + 100] for i in [start, end) and stores each running sum at [i]: two
; accesses whose addresses step by 1 with the loop's counter.
.func sum_bytes(%start: i64, %end: i64) -> i64
  .reg %i: i64, %s: i64, %t: i64
  mov %i, %start
  li %s, 0
  bge %i, %end, done
loop:
  ld.u8 %t, %i, 100
  add %s, %s, %t
  st.i8 %i, %s, 0
  addi %i, %i, 1
  blt %i, %end, loop
done:
  ret %s
.end

; The whole memory, 8 bytes at a time (an address stepping by 8).
.func checksum() -> i64
  .reg %p: i64, %end: i64, %h: i64, %t: i64
  li %p, 0
  li %h, 0
  msize %end
loop:
  ld.i64 %t, %p, 0
  muli %h, %h, 31
  xor %h, %h, %t
  addi %p, %p, 8
  blt %p, %end, loop
  ret %h
.end

; Writes [i] for i in [0, n), growing the memory by one page whenever i reaches its end (past
; the 256 KiB cap mgrow fails and the store traps).
.func grow_walk(%n: i64) -> i64
  .reg %i: i64, %s: i64, %t: i64, %size: i64, %one: i64, %old: i64
  li %i, 0
  li %s, 0
  li %one, 1
loop:
  msize %size
  blt %i, %size, access
  mgrow %old, %one
access:
  st.i8 %i, %i, 0
  ld.u8 %t, %i, 0
  add %s, %s, %t
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end

; Grows the memory by a page when addr is past its end.
.func grow_to(%addr: i64) -> i64
  .reg %size: i64, %one: i64, %old: i64
  msize %size
  li %old, 0
  blt %addr, %size, done
  li %one, 1
  mgrow %old, %one
done:
  ret %old
.end

; grow_walk with the growing in a callee: the loop itself has no mgrow.
.func call_grow_walk(%n: i64) -> i64
  .reg %i: i64, %s: i64, %t: i64, %old: i64
  li %i, 0
  li %s, 0
loop:
  call %old, grow_to(%i)
  st.i8 %i, %i, 0
  ld.u8 %t, %i, 0
  add %s, %s, %t
  addi %i, %i, 1
  blt %i, %n, loop
  ret %s
.end

.func walk(%which: i64, %a: i64, %b: i64) -> i64 export
  .reg %r: i64, %k: i64
  li %k, 0
  bne %which, %k, not_sum
  call %r, sum_bytes(%a, %b)
  ret %r
not_sum:
  li %k, 1
  bne %which, %k, not_checksum
  call %r, checksum()
  ret %r
not_checksum:
  li %k, 2
  bne %which, %k, not_grow
  call %r, grow_walk(%a)
  ret %r
not_grow:
  call %r, call_grow_walk(%a)
  ret %r
.end
)";

enum Walk : int64_t { kSum = 0, kChecksum = 1, kGrow = 2, kCallGrow = 3 };

std::vector<Value> sum(int64_t start, int64_t end) {
  return {vi(kSum), vi(start), vi(end)};
}
std::vector<Value> checksum() {
  return {vi(kChecksum), vi(0), vi(0)};
}

// The memory checks each function's optimized code keeps inside its loops.
std::map<std::string, uint64_t> loop_checks_per_function() {
  std::map<std::string, uint64_t> out;
  auto m = as::assemble(kLoops, "t.sasm");
  if (!m) {
    ADD_FAILURE() << m.error().message;
    return out;
  }
  vm::LoadOptions o;
  o.natives = stdlib::natives();
  auto p = vm::Program::load_library(std::move(*m), std::move(o));
  if (!p) {
    ADD_FAILURE() << p.error().message;
    return out;
  }
  auto tier = OptTier::load();
  if (!tier) {
    ADD_FAILURE() << tier.error().message;
    return out;
  }
  for (const auto& inst : (*p)->instances())
    for (vm::FuncInfo& f : inst->funcs) {
      EXPECT_TRUE((*tier)->compile(f)) << f.name;
      out[f.name] = (*tier)->stats().last_loop_memory_checks;
    }
  return out;
}

TEST(OptBounds, UnitStepLoopOverMemoryRunsWithoutChecks) {
  std::map<std::string, uint64_t> checks = loop_checks_per_function();
  // Both accesses of sum_bytes step with its counter: its main loop checks nothing.
  EXPECT_EQ(checks["sum_bytes"], 0u);
  // An address stepping by 8 up to the memory's size: IRCE must prove that the bound plus the
  // step cannot overflow, which the size's known range (OptRequest::memory_floor up to the cap)
  // gives it.
  EXPECT_EQ(checks["checksum"], 0u);
  // A loop that grows the memory, itself or through a call, re-reads the size: checked (and the
  // census sees the checks that are there).
  EXPECT_GE(checks["grow_walk"], 1u);
  EXPECT_GE(checks["call_grow_walk"], 1u);
}

// The pre/main/post split keeps the interpreter's trap: kind, message (the address), function,
// pc and line, in the same iteration, with the same bytes stored before it.
TEST(OptBounds, OutOfBoundsInTheNthIterationTrapsAsInTheInterpreter) {
  const int64_t last_ok = 65536 - 101;  // the last i whose [i + 100] is in bounds
  std::vector<std::vector<Value>> calls;
  for (auto [start, end] : std::vector<std::pair<int64_t, int64_t>>{
           {0, 1000},                    // in bounds throughout
           {0, last_ok + 1},             // up to the last byte
           {last_ok - 10, last_ok + 6},  // the 12th iteration traps
           {last_ok, last_ok + 2},       // the 2nd
           {last_ok + 1, last_ok + 50},  // the 1st
           {last_ok - 5000, 70000},      // a middle one, the loop running on past the end
           {-3, 10},                     // a negative address, at once
           {-1, 0},
           {65536, 65536},  // no iteration
       }) {
    calls.push_back(sum(start, end));
    calls.push_back(checksum());
  }
  same(kLoops, "walk", calls);
}

// Fuel running out in the main loop and in the checked post-loop: the same branch, the same
// iteration, the same bytes stored.
TEST(OptBounds, FuelRunsOutInTheSameIteration) {
  for (uint64_t fuel : {1u, 2u, 3u, 700u, 65436u, 65440u, 70000u}) {
    vm::Limits limits;
    limits.fuel = fuel;
    same(kLoops, "walk", {sum(0, 65536), checksum()}, limits);
  }
}

TEST(OptBounds, MgrowInsideTheLoopExtendsTheCheckedRange) {
  same(kLoops, "walk",
       {{vi(kGrow), vi(65536 * 3 + 5), vi(0)},
        checksum(),
        // past the cap: mgrow returns -1, the store at 262144 traps
        {vi(kGrow), vi(262144 + 10), vi(0)},
        checksum()});
}

TEST(OptBounds, ACallThatGrowsTheMemoryInsideTheLoop) {
  same(kLoops, "walk",
       {{vi(kCallGrow), vi(65536 * 2 + 7), vi(0)},
        checksum(),
        {vi(kCallGrow), vi(262144 + 3), vi(0)},
        checksum()});
}

// The loop shapes IRCE treats differently (signed, unsigned and equality latches; increasing
// and decreasing counters; an address register derived from the counter; widths 1 to 8; a
// nested loop), each over [start, end) with the memory's last bytes, negative and far addresses,
// empty and single-iteration ranges: every tier must agree, trap included.
constexpr const char* kShapes = R"(
.memory 65536

.func slt_u8(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64
  mov %i, %start
  li %s, 0
  bge %i, %end, done
loop:
  ld.u8 %t, %i, 9
  add %s, %s, %t
  st.i8 %i, %s, 0
  addi %i, %i, 1
  blt %i, %end, loop
done:
  ret %s
.end

.func ult_i32(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64
  mov %i, %start
  li %s, 0
  bgeu %i, %end, done
loop:
  ld.i32 %t, %i, 3
  add %s, %s, %t
  st.i32 %i, %s, 0
  addi %i, %i, 1
  bltu %i, %end, loop
done:
  ret %s
.end

.func ne_i16(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64
  mov %i, %start
  li %s, 0
  bge %i, %end, done
loop:
  st.i16 %i, %i, 7
  ld.u16 %t, %i, 6
  add %s, %s, %t
  addi %i, %i, 1
  bne %i, %end, loop
done:
  ret %s
.end

; From end - 1 down to start.
.func down_i64(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64
  addi %i, %end, -1
  li %s, 0
  blt %i, %start, done
loop:
  ld.i64 %t, %i, 0
  xor %s, %s, %t
  st.i64 %i, %s, 1
  addi %i, %i, -1
  bge %i, %start, loop
done:
  ret %s
.end

; The address is a register derived from the counter, not the counter itself.
.func derived_f64(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %p: i64, %s: f64, %t: f64, %r: i64
  mov %i, %start
  lf %s, 0.5
  bge %i, %end, done
loop:
  addi %p, %i, 40
  ld.f64 %t, %p, 0
  fadd %s, %s, %t
  st.f64 %i, %s, 0
  addi %i, %i, 1
  blt %i, %end, loop
done:
  fbits %r, %s
  ret %r
.end

; 8 bytes at a time from start up to a constant bound (end unused): a step of 8 is taken when
; the bound plus the step provably cannot overflow.
.func const_end_i64(%start: i64, %end: i64) -> i64 export
  .reg %p: i64, %s: i64, %t: i64, %last: i64
  mov %p, %start
  li %s, 0
  li %last, 65528
  bge %p, %last, done
loop:
  ld.i64 %t, %p, 0
  add %s, %s, %t
  st.i64 %p, %s, 8
  addi %p, %p, 8
  blt %p, %last, loop
done:
  ret %s
.end

; nbody's shape: records of 56 bytes at constant addresses 0..224, fields at offsets 0..48 (start
; and end unused). The addresses stay below the memory's size when the code was compiled, which
; it never drops below: no check is left.
.func records_f64(%start: i64, %end: i64) -> i64 export
  .reg %p: i64, %last: i64, %s: f64, %t: f64, %r: i64
  li %p, 0
  li %last, 280
  lf %s, 0.25
loop:
  ld.f64 %t, %p, 0
  fadd %s, %s, %t
  ld.f64 %t, %p, 48
  fadd %s, %s, %t
  st.f64 %p, %s, 24
  addi %p, %p, 56
  blt %p, %last, loop
  fbits %r, %s
  ret %r
.end

; An inner unit-step loop over [start, end) run 3 times by an outer one.
.func nested_u8(%start: i64, %end: i64) -> i64 export
  .reg %i: i64, %k: i64, %n: i64, %s: i64, %t: i64
  li %k, 0
  li %n, 3
  li %s, 0
outer:
  mov %i, %start
  bge %i, %end, next
inner:
  ld.u8 %t, %i, 0
  add %s, %s, %t
  addi %t, %s, 1
  st.i8 %i, %t, 1
  addi %i, %i, 1
  blt %i, %end, inner
next:
  addi %k, %k, 1
  blt %k, %n, outer
  ret %s
.end
)";

TEST(OptBounds, EveryLoopShapeAgreesWithTheInterpreterAtTheEdges) {
  const std::vector<int64_t> starts = {-70, -1, 0, 1, 65000, 65520, 65527, 65528, 65535, 65536};
  const std::vector<int64_t> ends = {-5, 0, 2, 40, 65530, 65533, 65535, 65536, 65600, 70000};
  std::vector<std::vector<Value>> calls;
  for (int64_t start : starts)
    for (int64_t end : ends)
      if (end - start <= 70000) calls.push_back({vi(start), vi(end)});
  for (const char* fn :
       {"slt_u8", "ult_i32", "ne_i16", "down_i64", "derived_f64", "const_end_i64", "nested_u8"}) {
    SCOPED_TRACE(fn);
    same(kShapes, fn, calls);
  }
}

// Unit-step shapes with an ordered latch lose their checks in the main loop, the derived address
// too (it steps with the counter). The census of each, so that a change in what LLVM proves is
// seen.
TEST(OptBounds, WhichShapesRunWithoutChecks) {
  auto m = as::assemble(kShapes, "t.sasm");
  ASSERT_TRUE(m.has_value()) << m.error().message;
  vm::LoadOptions o;
  o.natives = stdlib::natives();
  auto p = vm::Program::load_library(std::move(*m), std::move(o));
  ASSERT_TRUE(p.has_value()) << p.error().message;
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  std::map<std::string, uint64_t> checks;
  for (const auto& inst : (*p)->instances())
    for (vm::FuncInfo& f : inst->funcs) {
      EXPECT_TRUE((*tier)->compile(f)) << f.name;
      checks[f.name] = (*tier)->stats().last_loop_memory_checks;
    }
  EXPECT_EQ(checks["slt_u8"], 0u);
  EXPECT_EQ(checks["ult_i32"], 0u);
  EXPECT_EQ(checks["derived_f64"], 0u);
  EXPECT_EQ(checks["const_end_i64"], 0u);
  EXPECT_EQ(checks["records_f64"], 0u);
  // Known limits of LLVM 19's IRCE, kept as a ratchet (an improvement fails here too: then
  // lower the number). An equality latch needs a counter that cannot wrap (SVI's addi wraps):
  // one of its checks stays; the decreasing loop and the nested one's store keep theirs.
  EXPECT_EQ(checks["ne_i16"], 1u);
  EXPECT_EQ(checks["down_i64"], 2u);
  EXPECT_EQ(checks["nested_u8"], 1u);
}

// A memory that starts empty (no floor to assume) and grows inside the loop, up to its cap.
TEST(OptBounds, AMemoryGrowingFromNothing) {
  const char* src = R"(
.memory 0 max 131072
.func fill(%n: i64) -> i64 export
  .reg %i: i64, %s: i64, %t: i64, %size: i64, %one: i64, %old: i64
  li %i, 0
  li %s, 0
  li %one, 1
  bge %i, %n, done
loop:
  msize %size
  blt %i, %size, access
  mgrow %old, %one
access:
  st.i8 %i, %i, 0
  ld.u8 %t, %i, 0
  add %s, %s, %t
  addi %i, %i, 1
  blt %i, %n, loop
done:
  ret %s
.end
)";
  same(src, "fill", {{vi(0)}, {vi(1)}, {vi(65537)}, {vi(131072)}, {vi(131073)}}, {}, {Mode::kOpt});
}

}  // namespace
}  // namespace strata::jit::opt::test
