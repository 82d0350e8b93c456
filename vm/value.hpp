// A register or field slot: 64 bits whose meaning (i64, f64 or ref) the verifier has proven from
// the static types, so no tag is stored or tested at run time.
#pragma once

#include <cstdint>
#include <cstring>

namespace strata::vm {

struct Object;

union Value {
  int64_t i;
  double f;
  Object* r;
  uint64_t bits;

  static Value from_i(int64_t v) {
    Value x;
    x.i = v;
    return x;
  }
  static Value from_f(double v) {
    Value x;
    x.f = v;
    return x;
  }
  static Value from_r(Object* v) {
    Value x;
    x.r = v;
    return x;
  }
};
static_assert(sizeof(Value) == 8);

}  // namespace strata::vm
