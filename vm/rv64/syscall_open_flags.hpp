// Guest (asm-generic, RISC-V) open/fcntl flag bits <-> the host's. asm-generic's values equal
// x86-64's, but are spelled out here so that a host with other values (arm64's O_DIRECTORY,
// O_NOFOLLOW, O_DIRECT, O_LARGEFILE differ) still gets the right bits, and unknown guest bits are
// dropped as Linux drops them.
#pragma once

#include <cstdint>

namespace strata::vm::rv64 {

inline constexpr uint64_t kGuestOCreat = 0100, kGuestOExcl = 0200, kGuestONoctty = 0400,
                          kGuestOTrunc = 01000, kGuestOAppend = 02000, kGuestONonblock = 04000,
                          kGuestODsync = 010000, kGuestOAsync = 020000, kGuestODirect = 040000,
                          kGuestOLargefile = 0100000, kGuestODirectory = 0200000,
                          kGuestONofollow = 0400000, kGuestONoatime = 01000000,
                          kGuestOCloexec = 02000000, kGuestOSyncBit = 04000000,
                          kGuestOPath = 010000000, kGuestOTmpfileBit = 020000000;

int host_open_flags(uint64_t guest);
uint64_t guest_open_flags(int host);

}  // namespace strata::vm::rv64
