// Ad-hoc timing driver (not a test): fib(n) on a hand-built module.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "tests/vm/vm_test_util.hpp"

using namespace strata::vm;
using namespace strata::vm::test;

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 32;
  ModuleBuilder b("fib");
  b.func("fib", {I}, I, {I, I},
         {abx(Op::Li, 1, 2), abc(Op::Blt, 0, 1, 9), abc(Op::AddI, 1, 0, uint16_t(-1)),
          abc(Op::Call, 1, 0), args(1), abc(Op::AddI, 2, 0, uint16_t(-2)), abc(Op::Call, 2, 0),
          args(2), abc(Op::Add, 1, 1, 2), abc(Op::Ret, 1), abc(Op::Ret, 0)});
  // loop(n): sum of i*3 ^ i for i < n
  b.func("loop", {I}, I, {I, I, I},
         {abx(Op::Li, 1, 0), abx(Op::Li, 2, 0), abc(Op::Bge, 1, 0, 6), abc(Op::MulI, 3, 1, 3),
          abc(Op::Xor, 3, 3, 1), abc(Op::Add, 2, 2, 3), abc(Op::AddI, 1, 1, 1), abx(Op::Jmp, 0, -5),
          abc(Op::Ret, 2)});
  auto p = Program::load_library(std::move(b.m), {});
  if (!p) {
    std::fprintf(stderr, "%s\n", p.error().message.c_str());
    return 1;
  }
  // CPU time, best of 3: the machine is shared.
  double best = 1e9;
  int64_t result = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::clock_t t0 = std::clock();
    Value arg = Value::from_i(n);
    auto r = (*p)->call(argc > 2 ? argv[2] : "fib", std::span<const Value>(&arg, 1));
    std::clock_t t1 = std::clock();
    result = r->value.i;
    best = std::min(best, double(t1 - t0) / CLOCKS_PER_SEC);
  }
  std::printf("result %lld in %.3f s (cpu, best of 3)\n", (long long)result, best);
}
