// Hand-built SVI modules for VM tests that must not depend on the assembler (single opcodes,
// exact pcs, malformed links).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "isa/insn.hpp"
#include "isa/module.hpp"

namespace strata::vm::test {

using isa::Op;
using isa::ValType;
constexpr ValType I = ValType::I64, F = ValType::F64, R = ValType::Ref;

inline isa::Word abc(Op op, uint16_t a = 0, uint16_t b = 0, uint16_t c = 0) {
  return isa::make_abc(op, a, b, c);
}
inline isa::Word abx(Op op, uint16_t a, int32_t bc) {
  return isa::make_abx(op, a, static_cast<uint32_t>(bc));
}
inline isa::Word args(uint16_t r0, uint16_t r1 = 0, uint16_t r2 = 0, uint16_t r3 = 0) {
  return isa::make_args(r0, r1, r2, r3);
}

class ModuleBuilder {
 public:
  explicit ModuleBuilder(std::string name = "test") { m.name = std::move(name); }

  uint32_t sig(std::vector<ValType> params, std::optional<ValType> result) {
    isa::Signature s{std::move(params), result};
    for (uint32_t i = 0; i < m.sigs.size(); ++i)
      if (m.sigs[i] == s) return i;
    m.sigs.push_back(std::move(s));
    return static_cast<uint32_t>(m.sigs.size() - 1);
  }
  // Registers: the signature's params, then `locals`.
  uint32_t func(std::string name, std::vector<ValType> params, std::optional<ValType> result,
                std::vector<ValType> locals, std::vector<isa::Word> code, bool exported = true) {
    isa::Function f;
    f.name = name;
    f.sig = sig(params, result);
    f.regs = params;
    f.regs.insert(f.regs.end(), locals.begin(), locals.end());
    f.code = std::move(code);
    m.funcs.push_back(std::move(f));
    uint32_t idx = static_cast<uint32_t>(m.funcs.size() - 1);
    if (exported) m.exports.push_back({std::move(name), idx});
    return idx;
  }
  // Declares a function whose body is filled later (for mutual references).
  void set_code(uint32_t f, std::vector<isa::Word> code) { m.funcs[f].code = std::move(code); }
  uint32_t import(std::string module, std::string name, std::vector<ValType> params,
                  std::optional<ValType> result) {
    m.imports.push_back({std::move(module), std::move(name), sig(std::move(params), result)});
    return static_cast<uint32_t>(m.imports.size() - 1);
  }
  uint32_t konst(isa::Constant k) {
    m.consts.push_back(std::move(k));
    return static_cast<uint32_t>(m.consts.size() - 1);
  }
  // A struct; returns its type index. Field handles are first_field + slot.
  uint32_t record(std::string name, std::vector<ValType> fields) {
    isa::StructType st;
    st.name = std::move(name);
    st.first_field = static_cast<uint32_t>(m.fields.size());
    st.field_count = static_cast<uint32_t>(fields.size());
    uint32_t t = static_cast<uint32_t>(m.structs.size());
    for (uint32_t i = 0; i < fields.size(); ++i)
      m.fields.push_back({t, i, {"f" + std::to_string(i), fields[i]}});
    m.structs.push_back(st);
    return t;
  }
  uint32_t field(uint32_t type, uint32_t slot) const { return m.structs[type].first_field + slot; }
  void memory(uint64_t initial, uint64_t max) { m.memory = {initial, max}; }
  void lines(std::string source, std::vector<std::vector<isa::LineEntry>> per_func) {
    m.debug.source = std::move(source);
    m.debug.lines = std::move(per_func);
  }

  isa::Module m;
};

}  // namespace strata::vm::test
