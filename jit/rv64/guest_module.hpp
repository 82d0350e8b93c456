// The SVI module whose instance runs translated RV64 blocks: no functions of its own (blocks
// are added by the translation cache, one FuncInfo each), the helper imports (helpers.hpp) in
// Helper order, the block signature, and a linear memory that is the guest address space.
#pragma once

#include <cstdint>
#include <memory>

#include "isa/error.hpp"
#include "isa/module.hpp"
#include "vm/instance.hpp"

namespace strata::jit::rv64 {

// Signature index of every block function: () -> i64.
inline constexpr uint32_t kBlockSig = 0;

// The module description (sigs, imports, memory of `memory_bytes`).
isa::Module make_guest_module(uint64_t memory_bytes);

// Builds a ready instance of it: memory allocated (zeroed) at its full size, every import bound
// to its helper native. `memory_bytes` must be a whole number of SVI pages
// (vm::LinearMemory::kPageSize). Fails when it is not or the host cannot allocate the memory.
//
// `guard_bytes` (whole SVI pages) of PROT_NONE follow the memory (vm::LinearMemory::guard): only
// for a runner whose fault trap covers them (user mode's Rv64Vcpu: GuestFaultTrap over size +
// guard), since the LLVM tier then leaves accesses that end in the guard to fault there
// (OptRequest::guard_bytes).
//
// `huge_pages`: vm::LinearMemory::init_mapped's hint.
Result<std::unique_ptr<vm::Instance>> make_guest_instance(uint64_t memory_bytes,
                                                          uint64_t guard_bytes = 0,
                                                          bool huge_pages = true);

// The guard user mode asks for: two SVI pages, more than any SVI access's offset plus length
// (offsets are 16 bits), so every access of a unit qualifies.
inline constexpr uint64_t kUserGuardBytes = 2 * vm::LinearMemory::kPageSize;

// A vm::FuncInfo for a translated block function of `inst` (the caller keeps `body` alive and at
// a stable address; code points into it).
void init_block_func(vm::FuncInfo& fn, const isa::Function& body, vm::Instance& inst,
                     uint32_t index);

}  // namespace strata::jit::rv64
