// Macros (parameters, @labels, nesting, limits) and includes.
#include <filesystem>
#include <fstream>

#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

using isa::Op;

TEST(Macros, SubstitutionAndLocalLabels) {
  auto m = asm_ok(R"(
.macro incr %r, N
  addi %r, %r, N
.endm
.macro count_to %i, %n
  li %i, 0
@loop:
  bge %i, %n, @done
  incr %i, 1
  j @loop
@done:
.endm
.func f(%n: i64) -> i64
  .reg %i: i64
  count_to %i, %n
  count_to %i, %n
  incr %n, -3
  ret %i
.end
)");
  const auto& c = m.funcs[0].code;
  ASSERT_EQ(c.size(), 10u);
  EXPECT_EQ(c[1], isa::make_abc(Op::Bge, 1, 0, 3));
  EXPECT_EQ(c[2], isa::make_abc(Op::AddI, 1, 1, 1));
  EXPECT_EQ(c[3], isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(-2)));
  EXPECT_EQ(c[5], isa::make_abc(Op::Bge, 1, 0, 3));  // the second expansion has its own labels
  EXPECT_EQ(c[8], isa::make_abc(Op::AddI, 0, 0, static_cast<uint16_t>(-3)));
  // Instructions from a macro carry the line of the invocation.
  EXPECT_EQ(m.line_of(0, 2), 15u);
  EXPECT_EQ(m.line_of(0, 6), 16u);
}

TEST(Macros, LabelBeforeInvocationAndNoParams) {
  auto m = asm_ok(R"(
.macro twice_nop
  nop
  nop
.endm
.func f()
start: twice_nop
  j start
.end
)");
  EXPECT_EQ(m.funcs[0].code[2], isa::make_abx(Op::Jmp, 0, static_cast<uint32_t>(-2)));
}

TEST(Macros, RecursionIsBounded) {
  std::string e = asm_err(".macro m\n m\n.endm\n.func f()\n m\n.end\n");
  EXPECT_EQ(e, "t.sasm:2:2: error: macro expansion too deep (limit 64)");
  // Exponential expansion hits the work budget instead of hanging.
  std::string src;
  for (int i = 0; i < 40; ++i)
    src += fmt::format(".macro m{}\n m{}\n m{}\n.endm\n", i, i + 1, i + 1);
  src += ".macro m40\n nop\n.endm\n.func f()\n m0\n ret\n.end\n";
  EXPECT_NE(asm_err(src).find("too much macro expansion"), std::string::npos);
}

TEST(Macros, Errors) {
  EXPECT_EQ(asm_err(".macro m %a\n nop\n.endm\n.func f()\n m\n.end\n"),
            "t.sasm:5:2: error: macro 'm' takes 1 arguments (0 given)");
  EXPECT_EQ(asm_err(".macro m\n nop\n"), "t.sasm:1:1: error: unterminated .macro (expected .endm)");
  EXPECT_EQ(asm_err(".macro m\n.macro n\n.endm\n"),
            "t.sasm:2:1: error: nested .macro (expected .endm first)");
  EXPECT_EQ(asm_err(".endm\n"), "t.sasm:1:1: error: .endm without .macro");
  EXPECT_EQ(asm_err(".macro add\n.endm\n"),
            "t.sasm:1:8: error: macro name 'add' is an instruction");
  EXPECT_EQ(asm_err(".func f()\n@x: ret\n.end\n"), "t.sasm:2:1: error: '@' label outside a macro");
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("strata_asm_test_{}_{}", ::getpid(), counter_++);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
  static inline int counter_ = 0;
};

TEST(Includes, RelativeToTheIncludingFile) {
  TempDir d;
  d.write("lib/a.sasm", ".include \"b.sasm\"\n.const A = 1\n");
  d.write("lib/b.sasm", ".macro inc %r\n addi %r, %r, B\n.endm\n.const B = 2\n");
  std::string main = d.write(
      "main.sasm", ".include \"lib/a.sasm\"\n.func f(%x: i64) -> i64\n inc %x\n ret %x\n.end\n");
  auto m = assemble_file(main);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->funcs[0].code[0], isa::make_abc(Op::AddI, 0, 0, 2));
  // From memory: relative to the directory of the given file name.
  auto m2 = assemble(".include \"lib/a.sasm\"\n", d.path("virtual.sasm"));
  ASSERT_TRUE(m2) << m2.error().message;
}

TEST(Includes, ErrorsNameTheIncludedFile) {
  TempDir d;
  d.write("bad.sasm", "\n  bogus!\n");
  std::string main = d.write("main.sasm", ".include \"bad.sasm\"\n");
  auto m = assemble_file(main);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, d.path("bad.sasm") + ":2:8: error: unexpected character '!'");
  auto e = assemble(".include \"missing.sasm\"", d.path("x.sasm"));
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, d.path("x.sasm") + ":1:10: error: cannot read include file '" +
                                   d.path("missing.sasm") + "'");
}

TEST(Includes, SelfInclusionIsBounded) {
  TempDir d;
  std::string main = d.write("loop.sasm", ".include \"loop.sasm\"\n");
  auto m = assemble_file(main);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("includes nested too deeply (limit 32)"), std::string::npos);
  std::string twice = d.write("twice.sasm", ".include \"twice.sasm\"\n.include \"twice.sasm\"\n");
  auto m2 = assemble_file(twice);
  ASSERT_FALSE(m2);
}

TEST(Includes, MissingTopLevelFile) {
  auto m = assemble_file("/nonexistent/dir/x.sasm");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message, "/nonexistent/dir/x.sasm: error: cannot read file");
}

}  // namespace
}  // namespace strata::as::test
