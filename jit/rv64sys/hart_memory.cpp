// The memory slow path of a hart (jit/rv64/sys_memory.hpp): what translated code calls when the
// inline software-TLB check misses. Walks the guest's page tables, refills the TLB, accesses RAM
// or a device, and reports faults through the state page. A store into a page that holds
// translations drops them here (deferred when the running unit is on that page).
#include <atomic>
#include <cstring>

#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

namespace state = vm::rv64::state;
namespace sysstate = vm::rv64sys::sysstate;
using namespace vm::rv64sys;

namespace {

constexpr std::uint64_t kPageMask = ~0xfffull;

std::uint64_t sign_extend(std::uint64_t v, unsigned size) {
  if (size >= 8) return v;
  const unsigned shift = 64 - 8 * size;
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(v << shift) >> shift);
}

std::uint64_t amo_apply(rv64::AmoOp op, std::uint64_t old, std::uint64_t v, unsigned size) {
  const auto s = [&](std::uint64_t x) { return static_cast<std::int64_t>(sign_extend(x, size)); };
  const std::uint64_t mask = size == 4 ? 0xffff'ffffull : ~0ull;
  const std::uint64_t o = old & mask, n = v & mask;
  switch (op) {
    case rv64::AmoOp::Add: return o + n;
    case rv64::AmoOp::Swap: return n;
    case rv64::AmoOp::Xor: return o ^ n;
    case rv64::AmoOp::Or: return o | n;
    case rv64::AmoOp::And: return o & n;
    case rv64::AmoOp::Min: return s(o) < s(n) ? o : n;
    case rv64::AmoOp::Max: return s(o) > s(n) ? o : n;
    case rv64::AmoOp::Minu: return o < n ? o : n;
    case rv64::AmoOp::Maxu: return o > n ? o : n;
  }
  return o;
}

template <typename T>
std::uint64_t amo_at(std::uint8_t* host, rv64::AmoOp op, std::uint64_t v) {
  // RAM is shared with device threads (DMA): the read-modify-write is one atomic step.
  std::atomic_ref<T> cell(*reinterpret_cast<T*>(host));
  T old = cell.load(std::memory_order_relaxed);
  while (!cell.compare_exchange_weak(old, static_cast<T>(amo_apply(op, old, v, sizeof(T))),
                                     std::memory_order_seq_cst)) {
  }
  return old;
}

}  // namespace

MmuIndex Hart::Impl::index_for(Priv p, bool sum) {
  switch (p) {
    case Priv::User: return MmuIndex::User;
    case Priv::Supervisor: return sum ? MmuIndex::SupervisorSum : MmuIndex::Supervisor;
    case Priv::Machine: return MmuIndex::Machine;
  }
  return MmuIndex::Machine;
}

MmuIndex Hart::Impl::data_index() const {
  return index_for(data_privilege(csrs, priv), (csrs.mstatus & mstatus::kSum) != 0);
}

MmuIndex Hart::Impl::fetch_index() const {
  return index_for(priv, (csrs.mstatus & mstatus::kSum) != 0);
}

WalkContext Hart::Impl::walk_context(Priv p) const {
  return WalkContext{csrs.satp, p, (csrs.mstatus & mstatus::kSum) != 0,
                     (csrs.mstatus & mstatus::kMxr) != 0};
}

void Hart::Impl::raise(std::uint64_t cause, std::uint64_t tval, std::uint64_t pc_of) {
  word(state::kExit) = static_cast<std::uint64_t>(SysExit::Trap);
  word(state::kPc) = pc_of;
  word(sysstate::kTrapCause) = cause;
  word(sysstate::kTrapTval) = tval;
}

bool Hart::Impl::translate_data(std::uint64_t va, Access a, std::uint64_t pc_of,
                                std::uint64_t* pa) {
  // Atomics, LR/SC and accesses that missed inline only because they are misaligned or the
  // other half of a page-crossing access come here with the page often cached: a tag (one
  // byte wide, so any alignment matches) that allows this kind of access spares the walk.
  const std::uint64_t lin = tlb->lookup(data_index(), va, a, 1);
  if (lin != SoftTlb::kNoTag) {
    *pa = lin - kRamLinear + opts.ram_base;
    return true;
  }
  const WalkContext ctx = walk_context(data_privilege(csrs, priv));
  ++stats.walks;
  const Translation t = translate(va, a, ctx, *this);
  if (!t.ok) {
    raise(t.cause, va, pc_of);
    return false;
  }
  // The next access to this page hits inline (unless it is a device, clean or code page).
  tlb->fill(data_index(), va, t, ctx, cache->page_has_code(t.pa));
  *pa = t.pa;
  return true;
}

void Hart::Impl::stored(std::uint64_t pa, std::uint64_t pc_of) {
  if (!cache->page_has_code(pa)) return;
  ++stats.code_writes;
  if (running_pages().holds(pa >> 12)) {
    // The running unit's own page: it must not be freed under it. It leaves after this store
    // (CodeWritten) and the loop drops the page then.
    defer_drop(pa >> 12);
    if (word(state::kExit) == 0) {
      word(state::kExit) = static_cast<std::uint64_t>(SysExit::CodeWritten);
      word(state::kPc) = pc_of;
    }
    return;
  }
  // The unit the loop ran, which chained on to the running one: the loop still reads it when
  // the run returns. Its page goes then; chained exits stop at once (deferred_flag).
  if (running.holds(pa >> 12)) {
    defer_drop(pa >> 12);
    return;
  }
  cache->drop_page(pa);
}

bool Hart::Impl::data_access(std::uint64_t va, unsigned size, Access a, std::uint64_t pc_of,
                             std::uint8_t* buf) {
  ++stats.slow_accesses;
  // RISC-V allows misaligned loads and stores; one crossing a page end is two accesses, both
  // translated (and so both faults checked) before either touches memory.
  const unsigned first =
      static_cast<unsigned>(std::min<std::uint64_t>(size, 0x1000 - (va & ~kPageMask)));
  std::uint64_t pa0 = 0, pa1 = 0;
  if (!translate_data(va, a, pc_of, &pa0)) return false;
  if (first < size && !translate_data((va & kPageMask) + 0x1000, a, pc_of, &pa1)) return false;
  const std::uint64_t access_fault = a == Access::Load ? kCauseLoadAccess : kCauseStoreAccess;
  if (first == size && !in_ram(pa0, size)) {
    ++stats.mmio;
    std::uint64_t v = 0;
    if (a == Access::Load) {
      if (!host.mmio_read(pa0, size, &v)) {
        raise(access_fault, va, pc_of);
        return false;
      }
      std::memcpy(buf, &v, size);
      return true;
    }
    std::memcpy(&v, buf, size);
    if (!host.mmio_write(pa0, size, v)) {
      raise(access_fault, va, pc_of);
      return false;
    }
    return true;
  }
  // Split across pages: both halves must be RAM (a device access never straddles pages).
  if (!in_ram(pa0, first)) {
    raise(access_fault, va, pc_of);
    return false;
  }
  if (first < size && !in_ram(pa1, size - first)) {
    raise(access_fault, (va & kPageMask) + 0x1000, pc_of);
    return false;
  }
  if (a == Access::Load) {
    std::memcpy(buf, ram_at(pa0), first);
    if (first < size) std::memcpy(buf + first, ram_at(pa1), size - first);
    return true;
  }
  std::memcpy(ram_at(pa0), buf, first);
  if (first < size) std::memcpy(ram_at(pa1), buf + first, size - first);
  stored(pa0, pc_of);
  if (first < size) stored(pa1, pc_of);
  return true;
}

std::uint64_t Hart::Impl::sys_load(std::uint64_t va, unsigned size, bool sign,
                                   std::uint64_t pc_of) {
  std::uint64_t v = 0;
  if (!data_access(va, size, Access::Load, pc_of, reinterpret_cast<std::uint8_t*>(&v))) return 0;
  return sign ? sign_extend(v, size) : v;
}

void Hart::Impl::sys_store(std::uint64_t va, std::uint64_t value, unsigned size,
                           std::uint64_t pc_of) {
  data_access(va, size, Access::Store, pc_of, reinterpret_cast<std::uint8_t*>(&value));
}

std::uint64_t Hart::Impl::sys_amo(std::uint64_t va, std::uint64_t value, unsigned size,
                                  rv64::AmoOp op, std::uint64_t pc_of) {
  ++stats.slow_accesses;
  if ((va & (size - 1)) != 0) {
    raise(kCauseMisalignedStore, va, pc_of);
    return 0;
  }
  std::uint64_t pa = 0;
  if (!translate_data(va, Access::Store, pc_of, &pa)) return 0;
  if (!in_ram(pa, size)) {
    // No device model takes atomics.
    raise(kCauseStoreAccess, va, pc_of);
    return 0;
  }
  const std::uint64_t old = size == 4 ? sign_extend(amo_at<std::uint32_t>(ram_at(pa), op, value), 4)
                                      : amo_at<std::uint64_t>(ram_at(pa), op, value);
  stored(pa, pc_of);
  return old;
}

std::uint64_t Hart::Impl::sys_lr(std::uint64_t va, unsigned size, std::uint64_t pc_of) {
  ++stats.slow_accesses;
  if ((va & (size - 1)) != 0) {
    raise(kCauseMisalignedLoad, va, pc_of);
    return 0;
  }
  std::uint64_t pa = 0;
  if (!translate_data(va, Access::Load, pc_of, &pa)) return 0;
  if (!in_ram(pa, size)) {
    raise(kCauseLoadAccess, va, pc_of);
    return 0;
  }
  std::uint64_t v = 0;
  std::memcpy(&v, ram_at(pa), size);
  word(state::kResAddr) = va;
  word(state::kResValid) = 1;
  return sign_extend(v, size);
}

std::uint64_t Hart::Impl::sys_sc(std::uint64_t va, std::uint64_t value, unsigned size,
                                 std::uint64_t pc_of) {
  ++stats.slow_accesses;
  const bool reserved = word(state::kResValid) != 0 && word(state::kResAddr) == va;
  word(state::kResValid) = 0;
  if ((va & (size - 1)) != 0) {
    raise(kCauseMisalignedStore, va, pc_of);
    return 1;
  }
  std::uint64_t pa = 0;
  if (!translate_data(va, Access::Store, pc_of, &pa)) return 1;
  if (!in_ram(pa, size)) {
    raise(kCauseStoreAccess, va, pc_of);
    return 1;
  }
  if (!reserved) return 1;
  std::memcpy(ram_at(pa), &value, size);
  stored(pa, pc_of);
  return 0;
}

bool Hart::Impl::read_pte(std::uint64_t pa, std::uint64_t* value) {
  if ((pa & 7) != 0 || !in_ram(pa, 8)) return false;
  *value = std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(ram_at(pa)))
               .load(std::memory_order_acquire);
  return true;
}

bool Hart::Impl::cas_pte(std::uint64_t pa, std::uint64_t expected, std::uint64_t desired) {
  if ((pa & 7) != 0 || !in_ram(pa, 8)) return false;
  std::atomic_ref<std::uint64_t> cell(*reinterpret_cast<std::uint64_t*>(ram_at(pa)));
  if (!cell.compare_exchange_strong(expected, desired, std::memory_order_acq_rel)) return false;
  // A page table sharing a page with code: its units go, but the running unit is not made to
  // leave (the walk belongs to an access in it, not to a store the guest made).
  if (cache->page_has_code(pa)) {
    if (running_pages().holds(pa >> 12) || running.holds(pa >> 12)) {
      defer_drop(pa >> 12);
    } else {
      cache->drop_page(pa);
    }
  }
  return true;
}

}  // namespace strata::jit::rv64sys
