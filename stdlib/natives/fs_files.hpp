// What std.fs lets a program touch. Guest descriptors are host descriptors, so two rules keep a
// program inside its own files:
//   * ownership: only descriptors that std.fs opened (plus 0, 1, 2) are usable;
//   * kind: only regular files, directories and the harmless character devices (/dev/null,
//     /dev/zero, /dev/random, /dev/urandom) may be opened. procfs and sysfs are refused:
//     /proc/self/fd/N would reopen a host descriptor (bypassing ownership) and /proc/self/mem is
//     the host's memory. FIFOs and other devices are refused too (opening a FIFO blocks).
#pragma once

namespace strata::stdlib {

// open(2) of `path` with `flags` (O_CLOEXEC is added) under the kind rule: a descriptor, or
// -errno (-EACCES for a refused kind). The descriptor is not yet owned.
int open_guest_file(const char* path, int flags);

// The ownership table (process-wide, thread-safe).
bool fd_owned(int fd);
void fd_own(int fd);
void fd_disown(int fd);

}  // namespace strata::stdlib
