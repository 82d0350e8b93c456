// rnew's inline fast path in both compiled tiers (jit/baseline/emit_object.cpp,
// jit/opt/translate_alloc.cpp): the compiled function is entered directly with an ExecState
// whose alloc_cache is a cache built here, so the test sees which object the code took, that
// it unlinked it and wrote the header exactly, and that an empty class (or a record too big
// for the cache) goes to the helper, which refreshes alloc_cache to the thread's own cache.
// Programs run through the usual harness check the objects' contents across collections.
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include <gtest/gtest.h>

#include "jit/baseline/baseline.hpp"
#include "jit/code_cache.hpp"
#include "jit/opt/opt_loader.hpp"
#include "tests/jit/opt/opt_support.hpp"
#include "tests/jit/tier_harness.hpp"
#include "vm/heap.hpp"
#include "vm/heap/alloc_cache.hpp"
#include "vm/heap/gc.hpp"

namespace strata::jit::alloc_test {
namespace {

using opt::test::Mode;

// mk: a T (3 fields: 40 bytes, class 3); big: a Big (31 fields: 264 bytes, never cached).
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

  // Runs function `index` on its own frame; the returned record, or null after a failure.
  vm::Record* call(uint32_t index) {
    const vm::FuncInfo& fn = program_->main_instance().funcs[index];
    vm::Frame* fp = st_->frames;
    for (uint32_t i = 0; i < fn.nregs; ++i) st_->stack[i].bits = 0;
    *fp = {&fn, st_->stack, fn.code};
    const auto s = static_cast<vm::ExecStatus>(fn.jit_entry(st_.get(), st_->stack, fp));
    EXPECT_EQ(s, vm::ExecStatus::Returned) << st_->jit_trap.message;
    if (s != vm::ExecStatus::Returned) return nullptr;
    return static_cast<vm::Record*>(st_->jit_retval.r);
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

}  // namespace
}  // namespace strata::jit::alloc_test
