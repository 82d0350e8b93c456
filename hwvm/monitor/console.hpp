// The guest's console as the host sees it: where the UART's bytes go and where its input comes
// from. Never blocks the VCPU: input is polled (poll(2) with a zero timeout), output is
// buffered and flushed at line ends, before input is looked for, and at the end.
//
// On a terminal (stdio with stdin a TTY) the terminal is put in raw mode so keys go to the
// guest, and Ctrl-A x quits (Ctrl-A Ctrl-A sends one Ctrl-A), as in QEMU. The terminal is
// restored by restore(), by the destructor, and by the monitor on every exit path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <termios.h>

#include "isa/error.hpp"

namespace strata::hwvm {

class Console {
 public:
  // Input from `in_fd` (-1: none), output to `out_fd`; `owns_out` closes out_fd at the end.
  Console(int in_fd, int out_fd, bool owns_out);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  // "stdio" or "file:PATH" (output to PATH, created or truncated; no input).
  [[nodiscard]] static Result<std::unique_ptr<Console>> open(std::string_view spec);

  // Raw mode when input is a terminal; a no-op otherwise.
  [[nodiscard]] Result<void> enter_raw_mode();
  void restore();
  [[nodiscard]] bool interactive() const { return raw_; }

  void write(std::uint8_t byte);
  void flush();
  // The next input byte, or -1 when none is waiting (or input ended).
  int read();
  // Reads whatever input is waiting (so Ctrl-A x is seen even when the guest reads nothing).
  void pump();
  [[nodiscard]] bool quit_requested() const { return quit_; }

 private:
  void take(std::uint8_t byte);

  int in_fd_ = -1;
  int tty_fd_ = -1;  // the terminal in raw mode (input may end before it is restored)
  int out_fd_ = 1;
  bool owns_out_ = false;
  bool raw_ = false;
  bool escape_ = false;  // the previous input byte was Ctrl-A
  bool quit_ = false;
  termios saved_{};
  std::string out_buf_;
  std::string in_buf_;
  std::size_t in_pos_ = 0;
};

}  // namespace strata::hwvm
