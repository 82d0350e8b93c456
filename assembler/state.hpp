// The assembler's working state for one module: the module being built, the symbol tables,
// the function being assembled and the references resolved at the end.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "assembler/cursor.hpp"
#include "isa/module.hpp"

namespace strata::as {

// An assembler-time value: what a literal or a `.const` name stands for.
using Value = isa::Constant;

// Limits that keep hostile input bounded.
inline constexpr uint32_t kMaxRegs = 65536;  // register fields are 16 bits
inline constexpr uint64_t kMaxDataBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxMemoryBytes = uint64_t{1} << 48;
inline constexpr uint32_t kMaxCodeWords = uint32_t{1} << 26;

// One instruction of the function being assembled, before branch offsets are known.
struct Item {
  isa::Op op = isa::Op::Nop;
  uint16_t a = 0, b = 0, c = 0;
  uint32_t bc = 0;
  bool wide = false;  // b:c holds bc
  int label = -1;     // branch target (label id), if the opcode has one
  bool call = false;  // followed by argument words
  std::vector<uint16_t> args;
  int pending = -1;  // index in AsmState::pending patched once names are known
  bool raw = false;  // `.word`: raw_word verbatim
  isa::Word raw_word = 0;
  uint32_t line = 0;  // debug line
  Loc loc;
  // Set by layout: first word and whether a J16 branch was relaxed into a long sequence.
  uint32_t pc = 0;
  bool relaxed = false;
};

struct Label {
  std::string name;
  int item = -1;  // index of the item the label stands before; -1 while undefined
  Loc first_use;
};

struct FuncBuilder {
  uint32_t index = 0;
  Loc loc;
  std::unordered_map<std::string, uint16_t> regs;  // names live in mod.funcs[index].reg_names
  std::vector<Item> items;
  std::vector<Label> labels;
  std::unordered_map<std::string, int> label_ids;
};

// A name used before it may be defined: a callee, a `fnref` operand or an exported function.
struct Pending {
  enum Kind : uint8_t { kCallee, kFnRef, kExport } kind = kCallee;
  uint32_t func = 0;  // function containing the reference (callee, fnref)
  uint32_t pc = 0;    // word to patch
  std::string name;
  Loc loc;
  uint32_t nargs = 0;
  bool has_dest = false;
  bool host = false;  // written `callh`
  uint32_t export_index = 0;
};

struct AsmState {
  Files files;
  isa::Module mod;
  std::unordered_map<std::string, Value> consts;  // .const names, LAYOUT.field, LAYOUT.size
  std::unordered_map<std::string, uint32_t> struct_ids;
  std::unordered_map<std::string, uint32_t> field_ids;  // "STRUCT.field"
  std::unordered_map<std::string, uint32_t> func_ids;
  std::unordered_map<std::string, uint32_t> import_ids;  // local name (alias) -> import
  std::unordered_map<std::string, Loc> layouts;
  std::map<std::string, uint32_t> pool_index;           // constant key -> first pool index
  std::unordered_map<std::string, uint32_t> sig_index;  // to_string(sig) -> index
  std::vector<Pending> pending;
  std::optional<FuncBuilder> fn;
  std::vector<std::array<int, 3>> hidden;  // per function: hidden scratch register per ValType
  bool no_lines = false;
  uint64_t data_bytes = 0;

  uint32_t intern_sig(const isa::Signature& s);
  uint32_t intern_const(const Value& v);
  void append_const(const Value& v);  // `.kpool`: always a new entry
};

// Parses `(TYPE, ...) [-> TYPE]` (the form used by .sig, .import and calli).
Result<isa::Signature> parse_sig_types(Cursor& cur);
// A literal or named value (integer, float, string, `inf`, `nan`, .const, LAYOUT.field).
Result<Value> parse_value(AsmState& st, Cursor& cur, std::string_view what);
// An integer value in [lo, hi].
Result<int64_t> parse_int(AsmState& st, Cursor& cur, int64_t lo, int64_t hi, std::string_view what);
Result<isa::ValType> parse_type(Cursor& cur);

// Statement handlers (parser.cpp: directives; instr.cpp: instructions).
Result<void> module_statement(AsmState& st, Cursor& cur, const Token& head, uint32_t line);
Result<void> function_statement(AsmState& st, Cursor& cur, uint32_t line);

// Function assembly (emitter.cpp).
Result<uint16_t> add_reg(AsmState& st, const Token& name_tok, std::string name, isa::ValType t);
Result<uint16_t> hidden_reg(AsmState& st, uint32_t func, isa::ValType t, Loc at);
int label_ref(FuncBuilder& fb, const std::string& name, Loc at);
Result<void> define_label(AsmState& st, const std::string& name, Loc at);
Result<void> finish_function(AsmState& st);
Result<void> finish_module(AsmState& st);

}  // namespace strata::as
