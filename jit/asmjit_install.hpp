// The bridge from asmjit to the code cache: a tier assembles into an asmjit::CodeHolder, then
// hands the finished holder to install_asmjit(), which places it in the cache.
//
//   asmjit::CodeHolder code;
//   code.init(asmjit::Environment::host());
//   asmjit::x86::Assembler a(&code);
//   ... emit ...
//   auto entry = install_asmjit(cache, {unit, pc}, code, timer.elapsed_ns());
//
// Contract:
// - The holder must target the host (x86-64). Once installed it is consumed: it was flattened and
//   relocated to its final address, which asmjit allows only once. If the cache refuses the
//   install before placing it (busy, too big), the holder is untouched: install it again later.
// - Code that references labels in other sections (constant pools) works: all sections are laid
//   out back to back, so the entry can be larger than the .text section alone.
// - Absolute addresses asmjit cannot reach rel32 (calls to host functions far away) go through
//   the address table asmjit appends; it is part of the entry's bytes and is copied too.
// - The entry point is the start of the first section (.text offset 0): put the function first.
#pragma once

#include <cstdint>

#include <asmjit/core.h>

#include "isa/error.hpp"
#include "jit/code_cache.hpp"

namespace strata::jit {

Result<CodeEntry> install_asmjit(CodeCache& cache, CodeKey key, asmjit::CodeHolder& code,
                                 uint64_t compile_ns = 0);

}  // namespace strata::jit
