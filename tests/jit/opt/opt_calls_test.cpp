// The optimizing tier's call protocols against the interpreter: a function that calls itself is
// an internal body called by value (jit/opt/self_call.cpp), every other call goes through the
// callee's code slot. Same results, traps (full trace), limits and fuel; a self-call follows the
// slot once it holds other code; a host stack too small for a recursion traps, never faults.
#include <pthread.h>

#include <string>

#include "tests/jit/opt/opt_support.hpp"

namespace strata::jit::opt::test {
namespace {

std::string first(const std::vector<std::string>& v) {
  return v.empty() ? std::string() : v[0];
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// Eight parameters of every type (more than fit in host registers), refs among the locals, an
// f64 and a ref result: the values a self-call passes and returns in registers.
constexpr const char* kSelfCallsOfEveryType = R"(
.struct Box { v: i64 }
.func mix(%d: i64, %x: f64, %s: ref, %a: i64, %y: f64, %t: ref, %b: i64, %z: f64) -> i64 export
  .reg %r: i64, %m: i64, %k: ref, %w: f64, %n: i64, %bx: ref
  bnz %d, deeper
  slen %r, %s
  slen %n, %t
  mul %n, %n, %b
  add %r, %r, %n
  add %r, %r, %a
  fadd %w, %x, %y
  fmul %w, %w, %z
  f2i %n, %w
  add %r, %r, %n
  ret %r
deeper:
  addi %m, %d, -1
  rnew %bx, Box
  rset %bx, %d, Box.v
  ldk %k, "abc"
  addi %a, %a, 3
  fadd %x, %x, %y
  fneg %z, %z
  call %r, mix(%m, %x, %t, %a, %y, %k, %d, %z)
  rget %n, %bx, Box.v
  muli %r, %r, 3
  add %r, %r, %n
  ret %r
.end
.func sum(%n: i64, %acc: f64) -> f64 export
  .reg %m: i64, %one: f64
  bz %n, done
  addi %m, %n, -1
  lf %one, 0.5
  fadd %acc, %acc, %one
  call %acc, sum(%m, %acc)
done:
  ret %acc
.end
.func chain(%n: i64, %tail: ref) -> ref export
  .reg %m: i64, %a: ref, %zero: i64, %one: i64
  bz %n, done
  addi %m, %n, -1
  li %zero, 0
  li %one, 1
  anew.r %a, %one
  aset.r %a, %zero, %tail
  call %tail, chain(%m, %a)
done:
  ret %tail
.end
.func chain_len(%n: i64) -> i64 export
  .reg %r: ref, %len: i64, %zero: i64, %nothing: ref
  li %zero, 0
  call %r, chain(%n, %nothing)
  li %len, 0
walk:
  bnull %r, out
  addi %len, %len, 1
  aget.r %r, %r, %zero
  jmp walk
out:
  ret %len
.end
)";

TEST(OptCalls, SelfCallsPassAndReturnValuesOfEveryType) {
  const char* src = kSelfCallsOfEveryType;
  std::vector<std::vector<Value>> calls;
  for (int64_t d : {0, 1, 2, 7, 40}) {
    Value s = Value::from_r(nullptr);
    calls.push_back({vi(d), vf(1.5), s, vi(-4), vf(0.25), s, vi(9), vf(-2.0)});
  }
  // A null string traps at depth 0 (slen): the trace has every frame of the recursion.
  const std::vector<std::string> r = same(src, "mix", calls);
  ASSERT_EQ(r.size(), calls.size());
  EXPECT_TRUE(contains(r[0], "trapped")) << r[0];
  EXPECT_TRUE(contains(r[1], "trapped")) << r[1];
  EXPECT_TRUE(contains(r[2], "returned")) << r[2];  // the "abc" the callers pass
  EXPECT_TRUE(contains(first(same(src, "sum", {{vi(1000), vf(0.0)}})), "returned 0x407f4"));
  EXPECT_TRUE(contains(first(same(src, "chain_len", {{vi(3000)}})), "returned 0xbb8"));
}

constexpr const char* kMutualRecursion = R"(
.func even(%n: i64, %x: f64) -> i64 export
  .reg %m: i64, %r: i64
  bz %n, yes
  addi %m, %n, -1
  call %r, odd(%m, %x)
  ret %r
yes:
  li %r, 1
  ret %r
.end
.func odd(%n: i64, %x: f64) -> i64
  .reg %m: i64, %r: i64
  bz %n, no
  addi %m, %n, -1
  call %r, even(%m, %x)
  ret %r
no:
  li %r, 0
  ret %r
.end
)";

TEST(OptCalls, MutualRecursionCallsThroughTheSlots) {
  const std::vector<std::string> r =
      same(kMutualRecursion, "even", {{vi(0), vf(1)}, {vi(7), vf(1)}, {vi(5000), vf(1)}});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(contains(r[1], "returned 0x0")) << r[1];
  EXPECT_TRUE(contains(r[2], "returned 0x1")) << r[2];
}

// One unit per self-call, the out-of-fuel trap at the same call (pc and trace), in the middle of
// slices and at their ends.
TEST(OptCalls, FuelRunsOutAtTheSameSelfCall) {
  for (uint64_t fuel : {1, 2, 3, 100, 4180, 4181, 65536, 65537, 90000}) {
    vm::Limits l;
    l.fuel = fuel;
    const std::string t = first(same(kFib, "fib", {{vi(24)}}, l));
    EXPECT_TRUE(contains(t, "out of fuel")) << fuel << ": " << t;
  }
  EXPECT_TRUE(contains(first(same(kFib, "fib", {{vi(24)}})), "returned 0xb520"));
}

// A body keeps the fuel counter in a register: every place that reads or charges it — back-edges
// and their refuel, host calls, allocations, calls of other functions (compiled and not),
// traps — must see the same count as the interpreter. Swept over limits that run out at each.
constexpr const char* kFuelThroughABody = R"(
.import "std.io" println_i64(i64)
.func walk(%n: i64, %k: i64) -> i64 export
  .reg %i: i64, %m: i64, %r: i64, %a: ref, %acc: i64
  li %acc, 0
  bz %n, done
  li %i, 0
loop:
  add %acc, %acc, %i
  addi %i, %i, 1
  blt %i, %k, loop
  anew.i %a, %k
  callh println_i64(%acc)
  call %r, other(%acc)
  add %acc, %acc, %r
  addi %m, %n, -1
  call %r, walk(%m, %k)
  add %acc, %acc, %r
  call %r, walk(%m, %m)
  add %acc, %acc, %r
done:
  ret %acc
.end
.func other(%x: i64) -> i64
  .reg %i: i64
  li %i, 3
again:
  addi %x, %x, 1
  addi %i, %i, -1
  bnz %i, again
  ret %x
.end
)";

TEST(OptCalls, FuelInABodyIsChargedAsTheInterpreterCharges) {
  const std::vector<Mode> modes = {Mode::kOpt, Mode::kOptOddInterp, Mode::kOptEvenBaseline};
  const std::string full = first(same(kFuelThroughABody, "walk", {{vi(6), vi(5)}}));
  ASSERT_TRUE(contains(full, "returned")) << full;
  const size_t at = full.find("\nfuel ");
  ASSERT_NE(at, std::string::npos) << full;
  const uint64_t used = std::stoull(full.substr(at + 6));
  ASSERT_GT(used, 300u);
  for (uint64_t fuel :
       {uint64_t{1},  uint64_t{2},  uint64_t{5},  uint64_t{6},   uint64_t{7},   uint64_t{8},
        uint64_t{9},  uint64_t{10}, uint64_t{11}, uint64_t{12},  uint64_t{13},  uint64_t{20},
        uint64_t{33}, uint64_t{50}, uint64_t{77}, uint64_t{100}, uint64_t{150}, uint64_t{222},
        used / 2,     used - 2,     used - 1,     used,          used + 1}) {
    vm::Limits l;
    l.fuel = fuel;
    const std::string t = first(same(kFuelThroughABody, "walk", {{vi(6), vi(5)}}, l, modes));
    EXPECT_EQ(contains(t, "out of fuel"), fuel < used) << fuel << ": " << t;
  }
}

// A function with many registers (refs among them) recursing until a limit stops it: the frame
// array (max_call_depth), then the VM stack (2^24 registers), with the interpreter's messages.
std::string wide_recursion(int nregs) {
  std::string regs;
  for (int k = 0; k < nregs; ++k)
    regs += fmt::format("{}%v{}: {}", k == 0 ? "" : ", ", k, k % 3 == 0 ? "ref" : "i64");
  return fmt::format(R"(
.func down(%n: i64, %keep: ref) -> i64 export
  .reg %m: i64, {}
  bz %n, zero
  bnull %v0, fresh
  trap 9
fresh:
  addi %m, %n, -1
  call %m, down(%m, %keep)
  addi %m, %m, 1
  ret %m
zero:
  ret %n
.end
)",
                     regs);
}

TEST(OptCalls, SelfRecursionStopsAtTheInterpretersLimits) {
  const std::string src = wide_recursion(1000);
  const Value none = Value::from_r(nullptr);
  EXPECT_TRUE(contains(first(same(src, "down", {{vi(3000), none}})), "returned 0xbb8"));
  vm::Limits l;
  l.max_call_depth = 700;
  EXPECT_TRUE(contains(first(same(src, "down", {{vi(1000), none}}, l)),
                       "call depth limit of 700 frames reached"));
  EXPECT_TRUE(contains(first(same(src, "down", {{vi(90000), none}})),
                       "VM stack limit of 16777216 registers reached"));
}

// Runs `fn` on a thread whose host stack is `stack_bytes`.
void on_small_stack(size_t stack_bytes, void (*fn)()) {
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, stack_bytes), 0);
  pthread_t t;
  auto trampoline = [](void* f) -> void* {
    reinterpret_cast<void (*)()>(f)();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, trampoline, reinterpret_cast<void*>(fn)), 0);
  pthread_join(t, nullptr);
  pthread_attr_destroy(&attr);
}

// Compiled self-calls nest on the host stack: on a small one, a recursion the interpreter runs
// to the end stops with the compiled code's StackOverflow trap instead of faulting.
TEST(OptCalls, SelfRecursionOnASmallHostStackTraps) {
  on_small_stack(1024 * 1024, [] {
    const char* src = R"(
.func down(%n: i64) -> i64 export
  .reg %m: i64
  bz %n, zero
  addi %m, %n, -1
  call %m, down(%m)
  addi %m, %m, 1
  ret %m
zero:
  ret %n
.end
)";
    RunOutcome in = run(src, Mode::kInterp, "down", {{vi(90000)}});
    RunOutcome op = run(src, Mode::kOpt, "down", {{vi(90000)}});
    ASSERT_EQ(in.texts.size(), 1u);
    ASSERT_EQ(op.texts.size(), 1u);
    EXPECT_TRUE(contains(in.texts[0], "returned 0x15f90")) << in.texts[0];
    EXPECT_TRUE(contains(op.texts[0], "host stack exhausted by compiled code at depth"))
        << op.texts[0];
  });
}

// The tier-up hook, called when `w` is first counted: moves `f` to the baseline tier (the
// running opt activations of `f` stay) and counts the calls of `f` made through rt::call.
struct Retier {
  baseline::BaselineJit* jit = nullptr;
  vm::FuncInfo* f = nullptr;
  vm::FuncInfo* w = nullptr;
  int flips = 0;

  static bool promote(void* self, vm::FuncInfo& fn) {
    auto* r = static_cast<Retier*>(self);
    if (&fn != r->w) return fn.jit_entry != nullptr;  // f stays compiled, and counted
    ++r->flips;
    if (!r->jit->compile(*r->f)) return false;
    r->f->call_code = &vm::kCountCallWord;
    r->f->hot_count = 0;
    return false;  // w stays interpreted
  }
};

// A self-call follows the code slot: once it holds other code, the opt activations still on the
// stack call that code (through rt::call, which counts the call) instead of their own body.
TEST(OptCalls, SelfCallFollowsTheSlotAfterReTiering) {
  const char* src = R"(
.func f(%n: i64, %flip: i64) -> i64 export
  .reg %m: i64, %r: i64
  bz %n, zero
  bne %n, %flip, go
  call %r, w()
go:
  addi %m, %n, -1
  call %m, f(%m, %flip)
  addi %m, %m, 1
  ret %m
zero:
  ret %n
.end
.func w() -> i64
  .reg %r: i64
  li %r, 0
  ret %r
.end
)";
  int fd = memfd_create("opt_calls_out", MFD_CLOEXEC);
  std::unique_ptr<vm::Program> p = testing::load_test_program(src, "f", {}, fd);
  ASSERT_NE(p, nullptr);
  auto cache = CodeCache::create({});
  ASSERT_TRUE(cache.has_value());
  baseline::BaselineJit base_jit(**cache);
  auto tier = OptTier::load();
  ASSERT_TRUE(tier.has_value()) << tier.error().message;
  vm::Instance& inst = p->main_instance();
  Retier r{&base_jit, &inst.funcs[0], &inst.funcs[1]};
  ASSERT_EQ(r.f->name, "f");
  ASSERT_TRUE((*tier)->compile(*r.f));
  const vm::JitEntry opt_entry = r.f->jit_entry;
  vm::TierUp t;
  t.promote = &Retier::promote;
  t.ctx = &r;
  t.threshold = 1;
  p->set_tier_up(t);

  vm::RunResult res;
  bool has_result = false;
  ASSERT_TRUE(
      testing::run_test_program(*p, "f", std::vector<Value>{vi(10), vi(4)}, &res, &has_result));
  EXPECT_EQ(describe(res, has_result), "returned 0xa");
  EXPECT_EQ(r.flips, 1);
  EXPECT_NE(r.f->jit_entry, opt_entry);
  // Only the opt activation that flipped the slot calls f afterwards (f(3), entering the
  // baseline code, whose own self-calls take the baseline fast path).
  EXPECT_EQ(r.f->hot_count, 1u);
  ::close(fd);
}

// A void indirect call writes no register: the caller's register 0 keeps its value.
TEST(OptCalls, VoidIndirectCallKeepsTheCallersRegisters) {
  const char* src = R"(
.func g()
  retv
.end
.func h() -> i64 export
  .reg %x: i64, %f: ref
  li %x, 5
  fnref %f, g
  calli %f : () -> void ()
  ret %x
.end
)";
  EXPECT_TRUE(contains(first(same(src, "h")), "returned 0x5"));
}

}  // namespace
}  // namespace strata::jit::opt::test
