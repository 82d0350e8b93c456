// The in-memory form of an SVI module: what the assembler produces, the .sbc reader/writer
// serialises, the verifier proves, and the VM links and runs.
//
// Index spaces (all zero-based, all per module):
//   signatures  Module::sigs        referenced by functions, imports and calli (Sg)
//   structs     Module::structs     record types (Ty)
//   fields      Module::fields      every field of every struct, flattened in struct order (Fd)
//   constants   Module::consts      the constant pool (K32)
//   functions   Module::funcs       (Fn); a function's registers 0..nparams-1 are its parameters
//   imports     Module::imports     (Im)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "isa/insn.hpp"

namespace strata::isa {

enum class ValType : uint8_t { I64 = 0, F64 = 1, Ref = 2 };

std::string_view to_string(ValType t);  // "i64", "f64", "ref"
std::optional<ValType> val_type_from_string(std::string_view s);

struct Signature {
  std::vector<ValType> params;
  std::optional<ValType> result;  // nullopt: the function returns nothing

  bool operator==(const Signature&) const = default;
};
std::string to_string(const Signature& s);  // "(i64, f64) -> ref", "() -> void"

struct StructField {
  std::string name;
  ValType type;
  bool operator==(const StructField&) const = default;
};

struct StructType {
  std::string name;
  uint32_t first_field = 0;  // index of its first field in Module::fields
  uint32_t field_count = 0;
  bool operator==(const StructType&) const = default;
};

// A flattened field entry; `owner` is the struct type index, `slot` the field's position in it.
struct FieldRef {
  uint32_t owner = 0;
  uint32_t slot = 0;
  StructField field;
  bool operator==(const FieldRef&) const = default;
};

// A constant-pool entry. Strings are byte strings (not necessarily UTF-8) and become heap
// strings when the module is instantiated.
using Constant = std::variant<int64_t, double, std::string>;
ValType type_of(const Constant& k);

struct Function {
  std::string name;
  uint32_t sig = 0;
  std::vector<ValType> regs;           // types of all registers; the first ones are the params
  std::vector<std::string> reg_names;  // empty, or one name per register (debug info)
  std::vector<Word> code;
  bool operator==(const Function&) const = default;
};

// A function this module calls but does not define: a host native (e.g. "std.io" "print_i64")
// or an export of another SVI module; resolved by name when the module is linked.
struct Import {
  std::string module;
  std::string name;
  uint32_t sig = 0;
  bool operator==(const Import&) const = default;
};

struct Export {
  std::string name;
  uint32_t func = 0;
  bool operator==(const Export&) const = default;
};

struct Memory {
  uint64_t initial = 0;  // bytes; a module without `.memory` has initial == max == 0
  uint64_t max = 0;      // bytes; the VM's memory cap may lower it
  bool operator==(const Memory&) const = default;
};

struct DataSegment {
  uint64_t offset = 0;
  std::string bytes;
  bool operator==(const DataSegment&) const = default;
};

// Debug line table: for each function, pairs (pc of the first word of an instruction, line),
// sorted by pc; an instruction's line is that of the last entry at or before its pc.
struct LineEntry {
  uint32_t pc = 0;
  uint32_t line = 0;
  bool operator==(const LineEntry&) const = default;
};

struct DebugInfo {
  std::string source;                         // source file name, may be empty
  std::vector<std::vector<LineEntry>> lines;  // empty, or one vector per function
  bool operator==(const DebugInfo&) const = default;
};

struct Module {
  std::string name;
  std::vector<Signature> sigs;
  std::vector<StructType> structs;
  std::vector<FieldRef> fields;
  std::vector<Constant> consts;
  std::vector<Function> funcs;
  std::vector<Import> imports;
  std::vector<Export> exports;
  Memory memory;
  std::vector<DataSegment> data;
  DebugInfo debug;

  bool operator==(const Module&) const = default;

  // Lookups used by the linker, the CLI and tests; nullopt when absent.
  std::optional<uint32_t> find_export(std::string_view name) const;
  std::optional<uint32_t> find_func(std::string_view name) const;
  // Source line of the instruction at pc in function f, or 0 when unknown.
  uint32_t line_of(uint32_t f, uint32_t pc) const;
};

}  // namespace strata::isa
