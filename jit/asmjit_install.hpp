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

// A compile thread's half of CodeCache::reserve/commit: reserves room for `code` in `cache`,
// relocates it there and writes it, without the cache's lock; the installing thread then
// commits `where` with `size` bytes. Fails, reserving nothing and leaving the holder untouched,
// where the cache's current chunk has no room (install_asmjit it then). `key` names the code in
// errors only.
struct PlacedCode {
  CodeCache::Reservation where;
  size_t size = 0;
};
// Distinguishes the two failures: `holder_used` is set when the holder was consumed (an asmjit
// error after reserving), so the code cannot be installed another way either.
Result<PlacedCode> place_asmjit(CodeCache& cache, CodeKey key, asmjit::CodeHolder& code,
                                bool* holder_used);

}  // namespace strata::jit
