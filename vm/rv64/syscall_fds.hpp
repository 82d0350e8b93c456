// The guest's file-descriptor table: guest fd -> host fd. The guest names only the descriptors
// in this table, so it can never reach a host descriptor it did not open (the code cache's memfd,
// the runner's own files). New descriptors take the lowest free number, as on Linux.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::vm::rv64 {

struct GuestFd {
  int host = -1;
  bool cloexec = false;  // FD_CLOEXEC as the guest sees it: execve closes it
  bool owned = false;    // closed on the host when the guest closes it
};

class FdTable {
 public:
  // Guest fd numbers stay below this (RLIMIT_NOFILE as the guest sees it).
  static constexpr int kMaxFds = 1024;

  FdTable() = default;
  FdTable(const FdTable&) = delete;
  FdTable& operator=(const FdTable&) = delete;
  // execve hands the table to the new program's Process.
  FdTable(FdTable&& other) noexcept;
  FdTable& operator=(FdTable&& other) noexcept;
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
  // The number add() would take, or -EMFILE when the table is full.
  int lowest_free(int min_fd = 0) const;
  // Installs `entry` at exactly `fd`, closing what was there. -EBADF when out of range.
  int put(int fd, GuestFd entry);
  void set_cloexec(int fd, bool on);
  // -EBADF when not open.
  int close(int64_t fd);
  // What execve does: closes every FD_CLOEXEC descriptor.
  void close_on_exec();
  // Calls f(guest fd, entry) for each open descriptor, lowest first.
  template <typename F>
  void for_each(F&& f) const {
    for (size_t fd = 0; fd < slots_.size(); ++fd)
      if (slots_[fd].host >= 0) f(static_cast<int>(fd), slots_[fd]);
  }

 private:
  std::vector<GuestFd> slots_;
};

}  // namespace strata::vm::rv64
