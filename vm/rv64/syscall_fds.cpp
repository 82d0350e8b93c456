// FdTable: a vector indexed by guest fd; a slot with host < 0 is free.
#include "vm/rv64/syscall_fds.hpp"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace strata::vm::rv64 {

FdTable::~FdTable() {
  for (const GuestFd& e : slots_)
    if (e.host >= 0 && e.owned) ::close(e.host);
}

FdTable::FdTable(FdTable&& other) noexcept : slots_(std::move(other.slots_)) {
  other.slots_.clear();
}

FdTable& FdTable::operator=(FdTable&& other) noexcept {
  if (this != &other) {
    for (const GuestFd& e : slots_)
      if (e.host >= 0 && e.owned) ::close(e.host);
    slots_ = std::move(other.slots_);
    other.slots_.clear();
  }
  return *this;
}

const GuestFd* FdTable::get(int64_t fd) const {
  // GUEST: fd is an untrusted register value.
  if (fd < 0 || fd >= static_cast<int64_t>(slots_.size())) return nullptr;
  const GuestFd& e = slots_[static_cast<size_t>(fd)];
  return e.host >= 0 ? &e : nullptr;
}

int FdTable::lowest_free(int min_fd) const {
  for (int fd = min_fd < 0 ? 0 : min_fd; fd < kMaxFds; ++fd)
    if (fd >= static_cast<int>(slots_.size()) || slots_[static_cast<size_t>(fd)].host < 0)
      return fd;
  return -EMFILE;
}

int FdTable::add(GuestFd entry, int min_fd) {
  const int fd = lowest_free(min_fd);
  if (fd >= 0) put(fd, entry);
  return fd;
}

int FdTable::put(int fd, GuestFd entry) {
  if (fd < 0 || fd >= kMaxFds) return -EBADF;
  if (fd >= static_cast<int>(slots_.size())) slots_.resize(static_cast<size_t>(fd) + 1);
  GuestFd& slot = slots_[static_cast<size_t>(fd)];
  if (slot.host >= 0 && slot.owned) ::close(slot.host);
  slot = entry;
  return fd;
}

void FdTable::set_cloexec(int fd, bool on) {
  if (get(fd)) slots_[static_cast<size_t>(fd)].cloexec = on;
}

int FdTable::close(int64_t fd) {
  if (!get(fd)) return -EBADF;
  GuestFd& slot = slots_[static_cast<size_t>(fd)];
  if (slot.owned) ::close(slot.host);
  slot = GuestFd{};
  return 0;
}

void FdTable::close_on_exec() {
  for (size_t fd = 0; fd < slots_.size(); ++fd)
    if (slots_[fd].host >= 0 && slots_[fd].cloexec) close(static_cast<int64_t>(fd));
}

}  // namespace strata::vm::rv64
