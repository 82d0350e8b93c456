// System-mode helpers (helpers_sys.def): trampolines from a unit's `callh` to the hart's
// SysMemory. The runner of a system hart sets its HostContext's user_data to a SysMemory*; any
// other caller (a user-mode runner reaching these by mistake) gets an SVI trap, not a host crash.
#include "jit/rv64/helpers.hpp"
#include "jit/rv64/sys_memory.hpp"

namespace strata::jit::rv64 {

namespace {

// The hart's SysMemory, or nullptr after raising a trap (the helper must return at once).
SysMemory* memory_of(vm::NativeContext& cx, const char* helper, vm::Value* result) {
  if (result != nullptr) result->bits = 0;
  auto* m = static_cast<SysMemory*>(cx.user_data());
  if (m == nullptr)
    cx.trap(vm::TrapKind::HostError,
            std::string("rv64: system-mode helper ") + helper +
                " called without a SysMemory (the host context's user_data is null)");
  return m;
}

void load(vm::NativeContext& cx, const vm::Value* args, vm::Value* result, const char* helper,
          unsigned size, bool sign) {
  if (SysMemory* m = memory_of(cx, helper, result))
    result->bits = m->sys_load(args[0].bits, size, sign, args[1].bits);
}

void store(vm::NativeContext& cx, const vm::Value* args, const char* helper, unsigned size) {
  if (SysMemory* m = memory_of(cx, helper, nullptr))
    m->sys_store(args[0].bits, args[1].bits, size, args[2].bits);
}

// The access size of an atomic (4 or 8): the translator only emits those, so anything else is
// a misuse, trapped (false) rather than passed on.
bool atomic_size(vm::NativeContext& cx, const char* helper, uint64_t size) {
  if (size == 4 || size == 8) return true;
  cx.trap(vm::TrapKind::HostError, std::string("rv64: ") + helper + " got access size " +
                                       std::to_string(size) + ", expected 4 or 8");
  return false;
}

bool amo_op(uint64_t op) {
  switch (static_cast<AmoOp>(op)) {
    case AmoOp::Add:
    case AmoOp::Swap:
    case AmoOp::Xor:
    case AmoOp::Or:
    case AmoOp::And:
    case AmoOp::Min:
    case AmoOp::Max:
    case AmoOp::Minu:
    case AmoOp::Maxu: return true;
  }
  return false;
}

}  // namespace

void helper_SysLdB(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdB", 1, true);
}
void helper_SysLdH(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdH", 2, true);
}
void helper_SysLdW(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdW", 4, true);
}
void helper_SysLdD(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdD", 8, false);
}
void helper_SysLdBu(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdBu", 1, false);
}
void helper_SysLdHu(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdHu", 2, false);
}
void helper_SysLdWu(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  load(cx, args, result, "SysLdWu", 4, false);
}

void helper_SysStB(vm::NativeContext& cx, const vm::Value* args, vm::Value*) {
  store(cx, args, "SysStB", 1);
}
void helper_SysStH(vm::NativeContext& cx, const vm::Value* args, vm::Value*) {
  store(cx, args, "SysStH", 2);
}
void helper_SysStW(vm::NativeContext& cx, const vm::Value* args, vm::Value*) {
  store(cx, args, "SysStW", 4);
}
void helper_SysStD(vm::NativeContext& cx, const vm::Value* args, vm::Value*) {
  store(cx, args, "SysStD", 8);
}

void helper_SysAmo(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  SysMemory* m = memory_of(cx, "SysAmo", result);
  if (m == nullptr) return;
  const uint64_t op = args[3].bits & 0xff, size = args[3].bits >> 8;
  if (!atomic_size(cx, "SysAmo", size)) return;
  if (!amo_op(op)) {
    cx.trap(vm::TrapKind::HostError,
            "rv64: SysAmo got AMO operation " + std::to_string(op) + ", not an A-extension funct5");
    return;
  }
  result->bits = m->sys_amo(args[0].bits, args[1].bits, static_cast<unsigned>(size),
                            static_cast<AmoOp>(op), args[2].bits);
}

void helper_SysLr(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  SysMemory* m = memory_of(cx, "SysLr", result);
  if (m == nullptr || !atomic_size(cx, "SysLr", args[2].bits)) return;
  result->bits = m->sys_lr(args[0].bits, static_cast<unsigned>(args[2].bits), args[1].bits);
}

void helper_SysSc(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  SysMemory* m = memory_of(cx, "SysSc", result);
  if (m == nullptr || !atomic_size(cx, "SysSc", args[3].bits)) return;
  result->bits =
      m->sys_sc(args[0].bits, args[1].bits, static_cast<unsigned>(args[3].bits), args[2].bits);
}

void helper_SysCsr(vm::NativeContext& cx, const vm::Value* args, vm::Value* result) {
  if (SysMemory* m = memory_of(cx, "SysCsr", result))
    result->bits =
        m->sys_csr(static_cast<uint32_t>(args[0].bits), args[1].bits, args[2].bits, args[3].bits);
}

void helper_SysSfence(vm::NativeContext& cx, const vm::Value* args, vm::Value*) {
  if (SysMemory* m = memory_of(cx, "SysSfence", nullptr))
    m->sys_sfence(static_cast<uint32_t>(args[0].bits), args[1].bits, args[2].bits);
}

}  // namespace strata::jit::rv64
