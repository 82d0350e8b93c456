// assemble -> disassemble -> assemble is the identity, also through .sbc; programs verify.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "isa/sbc_format.hpp"
#include "isa/verifier.hpp"
#include "tests/assembler/helpers.hpp"

namespace strata::as::test {
namespace {

// Equality that also holds for NaN constants (Module::operator== compares doubles with ==).
bool same(const isa::Module& a, const isa::Module& b) {
  if (a.consts.size() != b.consts.size()) return false;
  for (size_t i = 0; i < a.consts.size(); ++i) {
    if (a.consts[i].index() != b.consts[i].index()) return false;
    if (auto* x = std::get_if<double>(&a.consts[i])) {
      double y = std::get<double>(b.consts[i]);
      if (std::memcmp(x, &y, sizeof y) != 0) return false;
    } else if (a.consts[i] != b.consts[i]) {
      return false;
    }
  }
  isa::Module a2 = a, b2 = b;
  a2.consts.clear();
  b2.consts.clear();
  return a2 == b2;
}

void expect_round_trip(const isa::Module& m) {
  std::string text = disassemble(m);
  auto again = assemble(text, "disasm.sasm");
  ASSERT_TRUE(again) << again.error().message << "\n" << text;
  EXPECT_TRUE(same(m, *again)) << text << "\n----\n" << disassemble(*again);
  // Disassembling the result gives the same text (a fixed point).
  EXPECT_EQ(text, disassemble(*again));
}

class Programs : public ::testing::TestWithParam<const char*> {};

TEST_P(Programs, AssemblesVerifiesAndRoundTrips) {
  auto m = assemble_file(data_path(GetParam()));
  ASSERT_TRUE(m) << m.error().message;
  auto v = isa::verify(*m);
  EXPECT_TRUE(v) << v.error().message;
  expect_round_trip(*m);
  auto back = isa::read_sbc(isa::write_sbc(*m));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_TRUE(same(*m, *back));
}

INSTANTIATE_TEST_SUITE_P(Data, Programs,
                         ::testing::Values("fib.sasm", "all_ops.sasm", "loop_memory.sasm",
                                           "records.sasm", "include_main.sasm"));

// Every .sasm program of the repository (examples, stdlib) survives the round trip.
TEST(RoundTrip, RepositoryPrograms) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const char* dir : {"examples", "stdlib"}) {
    fs::path root = fs::path(STRATA_SOURCE_DIR) / dir;
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
      if (e.path().extension() != ".sasm") continue;
      SCOPED_TRACE(e.path().string());
      auto m = assemble_file(e.path().string());
      ASSERT_TRUE(m) << m.error().message;
      expect_round_trip(*m);
      ++n;
    }
  }
  if (n == 0) GTEST_SKIP() << "no programs found";
}

TEST(RoundTrip, AllOpsCoversEveryOpcode) {
  auto m = assemble_file(data_path("all_ops.sasm"));
  ASSERT_TRUE(m) << m.error().message;
  std::vector<bool> seen(isa::kOpCount);
  for (const auto& f : m->funcs) {
    for (size_t pc = 0; pc < f.code.size();) {
      isa::Op op = isa::op_of(f.code[pc]);
      seen[static_cast<size_t>(op)] = true;
      size_t n = 1;
      if (isa::info(op).flags & isa::kCall) {
        uint32_t s = op == isa::Op::Call    ? m->funcs[isa::b_of(f.code[pc])].sig
                     : op == isa::Op::CallH ? m->imports[isa::b_of(f.code[pc])].sig
                                            : isa::c_of(f.code[pc]);
        n += isa::arg_words(m->sigs[s].params.size());
      }
      pc += n;
    }
  }
  for (size_t i = 0; i < isa::kOpCount; ++i)
    EXPECT_TRUE(seen[i]) << "opcode not covered: " << isa::kOpInfo[i].mnemonic;
}

// The text form of a small program, as a reader sees it.
TEST(RoundTrip, GoldenDisassembly) {
  isa::Module m = asm_ok(R"(.module demo
.import "std.io" print_i64(i64)
.func sq(%n: i64) -> i64 export
  mul %n, %n, %n
  ret %n
.end
.func main() -> i64
  .reg %x: i64
  li %x, 0x100000000
loop:
  call %x, sq(%x)
  beq %x, %x, loop
  callh print_i64(%x)
  ret 0
.end
)",
                         "demo.sasm");
  EXPECT_EQ(disassemble(m), R"(.module demo
.source "demo.sasm"
.sig (i64) -> void
.sig (i64) -> i64
.sig () -> i64
.kpool 4294967296
.import "std.io" print_i64(i64) -> void

.func sq(%n: i64) -> i64
  .line 4
  mul %n, %n, %n
  ret %n
.end

.func main() -> i64
  .reg %x: i64, %.ti: i64
  .line 9
  ldk %x, 4294967296
L1:
  call %x, sq(%x)
  beq %x, %x, L1
  callh print_i64(%x)
  li %.ti, 0
  .line 14
  ret %.ti
.end
.export sq
)");
}

TEST(RoundTrip, NoNamesNoLinesOddConstants) {
  isa::Module m = asm_ok(R"(
.nolines
.kpool 5, 5, nan, -0.0, 0.0, "a\x01\"\\"
.func f(%r0: i64) -> i64
  .reg %r1: i64
  ldk %r1, #1
  ldk %r1, 5
  ret %r1
.end
)");
  EXPECT_TRUE(m.funcs[0].reg_names.empty());
  EXPECT_TRUE(m.debug.lines.empty());
  EXPECT_EQ(m.consts.size(), 6u);
  EXPECT_EQ(isa::bc_of(m.funcs[0].code[0]), 1u);
  EXPECT_EQ(isa::bc_of(m.funcs[0].code[1]), 0u);
  expect_round_trip(m);
}

TEST(RoundTrip, HandBuiltModuleWithOddities) {
  isa::Module m;
  m.name = "odd name";
  m.sigs.push_back({{}, isa::ValType::I64});
  m.sigs.push_back({{isa::ValType::I64}, std::nullopt});
  m.sigs.push_back({{}, isa::ValType::I64});  // duplicate signatures are kept apart? no: see below
  m.sigs.pop_back();
  m.imports.push_back({"host", "dup", 1});
  m.imports.push_back({"other", "dup", 1});
  m.imports.push_back({"x", "not a name", 1});
  isa::Function f;
  f.name = "weird fn";
  f.sig = 0;
  f.regs = {isa::ValType::I64};
  f.code = {isa::make_abc(isa::Op::CallH, 0, 1, 0),
            isa::make_args(0),
            isa::make_abc(isa::Op::CallH, 0, 2, 0),
            isa::make_args(0),
            0xdeadbeefcafe1234ull,                  // not an opcode
            isa::make_abc(isa::Op::Beq, 0, 0, 1),   // lands on an argument word
            isa::make_abc(isa::Op::Call, 0, 0, 0),  // call into itself
            isa::make_abc(isa::Op::Ret, 0, 0, 0)};
  m.funcs.push_back(f);
  m.exports.push_back({"entry", 0});
  m.memory = {65536, 65536 * 4};
  m.data.push_back({16, std::string("\0\1\2hello", 8)});
  m.data.push_back({0, ""});
  m.debug.source = "hand.sasm";
  m.debug.lines.push_back({{0, 1}, {2, 1}, {4, 2}, {5, 3}, {6, 3}, {7, 9}});
  expect_round_trip(m);
}

TEST(RoundTrip, LongBranchesSurvive) {
  std::string src =
      ".func f(%a: i64, %b: i64, %x: f64) -> i64\nstart:\n  beq %a, %b, far\n  bflt %x, %x, far\n";
  for (int i = 0; i < 40000; ++i) src += "  nop\n";
  src += "far:\n  blt %a, %b, start\n  ret %a\n.end\n";
  isa::Module m = asm_ok(src);
  auto v = isa::verify(m);
  EXPECT_TRUE(v) << v.error().message;
  expect_round_trip(m);
}

}  // namespace
}  // namespace strata::as::test
