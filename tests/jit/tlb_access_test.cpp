// Software-TLB checks emitted as one piece (jit/baseline/tlb_access.hpp): which word sequences
// qualify, which operands the register cache then does not count, and programs with such checks
// (hits, misses through a slow path, accesses outside the memory, every width, loads and stores,
// with the base cached or in the window) behaving exactly as in the interpreter.
#include <cstdint>
#include <string>
#include <vector>

#include <asmjit/x86.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "jit/baseline/emitter.hpp"
#include "jit/baseline/tlb_access.hpp"
#include "tests/jit/baseline_support.hpp"

namespace strata::jit::baseline::test {
namespace {

using isa::make_abc;
using isa::make_abx;
using isa::Op;
using isa::Word;

uint16_t u16(int v) {
  return static_cast<uint16_t>(static_cast<int16_t>(v));
}

// Registers of the checks below.
constexpr uint16_t kBase = 1, kVa = 2, kCmp = 3, kEntry = 4, kTag = 5, kDst = 6, kOther = 7;

// One check as the RV64 system translator emits it (translate_sys_mem.cpp), its access, a `ret`,
// then its slow path (writes cmp, entry and tag before reading them; reads va) jumping back to
// the ret. Knobs break one condition each.
struct Shape {
  bool addi = true;
  Op access = Op::LdI64;
  int index_mask = 0x1fe0;
  bool read_tag_after = false;      // the word after the access reads the tag
  bool miss_reads_entry = false;    // the slow path reads the entry before writing it
  bool jump_into_middle = false;    // a branch targets the check's shri
  bool store_value_is_tmp = false;  // a store stores the entry
};

std::vector<Word> check_code(const Shape& s) {
  std::vector<Word> w;
  const uint16_t va = s.addi ? kVa : kBase;
  size_t jump_at = 0;
  if (s.jump_into_middle) {
    jump_at = w.size();
    w.push_back(make_abx(Op::Bnz, kOther, 0));  // patched below
  }
  if (s.addi) w.push_back(make_abc(Op::AddI, kVa, kBase, u16(16)));
  w.push_back(make_abc(Op::AndI, kCmp, va, u16(-4096 | 7)));
  const size_t shri = w.size();
  w.push_back(make_abc(Op::ShrI, kEntry, va, 7));
  w.push_back(make_abc(Op::AndI, kEntry, kEntry, u16(s.index_mask)));
  w.push_back(make_abc(Op::LdI64, kTag, kEntry, 0x1000));
  const size_t bne = w.size();
  w.push_back(0);  // patched below
  w.push_back(make_abc(Op::LdI64, kTag, kEntry, 0x1010));
  w.push_back(make_abc(Op::Add, kTag, kTag, va));
  if (s.access == Op::StI64 || s.access == Op::StI8)
    w.push_back(make_abc(s.access, kTag, s.store_value_is_tmp ? kEntry : kDst, 0));
  else
    w.push_back(make_abc(s.access, kDst, kTag, 0));
  if (s.read_tag_after) w.push_back(make_abc(Op::Add, kDst, kDst, kTag));
  const size_t done = w.size();
  w.push_back(make_abc(Op::Ret, kDst, 0, 0));
  const size_t miss = w.size();
  if (s.miss_reads_entry) w.push_back(make_abc(Op::Add, kDst, kDst, kEntry));
  w.push_back(make_abx(Op::Li, kCmp, 1));
  w.push_back(make_abc(Op::AddI, kEntry, va, 8));
  w.push_back(make_abc(Op::LdI64, kDst, kEntry, 0));
  w.push_back(make_abx(Op::Li, kTag, 0));
  w.push_back(make_abx(Op::Jmp, 0, static_cast<uint32_t>(static_cast<int32_t>(done - w.size()))));
  w[bne] = make_abc(Op::Bne, kTag, kCmp, static_cast<uint16_t>(miss - bne));
  if (s.jump_into_middle)
    w[jump_at] = make_abx(Op::Bnz, kOther, static_cast<uint32_t>(shri - jump_at));
  return w;
}

struct Found {
  std::vector<isa::Insn> insns;
  std::vector<TlbCheck> checks;
};

Found find(const std::vector<Word>& code, uint64_t memory_size = 65536) {
  isa::Module m;
  isa::Function f;
  f.regs.assign(10, isa::ValType::I64);
  f.code = code;
  Found out;
  std::vector<bool> entries(code.size(), false);
  for (const isa::Insn& in : isa::CodeWalk(m, f)) {
    out.insns.push_back(in);
    if (isa::info(in.op()).flags & isa::kBranch)
      entries[static_cast<size_t>(int64_t{in.pc} + isa::branch_offset(in.word))] = true;
  }
  out.checks = find_tlb_checks(out.insns, entries, memory_size, [](const isa::Insn& in) {
    return isa::is_def(isa::info(in.op()).a);
  });
  return out;
}

TEST(TlbCheckShape, TheTranslatorsCheckIsFoundWithItsFields) {
  const Found f = find(check_code({}));
  ASSERT_EQ(f.checks.size(), 1u);
  const TlbCheck& c = f.checks[0];
  EXPECT_EQ(c.first, 0u);
  EXPECT_EQ(c.access, 8u);
  EXPECT_TRUE(c.va_temp);
  EXPECT_EQ(c.base, kBase);
  EXPECT_EQ(c.imm, 16);
  EXPECT_EQ(c.va, kVa);
  EXPECT_EQ(c.cmp, kCmp);
  EXPECT_EQ(c.entry, kEntry);
  EXPECT_EQ(c.tag, kTag);
  EXPECT_EQ(c.page_mask, -4096 | 7);
  EXPECT_EQ(c.shift, 7u);
  EXPECT_EQ(c.index_mask, 0x1fe0u);
  EXPECT_EQ(c.tag_offset, 0x1000u);
  EXPECT_EQ(c.addend_offset, 0x1010u);
  EXPECT_EQ(c.miss_pc, 10u);  // after the access and the ret

  const Found plain = find(check_code({.addi = false}));
  ASSERT_EQ(plain.checks.size(), 1u);
  EXPECT_FALSE(plain.checks[0].va_temp);
  EXPECT_EQ(plain.checks[0].va, kBase);
  EXPECT_EQ(plain.checks[0].access, 7u);
  EXPECT_EQ(find(check_code({.access = Op::StI8})).checks.size(), 1u);
  EXPECT_EQ(find(check_code({.access = Op::LdU16})).checks.size(), 1u);
}

TEST(TlbCheckShape, NotWhereATemporaryLivesOnOrTheWordsDiffer) {
  // The tag read after the access, the entry read by the slow path before it writes it.
  EXPECT_TRUE(find(check_code({.read_tag_after = true})).checks.empty());
  EXPECT_TRUE(find(check_code({.miss_reads_entry = true})).checks.empty());
  // A jump into the middle, a store of a temporary.
  EXPECT_TRUE(find(check_code({.jump_into_middle = true})).checks.empty());
  EXPECT_TRUE(find(check_code({.access = Op::StI64, .store_value_is_tmp = true})).checks.empty());
  // A negative (sign-extended) index mask, a table reaching past the memory.
  EXPECT_TRUE(find(check_code({.index_mask = -32}), uint64_t{1} << 32).checks.empty());
  EXPECT_TRUE(find(check_code({}), 0x1010 + 0x1fe0 + 7).checks.empty());
  EXPECT_EQ(find(check_code({}), 0x1010 + 0x1fe0 + 8).checks.size(), 1u);
  // Any other word in its place.
  std::vector<Word> w = check_code({});
  w[2] = make_abc(Op::ShrI, kEntry, kVa, 8);  // another shift: still a check
  EXPECT_EQ(find(w).checks.size(), 1u);
  w[2] = make_abc(Op::ShrI, kEntry, kVa, 60);  // the mask keeps bits a rotate would bring in
  EXPECT_TRUE(find(w).checks.empty());
  w[2] = make_abc(Op::SarI, kEntry, kVa, 7);
  EXPECT_TRUE(find(w).checks.empty());
  w = check_code({});
  w[7] = make_abc(Op::Add, kTag, kTag, kBase);  // the addend plus another register
  EXPECT_TRUE(find(w).checks.empty());
}

// A group's span check (jit/rv64/mem_groups.hpp): the compared value from vx = the span's last
// byte, the entry from va (the base itself, or `addi va, base, low` after the andi), the linear
// address into `host`, which the followers read after the access.
constexpr uint16_t kVx = 8;
std::vector<Word> group_code(bool va_temp, uint16_t host = kOther, bool vx_read_after = false) {
  std::vector<Word> w;
  const uint16_t va = va_temp ? kVa : kBase;
  w.push_back(make_abc(Op::AddI, kVx, kBase, u16(va_temp ? 103 : 43)));
  w.push_back(make_abc(Op::AndI, kCmp, kVx, u16(-4096)));
  if (va_temp) w.push_back(make_abc(Op::AddI, kVa, kBase, u16(96)));
  w.push_back(make_abc(Op::ShrI, kEntry, va, 7));
  w.push_back(make_abc(Op::AndI, kEntry, kEntry, u16(0x1fe0)));
  w.push_back(make_abc(Op::LdI64, kTag, kEntry, 0x1000));
  const size_t bne = w.size();
  w.push_back(0);  // patched below
  w.push_back(make_abc(Op::LdI64, kTag, kEntry, 0x1010));
  w.push_back(make_abc(Op::Add, host, kTag, va));
  w.push_back(make_abc(Op::LdI64, kDst, host, 8));
  const size_t done = w.size();
  w.push_back(make_abc(Op::Add, kDst, kDst, vx_read_after ? kVx : kOther));
  w.push_back(make_abc(Op::Ret, kDst, 0, 0));
  const size_t miss = w.size();
  w.push_back(make_abx(Op::Li, kCmp, 1));
  w.push_back(make_abc(Op::AddI, kEntry, kBase, 8));
  w.push_back(make_abc(Op::LdI64, kDst, kEntry, 0));
  w.push_back(make_abx(Op::Li, kTag, 0));
  w.push_back(make_abx(Op::Li, kVx, 0));
  w.push_back(make_abx(Op::Li, kOther, 0));
  w.push_back(make_abx(Op::Jmp, 0, static_cast<uint32_t>(static_cast<int32_t>(done - w.size()))));
  w[bne] = make_abc(Op::Bne, kTag, kCmp, static_cast<uint16_t>(miss - bne));
  return w;
}

TEST(TlbCheckShape, AGroupsSpanCheckIsFoundWithItsFields) {
  const Found plain = find(group_code(false));
  ASSERT_EQ(plain.checks.size(), 1u);
  const TlbCheck& p = plain.checks[0];
  EXPECT_EQ(p.first, 0u);
  EXPECT_EQ(p.access, 8u);
  EXPECT_FALSE(p.va_temp);
  EXPECT_EQ(p.va, kBase);
  EXPECT_EQ(p.vx, kVx);
  EXPECT_EQ(p.vx_delta, 43);
  EXPECT_EQ(p.host, kOther);
  EXPECT_EQ(p.page_mask, -4096);

  const Found temp = find(group_code(true));
  ASSERT_EQ(temp.checks.size(), 1u);
  const TlbCheck& t = temp.checks[0];
  EXPECT_EQ(t.first, 0u);
  EXPECT_EQ(t.access, 9u);
  EXPECT_TRUE(t.va_temp);
  EXPECT_EQ(t.va, kVa);
  EXPECT_EQ(t.base, kBase);
  EXPECT_EQ(t.imm, 96);
  EXPECT_EQ(t.vx, kVx);
  EXPECT_EQ(t.vx_delta, 7);
  EXPECT_EQ(t.host, kOther);

  // vx is a temporary like the others: not where it is read after the access.
  EXPECT_TRUE(find(group_code(true, kOther, true)).checks.empty());
  // The host address in a temporary of the check.
  EXPECT_TRUE(find(group_code(true, kEntry)).checks.empty());
  EXPECT_TRUE(find(group_code(false, kVx)).checks.empty());
  // A lone check's host is its tag (TheTranslatorsCheckIsFoundWithItsFields).
  EXPECT_EQ(find(check_code({})).checks[0].host, kTag);
}

TEST(TlbCheckShape, TheCheckAndSlowPathTemporariesAreNotCounted) {
  const Found f = find(check_code({}));
  ASSERT_EQ(f.checks.size(), 1u);
  const size_t code_size = f.insns.back().pc + f.insns.back().length();
  const std::vector<uint8_t> skip = tlb_uncounted_operands(f.insns, code_size, f.checks);
  EXPECT_EQ(skip[0], 1);   // addi va, base: va, not base
  EXPECT_EQ(skip[1], 3);   // andi cmp, va
  EXPECT_EQ(skip[5], 3);   // bne tag, cmp
  EXPECT_EQ(skip[8], 2);   // ld dst, tag: the tag, not dst
  EXPECT_EQ(skip[9], 0);   // ret dst
  EXPECT_EQ(skip[10], 1);  // li cmp (slow path)
  EXPECT_EQ(skip[11], 3);  // addi entry, va
  EXPECT_EQ(skip[12], 2);  // ld dst, entry
  // A plain va is read once: its andi counts, its shri and add do not.
  const Found plain = find(check_code({.addi = false}));
  const std::vector<uint8_t> pskip = tlb_uncounted_operands(plain.insns, code_size, plain.checks);
  EXPECT_EQ(pskip[0], 1);  // andi cmp, va: cmp only
  EXPECT_EQ(pskip[1], 3);  // shri entry, va
  EXPECT_EQ(pskip[6], 7);  // add tag, tag, va
  // The register cache then leaves the temporaries out.
  const std::vector<int8_t> host = choose_cached(f.insns, 8, true, nullptr, false, &skip);
  EXPECT_EQ(host[kCmp], -1);
  EXPECT_EQ(host[kEntry], -1);
  EXPECT_EQ(host[kTag], -1);
  EXPECT_EQ(host[kVa], -1);
}

// The translator's check of `va` (after `setup`, which computes it) against the tag at
// `tag_offset` with the compared value's mask `mask`, missing to `miss`; the access follows.
std::string check_text(const std::string& setup, const std::string& va, int mask, int tag_offset,
                       const std::string& miss) {
  return fmt::format(R"({}  andi %cmp, {va}, {}
  shri %ent, {va}, 7
  andi %ent, %ent, 0x1fe0
  ld.i64 %tag, %ent, {:#x}
  bne %tag, %cmp, {}
  ld.i64 %tag, %ent, 0x1010
  add %tag, %tag, {va}
)",
                     setup, mask, tag_offset, miss, fmt::arg("va", va));
}

// The table of the programs below (256 entries of 32 bytes at 0x1000: read tag, write tag,
// addend) mapping guest pages onto 8 pages of "RAM" at 0x4000: page p of guest space (p < 64)
// is RAM page p % 8, present in the table unless p % 5 == 0. Then `slow`, their slow paths'
// address computation.
constexpr const char* kTableFill = R"(  li %p, 0
fill:
  shli %e, %p, 5
  shli %t, %p, 12
  st.i64 %e, %t, 0x1000
  st.i64 %e, %t, 0x1008
  andi %v, %p, 7
  shli %v, %v, 12
  addi %v, %v, 0x4000
  sub %v, %v, %t
  st.i64 %e, %v, 0x1010
  li %v, 5
  remu %v, %p, %v
  bnz %v, mapped
  li %v, -1
  st.i64 %e, %v, 0x1000
  st.i64 %e, %v, 0x1008
mapped:
  addi %p, %p, 1
  li %t, 64
  bne %p, %t, fill
)";
constexpr const char* kSlowFunc = R"(.func slow(%a: i64) -> i64
  .reg %t: i64
  shri %t, %a, 12
  andi %t, %t, 7
  shli %t, %t, 12
  addi %t, %t, 0x4000
  andi %a, %a, 0xfff
  add %t, %t, %a
  ret %t
.end
)";

// A program with a table shaped as the hart's TLB (256 entries of 32 bytes at 0x1000: read tag,
// write tag, addend) mapping guest pages onto 8 pages of "RAM" at 0x4000; a loop checks loads and
// stores of every width through it (va = base + imm, and a plain base), misses to a slow path
// that computes the address by hand (and one at r0 + imm), with `hot` registers taking the whole
// cache (the base then in the window) or not.
std::string tlb_program(bool pressure, const std::string& access_tail) {
  const Pressure hot = pressure ? Pressure::make() : Pressure{};
  return fmt::format(
      R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %i: i64, %p: i64, %e: i64, %t: i64, %base: i64, %va: i64, %cmp: i64
  .reg %ent: i64, %tag: i64, %v: i64, %acc: i64, %n: i64{}
{}
{fill}  li %acc, 0
  li %i, 0
  li %n, 600
loop:
{}  muli %base, %i, 0x1e37
  andi %base, %base, 0x3fff
  shli %base, %base, 4
  andi %t, %i, 7
  bnz %t, aligned
  addi %base, %base, 3
aligned:
{}  ld.i64 %v, %tag, 0
done1:
  add %acc, %acc, %v
{}  st.i16 %tag, %acc, 0
done2:
{}{}
done3:
  add %acc, %acc, %v
{}  ld.u16 %v, %tag, 0
done4:
  add %acc, %acc, %v
  addi %i, %i, 1
  bne %i, %n, loop
  ret %acc
miss1:
  li %cmp, 1
  call %ent, slow(%va)
  ld.i64 %v, %ent, 0
  addi %v, %v, 7
  li %tag, 0
  jmp done1
miss2:
  li %cmp, 2
  call %ent, slow(%base)
  st.i16 %ent, %acc, 0
  addi %acc, %acc, 3
  li %tag, 0
  jmp done2
miss4:
  li %cmp, 4
  li %ent, 0
  li %tag, 0
  li %v, 99999
  jmp done4
miss3:
  li %cmp, 3
  call %ent, slow(%va)
  ld.u8 %v, %ent, 0
  addi %v, %v, 1000
  li %tag, 0
  jmp done3
.end
{slow})",
      hot.regs, hot.init, hot.hot,
      check_text("  addi %va, %base, 24\n", "%va", -4089, 0x1000, "miss1"),
      check_text("", "%base", -4095, 0x1008, "miss2"),
      check_text("  addi %va, %base, -8\n", "%va", -4096, 0x1000, "miss3"), access_tail,
      check_text("  addi %va, %z, 0x6010\n", "%va", -4089, 0x1000, "miss4"),
      // Named arguments last: fmt counts them among the positional ones.
      fmt::arg("fill", kTableFill), fmt::arg("slow", kSlowFunc));
}

constexpr CodePromises kFixed{.fixed_memory = true, .zero_r0 = true};

const vm::FuncInfo* main_of(const vm::Instance& inst) {
  for (const vm::FuncInfo& f : inst.funcs)
    if (f.name == "main") return &f;
  return nullptr;
}

TEST(TlbCheckProgram, HitsMissesAndEveryWidthMatchTheInterpreter) {
  const char* tails[] = {"  ld.u8 %v, %tag, 0",
                         "  ld.i8 %v, %tag, 0",
                         "  ld.u16 %v, %tag, 2",
                         "  ld.i32 %v, %tag, 4",
                         "  ld.u32 %v, %tag, 0",
                         "  ld.i64 %v, %tag, 0",
                         "  st.i8 %tag, %i, 0\n  li %v, 1",
                         "  st.i64 %tag, %acc, 0\n  li %v, 2"};
  for (const bool pressure : {false, true}) {
    for (const char* tail : tails) {
      const std::string src = tlb_program(pressure, tail);
      const std::string want = run_promised(src, nullptr);
      EXPECT_EQ(want.find("trap"), std::string::npos) << want;
      EXPECT_EQ(want, run_promised(src, &kFixed)) << "pressure " << pressure << ", " << tail;
      const CodePromises none{};
      EXPECT_EQ(want, run_promised(src, &none)) << "pressure " << pressure << ", " << tail;
    }
  }
}

// Groups on the same table as tlb_program: three loads (ld.i64 at +8 leading, ld.u16 at +0 and
// ld.i32 at +40 following, va the base itself) and two stores (st.i32 at +100 leading, st.i64 at
// +96 following, va = base + 96), on bases that are sometimes misaligned and whose span sometimes
// crosses a page (then the check misses: the compared page is the span's last byte's). A miss
// sets the host address to 0 and each follower takes its own slow path.
std::string group_program(bool pressure) {
  const Pressure hot = pressure ? Pressure::make() : Pressure{};
  return fmt::format(
      R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %i: i64, %p: i64, %e: i64, %t: i64, %base: i64, %va: i64, %cmp: i64
  .reg %ent: i64, %tag: i64, %v: i64, %acc: i64, %n: i64, %vx: i64, %host: i64{}
{}
{fill}  li %acc, 0
  li %i, 0
  li %n, 900
loop:
{}  muli %base, %i, 0x1e37
  andi %base, %base, 0x3fff
  shli %base, %base, 4
  andi %t, %i, 3
  add %base, %base, %t
  addi %vx, %base, 43
  andi %cmp, %vx, -4096
  shri %ent, %base, 7
  andi %ent, %ent, 0x1fe0
  ld.i64 %tag, %ent, 0x1000
  bne %tag, %cmp, gmiss
  ld.i64 %tag, %ent, 0x1010
  add %host, %tag, %base
  ld.i64 %v, %host, 8
gdone:
  add %acc, %acc, %v
  bz %host, f1miss
  ld.u16 %v, %host, 0
f1done:
  add %acc, %acc, %v
  bz %host, f2miss
  ld.i32 %v, %host, 40
f2done:
  add %acc, %acc, %v
  addi %vx, %base, 103
  andi %cmp, %vx, -4096
  addi %va, %base, 96
  shri %ent, %va, 7
  andi %ent, %ent, 0x1fe0
  ld.i64 %tag, %ent, 0x1008
  bne %tag, %cmp, smiss
  ld.i64 %tag, %ent, 0x1010
  add %host, %tag, %va
  st.i32 %host, %acc, 4
sdone:
  bz %host, s1miss
  st.i64 %host, %i, 0
s1done:
  addi %i, %i, 1
  bne %i, %n, loop
  li %p, 0x4000
sum:
  ld.i64 %v, %p, 0
  add %acc, %acc, %v
  muli %acc, %acc, 3
  addi %p, %p, 8
  li %t, 0xc000
  bne %p, %t, sum
  ret %acc
gmiss:
  li %cmp, 1
  addi %va, %base, 8
  call %ent, slow(%va)
  ld.i64 %v, %ent, 0
  addi %v, %v, 7
  li %tag, 0
  li %host, 0
  jmp gdone
f1miss:
  call %t, slow(%base)
  ld.u16 %v, %t, 0
  addi %v, %v, 100
  jmp f1done
f2miss:
  addi %va, %base, 40
  call %t, slow(%va)
  ld.i32 %v, %t, 0
  jmp f2done
smiss:
  li %cmp, 2
  call %ent, slow(%va)
  addi %t, %i, 1
  st.i32 %ent, %t, 0
  li %tag, 0
  li %host, 0
  jmp sdone
s1miss:
  addi %va, %base, 96
  call %t, slow(%va)
  st.i64 %t, %acc, 0
  jmp s1done
.end
{slow})",
      hot.regs, hot.init, hot.hot, fmt::arg("fill", kTableFill), fmt::arg("slow", kSlowFunc));
}

TEST(TlbCheckProgram, GroupsMatchTheInterpreter) {
  for (const bool pressure : {false, true}) {
    const std::string src = group_program(pressure);
    const std::string want = run_promised(src, nullptr);
    EXPECT_EQ(want.find("trap"), std::string::npos) << want;
    EXPECT_EQ(want, run_promised(src, &kFixed)) << "pressure " << pressure;
    const CodePromises none{};
    EXPECT_EQ(want, run_promised(src, &none)) << "pressure " << pressure;
  }
}

// Both group checks are emitted as one piece each, the host address left in a cache register.
TEST(TlbCheckProgram, AGroupsCheckIsFusedAndItsHostIsCached) {
  std::unique_ptr<vm::Program> p = testing::load_test_program(group_program(false), "main", {}, -1);
  ASSERT_TRUE(p);
  const auto& inst = p->instances().front();
  const vm::FuncInfo* main = main_of(*inst);
  ASSERT_NE(main, nullptr);
  const isa::Function& fn = inst->module.funcs[main->index];
  // The program's own module: its calls' lengths come from their callee's signature.
  std::vector<isa::Insn> insns;
  std::vector<bool> entries(fn.code.size() + 1, false);
  for (const isa::Insn& in : isa::CodeWalk(inst->module, fn)) {
    insns.push_back(in);
    if (isa::info(in.op()).flags & isa::kBranch)
      entries[static_cast<size_t>(int64_t{in.pc} + isa::branch_offset(in.word))] = true;
  }
  const std::vector<TlbCheck> checks = find_tlb_checks(
      insns, entries, 65536, [](const isa::Insn& in) { return isa::is_def(isa::info(in.op()).a); });
  // .reg order: ... %vx r13, %host r14.
  ASSERT_EQ(checks.size(), 2u);
  for (const TlbCheck& c : checks) {
    EXPECT_EQ(c.vx, 13);
    EXPECT_EQ(c.host, 14);
  }
  asmjit::CodeHolder code;
  code.init(asmjit::Environment::host());
  Emitter e(code, *main, fn, nullptr, kFixed);
  ASSERT_TRUE(e.emit_function());
  EXPECT_TRUE(e.cached(14));
  for (uint16_t r : {7, 8, 9, 13}) EXPECT_FALSE(e.cached(r)) << r;
}

// GUEST: an entry whose addend leads outside the memory traps at the access, as interpreted.
TEST(TlbCheckProgram, AnAddendOutsideTheMemoryTrapsAsInterpreted) {
  for (const int64_t addend : {int64_t{65536 - 7}, int64_t{1} << 40, int64_t{-0x10000}}) {
    const std::string src = fmt::format(R"(
.memory 65536
.func main() -> i64 export
  .reg %z: i64, %va: i64, %cmp: i64, %ent: i64, %tag: i64, %v: i64, %a: i64
  li %va, 0x5000
  andi %cmp, %va, -4089
  shri %ent, %va, 7
  andi %ent, %ent, 0x1fe0
  st.i64 %ent, %cmp, 0x1000
  li %a, {}
  sub %a, %a, %va
  st.i64 %ent, %a, 0x1010
  andi %cmp, %va, -4089
  shri %ent, %va, 7
  andi %ent, %ent, 0x1fe0
  ld.i64 %tag, %ent, 0x1000
  bne %tag, %cmp, miss
  ld.i64 %tag, %ent, 0x1010
  add %tag, %tag, %va
  ld.i64 %v, %tag, 0
done:
  ret %v
miss:
  li %cmp, 0
  li %ent, 0
  li %tag, 0
  li %v, -1
  jmp done
.end
)",
                                        addend);
    const std::string want = run_promised(src, nullptr);
    EXPECT_NE(want.find("outside memory"), std::string::npos) << want;
    EXPECT_EQ(want, run_promised(src, &kFixed)) << addend;
  }
}

// The emitter takes the check as one piece: none of its temporaries is cached, and the loop's
// other registers are.
TEST(TlbCheckProgram, TheEmitterCachesNoTemporaryOfAFusedCheck) {
  std::unique_ptr<vm::Program> p =
      testing::load_test_program(tlb_program(true, "  ld.i64 %v, %tag, 0"), "main", {}, -1);
  ASSERT_TRUE(p);
  const auto& inst = p->instances().front();
  const vm::FuncInfo* main = main_of(*inst);
  ASSERT_NE(main, nullptr);
  asmjit::CodeHolder code;
  code.init(asmjit::Environment::host());
  Emitter e(code, *main, inst->module.funcs[main->index], nullptr, kFixed);
  ASSERT_TRUE(e.emit_function());
  // .reg order: %z r0, %i r1, %p, %e, %t, %base r5, %va r6, %cmp r7, %ent r8, %tag r9.
  for (uint16_t r : {6, 7, 8, 9}) EXPECT_FALSE(e.cached(r)) << r;
  size_t cached = 0;
  for (uint16_t r = 0; r < inst->module.funcs[main->index].regs.size(); ++r) cached += e.cached(r);
  EXPECT_EQ(cached, kPlainCacheRegs);
}

}  // namespace
}  // namespace strata::jit::baseline::test
