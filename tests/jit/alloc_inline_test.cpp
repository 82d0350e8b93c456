// rnew's inline fast path in both compiled tiers (jit/baseline/emit_object.cpp,
// jit/opt/translate_alloc.cpp): the compiled function is entered directly with an ExecState
// whose alloc_cache is a cache built here, so the test sees which object the code took, that
// it unlinked it and wrote the header exactly, and that an empty class (or a record too big
// for the cache) goes to the helper, which refreshes alloc_cache to the thread's own cache.
// Programs run through the usual harness check the objects' contents across collections.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_loader.hpp"
#include "tests/jit/opt/opt_support.hpp"
#include "tests/jit/tier_harness.hpp"
#include "tests/vm/heap/collector_thread.hpp"
#include "vm/heap.hpp"
#include "vm/heap/alloc_cache.hpp"
#include "vm/heap/gc.hpp"

namespace strata::jit::alloc_test {
namespace {

using opt::test::Mode;

// mk: a T (3 fields: 40 bytes, class 3); big: a Big (31 fields: 264 bytes, never cached);
// refs: a ref array of length %n (a 32-byte header, class 2, and a body of max(n, 4) elements).
constexpr const char* kMakers = R"(
.struct T { a: ref, b: i64, c: f64 }
.struct Big { f0: i64, f1: i64, f2: i64, f3: i64, f4: i64, f5: i64, f6: i64, f7: i64, f8: i64,
  f9: i64, f10: i64, f11: i64, f12: i64, f13: i64, f14: i64, f15: i64, f16: i64, f17: i64,
  f18: i64, f19: i64, f20: i64, f21: i64, f22: i64, f23: i64, f24: i64, f25: i64, f26: i64,
  f27: i64, f28: i64, f29: i64, f30: i64 }
.func mk() -> ref export
  .reg %r: ref
  rnew %r, T
  ret %r
.end
.func big() -> ref export
  .reg %r: ref
  rnew %r, Big
  ret %r
.end
.func refs(%n: i64) -> ref export
  .reg %r: ref
  anew.r %r, %n
  ret %r
.end
)";

enum class Tier { kBaseline, kOpt };

const char* tier_name(Tier t) {
  return t == Tier::kBaseline ? "baseline" : "opt";
}

// The program with both functions compiled by `tier`, and a state to enter them on.
class Rig {
 public:
  explicit Rig(Tier tier) {
    vm::heap_init();
    fd_ = memfd_create("alloc_inline_out", MFD_CLOEXEC);
    program_ = testing::load_test_program(kMakers, "mk", {}, fd_);
    if (!program_) return;
    auto cache = CodeCache::create({});
    EXPECT_TRUE(cache.has_value());
    code_ = std::move(*cache);
    base_ = std::make_unique<baseline::BaselineJit>(*code_);
    if (tier == Tier::kOpt) {
      auto t = opt::OptTier::load();
      if (!t) {
        ADD_FAILURE() << t.error().message;
        return;
      }
      opt_ = std::move(*t);
    }
    for (vm::FuncInfo& f : program_->main_instance().funcs) {
      const bool ok = tier == Tier::kOpt ? opt_->compile(f) : base_->compile(f);
      EXPECT_TRUE(ok) << f.name;
    }
    st_ = std::make_unique<vm::ExecState>(vm::Limits{});
    st_->host_stack_limit = vm::host_stack_floor();
    st_->fuel_left = vm::ExecState::kFuelSlice;
  }
  ~Rig() { ::close(fd_); }

  bool ready() const { return st_ != nullptr; }
  vm::ExecState& st() { return *st_; }
  const vm::Instance& inst() { return program_->main_instance(); }

  // Runs function `index` (with `arg` as its first register) on its own frame.
  vm::ExecStatus run(uint32_t index, int64_t arg = 0) {
    const vm::FuncInfo& fn = program_->main_instance().funcs[index];
    vm::Frame* fp = st_->frames;
    for (uint32_t i = 0; i < fn.nregs; ++i) st_->stack[i].bits = 0;
    st_->stack[0].i = arg;
    *fp = {&fn, st_->stack, fn.code};
    return static_cast<vm::ExecStatus>(fn.jit_entry(st_.get(), st_->stack, fp));
  }
  // The returned object, or null after a failure.
  template <typename T = vm::Record>
  T* call(uint32_t index, int64_t arg = 0) {
    const vm::ExecStatus s = run(index, arg);
    EXPECT_EQ(s, vm::ExecStatus::Returned) << st_->jit_trap.message;
    if (s != vm::ExecStatus::Returned) return nullptr;
    return static_cast<T*>(st_->jit_retval.r);
  }

 private:
  int fd_ = -1;
  std::unique_ptr<vm::Program> program_;
  std::unique_ptr<CodeCache> code_;  // before the tiers, which emit into it
  std::unique_ptr<baseline::BaselineJit> base_;
  std::unique_ptr<opt::OptTier> opt_;
  std::unique_ptr<vm::ExecState> st_;
};

void expect_fresh_t(const vm::Record* r, const vm::Instance& inst) {
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, vm::ObjKind::Record);
  EXPECT_EQ(r->aux, 3u);
  EXPECT_EQ(r->type, &inst.types[0]);
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(r->fields[i].bits, 0u) << "field " << i;
}

TEST(AllocInline, RNewTakesTheCachesFirstObjectAndWritesTheHeader) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    constexpr uint32_t kClass = vm::cache_class(sizeof(vm::Record) + 3 * sizeof(vm::Value));
    static_assert(kClass == 3);
    // Two cleared objects of the class, linked through first words as Boehm links a batch (the
    // cache is on this registered thread's stack, so the collector sees the chain).
    vm::AllocCache cache{};
    void* first = GC_MALLOC(kClass * vm::kCacheGranuleBytes);
    void* second = GC_MALLOC(kClass * vm::kCacheGranuleBytes);
    ASSERT_TRUE(first != nullptr && second != nullptr);
    *static_cast<void**>(first) = second;
    cache.free[kClass] = first;
    rig.st().alloc_cache = &cache;

    vm::Record* r = rig.call(0);
    EXPECT_EQ(static_cast<void*>(r), first);
    EXPECT_EQ(cache.free[kClass], second) << "unlinked";
    expect_fresh_t(r, rig.inst());
    EXPECT_EQ(rig.st().alloc_cache, &cache) << "no helper ran";

    r = rig.call(0);
    EXPECT_EQ(static_cast<void*>(r), second);
    EXPECT_EQ(cache.free[kClass], nullptr);
    expect_fresh_t(r, rig.inst());

    // The class is empty: the helper allocates and points alloc_cache at this thread's cache.
    r = rig.call(0);
    EXPECT_NE(static_cast<void*>(r), first);
    EXPECT_NE(static_cast<void*>(r), second);
    expect_fresh_t(r, rig.inst());
    EXPECT_EQ(rig.st().alloc_cache, vm::thread_alloc_cache());
    EXPECT_NE(rig.st().alloc_cache, vm::empty_alloc_cache());
    for (uint32_t g = 0; g <= vm::kMaxCachedGranules; ++g)
      EXPECT_EQ(cache.free[g], nullptr) << "class " << g;
  }
}

TEST(AllocInline, RecordsTooBigForTheCacheComeFromTheHelper) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    rig.st().alloc_cache = vm::empty_alloc_cache();
    vm::Record* r = rig.call(1);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->aux, 31u);
    EXPECT_EQ(r->type, &rig.inst().types[1]);
    for (uint32_t i = 0; i < 31; ++i) EXPECT_EQ(r->fields[i].bits, 0u) << "field " << i;
    EXPECT_EQ(rig.st().alloc_cache, vm::thread_alloc_cache());
  }
}

TEST(AllocInline, TheEmptyCacheIsNeverWritten) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    rig.st().alloc_cache = vm::empty_alloc_cache();
    expect_fresh_t(rig.call(0), rig.inst());
    const vm::AllocCache* empty = vm::empty_alloc_cache();
    for (uint32_t g = 0; g <= vm::kMaxCachedGranules; ++g)
      EXPECT_EQ(empty->free[g], nullptr) << "class " << g;
  }
}

// `n` cleared objects of class g, linked through first words as Boehm links a batch (kept alive
// by the caller's cache on this registered thread's stack).
void fill_class(vm::AllocCache& cache, uint32_t g, int n) {
  for (int i = 0; i < n; ++i) {
    void* o = GC_MALLOC(g * vm::kCacheGranuleBytes);
    ASSERT_NE(o, nullptr);
    *static_cast<void**>(o) = cache.free[g];
    cache.free[g] = o;
  }
}

void expect_ref_array(const vm::Array* a, uint64_t len, uint64_t cap) {
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, vm::ObjKind::ArrayRef);
  EXPECT_EQ(a->aux, 0u);
  EXPECT_EQ(a->len, len);
  EXPECT_EQ(a->cap, cap);
  if (cap == 0) {
    EXPECT_EQ(a->data, nullptr);
    return;
  }
  ASSERT_NE(a->data, nullptr);
  const auto* elems = static_cast<const uint64_t*>(a->data);
  for (uint64_t i = 0; i < cap; ++i) EXPECT_EQ(elems[i], 0u) << "element " << i;
}

TEST(AllocInline, ANewRTakesTheHeaderAndTheBodyFromTheCache) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    vm::AllocCache cache{};
    fill_class(cache, 2, 3);  // headers, and the bodies of up to 4 elements
    // Bodies of 5 or 6 and of 31 or 32 elements; two each, so that the one taken has a link.
    fill_class(cache, 3, 2);
    fill_class(cache, 16, 2);
    rig.st().alloc_cache = &cache;
    void* const header = cache.free[2];
    void* const next = *static_cast<void**>(header);
    auto* a = rig.call<vm::Array>(2, 0);
    EXPECT_EQ(static_cast<void*>(a), header);
    EXPECT_EQ(cache.free[2], next);
    expect_ref_array(a, 0, 0);
    // The header and then the body from the same class: cap 4.
    void* const body = *static_cast<void**>(next);
    a = rig.call<vm::Array>(2, 3);
    EXPECT_EQ(static_cast<void*>(a), next);
    EXPECT_EQ(a->data, body);
    expect_ref_array(a, 3, 4);
    EXPECT_EQ(cache.free[2], nullptr);
    for (int64_t n : {5, 32}) {
      fill_class(cache, 2, 1);
      a = rig.call<vm::Array>(2, n);
      expect_ref_array(a, static_cast<uint64_t>(n), static_cast<uint64_t>(n));
    }
    EXPECT_NE(cache.free[3], nullptr);
    EXPECT_EQ(*static_cast<void**>(cache.free[3]), nullptr) << "one left";
    EXPECT_NE(cache.free[16], nullptr);
    EXPECT_EQ(*static_cast<void**>(cache.free[16]), nullptr) << "one left";
    EXPECT_EQ(rig.st().alloc_cache, &cache) << "no helper ran";
  }
}

TEST(AllocInline, ANewRGivesTheHeaderBackWhenTheBodysClassIsEmpty) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    vm::AllocCache cache{};
    fill_class(cache, 2, 1);
    void* const header = cache.free[2];
    for (int64_t n : {3, 7}) {  // the header's own class, then another
      rig.st().alloc_cache = &cache;
      auto* a = rig.call<vm::Array>(2, n);
      expect_ref_array(a, static_cast<uint64_t>(n), std::max<uint64_t>(n, 4));
      EXPECT_NE(static_cast<void*>(a), header);
      EXPECT_EQ(cache.free[2], header) << "given back";
      EXPECT_EQ(*static_cast<void**>(header), nullptr) << "its link intact";
      EXPECT_EQ(rig.st().alloc_cache, vm::thread_alloc_cache()) << "the helper ran";
    }
  }
}

TEST(AllocInline, ANewROutsideTheCacheGoesToTheHelperAndTrapsExactly) {
  for (Tier tier : {Tier::kBaseline, Tier::kOpt}) {
    SCOPED_TRACE(tier_name(tier));
    Rig rig(tier);
    ASSERT_TRUE(rig.ready());
    vm::AllocCache cache{};
    fill_class(cache, 2, 2);
    rig.st().alloc_cache = &cache;
    expect_ref_array(rig.call<vm::Array>(2, 33), 33, 33);
    EXPECT_EQ(rig.st().alloc_cache, vm::thread_alloc_cache());
    for (int64_t n : {int64_t{-1}, INT64_MIN}) {
      rig.st().alloc_cache = &cache;
      ASSERT_EQ(rig.run(2, n), vm::ExecStatus::Trapped);
      EXPECT_EQ(rig.st().jit_trap.kind, vm::TrapKind::IndexOutOfBounds);
      EXPECT_EQ(rig.st().jit_trap.message, fmt::format("negative array length {}", n));
    }
    ASSERT_EQ(rig.run(2, INT64_MAX), vm::ExecStatus::Trapped);
    EXPECT_EQ(rig.st().jit_trap.kind, vm::TrapKind::OutOfMemory);
    EXPECT_EQ(rig.st().jit_trap.message,
              fmt::format("cannot allocate a ref array of length {}", INT64_MAX));
    int left = 0;
    for (void* o = cache.free[2]; o != nullptr; o = *static_cast<void**>(o)) ++left;
    EXPECT_EQ(left, 2) << "the failed requests took nothing";
  }
}

// Records filled with junk and dropped, many times over a small heap cap, so that collections
// hand their memory back to the cache: every new record must read all zero and carry its type
// (rget checks it), in every tier.
constexpr const char* kRecycle = R"(
.struct P { next: ref, x: i64, y: i64 }
.struct Q { a: i64, b: i64, c: i64, d: i64, e: i64 }
.func fresh_sum(%p: ref, %q: ref) -> i64
  .reg %s: i64, %v: i64, %n: ref
  rget %s, %p, P.x
  rget %v, %p, P.y
  or %s, %s, %v
  rget %n, %p, P.next
  bnull %n, no_next
  li %v, 1
  or %s, %s, %v
no_next:
  rget %v, %q, Q.a
  or %s, %s, %v
  rget %v, %q, Q.e
  or %s, %s, %v
  ret %s
.end
.func churn(%rounds: i64) -> i64 export
  .reg %i: i64, %p: ref, %q: ref, %keep: ref, %junk: i64, %bad: i64, %s: i64
  li %i, 0
  li %bad, 0
  li %junk, -1
  null %keep
loop:
  rnew %p, P
  rnew %q, Q
  call %s, fresh_sum(%p, %q)
  or %bad, %bad, %s
  rset %p, %keep, P.next
  rset %p, %junk, P.x
  rset %p, %junk, P.y
  rset %q, %junk, Q.a
  rset %q, %junk, Q.e
  mov %keep, %p
  andi %s, %i, 255
  bnz %s, kept
  null %keep
kept:
  addi %i, %i, 1
  blt %i, %rounds, loop
  ret %bad
.end
)";

TEST(AllocInline, RecycledRecordsAreClearedInEveryTier) {
  vm::heap_init();
  const GC_word collections = GC_get_gc_no();
  const int64_t rounds = 400000;  // ~35 MiB of records: more than two 16 MiB collection periods
  auto texts = opt::test::same(kRecycle, "churn", {{opt::test::vi(rounds)}});
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0].substr(0, texts[0].find('\n')), "returned 0x0");
  EXPECT_GT(GC_get_gc_no(), collections + 4) << "memory was recycled in each of the 4 runs";
}

// Ref arrays of 0..40 elements (inline up to 32), checked null and then filled with refs to
// themselves, recycled through collections: each new one must be empty, in every tier (dirty is
// function 1, so the mixed mode runs it on the baseline tier).
constexpr const char* kRefArrays = R"(
.func unused() -> i64
  .reg %z: i64
  li %z, 0
  ret %z
.end
.func dirty(%rounds: i64) -> i64 export
  .reg %i: i64, %n: i64, %k: i64, %len: i64, %bad: i64, %forty: i64, %a: ref, %e: ref
  li %i, 0
  li %bad, 0
  li %forty, 41
loop:
  rem %n, %i, %forty
  anew.r %a, %n
  alen %len, %a
  sub %len, %len, %n
  or %bad, %bad, %len
  li %k, 0
check:
  bge %k, %n, checked
  aget.r %e, %a, %k
  bnull %e, null_ok
  li %len, 1
  or %bad, %bad, %len
null_ok:
  aset.r %a, %k, %a
  addi %k, %k, 1
  j check
checked:
  addi %i, %i, 1
  blt %i, %rounds, loop
  ret %bad
.end
)";

TEST(AllocInline, RecycledRefArraysAreEmptyInEveryTier) {
  vm::heap_init();
  const GC_word collections = GC_get_gc_no();
  auto texts = opt::test::same(kRefArrays, "dirty", {{opt::test::vi(200000)}});
  ASSERT_EQ(texts.size(), 1u);
  EXPECT_EQ(texts[0].substr(0, texts[0].find('\n')), "returned 0x0");
  EXPECT_GT(GC_get_gc_no(), collections + 4) << "memory was recycled in each of the 4 runs";
}

// Trees whose nodes are ref arrays [left, right, box] (a header and a body, both inline) and
// whose values sit in records, with garbage of both next to every node, built and summed while
// another thread collects back to back: objects held only by compiled frames (LLVM's registers,
// the baseline tier's window) survive. make is function 1: LLVM code in opt and opt-odd+interp,
// baseline code in opt-even+baseline.
constexpr const char* kForest = R"(
.struct Box { v: i64 }
.func unused() -> i64
  .reg %z: i64
  li %z, 0
  ret %z
.end
.func make(%d: i64, %v: i64) -> ref
  .reg %t: ref, %c: ref, %box: ref, %junk: ref, %w: i64, %n: i64, %i: i64
  li %n, 3
  anew.r %t, %n
  rnew %box, Box
  rset %box, %v, Box.v
  li %i, 2
  aset.r %t, %i, %box
  andi %n, %v, 31
  anew.r %junk, %n
  rnew %junk, Box
  bz %d, leaf
  addi %d, %d, -1
  add %w, %v, %v
  call %c, make(%d, %w)
  li %i, 0
  aset.r %t, %i, %c
  addi %w, %w, 1
  call %c, make(%d, %w)
  li %i, 1
  aset.r %t, %i, %c
leaf:
  ret %t
.end
.func sum(%t: ref) -> i64
  .reg %c: ref, %s: i64, %x: i64, %i: i64
  li %i, 2
  aget.r %c, %t, %i
  rget %s, %c, Box.v
  li %i, 0
  aget.r %c, %t, %i
  bnull %c, leaf
  call %x, sum(%c)
  add %s, %s, %x
  li %i, 1
  aget.r %c, %t, %i
  call %x, sum(%c)
  add %s, %s, %x
leaf:
  ret %s
.end
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

TEST(AllocInline, TreesOfInlineObjectsSurviveCollectionsFromAnotherThread) {
  vm::heap_init();
  constexpr int64_t kDepth = 9, kIters = 40;
  constexpr int64_t kNodes = (int64_t{2} << kDepth) - 1;
  const int64_t want = (kIters + 1) * (kNodes * (kNodes + 1) / 2);
  for (Mode m : {Mode::kInterp, Mode::kOpt, Mode::kOptOddInterp, Mode::kOptEvenBaseline}) {
    vm::heap_test::CollectorThread collector;
    auto out = opt::test::run(kForest, m, "run", {{opt::test::vi(kDepth), opt::test::vi(kIters)}});
    ASSERT_EQ(out.texts.size(), 1u) << opt::test::mode_name(m);
    EXPECT_EQ(out.texts[0].substr(0, out.texts[0].find('\n')),
              fmt::format("returned {:#x}", static_cast<uint64_t>(want)))
        << opt::test::mode_name(m);
    EXPECT_EQ(out.opt_declined, 0u) << out.declined;
    EXPECT_GT(collector.collections(), 0u);
  }
}

}  // namespace
}  // namespace strata::jit::alloc_test
