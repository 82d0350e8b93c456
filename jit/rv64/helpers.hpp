// Host helpers of translated RV64 blocks: the imports of the guest module instance.
//
// Some RISC-V semantics have no SVI opcode (the high half of a 64x64 multiply, IEEE single
// precision, fcsr exception flags and rounding modes, the cycle/time counters). A block calls a
// helper with `callh`; the helper is a vm native (vm/native.hpp) that works on raw 64-bit values
// and reaches the CPU state page (guest_layout.hpp) through cx.memory() when it needs fcsr.
//
// Each helper is declared once, in helpers_int.def or helpers_float.def:
//   STRATA_RV_HELPER(Name, "signature")    e.g. STRATA_RV_HELPER(Mulh, "(i64, i64) -> i64")
// and defined as `void helper_Name(vm::NativeContext&, const vm::Value*, vm::Value*)` in
// helpers_int.cpp / helpers_float.cpp. The enum order is the import index in the guest module.
#pragma once

#include <cstdint>
#include <span>

#include "vm/native.hpp"

namespace strata::jit::rv64 {

enum class Helper : uint16_t {
#define STRATA_RV_HELPER(name, sig) name,
#include "jit/rv64/helpers_list.inc"
#undef STRATA_RV_HELPER
  Count
};

#define STRATA_RV_HELPER(name, sig) \
  void helper_##name(vm::NativeContext& cx, const vm::Value* args, vm::Value* result);
#include "jit/rv64/helpers_list.inc"
#undef STRATA_RV_HELPER

struct HelperInfo {
  const char* name;       // import name; the module is "rv64"
  const char* signature;  // SVI signature text, as natives declare it
  vm::NativeFn fn;
  uint32_t nparams;
  bool has_result;
};

// All helpers, indexed by Helper.
std::span<const HelperInfo> helper_table();

}  // namespace strata::jit::rv64
