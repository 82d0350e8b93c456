// Test-only helpers to build SVI modules by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::isa::test {

inline constexpr ValType I = ValType::I64, F = ValType::F64, R = ValType::Ref;

// Appends to a module; each adder returns the new entry's index.
struct Builder {
  Module m;

  uint32_t sig(std::vector<ValType> params, std::optional<ValType> result = std::nullopt);
  // A struct and its fields, appended to the flattened field table; returns the struct index.
  uint32_t strukt(std::string name, std::vector<StructField> fields);
  uint32_t konst(Constant k);
  uint32_t import(std::string module, std::string name, uint32_t sig);
  // A function whose registers are its signature's parameters followed by `locals`.
  uint32_t func(std::string name, uint32_t sig, std::vector<ValType> locals,
                std::vector<Word> code);
  void exp(std::string name, uint32_t func);
};

// A module using every section and, across its functions, every opcode; it verifies.
Module make_rich_module();

// The message of a failed result, or "" when it succeeded.
template <typename T>
std::string error_of(const Result<T>& r) {
  return r ? std::string() : r.error().message;
}

}  // namespace strata::isa::test
