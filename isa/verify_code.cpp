// The instruction-level half of the verifier: operands, types, calls, control flow.
#include <vector>

#include <fmt/format.h>

#include "isa/code_walk.hpp"
#include "isa/verifier.hpp"

namespace strata::isa {

namespace {

constexpr std::string_view kFieldNames[] = {"a", "b", "c"};

class CodeVerifier {
 public:
  CodeVerifier(const Module& m, uint32_t fi) : m_(m), fi_(fi), f_(m.funcs[fi]) {}

  Result<void> run();

 private:
  template <typename... Args>
  tl::unexpected<Error> err(uint32_t pc, fmt::format_string<Args...> f, Args&&... args) const {
    return fail("verify: function '{}' (#{}) pc {}: {}", f_.name, fi_, pc,
                fmt::format(f, std::forward<Args>(args)...));
  }

  Result<void> check_insn(const Insn& in);
  Result<void> check_index(const Insn& in, unsigned field, Operand kind, uint16_t v);
  Result<void> check_reg(const Insn& in, unsigned field, Operand kind, uint16_t r);
  Result<ValType> rule_type(const Insn& in, unsigned field);
  Result<void> check_call(const Insn& in);
  std::string callee_desc(const Insn& in) const;

  const Module& m_;
  const uint32_t fi_;
  const Function& f_;
  std::vector<bool> starts_;
  std::vector<std::pair<uint32_t, uint32_t>> branches_;  // (pc, target)
};

uint16_t field_value(Word w, unsigned field) {
  return field == 0 ? a_of(w) : field == 1 ? b_of(w) : c_of(w);
}

Result<void> CodeVerifier::run() {
  if (f_.code.empty())
    return fail(
        "verify: function '{}' (#{}): no code (every function must end in ret, retv, "
        "jmp or trap)",
        f_.name, fi_);
  starts_.assign(f_.code.size(), false);
  for (const Insn& in : CodeWalk(m_, f_)) {
    starts_[in.pc] = true;
    STRATA_TRY(check_insn(in));
  }
  for (auto [pc, target] : branches_)
    if (!starts_[target])
      return err(pc,
                 "{}: branch target pc {} is not an instruction start (it is inside a call's "
                 "argument words)",
                 info(op_of(f_.code[pc])).mnemonic, target);
  return {};
}

Result<void> CodeVerifier::check_insn(const Insn& in) {
  const uint16_t raw = static_cast<uint16_t>(in.op());
  switch (in.status) {
    case InsnStatus::Ok: break;
    case InsnStatus::BadOpcode:
      return err(in.pc, "invalid opcode {} (the table has {} opcodes)", raw, kOpCount);
    case InsnStatus::BadCallee: break;  // reported by check_index with the operand's name
    case InsnStatus::TruncatedArgs: {
      const size_t nargs = m_.sigs[*call_sig(m_, in.word)].params.size();
      return err(in.pc,
                 "{}: {} argument words for {} arguments run past the end of the function "
                 "({} words)",
                 info(in.op()).mnemonic, arg_words(nargs), nargs, f_.code.size());
    }
  }
  const OpInfo& oi = info(in.op());
  const Operand kinds[3] = {oi.a, oi.b, oi.c};
  // Indices first: the Dx/Ux rules look up the constant, field or callee they name.
  for (unsigned k = 0; k < 3; ++k) {
    if (k == 2 && is_wide(kinds[1])) break;  // c is the high half of b:c
    if (!is_reg(kinds[k])) STRATA_TRY(check_index(in, k, kinds[k], field_value(in.word, k)));
  }
  if (in.status == InsnStatus::BadCallee)  // unreachable when the function headers are valid
    return err(in.pc, "{}: callee signature out of range", oi.mnemonic);
  for (unsigned k = 0; k < 3; ++k)
    if (is_reg(kinds[k])) STRATA_TRY(check_reg(in, k, kinds[k], field_value(in.word, k)));
  if (oi.flags & kCall) STRATA_TRY(check_call(in));
  if (in.op() == Op::RetV && m_.sigs[f_.sig].result)
    return err(in.pc, "retv in a function returning {} (use ret)",
               to_string(*m_.sigs[f_.sig].result));
  if (!(oi.flags & kTerm) && size_t(in.pc) + in.length() >= f_.code.size())
    return err(in.pc,
               "{}: control falls off the end of the function (the last instruction must "
               "be ret, retv, jmp or trap)",
               oi.mnemonic);
  return {};
}

Result<void> CodeVerifier::check_index(const Insn& in, unsigned field, Operand kind, uint16_t v) {
  const std::string_view mn = info(in.op()).mnemonic;
  const std::string_view fname = is_wide(kind) ? "bc" : kFieldNames[field];
  // GUEST: every constant/function/import/signature/field/struct index is bounded here.
  auto range = [&](std::string_view what, size_t idx, size_t n) -> Result<void> {
    if (idx < n) return {};
    return err(in.pc, "{} operand {}: {} #{} out of range (module has {})", mn, fname, what, idx,
               n);
  };
  switch (kind) {
    case Operand::__:
      if (v != 0)
        return err(in.pc, "{} operand {}: unused field must be zero, found {}", mn, fname, v);
      return {};
    case Operand::S16:
    case Operand::U16:
    case Operand::I32: return {};
    case Operand::J16:
    case Operand::J32: {
      const int64_t off = kind == Operand::J16 ? int64_t(sc_of(in.word)) : int64_t(sbc_of(in.word));
      const int64_t target = int64_t(in.pc) + off;
      // GUEST: a branch target must lie inside the function's code.
      if (target < 0 || target >= int64_t(f_.code.size()))
        return err(in.pc,
                   "{} operand {}: branch offset {} targets pc {}, outside the function "
                   "(0..{})",
                   mn, fname, off, target, f_.code.size() - 1);
      branches_.emplace_back(in.pc, static_cast<uint32_t>(target));
      return {};
    }
    case Operand::K32: return range("constant", bc_of(in.word), m_.consts.size());
    case Operand::Fn: return range("function", v, m_.funcs.size());
    case Operand::Im: return range("import", v, m_.imports.size());
    case Operand::Sg: return range("signature", v, m_.sigs.size());
    case Operand::Fd: return range("field", v, m_.fields.size());
    case Operand::Ty: return range("struct", v, m_.structs.size());
    default: return {};
  }
}

// The type a Dx/Ux operand must have, from the opcode's rule flag.
Result<ValType> CodeVerifier::rule_type(const Insn& in, unsigned field) {
  const uint32_t flags = info(in.op()).flags;
  if (flags & kSameAB) return f_.regs[a_of(in.word)];  // b must match a (a is checked first)
  if (flags & kConstA) return type_of(m_.consts[bc_of(in.word)]);
  if (flags & (kFieldA | kFieldB)) return m_.fields[c_of(in.word)].field.type;
  if (flags & kResultA) return *m_.sigs[*call_sig(m_, in.word)].result;
  if (flags & kRetA) {
    const auto& res = m_.sigs[f_.sig].result;
    if (!res) return err(in.pc, "ret in a void function (use retv)");
    return *res;
  }
  return err(in.pc, "{}: operand {} has no type rule in the opcode table", info(in.op()).mnemonic,
             kFieldNames[field]);
}

Result<void> CodeVerifier::check_reg(const Insn& in, unsigned field, Operand kind, uint16_t r) {
  const std::string_view mn = info(in.op()).mnemonic;
  const std::string_view fname = kFieldNames[field];
  if (kind == Operand::Dx && (info(in.op()).flags & kResultA) &&
      !m_.sigs[*call_sig(m_, in.word)].result) {
    if (r != 0)
      return err(in.pc, "{} operand a: must be 0 for a callee returning void, found %{}", mn, r);
    return {};
  }
  if (kind == Operand::Ux && (info(in.op()).flags & kRetA) && !m_.sigs[f_.sig].result)
    return err(in.pc, "ret in a void function (use retv)");
  // GUEST: register index bounded by the function's register count.
  if (r >= f_.regs.size())
    return err(in.pc, "{} operand {}: register %{} out of range (function has {} registers)", mn,
               fname, r, f_.regs.size());
  ValType want;
  switch (kind) {
    case Operand::Di:
    case Operand::Ui: want = ValType::I64; break;
    case Operand::Df:
    case Operand::Mf:
    case Operand::Uf: want = ValType::F64; break;
    case Operand::Dr:
    case Operand::Ur: want = ValType::Ref; break;
    default: want = STRATA_TRY(rule_type(in, field)); break;
  }
  if (f_.regs[r] != want)
    return err(in.pc, "{} operand {}: register %{} has type {}, expected {}", mn, fname, r,
               to_string(f_.regs[r]), to_string(want));
  return {};
}

std::string CodeVerifier::callee_desc(const Insn& in) const {
  switch (in.op()) {
    case Op::Call: return fmt::format("function '{}'", m_.funcs[b_of(in.word)].name);
    case Op::CallH: {
      const Import& im = m_.imports[b_of(in.word)];
      return fmt::format("import '{}.{}'", im.module, im.name);
    }
    default: return fmt::format("signature #{}", c_of(in.word));
  }
}

Result<void> CodeVerifier::check_call(const Insn& in) {
  const Signature& sig = m_.sigs[*call_sig(m_, in.word)];
  const std::string_view mn = info(in.op()).mnemonic;
  for (uint32_t k = 0; k < in.nargs; ++k) {
    const uint16_t r = in.arg(k);
    // GUEST: argument registers bounded like any register operand.
    if (r >= f_.regs.size())
      return err(in.pc, "{} argument {}: register %{} out of range (function has {} registers)", mn,
                 k, r, f_.regs.size());
    if (f_.regs[r] != sig.params[k])
      return err(in.pc, "{} argument {}: register %{} has type {}, expected {} ({} is {})", mn, k,
                 r, to_string(f_.regs[r]), to_string(sig.params[k]), callee_desc(in),
                 to_string(sig));
  }
  for (uint32_t k = in.nargs; k < 4 * in.args.size(); ++k)
    if (in.arg(k) != 0)
      return err(in.pc, "{} argument word {} slot {}: unused argument slot must be zero, found {}",
                 mn, k / 4, k % 4, in.arg(k));
  return {};
}

}  // namespace

Result<void> verify_code(const Module& m, uint32_t f) {
  return CodeVerifier(m, f).run();
}

}  // namespace strata::isa
