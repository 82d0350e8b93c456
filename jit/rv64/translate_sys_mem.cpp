// System-mode loads and stores → SVI (translate_sys.hpp): the inline software-TLB check of
// vm/rv64sys/soft_tlb.hpp, RAM on a hit, a Sys* helper on a miss.
//
// GUEST: the address is hostile, and so is a TLB entry a buggy hart might leave: a hit's access
// is an ordinary SVI load/store at va + addend, bounds-checked by SVI like every other. A
// misaligned access never hits (the compared value keeps the low bits an aligned one clears),
// so the helper handles it, including one that crosses a page.
//
// The two entry loads address `entry + constant` with entry = an andi with a small mask: the
// baseline tier proves them inside the linear memory (jit/baseline/known_bounds.hpp) and emits
// them without a check, as long as nothing but integer ops, loads and forward branches comes
// between the andi and them; only the RAM access keeps its check (docs/RISCV_SYSTEM.md has the
// host instructions per hit).
//
// A run of accesses off one base register is checked once for its whole span at its first
// member, the later ones reading the linear address that check left (mem_groups.hpp).
#include <array>
#include <optional>

#include "jit/rv64/mem_groups.hpp"
#include "jit/rv64/translate_float.hpp"
#include "jit/rv64/translate_int.hpp"
#include "jit/rv64/translate_sys.hpp"
#include "vm/rv64sys/sys_layout.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
using vm::rv64sys::SoftTlb;
namespace state = vm::rv64::state;

namespace {

// Bound of the words of one slow path: pc constant (5), callh (2), exit check (2), mov and
// NaN-box (4), jmp back (1).
constexpr size_t kSlowPathWords = 16;
// Bound of the shared fault exit: kPc load, or, ret and a writeback of every state slot.
constexpr size_t kCommonExitWords = 80;
constexpr size_t kFaultExitWords = 2;

// Bound of the words a group's leader adds to its slow path (the span checked again) and a
// follower to its own (its address).
constexpr size_t kRecheckWords = 14;
constexpr size_t kFollowerWords = 1;

uint16_t imm16(int64_t v) {
  return static_cast<uint16_t>(static_cast<int16_t>(v));
}

}  // namespace

struct SysEmitter::MemOp {
  Op op;          // the SVI access on a TLB hit
  Helper helper;  // the slow path
  unsigned size;
  bool store, sign, boxed, fpr;
};

namespace {

using MemOp = SysEmitter::MemOp;

bool classify(Opcode op, MemOp* m) {
  switch (op) {
    case Opcode::Lb: *m = {Op::LdI8, Helper::SysLdB, 1, false, true, false, false}; return true;
    case Opcode::Lh: *m = {Op::LdI16, Helper::SysLdH, 2, false, true, false, false}; return true;
    case Opcode::Lw: *m = {Op::LdI32, Helper::SysLdW, 4, false, true, false, false}; return true;
    case Opcode::Ld: *m = {Op::LdI64, Helper::SysLdD, 8, false, false, false, false}; return true;
    case Opcode::Lbu: *m = {Op::LdU8, Helper::SysLdBu, 1, false, false, false, false}; return true;
    case Opcode::Lhu: *m = {Op::LdU16, Helper::SysLdHu, 2, false, false, false, false}; return true;
    case Opcode::Lwu: *m = {Op::LdU32, Helper::SysLdWu, 4, false, false, false, false}; return true;
    case Opcode::Sb: *m = {Op::StI8, Helper::SysStB, 1, true, false, false, false}; return true;
    case Opcode::Sh: *m = {Op::StI16, Helper::SysStH, 2, true, false, false, false}; return true;
    case Opcode::Sw: *m = {Op::StI32, Helper::SysStW, 4, true, false, false, false}; return true;
    case Opcode::Sd: *m = {Op::StI64, Helper::SysStD, 8, true, false, false, false}; return true;
    // flw zero-extends the single and boxes it, as the user-mode translation does.
    case Opcode::Flw: *m = {Op::LdU32, Helper::SysLdWu, 4, false, false, true, true}; return true;
    case Opcode::Fld: *m = {Op::LdI64, Helper::SysLdD, 8, false, false, false, true}; return true;
    case Opcode::Fsw: *m = {Op::StI32, Helper::SysStW, 4, true, false, false, true}; return true;
    case Opcode::Fsd: *m = {Op::StI64, Helper::SysStD, 8, true, false, false, true}; return true;
    default: return false;
  }
}

}  // namespace

SysEmitter::SysEmitter(BlockBuilder& b, const SystemTarget& target)
    : b_(b),
      tlb_base_(static_cast<uint16_t>(vm::rv64sys::kTlbLinear +
                                      SoftTlb::index_offset(target.data_index))) {
  // The entry offsets below are U16 fields: the whole TLB area must be within their reach.
  static_assert(vm::rv64sys::kTlbLinear + SoftTlb::kBytes <= 0x10000);
}

bool SysEmitter::translate_mem(const DecodedInsn& in, uint64_t pc, unsigned index,
                               std::span<const DecodedInsn> after) {
  MemOp m;
  if (!classify(in.op, &m)) return false;
  for (size_t k = 0; k < groups_.size(); ++k) {
    Group& g = groups_[k];
    if (g.followers[g.next] != pc) continue;
    emit_follower(g, in, m, pc, index);
    ++checked_by_run_;
    if (++g.next == g.count) groups_.erase(groups_.begin() + static_cast<std::ptrdiff_t>(k));
    return true;
  }
  ++tlb_checks_;
  if (groups_.size() < kMaxGroups && emit_leader(in, m, pc, index, after)) return true;
  SlowPath s;
  const uint16_t base = begin_access(in, m, pc, index, &s);
  s.va = base;
  if (in.imm != 0) {
    s.va = b_.tmp();
    b_.emit(Op::AddI, s.va, base, imm16(in.imm));
  }
  const uint16_t entry = b_.tmp(), tag = b_.tmp(), cmp = b_.tmp();
  // The order lets the baseline tier take each first operand from rax, where the instruction
  // before left it (Emitter::load_rax): va for the compared value, entry for the tag load, the
  // tag for the branch, the addend for the add; only va and entry are read back from the frame.
  b_.emit(Op::AndI, cmp, s.va, imm16(-4096 | static_cast<int64_t>(m.size - 1)));
  // entry = ((va >> 12) & 255) * 32, an offset into the index's table. The andi's mask is what
  // lets the baseline tier drop the two entry loads' bounds checks (see the top of the file).
  b_.emit(Op::ShrI, entry, s.va, 7);
  b_.emit(Op::AndI, entry, entry, static_cast<uint16_t>((SoftTlb::kEntries - 1) * 32));
  b_.emit(Op::LdI64, tag, entry,
          static_cast<uint16_t>(tlb_base_ + (m.store ? SoftTlb::kWriteTag : SoftTlb::kReadTag)));
  b_.branch2(Op::Bne, tag, cmp, s.entry);
  // The address into the addend's own register: a cached one takes one host add, not a move
  // and an add.
  b_.emit(Op::LdI64, tag, entry, static_cast<uint16_t>(tlb_base_ + SoftTlb::kAddend));
  b_.emit(Op::Add, tag, tag, s.va);
  emit_ram_access(in, m, tag, 0, &s);
  b_.bind(s.done);
  // On the slow path the TLB temporaries are dead: they carry its pc, result and check.
  s.pc_reg = cmp;
  s.res = entry;
  s.scratch = tag;
  slow_.push_back(s);
  pending_words_ += kSlowPathWords;
  return true;
}

uint16_t SysEmitter::begin_access(const DecodedInsn& in, const MemOp& m, uint64_t pc,
                                  unsigned index, SlowPath* s) {
  *s = SlowPath{};
  s->pc = pc;
  s->retired = index;
  s->helper = m.helper;
  s->access = {m.size, m.store, m.sign, m.boxed, m.fpr};
  s->entry = b_.new_label();
  s->done = b_.new_label();
  // Sources first: a load's rd may be rs1.
  const uint16_t base = b_.xreg(in.rs1);
  if (m.store) s->value = m.fpr ? b_.freg(in.rs2) : b_.xreg(in.rs2);
  return base;
}

void SysEmitter::emit_ram_access(const DecodedInsn& in, const MemOp& m, uint16_t addr,
                                 uint16_t offset, SlowPath* s) {
  if (m.store) {
    b_.emit(m.op, addr, s->value, offset);
    return;
  }
  // A load into x0 still accesses memory (and may fault): xdef(0) is a scratch register.
  s->dst = m.fpr ? b_.fdef(in.rd) : b_.xdef(in.rd);
  b_.emit(m.op, s->dst, addr, offset);
  if (m.boxed) emit_box(b_, s->dst);
}

// The span check of a group (mem_groups.hpp): the entry of the span's first byte (va), compared
// with the page of its last byte (vx): an entry holds only a page of its own index, and the two
// pages are at most one apart, so a hit says both are the entry's page. No alignment bits: a
// misaligned member inside the page is an ordinary access. Then host = the linear address of va.
void SysEmitter::emit_group_check(const GroupCheck& c, BlockBuilder::Label miss) {
  if (c.vx != 0) {
    b_.emit(Op::AddI, c.vx, c.base, imm16(c.vx_imm));
    b_.emit(Op::AndI, c.cmp, c.vx, imm16(-4096));
    if (c.va != c.base) b_.emit(Op::AddI, c.va, c.base, imm16(c.va_imm));
  } else {
    if (c.va != c.base) b_.emit(Op::AddI, c.va, c.base, imm16(c.va_imm));
    b_.emit(Op::AndI, c.cmp, c.va, imm16(-4096));
  }
  b_.emit(Op::ShrI, c.entry, c.va, 7);
  b_.emit(Op::AndI, c.entry, c.entry, static_cast<uint16_t>((SoftTlb::kEntries - 1) * 32));
  b_.emit(Op::LdI64, c.tag, c.entry, c.tag_offset);
  b_.branch2(Op::Bne, c.tag, c.cmp, miss);
  b_.emit(Op::LdI64, c.tag, c.entry, static_cast<uint16_t>(tlb_base_ + SoftTlb::kAddend));
  b_.emit(Op::Add, c.host, c.tag, c.va);
}

bool SysEmitter::emit_leader(const DecodedInsn& in, const MemOp& m, uint64_t pc, unsigned index,
                             std::span<const DecodedInsn> after) {
  std::optional<MemGroup> plan = plan_mem_group(in, pc, after);
  if (!plan) return false;
  std::array<bool, kMaxGroups> used{};
  for (const Group& g : groups_) used[g.slot] = true;
  size_t slot = 0;
  while (used[slot]) ++slot;  // groups_.size() < kMaxGroups
  if (group_regs_[slot] == 0) group_regs_[slot] = b_.unit_reg();

  SlowPath s;
  const uint16_t base = begin_access(in, m, pc, index, &s);
  GroupCheck c{};
  c.base = base;
  c.host = group_regs_[slot];
  c.va_imm = plan->low;
  c.vx_imm = plan->low + plan->span - 1;
  c.vx = c.vx_imm != c.va_imm ? b_.tmp() : 0;
  c.va = plan->low != 0 ? b_.tmp() : base;
  c.entry = b_.tmp();
  c.tag = b_.tmp();
  c.cmp = b_.tmp();
  c.tag_offset =
      static_cast<uint16_t>(tlb_base_ + (m.store ? SoftTlb::kWriteTag : SoftTlb::kReadTag));
  emit_group_check(c, s.entry);
  emit_ram_access(in, m, c.host, static_cast<uint16_t>(in.imm - plan->low), &s);
  b_.bind(s.done);
  // The slow path's own address: va when that is the leader's, else computed there.
  if (in.imm == 0) {
    s.va = base;
  } else if (in.imm == plan->low) {
    s.va = c.va;
  } else {
    s.compute_va = true;
    s.va_base = base;
    s.va_imm = static_cast<int16_t>(in.imm);
    s.va = b_.tmp();
  }
  s.pc_reg = c.cmp;
  s.res = c.entry;
  s.scratch = c.tag;
  s.recheck = static_cast<int32_t>(rechecks_.size());
  rechecks_.push_back(c);
  slow_.push_back(s);
  pending_words_ += kSlowPathWords + kRecheckWords;
  groups_.push_back({plan->low, c.host, plan->followers, plan->count, 0, slot});
  return true;
}

void SysEmitter::emit_follower(Group& g, const DecodedInsn& in, const MemOp& m, uint64_t pc,
                               unsigned index) {
  SlowPath s;
  const uint16_t base = begin_access(in, m, pc, index, &s);
  // host is 0 when the leader's check failed: every member then goes through its helper.
  b_.branch1(Op::Bz, g.host, s.entry);
  emit_ram_access(in, m, g.host, static_cast<uint16_t>(in.imm - g.low), &s);
  b_.bind(s.done);
  s.compute_va = in.imm != 0;
  s.va_base = base;
  s.va_imm = static_cast<int16_t>(in.imm);
  s.va = in.imm != 0 ? b_.tmp() : base;
  s.pc_reg = b_.tmp();
  s.res = b_.tmp();
  s.scratch = b_.tmp();
  slow_.push_back(s);
  pending_words_ += kSlowPathWords + kFollowerWords;
}

void SysEmitter::emit_slow_path(const SlowPath& s) {
  b_.bind(s.entry);
  // The pc map then names this instruction for an SVI trap in its slow path.
  b_.begin_insn(s.pc);
  if (s.compute_va) b_.emit(Op::AddI, s.va, s.va_base, static_cast<uint16_t>(s.va_imm));
  b_.load_const(s.pc_reg, s.pc, s.scratch);
  if (s.access.store) {
    b_.call_helper(s.helper, 0, {s.va, s.value, s.pc_reg});
  } else {
    b_.call_helper(s.helper, s.res, {s.va, s.pc_reg});
  }
  emit_exit_check(s.scratch, s.retired);
  if (!s.access.store) {
    b_.emit(Op::Mov, s.dst, s.res);
    if (s.access.boxed) emit_box(b_, s.dst);
  }
  if (s.recheck >= 0) {
    // The helper filled the entry when it could: the followers go on through it, or (a device,
    // a page with code, a span across pages) through their own slow paths.
    const GroupCheck& c = rechecks_[static_cast<size_t>(s.recheck)];
    const BlockBuilder::Label fail = b_.new_label();
    emit_group_check(c, fail);
    b_.branch1(Op::Jmp, 0, s.done);
    b_.bind(fail);
    b_.emit(Op::Mov, c.host, BlockBuilder::kZero);
  }
  b_.branch1(Op::Jmp, 0, s.done);
}

void SysEmitter::emit_exit_check(uint16_t scratch, unsigned retired) {
  b_.emit(Op::LdI64, scratch, BlockBuilder::kZero, state::kExit);
  b_.branch1(Op::Bnz, scratch, fault_exit(retired));
}

BlockBuilder::Label SysEmitter::fault_exit(unsigned retired) {
  if (!common_used_) {
    common_used_ = true;
    common_exit_ = b_.new_label();
    pending_words_ += kCommonExitWords;
  }
  if (retired == 0) return common_exit_;
  for (const auto& [n, label] : fault_exits_)
    if (n == retired) return label;
  fault_exits_.emplace_back(retired, b_.new_label());
  pending_words_ += kFaultExitWords;
  return fault_exits_.back().second;
}

void SysEmitter::finish() {
  for (const SlowPath& s : slow_) emit_slow_path(s);
  slow_.clear();
  rechecks_.clear();
  for (const CsrExit& c : csr_exits_) emit_csr_exit(c);
  csr_exits_.clear();
  if (!common_used_) return;
  for (const auto& [retired, label] : fault_exits_) {
    b_.bind(label);
    emit_instret_add(b_, retired);
    b_.branch1(Op::Jmp, 0, common_exit_);
  }
  // The helper wrote kPc (the instruction) and kExit: leave as every special exit does.
  b_.bind(common_exit_);
  const uint16_t t = b_.tmp();
  b_.emit(Op::LdI64, t, BlockBuilder::kZero, state::kPc);
  b_.emit(Op::OrI, t, t, 1);
  b_.emit_return(t);
}

}  // namespace strata::jit::rv64
