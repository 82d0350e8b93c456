// The SVI verifier: proves, once at load time, everything the interpreter and the JITs assume
// without checking at run time. A module that passes can be executed without type tags, without
// bounds checks on register, constant, function, import, signature, struct or field indices,
// and without checking that a branch lands on an instruction or that control stays inside the
// function. (Run-time conditions — null references, array bounds, linear-memory bounds, division
// by zero, indirect-call signatures — are still checked by the handlers and trap.)
//
// What is proved:
//   tables     signature/field/register types are valid ValTypes; every struct's fields are the
//              next `field_count` entries of Module::fields with matching owner and slot, and
//              the structs cover the field table exactly; import signatures in range
//   functions  signature in range; the registers start with the signature's parameters, at
//              most 65536 registers; reg_names empty or one per register; code non-empty
//   code       every opcode valid; register operands in range and of the type the opcode table
//              gives (with the Dx/Ux rules kSameAB, kConstA, kFieldA, kFieldB, kResultA, kRetA);
//              unused fields zero; constant/function/import/signature/struct/field indices in
//              range; branch targets inside the function and on an instruction start; call
//              argument words present, arguments typed as the callee's parameters, unused
//              argument slots zero, a == 0 for void callees; ret only in non-void functions,
//              retv only in void ones; no instruction falls through past the end
//   exports    names unique, functions in range
//   memory     initial <= max; every data segment inside the initial memory
//   debug      line tables absent or one per function; each sorted by strictly increasing pc,
//              every pc an instruction start
//
// The first problem found is reported, as one line naming where it is, e.g.
//   "verify: function 'fib' (#2) pc 7: add operand b: register %3 has type f64, expected i64"
//   "verify: section 'exports': export 'main' (#0): function #9 out of range (module has 3)"
#pragma once

#include "isa/error.hpp"
#include "isa/module.hpp"

namespace strata::isa {

// Maximum registers per function: register operands are 16-bit fields.
inline constexpr size_t kMaxRegisters = 65536;

Result<void> verify(const Module& m);

// Verifies the code of function `f` alone, assuming the module's tables and all function
// headers are valid (verify() checks them first). Exposed for tools that patch one function.
Result<void> verify_code(const Module& m, uint32_t f);

}  // namespace strata::isa
