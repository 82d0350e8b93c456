// Traps: kinds, messages, stack traces (function, pc, source line) and their text form.
#include <set>

#include "tests/vm/vm_test_util.hpp"

namespace strata::vm::test {
namespace {

TEST(Traps, TraceNamesFunctionsPcsAndLines) {
  auto m = sasm(R"(; x.sasm
.func divide(%a: i64, %b: i64) -> i64
  div %a, %a, %b
  ret %a
.end

.func main() -> i64 export
  .reg %x: i64, %y: i64
  li %x, 1
  li %y, 0
  call %x, divide(%x, %y)
  ret %x
.end
)",
                "examples/x.sasm");
  auto p = Program::load(std::move(m), {});
  ASSERT_TRUE(p) << p.error().message;
  RunResult r = (*p)->run_main({});
  ASSERT_EQ(r.kind, RunResult::Kind::Trapped);
  const Trap& t = *r.trap;
  EXPECT_EQ(t.kind, TrapKind::DivideByZero);
  ASSERT_EQ(t.trace.size(), 2u);
  EXPECT_EQ(t.trace[0].function, "divide");
  EXPECT_EQ(t.trace[0].pc, 0u);
  EXPECT_EQ(t.trace[0].line, 3u);
  EXPECT_EQ(t.trace[0].source, "examples/x.sasm");
  EXPECT_EQ(t.trace[1].function, "main");
  EXPECT_EQ(t.trace[1].pc, 2u);
  EXPECT_EQ(t.trace[1].line, 11u);
  EXPECT_EQ(format_trap(t),
            "trap: integer divide by zero\n"
            "  at divide (examples/x.sasm:3, pc 0)\n"
            "  at main (examples/x.sasm:11, pc 2)\n");
}

TEST(Traps, ExplicitTrapCarriesItsCode) {
  auto p = load_sasm(".func f() export\n  trap 7\n.end\n");
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "f");
  EXPECT_EQ(t.kind, TrapKind::Explicit);
  EXPECT_EQ(format_trap(t), "trap: explicit trap: code 7\n  at f (test.sasm:2, pc 0)\n");
}

TEST(Traps, HandBuiltModuleWithoutDebugInfo) {
  ModuleBuilder b("bare");
  b.func("g", {}, std::nullopt, {}, {abc(Op::Nop), abc(Op::Trap, 0, 0, 3)});
  auto p = load_lib(std::move(b.m));
  ASSERT_TRUE(p);
  Trap t = call_trap(*p, "g");
  ASSERT_EQ(t.trace.size(), 1u);
  EXPECT_EQ(t.trace[0].module, "bare");
  EXPECT_EQ(t.trace[0].pc, 1u);
  EXPECT_EQ(t.trace[0].line, 0u);
  EXPECT_EQ(format_trap(t), "trap: explicit trap: code 3\n  at g (pc 1)\n");
}

TEST(Traps, EveryKindHasADistinctName) {
  std::set<std::string_view> names;
  for (int k = 0; k <= static_cast<int>(TrapKind::Interrupted); ++k) {
    std::string_view n = to_string(static_cast<TrapKind>(k));
    EXPECT_FALSE(n.empty());
    names.insert(n);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(TrapKind::Interrupted) + 1);
  EXPECT_EQ(to_string(TrapKind::MemoryOutOfBounds), "out of bounds memory access");
}

TEST(Traps, FormatVariants) {
  Trap t{TrapKind::NullReference, "", {}};
  t.trace.push_back({"m", "f", 4, 0, "file.sasm"});
  t.trace.push_back({"m", "g", 5, 9, ""});
  EXPECT_EQ(format_trap(t),
            "trap: null reference\n  at f (file.sasm, pc 4)\n  at g (line 9, pc 5)\n");
}

}  // namespace
}  // namespace strata::vm::test
