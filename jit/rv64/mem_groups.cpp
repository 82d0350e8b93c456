#include "jit/rv64/mem_groups.hpp"

#include <algorithm>

namespace strata::jit::rv64 {

using isa::rv64::DecodedInsn;
using isa::rv64::Format;
using isa::rv64::Opcode;
using isa::rv64::RegFile;

namespace {

// Integer computation: no memory, no helper that could change a translation, no control flow.
bool integer_only(const DecodedInsn& in) {
  const isa::rv64::OpInfo& info = isa::rv64::op_info(in.op);
  const bool format = info.format == Format::R || info.format == Format::I ||
                      info.format == Format::Sh || info.format == Format::U;
  return format && info.rd == RegFile::X && (info.flags & ~isa::rv64::kWord) == 0;
}

bool is_store(Opcode op) {
  return (isa::rv64::op_info(op).flags & isa::rv64::kStore) != 0;
}

// Writes x[reg] (an integer result or an integer load).
bool writes_x(const DecodedInsn& in, unsigned reg) {
  return in.rd == reg && isa::rv64::op_info(in.op).rd == RegFile::X;
}

}  // namespace

unsigned plain_access_size(Opcode op) {
  switch (op) {
    case Opcode::Lb:
    case Opcode::Lbu:
    case Opcode::Sb: return 1;
    case Opcode::Lh:
    case Opcode::Lhu:
    case Opcode::Sh: return 2;
    case Opcode::Lw:
    case Opcode::Lwu:
    case Opcode::Sw:
    case Opcode::Flw:
    case Opcode::Fsw: return 4;
    case Opcode::Ld:
    case Opcode::Sd:
    case Opcode::Fld:
    case Opcode::Fsd: return 8;
    default: return 0;
  }
}

std::optional<MemGroup> plan_mem_group(const DecodedInsn& leader, uint64_t pc,
                                       std::span<const DecodedInsn> after) {
  const unsigned lead_size = plain_access_size(leader.op);
  // x0 + imm is an absolute address: no register to keep; a load into its own base ends the
  // run at once.
  if (lead_size == 0 || leader.rs1 == 0 || writes_x(leader, leader.rs1)) return std::nullopt;
  MemGroup g;
  g.base = leader.rs1;
  g.store = is_store(leader.op);
  int64_t low = leader.imm, high = leader.imm + lead_size;
  uint64_t at = pc + leader.length;
  for (const DecodedInsn& in : after) {
    const uint64_t here = at;
    at += in.length;
    const unsigned size = plain_access_size(in.op);
    if (size == 0) {
      if (!integer_only(in) || writes_x(in, g.base)) break;
      continue;
    }
    if (in.rs1 == g.base && is_store(in.op) == g.store) {
      const int64_t lo = std::min(low, in.imm), hi = std::max(high, in.imm + int64_t{size});
      if (hi - lo <= kMaxGroupSpan) {
        low = lo;
        high = hi;
        g.followers[g.count++] = here;
        if (g.count == kMaxFollowers) break;
      }
    }
    if (writes_x(in, g.base)) break;
  }
  if (g.count == 0) return std::nullopt;
  g.low = low;
  g.span = static_cast<uint32_t>(high - low);
  return g;
}

}  // namespace strata::jit::rv64
