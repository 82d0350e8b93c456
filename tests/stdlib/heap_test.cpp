// vm/heap.hpp: object layouts, GC reachability, the atomic/scanned split, the heap cap and
// refusal of impossible sizes.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "vm/heap.hpp"
#include "vm/heap/alloc.hpp"
#include "vm/heap/gc.hpp"

#include <gc/gc_inline.h>  // GC_I_PTRFREE, GC_I_NORMAL
#include <gc/gc_mark.h>    // GC_get_kind_and_size

namespace strata::vm {
namespace {

TEST(Heap, StringIsNulTerminatedAndHashed) {
  heap_init();
  String* s = new_string("hello");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->kind, ObjKind::String);
  EXPECT_EQ(s->len, 5u);
  EXPECT_EQ(s->data[5], '\0');
  EXPECT_EQ(s->view(), "hello");
  EXPECT_EQ(s->hash, 0u);
  // FNV-1a 64 of "hello".
  EXPECT_EQ(string_hash(s), 0xa430d84680aabd0bull);
  EXPECT_EQ(s->hash, 0xa430d84680aabd0bull);
  String* e = new_string("");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->len, 0u);
  EXPECT_EQ(e->data[0], '\0');
  EXPECT_EQ(string_hash(e), 0xcbf29ce484222325ull);  // the offset basis
}

TEST(Heap, StringsWithNulBytes) {
  String* s = new_string(std::string_view("a\0b", 3));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->len, 3u);
  EXPECT_EQ(s->data[1], '\0');
  EXPECT_EQ(s->data[3], '\0');
}

TEST(Heap, ArraysAreZeroedAndGrow) {
  for (ObjKind k : {ObjKind::ArrayI64, ObjKind::ArrayF64, ObjKind::ArrayRef, ObjKind::ArrayU8}) {
    Array* a = new_array(k, 100);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->kind, k);
    EXPECT_EQ(a->len, 100u);
    EXPECT_GE(a->cap, 100u);
    const size_t es = array_elem_size(k);
    EXPECT_EQ(es, k == ObjKind::ArrayU8 ? 1u : 8u);
    auto* bytes = static_cast<unsigned char*>(a->data);
    for (size_t i = 0; i < 100 * es; ++i) ASSERT_EQ(bytes[i], 0) << "byte " << i;
    std::memset(a->data, 0x5a, 100 * es);
    ASSERT_TRUE(array_reserve(a, 1000));
    EXPECT_GE(a->cap, 1000u);
    EXPECT_EQ(a->len, 100u);
    bytes = static_cast<unsigned char*>(a->data);
    for (size_t i = 0; i < 100 * es; ++i) ASSERT_EQ(bytes[i], 0x5a);
    // [len, cap) is zero.
    for (size_t i = 100 * es; i < a->cap * es; ++i) ASSERT_EQ(bytes[i], 0) << "byte " << i;
  }
  // Large bodies (allocated "ignore off page") are zeroed too, scanned or not.
  for (ObjKind k : {ObjKind::ArrayRef, ObjKind::ArrayF64}) {
    for (int round = 0; round < 4; ++round) {  // later rounds may reuse freed, dirty blocks
      Array* big = new_array(k, 1 << 16);
      ASSERT_NE(big, nullptr);
      auto* words = static_cast<uint64_t*>(big->data);
      for (size_t i = 0; i < (1u << 16); ++i) ASSERT_EQ(words[i], 0u) << i;
      std::memset(big->data, 0xa5, size_t{8} << 16);
      GC_gcollect();
    }
  }
  Array* empty = new_array(ObjKind::ArrayI64, 0);
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->len, 0u);
  EXPECT_EQ(new_array(ObjKind::String, 4), nullptr);  // not an array kind
}

TEST(Heap, BodiesOfNumbersArePointerFree) {
  // Boehm must never read i64/f64/byte data or string text as pointers.
  EXPECT_EQ(GC_get_kind_and_size(new_string("x"), nullptr), GC_I_PTRFREE);
  EXPECT_EQ(GC_get_kind_and_size(new_array(ObjKind::ArrayI64, 4)->data, nullptr), GC_I_PTRFREE);
  EXPECT_EQ(GC_get_kind_and_size(new_array(ObjKind::ArrayF64, 4)->data, nullptr), GC_I_PTRFREE);
  EXPECT_EQ(GC_get_kind_and_size(new_array(ObjKind::ArrayU8, 4)->data, nullptr), GC_I_PTRFREE);
  // Small scanned objects have the allocation cache's kind (scanned in full, vm/heap/alloc.cpp).
  EXPECT_EQ(GC_get_kind_and_size(new_array(ObjKind::ArrayRef, 4)->data, nullptr),
            detail::cached_kind());
  EXPECT_EQ(GC_get_kind_and_size(new_record(nullptr, 2), nullptr), detail::cached_kind());
  EXPECT_EQ(GC_get_kind_and_size(new_array(ObjKind::ArrayRef, 100)->data, nullptr), GC_I_NORMAL);
}

TEST(Heap, RecordsAndFuncrefs) {
  Record* r = new_record(nullptr, 3);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, ObjKind::Record);
  EXPECT_EQ(r->aux, 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(r->fields[i].bits, 0u);
  auto* fake_fn = reinterpret_cast<const FuncInfo*>(uintptr_t{0x1000});
  FuncRef* f = new_funcref(fake_fn);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->kind, ObjKind::Function);
  EXPECT_EQ(f->fn, fake_fn);
}

// Builds a chain of objects reachable only through GC memory, collects, and checks contents.
TEST(Heap, ReachableObjectsSurviveCollection) {
  Array* root = new_array(ObjKind::ArrayRef, 1000);  // on this (scanned) stack
  ASSERT_NE(root, nullptr);
  for (int i = 0; i < 1000; ++i) {
    Array* inner = new_array(ObjKind::ArrayI64, 0);
    ASSERT_NE(inner, nullptr);
    for (int j = 0; j < 10; ++j) {
      ASSERT_TRUE(array_reserve(inner, inner->len + 1));
      static_cast<int64_t*>(inner->data)[inner->len++] = i * 100 + j;
    }
    Record* rec = new_record(nullptr, 2);
    ASSERT_NE(rec, nullptr);
    rec->fields[0].r = new_string("item " + std::to_string(i));
    rec->fields[1].r = inner;
    static_cast<Object**>(root->data)[i] = rec;
  }
  // Churn: garbage that reuses freed memory if anything above was wrongly freed.
  for (int i = 0; i < 20000; ++i) new_string(std::string(64, 'z'));
  GC_gcollect();
  for (int i = 0; i < 20000; ++i) new_string(std::string(64, 'y'));
  for (int i = 0; i < 1000; ++i) {
    auto* rec = static_cast<Record*>(static_cast<Object**>(root->data)[i]);
    ASSERT_EQ(rec->kind, ObjKind::Record);
    EXPECT_EQ(static_cast<String*>(rec->fields[0].r)->view(), "item " + std::to_string(i));
    auto* inner = static_cast<Array*>(rec->fields[1].r);
    ASSERT_EQ(inner->len, 10u);
    for (int j = 0; j < 10; ++j) ASSERT_EQ(static_cast<int64_t*>(inner->data)[j], i * 100 + j);
  }
}

TEST(Heap, LargeObjectsSurviveThroughTheirHeaders) {
  // Bodies of 256 KiB and more are allocated "ignore off page": only start pointers count.
  Array* root = new_array(ObjKind::ArrayRef, 2);
  Array* big = new_array(ObjKind::ArrayI64, 1 << 17);  // 1 MiB body
  String* text = new_string(std::string(1 << 20, 'q'));
  ASSERT_NE(big, nullptr);
  ASSERT_NE(text, nullptr);
  for (int i = 0; i < (1 << 17); ++i) static_cast<int64_t*>(big->data)[i] = i;
  static_cast<Object**>(root->data)[0] = big;
  static_cast<Object**>(root->data)[1] = text;
  big = nullptr;
  text = nullptr;
  for (int round = 0; round < 3; ++round) {
    GC_gcollect();
    for (int i = 0; i < 64; ++i) new_array(ObjKind::ArrayU8, 1 << 18);  // reuse freed blocks
  }
  auto* b = static_cast<Array*>(static_cast<Object**>(root->data)[0]);
  for (int i = 0; i < (1 << 17); ++i) ASSERT_EQ(static_cast<int64_t*>(b->data)[i], i);
  auto* t = static_cast<String*>(static_cast<Object**>(root->data)[1]);
  EXPECT_EQ(t->view(), std::string(1 << 20, 'q'));
}

TEST(Heap, UnreachableObjectsAreCollected) {
  // Strings referenced only from an i64 array (pointer-free) must be freed: the atomic body is
  // not scanned. Count finalizations to see it.
  static int finalized = 0;
  finalized = 0;
  Array* holder = new_array(ObjKind::ArrayI64, 100);
  for (int i = 0; i < 100; ++i) {
    String* s = new_string("doomed");
    GC_register_finalizer(
        s, [](void*, void*) { ++finalized; }, nullptr, nullptr, nullptr);
    static_cast<int64_t*>(holder->data)[i] = reinterpret_cast<intptr_t>(s);
  }
  for (int round = 0; round < 3; ++round) {
    GC_gcollect();
    GC_invoke_finalizers();
  }
  // Conservative stack scanning may retain a few from stale stack slots, never most of them.
  EXPECT_GE(finalized, 90);
}

TEST(Heap, ImpossibleSizesGiveNullNotAbort) {
  heap_init();
  EXPECT_EQ(new_string_uninit(uint64_t{1} << 62), nullptr);
  EXPECT_EQ(new_string_uninit(~uint64_t{0}), nullptr);
  EXPECT_EQ(new_array(ObjKind::ArrayI64, uint64_t{1} << 61), nullptr);
  EXPECT_EQ(new_array(ObjKind::ArrayU8, ~uint64_t{0}), nullptr);
  Array* a = new_array(ObjKind::ArrayRef, 1);
  ASSERT_NE(a, nullptr);
  EXPECT_FALSE(array_reserve(a, uint64_t{1} << 60));
  EXPECT_EQ(a->len, 1u);  // unchanged
}

TEST(Heap, CapMakesAllocationsReturnNull) {
  heap_init();
  GC_gcollect();
  const uint64_t cap = GC_get_heap_size() + (uint64_t{32} << 20);
  heap_set_cap(cap);
  Array* keep = new_array(ObjKind::ArrayRef, 0);
  ASSERT_NE(keep, nullptr);
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {  // 200 MiB would be far past the cap
    String* s = new_string_uninit(1 << 20);
    if (!s) {
      refused = true;
      break;
    }
    ASSERT_TRUE(array_reserve(keep, keep->len + 1));
    static_cast<Object**>(keep->data)[keep->len++] = s;
  }
  EXPECT_TRUE(refused);
  EXPECT_LE(GC_get_heap_size(), cap);
  heap_set_cap(0);
  keep->len = 0;
  std::memset(keep->data, 0, keep->cap * sizeof(Object*));
  GC_gcollect();
  EXPECT_NE(new_string_uninit(1 << 20), nullptr);
}

TEST(Heap, RegisteredThreadsMayAllocate) {
  heap_init();
  String* from_thread = nullptr;
  std::thread t([&] {
    ASSERT_TRUE(heap_register_thread());
    String* s = new_string("made elsewhere");
    GC_gcollect();  // stops this thread too, which must be registered
    from_thread = s;
    heap_unregister_thread();
  });
  t.join();
  ASSERT_NE(from_thread, nullptr);
  EXPECT_EQ(from_thread->view(), "made elsewhere");
  EXPECT_FALSE(heap_register_thread());  // the main thread already is
}

}  // namespace
}  // namespace strata::vm
