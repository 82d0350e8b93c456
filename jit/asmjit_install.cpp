#include "jit/asmjit_install.hpp"

namespace strata::jit {

namespace {

Error asmjit_error(const char* what, CodeKey key, asmjit::Error err) {
  return Error{fmt::format("jit: asmjit {} failed for unit {} pc {:#x}: {}", what, key.unit, key.pc,
                           asmjit::DebugUtils::errorAsString(err))};
}

Result<void> check_host(CodeKey key, const asmjit::CodeHolder& code) {
  if (!code.isInitialized() || code.arch() != asmjit::Arch::kHost) {
    return fail("jit: asmjit code for unit {} pc {:#x} does not target the host", key.unit, key.pc);
  }
  return {};
}

// Lays the sections out back to back from offset 0, binds the labels used before they were
// bound, then computes relocations against the executable address `rx`; the bytes go to `rw`,
// the writable alias of the same memory (at most `cap` of them).
Result<size_t> relocate_and_copy(CodeKey key, asmjit::CodeHolder& code, std::byte* rw, uint64_t rx,
                                 size_t cap) {
  if (asmjit::Error err = code.flatten()) return tl::unexpected(asmjit_error("flatten", key, err));
  if (asmjit::Error err = code.resolveUnresolvedLinks()) {
    return tl::unexpected(asmjit_error("link resolution", key, err));
  }
  if (asmjit::Error err = code.relocateToBase(rx)) {
    return tl::unexpected(asmjit_error("relocation", key, err));
  }
  const size_t size = code.codeSize();
  if (size == 0 || size > cap) {
    return fail("jit: asmjit code grew from {} to {} bytes during relocation", cap, size);
  }
  if (asmjit::Error err =
          code.copyFlattenedData(rw, size, asmjit::CopySectionFlags::kPadSectionBuffer)) {
    return tl::unexpected(asmjit_error("copy", key, err));
  }
  return size;
}

}  // namespace

Result<CodeEntry> install_asmjit(CodeCache& cache, CodeKey key, asmjit::CodeHolder& code,
                                 uint64_t compile_ns) {
  STRATA_TRY(check_host(key, code));
  // An upper bound of the final size: every section at its alignment, and the address table in
  // full (relocation may use less of it). Computed without touching the holder, so that a refusal
  // by the cache (busy) leaves it reusable.
  const size_t estimate = code.codeSize();
  return cache.install_with(key, estimate, compile_ns,
                            [&](std::byte* rw, uint64_t rx, size_t cap) -> Result<size_t> {
                              return relocate_and_copy(key, code, rw, rx, cap);
                            });
}

Result<PlacedCode> place_asmjit(CodeCache& cache, CodeKey key, asmjit::CodeHolder& code,
                                bool* holder_used) {
  *holder_used = false;
  STRATA_TRY(check_host(key, code));
  const CodeCache::Reservation r = STRATA_TRY(cache.reserve(code.codeSize()));
  *holder_used = true;
  Result<size_t> size = relocate_and_copy(key, code, r.rw, r.rx, r.size);
  if (!size) {
    cache.cancel(r);
    return tl::unexpected(size.error());
  }
  return PlacedCode{r, *size};
}

}  // namespace strata::jit
