// Error messages: FILE:LINE:COL: error: WHAT (expected ...), first error only.
#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

struct Case {
  const char* src;
  const char* error;
};

const Case kCases[] = {
    {".func f()\n  frob %a\n.end\n", "e.sasm:2:3: error: unknown instruction 'frob'"},
    {".func f(%a: i64)\n  add %a, %a\n.end\n",
     "e.sasm:2:13: error: unexpected end of line (expected ',')"},
    {".func f(%a: i64)\n  add %a, %a, %b\n.end\n", "e.sasm:2:15: error: undefined register '%b'"},
    {".func f(%a: i64)\n  add %a, %a, %a, %a\n.end\n",
     "e.sasm:2:17: error: unexpected ',' (expected end of line)"},
    {".func f(%a: i64)\n  addi %a, %a, 40000\n.end\n",
     "e.sasm:2:16: error: value 40000 out of range (expected -32768..32767)"},
    {".func f(%a: i64)\n  shli %a, %a, -1\n.end\n",
     "e.sasm:2:16: error: value -1 out of range (expected 0..65535)"},
    {".func f(%a: i64)\n  addi %a, %a, 99999999999999999999\n.end\n",
     "e.sasm:2:16: error: integer literal out of 64-bit range"},
    {".func f(%a: i64)\n  li %a 5\n.end\n", "e.sasm:2:9: error: unexpected integer (expected ',')"},
    {".func f(%a: i64)\n  li %a, 1.5\n.end\n",
     "e.sasm:2:10: error: unexpected float (expected integer)"},
    {".func f(%a: i64)\n  jmp nowhere\n.end\n", "e.sasm:2:7: error: undefined label 'nowhere'"},
    {".func f(%a: i64)\nx:\nx:\n  ret\n.end\n", "e.sasm:3:1: error: duplicate label 'x'"},
    {".func f(%a: i64)\n  call g(%a)\n.end\n", "e.sasm:2:8: error: undefined function 'g'"},
    {".func f(%a: i64)\n  call f(%a, %a)\n.end\n",
     "e.sasm:2:8: error: 'f' called with 2 arguments (expected 1: (i64) -> void)"},
    {".func f(%a: i64)\n  call %a, f(%a)\n.end\n",
     "e.sasm:2:12: error: 'f' returns nothing (expected no result register)"},
    {".func f(%a: i64)\n  callh f(%a)\n.end\n",
     "e.sasm:2:9: error: 'f' is a function of this module, not an import (expected call)"},
    {".func f(%a: i64)\n  calli %a, %a : (i64) -> i64 (%a, %a)\n.end\n",
     "e.sasm:2:31: error: 2 arguments passed (expected 1 for signature (i64) -> i64)"},
    {".func f()\n  ret\n.end\n.func f()\n  ret\n.end\n", "e.sasm:4:7: error: duplicate name 'f'"},
    {".import \"m\" f(i64) -> i64\n.func f()\n.end\n", "e.sasm:2:7: error: duplicate name 'f'"},
    {".func f(%a: i64, %a: f64)\n.end\n", "e.sasm:1:18: error: duplicate register '%a'"},
    {".func f()\n .reg %x i64\n.end\n", "e.sasm:2:10: error: unexpected 'i64' (expected ':')"},
    {".func f() -> q\n.end\n",
     "e.sasm:1:14: error: unexpected 'q' (expected a type: i64, f64 or ref)"},
    {".func f()\n  ret\n", "e.sasm:1:7: error: function 'f' has no .end"},
    {"  nop\n", "e.sasm:1:3: error: instruction outside a function (expected .func first)"},
    {".func f()\n  .func g()\n.end\n",
     "e.sasm:2:3: error: .func inside function 'f' (expected .end first)"},
    {".func f()\n .struct T { }\n.end\n",
     "e.sasm:2:2: error: .struct inside function 'f' (expected .end first)"},
    {".end\n", "e.sasm:1:1: error: .end outside a function (expected .func first)"},
    {".bogus 1\n", "e.sasm:1:1: error: unknown directive '.bogus'"},
    {".func f(%a: i64)\n  ldk %a, #5\n.end\n",
     "e.sasm:2:11: error: constant index #5 out of range (pool has 0 entries)"},
    {".func f(%a: i64)\n  ldk %a, UNDEF\n.end\n", "e.sasm:2:11: error: undefined constant 'UNDEF'"},
    {".func f(%a: i64)\n  rnew %a, Nope\n.end\n", "e.sasm:2:12: error: undefined struct 'Nope'"},
    {".struct S { x: i64 }\n.func f(%a: ref)\n  rget %a, %a, S.y\n.end\n",
     "e.sasm:3:16: error: undefined field 'S.y'"},
    {".struct S { x: i64, x: f64 }\n", "e.sasm:1:21: error: duplicate field 'x'"},
    {".struct S { x: int }\n",
     "e.sasm:1:16: error: unexpected 'int' (expected a type: i64, f64 or ref)"},
    {".struct S { x: i64\n", "e.sasm:1:19: error: unexpected end of line (expected ',' or '}')"},
    {".layout L { x: i128 }\n",
     "e.sasm:1:16: error: unexpected 'i128' (expected a layout type: i8 i16 i32 i64 f32 f64)"},
    {".data 0 i8 256\n", "e.sasm:1:12: error: value 256 out of range (expected -128..255)"},
    {".data 0 1\n",
     "e.sasm:1:9: error: unexpected integer (expected a string, zero N, or a type i8 i16 i32 i64 "
     "f32 f64)"},
    {".memory -1\n", "e.sasm:1:9: error: value -1 out of range (expected 0..9223372036854775807)"},
    {".memory 131072 max 1\n", "e.sasm:1:20: error: maximum memory size below the initial size"},
    {".import std.io f()\n",
     "e.sasm:1:9: error: unexpected 'std.io' (expected module name string)"},
    {".export nope\n", "e.sasm:1:9: error: undefined function 'nope'"},
    {".func f()\n ret\n.end\n.export f\n.export f\n", "e.sasm:5:9: error: duplicate export 'f'"},
    {".const X = 1\n.const X = 2\n", "e.sasm:2:8: error: duplicate name 'X'"},
    {".func f()\n  ret \"unterminated\n.end\n", "e.sasm:2:7: error: unterminated string literal"},
    {".func f()\n .line -3\n.end\n",
     "e.sasm:2:8: error: value -3 out of range (expected 0..4294967295)"},
    {".func f()\n ret\n.end\n\n  ~\n", "e.sasm:5:3: error: unexpected character '~'"},
    {".module\n", "e.sasm:1:8: error: unexpected end of line (expected module name)"},
};

TEST(Errors, ExactLocationAndMessage) {
  for (const Case& c : kCases) EXPECT_EQ(asm_err(c.src, "e.sasm"), c.error) << c.src;
}

TEST(Errors, FirstErrorOnly) {
  // The lexical error on line 3 is not reported before the parse error on line 2.
  EXPECT_EQ(asm_err(".func f()\n  frob\n  \"open\n", "e.sasm"),
            "e.sasm:2:3: error: unknown instruction 'frob'");
}

TEST(Errors, HugeValuesAreRejectedNotWrapped) {
  EXPECT_NE(asm_err(".data 0 zero 0x7fffffffffffffff\n"), "");
  EXPECT_NE(asm_err(".layout L { a: i64[0xffffffff] }\n"), "");
  EXPECT_NE(asm_err(".memory 0xffffffffffffffff\n"), "");
  EXPECT_NE(asm_err(".kpool #3\n"), "");
}

}  // namespace
}  // namespace strata::as::test
