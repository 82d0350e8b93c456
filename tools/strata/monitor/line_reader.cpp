#include "tools/strata/monitor/line_reader.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#ifdef STRATA_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace strata::monitor {

LineReader::LineReader() : tty_(isatty(STDIN_FILENO) == 1) {}

std::optional<std::string> LineReader::read(const char* prompt) {
#ifdef STRATA_HAVE_LIBEDIT
  if (tty_) {
    char* line = readline(prompt);
    if (line == nullptr) return std::nullopt;
    std::string s(line);
    std::free(line);
    if (!s.empty()) add_history(s.c_str());
    return s;
  }
#endif
  if (tty_) {
    std::fputs(prompt, stdout);
    std::fflush(stdout);
  }
  std::string s;
  if (!std::getline(std::cin, s)) return std::nullopt;
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

}  // namespace strata::monitor
