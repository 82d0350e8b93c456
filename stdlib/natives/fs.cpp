// std.fs: files with errors as values (-errno). What a program may open and use is decided in
// fs_files.hpp. fd 1 and 2 go through the context's buffered streams so that their output stays
// in order with std.io's, and fd 0 shares std.io's stdin buffer.
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "stdlib/natives/common.hpp"
#include "stdlib/natives/fs_files.hpp"
#include "stdlib/natives/stdin.hpp"
#include "stdlib/natives/tables.hpp"

namespace strata::stdlib {
namespace {

thread_local int64_t t_last_error = 0;

// Records errno `e` as the last error and returns -e.
int64_t fail(int e) {
  t_last_error = e;
  return -static_cast<int64_t>(e);
}

// A path as a C string: strings may hold NUL bytes, which would silently cut the path.
const char* c_path(vm::String* s) {
  return std::memchr(s->data, '\0', s->len) ? nullptr : s->data;
}

// GUEST: fd is any i64; only owned descriptors (and 0..2) reach the system.
bool usable(int64_t fd) {
  if (fd < 0 || fd > INT32_MAX) return false;
  return fd <= 2 || fd_owned(static_cast<int>(fd));
}

int64_t write_all(int fd, const char* p, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::write(fd, p + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return done > 0 ? static_cast<int64_t>(done) : fail(errno);
    done += static_cast<size_t>(w);
  }
  return static_cast<int64_t>(done);
}

// Writes to a guest descriptor; fd 1 and 2 go through the context's streams.
int64_t write_fd(NativeContext& cx, int64_t fd, std::string_view bytes) {
  if (!usable(fd) || fd == 0) return fail(EBADF);
  if (fd == 1 || fd == 2) {
    (fd == 1 ? cx.out() : cx.err()).write(bytes);
    return static_cast<int64_t>(bytes.size());
  }
  return write_all(static_cast<int>(fd), bytes.data(), bytes.size());
}

void open(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fs.open";
  vm::String* path = want_string(cx, kFn, a[0], 1);
  if (!path) return;
  vm::String* mode = want_string(cx, kFn, a[1], 2);
  if (!mode) return;
  int flags;
  std::string_view m = mode->view();
  if (m == "r")
    flags = O_RDONLY;
  else if (m == "w")
    flags = O_WRONLY | O_CREAT | O_TRUNC;
  else if (m == "a")
    flags = O_WRONLY | O_CREAT | O_APPEND;
  else if (m == "rw")
    flags = O_RDWR | O_CREAT;
  else
    return void(*r = Value::from_i(fail(EINVAL)));
  const char* p = c_path(path);
  if (!p) return void(*r = Value::from_i(fail(EINVAL)));
  int fd = open_guest_file(p, flags);
  if (fd < 0) return void(*r = Value::from_i(fail(-fd)));
  fd_own(fd);
  *r = Value::from_i(fd);
}

void read(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fs.read";
  vm::Array* b = want_array(cx, kFn, a[1], 2, vm::ObjKind::ArrayU8);
  if (!b || !check_range(cx, kFn, b->len, a[2].i, a[3].i)) return;
  int64_t fd = a[0].i;
  char* dst = static_cast<char*>(b->data) + a[2].i;
  if (!usable(fd) || fd == 1 || fd == 2) return void(*r = Value::from_i(fail(EBADF)));
  if (a[3].i == 0) return void(*r = Value::from_i(0));
  if (fd == 0) {
    ssize_t n = stdin_read(dst, static_cast<size_t>(a[3].i));
    *r = Value::from_i(n < 0 ? fail(static_cast<int>(-n)) : n);
    return;
  }
  ssize_t n;
  do {
    n = ::read(static_cast<int>(fd), dst, static_cast<size_t>(a[3].i));
  } while (n < 0 && errno == EINTR);
  *r = Value::from_i(n < 0 ? fail(errno) : n);
}

void write(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fs.write";
  vm::Array* b = want_array(cx, kFn, a[1], 2, vm::ObjKind::ArrayU8);
  if (!b || !check_range(cx, kFn, b->len, a[2].i, a[3].i)) return;
  const char* src = static_cast<const char*>(b->data) + a[2].i;
  *r = Value::from_i(write_fd(cx, a[0].i, std::string_view(src, static_cast<size_t>(a[3].i))));
}

void write_str(NativeContext& cx, const Value* a, Value* r) {
  vm::String* s = want_string(cx, "std.fs.write_str", a[1], 2);
  if (!s) return;
  *r = Value::from_i(write_fd(cx, a[0].i, s->view()));
}

void close(NativeContext&, const Value* a, Value* r) {
  int64_t fd = a[0].i;
  // The runtime's own stdin/stdout/stderr are shared, not the program's to close.
  if (fd >= 0 && fd <= 2) return void(*r = Value::from_i(fail(EPERM)));
  if (!usable(fd)) return void(*r = Value::from_i(fail(EBADF)));
  fd_disown(static_cast<int>(fd));
  // Linux frees the descriptor even when close reports EINTR: never retry.
  *r = Value::from_i(::close(static_cast<int>(fd)) < 0 && errno != EINTR ? fail(errno) : 0);
}

// The whole file at `path`, or an errno.
int slurp(const char* path, std::string& out) {
  int fd = open_guest_file(path, O_RDONLY);
  if (fd < 0) return -fd;
  int err = 0;
  try {
    char chunk[65536];
    while (err == 0) {
      ssize_t n = ::read(fd, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) err = errno;
      if (n <= 0) break;
      out.append(chunk, static_cast<size_t>(n));
    }
  } catch (const std::bad_alloc&) {
    err = ENOMEM;
  }
  ::close(fd);
  return err;
}

void read_file(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fs.read_file";
  vm::String* path = want_string(cx, kFn, a[0], 1);
  if (!path) return;
  *r = Value::from_r(nullptr);
  const char* p = c_path(path);
  if (!p) return void(fail(EINVAL));
  std::string text;
  if (int err = slurp(p, text)) return void(fail(err));
  vm::String* s = vm::new_string(text);
  // A file too large for the heap is the file's problem, reported as a value like the others.
  if (!s) return void(fail(ENOMEM));
  *r = Value::from_r(s);
}

void write_file(NativeContext& cx, const Value* a, Value* r) {
  constexpr std::string_view kFn = "std.fs.write_file";
  vm::String* path = want_string(cx, kFn, a[0], 1);
  if (!path) return;
  vm::String* text = want_string(cx, kFn, a[1], 2);
  if (!text) return;
  const char* p = c_path(path);
  if (!p) return void(*r = Value::from_i(fail(EINVAL)));
  int fd = open_guest_file(p, O_WRONLY | O_CREAT | O_TRUNC);
  if (fd < 0) return void(*r = Value::from_i(fail(-fd)));
  int64_t w = write_all(fd, text->data, text->len);
  int64_t result = w < 0 ? w : static_cast<uint64_t>(w) < text->len ? fail(EIO) : 0;
  if (::close(fd) < 0 && errno != EINTR && result == 0) result = fail(errno);
  *r = Value::from_i(result);
}

void remove(NativeContext& cx, const Value* a, Value* r) {
  vm::String* path = want_string(cx, "std.fs.remove", a[0], 1);
  if (!path) return;
  const char* p = c_path(path);
  if (!p) return void(*r = Value::from_i(fail(EINVAL)));
  // unlink, or rmdir for an empty directory, like C's remove().
  int rc = ::unlink(p);
  if (rc < 0 && errno == EISDIR) rc = ::rmdir(p);
  *r = Value::from_i(rc < 0 ? fail(errno) : 0);
}

void last_error(NativeContext&, const Value*, Value* r) {
  *r = Value::from_i(t_last_error);
}

void strerror(NativeContext& cx, const Value* a, Value* r) {
  int64_t e = a[0].i;
  // GUEST: any i64; only values in int range can name an errno.
  if (e < 0 && e != INT64_MIN) e = -e;
  const char* text = (e > 0 && e <= INT32_MAX) ? ::strerrordesc_np(static_cast<int>(e)) : nullptr;
  std::string fallback;
  if (!text) {
    fallback = fmt::format("Unknown error {}", a[0].i);
    text = fallback.c_str();
  }
  return_string(cx, "std.fs.strerror", text, r);
}

constexpr vm::NativeDef kNatives[] = {
    {"std.fs", "open", "(ref, ref) -> i64", guarded<open>,
     "open path with mode r, w, a or rw; a descriptor or -errno"},
    {"std.fs", "read", "(i64, ref, i64, i64) -> i64", guarded<read>,
     "read into bytes [off, off+len); count (0 at end) or -errno"},
    {"std.fs", "write", "(i64, ref, i64, i64) -> i64", guarded<write>,
     "write bytes [off, off+len); count or -errno"},
    {"std.fs", "write_str", "(i64, ref) -> i64", guarded<write_str>,
     "write a string; count or -errno"},
    {"std.fs", "close", "(i64) -> i64", guarded<close>, "close a descriptor; 0 or -errno"},
    {"std.fs", "read_file", "(ref) -> ref", guarded<read_file>,
     "the whole file as a string; null on error (see last_error)"},
    {"std.fs", "write_file", "(ref, ref) -> i64", guarded<write_file>,
     "create or replace a file with a string; 0 or -errno"},
    {"std.fs", "remove", "(ref) -> i64", guarded<remove>,
     "delete a file or empty directory; 0 or -errno"},
    {"std.fs", "last_error", "() -> i64", guarded<last_error>,
     "errno of this thread's last failed std.fs call"},
    {"std.fs", "strerror", "(i64) -> ref", guarded<strerror>, "text for an errno (either sign)"},
};

}  // namespace

std::span<const vm::NativeDef> fs_natives() {
  return kNatives;
}

}  // namespace strata::stdlib
