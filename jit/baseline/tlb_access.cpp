#include "jit/baseline/tlb_access.hpp"

#include <algorithm>

#include "jit/baseline/reg_cache.hpp"

namespace strata::jit::baseline {

namespace {

using isa::Op;

bool is_access(Op op) {
  switch (op) {
    case Op::LdI8:
    case Op::LdU8:
    case Op::LdI16:
    case Op::LdU16:
    case Op::LdI32:
    case Op::LdU32:
    case Op::LdI64:
    case Op::StI8:
    case Op::StI16:
    case Op::StI32:
    case Op::StI64: return true;
    default: return false;
  }
}

bool is_store(Op op) {
  return op == Op::StI8 || op == Op::StI16 || op == Op::StI32 || op == Op::StI64;
}

// The check whose first word is insns[i]: [addi x, b, i1] andi cmp, src, M [addi va, b, i2]
// shri entry, va... (the shapes in TlbCheck); false if the words from i on are not one.
bool match_at(std::span<const isa::Insn> insns, const std::vector<bool>& entries, size_t i,
              TlbCheck* c) {
  using isa::a_of;
  using isa::b_of;
  using isa::c_of;
  const auto ok_at = [&](size_t j) {
    return j < insns.size() && insns[j].status == isa::InsnStatus::Ok;
  };
  const auto imm_of = [](const isa::Insn& in) { return static_cast<int16_t>(c_of(in.word)); };
  size_t k = i;
  bool addi1 = false, addi2 = false;
  if (ok_at(k + 1) && insns[k].op() == Op::AddI && insns[k + 1].op() == Op::AndI &&
      b_of(insns[k + 1].word) == a_of(insns[k].word)) {
    addi1 = true;
    ++k;
  }
  if (!ok_at(k) || insns[k].op() != Op::AndI) return false;
  const isa::Insn& andi = insns[k++];
  const isa::Insn& first = insns[i];
  const uint16_t b1 = b_of(first.word);
  if (addi1 && ok_at(k + 1) && insns[k].op() == Op::AddI && b_of(insns[k].word) == b1 &&
      insns[k + 1].op() == Op::ShrI && b_of(insns[k + 1].word) == a_of(insns[k].word)) {
    addi2 = true;
    ++k;
  }
  const size_t shri_at = k;
  if (shri_at + 6 >= insns.size()) return false;
  for (size_t j = i; j <= shri_at + 6; ++j) {
    if (insns[j].status != isa::InsnStatus::Ok) return false;
    // Nothing jumps past the check's first word.
    if (j != i && entries[insns[j].pc]) return false;
  }
  const isa::Insn &shri = insns[shri_at], &mask = insns[shri_at + 1], &tag_ld = insns[shri_at + 2],
                  &bne = insns[shri_at + 3], &add_ld = insns[shri_at + 4],
                  &add = insns[shri_at + 5], &acc = insns[shri_at + 6];
  if (shri.op() != Op::ShrI || mask.op() != Op::AndI || tag_ld.op() != Op::LdI64 ||
      bne.op() != Op::Bne || add_ld.op() != Op::LdI64 || add.op() != Op::Add ||
      !is_access(acc.op()))
    return false;
  const uint16_t src = b_of(andi.word), va_read = b_of(shri.word);
  if (!addi1) {
    if (va_read != src) return false;
    c->va = src;
  } else if (addi2) {
    const isa::Insn& second = insns[shri_at - 1];
    c->va = a_of(second.word);
    c->va_temp = true;
    c->base = b1;
    c->imm = imm_of(second);
    c->vx = a_of(first.word);
    c->vx_delta = int32_t{imm_of(first)} - c->imm;
  } else if (va_read == src) {
    c->va = src;
    c->va_temp = true;
    c->base = b1;
    c->imm = imm_of(first);
  } else if (va_read == b1) {
    c->va = b1;
    c->vx = a_of(first.word);
    c->vx_delta = imm_of(first);
  } else {
    return false;
  }
  const uint16_t cmp = a_of(andi.word), va = c->va;
  const uint16_t entry = a_of(shri.word), tag = a_of(tag_ld.word), host = a_of(add.word);
  if (a_of(mask.word) != entry || b_of(mask.word) != entry || b_of(tag_ld.word) != entry ||
      a_of(bne.word) != tag || b_of(bne.word) != cmp || a_of(add_ld.word) != tag ||
      b_of(add_ld.word) != entry || b_of(add.word) != tag || c_of(add.word) != va)
    return false;
  // Distinct temporaries, none of them va, the base or r0.
  const uint16_t vx = c->vx;
  if (cmp == entry || cmp == tag || entry == tag || va == cmp || va == entry || va == tag ||
      cmp == 0 || entry == 0 || tag == 0)
    return false;
  if (c->va_temp && (c->base == va || c->base == cmp || c->base == entry || c->base == tag))
    return false;
  if (vx != 0 && (vx == cmp || vx == entry || vx == tag || vx == va || vx == b1)) return false;
  // A group's host address: no temporary, not va.
  if (host == 0 || (host != tag && (host == cmp || host == entry || host == va || host == vx ||
                                    (c->va_temp && host == c->base))))
    return false;
  const int16_t k_mask = static_cast<int16_t>(c_of(mask.word));
  const uint32_t shift = c_of(shri.word) & 63;
  // rorx then and: the rotated-in bits must be masked off; `and ecx, K` needs K >= 0.
  if (k_mask < 0) return false;
  if (shift != 0 && (uint64_t{static_cast<uint16_t>(k_mask)} >> (64 - shift)) != 0) return false;
  const int32_t offset = isa::branch_offset(bne.word);
  if (offset <= 0) return false;
  // The access: its address is the host address, and it reads no temporary (a load may write
  // anything but the check's own registers).
  const auto temp = [&](uint16_t r) {
    return r == cmp || r == entry || r == tag || (vx != 0 && r == vx) || (c->va_temp && r == va);
  };
  if (is_store(acc.op())) {
    if (a_of(acc.word) != host) return false;
    const uint16_t value = b_of(acc.word);
    if (temp(value) || (host != tag && value == host)) return false;
  } else {
    if (b_of(acc.word) != host) return false;
    const uint16_t dst = a_of(acc.word);
    if (dst == cmp || dst == entry || dst == tag || (host != tag && dst == host)) return false;
  }
  c->first = i;
  c->access = shri_at + 6;
  c->cmp = cmp;
  c->entry = entry;
  c->tag = tag;
  c->host = host;
  c->page_mask = static_cast<int16_t>(c_of(andi.word));
  c->shift = shift;
  c->index_mask = static_cast<uint16_t>(k_mask);
  c->tag_offset = c_of(tag_ld.word);
  c->addend_offset = c_of(add_ld.word);
  c->miss_pc = bne.pc + static_cast<uint32_t>(offset);
  return true;
}

// The registers a check may leave stale: they must be dead where it goes on and where it misses
// (va only where it goes on: a miss writes it).
template <typename Fn>
void for_temps(const TlbCheck& c, Fn fn) {
  fn(c.cmp);
  fn(c.entry);
  fn(c.tag);
  if (c.va_temp) fn(c.va);
  if (c.vx != 0) fn(c.vx);
}

}  // namespace

std::vector<TlbCheck> find_tlb_checks(std::span<const isa::Insn> insns,
                                      const std::vector<bool>& entries, uint64_t memory_size,
                                      const std::function<bool(const isa::Insn&)>& writes_a) {
  std::vector<TlbCheck> found;
  if (insns.empty()) return found;
  const size_t code_size = insns.back().pc + insns.back().length();
  for (size_t i = 0; i < insns.size(); ++i) {
    const isa::Insn& in = insns[i];
    if (in.status != isa::InsnStatus::Ok) continue;
    TlbCheck c;
    const bool ok = match_at(insns, entries, i, &c);
    if (!ok) continue;
    // The entry's loads need no bounds check (entry <= K).
    const uint64_t reach = uint64_t{c.index_mask} + std::max(c.tag_offset, c.addend_offset) + 8;
    if (reach > memory_size || c.miss_pc >= code_size) continue;
    found.push_back(c);
    i = c.access;
  }
  if (found.empty()) return found;

  // The temporaries' liveness, up to eight of them (a unit has three or four); checks naming
  // others are left to the word-by-word emission.
  std::vector<int8_t> bit_of;
  std::vector<uint16_t> temps;
  std::vector<TlbCheck> kept;
  for (const TlbCheck& c : found) {
    size_t more = 0;
    for_temps(c, [&](uint16_t r) {
      if (std::find(temps.begin(), temps.end(), r) == temps.end()) ++more;
    });
    if (temps.size() + more > kCacheRegCount) continue;
    for_temps(c, [&](uint16_t r) {
      if (std::find(temps.begin(), temps.end(), r) != temps.end()) return;
      if (r >= bit_of.size()) bit_of.resize(size_t{r} + 1, -1);
      bit_of[r] = static_cast<int8_t>(temps.size());
      temps.push_back(r);
    });
    kept.push_back(c);
  }
  found = std::move(kept);
  const std::vector<CacheMask> live = live_cached(insns, code_size, bit_of, writes_a);
  std::erase_if(found, [&](const TlbCheck& c) {
    const isa::Insn& acc = insns[c.access];
    const size_t after = acc.pc + acc.length();
    const CacheMask live_after = after < code_size ? live[after] : 0;
    bool dead = true;
    for_temps(c, [&](uint16_t r) {
      const auto bit = static_cast<CacheMask>(1u << bit_of[r]);
      if (live_after & bit) dead = false;
      if (r != c.va && (live[c.miss_pc] & bit)) dead = false;
    });
    return !dead;
  });
  return found;
}

std::vector<uint8_t> tlb_uncounted_operands(std::span<const isa::Insn> insns, size_t code_size,
                                            std::span<const TlbCheck> checks) {
  std::vector<uint8_t> skip(code_size + 1, 0);
  auto mark = [&](const isa::Insn& in, const TlbCheck& c) {
    const isa::OpInfo& info = isa::info(in.op());
    const uint16_t f[3] = {isa::a_of(in.word), isa::b_of(in.word), isa::c_of(in.word)};
    const isa::Operand kind[3] = {info.a, info.b, info.c};
    for (int k = 0; k < 3; ++k) {
      if (!isa::is_reg(kind[k])) continue;
      const uint16_t r = f[k];
      if (r == c.cmp || r == c.entry || r == c.tag || (c.va_temp && r == c.va) ||
          (c.vx != 0 && r == c.vx))
        skip[in.pc] |= static_cast<uint8_t>(1u << k);
    }
  };
  for (const TlbCheck& c : checks) {
    for (size_t j = c.first; j <= c.access; ++j) mark(insns[j], c);
    // A plain va is read once by the check's code: its shri and add do not count.
    if (!c.va_temp) {
      skip[insns[c.access - 6].pc] |= 2;  // shri entry, va
      skip[insns[c.access - 1].pc] |= 4;  // add host, tag, va
    }
    // The slow path: from the miss target to its jump back.
    auto at = std::lower_bound(insns.begin(), insns.end(), c.miss_pc,
                               [](const isa::Insn& x, uint32_t pc) { return x.pc < pc; });
    for (; at != insns.end() && at->status == isa::InsnStatus::Ok; ++at) {
      mark(*at, c);
      if (at->op() == Op::Jmp) break;
    }
  }
  return skip;
}

}  // namespace strata::jit::baseline
