#include "isa/code_walk.hpp"

#include <gtest/gtest.h>

#include "tests/isa/builder.hpp"

namespace strata::isa {
namespace {

using namespace test;

TEST(CodeWalk, YieldsInstructionsWithTheirArgumentWords) {
  Builder b;
  const uint32_t s3 = b.sig({I, I, I, I, I}, I);
  const uint32_t f = b.func("f", s3, {},
                            {make_abc(Op::Nop, 0, 0, 0), make_abc(Op::Call, 0, 0, 0),
                             make_args(0, 1, 2, 3), make_args(4), make_abc(Op::Ret, 0, 0, 0)});
  std::vector<std::pair<uint32_t, uint32_t>> seen;  // pc, length
  for (const Insn& in : CodeWalk(b.m, b.m.funcs[f])) {
    EXPECT_EQ(in.status, InsnStatus::Ok);
    seen.emplace_back(in.pc, in.length());
    if (in.op() == Op::Call) {
      EXPECT_EQ(in.nargs, 5u);
      ASSERT_EQ(in.args.size(), 2u);
      for (uint32_t k = 0; k < 5; ++k) EXPECT_EQ(in.arg(k), k);
    }
  }
  const std::vector<std::pair<uint32_t, uint32_t>> want = {{0, 1}, {1, 3}, {4, 1}};
  EXPECT_EQ(seen, want);
}

TEST(CodeWalk, EmptyFunctionYieldsNothing) {
  Builder b;
  const uint32_t f = b.func("f", b.sig({}), {}, {});
  EXPECT_EQ(CodeWalk(b.m, b.m.funcs[f]).begin(), CodeWalk(b.m, b.m.funcs[f]).end());
}

TEST(CodeWalk, StopsAfterTheFirstUndecodableInstruction) {
  Builder b;
  const uint32_t s = b.sig({I, I}, I);
  b.import("m", "g", s);
  auto walk = [&](std::vector<Word> code) {
    b.m.funcs.clear();
    b.func("f", s, {}, std::move(code));
    std::vector<std::pair<uint32_t, InsnStatus>> out;
    for (const Insn& in : CodeWalk(b.m, b.m.funcs[0])) out.emplace_back(in.pc, in.status);
    return out;
  };
  using V = std::vector<std::pair<uint32_t, InsnStatus>>;
  EXPECT_EQ(walk({make_abc(Op::Nop, 0, 0, 0), Word(0xffff), make_abc(Op::Nop, 0, 0, 0)}),
            (V{{0, InsnStatus::Ok}, {1, InsnStatus::BadOpcode}}));
  EXPECT_EQ(walk({make_abc(Op::Call, 0, 9, 0), make_args(0, 1)}), (V{{0, InsnStatus::BadCallee}}));
  EXPECT_EQ(walk({make_abc(Op::CallH, 0, 1, 0), make_args(0, 1)}), (V{{0, InsnStatus::BadCallee}}));
  EXPECT_EQ(walk({make_abc(Op::CallI, 0, 0, 5)}), (V{{0, InsnStatus::BadCallee}}));
  EXPECT_EQ(walk({make_abc(Op::Nop, 0, 0, 0), make_abc(Op::CallH, 0, 0, 0)}),
            (V{{0, InsnStatus::Ok}, {1, InsnStatus::TruncatedArgs}}));
  EXPECT_EQ(walk({make_abc(Op::CallI, 0, 0, 0), make_args(0, 1)}), (V{{0, InsnStatus::Ok}}));
}

TEST(CodeWalk, CallSig) {
  Builder b;
  const uint32_t s0 = b.sig({I}, I);
  const uint32_t s1 = b.sig({F});
  b.import("m", "g", s1);
  b.func("f", s0, {}, {});
  EXPECT_EQ(call_sig(b.m, make_abc(Op::Call, 0, 0, 0)), s0);
  EXPECT_EQ(call_sig(b.m, make_abc(Op::CallH, 0, 0, 0)), s1);
  EXPECT_EQ(call_sig(b.m, make_abc(Op::CallI, 0, 0, 1)), s1);
  EXPECT_EQ(call_sig(b.m, make_abc(Op::Call, 0, 1, 0)), std::nullopt);
  EXPECT_EQ(call_sig(b.m, make_abc(Op::Add, 0, 0, 0)), std::nullopt);
  EXPECT_EQ(call_sig(b.m, Word(0xfffe)), std::nullopt);
}

TEST(CodeWalk, RichModuleCoversEveryOpcode) {
  const Module m = make_rich_module();
  std::vector<bool> used(kOpCount, false);
  for (const Function& f : m.funcs)
    for (const Insn& in : CodeWalk(m, f)) {
      ASSERT_EQ(in.status, InsnStatus::Ok) << f.name << " pc " << in.pc;
      used[static_cast<size_t>(in.op())] = true;
    }
  for (size_t i = 0; i < kOpCount; ++i) EXPECT_TRUE(used[i]) << kOpInfo[i].mnemonic;
}

}  // namespace
}  // namespace strata::isa
