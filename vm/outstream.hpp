// Buffered output to a file descriptor for guest console output. Programs print a lot in small
// pieces; a write(2) per piece would dominate their run time.
#pragma once

#include <string>
#include <string_view>

namespace strata::vm {

class OutStream {
 public:
  explicit OutStream(int fd) : fd_(fd) {}
  OutStream(const OutStream&) = delete;
  OutStream& operator=(const OutStream&) = delete;
  ~OutStream() { flush(); }

  void write(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kFlushAt || (line_buffered_ && s.find('\n') != s.npos)) flush();
  }
  void put(char c) {
    buf_.push_back(c);
    if (buf_.size() >= kFlushAt || (line_buffered_ && c == '\n')) flush();
  }
  // Writes everything buffered; returns false if the descriptor refused (EPIPE, EBADF...).
  bool flush();
  // Line-buffered streams (a terminal) flush at each newline; set by the owner.
  void set_line_buffered(bool on) { line_buffered_ = on; }
  bool line_buffered() const { return line_buffered_; }
  int fd() const { return fd_; }

 private:
  static constexpr size_t kFlushAt = 1 << 16;
  int fd_;
  bool line_buffered_ = false;
  std::string buf_;
};

}  // namespace strata::vm
