// Integer helpers of translated RV64 blocks (helpers_int.def).
#include <time.h>

#include "jit/rv64/helpers.hpp"

namespace strata::jit::rv64 {

void helper_Mulh(vm::NativeContext&, const vm::Value* args, vm::Value* result) {
  const __int128 p = static_cast<__int128>(args[0].i) * static_cast<__int128>(args[1].i);
  result->i = static_cast<int64_t>(p >> 64);
}

void helper_Mulhu(vm::NativeContext&, const vm::Value* args, vm::Value* result) {
  const unsigned __int128 p =
      static_cast<unsigned __int128>(args[0].bits) * static_cast<unsigned __int128>(args[1].bits);
  result->bits = static_cast<uint64_t>(p >> 64);
}

void helper_Mulhsu(vm::NativeContext&, const vm::Value* args, vm::Value* result) {
  // signed x unsigned: the 128-bit product of the sign-extended and zero-extended operands.
  const __int128 p = static_cast<__int128>(args[0].i) *
                     static_cast<__int128>(static_cast<unsigned __int128>(args[1].bits));
  result->i = static_cast<int64_t>(static_cast<unsigned __int128>(p) >> 64);
}

// A 10 MHz timebase, as Linux reports for many RISC-V boards (timebase-frequency 10000000):
// monotonic, so a guest measuring intervals never sees time go backwards.
void helper_ReadTime(vm::NativeContext&, const vm::Value*, vm::Value* result) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  result->bits =
      static_cast<uint64_t>(ts.tv_sec) * 10'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 100u;
}

}  // namespace strata::jit::rv64
