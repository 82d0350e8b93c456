// Runs of loads or stores off one base register that one software-TLB check covers (system
// mode, translate_sys_mem.cpp).
//
// WHY. A prologue stores its saved registers off sp, an epilogue loads them back, and a
// structure's fields are read off one pointer: each access checked alone costs the whole inline
// TLB check (11 host instructions in the baseline tier) though all of them fall in one page. A
// group checks the span of its members once, at its first member (the leader), and keeps the
// linear address of the span's first byte in a register; each later member (a follower) then
// costs a test of that register and its access.
//
// WHEN. The members are the leader and the later accesses of the same guest block with the same
// base register and direction (loads or stores: a page's read and write tags differ), while the
// base register keeps its value; only integer computation and other loads and stores may come
// between them (no helper but the memory slow path's, which never drops a TLB entry's page from
// RAM: a store into a page with code sets kExit and the unit leaves). Alignment does not
// matter: RISC-V loads and stores may be misaligned (the hart's slow path splits only one that
// crosses a page, and the group's check proves its span within one).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "isa/rv64/decoder.hpp"

namespace strata::jit::rv64 {

// The span a group may cover: a larger one crosses a page more often (its members then take the
// slow path one by one).
inline constexpr uint32_t kMaxGroupSpan = 256;
// Followers a group may have (a prologue saving ra and s0-s11 has twelve).
inline constexpr size_t kMaxFollowers = 15;

struct MemGroup {
  uint8_t base = 0;  // x register
  bool store = false;
  int64_t low = 0;    // the lowest member offset
  uint32_t span = 0;  // bytes from low to the end of the highest member
  uint8_t count = 0;  // followers
  std::array<uint64_t, kMaxFollowers> followers{};  // their pcs, ascending
};

// Bytes a load or store of `op` accesses; 0 for any other instruction (atomics included).
unsigned plain_access_size(isa::rv64::Opcode op);

// The group led by `leader` at `pc`, `after` being the instructions that follow it in its guest
// block (in order; the caller may pass more than the block will emit, never fewer than it reads
// past the leader); nullopt when no later access can join it.
std::optional<MemGroup> plan_mem_group(const isa::rv64::DecodedInsn& leader, uint64_t pc,
                                       std::span<const isa::rv64::DecodedInsn> after);

}  // namespace strata::jit::rv64
