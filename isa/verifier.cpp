// The table-level half of the verifier; the code of each function is checked by
// verify_code.cpp once every table it indexes is known to be sound.
#include "isa/verifier.hpp"

#include <unordered_map>

#include <fmt/format.h>

#include "isa/code_walk.hpp"

namespace strata::isa {

namespace {

bool valid_type(ValType t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(ValType::Ref);
}

Result<void> verify_sigs(const Module& m) {
  for (size_t i = 0; i < m.sigs.size(); ++i) {
    const Signature& s = m.sigs[i];
    for (size_t k = 0; k < s.params.size(); ++k)
      if (!valid_type(s.params[k]))
        return fail(
            "verify: section 'signatures': signature #{}: parameter {} has invalid type "
            "{}",
            i, k, static_cast<unsigned>(s.params[k]));
    if (s.result && !valid_type(*s.result))
      return fail("verify: section 'signatures': signature #{}: invalid result type {}", i,
                  static_cast<unsigned>(*s.result));
  }
  return {};
}

// The field table is the concatenation of the structs' fields, in struct order.
Result<void> verify_structs(const Module& m) {
  size_t next = 0;
  for (size_t i = 0; i < m.structs.size(); ++i) {
    const StructType& st = m.structs[i];
    auto bad = [&](std::string msg) {
      return fail("verify: section 'structs': struct '{}' (#{}): {}", st.name, i, msg);
    };
    if (st.first_field != next)
      return bad(fmt::format("first field #{}, expected #{} (fields are numbered in struct order)",
                             st.first_field, next));
    // GUEST: the struct's field range must lie inside the field table.
    if (st.field_count > m.fields.size() - next)
      return bad(fmt::format("{} fields from #{} run past the field table ({} fields)",
                             st.field_count, next, m.fields.size()));
    for (uint32_t k = 0; k < st.field_count; ++k) {
      const FieldRef& f = m.fields[next + k];
      if (f.owner != i || f.slot != k)
        return bad(fmt::format("field #{} '{}' has owner #{} slot {}, expected owner #{} slot {}",
                               next + k, f.field.name, f.owner, f.slot, i, k));
      if (!valid_type(f.field.type))
        return bad(fmt::format("field '{}' has invalid type {}", f.field.name,
                               static_cast<unsigned>(f.field.type)));
    }
    next += st.field_count;
  }
  if (next != m.fields.size())
    return fail(
        "verify: section 'structs': field #{} '{}' belongs to no struct (structs declare "
        "{} fields, the table has {})",
        next, m.fields[next].field.name, next, m.fields.size());
  return {};
}

Result<void> verify_imports(const Module& m) {
  for (size_t i = 0; i < m.imports.size(); ++i) {
    const Import& im = m.imports[i];
    if (im.sig >= m.sigs.size())
      return fail(
          "verify: section 'imports': import '{}.{}' (#{}): signature #{} out of range "
          "(module has {})",
          im.module, im.name, i, im.sig, m.sigs.size());
  }
  return {};
}

Result<void> verify_function_header(const Module& m, uint32_t fi) {
  const Function& f = m.funcs[fi];
  auto bad = [&](std::string msg) {
    return fail("verify: function '{}' (#{}): {}", f.name, fi, msg);
  };
  if (f.sig >= m.sigs.size())
    return bad(fmt::format("signature #{} out of range (module has {})", f.sig, m.sigs.size()));
  const Signature& s = m.sigs[f.sig];
  if (f.regs.size() > kMaxRegisters)
    return bad(fmt::format("{} registers, at most {}", f.regs.size(), kMaxRegisters));
  if (f.regs.size() < s.params.size())
    return bad(fmt::format("{} registers but its signature {} has {} parameters", f.regs.size(),
                           to_string(s), s.params.size()));
  for (size_t r = 0; r < f.regs.size(); ++r) {
    if (!valid_type(f.regs[r]))
      return bad(
          fmt::format("register %{} has invalid type {}", r, static_cast<unsigned>(f.regs[r])));
    if (r < s.params.size() && f.regs[r] != s.params[r])
      return bad(fmt::format("register %{} has type {} but parameter {} of {} is {}", r,
                             to_string(f.regs[r]), r, to_string(s), to_string(s.params[r])));
  }
  if (!f.reg_names.empty() && f.reg_names.size() != f.regs.size())
    return bad(fmt::format("{} register names for {} registers (expected none or one each)",
                           f.reg_names.size(), f.regs.size()));
  return {};
}

Result<void> verify_exports(const Module& m) {
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t i = 0; i < m.exports.size(); ++i) {
    const Export& e = m.exports[i];
    if (e.func >= m.funcs.size())
      return fail(
          "verify: section 'exports': export '{}' (#{}): function #{} out of range "
          "(module has {})",
          e.name, i, e.func, m.funcs.size());
    auto [it, fresh] = seen.emplace(e.name, i);
    if (!fresh)
      return fail(
          "verify: section 'exports': export '{}' (#{}): duplicate name (also export "
          "#{})",
          e.name, i, it->second);
  }
  return {};
}

Result<void> verify_memory(const Module& m) {
  if (m.memory.initial > m.memory.max)
    return fail("verify: section 'memory': initial size {} exceeds maximum {}", m.memory.initial,
                m.memory.max);
  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& d = m.data[i];
    // GUEST: overflow-safe form of offset + size <= initial.
    if (d.offset > m.memory.initial || d.bytes.size() > m.memory.initial - d.offset)
      return fail(
          "verify: section 'data': segment #{}: {} bytes at offset {} lie outside the "
          "initial memory of {} bytes",
          i, d.bytes.size(), d.offset, m.memory.initial);
  }
  return {};
}

Result<void> verify_debug(const Module& m) {
  const auto& lines = m.debug.lines;
  if (!lines.empty() && lines.size() != m.funcs.size())
    return fail(
        "verify: section 'debug': {} line tables for {} functions (expected none or one "
        "each)",
        lines.size(), m.funcs.size());
  for (uint32_t fi = 0; fi < lines.size(); ++fi) {
    const Function& f = m.funcs[fi];
    std::vector<bool> starts(f.code.size(), false);
    for (const Insn& in : CodeWalk(m, f)) starts[in.pc] = true;
    for (size_t k = 0; k < lines[fi].size(); ++k) {
      const LineEntry& e = lines[fi][k];
      auto bad = [&](std::string msg) {
        return fail(
            "verify: section 'debug': function '{}' (#{}) line entry {} (pc {}, line "
            "{}): {}",
            f.name, fi, k, e.pc, e.line, msg);
      };
      if (k > 0 && e.pc <= lines[fi][k - 1].pc)
        return bad(fmt::format("not sorted: pc must be greater than the previous entry's {}",
                               lines[fi][k - 1].pc));
      if (e.pc >= f.code.size())
        return bad(fmt::format("pc outside the function ({} words)", f.code.size()));
      if (!starts[e.pc]) return bad("pc is not an instruction start");
    }
  }
  return {};
}

}  // namespace

Result<void> verify(const Module& m) {
  STRATA_TRY(verify_sigs(m));
  STRATA_TRY(verify_structs(m));
  STRATA_TRY(verify_imports(m));
  for (uint32_t fi = 0; fi < m.funcs.size(); ++fi) STRATA_TRY(verify_function_header(m, fi));
  for (uint32_t fi = 0; fi < m.funcs.size(); ++fi) STRATA_TRY(verify_code(m, fi));
  STRATA_TRY(verify_exports(m));
  STRATA_TRY(verify_memory(m));
  STRATA_TRY(verify_debug(m));
  return {};
}

}  // namespace strata::isa
