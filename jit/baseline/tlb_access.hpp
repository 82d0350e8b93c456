// Software-TLB checks the baseline tier emits as one piece, their temporaries in scratch
// registers instead of the register cache.
//
// WHY. The RV64 system translator checks every load and store against its software TLB with the
// same SVI words (jit/rv64/translate_sys_mem.cpp):
//     [addi va, base, imm]               the address, when the offset is not 0
//     andi cmp, va, M                    the compared value: page bits and the alignment bits
//     shri entry, va, s ; andi entry, entry, K   the entry's offset in the table
//     ld.i64 tag, entry, T ; bne tag, cmp, miss  the entry's tag
//     ld.i64 tag, entry, A ; add tag, tag, va    the host address (the entry's addend + va)
//     ld/st ... tag, c                   the RAM access
// with the same three or four temporaries in every check of a unit. Emitted word by word, those
// temporaries are the unit's most used registers, so the register cache gave them four of its
// eight host registers for the whole unit, and the guest registers of a hot loop (sha256's) went
// through their state words. Recognized as a whole, the check needs no register of the cache: va
// is in rdx (or its cache register), the compared value and the addend in rax, the entry in rcx,
// and the access proceeds as the access word's own emitter does with its address in rax.
//
// WHEN. Only where the words say so exactly, nothing jumps into the middle, and the temporaries
// are dead where the check goes on (after the access) and where the miss goes (its slow path
// starts by writing cmp, entry and tag; va it reads, so a miss first stores a computed va where
// the slow path reads it). Their liveness is a dataflow over the function (reg_cache.hpp's
// live_cached), not a guess. The entry's two loads need no bounds check: entry <= K, and
// K + 8 + the larger table offset is inside the fixed memory.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "isa/code_walk.hpp"

namespace strata::jit::baseline {

struct TlbCheck {
  std::size_t first = 0;   // index of its first word (an addi, or the first andi)
  std::size_t access = 0;  // index of the RAM access, the word after the check
  uint16_t va = 0;         // the checked address
  bool va_temp = false;    // va = base + imm, computed by the check's addi
  uint16_t base = 0;
  int16_t imm = 0;
  uint16_t cmp = 0, entry = 0, tag = 0;
  // A group's span check (jit/rv64/mem_groups.hpp): the compared value is taken from
  // vx = va + vx_delta (a temporary of its own addi, first: `addi vx, base, i1; andi cmp, vx, M;
  // [addi va, base, i2]; shri entry, va...`), and the linear address goes to `host`, which lives
  // on after the access (a lone check's is the tag: host == tag).
  uint16_t vx = 0;  // 0: the compared value is va's
  int32_t vx_delta = 0;
  uint16_t host = 0;
  int64_t page_mask = 0;    // M, sign-extended
  uint32_t shift = 0;       // s
  uint32_t index_mask = 0;  // K
  uint32_t tag_offset = 0, addend_offset = 0;
  uint32_t miss_pc = 0;  // the bne's target
};

// The checks of `insns` that can be emitted as one piece (see above; also a group's span check,
// TlbCheck::vx), ascending. `entries`: the
// pcs code can jump to besides falling through (Emitter's); `memory_size`: the fixed memory's
// size (the caller asks only with CodePromises::fixed_memory); `writes_a` as live_cached's.
std::vector<TlbCheck> find_tlb_checks(std::span<const isa::Insn> insns,
                                      const std::vector<bool>& entries, uint64_t memory_size,
                                      const std::function<bool(const isa::Insn&)>& writes_a);

// By pc: the operands (bit 0: a, 1: b, 2: c) whose uses the register cache should not count,
// since the checks' code reads them from no cache register: the temporaries in the checks and
// in their slow paths (the miss target up to its jump back), and a plain va's second and third
// reads (the check reads it once). Sized to the code; zero elsewhere.
std::vector<uint8_t> tlb_uncounted_operands(std::span<const isa::Insn> insns, size_t code_size,
                                            std::span<const TlbCheck> checks);

}  // namespace strata::jit::baseline
