#include "isa/code_walk.hpp"

namespace strata::isa {

std::optional<uint32_t> call_sig(const Module& m, Word w) {
  const uint16_t raw = static_cast<uint16_t>(op_of(w));
  if (!is_valid_op(raw) || !(info(op_of(w)).flags & kCall)) return std::nullopt;
  switch (op_of(w)) {
    case Op::Call:
      if (b_of(w) < m.funcs.size()) return m.funcs[b_of(w)].sig;
      return std::nullopt;
    case Op::CallH:
      if (b_of(w) < m.imports.size()) return m.imports[b_of(w)].sig;
      return std::nullopt;
    case Op::CallI:
      if (c_of(w) < m.sigs.size()) return c_of(w);
      return std::nullopt;
    default: return std::nullopt;
  }
}

Insn decode_insn(const Module& m, const Function& f, uint32_t pc) {
  Insn in;
  in.pc = pc;
  in.word = f.code[pc];
  const uint16_t raw = static_cast<uint16_t>(op_of(in.word));
  if (!is_valid_op(raw)) {
    in.status = InsnStatus::BadOpcode;
    return in;
  }
  if (!(info(in.op()).flags & kCall)) return in;
  auto sig = call_sig(m, in.word);
  // A function's sig index may itself be out of range in an unverified module.
  if (!sig || *sig >= m.sigs.size()) {
    in.status = InsnStatus::BadCallee;
    return in;
  }
  const size_t nargs = m.sigs[*sig].params.size();
  const size_t words = arg_words(nargs);
  // GUEST: the argument words must lie inside the code.
  if (words > f.code.size() - pc - 1) {
    in.status = InsnStatus::TruncatedArgs;
    return in;
  }
  in.nargs = static_cast<uint32_t>(nargs);
  in.args = std::span<const Word>(f.code.data() + pc + 1, words);
  return in;
}

CodeWalk::Iterator::Iterator(const Module* m, const Function* f, uint32_t pc) : m_(m), f_(f) {
  done_ = pc >= f->code.size();
  if (!done_) cur_ = decode_insn(*m, *f, pc);
}

CodeWalk::Iterator& CodeWalk::Iterator::operator++() {
  if (done_) return *this;
  if (cur_.status != InsnStatus::Ok) {
    done_ = true;
    return *this;
  }
  const size_t next = size_t(cur_.pc) + cur_.length();
  if (next >= f_->code.size()) {
    done_ = true;
    return *this;
  }
  cur_ = decode_insn(*m_, *f_, static_cast<uint32_t>(next));
  return *this;
}

}  // namespace strata::isa
