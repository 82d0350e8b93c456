// The region driver: fetch, decode, dispatch to the per-class emitters (translate_int.hpp,
// translate_float.hpp), end each block at control flow, a page boundary, kMaxBlockInsns or an
// unfetchable instruction, and link the blocks of a region (translator.hpp).
#include "jit/rv64/translator.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/translate_float.hpp"
#include "jit/rv64/translate_int.hpp"
#include "jit/rv64/translate_sys.hpp"
#include "vm/rv64/elf_loader.hpp"

namespace strata::jit::rv64 {

using isa::Op;
using isa::rv64::DecodedInsn;
using isa::rv64::Opcode;
using vm::rv64::ExitReason;

namespace {

// The branch taken exactly when `op`'s is not.
Op inverse_branch(Op op) {
  switch (op) {
    case Op::Beq: return Op::Bne;
    case Op::Bne: return Op::Beq;
    case Op::Blt: return Op::Bge;
    case Op::Bge: return Op::Blt;
    case Op::BltU: return Op::BgeU;
    default: return Op::BltU;
  }
}

Op branch_op(Opcode op) {
  switch (op) {
    case Opcode::Beq: return Op::Beq;
    case Opcode::Bne: return Op::Bne;
    case Opcode::Blt: return Op::Blt;
    case Opcode::Bge: return Op::Bge;
    case Opcode::Bltu: return Op::BltU;
    default: return Op::BgeU;
  }
}

// Translates one region (translator.hpp). Blocks are emitted depth-first with the fall-through
// successor first, so a fall-through is usually the next block in the SVI code and its `jmp`
// vanishes (BlockBuilder::bind). Exits to pcs outside the region taken by a conditional branch
// are stubs after the last block: the hot path of a loop stays straight.
//
// Every loop back-edge (a branch to a block already emitted: every cycle has one) first counts
// down the time slice (state::kSliceLeft, kept in a register like a guest register) and leaves
// the unit for the loop header once it runs out (a header other than the entry: once it is
// kSliceOverdraw past that, guest_layout.hpp), so a guest spinning inside one unit still
// returns to the runner: another guest thread gets its turn and request_stop() is served. A
// conditional back-edge is emitted inverted (`b!cc skip; check; jmp header; skip:`), so the loop's
// hot path takes one jump, as without the check.
class RegionTranslator {
 public:
  RegionTranslator(uint64_t entry, const FetchFn& fetch, const RegionLimits& limits,
                   const SystemTarget* sys)
      : b_(std::min(limits.max_insns, 4 * kMaxBlockInsns)),
        fetch_(fetch),
        limits_(limits),
        entry_page_(entry & kPageMask) {
    if (sys != nullptr) sys_.emplace(b_, *sys);
    blocks_.reserve(std::min(limits.max_blocks, 64u));
    blocks_.push_back({entry, b_.new_label()});
    work_.push_back(0);
  }

  Result<TranslatedBlock> run();

 private:
  static constexpr uint64_t kPageMask = ~(vm::rv64::kPageSize - 1);
  // Past this many SVI words (writebacks and pending system-mode slow paths included) no block
  // is added: J16 branch offsets (±32K words) must reach the exit stubs and slow paths after the
  // last block, and a block adds at most a few thousand words.
  static constexpr size_t kMaxWords = 12000;

  struct Block {
    uint64_t start;
    BlockBuilder::Label label;
  };
  struct Stub {
    uint64_t pc;
    BlockBuilder::Label label;
  };

  // Emits block `i`. False when its first instruction cannot be fetched and it is the entry.
  bool emit_block(size_t i);
  // Emits instruction `in` at `pc`, the block's instruction number `index`. True when it ended
  // the block (every path of it left the block).
  bool translate_insn(const DecodedInsn& in, uint64_t pc, unsigned index);
  // The label of the region block at `target`, added (and queued) if it may join; else of an
  // exit stub to `target`. The instret register must be up to date on every way there.
  BlockBuilder::Label target_label(uint64_t target);
  // Continues at `target` (a block of the region, or an exit), instret already counted.
  void emit_goto(uint64_t target);
  // *back: the target block is already emitted (the branch closes a loop).
  bool admit(uint64_t target, BlockBuilder::Label* label, bool* back);
  // The label of the already emitted region block at `target` (a back-edge), if any.
  bool emitted_block(uint64_t target, BlockBuilder::Label* label) const;
  BlockBuilder::Label exit_stub(uint64_t target);
  // Counts the slice down; leaves the unit for `header_pc` once it ran out (past
  // kSliceOverdraw for a header other than the entry, in user mode: guest_layout.hpp).
  void emit_slice_check(uint64_t header_pc);
  // An upper bound of the unit's final length so far.
  size_t size_bound() const { return b_.final_size_bound() + (sys_ ? sys_->pending_words() : 0); }

  BlockBuilder b_;
  std::optional<SysEmitter> sys_;  // system mode
  FloatExits float_exits_{b_};     // emitted last: float_exits.hpp
  const FetchFn& fetch_;
  const RegionLimits limits_;
  const uint64_t entry_page_;
  std::vector<Block> blocks_;
  std::vector<size_t> work_;  // blocks to emit, the next one last
  std::vector<Stub> stubs_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
  unsigned insns_ = 0;
  uint32_t emitted_blocks_ = 0;
  uint64_t entry_end_ = 0;
  bool has_loop_ = false;
};

bool RegionTranslator::admit(uint64_t target, BlockBuilder::Label* label, bool* back) {
  *back = false;
  if (limits_.max_blocks <= 1) return false;
  for (const Block& blk : blocks_) {
    if (blk.start != target) continue;
    if (b_.is_bound(blk.label)) has_loop_ = *back = true;
    *label = blk.label;
    return true;
  }
  const uint64_t page = target & kPageMask;
  if (blocks_.size() >= limits_.max_blocks || insns_ >= limits_.max_insns ||
      size_bound() > kMaxWords ||
      (page != entry_page_ && page != entry_page_ + vm::rv64::kPageSize))
    return false;
  blocks_.push_back({target, b_.new_label()});
  work_.push_back(blocks_.size() - 1);
  *label = blocks_.back().label;
  return true;
}

bool RegionTranslator::emitted_block(uint64_t target, BlockBuilder::Label* label) const {
  if (limits_.max_blocks <= 1) return false;
  for (const Block& blk : blocks_) {
    if (blk.start == target && b_.is_bound(blk.label)) {
      *label = blk.label;
      return true;
    }
  }
  return false;
}

BlockBuilder::Label RegionTranslator::target_label(uint64_t target) {
  BlockBuilder::Label l{};
  bool back = false;  // never: translate_insn emits conditional back-edges itself
  if (admit(target, &l, &back)) return l;
  return exit_stub(target);
}

BlockBuilder::Label RegionTranslator::exit_stub(uint64_t target) {
  for (const Stub& s : stubs_)
    if (s.pc == target) return s.label;
  stubs_.push_back({target, b_.new_label()});
  return stubs_.back().label;
}

void RegionTranslator::emit_slice_check(uint64_t header_pc) {
  const uint16_t left = b_.slice_def();
  b_.emit(Op::AddI, left, left, static_cast<uint16_t>(-1));
  static_assert(vm::rv64::kSliceOverdraw < INT32_MAX);
  const uint16_t floor = !sys_ && header_pc != blocks_.front().start
                             ? b_.unit_const(static_cast<int32_t>(-vm::rv64::kSliceOverdraw))
                             : BlockBuilder::kZero;
  b_.branch2(Op::Blt, left, floor, exit_stub(header_pc));
}

void RegionTranslator::emit_goto(uint64_t target) {
  BlockBuilder::Label l{};
  bool back = false;
  if (admit(target, &l, &back)) {
    if (back) emit_slice_check(target);
    b_.branch1(Op::Jmp, 0, l);
  } else {
    emit_exit_to(b_, target, 0);
  }
}

bool RegionTranslator::translate_insn(const DecodedInsn& in, uint64_t pc, unsigned index) {
  BlockBuilder& b = b_;
  const uint32_t flags = isa::rv64::op_info(in.op).flags;
  const uint64_t next = pc + in.length;
  const auto illegal = [&] {
    emit_illegal_exit(b, pc, in.raw);
    return true;
  };

  if (sys_) {
    if (sys_->translate_mem(in, pc, index) || sys_->translate_atomic(in, pc, index) ||
        sys_->translate_csr_sfence(in, pc, index))
      return false;
    if (translate_privileged(b, in, pc, index)) return true;
  }
  if ((flags & isa::rv64::kFloat) && !(flags & isa::rv64::kCsr)) {
    if ((flags & isa::rv64::kRm) && in.reserved_rm) return illegal();
    return translate_float(b, in, pc, &float_exits_) ? false : illegal();
  }

  switch (in.op) {
    case Opcode::Beq:
    case Opcode::Bne:
    case Opcode::Blt:
    case Opcode::Bge:
    case Opcode::Bltu:
    case Opcode::Bgeu: {
      const uint16_t s1 = b.xreg(in.rs1), s2 = b.xreg(in.rs2);
      emit_instret_add(b, index + 1);
      const uint64_t target = pc + static_cast<uint64_t>(in.imm);
      BlockBuilder::Label header{};
      if (emitted_block(target, &header)) {
        has_loop_ = true;
        const BlockBuilder::Label skip = b.new_label();
        b.branch2(inverse_branch(branch_op(in.op)), s1, s2, skip);
        emit_slice_check(target);
        b.branch1(Op::Jmp, 0, header);
        b.bind(skip);
        emit_goto(next);
        return true;
      }
      // The taken target is admitted first so that the fall-through is emitted next.
      b.branch2(branch_op(in.op), s1, s2, target_label(target));
      emit_goto(next);
      return true;
    }
    case Opcode::Jal:
      if (in.rd != 0) b.load_const(b.xdef(in.rd), next);
      emit_instret_add(b, index + 1);
      emit_goto(pc + static_cast<uint64_t>(in.imm));
      return true;
    case Opcode::Jalr: {
      // The target first: rd may be rs1.
      const uint16_t target = b.tmp();
      b.emit(Op::AddI, target, b.xreg(in.rs1), static_cast<uint16_t>(in.imm));
      b.emit(Op::AndI, target, target, static_cast<uint16_t>(-2));
      if (in.rd != 0) b.load_const(b.xdef(in.rd), next);
      emit_instret_add(b, index + 1);
      b.emit_return(target);
      return true;
    }
    case Opcode::Ecall: emit_special_exit(b, ExitReason::Ecall, pc, 0, index + 1); return true;
    case Opcode::Ebreak: emit_special_exit(b, ExitReason::Ebreak, pc, 0, index); return true;
    case Opcode::FenceI: emit_special_exit(b, ExitReason::FenceI, pc, 0, index + 1); return true;
    case Opcode::Fence: return false;  // one hart, and SVI memory is sequentially consistent
    case Opcode::Csrrw:
    case Opcode::Csrrs:
    case Opcode::Csrrc:
    case Opcode::Csrrwi:
    case Opcode::Csrrsi:
    case Opcode::Csrrci: return translate_csr(b, in) ? false : illegal();
    default: break;
  }
  // Everything else that is not integer computation, memory or atomics (Illegal, and in user
  // mode the privileged sret/mret/wfi/sfence.vma) is illegal.
  if (translate_alu(b, in, pc) || translate_muldiv(b, in) || translate_mem(b, in) ||
      translate_atomic(b, in))
    return false;
  return illegal();
}

bool RegionTranslator::emit_block(size_t i) {
  const uint64_t start = blocks_[i].start;
  b_.bind(blocks_[i].label);
  b_.begin_block();
  // A block admitted before the instruction budget ran out may find none left: it is an exit.
  const unsigned cap =
      i == 0 ? kMaxBlockInsns
             : std::min(kMaxBlockInsns, limits_.max_insns - std::min(insns_, limits_.max_insns));
  uint64_t pc = start;
  unsigned count = 0;
  for (;;) {
    // An instruction may straddle into the next page; none may start there.
    if (count == cap || (pc & kPageMask) != (start & kPageMask)) {
      emit_instret_add(b_, count);
      if (count == 0) {
        emit_exit_to(b_, pc, 0);
      } else {
        emit_goto(pc);
      }
      break;
    }
    uint16_t lo = 0, hi = 0;
    bool ok = fetch_(pc, &lo);
    const bool wide = ok && isa::rv64::insn_length(lo) == 4;
    if (wide) ok = fetch_(pc + 2, &hi);
    if (!ok) {
      if (count == 0 && i == 0) return false;
      emit_exit_to(b_, pc, count);  // the next unit's translation reports the fault
      break;
    }
    const DecodedInsn in =
        wide ? isa::rv64::decode(lo | (uint32_t{hi} << 16)) : isa::rv64::decode_compressed(lo);
    b_.begin_insn(pc);
    ++insns_;
    const bool ended = translate_insn(in, pc, count);
    ++count;
    pc += in.length;
    if (ended) break;
  }
  if (count != 0) {
    ranges_.emplace_back(start, pc);
    ++emitted_blocks_;
  }
  if (i == 0) entry_end_ = pc;
  return true;
}

Result<TranslatedBlock> RegionTranslator::run() {
  const uint64_t entry = blocks_[0].start;
  while (!work_.empty()) {
    const size_t i = work_.back();
    work_.pop_back();
    if (!emit_block(i)) return fail("rv64: cannot fetch the instruction at 0x{:x}", entry);
  }
  for (const Stub& s : stubs_) {
    b_.bind(s.label);
    emit_exit_to(b_, s.pc, 0);
  }
  if (sys_) sys_->finish();
  float_exits_.finish();

  TranslatedBlock t;
  t.start = entry;
  t.end = entry_end_;
  t.guest_insns = insns_;
  t.guest_blocks = std::max<uint32_t>(emitted_blocks_, 1);
  t.has_loop = has_loop_;
  std::sort(ranges_.begin(), ranges_.end());
  for (const auto& r : ranges_) {
    if (!t.ranges.empty() && r.first <= t.ranges.back().second) {
      t.ranges.back().second = std::max(t.ranges.back().second, r.second);
    } else {
      t.ranges.push_back(r);
    }
  }
  t.fn = b_.finish(fmt::format("rv64_{:x}", entry));
  t.fn.sig = kBlockSig;
  t.pc_map = b_.take_pc_map();
  t.mem_addr_regs = b_.take_mem_addr_regs();
  t.const_exits = b_.take_const_exits();
  return t;
}

}  // namespace

void emit_illegal_exit(BlockBuilder& b, uint64_t pc, uint32_t raw) {
  emit_special_exit(b, ExitReason::Illegal, pc, raw, insns_before_current(b));
}

Result<TranslatedBlock> translate_region(uint64_t pc, const FetchFn& fetch,
                                         const RegionLimits& limits, const SystemTarget* sys) {
  return RegionTranslator(pc, fetch, limits, sys).run();
}

Result<TranslatedBlock> translate_block(uint64_t pc, const FetchFn& fetch,
                                        const SystemTarget* sys) {
  return translate_region(pc, fetch, RegionLimits{kMaxBlockInsns, 1}, sys);
}

bool overlaps(const TranslatedBlock& b, uint64_t addr, uint64_t len) {
  // GUEST: addr and len may come from the guest (munmap, mprotect...): clamp instead of wrapping.
  const uint64_t hi = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;
  if (b.ranges.empty()) return b.start < hi && b.end > addr;
  for (const auto& [lo, end] : b.ranges)
    if (lo < hi && end > addr) return true;
  return false;
}

uint64_t guest_pc_of(const TranslatedBlock& b, uint32_t svi_pc) {
  // The prologue (register loads) precedes the first entry: it belongs to the first instruction.
  auto it = std::upper_bound(
      b.pc_map.begin(), b.pc_map.end(), svi_pc,
      [](uint32_t v, const std::pair<uint32_t, uint64_t>& e) { return v < e.first; });
  if (it == b.pc_map.begin()) return b.start;
  return std::prev(it)->second;
}

}  // namespace strata::jit::rv64
