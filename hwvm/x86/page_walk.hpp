// Guest-virtual to guest-physical translation through the guest's own page tables, for the
// debugger (`mem` on a KVM guest, gdb's m/M packets). A pure function of the control registers
// and a reader of guest-physical memory, so it is tested with hand-built tables and no KVM.
//
// Paging modes: off (the linear address is the physical one), 32-bit (2 levels, 4 MiB pages with
// CR4.PSE), PAE (3 levels, 2 MiB pages) and 4-level long mode (1 GiB and 2 MiB pages). 5-level
// paging (CR4.LA57) is refused with a clear error. Permissions are not checked: the debugger may
// read what the guest's kernel could.
#pragma once

#include <cstdint>
#include <functional>

#include "isa/error.hpp"

namespace strata::hwvm::x86 {

struct PagingState {
  std::uint64_t cr0 = 0;
  std::uint64_t cr3 = 0;
  std::uint64_t cr4 = 0;
  std::uint64_t efer = 0;
};

// Reads `size` (4 or 8) bytes of guest-physical memory at `gpa`, little-endian.
using PhysReader = std::function<Result<std::uint64_t>(std::uint64_t gpa, unsigned size)>;

// The guest-physical address of `linear`, or an error naming the address and the level whose
// entry is not present ("0x401000 is not mapped (PDE 0x1023 not present)").
[[nodiscard]] Result<std::uint64_t> translate_linear(std::uint64_t linear, const PagingState& st,
                                                     const PhysReader& read);

// True when CR0.PG is set (linear addresses go through page tables).
[[nodiscard]] inline bool paging_enabled(const PagingState& st) {
  return (st.cr0 & (1ull << 31)) != 0;
}

}  // namespace strata::hwvm::x86
