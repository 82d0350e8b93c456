#include "jit/rv64/block_builder.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "vm/rv64/guest_layout.hpp"

namespace strata::jit::rv64 {

using isa::Op;
namespace state = vm::rv64::state;

// The working buffers of a BlockBuilder that finish() does not hand out: a unit is translated
// in a few microseconds, and growing a dozen vectors from empty cost it about 40 allocations
// (the code buffer alone several KiB). A thread keeps those of its finished builders, cleared,
// for the next one.
struct BlockBuilder::Scratch {
  std::vector<isa::Word> code;
  std::vector<int64_t> labels;
  std::vector<Fixup> fixups;
  std::vector<uint32_t> wb_points;
  std::vector<std::pair<uint32_t, uint32_t>> calls;
  std::vector<uint8_t> used_slots;
  std::vector<std::pair<uint16_t, int32_t>> unit_consts;
  std::vector<uint16_t> itmps, ftmps;

  // Exchanges these buffers with the builder's (in at construction, out at destruction).
  void swap(BlockBuilder& b) {
    code.swap(b.code_);
    labels.swap(b.labels_);
    fixups.swap(b.fixups_);
    wb_points.swap(b.wb_points_);
    calls.swap(b.calls_);
    used_slots.swap(b.used_slots_);
    unit_consts.swap(b.unit_consts_);
    itmps.swap(b.itmps_);
    ftmps.swap(b.ftmps_);
  }
  void clear() {
    code.clear();
    labels.clear();
    fixups.clear();
    wb_points.clear();
    calls.clear();
    used_slots.clear();
    unit_consts.clear();
    itmps.clear();
    ftmps.clear();
  }
};

std::vector<std::unique_ptr<BlockBuilder::Scratch>>& BlockBuilder::scratch_pool() {
  thread_local std::vector<std::unique_ptr<Scratch>> pool;
  return pool;
}

BlockBuilder::BlockBuilder(unsigned expected_insns, SlotPlanKind plan) : plan_kind_(plan) {
  auto& pool = scratch_pool();
  if (pool.empty()) {
    scratch_ = std::make_unique<Scratch>();
  } else {
    scratch_ = std::move(pool.back());
    pool.pop_back();
    scratch_->swap(*this);
  }
  // Measured on the benchmarks: about 3 SVI words per guest instruction plus the exits.
  code_.reserve(size_t{expected_insns} * 4 + 16);
  pc_map_.reserve(expected_insns);
  regs_.reserve(48);
  regs_.push_back(isa::ValType::I64);  // r0
}

BlockBuilder::~BlockBuilder() {
  scratch_->swap(*this);
  scratch_->clear();
  auto& pool = scratch_pool();
  // A handful per thread: builders are not nested deeply.
  if (pool.size() < 4) pool.push_back(std::move(scratch_));
}

uint16_t BlockBuilder::new_reg(isa::ValType t) {
  regs_.push_back(t);
  return static_cast<uint16_t>(regs_.size() - 1);
}

uint16_t BlockBuilder::slot(unsigned s, bool def) {
  uint16_t& r = slot_reg_[s];
  if (r == 0) {
    r = new_reg(isa::ValType::I64);
    used_slots_.push_back(static_cast<uint8_t>(s));
  }
  if (def) dirty_[s] = true;
  return r;
}

uint32_t BlockBuilder::slot_offset(unsigned s) {
  if (s == kInstretSlot) return state::kInstret;
  if (s == kSliceSlot) return state::kSliceLeft;
  return s < kFSlot ? vm::rv64::x_offset(s) : vm::rv64::f_offset(s - kFSlot);
}

uint16_t BlockBuilder::xreg(unsigned i) {
  return i == 0 ? kZero : slot(i, false);
}

uint16_t BlockBuilder::xdef(unsigned i) {
  if (i == 0) return tmp();
  shadow_ok_[i] = false;
  return slot(i, true);
}

uint16_t BlockBuilder::freg(unsigned i) {
  return slot(kFSlot + i, false);
}

uint16_t BlockBuilder::fdef(unsigned i) {
  return slot(kFSlot + i, true);
}

uint16_t BlockBuilder::unit_const(int32_t v) {
  for (const auto& [reg, value] : unit_consts_)
    if (value == v) return reg;
  const uint16_t reg = new_reg(isa::ValType::I64);
  unit_consts_.emplace_back(reg, v);
  return reg;
}

uint16_t BlockBuilder::unit_fconst(uint64_t bits) {
  for (const Fconst& c : unit_fconsts_)
    if (c.bits == bits) return c.reg;
  const uint16_t reg = new_reg(isa::ValType::F64);
  const uint16_t hi = new_reg(isa::ValType::I64);
  const uint16_t lo = static_cast<uint32_t>(bits) != 0 ? new_reg(isa::ValType::I64) : 0;
  unit_fconsts_.push_back({reg, hi, lo, bits});
  return reg;
}

uint16_t BlockBuilder::define_block_value(BlockValue v) {
  const auto k = static_cast<size_t>(v);
  if (block_value_regs_[k] == 0) block_value_regs_[k] = new_reg(isa::ValType::I64);
  return block_values_[k] = block_value_regs_[k];
}

uint16_t BlockBuilder::tmp() {
  if (itmp_next_ == itmps_.size()) itmps_.push_back(new_reg(isa::ValType::I64));
  return itmps_[itmp_next_++];
}

uint16_t BlockBuilder::ftmp() {
  if (ftmp_next_ == ftmps_.size()) ftmps_.push_back(new_reg(isa::ValType::F64));
  return ftmps_[ftmp_next_++];
}

void BlockBuilder::load_const(uint16_t reg, uint64_t v, uint16_t scratch) {
  const auto s = static_cast<int64_t>(v);
  if (s >= INT32_MIN && s <= INT32_MAX) {
    emit_abx(Op::Li, reg, static_cast<uint32_t>(s));
    return;
  }
  // reg = (hi << 32) | zext32(lo): li sign-extends, so the low half is zero-extended by hand.
  const uint16_t lo = scratch != 0 ? scratch : tmp();
  emit_abx(Op::Li, reg, static_cast<uint32_t>(v >> 32));
  emit(Op::ShlI, reg, reg, 32);
  emit_abx(Op::Li, lo, static_cast<uint32_t>(v));
  emit(Op::Zext32, lo, lo);
  emit(Op::Or, reg, reg, lo);
}

BlockBuilder::Label BlockBuilder::new_label() {
  labels_.push_back(-1);
  return Label{static_cast<uint32_t>(labels_.size() - 1)};
}

void BlockBuilder::bind(Label l) {
  // Whatever else was bound at the dropped jmp now lands on its target, which is equivalent.
  if (!fixups_.empty() && fixups_.back().at + 1 == code_.size() && fixups_.back().label == l.id &&
      isa::op_of(code_.back()) == Op::Jmp &&
      (wb_points_.empty() || wb_points_.back() < code_.size())) {
    code_.pop_back();
    fixups_.pop_back();
  }
  labels_[l.id] = static_cast<int64_t>(code_.size());
  // Another path may arrive here without having computed the shadows.
  shadow_ok_.fill(false);
}

void BlockBuilder::branch2(Op op, uint16_t a, uint16_t b, Label target) {
  fixups_.push_back({code_.size(), target.id, false});
  emit(op, a, b, 0);
}

void BlockBuilder::branch1(Op op, uint16_t a, Label target) {
  fixups_.push_back({code_.size(), target.id, true});
  emit_abx(op, a, 0);
}

void BlockBuilder::call_helper(Helper h, uint16_t dst, std::initializer_list<uint16_t> args) {
  calls_.emplace_back(static_cast<uint32_t>(code_.size()),
                      static_cast<uint32_t>((args.size() + 3) / 4));
  emit(Op::CallH, dst, static_cast<uint16_t>(h), 0);
  uint16_t slot[4] = {0, 0, 0, 0};
  unsigned k = 0;
  for (uint16_t r : args) {
    slot[k++] = r;
    if (k == 4) {
      code_.push_back(isa::make_args(slot[0], slot[1], slot[2], slot[3]));
      k = 0;
      slot[0] = slot[1] = slot[2] = slot[3] = 0;
    }
  }
  if (k != 0) code_.push_back(isa::make_args(slot[0], slot[1], slot[2], slot[3]));
}

uint16_t BlockBuilder::guest_addr(uint16_t base, int64_t imm) {
  const uint16_t t = tmp();
  const int64_t off = imm - static_cast<int64_t>(vm::rv64::kGuestOrigin);
  emit(Op::AddI, t, base, static_cast<uint16_t>(static_cast<int16_t>(off)));
  mem_addr_regs_.emplace_back(static_cast<uint32_t>(code_.size()), t);
  return t;
}

std::pair<uint16_t, uint16_t> BlockBuilder::guest_mem(unsigned i, int64_t imm) {
  if (i == 0) return {guest_addr(kZero, imm), 0};
  if (shadow_reg_[i] == 0) shadow_reg_[i] = new_reg(isa::ValType::I64);
  const uint16_t r = shadow_reg_[i];
  if (!shadow_ok_[i]) {
    constexpr int64_t kShift = -static_cast<int64_t>(vm::rv64::kGuestOrigin) - kShadowBias;
    static_assert(kShift >= INT16_MIN, "the shadow's shift must fit addi's S16");
    emit(Op::AddI, r, xreg(i), static_cast<uint16_t>(static_cast<int16_t>(kShift)));
    shadow_ok_[i] = true;
  }
  mem_addr_regs_.emplace_back(static_cast<uint32_t>(code_.size()), r);
  return {r, static_cast<uint16_t>(imm + kShadowBias)};
}

void BlockBuilder::begin_insn(uint64_t pc) {
  pc_map_.emplace_back(static_cast<uint32_t>(code_.size()), pc);
  itmp_next_ = ftmp_next_ = 0;
}

void BlockBuilder::emit_return(uint16_t value_reg) {
  emit_writeback();
  emit(Op::Ret, value_reg);
}

BlockBuilder::SlotPlan BlockBuilder::plan_slots() const {
  if (plan_kind_ == SlotPlanKind::Exact) return plan_slots_exact();
  // Whole: a slot the unit writes on one path is stored at every writeback, so every slot is
  // loaded, written ones included (the writeback then stores the value it had on entry).
  SlotPlan plan;
  std::bitset<kSlots> written;
  for (uint8_t s : used_slots_) {
    plan.load.set(s);
    if (dirty_[s]) written.set(s);
  }
  plan.store.assign(wb_points_.size(), written);
  return plan;
}

// The dataflow runs over basic blocks, not words: a unit of some 300 words has a few dozen, and
// the word-level version of this analysis was over half of a unit's translation time.
BlockBuilder::SlotPlan BlockBuilder::plan_slots_exact() const {
  using Set = std::bitset<kSlots>;
  const size_t n = code_.size();
  std::array<int8_t, 256> slot_of_small{};
  std::vector<int8_t> slot_of_big;
  int8_t* slot_of = slot_of_small.data();
  if (regs_.size() > slot_of_small.size()) {
    slot_of_big.resize(regs_.size());
    slot_of = slot_of_big.data();
  }
  std::fill(slot_of, slot_of + regs_.size(), int8_t{-1});
  const size_t nregs = regs_.size();
  for (uint8_t s : used_slots_) slot_of[slot_reg_[s]] = static_cast<int8_t>(s);

  // block_at[i]: the block that starts at word i (-2: none; -1: a leader not yet numbered).
  // This and the other working vectors are the thread's, kept between units (allocating them
  // per unit was a fifth of a translation's allocations).
  thread_local std::vector<int32_t> block_at;
  block_at.assign(n + 1, -2);
  block_at[0] = -1;
  for (const Fixup& f : fixups_)
    if (labels_[f.label] >= 0) block_at[static_cast<size_t>(labels_[f.label])] = -1;
  // Words after a branch or a terminator start blocks too; found while walking below, they are
  // marked before the walk reaches them.
  struct Block {
    Set use, def;                  // read before written in the block; written in it
    int32_t next = -1, jump = -1;  // successor word indices (-1: none)
    uint32_t last = 0;             // index of its last instruction
    bool ret = false;              // it ends in a `ret`
  };
  thread_local std::vector<Block> blocks;
  blocks.clear();
  size_t call = 0, fixup = 0;
  for (uint32_t i = 0; i < n;) {
    if (block_at[i] != -2 || blocks.empty()) {
      block_at[i] = static_cast<int32_t>(blocks.size());
      blocks.emplace_back();
    }
    Block& b = blocks.back();
    const isa::Word w = code_[i];
    const isa::Op op = isa::op_of(w);
    const isa::OpInfo& info = isa::info(op);
    // A word reads its operands before it writes: its uses count against the block's writes
    // before this word, so defs are collected and added after.
    int def_slots[3];
    int ndefs = 0;
    const auto reg = [&](isa::Operand k, uint16_t r) {
      if (!isa::is_reg(k) || r >= nregs) return;
      const int s = slot_of[r];
      if (s < 0) return;
      if (isa::is_use(k) && !b.def.test(static_cast<size_t>(s))) b.use.set(static_cast<size_t>(s));
      if (isa::is_def(k)) def_slots[ndefs++] = s;
    };
    reg(info.a, isa::a_of(w));
    if (!isa::is_wide(info.b)) {
      reg(info.b, isa::b_of(w));
      reg(info.c, isa::c_of(w));
    }
    uint32_t len = 1;
    if (call < calls_.size() && calls_[call].first == i) {
      len += calls_[call].second;
      for (uint32_t k = 1; k < len; ++k)
        for (unsigned j = 0; j < 4; ++j) reg(isa::Operand::Ui, isa::arg_of(code_[i + k], j));
      ++call;
    }
    for (int d = 0; d < ndefs; ++d) b.def.set(static_cast<size_t>(def_slots[d]));
    b.last = i;
    const bool branch = (info.flags & isa::kBranch) != 0, term = (info.flags & isa::kTerm) != 0;
    if (branch || term) {
      b.next = term ? -1 : static_cast<int32_t>(i + len);
      b.jump = -1;
      // fixups_ is in code order (each branch word appends its own).
      while (fixup < fixups_.size() && fixups_[fixup].at < i) ++fixup;
      if (branch && fixup < fixups_.size() && fixups_[fixup].at == i)
        b.jump = static_cast<int32_t>(labels_[fixups_[fixup].label]);
      b.ret = op == isa::Op::Ret;
      if (i + len < n && block_at[i + len] == -2) block_at[i + len] = -1;
    } else {
      b.next = static_cast<int32_t>(i + len);
    }
    i += len;
  }
  const auto block = [&](int32_t at) -> int32_t {
    if (at < 0 || static_cast<size_t>(at) >= n) return -1;
    return block_at[static_cast<size_t>(at)] >= 0 ? block_at[static_cast<size_t>(at)] : -1;
  };
  // A block that falls into a leader ends there: its `next` names that leader.
  const size_t nb = blocks.size();
  thread_local std::vector<std::array<int32_t, 2>> succ;
  succ.resize(nb);
  for (size_t k = 0; k < nb; ++k) succ[k] = {block(blocks[k].next), block(blocks[k].jump)};

  // Forward: the slots some path from the entry may have written (a union over paths).
  thread_local std::vector<Set> dirty_in;
  dirty_in.assign(nb, Set{});
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = 0; k < nb; ++k) {
      const Set out = dirty_in[k] | blocks[k].def;
      for (int32_t s : succ[k]) {
        if (s < 0) continue;
        Set& in = dirty_in[static_cast<size_t>(s)];
        if ((in | out) != in) {
          in |= out;
          changed = true;
        }
      }
    }
  }
  // Backward: the slots read before being written; a writeback reads what it stores, which is
  // what is dirty at its `ret` (the end of a block: what was dirty on entry or written in it).
  thread_local std::vector<Set> live_in;
  live_in.assign(nb, Set{});
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = nb; k-- > 0;) {
      const Block& b = blocks[k];
      Set out;
      for (int32_t s : succ[k])
        if (s >= 0) out |= live_in[static_cast<size_t>(s)];
      if (b.ret) out |= dirty_in[k] | b.def;
      const Set in = b.use | (out & ~b.def);
      if (in != live_in[k]) {
        live_in[k] = in;
        changed = true;
      }
    }
  }

  SlotPlan plan;
  if (nb != 0) plan.load = live_in[0];
  plan.store.reserve(wb_points_.size());
  size_t k = 0;
  for (uint32_t p : wb_points_) {
    while (k < nb && blocks[k].last < p) ++k;
    // A writeback is always right before its `ret`; anything else stores every dirty slot.
    if (k < nb && blocks[k].last == p && blocks[k].ret) {
      plan.store.push_back(dirty_in[k] | blocks[k].def);
    } else {
      Set all;
      for (uint8_t s : used_slots_)
        if (dirty_[s]) all.set(s);
      plan.store.push_back(all);
    }
  }
  return plan;
}

isa::Function BlockBuilder::finish(std::string name) {
  const SlotPlan plan = plan_slots();
  isa::Function fn;
  fn.name = std::move(name);
  fn.code.reserve(final_size_bound());
  for (uint8_t s : used_slots_)
    if (plan.load.test(s))
      fn.code.push_back(isa::make_abc(Op::LdI64, slot_reg_[s], kZero, slot_offset(s)));
  for (const auto& [reg, value] : unit_consts_)
    fn.code.push_back(isa::make_abx(Op::Li, reg, static_cast<uint32_t>(value)));
  for (const Fconst& c : unit_fconsts_) {
    // reg = bitsf((hi << 32) | zext32(lo)): li sign-extends its 32 bits.
    fn.code.push_back(isa::make_abx(Op::Li, c.hi, static_cast<uint32_t>(c.bits >> 32)));
    fn.code.push_back(isa::make_abc(Op::ShlI, c.hi, c.hi, 32));
    if (c.lo != 0) {
      fn.code.push_back(isa::make_abx(Op::Li, c.lo, static_cast<uint32_t>(c.bits)));
      fn.code.push_back(isa::make_abc(Op::Zext32, c.lo, c.lo, 0));
      fn.code.push_back(isa::make_abc(Op::Or, c.hi, c.hi, c.lo));
    }
    fn.code.push_back(isa::make_abc(Op::BitsF, c.reg, c.hi, 0));
  }

  // Old code index -> new one. word[i]: the word emitted at i; before[i]: what was emitted at
  // i, the writeback stores placed there included (where a label bound at i leads).
  std::vector<uint32_t> before(code_.size() + 1), word(code_.size() + 1);
  size_t next_wb = 0;
  for (uint32_t i = 0; i <= code_.size(); ++i) {
    before[i] = static_cast<uint32_t>(fn.code.size());
    for (; next_wb < wb_points_.size() && wb_points_[next_wb] == i; ++next_wb)
      for (uint8_t s : used_slots_)
        if (plan.store[next_wb].test(s))
          fn.code.push_back(isa::make_abc(Op::StI64, kZero, slot_reg_[s], slot_offset(s)));
    word[i] = static_cast<uint32_t>(fn.code.size());
    if (i < code_.size()) fn.code.push_back(code_[i]);
  }

  for (const Fixup& f : fixups_) {
    if (labels_[f.label] < 0) {
      std::fprintf(stderr, "strata: rv64: internal error: branch to an unbound label in %s\n",
                   fn.name.c_str());
      std::abort();
    }
    const uint32_t from = word[f.at];
    const int64_t off = static_cast<int64_t>(before[static_cast<size_t>(labels_[f.label])]) - from;
    if (!f.wide && (off < INT16_MIN || off > INT16_MAX)) {
      std::fprintf(stderr, "strata: rv64: internal error: branch offset %lld too far in %s\n",
                   static_cast<long long>(off), fn.name.c_str());
      std::abort();
    }
    isa::Word& w = fn.code[from];
    if (f.wide) {
      w = isa::make_abx(isa::op_of(w), isa::a_of(w), static_cast<uint32_t>(off));
    } else {
      w = isa::make_abc(isa::op_of(w), isa::a_of(w), isa::b_of(w), static_cast<uint16_t>(off));
    }
  }
  for (auto& [svi_pc, guest_pc] : pc_map_) svi_pc = before[svi_pc];
  for (auto& [svi_pc, reg] : mem_addr_regs_) svi_pc = word[svi_pc];
  for (auto& [svi_pc, next_pc] : const_exits_) svi_pc = word[svi_pc];
  fn.regs = std::move(regs_);
  return fn;
}

}  // namespace strata::jit::rv64
