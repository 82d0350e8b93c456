// One test per instruction-level verifier rule, each asserting the error text.
#include <gtest/gtest.h>

#include "isa/verifier.hpp"
#include "tests/isa/builder.hpp"

namespace strata::isa {
namespace {

using namespace test;

// Module under test: functions #0 callee_i (i64, f64, ref) -> i64, #1 callee_v () -> void, and
// #2 "fib" with the given signature and code. fib's registers: the parameters, then f64, i64, ref
// (with the default signature: %0 i64 %1 f64 %2 ref %3 f64 %4 i64 %5 ref).
// Constants: #0 i64, #1 f64, #2 string. Struct Point { x: i64, y: f64 } (fields #0, #1).
// Imports: #0 std.io.print (i64, f64, ref) -> i64, #1 std.io.hook () -> void.
struct Fixture {
  Builder b;
  uint32_t s_main, s_void;

  Fixture() {
    s_main = b.sig({I, F, R}, I);
    s_void = b.sig({});
    b.konst(int64_t{42});
    b.konst(1.5);
    b.konst(std::string("s"));
    b.strukt("Point", {{"x", I}, {"y", F}});
    b.import("std.io", "print", s_main);
    b.import("std.io", "hook", s_void);
    b.func("callee_i", s_main, {}, {make_abc(Op::Ret, 0, 0, 0)});
    b.func("callee_v", s_void, {}, {make_abc(Op::RetV, 0, 0, 0)});
  }

  std::string check(std::vector<Word> code, bool void_fn = false) {
    Module m = b.m;
    Builder fb{std::move(m)};
    fb.func("fib", void_fn ? s_void : s_main, {F, I, R}, std::move(code));
    return error_of(verify(fb.m));
  }
};

Word op(Op o, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0) {
  return make_abc(o, a, b, c);
}
Word opx(Op o, uint16_t a, int32_t bc) {
  return make_abx(o, a, static_cast<uint32_t>(bc));
}
const Word kRet0 = make_abc(Op::Ret, 0, 0, 0);

#define EXPECT_HAS(haystack, needle)                                      \
  do {                                                                    \
    const std::string h_ = (haystack);                                    \
    EXPECT_NE(h_.find(needle), std::string::npos) << "error was: " << h_; \
  } while (0)

TEST(VerifyCode, ValidFunctionPasses) {
  Fixture fx;
  EXPECT_EQ(fx.check({op(Op::Add, 0, 0, 4), op(Op::Call, 4, 0), make_args(0, 1, 2),
                      op(Op::Call, 0, 1), op(Op::CallH, 0, 1), kRet0}),
            "");
}

TEST(VerifyCode, ExactMessageForATypeError) {
  Fixture fx;
  std::vector<Word> code(7, op(Op::Nop));
  code.push_back(op(Op::Add, 0, 3, 0));
  code.push_back(kRet0);
  EXPECT_EQ(fx.check(code),
            "verify: function 'fib' (#2) pc 7: add operand b: register %3 has type f64, expected "
            "i64");
}

TEST(VerifyCode, EmptyCode) {
  Fixture fx;
  EXPECT_EQ(fx.check({}),
            "verify: function 'fib' (#2): no code (every function must end in ret, "
            "retv, jmp or trap)");
}

TEST(VerifyCode, InvalidOpcode) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Nop), Word(0x7fff), kRet0}),
             "verify: function 'fib' (#2) pc 1: invalid opcode 32767");
}

TEST(VerifyCode, UnusedFieldsMustBeZero) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Nop, 1), kRet0}),
             "pc 0: nop operand a: unused field must be zero, found 1");
  EXPECT_HAS(fx.check({op(Op::Neg, 0, 0, 5), kRet0}),
             "neg operand c: unused field must be zero, found 5");
  EXPECT_HAS(fx.check({opx(Op::Jmp, 3, 0)}), "jmp operand a: unused field must be zero, found 3");
  EXPECT_HAS(fx.check({op(Op::Trap, 0, 2, 9)}), "trap operand b: unused field must be zero");
}

TEST(VerifyCode, BranchTargetOutsideFunction) {
  Fixture fx;
  EXPECT_HAS(fx.check({opx(Op::Bz, 0, 5), kRet0}),
             "pc 0: bz operand bc: branch offset 5 targets pc 5, outside the function (0..1)");
  EXPECT_HAS(fx.check({op(Op::Nop), op(Op::Beq, 0, 0, 0xfffe), kRet0}),
             "pc 1: beq operand c: branch offset -2 targets pc -1, outside the function");
}

TEST(VerifyCode, BranchTargetInsideCallArguments) {
  Fixture fx;
  EXPECT_HAS(fx.check({opx(Op::Bz, 0, 2), op(Op::Call, 0, 0), make_args(0, 1, 2), kRet0}),
             "pc 0: bz: branch target pc 2 is not an instruction start");
  EXPECT_EQ(fx.check({opx(Op::Bz, 0, 3), op(Op::Call, 0, 0), make_args(0, 1, 2), kRet0}), "");
}

TEST(VerifyCode, IndexOperandsInRange) {
  Fixture fx;
  EXPECT_HAS(fx.check({opx(Op::Ldk, 0, 9), kRet0}),
             "ldk operand bc: constant #9 out of range (module has 3)");
  EXPECT_HAS(fx.check({op(Op::FnRef, 2, 9), kRet0}),
             "fnref operand b: function #9 out of range (module has 3)");
  EXPECT_HAS(fx.check({op(Op::CallH, 0, 5), kRet0}),
             "callh operand b: import #5 out of range (module has 2)");
  EXPECT_HAS(fx.check({op(Op::Call, 0, 7), kRet0}),
             "call operand b: function #7 out of range (module has 3)");
  EXPECT_HAS(fx.check({op(Op::CallI, 0, 2, 9), kRet0}),
             "calli operand c: signature #9 out of range (module has 2)");
  EXPECT_HAS(fx.check({op(Op::RGet, 0, 2, 7), kRet0}),
             "rget operand c: field #7 out of range (module has 2)");
  EXPECT_HAS(fx.check({op(Op::RNew, 2, 3), kRet0}),
             "rnew operand b: struct #3 out of range (module has 1)");
}

TEST(VerifyCode, RegisterOutOfRange) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Add, 9, 0, 0), kRet0}),
             "add operand a: register %9 out of range (function has 6 registers)");
  EXPECT_HAS(fx.check({op(Op::Mov, 0, 6), kRet0}), "mov operand b: register %6 out of range");
}

TEST(VerifyCode, FixedRegisterTypes) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::FAdd, 0, 1, 1), kRet0}),
             "fadd operand a: register %0 has type i64, expected f64");
  EXPECT_HAS(fx.check({op(Op::ALen, 0, 0), kRet0}),
             "alen operand b: register %0 has type i64, expected ref");
  EXPECT_HAS(fx.check({op(Op::ASetF, 2, 0, 0), kRet0}),
             "aset.f operand c: register %0 has type i64, expected f64");
}

TEST(VerifyCode, RuleSameAB) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Mov, 0, 1), kRet0}),
             "mov operand b: register %1 has type f64, expected i64");
  EXPECT_EQ(fx.check({op(Op::Mov, 5, 2), op(Op::Mov, 3, 1), kRet0}), "");
}

TEST(VerifyCode, RuleConstA) {
  Fixture fx;
  EXPECT_HAS(fx.check({opx(Op::Ldk, 0, 1), kRet0}),
             "ldk operand a: register %0 has type i64, expected f64");
  EXPECT_HAS(fx.check({opx(Op::Ldk, 0, 2), kRet0}),
             "ldk operand a: register %0 has type i64, expected ref");
  EXPECT_EQ(fx.check({opx(Op::Ldk, 0, 0), opx(Op::Ldk, 1, 1), opx(Op::Ldk, 2, 2), kRet0}), "");
}

TEST(VerifyCode, RuleFieldA) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::RGet, 1, 2, 0), kRet0}),
             "rget operand a: register %1 has type f64, expected i64");
  EXPECT_EQ(fx.check({op(Op::RGet, 1, 2, 1), kRet0}), "");
}

TEST(VerifyCode, RuleFieldB) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::RSet, 2, 0, 1), kRet0}),
             "rset operand b: register %0 has type i64, expected f64");
  EXPECT_EQ(fx.check({op(Op::RSet, 2, 0, 0), kRet0}), "");
}

TEST(VerifyCode, RuleResultA) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Call, 1, 0), make_args(0, 1, 2), kRet0}),
             "call operand a: register %1 has type f64, expected i64");
  EXPECT_HAS(fx.check({op(Op::CallI, 5, 2, 0), make_args(0, 1, 2), kRet0}),
             "calli operand a: register %5 has type ref, expected i64");
}

TEST(VerifyCode, VoidCalleeNeedsAZero) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Call, 3, 1), kRet0}),
             "pc 0: call operand a: must be 0 for a callee returning void, found %3");
  EXPECT_HAS(fx.check({op(Op::CallH, 1, 1), kRet0}),
             "callh operand a: must be 0 for a callee returning void, found %1");
}

TEST(VerifyCode, RuleRetA) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Ret, 1)}), "ret operand a: register %1 has type f64, expected i64");
}

TEST(VerifyCode, RetOnlyInNonVoidFunctions) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Ret, 0)}, true), "pc 0: ret in a void function (use retv)");
}

TEST(VerifyCode, RetVOnlyInVoidFunctions) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::RetV)}), "pc 0: retv in a function returning i64 (use ret)");
  EXPECT_EQ(fx.check({op(Op::RetV)}, true), "");
}

TEST(VerifyCode, CallArgumentWordsPresent) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Nop), op(Op::Call, 0, 0)}),
             "pc 1: call: 1 argument words for 3 arguments run past the end of the function (2 "
             "words)");
}

TEST(VerifyCode, CallArgumentRegisterInRange) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Call, 0, 0), make_args(0, 1, 9), kRet0}),
             "call argument 2: register %9 out of range (function has 6 registers)");
}

TEST(VerifyCode, CallArgumentTypesMatchTheCallee) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Call, 0, 0), make_args(0, 0, 2), kRet0}),
             "call argument 1: register %0 has type i64, expected f64 (function 'callee_i' is "
             "(i64, f64, ref) -> i64)");
  EXPECT_HAS(fx.check({op(Op::CallH, 0, 0), make_args(2, 1, 2), kRet0}),
             "callh argument 0: register %2 has type ref, expected i64 (import 'std.io.print'");
  EXPECT_HAS(fx.check({op(Op::CallI, 0, 2, 0), make_args(0, 1, 0), kRet0}),
             "calli argument 2: register %0 has type i64, expected ref (signature #0");
}

TEST(VerifyCode, UnusedArgumentSlotsZero) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Call, 0, 0), make_args(0, 1, 2, 4), kRet0}),
             "call argument word 0 slot 3: unused argument slot must be zero, found 4");
}

TEST(VerifyCode, NoFallingOffTheEnd) {
  Fixture fx;
  EXPECT_HAS(fx.check({op(Op::Nop)}), "pc 0: nop: control falls off the end of the function");
  EXPECT_HAS(fx.check({op(Op::Nop), opx(Op::Bz, 0, -1)}), "pc 1: bz: control falls off the end");
  EXPECT_HAS(fx.check({op(Op::Call, 0, 0), make_args(0, 1, 2)}),
             "pc 0: call: control falls off the end");
  // Terminators may end a function; dead code after one is allowed.
  EXPECT_EQ(fx.check({opx(Op::Jmp, 0, 0)}), "");
  EXPECT_EQ(fx.check({op(Op::Trap, 0, 0, 3)}), "");
  EXPECT_EQ(fx.check({kRet0, op(Op::Nop), kRet0}), "");
}

}  // namespace
}  // namespace strata::isa
