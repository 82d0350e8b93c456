// Finding the registers that live in their home word (register_homes.hpp).
#include "jit/baseline/register_homes.hpp"

#include <algorithm>
#include <utility>

namespace strata::jit::baseline {

namespace {

using isa::Op;

// The width of an r0-relative access, which operand is the address and which the register, or
// 0 for an instruction that is no load or store of a constant address.
struct Access {
  uint32_t width = 0;
  bool load = false;
  uint16_t base = 0, value = 0;
};

// Inlined: returned through the stack, its partial stores and whole reload stalled on store
// forwarding (a seventh of a baseline compile).
[[gnu::always_inline]] inline Access access_of(const isa::Insn& in) {
  const uint16_t a = isa::a_of(in.word), b = isa::b_of(in.word);
  switch (in.op()) {
    case Op::LdI8:
    case Op::LdU8: return {1, true, b, a};
    case Op::LdI16:
    case Op::LdU16: return {2, true, b, a};
    case Op::LdI32:
    case Op::LdU32:
    case Op::LdF32: return {4, true, b, a};
    case Op::LdI64:
    case Op::LdF64: return {8, true, b, a};
    case Op::StI8: return {1, false, a, b};
    case Op::StI16: return {2, false, a, b};
    case Op::StI32:
    case Op::StF32: return {4, false, a, b};
    case Op::StI64:
    case Op::StF64: return {8, false, a, b};
    default: return {};
  }
}

// The register `in` loads from or stores into its own home (`home`, by register: its offset, or
// negative), or -1.
int32_t own_home_access(const isa::Insn& in, std::span<const int32_t> home) {
  const Access acc = access_of(in);
  if (acc.width != 8 || acc.base != 0 || acc.value >= home.size()) return -1;
  return home[acc.value] == static_cast<int32_t>(isa::c_of(in.word)) ? acc.value : -1;
}

// Rules out (sets to `never`) each homed register that may have changed since it was last
// stored into its home when the function returns or traps: there its home must hold what the
// interpreter leaves, the value last stored. A forward dataflow over the instructions of "changed
// since stored" (a load from the home, all in the leading run, leaves it unchanged).
void require_stored_at_exits(std::span<const isa::Insn> insns, size_t code_size,
                             std::vector<int32_t>& home, int32_t never) {
  std::vector<uint32_t> bit(home.size(), UINT32_MAX);
  uint32_t nbits = 0;
  for (size_t r = 0; r < home.size(); ++r)
    if (home[r] >= 0) bit[r] = nbits++;
  if (nbits == 0) return;
  const size_t words = (nbits + 63) / 64, n = insns.size();
  std::vector<uint32_t> index_of(code_size + 1, UINT32_MAX);
  for (size_t i = 0; i < n; ++i) index_of[insns[i].pc] = static_cast<uint32_t>(i);
  // Each instruction's effect and successors, worked out once (the walk below repeats).
  struct Step {
    int32_t sets = -1, clears = -1;  // the bit it sets (a def) or clears (a store to the home)
    uint32_t jump = UINT32_MAX;      // a branch's target index
    bool falls = true;               // whether it continues at the next instruction
  };
  std::vector<Step> steps(n);
  for (size_t i = 0; i < n; ++i) {
    const isa::Insn& in = insns[i];
    const isa::OpInfo& info = isa::info(in.op());
    Step& st = steps[i];
    const uint16_t a = isa::a_of(in.word);
    if (const int32_t r = own_home_access(in, home); r >= 0) {
      st.clears = static_cast<int32_t>(bit[static_cast<size_t>(r)]);
    } else if (isa::is_def(info.a) && a < home.size() && bit[a] != UINT32_MAX) {
      st.sets = static_cast<int32_t>(bit[a]);
    }
    if (info.flags & isa::kBranch) {
      const int64_t t = int64_t{in.pc} + isa::branch_offset(in.word);
      if (t >= 0 && static_cast<uint64_t>(t) < code_size)
        st.jump = index_of[static_cast<size_t>(t)];
    }
    st.falls = !(info.flags & isa::kTerm) && i + 1 < n;
  }
  std::vector<uint64_t> changed(n * words, 0), out(words);  // changed[i]: at i's start
  // In code order, what flows forward is taken up later in the same pass: only a change at an
  // instruction already passed (a backward jump's target) needs another pass. Units without a
  // loop or slow path take one, the others a pass per round of changes coming back.
  const auto merge = [&](size_t to, size_t from, bool* again) {
    for (size_t w = 0; w < words; ++w) {
      const uint64_t m = changed[to * words + w] | out[w];
      if (m != changed[to * words + w]) {
        changed[to * words + w] = m;
        if (to <= from) *again = true;
      }
    }
  };
  for (bool again = true; again;) {
    again = false;
    for (size_t i = 0; i < n; ++i) {
      const Step& st = steps[i];
      std::copy_n(changed.begin() + static_cast<ptrdiff_t>(i * words), words, out.begin());
      if (st.clears >= 0) out[st.clears / 64] &= ~(uint64_t{1} << (st.clears % 64));
      if (st.sets >= 0) out[st.sets / 64] |= uint64_t{1} << (st.sets % 64);
      if (st.jump != UINT32_MAX) merge(st.jump, i, &again);
      if (st.falls) merge(i + 1, i, &again);
    }
  }
  // The exits: ret, retv, trap (jmp is a terminator too, but a branch).
  for (size_t i = 0; i < n; ++i) {
    const uint32_t flags = isa::info(insns[i].op()).flags;
    if (!(flags & isa::kTerm) || (flags & isa::kBranch)) continue;
    for (size_t r = 0; r < home.size(); ++r)
      if (bit[r] != UINT32_MAX && (changed[i * words + bit[r] / 64] >> (bit[r] % 64) & 1))
        home[r] = never;
  }
}

}  // namespace

RegisterHomes find_register_homes(std::span<const isa::Insn> insns,
                                  std::span<const isa::ValType> regs, uint32_t nparams,
                                  const std::vector<bool>& targets, uint64_t memory_size,
                                  const std::function<bool(const isa::Insn&)>& reads_window) {
  const size_t nregs = regs.size();
  constexpr int32_t kNone = -1, kNever = -2;  // no r0-relative access yet; no home possible
  std::vector<int32_t> home(nregs, kNone);
  // The r0-relative accesses, to find those that reach another register's home.
  struct Span {
    uint32_t begin, end;
    uint16_t reg;  // the register loaded or stored, for an 8-byte access (else nregs)
  };
  std::vector<Span> spans;
  const auto never = [&](uint16_t r) {
    if (r < nregs) home[r] = kNever;
  };
  bool leading = true;
  for (const isa::Insn& in : insns) {
    if (in.status != isa::InsnStatus::Ok) return {};
    if (in.pc < targets.size() && targets[in.pc]) leading = false;
    const Access acc = access_of(in);
    if (acc.width != 0 && acc.base == 0) {
      const uint32_t off = isa::c_of(in.word);
      const bool whole = acc.width == 8;
      spans.push_back({off, off + acc.width, whole ? acc.value : static_cast<uint16_t>(nregs)});
      leading = leading && acc.load && whole;
      const uint16_t r = acc.value;
      if (r >= nregs) continue;
      if (!whole || (acc.load && !leading) || off + uint64_t{8} > memory_size) {
        never(r);
      } else if (home[r] == kNone) {
        home[r] = static_cast<int32_t>(off);
      } else if (home[r] != static_cast<int32_t>(off)) {
        never(r);
      }
      continue;
    }
    leading = false;
    if (!reads_window(in)) continue;
    const isa::OpInfo& info = isa::info(in.op());
    if (isa::is_reg(info.a)) never(isa::a_of(in.word));
    if (!isa::is_wide(info.b)) {
      if (isa::is_reg(info.b)) never(isa::b_of(in.word));
      if (isa::is_reg(info.c)) never(isa::c_of(in.word));
    }
    for (uint32_t k = 0; k < in.nargs; ++k) never(in.arg(k));
  }
  // Parameters, references and r0 never get one; their accesses are then like any other.
  for (size_t r = 0; r < nregs; ++r)
    if (r == 0 || r < nparams || regs[r] == isa::ValType::Ref) home[r] = kNever;
  // A home is only its register's: another's home or any other access overlapping it rules it
  // out. Sorted by offset, a home overlaps at most its neighbours.
  std::vector<std::pair<int32_t, uint16_t>> by_off;
  for (size_t r = 0; r < nregs; ++r)
    if (home[r] >= 0) by_off.emplace_back(home[r], static_cast<uint16_t>(r));
  std::sort(by_off.begin(), by_off.end());
  for (size_t i = 1; i < by_off.size(); ++i) {
    if (by_off[i].first < by_off[i - 1].first + 8) {
      home[by_off[i].second] = kNever;
      home[by_off[i - 1].second] = kNever;
    }
  }
  for (const Span& s : spans) {
    if (s.reg < nregs && home[s.reg] == static_cast<int32_t>(s.begin)) continue;
    // The homes that start before s.end and end after s.begin.
    auto it = std::lower_bound(by_off.begin(), by_off.end(),
                               std::pair<int32_t, uint16_t>(static_cast<int32_t>(s.begin) - 7, 0));
    for (; it != by_off.end() && it->first < static_cast<int32_t>(s.end); ++it)
      home[it->second] = kNever;
  }
  require_stored_at_exits(insns, targets.size(), home, kNever);
  RegisterHomes h;
  h.offset.assign(nregs, -1);
  for (size_t r = 0; r < nregs; ++r) {
    if (home[r] < 0) continue;
    h.offset[r] = home[r];
    h.any = true;
  }
  if (!h.any) return h;
  h.free.assign(targets.size(), false);
  for (const isa::Insn& in : insns)
    if (own_home_access(in, h.offset) >= 0) h.free[in.pc] = true;
  return h;
}

}  // namespace strata::jit::baseline
