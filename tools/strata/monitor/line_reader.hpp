// Where the REPL's commands come from: with a terminal on stdin, libedit's line editing and
// history (when built with it); otherwise (a pipe, a file, a test) plain lines with no prompt
// echo tricks, so scripts see only command output.
#pragma once

#include <optional>
#include <string>

namespace strata::monitor {

class LineReader {
 public:
  LineReader();
  // The next line without its newline; nullopt at end of input.
  std::optional<std::string> read(const char* prompt);
  bool interactive() const { return tty_; }

 private:
  bool tty_;
};

}  // namespace strata::monitor
