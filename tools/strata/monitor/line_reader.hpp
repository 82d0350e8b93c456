// Where the REPL's commands come from: with a terminal on stdin, libedit's line editing and
// history (when built with it); otherwise (a pipe, a file, a test) plain lines with no prompt
// echo tricks, so scripts see only command output.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

namespace strata::monitor {

class LineReader {
 public:
  // Reads from `fd`: stdin, or a copy of it when the guest's stdin was moved elsewhere.
  explicit LineReader(int fd = STDIN_FILENO);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  // The next line without its newline; nullopt at end of input.
  std::optional<std::string> read(const char* prompt);
  bool interactive() const { return tty_; }

 private:
  bool tty_;
  std::FILE* in_;  // stdin, or our own stream on a copy of it
  char* buf_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace strata::monitor
