#include "isa/module.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace strata::isa {

std::string_view to_string(ValType t) {
  switch (t) {
    case ValType::I64: return "i64";
    case ValType::F64: return "f64";
    case ValType::Ref: return "ref";
  }
  return "?";
}

std::optional<ValType> val_type_from_string(std::string_view s) {
  if (s == "i64") return ValType::I64;
  if (s == "f64") return ValType::F64;
  if (s == "ref") return ValType::Ref;
  return std::nullopt;
}

std::string to_string(const Signature& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.params.size(); ++i) {
    if (i) out += ", ";
    out += to_string(s.params[i]);
  }
  out += ") -> ";
  out += s.result ? to_string(*s.result) : "void";
  return out;
}

ValType type_of(const Constant& k) {
  switch (k.index()) {
    case 0: return ValType::I64;
    case 1: return ValType::F64;
    default: return ValType::Ref;
  }
}

std::optional<uint32_t> Module::find_export(std::string_view n) const {
  for (const auto& e : exports)
    if (e.name == n) return e.func;
  return std::nullopt;
}

std::optional<uint32_t> Module::find_func(std::string_view n) const {
  for (uint32_t i = 0; i < funcs.size(); ++i)
    if (funcs[i].name == n) return i;
  return std::nullopt;
}

uint32_t Module::line_of(uint32_t f, uint32_t pc) const {
  if (f >= debug.lines.size()) return 0;
  const auto& v = debug.lines[f];
  auto it = std::upper_bound(v.begin(), v.end(), pc,
                             [](uint32_t p, const LineEntry& e) { return p < e.pc; });
  if (it == v.begin()) return 0;
  return std::prev(it)->line;
}

}  // namespace strata::isa
