// vm/heap.hpp on Boehm. Every allocation size is computed with overflow checks and bounded by
// kMaxAllocBytes, so a guest-controlled length can only ever produce nullptr (an OutOfMemory
// trap in the caller), never a wrapped size or an abort.
#include "vm/heap.hpp"

#include <cstring>
#include <mutex>

#include "vm/heap/alloc.hpp"
#include "vm/heap/gc.hpp"

namespace strata::vm {

namespace {

using detail::checked_size;

constexpr size_t kMinBytesBetweenCollections = size_t{16} << 20;

// Boehm calls this when it cannot satisfy a request (heap cap reached or the OS refused).
// Returning nullptr makes GC_MALLOC return nullptr instead of aborting the process.
void* on_out_of_memory(size_t) {
  return nullptr;
}

// Boehm's warnings ("Repeated allocation of very large block", "Out of Memory!") would land on
// the guest's stderr; out-of-memory is reported as a trap instead.
void ignore_warning(char*, GC_word) {}

bool is_array_kind(ObjKind k) {
  return k == ObjKind::ArrayI64 || k == ObjKind::ArrayF64 || k == ObjKind::ArrayRef ||
         k == ObjKind::ArrayU8;
}

}  // namespace

using detail::gc_alloc;

void heap_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    GC_INIT();
    // Boehm collects after about (2 * scanned + unscanned live bytes + roots) / 3 new bytes, so a
    // program with little live data (binarytrees: 4 MiB) collects every 3 MiB and spends half
    // its time marking the same objects. A floor of 16 MiB between collections keeps the cost
    // per allocated byte low; the heap grows by at most that much over its live size. Measured in
    // docs/STDLIB.md ("The heap"): binarytrees 16 --jit=off 0.72 -> 0.54 s, peak 26.8 -> 33.8 MiB.
    GC_set_min_bytes_allocd(kMinBytesBetweenCollections);
    // When the heap may not grow (the cap), collect once before giving up: by default Boehm
    // reports out-of-memory at once, which the floor above would make happen with garbage
    // still in the heap.
    GC_set_max_retries(1);
    GC_set_oom_fn(on_out_of_memory);
    GC_set_warn_proc(ignore_warning);
    // Lets threads that the runtime did not create through Boehm (std::thread, the JIT's
    // compile thread) register themselves with heap_register_thread().
    GC_allow_register_threads();
  });
}

void heap_set_cap(uint64_t bytes) {
  heap_init();
  // Boehm treats 0 as "no limit", which is our meaning too.
  GC_set_max_heap_size(static_cast<GC_word>(bytes));
}

bool heap_register_thread() {
  heap_init();
  if (GC_thread_is_registered()) return false;
  GC_stack_base sb;
  if (GC_get_stack_base(&sb) != GC_SUCCESS) return false;
  return GC_register_my_thread(&sb) == GC_SUCCESS;
}

void heap_unregister_thread() {
  detail::release_thread_cache();
  GC_unregister_my_thread();
}

String* new_string_uninit(uint64_t len) {
  uint64_t bytes;
  if (!checked_size(len, 1, sizeof(String) + 1, &bytes)) return nullptr;
  // A string holds no pointers: atomic, so its bytes are never mistaken for references.
  auto* s = static_cast<String*>(gc_alloc(bytes, /*atomic=*/true));
  if (!s) return nullptr;
  s->kind = ObjKind::String;
  s->aux = 0;
  s->len = len;
  s->hash = 0;
  s->data[len] = '\0';
  return s;
}

String* new_string(std::string_view bytes) {
  String* s = new_string_uninit(bytes.size());
  if (s && !bytes.empty()) std::memcpy(s->data, bytes.data(), bytes.size());
  return s;
}

uint64_t string_hash(String* s) {
  if (s->hash != 0) return s->hash;
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (uint64_t i = 0; i < s->len; ++i) {
    h ^= static_cast<unsigned char>(s->data[i]);
    h *= 1099511628211ull;  // FNV prime
  }
  // 0 means "not computed yet", so a string whose hash is 0 caches a fixed stand-in.
  if (h == 0) h = 1;
  s->hash = h;
  return h;
}

size_t array_elem_size(ObjKind kind) {
  return kind == ObjKind::ArrayU8 ? 1 : 8;
}

Array* new_array(ObjKind kind, uint64_t len) {
  if (!is_array_kind(kind)) return nullptr;
  // The header points at the body, so it is scanned memory.
  auto* a = static_cast<Array*>(gc_alloc(sizeof(Array), /*atomic=*/false));
  if (!a) return nullptr;
  a->kind = kind;
  a->aux = 0;
  a->len = 0;
  a->cap = 0;
  a->data = nullptr;
  if (len > 0) {
    if (!array_reserve(a, len)) return nullptr;
  }
  a->len = len;
  return a;
}

// Invariant kept here: elements in [len, cap) are zero (null), so growing `len` up to `cap`
// (resize) needs no clearing beyond what pop leaves behind; pop clears what it removes.
bool array_reserve(Array* a, uint64_t cap) {
  if (cap <= a->cap) return true;
  const size_t esize = array_elem_size(a->kind);
  const bool atomic = a->kind != ObjKind::ArrayRef;
  // Grow geometrically so that a run of pushes costs amortised O(1); fall back to the exact
  // request if the doubled size is refused.
  uint64_t want = cap;
  if (a->cap > 0 && a->cap * 2 > want) want = a->cap * 2;
  if (want < 4) want = 4;
  void* body = nullptr;
  uint64_t bytes;
  if (checked_size(want, esize, 0, &bytes)) body = gc_alloc(bytes, atomic);
  if (!body && want != cap) {
    want = cap;
    if (checked_size(want, esize, 0, &bytes)) body = gc_alloc(bytes, atomic);
  }
  if (!body) return false;
  const uint64_t old_bytes = a->len * esize;
  if (old_bytes) std::memcpy(body, a->data, old_bytes);
  // GC_MALLOC bodies come back cleared; atomic ones do not.
  if (atomic) std::memset(static_cast<char*>(body) + old_bytes, 0, bytes - old_bytes);
  a->data = body;
  a->cap = want;
  return true;
}

Record* new_record(const RecordType* type, uint32_t field_count) {
  uint64_t bytes;
  if (!checked_size(field_count, sizeof(Value), sizeof(Record), &bytes)) return nullptr;
  // GC_MALLOC clears the fields: zero / null as rnew promises.
  auto* r = static_cast<Record*>(gc_alloc(bytes, /*atomic=*/false));
  if (!r) return nullptr;
  r->kind = ObjKind::Record;
  r->aux = field_count;
  r->type = type;
  return r;
}

FuncRef* new_funcref(const FuncInfo* fn) {
  auto* f = static_cast<FuncRef*>(gc_alloc(sizeof(FuncRef), /*atomic=*/false));
  if (!f) return nullptr;
  f->kind = ObjKind::Function;
  f->aux = 0;
  f->fn = fn;
  return f;
}

}  // namespace strata::vm
