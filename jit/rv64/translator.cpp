// The region driver: fetch, decode, dispatch to the per-class emitters (translate_int.hpp,
// translate_float.hpp), end each block at control flow, a page boundary, kMaxBlockInsns or an
// unfetchable instruction, and link the blocks of a region (translator.hpp).
#include "jit/rv64/translator.hpp"

#include <algorithm>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/mem_groups.hpp"
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

// x1 (ra) and x5 (t0): the link registers of the calling convention (the spec's return-address
// stack hints).
bool is_link(unsigned reg) {
  return reg == 1 || reg == 5;
}

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

// The decoded instructions of the block being emitted (RegionTranslator::ahead_): a thread's
// buffer, kept between units, so a translation costs no allocation for it.
std::vector<DecodedInsn>& ahead_buffer() {
  thread_local std::vector<DecodedInsn> buffer;
  return buffer;
}

// Translates one region (translator.hpp). Blocks are emitted by depth (the jumps and taken
// branches from the entry; a fall-through adds none), the fall-through successor first, so a
// fall-through is usually the next block in the SVI code and its `jmp` vanishes
// (BlockBuilder::bind), and the region's budget goes to the blocks nearest the entry (user mode;
// system-mode regions are depth-first, fall-through first). Exits to pcs outside the region taken
// by a conditional branch are stubs after the last block: the hot path of a loop stays straight.
//
// Every loop back-edge (a branch to a block already emitted: every cycle has one) first counts
// down the time slice (state::kSliceLeft, kept in a register like a guest register) and leaves
// the unit for the loop header once it runs out (a header other than the entry: once it is
// kSliceOverdraw past that, guest_layout.hpp), so a guest spinning inside one unit still
// returns to the runner: another guest thread gets its turn and request_stop() is served. A
// conditional back-edge is emitted inverted (`b!cc skip; check; jmp header; skip:`), so the loop's
// hot path takes one jump, as without the check.
//
// Calls and returns stay inside a user-mode region when that costs no new code. A call (`jal`
// linking x1 or x5) to a callee already in the region, or whose return point (the instruction
// after it) already is, makes that return point a block of the region; every return (`jalr x0,
// 0(x1 or x5)`) jumps to a return dispatch of its own, emitted after the last block once every
// return point is known. Each block belongs to a function: the entry's, or the callee whose call
// admitted it first. A return's dispatch compares the return address with the return points of
// the calls to its block's function (for the entry's function, whose callers the region does not
// know, with every return point: a recursion entered at one) and continues there through a slice
// check, like a back-edge (a return may close a cycle); any other address leaves the unit. One
// dispatch per return keeps apart the paths the calls keep apart (a shared one would merge every
// caller's values). The comparison is exact, so a callee that changes its return address, a
// longjmp or a return to a caller outside the region simply leave the unit. Measured and not
// kept (docs/RV64.md "Returns inside a unit"): return points that are new code, and callees
// outside the entry's two pages.
class RegionTranslator {
 public:
  RegionTranslator(uint64_t entry, const FetchFn& fetch, const RegionLimits& limits,
                   const SystemTarget* sys)
      : b_(std::min(limits.max_insns, 4 * kMaxBlockInsns), limits.slots),
        fetch_(fetch),
        limits_(limits),
        entry_page_(entry & kPageMask) {
    if (sys != nullptr) sys_.emplace(b_, *sys);
    blocks_.reserve(std::min(limits.max_blocks, 64u));
    blocks_.push_back({entry, b_.new_label(), entry});
    work_.push_back(0);
  }

  Result<TranslatedBlock> run();

 private:
  static constexpr uint64_t kPageMask = ~(vm::rv64::kPageSize - 1);
  // Past this many SVI words (writebacks and pending system-mode slow paths included) no block
  // is added: J16 branch offsets (±32K words) must reach the exit stubs and slow paths after the
  // last block, and a block adds at most a few thousand words.
  static constexpr size_t kMaxWords = 12000;
  // A return dispatch compares at most this many return points.
  static constexpr size_t kMaxReturnPoints = 8;
  // What no group of accesses reaches past (control flow, helpers that may change a
  // translation).
  static constexpr uint32_t kGroupEnds = isa::rv64::kBranch | isa::rv64::kJump |
                                         isa::rv64::kSystem | isa::rv64::kCsr | isa::rv64::kAtomic;

  struct Block {
    uint64_t start;
    BlockBuilder::Label label;
    uint64_t function = 0;  // the entry of the function the block belongs to
    unsigned depth = 0;     // jumps from the entry (fall-throughs are free)
  };
  // A call whose callee joined the region, and its return point (a block of the region).
  struct Call {
    uint64_t callee;
    uint64_t ret;
    BlockBuilder::Label label;
  };
  // A return, waiting for its dispatch.
  struct Return {
    uint64_t function;
    BlockBuilder::Label dispatch;
  };
  struct Stub {
    uint64_t pc;
    BlockBuilder::Label label;
  };

  // Emits block `i`. False when its first instruction cannot be fetched and it is the entry.
  bool emit_block(size_t i);
  // Decodes the block's instructions up to ahead_[k], within its page; false when that one
  // cannot be fetched (or starts on the next page).
  bool decode_ahead(size_t k);
  // Emits instruction `in` at `pc`, the block's instruction number `index`. True when it ended
  // the block (every path of it left the block).
  bool translate_insn(const DecodedInsn& in, uint64_t pc, unsigned index);
  // The label of the region block at `target`, added (and queued) if it may join; else of an
  // exit stub to `target`. The instret register must be up to date on every way there.
  BlockBuilder::Label target_label(uint64_t target);
  // Continues at `target` (a block of the region, or an exit), instret already counted.
  // `hop`: 0 for a fall-through, 1 for a jump (Block::depth).
  void emit_goto(uint64_t target, unsigned hop = 1);
  // *back: the target block is already emitted (the branch closes a loop). `call`: the target
  // is a callee (a function of its own); `hop`: Block::depth's step.
  bool admit(uint64_t target, BlockBuilder::Label* label, bool* back, bool call = false,
             unsigned hop = 1);
  // A call to `target` returning to `ret` (the link register already set).
  void emit_call(uint64_t target, uint64_t ret);
  // A return's dispatch (see above): its return points, then an exit to the return address.
  // `point`: a temporary for the return points' addresses.
  void emit_return_dispatch(const Return& r, uint16_t point);
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
  std::vector<size_t> work_;  // blocks to emit (run() takes the shallowest)
  std::vector<Stub> stubs_;
  // The block being emitted, decoded from its start (decode_ahead), and what follows the
  // instruction being translated (a group's leader reads it).
  std::vector<DecodedInsn>& ahead_ = ahead_buffer();
  uint64_t ahead_start_ = 0, ahead_end_ = 0;
  bool ahead_failed_ = false;
  bool ahead_whole_ = false;  // decoded as far as a group may reach
  std::span<const DecodedInsn> after_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
  // (pc map index of a block's first instruction, its guest pc): block_starts once finished.
  std::vector<std::pair<size_t, uint64_t>> starts_;
  std::vector<Call> calls_;
  std::vector<Return> returns_;
  uint64_t function_ = 0;  // the function of the block being emitted
  unsigned depth_ = 0;     // the depth of the block being emitted
  uint16_t ret_reg_ = 0;   // the return address, from a return to its dispatch
  unsigned insns_ = 0;
  uint32_t emitted_blocks_ = 0;
  uint64_t entry_end_ = 0;
  bool has_loop_ = false;
};

bool RegionTranslator::admit(uint64_t target, BlockBuilder::Label* label, bool* back, bool call,
                             unsigned hop) {
  *back = false;
  if (limits_.max_blocks <= 1) return false;
  for (const Block& blk : blocks_) {
    if (blk.start != target) continue;
    if (b_.is_bound(blk.label)) has_loop_ = *back = true;
    *label = blk.label;
    return true;
  }
  const uint64_t page = target & kPageMask;
  if (limits_.only != nullptr &&
      !std::binary_search(limits_.only->begin(), limits_.only->end(), target))
    return false;
  if (blocks_.size() >= limits_.max_blocks || insns_ >= limits_.max_insns ||
      size_bound() > kMaxWords ||
      (page != entry_page_ && page != entry_page_ + vm::rv64::kPageSize))
    return false;
  // System mode: every block at depth 0, so depth-first as before (by depth, a boot took 4.45 and
  // 4.61 s to the ready line against 4.25 and 4.45: docs/RV64.md "Returns inside a unit").
  blocks_.push_back({target, b_.new_label(), call ? target : function_, sys_ ? 0 : depth_ + hop});
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

void RegionTranslator::emit_goto(uint64_t target, unsigned hop) {
  BlockBuilder::Label l{};
  bool back = false;
  if (admit(target, &l, &back, false, hop)) {
    if (back) emit_slice_check(target);
    b_.branch1(Op::Jmp, 0, l);
  } else {
    emit_exit_to(b_, target, 0);
  }
}

void RegionTranslator::emit_call(uint64_t target, uint64_t ret) {
  const size_t queued = work_.size();
  BlockBuilder::Label callee{};
  bool back = false;
  if (!admit(target, &callee, &back, /*call=*/true)) {
    emit_exit_to(b_, target, 0);
    return;
  }
  const bool callee_new = work_.size() > queued;
  const size_t points = std::count_if(calls_.begin(), calls_.end(),
                                      [&](const Call& c) { return c.callee == target; });
  BlockBuilder::Label point{};
  bool point_back = false;
  // Only where the unit does not grow for it: the callee was in the region already (a
  // recursion, a second call) or the return point is. A return point that is new code pulls in
  // the caller's rest, and measured, bigger units lost more in compile time than the returns
  // they kept (docs/RV64.md "Returns inside a unit").
  const bool known = !callee_new || std::any_of(blocks_.begin(), blocks_.end(),
                                                [&](const Block& blk) { return blk.start == ret; });
  // System mode has no return points: the hart's tiering counts a unit's entries and the slices
  // its loops take (jit/rv64sys), and a whole call tree run in one entry would hide both.
  if (!sys_ && known && points < kMaxReturnPoints && admit(ret, &point, &point_back)) {
    calls_.push_back({target, ret, point});
    // The callee first (run() takes the last queued of equal depths): its `jmp` falls through.
    if (callee_new && work_.size() == queued + 2) std::swap(work_[queued], work_[queued + 1]);
  }
  if (back) emit_slice_check(target);
  b_.branch1(Op::Jmp, 0, callee);
}

void RegionTranslator::emit_return_dispatch(const Return& r, uint16_t point) {
  b_.bind(r.dispatch);
  // A return from the entry's function goes to a caller the region does not know: the return
  // points of any call in the region are the likely ones (a recursion entered at one of them).
  const bool any = r.function == blocks_.front().start;
  std::vector<uint64_t> done;
  for (const Call& c : calls_) {
    if ((!any && c.callee != r.function) || done.size() == kMaxReturnPoints ||
        std::find(done.begin(), done.end(), c.ret) != done.end())
      continue;
    done.push_back(c.ret);
    const BlockBuilder::Label other = b_.new_label();
    b_.load_const(point, c.ret);
    b_.branch2(Op::Bne, ret_reg_, point, other);
    has_loop_ = true;
    emit_slice_check(c.ret);
    b_.branch1(Op::Jmp, 0, c.label);
    b_.bind(other);
  }
  b_.emit_return(ret_reg_);
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
    if (sys_->translate_mem(in, pc, index, after_) || sys_->translate_atomic(in, pc, index) ||
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
        emit_goto(next, 0);
        return true;
      }
      // The taken target is admitted first so that the fall-through is emitted next.
      b.branch2(branch_op(in.op), s1, s2, target_label(target));
      emit_goto(next, 0);
      return true;
    }
    case Opcode::Jal:
      if (in.rd != 0) b.load_const(b.xdef(in.rd), next);
      emit_instret_add(b, index + 1);
      if (is_link(in.rd)) {
        emit_call(pc + static_cast<uint64_t>(in.imm), next);
      } else {
        emit_goto(pc + static_cast<uint64_t>(in.imm));
      }
      return true;
    case Opcode::Jalr: {
      // A return goes to its return dispatch (user-mode regions only: a block alone just
      // returns, and see emit_call for system mode).
      const bool ret = in.rd == 0 && is_link(in.rs1) && limits_.max_blocks > 1 && !sys_;
      if (ret && ret_reg_ == 0) ret_reg_ = b.unit_reg();
      // The target first: rd may be rs1.
      const uint16_t target = ret ? ret_reg_ : b.tmp();
      b.emit(Op::AddI, target, b.xreg(in.rs1), static_cast<uint16_t>(in.imm));
      b.emit(Op::AndI, target, target, static_cast<uint16_t>(-2));
      if (in.rd != 0) b.load_const(b.xdef(in.rd), next);
      emit_instret_add(b, index + 1);
      if (ret) {
        returns_.push_back({function_, b.new_label()});
        b.branch1(Op::Jmp, 0, returns_.back().dispatch);
      } else {
        b.emit_return(target);
      }
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

bool RegionTranslator::decode_ahead(size_t k) {
  while (ahead_.size() <= k) {
    if (ahead_failed_) return false;
    const uint64_t pc = ahead_end_;
    if ((pc & kPageMask) != (ahead_start_ & kPageMask)) return false;
    uint16_t lo = 0, hi = 0;
    bool ok = fetch_(pc, &lo);
    const bool wide = ok && isa::rv64::insn_length(lo) == 4;
    if (wide) ok = fetch_(pc + 2, &hi);
    if (!ok) {
      ahead_failed_ = true;
      return false;
    }
    ahead_.push_back(wide ? isa::rv64::decode(lo | (uint32_t{hi} << 16))
                          : isa::rv64::decode_compressed(lo));
    ahead_end_ += ahead_.back().length;
  }
  return true;
}

bool RegionTranslator::emit_block(size_t i) {
  const uint64_t start = blocks_[i].start;
  function_ = blocks_[i].function;
  depth_ = blocks_[i].depth;
  b_.bind(blocks_[i].label);
  b_.begin_block();
  if (sys_) sys_->begin_block();
  ahead_.clear();
  ahead_start_ = ahead_end_ = start;
  ahead_failed_ = ahead_whole_ = false;
  // A block admitted before the instruction budget ran out may find none left: it is an exit.
  const unsigned cap =
      i == 0 ? kMaxBlockInsns
             : std::min(kMaxBlockInsns, limits_.max_insns - std::min(insns_, limits_.max_insns));
  uint64_t pc = start;
  unsigned count = 0;
  const size_t first_insn = b_.insns_begun();
  for (;;) {
    // An instruction may straddle into the next page; none may start there.
    if (count == cap || (pc & kPageMask) != (start & kPageMask)) {
      emit_instret_add(b_, count);
      if (count == 0) {
        emit_exit_to(b_, pc, 0);
      } else {
        emit_goto(pc, 0);
      }
      break;
    }
    if (!decode_ahead(count)) {
      if (count == 0 && i == 0) return false;
      emit_exit_to(b_, pc, count);  // the next unit's translation reports the fault
      break;
    }
    const DecodedInsn in = ahead_[count];
    // A memory access may lead a group of the accesses after it (mem_groups.hpp).
    if (sys_ && plain_access_size(in.op) != 0) {
      // Decoded on to the first instruction no group reaches past, once per block.
      while (!ahead_whole_) {
        const uint32_t flags = isa::rv64::op_info(ahead_.back().op).flags;
        if ((flags & kGroupEnds) != 0 || ahead_.size() >= cap || !decode_ahead(ahead_.size()))
          ahead_whole_ = true;
      }
      after_ = std::span<const DecodedInsn>(ahead_).subspan(count + 1);
    } else {
      after_ = {};
    }
    b_.begin_insn(pc);
    ++insns_;
    const bool ended = translate_insn(in, pc, count);
    ++count;
    pc += in.length;
    if (ended) break;
  }
  if (count != 0) {
    ranges_.emplace_back(start, pc);
    starts_.emplace_back(first_insn, start);
    ++emitted_blocks_;
  }
  if (i == 0) entry_end_ = pc;
  return true;
}

Result<TranslatedBlock> RegionTranslator::run() {
  const uint64_t entry = blocks_[0].start;
  while (!work_.empty()) {
    // The shallowest block, the last queued among equals: fall-through chains are emitted in
    // order (their `jmp` vanishes), and when the budget runs out the blocks left out are the
    // ones most jumps away from the entry, not whatever a deep first path did not reach.
    size_t pick = work_.size() - 1;
    for (size_t k = pick; k-- > 0;)
      if (blocks_[work_[k]].depth < blocks_[work_[pick]].depth) pick = k;
    const size_t i = work_[pick];
    work_.erase(work_.begin() + static_cast<std::ptrdiff_t>(pick));
    if (!emit_block(i)) return fail("rv64: cannot fetch the instruction at 0x{:x}", entry);
  }
  if (!returns_.empty()) {
    const uint16_t point = b_.tmp();
    for (const Return& r : returns_) emit_return_dispatch(r, point);
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
  if (sys_) {
    t.tlb_checks = sys_->tlb_checks();
    t.checked_by_run = sys_->checked_by_run();
  }
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
  for (const auto& [index, guest] : starts_)
    t.block_starts.emplace_back(t.pc_map[index].first, guest);
  std::sort(t.block_starts.begin(), t.block_starts.end());
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
