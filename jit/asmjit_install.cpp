#include "jit/asmjit_install.hpp"

namespace strata::jit {

namespace {

Error asmjit_error(const char* what, CodeKey key, asmjit::Error err) {
  return Error{fmt::format("jit: asmjit {} failed for unit {} pc {:#x}: {}", what, key.unit, key.pc,
                           asmjit::DebugUtils::errorAsString(err))};
}

}  // namespace

Result<CodeEntry> install_asmjit(CodeCache& cache, CodeKey key, asmjit::CodeHolder& code,
                                 uint64_t compile_ns) {
  if (!code.isInitialized() || code.arch() != asmjit::Arch::kHost) {
    return fail("jit: asmjit code for unit {} pc {:#x} does not target the host", key.unit, key.pc);
  }
  // An upper bound of the final size: every section at its alignment, and the address table in
  // full (relocation may use less of it). Computed without touching the holder, so that a refusal
  // by the cache (busy) leaves it reusable.
  const size_t estimate = code.codeSize();
  return cache.install_with(
      key, estimate, compile_ns, [&](std::byte* rw, uint64_t rx, size_t cap) -> Result<size_t> {
        // Lay the sections out back to back from offset 0, bind the labels used before they were
        // bound, then compute relocations against the executable address; the bytes go to the
        // writable alias of the same memory.
        if (asmjit::Error err = code.flatten()) {
          return tl::unexpected(asmjit_error("flatten", key, err));
        }
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
      });
}

}  // namespace strata::jit
