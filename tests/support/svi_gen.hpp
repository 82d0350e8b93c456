// Random SVI programs for differential testing (docs: tests/vm/random_programs_test.cpp).
//
// generate(seed) builds a GenProgram: an internal representation (functions made of statements)
// and the SASM text printed from it. The text is what the VM runs; the representation is what
// the reference evaluator (svi_oracle.hpp) runs. Each Stmt remembers the SASM line of the
// instruction that can trap, so a trap is located exactly (kind, function, line).
//
// Program shape, fixed so that every generated program is well typed and terminates:
//   * functions f0..fN-1 take (%i0: i64 depth, %i1, %f0, %i2, %r0, %f1, %i3) (kArgTypes: seven
//     parameters, so calls carry two argument words and pass a ref, usually the caller's i64
//     array) and return i64 or f64; `main` declares the same registers as locals. Calls are
//     skipped when depth is 0 and pass depth-1, so recursion (direct, mutual, indirect) is
//     bounded; calls never sit in loops.
//   * i64 registers (kI*): 0 depth, 1 param, 2..9 general (2 and 3 are parameters too),
//     10 hash, 11..13 temps, 14 depth-1, 15..16 loop counters, 17 address. f64: 0 param,
//     1..6 general (1 is a parameter too). ref: fixed roles (kR*; 0 is a parameter too).
//   * loops count a dedicated counter down from 1..4; the body never writes it.
//   * linear memory: 64 KiB, growable to 128 KiB. Integer accesses stay below 0x4010, float
//     accesses in [0x8000, 0x9010) (so NaN payloads never reach an integer register); a
//     "risky" program sometimes uses an unmasked or past-the-end address.
//   * NaN payloads are not part of the observable state: every fbits the generator emits is
//     followed by a canonicalisation (any NaN hashes as the same value).
//   * checkpoints fold every i64 register and the (canonical) f64 bits into %i10 with
//     muli/add and print it (std.io println_i64); main returns %i10, so divergence anywhere
//     shows in stdout or the exit code.
//   * 40% of the seeds are "risky": they sometimes divide by an unmasked register, use an
//     unmasked, past-the-end, straddling or large-offset address, an out-of-range index, a null
//     or a wrong-kind object (array of another type, record of struct T, a string, a function),
//     call through a null or mismatched function reference, or run a `trap` in a branch. The
//     others only trap by chance of their values (string index, recursion into a risky callee).
// Every opcode of the STRATA_SVIGEN_OPS list below is emitted (plus jmp, call, calli, callh,
// ret, and ldk through the li/lf pseudo-instructions); not emitted: nop, retv and void
// functions, callh of anything but println_i64, slices of the stdlib.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::svigen {

// Instructions the generator emits (a subset of isa/opcodes.def plus the pseudo `lf`).
// clang-format off
#define STRATA_SVIGEN_OPS(X)                                                                    \
  X(Add, "add") X(Sub, "sub") X(Mul, "mul") X(Div, "div") X(Rem, "rem") X(DivU, "divu")         \
  X(MulH, "mulh") X(MulHU, "mulhu")                                                             \
  X(RemU, "remu") X(And, "and") X(Or, "or") X(Xor, "xor") X(Shl, "shl") X(Shr, "shr")           \
  X(Sar, "sar") X(Eq, "eq") X(Ne, "ne") X(Lt, "lt") X(Le, "le") X(Gt, "gt") X(Ge, "ge")         \
  X(LtU, "ltu") X(LeU, "leu") X(GtU, "gtu") X(GeU, "geu")                                       \
  X(Neg, "neg") X(Not, "not") X(Sext8, "sext8") X(Sext16, "sext16") X(Sext32, "sext32")         \
  X(Zext8, "zext8") X(Zext16, "zext16") X(Zext32, "zext32")                                     \
  X(AddI, "addi") X(MulI, "muli") X(AndI, "andi") X(OrI, "ori") X(XorI, "xori")                 \
  X(ShlI, "shli") X(ShrI, "shri") X(SarI, "sari")                                               \
  X(Li, "li") X(Lf, "lf") X(MovI, "mov") X(MovF, "mov") X(MovR, "mov")                          \
  X(FAdd, "fadd") X(FSub, "fsub") X(FMul, "fmul") X(FDiv, "fdiv") X(FMin, "fmin")               \
  X(FMax, "fmax") X(FNeg, "fneg") X(FAbs, "fabs") X(FSqrt, "fsqrt") X(FFloor, "ffloor")         \
  X(FCeil, "fceil") X(FTrunc, "ftrunc") X(FNearest, "fnearest") X(FMAdd, "fmadd")               \
  X(FEq, "feq") X(FNe, "fne") X(FLt, "flt") X(FLe, "fle") X(FGt, "fgt") X(FGe, "fge")           \
  X(I2F, "i2f") X(F2I, "f2i") X(FBits, "fbits") X(BitsF, "bitsf")                               \
  X(LdI8, "ld.i8") X(LdU8, "ld.u8") X(LdI16, "ld.i16") X(LdU16, "ld.u16") X(LdI32, "ld.i32")    \
  X(LdU32, "ld.u32") X(LdI64, "ld.i64") X(LdF32, "ld.f32") X(LdF64, "ld.f64")                   \
  X(StI8, "st.i8") X(StI16, "st.i16") X(StI32, "st.i32") X(StI64, "st.i64") X(StF32, "st.f32")  \
  X(StF64, "st.f64") X(MSize, "msize") X(MGrow, "mgrow") X(MCopy, "mcopy") X(MFill, "mfill")    \
  X(Null, "null") X(FnRef, "fnref") X(LdkStr, "ldk") X(RNew, "rnew") X(RGet, "rget")            \
  X(RSet, "rset") X(ANewI, "anew.i") X(ANewF, "anew.f") X(ANewR, "anew.r") X(ANewB, "anew.b")   \
  X(AGetI, "aget.i") X(AGetF, "aget.f") X(AGetR, "aget.r") X(AGetB, "aget.b")                   \
  X(ASetI, "aset.i") X(ASetF, "aset.f") X(ASetR, "aset.r") X(ASetB, "aset.b") X(ALen, "alen")   \
  X(SLen, "slen") X(SByte, "sbyte") X(REq, "req") X(IsNull, "isnull") X(Trap, "trap")           \
  X(Bnz, "bnz") X(Bz, "bz") X(Beq, "beq") X(Bne, "bne") X(Blt, "blt") X(Ble, "ble")             \
  X(Bgt, "bgt") X(Bge, "bge") X(BltU, "bltu") X(BgeU, "bgeu") X(BfLt, "bflt") X(BfLe, "bfle")   \
  X(BfGt, "bfgt") X(BfGe, "bfge") X(BNull, "bnull") X(BNonNull, "bnonnull")
// clang-format on

enum class Op : uint8_t {
#define STRATA_SVIGEN_ENUM(name, mn) name,
  STRATA_SVIGEN_OPS(STRATA_SVIGEN_ENUM)
#undef STRATA_SVIGEN_ENUM
};
const char* mnemonic(Op op);

// Register roles (indices within each register type).
inline constexpr uint16_t kIDepth = 0, kIParam = 1, kIGen0 = 2, kIGenN = 8, kIHash = 10, kITmp = 11,
                          kICmp = 12, kIMask = 13, kIDepthM1 = 14, kILoop0 = 15, kIAddr = 17,
                          kNumI = 18;
inline constexpr uint16_t kFParam = 0, kFGen0 = 1, kFGenN = 6, kNumF = 7;
inline constexpr uint16_t kRArrI = 0, kRArrF = 1, kRArrB = 2, kRArrR = 3, kRRec = 4, kRFn = 5,
                          kRNull = 6, kRStr = 7, kRAny = 8, kNumR = 9;
// Field handles: S.x (i64), S.y (f64), S.r (ref), T.v (i64).
inline constexpr int64_t kFieldSX = 0, kFieldSY = 1, kFieldSR = 2, kFieldTV = 3;
// Helper parameters after the depth: their types and registers.
inline constexpr char kArgTypes[] = "ifirfi";
inline constexpr uint16_t kArgRegs[] = {1, 0, 2, 0, 1, 3};
inline constexpr uint64_t kMemInitial = 65536, kMemMax = 131072;
inline constexpr uint64_t kFloatBase = 0x8000;  // float accesses: offset kFloatBase + imm

struct Stmt {
  enum class Kind : uint8_t {
    Insn,   // op a, b, c / imm / fimm
    If,     // op (a branch) a, b: taken -> alt, else body
    Loop,   // counter register a, trip count imm, form c (0: bnz back, 1: bz out + jmp back)
    Call,   // a = f<callee>(%i14, args...) when depth != 0 (a's type: the callee's result)
    CallI,  // a = calli %r<b> : sig <imm> (%i14, args...)  when depth != 0
    Print,  // callh println_i64(%i<a>)
    Ret,    // ret %i<a>, or %f<a> when c == 1 (an early return; the function's type)
  };
  Kind kind = Kind::Insn;
  Op op = Op::Add;
  uint16_t a = 0, b = 0, c = 0, d = 0;
  int64_t imm = 0;
  double fimm = 0;
  int callee = 0;
  std::array<uint16_t, 6> args{};  // Call/CallI: argument registers, typed as kArgTypes
  uint32_t line = 0;               // SASM line of the instruction that can trap (set by emit)
  std::vector<Stmt> body, alt;
};

struct GenFunction {
  std::string name;
  bool is_main = false;
  bool returns_f64 = false;  // helpers: result type; main returns i64
  std::vector<Stmt> body;    // ends with a return of %i10 (i64) or %f<ret_reg> (f64)
  uint16_t ret_reg = kIHash;
};

struct GenProgram {
  uint64_t seed = 0;
  std::vector<GenFunction> funcs;  // helpers f0..fN-1, then main (last)
  std::vector<int64_t> data_i64;   // .data 0 i64 ...
  std::vector<double> data_f64;    // .data kFloatBase f64 ...
  std::vector<std::string> strings;
  std::string sasm;  // filled by generate()
};

// A whole random program, with its SASM text.
GenProgram generate(uint64_t seed);

// Prints `p` as SASM and records each statement's line. generate() calls it.
std::string emit_sasm(GenProgram& p);

}  // namespace strata::svigen
