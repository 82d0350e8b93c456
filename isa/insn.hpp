// SVI instruction words: layout, field accessors, and the opcode info table built from
// opcodes.def.
//
// Every instruction is one 64-bit little-endian word (calls add argument words, below):
//
//    63            48 47            32 31            16 15             0
//   +----------------+----------------+----------------+----------------+
//   |       c        |       b        |       a        |     opcode     |
//   +----------------+----------------+----------------+----------------+
//   |              bc (32 bits: I32 / J32 / K32)       |
//
// a, b and c are 16-bit fields: register indices (a function has at most 65535 registers),
// 16-bit immediates, or indices. Operands that need 32 bits (a wide immediate, a long branch,
// a constant index) use b and c together as `bc`, b being the low half. There is no 64-bit
// immediate in the stream: the assembler puts such values in the constant pool (`ldk`).
//
// Call instructions (flag kCall) are followed by ceil(nargs / 4) argument words; argument k
// is the 16-bit field k % 4 (from bit 0 up) of argument word k / 4. Unused slots are zero.
// Argument words are not instructions: a branch may not target them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace strata::isa {

using Word = uint64_t;

enum class Op : uint16_t {
#define STRATA_OP(name, mn, a, b, c, flags, sem) name,
#include "isa/opcodes.def"
#undef STRATA_OP
};

inline constexpr size_t kOpCount = 0
#define STRATA_OP(name, mn, a, b, c, flags, sem) +1
#include "isa/opcodes.def"
#undef STRATA_OP
    ;

// Field positions; the static_asserts keep the diagram above honest.
inline constexpr unsigned kOpShift = 0, kAShift = 16, kBShift = 32, kCShift = 48;
inline constexpr unsigned kFieldBits = 16;
static_assert(kAShift - kOpShift == kFieldBits && kBShift - kAShift == kFieldBits &&
              kCShift - kBShift == kFieldBits && 64 - kCShift == kFieldBits);
static_assert(kOpCount <= (1u << kFieldBits));

constexpr Op op_of(Word w) {
  return static_cast<Op>(w & 0xffff);
}
constexpr uint16_t a_of(Word w) {
  return static_cast<uint16_t>(w >> kAShift);
}
constexpr uint16_t b_of(Word w) {
  return static_cast<uint16_t>(w >> kBShift);
}
constexpr uint16_t c_of(Word w) {
  return static_cast<uint16_t>(w >> kCShift);
}
constexpr int16_t sc_of(Word w) {
  return static_cast<int16_t>(w >> kCShift);
}
constexpr uint32_t bc_of(Word w) {
  return static_cast<uint32_t>(w >> kBShift);
}
constexpr int32_t sbc_of(Word w) {
  return static_cast<int32_t>(w >> kBShift);
}

constexpr Word make_abc(Op op, uint16_t a, uint16_t b, uint16_t c) {
  return Word(static_cast<uint16_t>(op)) | (Word(a) << kAShift) | (Word(b) << kBShift) |
         (Word(c) << kCShift);
}
constexpr Word make_abx(Op op, uint16_t a, uint32_t bc) {
  return Word(static_cast<uint16_t>(op)) | (Word(a) << kAShift) | (Word(bc) << kBShift);
}
constexpr Word make_args(uint16_t r0, uint16_t r1 = 0, uint16_t r2 = 0, uint16_t r3 = 0) {
  return Word(r0) | (Word(r1) << 16) | (Word(r2) << 32) | (Word(r3) << 48);
}
constexpr uint16_t arg_of(Word args_word, unsigned slot) {
  return static_cast<uint16_t>(args_word >> (16 * slot));
}
constexpr size_t arg_words(size_t nargs) {
  return (nargs + 3) / 4;
}

enum class Operand : uint8_t {
  __,  // unused, must be zero
  Di,
  Df,
  Dr,
  Dx,  // register written
  Mf,  // register read, then written (f64)
  Ui,
  Uf,
  Ur,
  Ux,  // register read
  S16,
  U16,
  J16,
  I32,
  J32,
  K32,  // occupy b:c
  Fn,
  Im,
  Sg,
  Fd,
  Ty,
};

enum OpFlags : uint32_t {
  kBranch = 1u << 0,
  kTerm = 1u << 1,
  kCall = 1u << 2,
  kTrap = 1u << 3,
  kAlloc = 1u << 4,
  kMem = 1u << 5,
  kSameAB = 1u << 6,
  kConstA = 1u << 7,
  kFieldA = 1u << 8,
  kFieldB = 1u << 9,
  kResultA = 1u << 10,
  kRetA = 1u << 11,
};

struct OpInfo {
  std::string_view mnemonic;
  Operand a, b, c;
  uint32_t flags;
  std::string_view semantics;
};

inline constexpr OpInfo kOpInfo[] = {
#define STRATA_OP(name, mn, A, B, C, flags, sem) \
  OpInfo{mn, Operand::A, Operand::B, Operand::C, flags, sem},
#include "isa/opcodes.def"
#undef STRATA_OP
};
static_assert(sizeof(kOpInfo) / sizeof(kOpInfo[0]) == kOpCount);

constexpr bool is_valid_op(uint16_t raw) {
  return raw < kOpCount;
}
constexpr const OpInfo& info(Op op) {
  return kOpInfo[static_cast<size_t>(op)];
}

// The pc offset of a branch (an op with kBranch): its J16 operand in c or J32 in b:c. A taken
// branch with offset <= 0 is a back-edge (charges fuel); its target is a loop header.
constexpr int32_t branch_offset(Word w) {
  return info(op_of(w)).c == Operand::J16 ? int32_t{sc_of(w)} : sbc_of(w);
}

// True when the operand kind uses the whole b:c pair.
constexpr bool is_wide(Operand k) {
  return k == Operand::I32 || k == Operand::J32 || k == Operand::K32;
}
constexpr bool is_reg(Operand k) {
  return k >= Operand::Di && k <= Operand::Ux;
}
// Mf is both: a def and a use.
constexpr bool is_def(Operand k) {
  return k >= Operand::Di && k <= Operand::Mf;
}
constexpr bool is_use(Operand k) {
  return k >= Operand::Mf && k <= Operand::Ux;
}

// Mnemonic -> opcode (linear scan over a small table; the assembler caches it in a map).
std::optional<Op> op_from_mnemonic(std::string_view mnemonic);

}  // namespace strata::isa
