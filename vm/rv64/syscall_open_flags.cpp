// The flag table, one row per bit (the access mode, bits 0-1, is the same everywhere).
#include "vm/rv64/syscall_open_flags.hpp"

#include <fcntl.h>

namespace strata::vm::rv64 {

namespace {

#if defined(__x86_64__)
// glibc spells O_LARGEFILE as 0 on 64-bit hosts, but the kernel reports its bit in F_GETFL.
constexpr int kHostLargefile = 0100000;
#else
constexpr int kHostLargefile = O_LARGEFILE;
#endif

struct FlagPair {
  uint64_t guest;
  int host;
};

constexpr FlagPair kFlags[] = {
    {kGuestOCreat, O_CREAT},
    {kGuestOExcl, O_EXCL},
    {kGuestONoctty, O_NOCTTY},
    {kGuestOTrunc, O_TRUNC},
    {kGuestOAppend, O_APPEND},
    {kGuestONonblock, O_NONBLOCK},
    {kGuestODsync, O_DSYNC},
    {kGuestOAsync, O_ASYNC},
    {kGuestODirect, O_DIRECT},
    {kGuestOLargefile, kHostLargefile},
    {kGuestODirectory, O_DIRECTORY},
    {kGuestONofollow, O_NOFOLLOW},
    {kGuestONoatime, O_NOATIME},
    {kGuestOCloexec, O_CLOEXEC},
    {kGuestOSyncBit, O_SYNC & ~O_DSYNC},
    {kGuestOPath, O_PATH},
    {kGuestOTmpfileBit, O_TMPFILE & ~O_DIRECTORY},
};

}  // namespace

int host_open_flags(uint64_t guest) {
  int host = static_cast<int>(guest & 3);
  for (const FlagPair& f : kFlags)
    if (guest & f.guest) host |= f.host;
  return host;
}

uint64_t guest_open_flags(int host) {
  uint64_t guest = static_cast<uint64_t>(host & 3);
  for (const FlagPair& f : kFlags)
    if (f.host != 0 && (host & f.host) == f.host) guest |= f.guest;
  return guest;
}

}  // namespace strata::vm::rv64
