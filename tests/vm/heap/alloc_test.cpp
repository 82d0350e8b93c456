// gc_alloc's per-thread cache of small scanned objects: what it hands out (cleared, scanned,
// Boehm's own sizes), that objects waiting in it survive collections without being handed out
// twice, and that atomic and large requests bypass it with their kinds.
#include "vm/heap/alloc.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <unordered_set>
#include <vector>

#include "vm/heap.hpp"
#include "vm/heap/alloc_cache.hpp"
#include "vm/heap/gc.hpp"
// gc.hpp first: the kind numbers and GC_get_kind_and_size.
#include <gc/gc_inline.h>
#include <gc/gc_mark.h>

namespace strata::vm::detail {
namespace {

bool all_zero(const void* p, size_t n) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i)
    if (b[i] != 0) return false;
  return true;
}

int kind_of(const void* p) {
  return GC_get_kind_and_size(p, nullptr);
}

TEST(HeapAlloc, SmallScannedObjectsComeClearedFromTheThreadCache) {
  heap_init();
  void* a = gc_alloc(32, /*atomic=*/false);
  ASSERT_NE(a, nullptr);
  const size_t cached = cached_objects(32);
  ASSERT_GT(cached, 0u) << "the first small allocation fills the cache";
  void* b = gc_alloc(32, /*atomic=*/false);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(cached_objects(32), cached - 1) << "the second one is taken from it";
  EXPECT_NE(cached_kind(), GC_I_PTRFREE);
  EXPECT_NE(cached_kind(), GC_I_NORMAL);
  for (void* p : {a, b}) {
    EXPECT_TRUE(all_zero(p, 32));
    EXPECT_EQ(kind_of(p), cached_kind());
    // No one-past-the-end byte: GC_MALLOC(32) takes 48.
    EXPECT_EQ(GC_size(p), 32u);
  }
  EXPECT_NE(a, b);
}

TEST(HeapAlloc, EverySmallSizeIsClearedAndLargeEnough) {
  heap_init();
  for (uint64_t bytes = 0; bytes <= 300; ++bytes) {
    for (int i = 0; i < 3; ++i) {
      void* p = gc_alloc(bytes, /*atomic=*/false);
      ASSERT_NE(p, nullptr) << bytes;
      EXPECT_GE(GC_size(p), bytes);
      EXPECT_TRUE(all_zero(p, bytes)) << bytes;
      if (bytes <= 256) {
        EXPECT_EQ(kind_of(p), cached_kind()) << bytes;
      } else {
        EXPECT_EQ(kind_of(p), GC_I_NORMAL) << bytes;
      }
      std::memset(p, 0xa5, bytes);  // dirty it for whoever gets this memory next
    }
  }
}

TEST(HeapAlloc, AtomicAndLargeRequestsKeepTheirKindsAndBypassTheCache) {
  heap_init();
  (void)gc_alloc(48, /*atomic=*/false);
  const size_t cached = cached_objects(48);
  void* atomic = gc_alloc(48, /*atomic=*/true);
  ASSERT_NE(atomic, nullptr);
  EXPECT_EQ(kind_of(atomic), GC_I_PTRFREE);
  EXPECT_EQ(cached_objects(48), cached);
  void* big = gc_alloc(4096, /*atomic=*/false);
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(kind_of(big), GC_I_NORMAL);
  EXPECT_TRUE(all_zero(big, 4096));
  void* huge = gc_alloc(1 << 20, /*atomic=*/true);
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(kind_of(huge), GC_I_PTRFREE);
  EXPECT_EQ(gc_alloc(kMaxAllocBytes + 1, /*atomic=*/false), nullptr);
}

// Puts a fresh object in the last word of each 32-byte object `holders[i]`; `links[i]` (not
// scanned) is cleared by the collector when that object dies.
[[gnu::noinline]] void hang_targets(void*** holders, void** links, int n) {
  for (int i = 0; i < n; ++i) {
    void* target = GC_MALLOC_ATOMIC(64);
    ASSERT_NE(target, nullptr);
    links[i] = target;
    ASSERT_EQ(GC_general_register_disappearing_link(&links[i], target), GC_SUCCESS);
    holders[i][3] = target;
  }
}

int count_alive(void** links, int n) {
  int alive = 0;
  for (int i = 0; i < n; ++i) alive += links[i] != nullptr;
  return alive;
}

// Cached objects are scanned to their last word (a NORMAL object's last word is not, as it holds
// Boehm's extra byte): what a 32-byte object's fourth word points to stays alive, and dies when
// the word is cleared.
TEST(HeapAlloc, TheLastWordOfACachedObjectKeepsItsTargetAlive) {
  heap_init();
  constexpr int kN = 100;
  auto*** holders = static_cast<void***>(GC_MALLOC(kN * sizeof(void*)));
  ASSERT_NE(holders, nullptr);
  for (int i = 0; i < kN; ++i) {
    holders[i] = static_cast<void**>(gc_alloc(32, /*atomic=*/false));
    ASSERT_NE(holders[i], nullptr);
  }
  std::vector<void*> links(kN);  // malloc memory: not scanned
  hang_targets(holders, links.data(), kN);
  for (int i = 0; i < 3; ++i) GC_gcollect();
  EXPECT_EQ(count_alive(links.data(), kN), kN);
  for (int i = 0; i < kN; ++i) holders[i][3] = nullptr;
  for (int i = 0; i < 3; ++i) GC_gcollect();
  // Conservative scanning may still find a stray copy of a few.
  EXPECT_LT(count_alive(links.data(), kN), kN / 10);
  for (int i = 0; i < kN; ++i)
    if (links[i] != nullptr) GC_unregister_disappearing_link(&links[i]);
}

// What compiled code reads (alloc_cache.hpp): a thread's cache only once it has one, the shared
// empty one before and after; a class's list starts at the object gc_alloc hands out next.
TEST(HeapAlloc, ThreadAllocCacheIsTheCallingThreadsOwn) {
  heap_init();
  (void)gc_alloc(32, /*atomic=*/false);
  AllocCache* mine = thread_alloc_cache();
  ASSERT_NE(mine, empty_alloc_cache());
  std::thread other([mine] {
    ASSERT_TRUE(heap_register_thread());
    EXPECT_EQ(thread_alloc_cache(), empty_alloc_cache()) << "no cache before an allocation";
    void* first = gc_alloc(48, /*atomic=*/false);
    ASSERT_NE(first, nullptr);
    AllocCache* its = thread_alloc_cache();
    EXPECT_NE(its, empty_alloc_cache());
    EXPECT_NE(its, mine);
    constexpr uint32_t kClass = cache_class(48);
    void* next = its->free[kClass];
    ASSERT_NE(next, nullptr) << "the rest of the batch";
    EXPECT_EQ(gc_alloc(48, /*atomic=*/false), next);
    EXPECT_NE(its->free[kClass], next);
    heap_unregister_thread();
    EXPECT_EQ(thread_alloc_cache(), empty_alloc_cache()) << "dropped when unregistering";
  });
  other.join();
  EXPECT_EQ(thread_alloc_cache(), mine);
  for (uint32_t g = 0; g <= kMaxCachedGranules; ++g)
    EXPECT_EQ(empty_alloc_cache()->free[g], nullptr) << "class " << g;
}

// Reused memory comes back cleared: fill many objects with a pattern, drop them, collect, and
// allocate as many again; some addresses must repeat (or the test proves nothing).
TEST(HeapAlloc, MemoryReusedThroughTheCacheIsCleared) {
  heap_init();
  constexpr int kCount = 100000;
  std::vector<uintptr_t> first;  // malloc memory: not scanned, keeps nothing alive
  for (int i = 0; i < kCount; ++i) {
    auto* p = static_cast<uint64_t*>(gc_alloc(48, /*atomic=*/false));
    ASSERT_NE(p, nullptr);
    for (int w = 0; w < 6; ++w) p[w] = 0x5a5a5a5a5a5a5a5aull;
    first.push_back(reinterpret_cast<uintptr_t>(p));
  }
  std::unordered_set<uintptr_t> old(first.begin(), first.end());
  GC_gcollect();
  int reused = 0;
  for (int i = 0; i < kCount; ++i) {
    void* p = gc_alloc(48, /*atomic=*/false);
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(all_zero(p, 48)) << "object " << i;
    reused += old.count(reinterpret_cast<uintptr_t>(p)) != 0;
  }
  EXPECT_GT(reused, kCount / 2);
}

// Objects waiting in the cache are reachable for the collector: after collections, while
// Boehm's own allocator hands out every free object of the class, none of those is also one
// the cache still holds.
TEST(HeapAlloc, CachedObjectsSurviveCollectionsAndAreNeverHandedOutTwice) {
  heap_init();
  release_thread_cache();
  (void)gc_alloc(64, /*atomic=*/false);
  const size_t cached = cached_objects(64);
  ASSERT_GT(cached, 0u);
  constexpr size_t kOthers = 50000;
  // Scanned (GC_MALLOC), so the objects it lists stay alive.
  auto** others = static_cast<uint64_t**>(GC_MALLOC(kOthers * sizeof(void*)));
  ASSERT_NE(others, nullptr);
  for (int round = 0; round < 3; ++round) {
    GC_gcollect();
    for (size_t i = round * kOthers / 3; i < (round + 1) * kOthers / 3; ++i) {
      others[i] = static_cast<uint64_t*>(GC_MALLOC(64));
      ASSERT_NE(others[i], nullptr);
      others[i][0] = 0xfeedull;
    }
  }
  std::unordered_set<uintptr_t> live;
  for (size_t i = 0; i < kOthers / 3 * 3; ++i) live.insert(reinterpret_cast<uintptr_t>(others[i]));
  ASSERT_EQ(cached_objects(64), cached);
  for (size_t i = 0; i < cached; ++i) {
    void* p = gc_alloc(64, /*atomic=*/false);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(live.count(reinterpret_cast<uintptr_t>(p)), 0u) << "handed out twice";
    EXPECT_TRUE(all_zero(p, 64));
  }
  EXPECT_EQ(cached_objects(64), 0u);
}

// A structure built only from cached objects, reachable only from this thread's stack and its
// own fields, stays intact through many collections.
TEST(HeapAlloc, ListOfCachedObjectsSurvivesManyCollections) {
  heap_init();
  struct Node {
    Node* next;
    uint64_t value;
  };
  Node* head = nullptr;
  constexpr uint64_t kNodes = 20000;
  for (uint64_t i = 0; i < kNodes; ++i) {
    auto* n = static_cast<Node*>(gc_alloc(sizeof(Node), /*atomic=*/false));
    ASSERT_NE(n, nullptr);
    n->next = head;
    n->value = i;
    head = n;
    (void)gc_alloc(sizeof(Node), /*atomic=*/false);  // garbage in between
    if (i % 1000 == 0) GC_gcollect();
  }
  GC_gcollect();
  uint64_t expect = kNodes;
  for (Node* n = head; n != nullptr; n = n->next) {
    ASSERT_EQ(n->value, --expect);
  }
  EXPECT_EQ(expect, 0u);
}

// Each thread has its own cache; a registered thread releases it when it unregisters.
TEST(HeapAlloc, EachRegisteredThreadHasItsOwnCache) {
  heap_init();
  (void)gc_alloc(80, /*atomic=*/false);
  const size_t mine = cached_objects(80);
  size_t theirs_after_one = 0, theirs_after_release = 1;
  std::thread t([&] {
    ASSERT_TRUE(heap_register_thread());
    EXPECT_EQ(cached_objects(80), 0u);
    void* p = gc_alloc(80, /*atomic=*/false);
    EXPECT_NE(p, nullptr);
    theirs_after_one = cached_objects(80);
    heap_unregister_thread();
    theirs_after_release = cached_objects(80);
  });
  t.join();
  EXPECT_GT(theirs_after_one, 0u);
  EXPECT_EQ(theirs_after_release, 0u);
  EXPECT_EQ(cached_objects(80), mine);
}

}  // namespace
}  // namespace strata::vm::detail
