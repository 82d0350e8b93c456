// System mode of the RV64 translator (translator.hpp, SystemTarget): guest memory through the
// software TLB and the Sys* helpers, CSR instructions and sfence.vma through helpers too, and the
// other privileged instructions as special exits.
//
// A SysEmitter belongs to one unit. Its memory emitters put the TLB check and the RAM access
// inline and the slow path (helper call, kExit check) out of line: finish() emits those after
// the unit's last block, so a TLB hit runs straight through. Every helper call is followed by
// the kExit check: when the helper set it (a trap, CodeWritten), the unit counts the
// instructions of the block before this one, writes back and returns state::kPc | 1; the
// instruction's destination register is written only when the call did not set it, so a
// faulting instruction leaves its registers as they were.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "isa/rv64/decoder.hpp"
#include "jit/rv64/block_builder.hpp"
#include "jit/rv64/mem_groups.hpp"
#include "jit/rv64/translator.hpp"

namespace strata::jit::rv64 {

class SysEmitter {
 public:
  struct MemOp;  // what a load or store does (translate_sys_mem.cpp)

  SysEmitter(BlockBuilder& b, const SystemTarget& target);

  // Integer loads and stores and flw/fld/fsw/fsd at guest `pc`, the block's instruction number
  // `index`; `after`: the instructions that follow it in its block (mem_groups.hpp: a group's
  // leader checks the span of its later members). False (nothing emitted) for any other
  // instruction.
  bool translate_mem(const isa::rv64::DecodedInsn& in, uint64_t pc, unsigned index,
                     std::span<const isa::rv64::DecodedInsn> after);
  // A new guest block: the groups of the last one end.
  void begin_block() { groups_.clear(); }
  // LR/SC and the AMOs, every one a helper call. False for any other instruction.
  bool translate_atomic(const isa::rv64::DecodedInsn& in, uint64_t pc, unsigned index);
  // The CSR instructions but fflags/frm/fcsr (SysCsr) and sfence.vma (SysSfence): the unit goes
  // on after them unless the hart set kExit (a trap, or SysExit::Done). False for any other
  // instruction.
  bool translate_csr_sfence(const isa::rv64::DecodedInsn& in, uint64_t pc, unsigned index);
  // Emits the out-of-line code: call it once, after the unit's last block.
  void finish();
  // Words finish() will add at most (the region driver keeps the unit within J16 reach).
  size_t pending_words() const { return pending_words_; }
  // TranslatedBlock::tlb_checks and checked_by_run so far.
  uint32_t tlb_checks() const { return tlb_checks_; }
  uint32_t checked_by_run() const { return checked_by_run_; }

 private:
  struct Access {
    unsigned size;
    bool store;
    bool sign;   // loads: sign-extend
    bool boxed;  // flw: NaN-box the loaded single
    bool fpr;    // rd / rs2 is an f register
  };
  // A load's or store's slow path: registers of the instruction that stay valid until it.
  struct SlowPath {
    BlockBuilder::Label entry, done;
    uint64_t pc;
    unsigned retired;
    Helper helper;
    Access access;
    uint16_t va, value, dst;        // value: stores; dst: loads
    uint16_t pc_reg, res, scratch;  // temporaries free on the slow path
    // A group's member computes va = va_base + va_imm on the slow path (va_base itself when
    // va_imm is 0: then va is va_base).
    bool compute_va = false;
    uint16_t va_base = 0;
    int16_t va_imm = 0;
    // A group's leader: after its access, checks the span again (the helper may have filled the
    // entry) into `host`, or sets it to 0 (its followers take their slow paths).
    int32_t recheck = -1;  // index into rechecks_
  };
  // A group's span check (translate_sys_mem.cpp), emitted at its leader and again on the
  // leader's slow path.
  struct GroupCheck {
    uint16_t base, va, vx, cmp, entry, tag, host;  // vx: 0 when the compared value is va's
    int64_t va_imm, vx_imm;                        // va = base + va_imm (base itself for 0)
    uint16_t tag_offset;
  };
  // An open group of the current block (mem_groups.hpp).
  struct Group {
    int64_t low;
    uint16_t host;  // the linear address of base + low, or 0: the members take their slow paths
    std::array<uint64_t, kMaxFollowers> followers;  // ascending; [next] is the next to emit
    size_t count, next;
    size_t slot;  // of group_regs_
  };
  static constexpr size_t kMaxGroups = 2;

  // A CSR instruction's way out when SysCsr set kExit: rd is written for Done, not for a Trap.
  struct CsrExit {
    BlockBuilder::Label entry;
    unsigned retired;
    uint16_t status;  // holds state::kExit
    uint16_t res;     // SysCsr's result
    uint16_t dst;     // rd's register
    bool writes_rd;   // rd is not x0
  };

  // A load's or store's slow path (its labels made) and its sources read; returns the base.
  uint16_t begin_access(const isa::rv64::DecodedInsn& in, const MemOp& m, uint64_t pc,
                        unsigned index, SlowPath* s);
  // The RAM access at linear addr + offset: a store of s->value, or a load into s->dst.
  void emit_ram_access(const isa::rv64::DecodedInsn& in, const MemOp& m, uint16_t addr,
                       uint16_t offset, SlowPath* s);
  void emit_group_check(const GroupCheck& c, BlockBuilder::Label miss);
  // A group's leader (false, nothing emitted, when no later access joins it) and follower.
  bool emit_leader(const isa::rv64::DecodedInsn& in, const MemOp& m, uint64_t pc, unsigned index,
                   std::span<const isa::rv64::DecodedInsn> after);
  void emit_follower(Group& g, const isa::rv64::DecodedInsn& in, const MemOp& m, uint64_t pc,
                     unsigned index);
  void emit_slow_path(const SlowPath& s);
  void emit_csr_exit(const CsrExit& c);
  // After a helper call: leave the unit through the fault exit when state::kExit is set.
  void emit_exit_check(uint16_t scratch, unsigned retired);
  // The out-of-line exit for a helper that set kExit at an instruction with `retired`
  // instructions of its block before it.
  BlockBuilder::Label fault_exit(unsigned retired);

  BlockBuilder& b_;
  uint16_t tlb_base_;  // linear offset of the unit's TLB index
  std::vector<SlowPath> slow_;
  std::vector<GroupCheck> rechecks_;
  std::vector<Group> groups_;
  std::array<uint16_t, kMaxGroups> group_regs_{};  // unit registers, made at first use
  std::vector<CsrExit> csr_exits_;
  std::vector<std::pair<unsigned, BlockBuilder::Label>> fault_exits_;  // (retired, label)
  BlockBuilder::Label common_exit_{};
  bool common_used_ = false;
  size_t pending_words_ = 0;
  uint32_t tlb_checks_ = 0, checked_by_run_ = 0;
};

// mret, sret and wfi in system mode: the special exit (vm/rv64sys/sys_layout.hpp) that ends the
// block. False (nothing emitted)
// for any other instruction. `index`: the block's instruction number of `in`.
bool translate_privileged(BlockBuilder& b, const isa::rv64::DecodedInsn& in, uint64_t pc,
                          unsigned index);

}  // namespace strata::jit::rv64
