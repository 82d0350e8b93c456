// The guest's file-descriptor table: guest fd -> host fd. The guest names only the descriptors
// in this table, so it can never reach a host descriptor it did not open (the code cache's memfd,
// the runner's own files). New descriptors take the lowest free number, as on Linux.
#pragma once

#include <cstdint>
#include <vector>

namespace strata::vm::rv64 {

struct GuestFd {
  int host = -1;
  bool cloexec = false;  // FD_CLOEXEC as the guest sees it (there is no exec yet)
  bool owned = false;    // closed on the host when the guest closes it
};

class FdTable {
 public:
  // Guest fd numbers stay below this (RLIMIT_NOFILE as the guest sees it).
  static constexpr int kMaxFds = 1024;

  FdTable() = default;
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;
  ~FdTable();

  // The entry for a guest fd, or nullptr when it is not open. GUEST: `fd` is any 64-bit value.
  const GuestFd* get(int64_t fd) const;
  int host(int64_t fd) const {
    const GuestFd* e = get(fd);
    return e ? e->host : -1;
  }
  // Installs `entry` at the lowest free number >= min_fd; -EMFILE when full (the caller still
  // owns entry.host then).
  int add(GuestFd entry, int min_fd = 0);
  // Installs `entry` at exactly `fd`, closing what was there. -EBADF when out of range.
  int put(int fd, GuestFd entry);
  void set_cloexec(int fd, bool on);
  // -EBADF when not open.
  int close(int64_t fd);

 private:
  std::vector<GuestFd> slots_;
};

}  // namespace strata::vm::rv64
