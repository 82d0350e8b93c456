// RISC-V virtual-memory translation (privileged spec, "Supervisor-Level ISA", Sv39 and Sv48):
// the page-table walk a full-system hart does on a TLB miss. Pure: physical memory is reached
// only through PhysAccess, so the walk is tested on hand-built tables with no CPU attached.
//
// What it implements, step by step as the spec's algorithm (4.3.2):
// - satp.MODE Bare (0), Sv39 (8), Sv48 (9); any other mode is not selectable (the CSR write
//   keeps the old value: WARL), so the walk never sees one. M-mode accesses (after MPRV) are
//   not translated.
// - The virtual address must be canonical (bits 63..VA_BITS-1 all equal), else a page fault.
// - Each level reads one 8-byte PTE. A read outside physical memory is an access fault. V=0,
//   W without R, reserved bits 60..54 or PBMT/N bits 63..61 set (Svpbmt and Svnapot are not
//   implemented) are page faults. A pointer at level 0 is a page fault: with at most four
//   levels the walk is bounded, so a table that points to itself ends in a fault, not a loop.
// - Leaf permissions: fetch needs X; load needs R (or X with MXR); store and AMO need W.
//   U-mode needs U=1; S-mode may load/store U pages only with SUM and never fetches them.
// - A misaligned superpage (low PPN fields not zero) is a page fault.
// - A and D are updated by the walk (as QEMU does, and as Linux expects from hardware that
//   does not fault on A/D): A on any access, D on a store, written with a compare-and-swap so
//   a PTE changed meanwhile (by another hart) makes the walk start again.
#pragma once

#include <cstdint>

namespace strata::vm::rv64sys {

enum class Access : std::uint8_t { Fetch, Load, Store };  // Store covers AMOs and SC
enum class Priv : std::uint8_t { User = 0, Supervisor = 1, Machine = 3 };

// Exception causes (mcause/scause values) a translation can raise.
inline constexpr std::uint32_t kCauseFetchAccess = 1, kCauseLoadAccess = 5, kCauseStoreAccess = 7,
                               kCauseFetchPage = 12, kCauseLoadPage = 13, kCauseStorePage = 15;

inline constexpr std::uint64_t kSatpModeBare = 0, kSatpModeSv39 = 8, kSatpModeSv48 = 9;

// PTE bits.
inline constexpr std::uint64_t kPteV = 1 << 0, kPteR = 1 << 1, kPteW = 1 << 2, kPteX = 1 << 3,
                               kPteU = 1 << 4, kPteG = 1 << 5, kPteA = 1 << 6, kPteD = 1 << 7;

// Physical memory as the page walker sees it: 8-byte, naturally aligned PTE accesses.
class PhysAccess {
 public:
  virtual ~PhysAccess() = default;
  // False when `pa` is not memory (outside RAM, a device): an access fault.
  virtual bool read_pte(std::uint64_t pa, std::uint64_t* value) = 0;
  // Writes `desired` if the PTE still holds `expected`; false if it did not (or `pa` is not
  // memory: then read_pte fails too on the retry).
  virtual bool cas_pte(std::uint64_t pa, std::uint64_t expected, std::uint64_t desired) = 0;
};

struct WalkContext {
  std::uint64_t satp = 0;
  Priv priv = Priv::Supervisor;  // the effective privilege of the access (MPRV already applied)
  bool sum = false;              // mstatus.SUM: S-mode may load/store U pages
  bool mxr = false;              // mstatus.MXR: loads may read execute-only pages
};

struct Translation {
  bool ok = false;
  std::uint32_t cause = 0;      // when !ok: the exception to raise (tval is the virtual address)
  std::uint64_t pa = 0;         // when ok: the physical address of `va`
  std::uint64_t page_size = 0;  // 4 KiB, 2 MiB, 1 GiB or 512 GiB (what a TLB entry may cover)
  std::uint64_t pte = 0;        // the leaf PTE after the A/D update (its R/W/X/U for a TLB)
};

// Whether a leaf PTE allows `access` under `ctx` (the permission step of the walk, for a TLB
// that caches one walk's result for the other kinds of access).
[[nodiscard]] bool pte_allows(std::uint64_t pte, Access access, const WalkContext& ctx);

// Translates `va` for `access`. M-mode and Bare give pa == va with a 4 KiB "page" (a TLB may
// cache it like any other).
[[nodiscard]] Translation translate(std::uint64_t va, Access access, const WalkContext& ctx,
                                    PhysAccess& mem);

}  // namespace strata::vm::rv64sys
