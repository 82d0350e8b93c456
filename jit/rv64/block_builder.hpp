// BlockBuilder: writes the SVI function for one translation unit (a block or a region of blocks,
// translator.hpp).
//
// Register convention of every unit function (signature `() -> i64`, guest_layout.hpp):
//   r0          always zero (never written): x0, and the base register of state-page accesses
//   r1...       numbered on first use: the guest registers the unit touches (x1..x31, f0..f31
//               as raw 64-bit patterns, and the retired-instruction counter state::kInstret),
//               then temporaries (i64 or f64) from tmp()/ftmp()
// Guest registers stay in SVI registers for the whole unit, across its internal branches and
// loops: the prologue loads them once and each emit_writeback() (before a `ret`) stores them.
// Which ones is the unit's SlotPlanKind: with Exact, those the unit may read before writing them
// and, at each writeback, those that some path to it may have written (a liveness analysis of
// the finished SVI code); with Whole, every one the unit names and, at each writeback, every one
// it writes. finish() prepends the prologue, inserts the writebacks and resolves labels at the
// end. Invariant kept for the runner (which does not zero the frame): no path reads a register
// before writing it, except r0.
//
// Temporaries never live past the guest instruction that made them (translate_int.hpp), so
// begin_insn() recycles them: a unit needs as many as its most demanding instruction, not the
// sum, which keeps its frame (and the JIT's stack traffic) small.
//
// Every guest instruction starts with begin_insn(guest_pc): the pc map (SVI pc -> guest pc) is
// how a trap inside the unit (an out-of-bounds guest access) names the guest instruction.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "isa/insn.hpp"
#include "isa/module.hpp"
#include "jit/rv64/helpers.hpp"

namespace strata::jit::rv64 {

// Which guest registers a unit's prologue loads and its writebacks store (above).
enum class SlotPlanKind : uint8_t {
  // The fewest loads and stores, by a dataflow over the unit's blocks: for code that runs long
  // and for the LLVM tier (RV64 user mode).
  Exact,
  // No analysis, so a translation costs some 40% less (rv64sys_unit_cost: 9.8 -> 5.9 us per
  // region). For the full-system hart: most of its units run a few times in the interpreter, and
  // its baseline code keeps guest registers in their state words (register homes), where those
  // loads and stores emit nothing.
  Whole,
};

class BlockBuilder {
 public:
  static constexpr uint16_t kZero = 0;

  struct Label {
    uint32_t id;
  };

  // `expected_insns` sizes the buffers (a hint only).
  explicit BlockBuilder(unsigned expected_insns = 16, SlotPlanKind plan = SlotPlanKind::Exact);
  // Gives its working buffers back to the thread's pool (Scratch in block_builder.cpp).
  ~BlockBuilder();
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Guest register access. xreg/freg: the SVI register to READ guest x_i / f_i (x0 gives kZero).
  // xdef/fdef: the SVI register to WRITE it (marks it dirty); for x0 a fresh scratch register, so
  // writes to x0 vanish as the spec says.
  uint16_t xreg(unsigned i);
  uint16_t xdef(unsigned i);
  uint16_t freg(unsigned i);
  uint16_t fdef(unsigned i);
  // The retired-instruction counter (state::kInstret), read / written like a guest register.
  uint16_t instret_reg() { return slot(kInstretSlot, false); }
  uint16_t instret_def() { return slot(kInstretSlot, true); }
  // The time-slice countdown (state::kSliceLeft), also kept in a register for the whole unit: a
  // loop back-edge then costs an add and a branch, not a state-page load and store.
  uint16_t slice_def() { return slot(kSliceSlot, true); }

  // An i64 register holding `v` throughout the unit: the prologue sets it, so a loop that
  // compares against it runs no instruction to make it. One register per distinct value.
  uint16_t unit_const(int32_t v);
  // The same for an f64 register holding the double whose bit pattern is `bits`.
  uint16_t unit_fconst(uint64_t bits);

  // An i64 register of the unit's own, never recycled: a value carried from one guest
  // instruction to code emitted later (a return's target, to the unit's return dispatch).
  uint16_t unit_reg() { return new_reg(isa::ValType::I64); }

  uint16_t tmp();   // an i64 temporary, free again at the next begin_insn
  uint16_t ftmp();  // an f64 temporary, free again at the next begin_insn

  void emit(isa::Op op, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0) {
    code_.push_back(isa::make_abc(op, a, b, c));
  }
  void emit_abx(isa::Op op, uint16_t a, uint32_t bc) { code_.push_back(isa::make_abx(op, a, bc)); }
  // reg = v, in as few instructions as the value needs (li, or a shifted sequence).
  void load_const(uint16_t reg, uint64_t v) { load_const(reg, v, 0); }
  // The same, with `scratch` (an i64 register other than reg) for the shifted sequence instead of
  // a new temporary (0: take one): for code emitted after the instruction that owns its
  // registers (out-of-line slow paths), where a new temporary could be one of them.
  void load_const(uint16_t reg, uint64_t v, uint16_t scratch);

  Label new_label();
  // Binds `l` here. A `jmp l` just before it is dropped: falling through does the same.
  void bind(Label l);
  bool is_bound(Label l) const { return labels_[l.id] >= 0; }
  // Two-register compare-and-branch (beq/bne/blt/bge/bltu/bgeu/bflt/...): a, b, label.
  void branch2(isa::Op op, uint16_t a, uint16_t b, Label target);
  // bz/bnz a, label; jmp label (a = 0).
  void branch1(isa::Op op, uint16_t a, Label target);

  // dst = helper(args...). dst is ignored (pass 0) for a helper without a result.
  void call_helper(Helper h, uint16_t dst, std::initializer_list<uint16_t> args);

  // A new temporary holding the linear address of guest address base + imm (|imm| < 2048):
  // `addi t, base, imm - kGuestOrigin`. The load or store that uses it must be the very next
  // instruction emitted: it is recorded as (its SVI pc, t) in mem_addr_regs().
  uint16_t guest_addr(uint16_t base, int64_t imm);

  // The base register and offset of a load/store of guest address x_i + imm (|imm| < 2048):
  // (shadow, imm + kShadowBias), where the shadow register holds x_i - kGuestOrigin - kShadowBias,
  // so the offset fits the access's U16 field. A shadow is computed once and reused by later
  // accesses off x_i until x_i is written or control flow merges (a label): sp- and
  // pointer-relative runs of loads and stores then cost one SVI instruction each. The load or
  // store must be the very next instruction: it is recorded as (its SVI pc, shadow) in
  // mem_addr_regs(), and the faulting guest address is shadow + offset + kGuestOrigin.
  std::pair<uint16_t, uint16_t> guest_mem(unsigned i, int64_t imm);
  static constexpr int64_t kShadowBias = 2048;

  // Marks the start of guest instruction `pc`.
  void begin_insn(uint64_t pc);
  // Marks the start of a guest basic block inside the unit (the unit's first block needs none):
  // insns_before_current() counts from here.
  void begin_block() {
    block_first_insn_ = pc_map_.size();
    block_values_.fill(0);
  }
  // Guest instructions begun so far: the index of the next one's pc map entry.
  size_t insns_begun() const { return pc_map_.size(); }
  // Guest instructions of the current block begun before the current one.
  unsigned insns_before_current() const {
    const size_t n = pc_map_.size() - block_first_insn_;
    return n == 0 ? 0 : static_cast<unsigned>(n - 1);
  }

  // Values a guest block computes once, at its first instruction that needs one, and its later
  // instructions reuse: a guest block's code is straight-line (only its own instructions'
  // diamonds inside), so the first computation dominates every later use. begin_block() forgets
  // them; so does whatever changes what they were computed from (forget_block_value).
  enum class BlockValue : uint8_t {
    FloatFastRne,  // fcsr has NX set (else nonzero): translate_float_inline.cpp
    FloatFastDyn,  // fcsr has NX set and frm = RNE (else nonzero)
    FrmInvalid,    // frm is not a rounding mode (nonzero), else 0
    kCount,
  };
  // The register holding `v` in the current block, or 0 when the block has not computed it.
  uint16_t block_value(BlockValue v) const { return block_values_[static_cast<size_t>(v)]; }
  // The register to compute `v` into (one per kind for the whole unit: each block writes it
  // before reading it); it holds `v` from here to the end of the block.
  uint16_t define_block_value(BlockValue v);
  void forget_block_value(BlockValue v) { block_values_[static_cast<size_t>(v)] = 0; }

  // Stores the dirty guest registers to the state page (st.i64 r0, rK, offset). Call it right
  // before each `ret` of the unit. The stores are placed by finish(), once the whole unit is
  // known: emission order is not execution order (a loop's back-edge reaches blocks emitted
  // before the one that wrote a register), so what is dirty here is a property of all paths.
  void emit_writeback() { wb_points_.push_back(static_cast<uint32_t>(code_.size())); }
  // Writeback, then `ret value_reg`.
  void emit_return(uint16_t value_reg);
  // The `ret` just emitted returns the constant `next_pc`: a chainable exit (const_exits()).
  void note_const_exit(uint64_t next_pc) {
    const_exits_.emplace_back(static_cast<uint32_t>(code_.size() - 1), next_pc);
  }

  // The finished function (named `name`), with the prologue prepended, labels resolved and the
  // pc map shifted to match. The builder is spent afterwards.
  isa::Function finish(std::string name);
  // (SVI pc, guest pc) pairs, ascending, valid after finish().
  const std::vector<std::pair<uint32_t, uint64_t>>& pc_map() const { return pc_map_; }
  const std::vector<std::pair<uint32_t, uint16_t>>& mem_addr_regs() const { return mem_addr_regs_; }
  // Moves them out (after finish()).
  // Trimmed: it lives as long as the unit, and was reserved for the largest region.
  std::vector<std::pair<uint32_t, uint64_t>> take_pc_map() {
    pc_map_.shrink_to_fit();
    return std::move(pc_map_);
  }
  std::vector<std::pair<uint32_t, uint16_t>> take_mem_addr_regs() {
    return std::move(mem_addr_regs_);
  }
  // (SVI pc of a `ret`, the constant guest pc it returns), ascending, valid after finish().
  std::vector<std::pair<uint32_t, uint64_t>> take_const_exits() { return std::move(const_exits_); }

  // Number of SVI words emitted so far (before the prologue).
  size_t size() const { return code_.size(); }
  // An upper bound of the finished function's length so far (prologue and writebacks included).
  size_t final_size_bound() const {
    return code_.size() + (wb_points_.size() + 1) * used_slots_.size() + unit_consts_.size() +
           kFconstWords * unit_fconsts_.size();
  }

 private:
  // State-page slots a unit may keep in registers: x0..x31 (x0 never), f0..f31, instret, the
  // time-slice countdown.
  static constexpr unsigned kFSlot = 32;
  static constexpr unsigned kInstretSlot = 64;
  static constexpr unsigned kSliceSlot = 65;
  static constexpr unsigned kSlots = 66;
  struct Fixup {
    size_t at;       // index of the branch word in code_
    uint32_t label;  // label id
    bool wide;       // J32 in b:c (jmp/bz/bnz) rather than J16 in c
  };
  struct Scratch;
  static std::vector<std::unique_ptr<Scratch>>& scratch_pool();
  std::unique_ptr<Scratch> scratch_;  // holds the pool's buffers while this builder has them

  // Which slots the prologue loads and each writeback stores (SlotPlanKind).
  struct SlotPlan {
    std::bitset<kSlots> load;
    std::vector<std::bitset<kSlots>> store;  // per wb_points_ entry
  };
  SlotPlan plan_slots() const;
  // Exact's: only slots read before being written are loaded; a writeback stores the slots some
  // path to it may have written.
  SlotPlan plan_slots_exact() const;

  uint16_t slot(unsigned s, bool def);
  uint16_t new_reg(isa::ValType t);
  static uint32_t slot_offset(unsigned s);

  std::vector<isa::Word> code_;
  std::vector<isa::ValType> regs_;
  std::vector<int64_t> labels_;  // label id -> code index (-1 while unbound)
  std::vector<Fixup> fixups_;
  std::vector<std::pair<uint32_t, uint64_t>> pc_map_;
  std::vector<std::pair<uint32_t, uint16_t>> mem_addr_regs_;
  std::vector<std::pair<uint32_t, uint64_t>> const_exits_;
  std::vector<uint32_t> wb_points_;  // code indices where finish() inserts the writeback
  std::vector<std::pair<uint32_t, uint32_t>> calls_;  // (callh index, argument words)
  size_t block_first_insn_ = 0;
  // Slot -> its SVI register (0: not used yet). A slot is loaded by the prologue when it is read
  // OR written anywhere: a write on only one path of an internal branch must not let the
  // writeback store a stale value on the other.
  std::array<uint16_t, kSlots> slot_reg_{};
  // guest_mem's shadow registers (0: none yet) and whether each holds x_i's current value.
  std::array<uint16_t, 32> shadow_reg_{};
  std::array<bool, 32> shadow_ok_{};
  std::array<bool, kSlots> dirty_{};
  // define_block_value's registers (0: none yet) and which of them the current block has set.
  std::array<uint16_t, static_cast<size_t>(BlockValue::kCount)> block_value_regs_{};
  std::array<uint16_t, static_cast<size_t>(BlockValue::kCount)> block_values_{};
  std::vector<uint8_t> used_slots_;                        // in first-use order
  std::vector<std::pair<uint16_t, int32_t>> unit_consts_;  // (register, value): unit_const()
  struct Fconst {
    uint16_t reg;     // the f64 register
    uint16_t hi, lo;  // i64 registers of its own for the prologue's sequence (lo: 0 when the
                      // low half is 0)
    uint64_t bits;
  };
  std::vector<Fconst> unit_fconsts_;         // unit_fconst()
  static constexpr size_t kFconstWords = 6;  // li, shl, li, zext32, or, bitsf
  // Temporaries made so far, by type; the first *_next_ of each are taken by this instruction.
  std::vector<uint16_t> itmps_, ftmps_;
  size_t itmp_next_ = 0, ftmp_next_ = 0;
  SlotPlanKind plan_kind_;
};

}  // namespace strata::jit::rv64
